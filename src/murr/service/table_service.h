// TableService: the catalog of tables under one cache_dir — create, drop, list, schema, write,
// read. It is the only thing the API layers (HTTP, Flight) call, and knows no transport.
// Errors are Status values: an exception below (an allocation failure) never crosses it.
// Thread-safe: any number of concurrent readers; writes to one table are serialized, writes to
// different tables run in parallel; readers never wait for a writer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/core/read_keys.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"
#include "murr/objstore/s3_options.h"
#include "murr/sync/table_sync.h"
#include "murr/table/table.h"

namespace murr {

struct ServiceOptions {
  // Directory holding one folder per table. Created if missing. Murr marks it as its own
  // (cache_dir.h) and refuses a non-empty directory that is not marked, unless adopt_cache_dir.
  std::string cache_dir;
  // Use a non-empty directory that holds other things than Murr's (they are left untouched).
  bool adopt_cache_dir = false;
  // Tuning of every table opened by this service.
  TableOptions table;
  // Tables fed by a source (config `tables:`): each is kept equal to the newest complete
  // partition of its source by a TableSync, and refuses writes, create and drop (409).
  std::vector<SourceSpec> sources;
  S3Options s3;
  LoadOptions load;
  // Poll the sources on background threads. Off only in tests that drive each check with
  // CheckSourceNow.
  bool sync_in_background = true;
};

struct TableInfo {
  std::string name;
  TableSchema schema;
  TableStats stats;
};

// A table that could not be opened: moved aside, answered with Unavailable until dropped.
struct QuarantinedTable {
  std::string name;
  std::string reason;    // the error that opening it gave
  std::string moved_to;  // where its folder now is (its files are never deleted)
};

// What GET /api/v1/table/{name}/status shows.
struct TableStatus {
  std::string name;
  bool quarantined = false;
  QuarantinedTable quarantine;  // when quarantined
  TableStats stats;             // when serving
  bool has_source = false;
  SyncStatus sync;  // when has_source
};

// The JSON form of a status (GET /api/v1/table/{name}/status, LocalMurr.status):
// {"table", "state": "serving", "rows", "segments", "bytes"} or
// {"table", "state": "quarantined", "reason", "moved_to"}.
std::string TableStatusJson(const TableStatus& status);

class TableService {
 public:
  // Claims cache_dir (ClaimCacheDir) and opens every table in it. A table that fails to open is
  // quarantined: its folder is moved to cache_dir/.murr-quarantine/, the failure is logged, and
  // every other table serves. Entries that are not Murr's are logged and left alone.
  static Result<std::unique_ptr<TableService>> Open(ServiceOptions options);
  ~TableService();

  // Table names: [A-Za-z0-9_.-], 1..128 chars, no leading dot. Anything else: InvalidArgument.
  static Status ValidateTableName(std::string_view name);

  Status CreateTable(const std::string& name, const TableSchema& schema);  // AlreadyExists
  // Removes the table's own files; anything else found in its folder is kept (and logged).
  // Dropping a quarantined table forgets it; its moved-aside files stay.
  Status DropTable(const std::string& name);  // NotFound
  // Every table, sorted by name.
  std::vector<TableInfo> ListTables() const;
  Result<TableSchema> GetSchema(const std::string& name) const;
  Result<TableStats> GetStats(const std::string& name) const;
  // Serving or quarantined; NotFound for an unknown table.
  Result<TableStatus> GetStatus(const std::string& name) const;
  // The quarantined tables, sorted by name.
  std::vector<QuarantinedTable> QuarantinedTables() const;
  // Entries of cache_dir found at open that are not Murr's (left alone), as paths.
  const std::vector<std::string>& foreign_entries() const { return foreign_entries_; }
  // FailedPrecondition (HTTP 409) saying why when table `name` is fed by a source, so that an
  // API layer can refuse a write before reading its body.
  Status CheckWritable(const std::string& name) const { return RefuseIfSourced(name, "written"); }
  // All batches become one durable segment, or nothing changes. Returns rows written.
  // FailedPrecondition for a table fed by a source.
  Result<int64_t> Write(const std::string& name, const std::vector<Batch>& batches);
  // Rows in `keys` order (nulls for missing keys), `columns` in request order with the table's
  // types. The keys are converted to the table's key type first (ReadKeys::ToKeyBytes: its
  // InvalidArgument for a key the type cannot hold). An unknown column is InvalidArgument.
  Result<Batch> Read(const std::string& name, const ReadKeys& keys,
                     const std::vector<std::string>& columns) const;
  // String keys: a utf8 key's values, or decimal integers for an int64 / uint64 key.
  Result<Batch> Read(const std::string& name, const std::vector<std::string_view>& keys,
                     const std::vector<std::string>& columns) const {
    return Read(name, ReadKeys::Strings(keys), columns);
  }
  // The sync state of every table with a source, sorted by name (metrics).
  std::vector<std::pair<std::string, SyncStatus>> SyncStatuses() const;
  // Checks the source of table `name` now, on the calling thread (tests, admin); NotFound when
  // it has no source. Returns the check's error.
  Status CheckSourceNow(const std::string& name);
  // The table itself, for callers that hold it across several calls (benchmarks, Flight).
  Result<std::shared_ptr<Table>> GetTable(const std::string& name) const;

  const std::string& cache_dir() const { return options_.cache_dir; }

 private:
  explicit TableService(ServiceOptions options);
  struct Catalog;
  static Result<std::unique_ptr<TableService>> OpenImpl(ServiceOptions options);
  Status CreateTableImpl(const std::string& name, const TableSchema& schema);
  Status DropTableImpl(const std::string& name);
  // Moves a table folder that failed to open aside and records it.
  void Quarantine(const std::string& name, const Status& why);
  // FailedPrecondition when `name` is fed by a source.
  Status RefuseIfSourced(const std::string& name, std::string_view what) const;
  Status StartSources();
  // A fresh "<prefix><name>.<n>" path under cache_dir that does not exist yet.
  std::string UniquePath(const std::string& dir, const std::string& base) const;

  ServiceOptions options_;
  std::vector<std::string> foreign_entries_;
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace murr
