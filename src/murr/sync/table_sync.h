// TableSync: keeps one table equal to the newest complete partition of its source. A background
// thread polls the source every poll_seconds, and when a newer complete partition appears (or
// the served one's objects changed) loads it as one whole-table replace; readers keep the old
// version until the new one is durable and published. A failure (storage down, 403, a corrupt
// or unfitting file, an object gone mid-load, a full disk) keeps the current version serving,
// is logged naming the object, shown in status(), and retried with exponential backoff and
// jitter; a newer complete partition supersedes a bad one at the next poll. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "murr/core/schema.h"
#include "murr/core/status.h"
#include "murr/objstore/object_store.h"
#include "murr/objstore/s3_options.h"
#include "murr/sync/partition_loader.h"
#include "murr/sync/provenance.h"
#include "murr/table/table.h"

namespace murr {

// One table fed by a source, as configured (config `tables:`).
struct SourceSpec {
  std::string table;
  std::string url;  // file:///data/x/ or s3://bucket/prefix/
  std::string key;  // the key column
  // The columns to load; none: every column of the files (InferSchema).
  std::optional<TableSchema> schema;
  // Seconds between checks of the source. 60 by default: a partition lands hourly or daily, and
  // a listing a minute per worker costs nothing. Fractions are allowed (tests).
  double poll_seconds = 60;
  // The object whose presence marks a partition complete (Spark and Hadoop write _SUCCESS).
  std::string marker = "_SUCCESS";
};

// What status and metrics show. Times are Unix milliseconds, 0 for never.
struct SyncStatus {
  std::string source;
  std::string partition;  // being served; empty before the first load
  int64_t partition_rows = 0;
  int64_t loaded_at_ms = 0;
  int64_t last_check_ms = 0;
  int64_t next_check_ms = 0;
  std::string last_error;        // of the last check; empty when it succeeded
  std::string failed_partition;  // the partition that last failed to load, if any
  bool loading = false;
  int64_t loads = 0;
  int64_t failures = 0;
  int64_t bytes_downloaded = 0;
  double last_load_seconds = 0;
};

class TableSync {
 public:
  // How the sync reaches its table in the service's catalog.
  struct Catalog {
    // The table as it is now; NotFound when it does not exist yet.
    std::function<Result<std::shared_ptr<Table>>()> get;
    // Creates the table with `schema` (first load of a table whose schema comes from the files).
    std::function<Result<std::shared_ptr<Table>>(const TableSchema&)> create;
  };

  // Starts the background thread (unless !background: then only CheckNow checks, for tests);
  // the first check runs at once.
  TableSync(SourceSpec spec, std::unique_ptr<ObjectStore> store, std::string prefix,
            Catalog catalog, LoadOptions options, bool background = true);
  ~TableSync();  // stops the thread (a load in progress finishes first)
  TableSync(const TableSync&) = delete;
  TableSync& operator=(const TableSync&) = delete;

  SyncStatus status() const;
  const SourceSpec& spec() const { return spec_; }

  // Runs one check on the calling thread (tests, admin); serialized with the background one.
  Status CheckNow();

 private:
  void Loop();
  // One check: discovery, and a load when there is something newer. Returns when to check next.
  Status Check(std::chrono::steady_clock::duration* next);
  Status Load(const std::string& partition, const std::vector<ObjectMeta>& objects);
  std::chrono::steady_clock::duration Backoff(int failures_in_a_row);

  const SourceSpec spec_;
  const std::unique_ptr<ObjectStore> store_;
  const std::string prefix_;
  const Catalog catalog_;
  const LoadOptions options_;
  LoadCounters counters_;

  std::mutex check_mu_;    // one check at a time
  mutable std::mutex mu_;  // guards status_ and the fields below
  SyncStatus status_;
  // The partition whose load failed, its objects, and when it may be tried again.
  std::vector<ObjectMeta> failed_objects_;
  std::chrono::steady_clock::time_point retry_at_{};
  int failures_in_a_row_ = 0;

  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Opens the store a source URL names: file:///abs/path/ (a folder) or s3://bucket/prefix/.
// Returns the store and the key prefix of the source within it ("" or "prefix/").
Result<std::pair<std::unique_ptr<ObjectStore>, std::string>> OpenSourceStore(const std::string& url,
                                                                             const S3Options* s3);

}  // namespace murr
