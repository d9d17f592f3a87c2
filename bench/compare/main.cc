// murr_compare: Murr side by side with Redis and PostgreSQL on one feature-serving workload
// (docs/benchmarks.md). Each backend is started in a temporary folder, loaded with the same rows,
// read with the same keys (every answer checked), measured and stopped; the report goes to
// <output_dir>/<name>.md and .png.
//   murr_compare [--config FILE.yaml] [--rows N] [--backends a,b,...] [--name NAME]
//                [--output DIR] [--list]
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>

#include "bench/compare/backend.h"
#include "bench/compare/runner.h"
#include "bench/compare/workload.h"

namespace {

int Usage(const char* msg) {
  if (msg) std::fprintf(stderr, "murr_compare: %s\n", msg);
  std::fprintf(stderr,
               "usage: murr_compare [--config FILE.yaml] [--rows N] [--backends a,b,...] "
               "[--name NAME] [--output DIR] [--list]\n"
               "The YAML keys are the fields of bench/compare/workload.h; flags override them.\n");
  return 2;
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace murr::compare;
  Workload w;
  std::string config, rows, backends, name, output;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--config")
      ok = value(&config);
    else if (a == "--rows")
      ok = value(&rows);
    else if (a == "--backends")
      ok = value(&backends);
    else if (a == "--name")
      ok = value(&name);
    else if (a == "--output")
      ok = value(&output);
    else if (a == "--list")
      list = true;
    else if (a == "--help" || a == "-h")
      return Usage(nullptr), 0;
    else
      return Usage(("unknown argument " + a).c_str());
    if (!ok) return Usage((a + " needs a value").c_str());
  }
  if (!config.empty()) {
    auto loaded = LoadWorkload(config);
    if (!loaded.ok()) return Usage(loaded.status().message().c_str());
    w = std::move(loaded).value();
  }
  if (!rows.empty()) {
    char* end = nullptr;
    w.rows = std::strtoll(rows.c_str(), &end, 10);
    if (*end != '\0') return Usage("--rows needs a number");
  }
  if (!backends.empty()) {
    w.backends.clear();
    std::stringstream ss(backends);
    std::string b;
    while (std::getline(ss, b, ',')) w.backends.push_back(b);
  }
  if (!name.empty()) w.name = name;
  if (!output.empty()) w.output_dir = output;
  if (auto st = ValidateWorkload(w); !st.ok()) return Usage(st.message().c_str());

  auto all = AllBackends(w);
  if (list) {
    for (const auto& b : all)
      std::printf("%-16s %s\n", b->name().c_str(), b->description().c_str());
    return 0;
  }
  std::vector<Backend*> chosen;
  if (w.backends.empty()) {
    for (auto& b : all) chosen.push_back(b.get());
  } else {
    for (const auto& n : w.backends) {
      Backend* found = nullptr;
      for (auto& b : all) {
        if (b->name() == n) found = b.get();
      }
      if (!found) return Usage(("unknown backend '" + n + "' (see --list)").c_str());
      chosen.push_back(found);
    }
  }

  // The servers' folders live under one temporary folder, traversable by the postgres user.
  std::string parent =
      w.work_dir.empty() ? std::filesystem::temp_directory_path().string() : w.work_dir;
  std::string tmpl = parent + "/murr-compare-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror(("murr_compare: mkdtemp in " + parent).c_str());
    return 1;
  }
  chmod(tmpl.c_str(), 0755);

  RunReport report;
  report.workload = w;
  report.started = UtcNow();
  report.machine = DescribeMachine();
  std::fprintf(stderr, "murr_compare %s: %lld rows, %zu backends, on %s\n", w.name.c_str(),
               static_cast<long long>(w.rows), chosen.size(), report.machine.c_str());
  bool failed = false;
  for (Backend* b : chosen) {
    report.backends.push_back(RunBackend(b, w, tmpl + "/" + b->name(), stderr));
    failed |= !report.backends.back().error.empty();
  }
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);

  auto written = WriteReport(report);
  if (!written.ok()) {
    std::fprintf(stderr, "murr_compare: %s\n", written.status().ToString().c_str());
    return 1;
  }
  std::printf("%s", FormatMarkdown(report, "").c_str());
  for (const auto& p : *written) std::fprintf(stderr, "wrote %s\n", p.c_str());
  return failed ? 1 : 0;
}
