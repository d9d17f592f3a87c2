// Table: a schema plus an immutable TableState (ordered segments + their key indexes), swapped
// whole on every write. Reads take a snapshot (shared_ptr copy under a tiny lock that writers
// hold only for the pointer swap) and never wait for a write or a compaction in progress.
// Writes are serialized per table. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"

namespace murr {

class Segment;
struct TableState;

struct TableOptions {
  // Compaction merges the newest segments when this many segments sit in the same size tier
  // (tiers grow by a factor of kTierFactor). 4 keeps the segment count logarithmic in the number
  // of writes while rewriting each row only log4(rows / first write) times.
  int tier_fan_in = 4;
  // Hard cap on segments per table: past it every segment is merged into one. Keeps the probe
  // count of a missing key bounded whatever the write pattern.
  int max_segments = 24;
  // fsync segment files and directories. Only tests of non-durability aspects turn this off.
  bool fsync = true;
  // Verify every column checksum when a segment is opened (open reads the whole file once).
  bool verify_checksums_on_open = true;
};

struct TableStats {
  int64_t rows = 0;            // distinct live keys
  int64_t segments = 0;
  int64_t bytes = 0;           // segment file bytes on disk
};

class Table {
 public:
  // Creates the folder, writes table.json durably. AlreadyExists if table.json exists.
  static Result<std::shared_ptr<Table>> Create(const std::string& dir, const TableSchema& schema,
                                               const TableOptions& options);
  // Opens an existing table folder: reads table.json, opens and verifies every segment.
  static Result<std::shared_ptr<Table>> Open(const std::string& dir, const TableOptions& options);
  ~Table();

  const TableSchema& schema() const { return schema_; }
  const std::string& dir() const { return dir_; }

  // Validates every batch against the schema, then writes them as one segment (durable before
  // return), publishes the new state, and compacts if the tiering policy says so.
  Result<int64_t> Write(const std::vector<Batch>& batches);
  Result<Batch> Read(const std::vector<std::string_view>& keys,
                     const std::vector<std::string>& columns) const;
  TableStats Stats() const;

  // Merges every segment into one now (tests, benchmarks, admin).
  Status CompactAll();

  std::shared_ptr<const TableState> Snapshot() const;

 private:
  Table(std::string dir, TableSchema schema, TableOptions options);
  void Publish(std::shared_ptr<const TableState> state);
  Status MaybeCompact();
  Status Compact(size_t first, size_t last);

  std::string dir_;
  TableSchema schema_;
  TableOptions options_;
  mutable std::mutex state_mu_;   // guards state_ pointer only
  std::shared_ptr<const TableState> state_;
  std::mutex write_mu_;           // serializes writers and compaction
  uint64_t next_segment_id_ = 1;
};

}  // namespace murr
