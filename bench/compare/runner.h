// Runs the side-by-side benchmark: each backend in turn is started, loaded, read and stopped,
// and every answer it gives is checked against the workload's values (a backend that answers
// differently fails the run: the comparison is only fair if all answer the same question).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "bench/compare/backend.h"
#include "bench/compare/workload.h"
#include "murr/core/status.h"

namespace murr::compare {

struct LatencyStats {
  int reads = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, mean_us = 0;
};

struct BackendReport {
  std::string name, description, version;
  std::string error;        // set when the backend failed; the figures before it are kept
  double load_seconds = 0;  // Write of every batch + Finish
  double rows_per_second = 0;
  double settle_seconds = 0;  // Backend::Settle after the load (Murr: merging into one segment)
  uint64_t memory_bytes = 0;  // server PSS (process tree) after loading and the latency reads;
                              // in process: growth of the harness's own PSS
  bool in_process = false;
  LatencyStats latency;      // read_keys keys per read, one client
  double request_bytes = 0;  // TCP payload per read, client to server (0 in process)
  double reply_bytes = 0;    // TCP payload per read, server to client
  std::vector<std::pair<int, LatencyStats>> sweep;  // keys per read -> latency
  double throughput_reads = 0;  // reads per second with `clients` concurrent clients
  // Set when an optional backend could not run on this machine: why, and how to fix that.
  std::string skipped;
  // Ran every phase: its figures are in the tables and the chart.
  bool measured() const { return error.empty() && skipped.empty(); }
};

struct RunReport {
  Workload workload;
  std::string started;  // UTC, ISO 8601
  std::string machine;  // CPU, cores, memory, kernel
  std::vector<BackendReport> backends;
};

// Checks `result` against the workload's values for `keys` (keys of rows the workload wrote are
// found with their values, bit for bit; other keys are not found). The error names the first
// differing key and column.
Status CheckAnswer(const Workload& w, const std::vector<std::string>& keys,
                   const ReadResult& result);

// Runs one backend through every phase, logging progress to `log`. `dir` is created and removed.
// An optional backend that cannot run here (Backend::SkipReason) is skipped: `skipped` says why.
BackendReport RunBackend(Backend* backend, const Workload& w, const std::string& dir,
                         std::FILE* log);

// One line describing this machine: CPU model, cores, memory, kernel.
std::string DescribeMachine();

// Writes <output_dir>/<name>.md and, when gnuplot is found, <name>.png (the sweep) next to it.
// Returns the paths written.
Result<std::vector<std::string>> WriteReport(const RunReport& report);
// The Markdown table and sections (what WriteReport puts in the .md file).
std::string FormatMarkdown(const RunReport& report, const std::string& chart_file);

}  // namespace murr::compare
