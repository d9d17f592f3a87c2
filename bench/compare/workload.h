// The workload of the side-by-side benchmark (murr_compare): how many rows, how they look, how
// they are read. Every backend loads the same rows and is asked the same keys. Row values come from
// a pure function of (seed, row, column), so any answer can be checked without keeping the data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "murr/core/status.h"

namespace murr::compare {

struct Workload {
  std::string name = "full";     // names the report files: <output_dir>/<name>.md and .png
  int64_t rows = 10'000'000;     // key = the row number as a decimal string
  int columns = 10;              // float32 columns col_0 .. col_<columns-1>
  int64_t batch_rows = 100'000;  // rows per write
  int read_keys = 1000;          // keys per read in the latency and throughput phases
  int warmup_reads = 200;        // untimed reads before each timed phase (all answers checked)
  int reads = 2000;              // timed reads of read_keys keys
  std::vector<int> sweep = {1, 10, 100, 1000, 10000};  // keys per read in the sweep
  int sweep_reads = 300;                               // timed reads per sweep point
  int clients = 32;                                    // concurrent clients in the throughput phase
  double throughput_seconds = 5;                       // length of the throughput phase
  uint64_t seed = 42;                                  // values and the keys read
  std::vector<std::string> backends;                   // which to run, in this order; empty = all
  std::string output_dir = "bench/results";
  std::string work_dir;  // parent of the servers' temporary folders; empty = $TMPDIR
  // Murr's storage.durability for the Murr backends: "fsync" (Murr's default: every write is
  // fsynced before it is acknowledged) or "none" (left to the kernel, as the Redis and PostgreSQL
  // runs are).
  std::string murr_durability = "fsync";

  // Where the servers' programs are; empty = the defaults each backend looks for.
  std::string murr_binary;       // default: `murr` next to the murr_compare executable
  std::string redis_server;      // default: redis-server on PATH, then /usr/bin/redis-server
  std::string postgres_bin_dir;  // default: the newest /usr/lib/postgresql/<version>/bin
  // Default: upstream/bin/murr next to murr_compare, where `make bench-deps` installs upstream
  // Murr; when absent, the upstream-murr backend is skipped with a note.
  std::string upstream_murr_binary;
};

// Reads a YAML file of the fields above (snake_case, as named here) over the defaults. Unknown
// keys and wrong types are errors naming the key.
Result<Workload> LoadWorkload(const std::string& path);
// Checks ranges (rows > 0, read_keys <= rows, ...), naming the field.
Status ValidateWorkload(const Workload& w);

// The key of row `row`: its decimal number ("0", "1", ... "9999999").
std::string KeyOf(int64_t row);
// The value of column `col` of row `row`: a float32 in [-1000, 1000), never NaN.
float ValueOf(uint64_t seed, int64_t row, int col);

// Rows [first_row, first_row + num_rows) of the workload, by column.
struct DataBatch {
  int64_t first_row = 0;
  std::vector<std::string> keys;            // keys[i] = KeyOf(first_row + i)
  std::vector<std::vector<float>> columns;  // columns[c][i] = ValueOf(seed, first_row + i, c)
  int64_t num_rows() const { return static_cast<int64_t>(keys.size()); }
};
DataBatch MakeBatch(const Workload& w, int64_t first_row, int64_t num_rows);

// The column names every backend uses: col_0, col_1, ...
std::string ColumnName(int col);

}  // namespace murr::compare
