// The report of a murr_compare run: a Markdown file (the summary table, the keys-per-read sweep,
// the targets of issues 6 and 14, the backends) and a PNG chart of the sweep drawn by gnuplot.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bench/compare/process.h"
#include "bench/compare/runner.h"

namespace murr::compare {
namespace {

constexpr char kReference[] = "murr-http-arrow";

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

std::string Micros(double us) {
  return us < 10 ? Fmt("%.1f", us) : Fmt("%.0f", us);
}

std::string Rate(double per_second) {
  if (per_second >= 1e6) return Fmt("%.2f M", per_second / 1e6);
  if (per_second >= 1e3) return Fmt("%.0f k", per_second / 1e3);
  return Fmt("%.0f", per_second);
}

std::string Bytes(double b) {
  if (b >= 1 << 20) return Fmt("%.1f MiB", b / (1 << 20));
  if (b >= 10 * 1024) return Fmt("%.1f KiB", b / 1024);
  return Fmt("%.0f B", b);
}

// 10000000 -> "10,000,000".
std::string Count(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

const BackendReport* Find(const RunReport& r, const std::string& name) {
  for (const auto& b : r.backends) {
    if (b.name == name && b.measured()) return &b;
  }
  return nullptr;
}

// "12.3× faster (target ≥ 10×: met)" — how many times `murr` beats `other` on a figure where
// lower is better (`lower_is_better`) or higher is better.
std::string Versus(double murr, double other, bool lower_is_better, double target) {
  double ratio = lower_is_better ? other / murr : murr / other;
  return Fmt("%.1f×", ratio) + " (target ≥ " + Fmt("%g×: ", target) +
         (ratio >= target ? "met)" : "**not met**)");
}

}  // namespace

std::string FormatMarkdown(const RunReport& report, const std::string& chart_file) {
  const Workload& w = report.workload;
  std::ostringstream md;
  md << "# murr_compare: " << w.name << "\n\n";
  md << "Run " << report.started << " on " << report.machine << ".\n\n";
  md << "Workload: " << Count(w.rows) << " rows (key = row number as a decimal string) × "
     << w.columns << " float32 columns, loaded in batches of " << Count(w.batch_rows)
     << " rows; reads of " << Count(w.read_keys) << " keys drawn uniformly at random, all columns, "
     << w.warmup_reads << " warm-up reads then " << Count(w.reads)
     << " timed reads on one connection; " << w.clients << " concurrent clients for "
     << w.throughput_seconds
     << " s for throughput. Every answer of the single-client phases was checked value for "
        "value against the data written. Murr's storage.durability: "
     << w.murr_durability
     << (w.murr_durability == "fsync" ? " (every write fsynced before it is acknowledged)"
                                      : " (writes left to the kernel, as Redis and PostgreSQL "
                                        "are run here)")
     << ".\n\n";

  const BackendReport* ref = Find(report, kReference);
  md << "| backend | ingest rows/s | p50 µs | p90 µs | p99 µs | p50 ÷ " << kReference
     << " | server memory | bytes sent / read | bytes received / read | reads/s, " << w.clients
     << " clients |\n";
  md << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& b : report.backends) {
    if (!b.error.empty()) {
      md << "| " << b.name << " | failed: " << b.error << " | | | | | | | | |\n";
      continue;
    }
    if (!b.skipped.empty()) {
      md << "| " << b.name << " | skipped: " << b.skipped << " | | | | | | | | |\n";
      continue;
    }
    md << "| " << b.name << " | " << Rate(b.rows_per_second) << " | " << Micros(b.latency.p50_us)
       << " | " << Micros(b.latency.p90_us) << " | " << Micros(b.latency.p99_us) << " | "
       << (ref ? Fmt("%.2f", b.latency.p50_us / ref->latency.p50_us) : std::string("–")) << " | "
       << (b.in_process ? "(in process) " : "") << Bytes(static_cast<double>(b.memory_bytes))
       << " | " << (b.in_process ? "–" : Bytes(b.request_bytes)) << " | "
       << (b.in_process ? "–" : Bytes(b.reply_bytes)) << " | " << Rate(b.throughput_reads)
       << " |\n";
  }
  md << "\nLatency is the time until the client has the whole answer decoded into columns. "
        "Ingestion covers every write until acknowledged plus what the store needs before it "
        "serves reads as designed (PostgreSQL: the primary key and VACUUM ANALYZE). Murr's "
        "writes are readable when acknowledged; its background work after the load (Murr: the "
        "merge into one segment; upstream Murr: RocksDB's compactions, until its CPU is idle) "
        "then took";
  const char* sep = " ";
  for (const auto& b : report.backends) {
    if (b.measured() && b.settle_seconds > 0.01) {
      md << sep << Fmt("%.1f s", b.settle_seconds) << " (" << b.name << ")";
      sep = ", ";
    }
  }
  md << ", and reads were measured after it. Server memory is the "
        "proportional set size of the server's processes after loading and the timed reads. "
        "Bytes are TCP payload per read in each direction (requests, replies and protocol "
        "framing). The harness and the servers share the machine's cores.\n\n";

  // The sweep.
  md << "## p50 latency (µs) by keys per read\n\n| backend |";
  for (int n : w.sweep) md << " " << n << " |";
  md << "\n| --- |";
  for (size_t i = 0; i < w.sweep.size(); ++i) md << " ---: |";
  md << "\n";
  for (const auto& b : report.backends) {
    if (!b.measured()) continue;
    md << "| " << b.name << " |";
    for (int n : w.sweep) {
      std::string cell = " – ";
      for (const auto& [k, s] : b.sweep) {
        if (k == n) cell = " " + Micros(s.p50_us) + " ";
      }
      md << cell << "|";
    }
    md << "\n";
  }
  if (!chart_file.empty()) md << "\n![p50 latency by keys per read](" << chart_file << ")\n";

  // Issue 6's and issue 14's targets, where the backends they compare ran.
  const BackendReport* blob = Find(report, "redis-blob");
  const BackendReport* feast = Find(report, "redis-feast");
  const BackendReport* upstream = Find(report, "upstream-murr");
  if (ref && (blob || feast || upstream)) {
    md << "\n## Targets\n\n";
    if (blob) {
      md << "- Murr HTTP/Arrow p50 vs Redis blob: "
         << Versus(ref->latency.p50_us, blob->latency.p50_us, true, 10) << "\n";
    }
    if (feast) {
      md << "- Murr HTTP/Arrow p50 vs Redis Feast: "
         << Versus(ref->latency.p50_us, feast->latency.p50_us, true, 40) << "\n";
    }
    if (blob) {
      md << "- Murr ingestion vs Redis blob: "
         << Versus(ref->rows_per_second, blob->rows_per_second, false, 10) << "\n";
      double m = static_cast<double>(ref->memory_bytes),
             o = static_cast<double>(blob->memory_bytes);
      md << "- Murr server memory vs Redis blob: " << Bytes(m) << " vs " << Bytes(o)
         << (m <= o ? " (target ≤: met)" : " (target ≤: **not met**)") << "\n";
    }
    if (upstream) {
      md << "- Murr HTTP/Arrow p50 vs upstream Murr: "
         << Versus(ref->latency.p50_us, upstream->latency.p50_us, true, 2) << "\n";
    }
  }

  md << "\n## Backends\n\n";
  for (const auto& b : report.backends) {
    md << "- **" << b.name << "** ("
       << (!b.skipped.empty()  ? std::string("skipped")
           : b.version.empty() ? std::string("not started")
                               : b.version)
       << "): " << b.description << "\n";
  }
  return md.str();
}

Result<std::vector<std::string>> WriteReport(const RunReport& report) {
  const Workload& w = report.workload;
  std::error_code ec;
  std::filesystem::create_directories(w.output_dir, ec);
  if (ec) return Status::IOError("cannot create " + w.output_dir + ": " + ec.message());
  std::filesystem::path dir(w.output_dir);
  std::vector<std::string> written;

  // The chart: p50 by keys per read, one line per backend, log-log.
  std::string chart;
  auto gnuplot = FindProgram({"gnuplot", "/usr/bin/gnuplot"});
  bool any_measured = std::any_of(report.backends.begin(), report.backends.end(),
                                  [](const BackendReport& b) { return b.measured(); });
  if (gnuplot.ok() && !w.sweep.empty() && any_measured) {
    std::string dat = (dir / (w.name + ".dat")).string();
    std::string plt = (dir / (w.name + ".gnuplot")).string();
    std::string png = (dir / (w.name + ".png")).string();
    std::ofstream d(dat);
    d << "keys";
    int series = 0;
    for (const auto& b : report.backends) {
      if (b.measured()) {
        d << " " << b.name;
        ++series;
      }
    }
    d << "\n";
    for (int n : w.sweep) {
      d << n;
      for (const auto& b : report.backends) {
        if (!b.measured()) continue;
        std::string v = "NaN";
        for (const auto& [k, s] : b.sweep) {
          if (k == n) v = Fmt("%.2f", s.p50_us);
        }
        d << " " << v;
      }
      d << "\n";
    }
    d.close();
    std::ofstream p(plt);
    p << "set terminal pngcairo size 1100,650 font 'sans,11'\n"
      << "set output '" << png << "'\n"
      << "set title 'p50 read latency by keys per read (" << Count(w.rows) << " rows × "
      << w.columns << " float32, " << report.started.substr(0, 10) << ")'\n"
      << "set logscale xy\nset grid\nset key outside right\n"
      << "set xlabel 'keys per read'\nset ylabel 'p50 latency (µs)'\n"
      << "plot for [i=2:" << series + 1 << "] '" << dat
      << "' using 1:i with linespoints lw 2 title columnheader(i)\n";
    p.close();
    SpawnOptions so;
    so.argv = {*gnuplot, plt};
    so.log_path = (dir / (w.name + ".gnuplot.log")).string();
    auto rc = RunToCompletion(so, std::chrono::seconds(60));
    std::filesystem::remove(so.log_path, ec);
    if (rc.ok() && *rc == 0) {
      chart = w.name + ".png";
      written.push_back(png);
    } else {
      std::fprintf(stderr, "murr_compare: gnuplot failed; no chart\n");
    }
    std::filesystem::remove(plt, ec);
    std::filesystem::remove(dat, ec);
  } else if (!gnuplot.ok()) {
    std::fprintf(stderr, "murr_compare: gnuplot not found; no chart (scripts/install-deps)\n");
  }

  std::string md_path = (dir / (w.name + ".md")).string();
  std::ofstream md(md_path);
  md << FormatMarkdown(report, chart);
  if (!md) return Status::IOError("cannot write " + md_path);
  written.insert(written.begin(), md_path);
  return written;
}

}  // namespace murr::compare
