// Helpers of the sync tests: partitions written by pyarrow, DuckDB or Polars (the project's
// .venv, tests/sync/write_partition.py) and reads of what a table serves.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/test_util.h"
#include "murr/service/table_service.h"

namespace murr::testing {

inline std::string Python() {
  return SourceDir() + "/.venv/bin/python";
}

// Writes partition `dir` (ROWS rows over FILES files, x = version * 1e6 + row, n = version).
// A missing interpreter or package fails the test (never skips).
inline void WritePartition(const std::string& dir, const std::string& writer, int rows, int files,
                           int version, const std::string& flags = "") {
  std::string cmd = "'" + Python() + "' '" + SourceDir() + "/tests/sync/write_partition.py' '" +
                    dir + "' " + writer + " " + std::to_string(rows) + " " + std::to_string(files) +
                    " " + std::to_string(version) + " " + flags;
  std::string out;
  ASSERT_EQ(RunCommand(cmd, &out), 0) << cmd << "\n" << out;
}

inline bool WaitFor(const std::function<bool()>& done, double seconds = 30) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// x and n of keys k0..k<rows-1>, NaN / -1 for a missing key.
struct Served {
  std::vector<double> x;
  std::vector<int64_t> n;
};

inline Result<Served> ReadServed(const TableService& svc, const std::string& table, int rows) {
  std::vector<std::string> names;
  for (int i = 0; i < rows; ++i) names.push_back("k" + std::to_string(i));
  std::vector<std::string_view> keys(names.begin(), names.end());
  MURR_ASSIGN_OR_RETURN(Batch b, svc.Read(table, keys, {"x", "n"}));
  Served s;
  for (int i = 0; i < rows; ++i) {
    s.x.push_back(b.columns[0].IsValid(i) ? b.columns[0].Value<double>(i) : -1.0);
    s.n.push_back(b.columns[1].IsValid(i) ? b.columns[1].Value<int64_t>(i) : -1);
  }
  return s;
}

// True when every key k<i> serves exactly version `version`.
inline bool ServesVersion(const Served& s, int version) {
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (s.n[i] != version || s.x[i] != version * 1e6 + static_cast<double>(i)) return false;
  }
  return true;
}

}  // namespace murr::testing
