// sync_bench: loads a 10M-row partition (10 ZSTD Parquet files: a utf8 key and 10 float32
// columns) from moto's S3 server on loopback into a table with an S3 source, and reports, from
// one run: rows/s end to end (list, download, decode, segment write, publish), the time until
// the new version serves, and the read p50 (1,000 random keys x 10 columns) during the load of a
// second partition against idle. `make bench-sync`; needs the project's .venv (moto, boto3).
// Usage: sync_bench [rows (10000000)] [download_threads (LoadOptions default)].
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "murr/service/table_service.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string Run(const std::string& cmd) {
  FILE* f = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  if (pclose(f) != 0) {
    std::fprintf(stderr, "failed: %s\n%s\n", cmd.c_str(), out.c_str());
    std::exit(1);
  }
  return out;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 10000000;
  const int files = 10;
  const int threads = argc > 2 ? std::atoi(argv[2]) : murr::LoadOptions().download_threads;
  spdlog::set_level(spdlog::level::warn);
  const std::string src = MURR_SOURCE_DIR;
  const std::string py = src + "/.venv/bin/python";
  const int port = FreePort();
  pid_t moto = ::fork();
  if (moto == 0) {
    ::setenv("INITIAL_NO_AUTH_ACTION_COUNT", "3", 1);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::string bin = src + "/.venv/bin/moto_server", p = std::to_string(port);
    ::execl(bin.c_str(), bin.c_str(), "-H", "127.0.0.1", "-p", p.c_str(), nullptr);
    ::_exit(127);
  }
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  for (int i = 0; i < 600 && !Accepts(port); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string key, secret;
  std::istringstream(
      Run("'" + py + "' '" + src + "/tests/sync/s3_fixture.py' setup " + endpoint + " bench")) >>
      key >> secret;
  ::setenv("AWS_ACCESS_KEY_ID", key.c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", secret.c_str(), 1);
  auto upload = [&](const std::string& part, int version) {
    Run("'" + py + "' '" + src + "/bench/sync_gen.py' " + endpoint + " " + key + " " + secret +
        " bench feat/" + part + "/ " + std::to_string(rows) + " " + std::to_string(files) + " " +
        std::to_string(version));
  };
  std::printf("generating and uploading %lld rows x 2 partitions...\n",
              static_cast<long long>(rows));
  upload("dt=1", 1);

  char tmpl[] = "/tmp/murr-sync-bench-XXXXXX";
  std::string cache = ::mkdtemp(tmpl);
  murr::ServiceOptions o;
  o.cache_dir = cache;
  o.sync_in_background = false;
  o.load.download_threads = threads;
  murr::SourceSpec spec;
  spec.table = "feat";
  spec.url = "s3://bench/feat/";
  spec.key = "id";
  o.sources.push_back(spec);
  o.s3.endpoint = endpoint;
  o.s3.path_style = true;
  auto svc = murr::TableService::Open(o);
  if (!svc.ok()) {
    std::fprintf(stderr, "%s\n", svc.status().ToString().c_str());
    return 1;
  }
  auto t0 = Clock::now();
  murr::Status st = (*svc)->CheckSourceNow("feat");
  double first = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!st.ok()) {
    std::fprintf(stderr, "load failed: %s\n", st.ToString().c_str());
    return 1;
  }
  murr::SyncStatus s1 = (*svc)->GetStatus("feat")->sync;

  std::vector<std::string> names;
  std::vector<std::string> cols;
  for (int f = 0; f < 10; ++f) cols.push_back("f" + std::to_string(f));
  std::mt19937_64 rng(7);
  auto read_once = [&]() {
    names.clear();
    for (int i = 0; i < 1000; ++i) names.push_back("k" + std::to_string(rng() % rows));
    std::vector<std::string_view> keys(names.begin(), names.end());
    auto a = Clock::now();
    auto b = (*svc)->Read("feat", keys, cols);
    if (!b.ok()) std::abort();
    return std::chrono::duration<double, std::micro>(Clock::now() - a).count();
  };
  std::vector<double> idle;
  for (int i = 0; i < 2000; ++i) idle.push_back(read_once());

  upload("dt=2", 2);
  std::atomic<bool> loading{true};
  std::vector<double> during;
  std::thread reader([&] {
    while (loading) {
      during.push_back(read_once());
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  auto t1 = Clock::now();
  st = (*svc)->CheckSourceNow("feat");
  double second = std::chrono::duration<double>(Clock::now() - t1).count();
  loading = false;
  reader.join();
  murr::SyncStatus s2 = (*svc)->GetStatus("feat")->sync;
  if (!st.ok() || s2.partition != "dt=2") {
    std::fprintf(stderr, "second load failed: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("rows=%lld files=%d download_threads=%d bytes_downloaded=%lld\n",
              static_cast<long long>(rows), files, threads,
              static_cast<long long>(s2.bytes_downloaded));
  std::printf("first load:  %.2f s end to end = %.2f M rows/s (load %.2f s)\n", first,
              rows / first / 1e6, s1.last_load_seconds);
  std::printf("second load: %.2f s until the new version serves = %.2f M rows/s\n", second,
              rows / second / 1e6);
  std::printf(
      "read p50 (1000 keys x 10 float32): idle %.1f us, during load %.1f us (%zu reads), "
      "ratio %.2f\n",
      Percentile(idle, 0.5), Percentile(during, 0.5), during.size(),
      Percentile(during, 0.5) / Percentile(idle, 0.5));
  svc->reset();
  ::kill(moto, SIGTERM);
  ::waitpid(moto, nullptr, 0);
  std::string rm = "rm -rf '" + cache + "'";
  (void)std::system(rm.c_str());
  return 0;
}
