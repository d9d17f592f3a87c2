// Table: a schema plus an immutable TableState (ordered segments + their key indexes), swapped
// whole on every write. Reads take a snapshot (an atomic shared_ptr load: no mutex that readers
// or writers hold) and never wait for a write or a compaction in progress.
// Writes to one table are published one after the other, in the order they were given segment
// ids, but concurrent writers write and fsync their segment files at the same time and share one
// directory fsync (group commit). Compaction runs on a background thread of the table (started
// on first need) so that a write returns as soon as its own segment is durable. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"

namespace murr {

class Segment;
struct TableState;
struct RowRef;
class Table;

// A whole-table replace in progress (Table::BeginReplace): the parts of the new content are
// added one by one, each as a durable segment that no reader sees, and Commit makes them the
// table's whole content in one swap. Destroyed without a Commit, it removes what it wrote.
// Add may be called from several threads at once; Commit once, after every Add returned.
class TableReplacement {
 public:
  ~TableReplacement();
  TableReplacement(const TableReplacement&) = delete;
  TableReplacement& operator=(const TableReplacement&) = delete;

  // Validates part `index` (0..parts-1) against the schema like a write, and writes it as one
  // segment. When parts hold the same key, the part with the higher index wins. Returns its rows.
  Result<int64_t> Add(size_t index, const std::vector<Batch>& batches);
  // Durably records the new content with `provenance` (opaque text, Table::provenance()), then
  // publishes it: readers holding the old snapshot keep it, the old segment files are unlinked
  // (their mappings live on until the last reader lets go). A crash before the record is
  // durable leaves the old content; after it, the new one (Table::Open finishes the job).
  Status Commit(std::string provenance);

 private:
  friend class Table;
  TableReplacement(std::shared_ptr<Table> table, uint64_t first, size_t parts);
  std::shared_ptr<Table> table_;
  uint64_t first_;
  std::mutex mu_;
  std::vector<std::shared_ptr<const Segment>> segments_;  // by part; null when empty/not added
  bool committed_ = false;
};

// Where each key lives: the newest of `segments` (oldest first) that holds it, or
// kMissingSource. Batched and prefetched; shared by reads, writes and compaction.
std::vector<RowRef> LookupKeys(const std::vector<std::shared_ptr<const Segment>>& segments,
                               const std::string_view* keys, size_t n);

struct TableOptions {
  // Compaction merges a run of adjacent segments when this many of them sit in the same size
  // tier (tiers grow by a factor of 4). 4 keeps the segment count logarithmic in the number of
  // writes while rewriting each row only about log4(table rows / write rows) times.
  int tier_fan_in = 4;
  // Run compaction on a background thread (true) or inline at the end of each write (false:
  // deterministic, for tests).
  bool background_compaction = true;
  // After this many seconds without a write, the background thread merges all segments into one
  // (the fastest layout to read). 0 disables it.
  int idle_compaction_seconds = 30;
  // Hard cap on segments per table: past it every segment is merged into one. Keeps the probe
  // count of a missing key bounded whatever the write pattern.
  int max_segments = 24;
  // Largest merge, in bytes of its input segment files. A merge holds its output in memory
  // about 2.5x over before writing it, so this bounds compaction's heap; merges past it are not
  // done (the table keeps more segments and reads probe a few more indexes). 4 GiB keeps a
  // full merge of a 10M-row x 10-float table (about 600 MB) well inside.
  int64_t max_merge_bytes = int64_t{4} << 30;
  // fsync segment files and directories. Only tests of non-durability aspects turn this off.
  bool fsync = true;
  // Verify every column checksum when a segment is opened (open reads the whole file once).
  bool verify_checksums_on_open = true;
};

// InvalidArgument naming the option when one is out of range (tier_fan_in < 2 would make
// compaction merge a segment with itself and delete what it just published).
Status ValidateTableOptions(const TableOptions& options);

struct TableStats {
  int64_t rows = 0;  // distinct live keys
  int64_t segments = 0;
  int64_t bytes = 0;  // segment file bytes on disk
};

class Table : public std::enable_shared_from_this<Table> {
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
  // return), publishes the new state, and schedules compaction if the tiering policy says so.
  Result<int64_t> Write(const std::vector<Batch>& batches);
  // `keys` are key bytes (Column::KeyBytes): for an int64 / uint64 key, 8 little-endian bytes
  // each (ReadKeys converts a request's keys); a key of another size is InvalidArgument.
  Result<Batch> Read(const std::vector<std::string_view>& keys,
                     const std::vector<std::string>& columns) const;
  TableStats Stats() const;

  // Merges every segment into one now (tests, benchmarks, admin); ResourceExhausted when the
  // table is over max_merge_bytes.
  Status CompactAll();
  // Blocks until no compaction is pending or running (tests, benchmarks, shutdown).
  void WaitForCompactions();
  // Called when the table is dropped: waits for a compaction in progress, then makes every
  // later write fail with NotFound and stops compaction, so that nothing writes into the folder
  // once it is being deleted (a new table of the same name may take it). Reads still work.
  void MarkDropped();

  std::shared_ptr<const TableState> Snapshot() const;

  // Starts a whole-table replace made of `parts` parts (see TableReplacement). Writes go on
  // meanwhile; Commit discards them along with the old content.
  Result<std::unique_ptr<TableReplacement>> BeginReplace(size_t parts);
  // The provenance text of the last committed replace (empty when there was none).
  std::string provenance() const;

 private:
  friend class TableReplacement;
  Table(std::string dir, TableSchema schema, TableOptions options);
  void Publish(std::shared_ptr<const TableState> state);
  void ScheduleCompaction();
  void CompactionLoop();
  // Applies the tiering policy until it asks for nothing more. Caller holds compact_mu_.
  Status CompactByPolicy();
  // Merges the segments [first, last) of the current state. Caller holds compact_mu_.
  // ResourceExhausted (and nothing done) when their files hold over max_merge_bytes.
  Status Compact(size_t first, size_t last);
  // Deletes a segment file this table wrote but never published, durably.
  void RemoveUnpublished(const std::string& path) const;
  // Group commit (Write): publishes the longest run of staged writes at the front of the writes
  // in flight, renaming their files in id order with one directory fsync for the run. Caller
  // holds write_mu_.
  struct PendingWrite;
  void CommitStaged();

  std::string dir_;
  TableSchema schema_;
  TableOptions options_;
  std::atomic<std::shared_ptr<const TableState>> state_;
  mutable std::mutex provenance_mu_;  // guards provenance_
  std::mutex write_mu_;               // serializes writers and the compactor's state swap
  std::mutex compact_mu_;             // one compaction at a time
  uint64_t next_segment_id_ = 1;
  // Writes write and fsync their segment files beside each other, outside write_mu_, and are
  // published in id order. Guarded by write_mu_: the ids given to writes not yet published or
  // failed, those whose file is durable, and the signal that some were published.
  std::set<uint64_t> in_flight_;
  std::map<uint64_t, PendingWrite*> staged_;
  std::condition_variable commit_cv_;

  // Background compaction.
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool bg_pending_ = false;
  bool bg_running_ = false;
  bool bg_stop_ = false;
  std::thread bg_thread_;
  bool dropped_ = false;  // set under both compact_mu_ and write_mu_
  std::atomic<bool> merge_limit_logged_{false};
  std::string provenance_;  // guarded by provenance_mu_
  std::atomic<std::chrono::steady_clock::time_point> last_write_{std::chrono::steady_clock::now()};
};

}  // namespace murr
