// Upstream Murr in the side-by-side benchmark (issue 14, decision 0025): the Rust `murr` 0.2.1
// from crates.io, which `make bench-deps` installs with `cargo install` into the build folder. It
// is RocksDB underneath (PlainTable, memory-mapped reads) behind an HTTP API that ours kept
// compatible, so it is loaded and read exactly like our server (murr_http.h): the same table
// schema, one Arrow IPC write per batch, POST /fetch with an Arrow IPC reply. It is optional: when
// the program is absent the runner skips it with a note.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "bench/compare/backend.h"
#include "bench/compare/http_client.h"
#include "bench/compare/murr_http.h"
#include "bench/compare/process.h"

namespace murr::compare {
namespace {

constexpr char kPinnedVersion[] = "0.2.1";
// Settle: upstream has no endpoint that reports its background work (RocksDB compactions), so
// the backend waits until the server's CPU time stops growing: under kIdleCpu of CPU time in
// kIdleWindow, checked every kIdlePoll, for at most kSettleWait.
constexpr auto kIdleWindow = std::chrono::seconds(2);
constexpr auto kIdlePoll = std::chrono::milliseconds(250);
constexpr double kIdleCpu = 0.05;  // seconds
constexpr auto kSettleWait = std::chrono::minutes(10);

// The program: the workload's path if given, else upstream/bin/murr next to murr_compare.
std::string UpstreamBinary(const Workload& w) {
  if (!w.upstream_murr_binary.empty()) return w.upstream_murr_binary;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "upstream/bin/murr";
  self[n] = '\0';
  return (std::filesystem::path(self).parent_path() / "upstream" / "bin" / "murr").string();
}

class UpstreamBackend : public Backend {
 public:
  explicit UpstreamBackend(const Workload& w) : w_(w) {}
  ~UpstreamBackend() override { Stop(); }

  std::string name() const override { return "upstream-murr"; }
  std::string description() const override {
    return std::string("upstream Murr ") + kPinnedVersion +
           " (Rust, crates.io; RocksDB PlainTable, mmap), POST /fetch with an Arrow IPC reply on "
           "a keep-alive connection";
  }
  bool optional() const override { return true; }
  std::string SkipReason() const override {
    std::string binary = UpstreamBinary(w_);
    if (FindProgram({binary}).ok()) return "";
    return "upstream murr is not installed at " + binary + " (`make bench-deps` installs murr " +
           kPinnedVersion + " from crates.io with cargo)";
  }
  std::string version() const override { return version_; }
  pid_t server_pid() const override { return child_.pid(); }

  Status Start(const Workload& w, const std::string& dir) override {
    w_ = w;
    MURR_ASSIGN_OR_RETURN(std::string binary, FindProgram({UpstreamBinary(w)}));
    // It takes ports from its config only (0 is not reported back), so the harness picks them.
    MURR_ASSIGN_OR_RETURN(http_port_, FreeLoopbackPort());
    MURR_ASSIGN_OR_RETURN(int grpc_port, FreeLoopbackPort());
    std::string config = dir + "/upstream.yaml";
    {
      // Its defaults but for the addresses and the storage folder: the Mmap backend (RocksDB
      // PlainTable over mmap reads), keys looked up in parallel (read_method par_get, named so
      // that the config never depends on how an empty map is read).
      std::ofstream out(config);
      out << "server:\n  http:\n    host: 127.0.0.1\n    port: " << http_port_ << "\n"
          << "  grpc:\n    host: 127.0.0.1\n    port: " << grpc_port << "\n"
          << "storage:\n  path: " << dir << "/cache\n  mmap:\n    read_method: par_get\n";
      if (!out) return Status::IOError("cannot write " + config);
    }
    SpawnOptions so;
    so.argv = {binary, "--config", config};
    so.log_path = dir + "/upstream.log";
    // It reads every MURR_* variable as configuration and refuses unknown keys, so the harness's
    // own (MURR_SKIP_PIP, ...) must not reach it.
    so.drop_env_prefixes = {"MURR_"};
    MURR_RETURN_IF_ERROR(child_.Start(so));
    MURR_RETURN_IF_ERROR(WaitForPort(http_port_, &child_, std::chrono::seconds(60)));
    // "murr v0.2.1 (release build)" is in its log before it listens.
    std::string log = FileTail(so.log_path, 1 << 16);
    size_t at = log.find("murr v");
    version_ = "upstream Murr ";
    if (at == std::string::npos) {
      version_ += "(unknown version)";
    } else {
      size_t end = log.find_first_of(" \r\n", at + 6);
      version_ += log.substr(at + 6, end == std::string::npos ? end : end - (at + 6));
    }
    MURR_ASSIGN_OR_RETURN(HttpClient admin, HttpClient::Connect(http_port_));
    admin_.emplace(std::move(admin));
    return CreateFeatureTable(&*admin_, w, "upstream murr");
  }

  Status Write(const DataBatch& batch) override {
    return WriteFeatureBatch(&*admin_, batch, "upstream murr", &body_);
  }

  Status Settle() override {
    pid_t pid = child_.pid();
    auto deadline = std::chrono::steady_clock::now() + kSettleWait;
    const size_t window = static_cast<size_t>(kIdleWindow / kIdlePoll);
    std::vector<double> samples;  // CPU seconds, one per poll
    for (;;) {
      double cpu = ProcessCpuSeconds(pid);
      if (cpu < 0) return Status::IOError("upstream murr: cannot read its CPU time (exited?)");
      samples.push_back(cpu);
      if (samples.size() > window && cpu - samples[samples.size() - 1 - window] < kIdleCpu) {
        return Status::OK();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::IOError("upstream murr: still busy after the settle wait");
      }
      std::this_thread::sleep_for(kIdlePoll);
    }
  }

  Result<std::unique_ptr<Client>> Connect() override {
    return ConnectFetchClient(http_port_, w_, /*arrow=*/true);
  }

  void Stop() override {
    admin_.reset();
    // No handler for SIGTERM: it ends at once, which is all a cache folder about to be removed
    // needs.
    child_.Stop(SIGTERM, std::chrono::seconds(10));
  }

 private:
  Workload w_;
  ChildProcess child_;
  int http_port_ = 0;
  std::string version_;
  std::optional<HttpClient> admin_;
  std::string body_;
};

}  // namespace

std::unique_ptr<Backend> MakeUpstreamMurrBackend(const Workload& w) {
  return std::make_unique<UpstreamBackend>(w);
}

}  // namespace murr::compare
