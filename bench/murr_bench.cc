// murr_bench: the engine's own benchmark (issue: storage engine). Builds a table of N rows
// (key = decimal row number, 10 float32 columns) from 100k-row writes, then measures
//   - write throughput,
//   - reads of K random keys x all columns through Table::Read (p50/p99), beside a naive
//     baseline measured in the same run (absl::flat_hash_map<std::string, uint32_t> + one
//     std::vector<float> per column, gathering into freshly allocated output columns),
//   - in a fresh process: time to open the table, and RSS after every row was read once.
// Usage: murr_bench [--rows N] [--reads N] [--keys K] [--dir PATH] [--keep] [--reuse]
//                   [--no-baseline] [--no-compaction] [--no-fsync] [--keep-segments]
//                   [--writers N] [--batch-rows N]
//   --writers N: N threads write the batches into the one table at once (wall-clock rate);
//   --batch-rows N: rows per write (default 100k).
//   --keep-segments (with --no-compaction): read the segments the writes made, not one merged
//   segment (the multi-segment lookup path and its key filters).
//        murr_bench --parquet FILE [--dir PATH]     (Parquet ingestion throughput)
#include <absl/container/flat_hash_map.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "murr/codec/parquet_reader.h"
#include "murr/core/file_util.h"
#include "murr/service/table_service.h"
#include "murr/table/table_state.h"

using namespace murr;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kColumns = 10;

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[i];
}

int64_t RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

TableSchema BenchSchema() {
  std::vector<ColumnSchema> cols = {{"id", DataType::kUtf8, false}};
  for (int c = 0; c < kColumns; ++c) {
    cols.push_back({"f" + std::to_string(c), DataType::kFloat32, false});
  }
  return TableSchema::Make("id", cols).value();
}

std::vector<std::string> ColumnList() {
  std::vector<std::string> out;
  for (int c = 0; c < kColumns; ++c) out.push_back("f" + std::to_string(c));
  return out;
}

float ValueOf(int64_t row, int c) {
  return static_cast<float>(row % 100003) * 0.5f + c;
}

Batch MakeBatch(int64_t first, int64_t n) {
  Batch b;
  b.num_rows = n;
  b.fields.push_back({"id", DataType::kUtf8, false});
  ColumnBuilder keys(DataType::kUtf8);
  keys.Reserve(n, n * 8);
  for (int64_t r = first; r < first + n; ++r) (void)keys.AppendString(std::to_string(r));
  b.columns.push_back(keys.Finish());
  for (int c = 0; c < kColumns; ++c) {
    b.fields.push_back({"f" + std::to_string(c), DataType::kFloat32, false});
    ColumnBuilder v(DataType::kFloat32);
    v.Reserve(n);
    for (int64_t r = first; r < first + n; ++r) v.Append<float>(ValueOf(r, c));
    b.columns.push_back(v.Finish());
  }
  return b;
}

// Child mode: open the table in this fresh process, then read every row once.
int OpenAndScan(const std::string& dir, int64_t rows) {
  auto t0 = Clock::now();
  ServiceOptions o;
  o.cache_dir = dir;
  auto svc = TableService::Open(o);
  auto t1 = Clock::now();
  if (!svc.ok()) {
    std::fprintf(stderr, "open failed: %s\n", svc.status().ToString().c_str());
    return 1;
  }
  auto table = (*svc)->GetTable("bench").value();
  auto cols = ColumnList();
  std::vector<std::string> keys;
  std::vector<std::string_view> views;
  double checksum = 0;
  for (int64_t first = 0; first < rows; first += 1000) {
    keys.clear();
    for (int64_t r = first; r < std::min(rows, first + 1000); ++r)
      keys.push_back(std::to_string(r));
    views.assign(keys.begin(), keys.end());
    auto out = table->Read(views, cols).value();
    checksum += out.columns[0].Value<float>(0);
  }
  int64_t rss = RssKiB();
  std::printf("%.3f %lld %.1f\n", std::chrono::duration<double>(t1 - t0).count(),
              static_cast<long long>(rss), checksum);
  return 0;
}

// Parquet ingestion: read a file (first column a utf8 key, e.g. 10 float32 columns, written by
// `node tests/interop/parquet_write_duckdb.mjs --bench FILE ROWS`) and write it into a new
// table as one write.
int IngestParquet(const std::string& file, std::string dir) {
  if (dir.empty()) dir = (std::filesystem::temp_directory_path() / "murr-bench-parquet").string();
  std::filesystem::remove_all(dir);
  std::string bytes;
  if (Status st = ReadFile(file, &bytes); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  Buffer buf = Buffer::Copy(bytes.data(), bytes.size());
  bytes.clear();
  ServiceOptions o;
  o.cache_dir = dir;
  auto svc = TableService::Open(o).value();
  auto t0 = Clock::now();
  auto batch = ReadParquet(buf);
  auto t1 = Clock::now();
  if (!batch.ok()) {
    std::fprintf(stderr, "%s\n", batch.status().ToString().c_str());
    return 1;
  }
  // The table takes the file's columns; the first one is the key.
  std::vector<ColumnSchema> cols;
  for (const Field& f : batch->fields) cols.push_back({f.name, f.type, f.nullable});
  cols[0].nullable = false;
  auto schema = TableSchema::Make(cols[0].name, cols);
  if (!schema.ok() || !svc->CreateTable("bench", *schema).ok()) {
    std::fprintf(stderr, "cannot make a table for this file: %s\n",
                 schema.status().ToString().c_str());
    return 1;
  }
  auto n = svc->Write("bench", {*batch});
  auto t2 = Clock::now();
  if (!n.ok()) {
    std::fprintf(stderr, "%s\n", n.status().ToString().c_str());
    return 1;
  }
  double rd = std::chrono::duration<double>(t1 - t0).count();
  double wr = std::chrono::duration<double>(t2 - t1).count();
  std::printf(
      "parquet ingest: %lld rows, %.2f M rows/s (read %.2f s + write %.2f s, one write, fsync "
      "on)\n",
      static_cast<long long>(*n), *n / (rd + wr) / 1e6, rd, wr);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 10000000, reads = 5000, keys_per_read = 1000;
  std::string dir;
  bool keep = false, reuse = false, baseline = true, compaction = true, fsync = true;
  bool keep_segments = false;
  int64_t write_batch = 100000;
  int writers = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rows")
      rows = std::stoll(next());
    else if (a == "--reads")
      reads = std::stoll(next());
    else if (a == "--keys")
      keys_per_read = std::stoll(next());
    else if (a == "--dir")
      dir = next();
    else if (a == "--keep")
      keep = true;
    else if (a == "--reuse")
      reuse = keep = true;  // read phase only, on a table kept earlier
    else if (a == "--no-baseline")
      baseline = false;
    else if (a == "--batch-rows")
      write_batch = std::max<int64_t>(1, std::stoll(next()));
    else if (a == "--writers")
      writers = std::max(1, std::stoi(next()));  // concurrent writers into the one table
    else if (a == "--keep-segments")
      keep_segments = true;
    else if (a == "--no-compaction")
      compaction = false;  // isolates the write path itself
    else if (a == "--no-fsync")
      fsync = false;  // storage.fsync: false
    else if (a == "--parquet")
      return IngestParquet(next(), dir);
    else if (a == "--open-and-scan")
      return OpenAndScan(next(), rows);
    else {
      std::fprintf(stderr,
                   "usage: murr_bench [--rows N] [--reads N] [--keys K] [--dir PATH] [--keep]\n");
      return 2;
    }
  }
  if (dir.empty()) dir = (std::filesystem::temp_directory_path() / "murr-bench").string();
  if (!reuse) std::filesystem::remove_all(dir);

  ServiceOptions o;
  o.cache_dir = dir;
  o.table.fsync = fsync;
  if (!compaction) {
    o.table.tier_fan_in = 1 << 30;
    o.table.max_segments = 1 << 30;
    o.table.idle_compaction_seconds = 0;
  }
  auto svc = TableService::Open(o).value();
  if (reuse) {
    // fall through to the read phase
  } else if (Status st = svc->CreateTable("bench", BenchSchema()); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  auto table = svc->GetTable("bench").value();
  if (!reuse) {
    // Writes: batches are built before the clock starts; the timed part is Table::Write
    // (validation, index build, segment write + fsync, compaction).
    std::printf("# murr_bench: %lld rows, key = decimal row number, %d float32 columns\n",
                static_cast<long long>(rows), kColumns);
    double write_seconds = 0;
    if (writers == 1) {
      for (int64_t first = 0; first < rows; first += write_batch) {
        Batch b = MakeBatch(first, std::min(write_batch, rows - first));
        auto t0 = Clock::now();
        auto n = table->Write({b});
        write_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        if (!n.ok()) {
          std::fprintf(stderr, "write failed: %s\n", n.status().ToString().c_str());
          return 1;
        }
      }
    } else {
      // `writers` threads, each writing every writers-th batch (built before the clock starts);
      // the figure is wall-clock time from the first write to the last acknowledgement.
      std::vector<std::vector<Batch>> mine(static_cast<size_t>(writers));
      int64_t index = 0;
      for (int64_t first = 0; first < rows; first += write_batch, ++index) {
        mine[static_cast<size_t>(index % writers)].push_back(
            MakeBatch(first, std::min(write_batch, rows - first)));
      }
      std::atomic<bool> failed{false};
      std::vector<std::thread> threads;
      auto t0 = Clock::now();
      for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
          for (const Batch& b : mine[static_cast<size_t>(w)]) {
            auto n = table->Write({b});
            if (!n.ok()) {
              std::fprintf(stderr, "write failed: %s\n", n.status().ToString().c_str());
              failed = true;
              return;
            }
          }
        });
      }
      for (auto& t : threads) t.join();
      write_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      if (failed) return 1;
    }
    int64_t segments_after_writes = static_cast<int64_t>(table->Snapshot()->segments.size());
    std::printf(
        "write: %.2f M rows/s (%lld rows in %.2f s of Table::Write calls, %d writer(s), "
        "%lld-row batches, fsync %s; %lld segments at the end, %s)\n",
        rows / write_seconds / 1e6, static_cast<long long>(rows), write_seconds, writers,
        static_cast<long long>(write_batch), fsync ? "on" : "off",
        static_cast<long long>(segments_after_writes),
        compaction ? "background compaction running" : "compaction off");
    // What a quiet table converges to: the tiering finishes, then everything is merged (the
    // server does this by itself after idle_compaction_seconds without writes).
    auto tc = Clock::now();
    table->WaitForCompactions();
    if (!keep_segments) (void)table->CompactAll();
    TableStats st = table->Stats();
    std::printf(
        "settle (finish compactions%s): %.2f s -> %lld segment(s), %lld rows, %.1f MiB on disk\n",
        keep_segments ? "" : ", merge all",
        std::chrono::duration<double>(Clock::now() - tc).count(),
        static_cast<long long>(st.segments), static_cast<long long>(st.rows), st.bytes / 1048576.0);
  }

  // Naive baseline over the same data.
  absl::flat_hash_map<std::string, uint32_t> naive_index;
  naive_index.reserve(rows);
  std::vector<std::vector<float>> naive_cols(kColumns, std::vector<float>(baseline ? rows : 0));
  for (int64_t r = 0; r < (baseline ? rows : 0); ++r) {
    naive_index.emplace(std::to_string(r), static_cast<uint32_t>(r));
    for (int c = 0; c < kColumns; ++c) naive_cols[c][r] = ValueOf(r, c);
  }

  // Reads: the same random key sets for both, alternating so that both see the same noise.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> pick(0, rows - 1);
  auto cols = ColumnList();
  std::vector<double> murr_us, naive_us;
  std::vector<std::string> keys(keys_per_read);
  std::vector<std::string_view> views(keys_per_read);
  double sink = 0;
  int64_t warmup = std::min<int64_t>(500, reads / 4);
  for (int64_t it = 0; it < warmup + reads; ++it) {
    for (int64_t k = 0; k < keys_per_read; ++k) {
      keys[k] = std::to_string(pick(rng));
      views[k] = keys[k];
    }
    auto t0 = Clock::now();
    auto out = table->Read(views, cols);
    auto t1 = Clock::now();
    sink += out->columns[kColumns - 1].Value<float>(keys_per_read - 1);
    // Naive: look up each key, then gather each column into a fresh output vector, nulls
    // tracked in a validity bitmap (as the engine's output layout has).
    if (!baseline) {
      if (it >= warmup) murr_us.push_back(Micros(t1 - t0));
      continue;
    }
    auto t2 = Clock::now();
    std::vector<int64_t> rowids(keys_per_read);
    for (int64_t k = 0; k < keys_per_read; ++k) {
      auto f = naive_index.find(absl::string_view(views[k].data(), views[k].size()));
      rowids[k] = f == naive_index.end() ? -1 : f->second;
    }
    std::vector<std::vector<float>> result(kColumns);
    std::vector<uint8_t> validity((keys_per_read + 7) / 8);
    for (int c = 0; c < kColumns; ++c) {
      result[c].resize(keys_per_read);
      for (int64_t k = 0; k < keys_per_read; ++k) {
        if (rowids[k] >= 0) {
          result[c][k] = naive_cols[c][rowids[k]];
          validity[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
        }
      }
    }
    auto t3 = Clock::now();
    sink += result[kColumns - 1][keys_per_read - 1];
    if (it >= warmup) {
      murr_us.push_back(Micros(t1 - t0));
      naive_us.push_back(Micros(t3 - t2));
    }
  }
  double mp50 = Percentile(murr_us, 0.5), mp99 = Percentile(murr_us, 0.99);
  if (naive_us.empty()) naive_us.push_back(0);
  double np50 = Percentile(naive_us, 0.5), np99 = Percentile(naive_us, 0.99);
  std::printf(
      "read %lld keys x %d cols: murr p50 %.1f us p99 %.1f us | naive p50 %.1f us p99 %.1f us | "
      "murr/naive p50 %.2fx  (%lld reads)\n",
      static_cast<long long>(keys_per_read), kColumns, mp50, mp99, np50, np99, mp50 / np50,
      static_cast<long long>(reads));
  naive_index = {};
  naive_cols = {};

  // Open + RSS in a fresh process (this one holds the naive baseline's memory and page cache
  // mappings of every segment ever written).
  svc.reset();
  table.reset();
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  exe[len > 0 ? len : 0] = 0;
  std::string cmd =
      std::string(exe) + " --rows " + std::to_string(rows) + " --open-and-scan '" + dir + "'";
  FILE* p = popen(cmd.c_str(), "r");
  double open_s = -1, ck = 0;
  long long rss_kib = -1;
  if (p) {
    if (std::fscanf(p, "%lf %lld %lf", &open_s, &rss_kib, &ck) != 3) open_s = -1;
    pclose(p);
  }
  double raw = 0;
  for (int64_t r = 0; r < rows; ++r) raw += static_cast<double>(std::to_string(r).size());
  raw += static_cast<double>(rows) * kColumns * sizeof(float);
  std::printf("open (fresh process): %.3f s\n", open_s);
  std::printf("rss after reading every row once: %.1f MiB = %.2fx the raw keys+values (%.1f MiB)\n",
              rss_kib / 1024.0, rss_kib * 1024.0 / raw, raw / 1048576.0);
  if (!keep) std::filesystem::remove_all(dir);
  return sink == 12345.678 ? 1 : 0;
}
