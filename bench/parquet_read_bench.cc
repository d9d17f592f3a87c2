// parquet_read_bench: times ReadParquet on a file already in memory (decode only, no disk I/O).
//
//   parquet_read_bench <file.parquet> [iterations=3] [threads=1] [column ...]
//
// A test file: node tests/interop/parquet_write_duckdb.mjs --bench /tmp/10m.parquet 10000000
// (10M rows: a utf8 key and 10 float32 columns, ZSTD, as DuckDB writes them by default).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "murr/codec/parquet_reader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <file.parquet> [iterations] [threads] [column ...]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  murr::Buffer file = murr::Buffer::Copy(bytes.data(), bytes.size());
  bytes.clear();
  bytes.shrink_to_fit();
  int iterations = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  murr::ParquetReadOptions options;
  options.num_threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
  std::vector<std::string> columns(argv + std::min(argc, 4), argv + argc);

  double best = 1e30;
  int64_t rows = 0;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto result = murr::ReadParquet(file, columns, options);
    auto t1 = std::chrono::steady_clock::now();
    if (!result.ok()) {
      std::fprintf(stderr, "ReadParquet: %s\n", result.status().ToString().c_str());
      return 1;
    }
    rows = result->num_rows;
    double s = std::chrono::duration<double>(t1 - t0).count();
    best = std::min(best, s);
    std::printf("iteration %d: %lld rows x %zu columns in %.3f s = %.2f M rows/s\n", i,
                static_cast<long long>(rows), result->columns.size(), s, rows / s / 1e6);
  }
  std::printf("best: %.3f s, %.2f M rows/s, %.1f MB/s of Parquet\n", best, rows / best / 1e6,
              file.size() / best / 1e6);
  return 0;
}
