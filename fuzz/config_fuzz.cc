// Fuzzes LoadConfig: the YAML file (yaml-cpp parses it; its exceptions must stay inside
// config.cc) and the MURR_* environment overlay. Input: the file's bytes, then optionally a NUL
// byte and "NAME=value" lines for the environment. Properties: no crash, no exception, no leak,
// no UB, no hang; errors are InvalidArgument; a loaded config holds values in the documented
// ranges and describes itself.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.h"
#include "murr/config/config.h"
#include "murr/core/file_util.h"

namespace {

const std::string& TempConfigPath() {
  static const std::string path = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string dir = base + "/murr-config-fuzz-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    static std::string cleanup_dir = dir;
    std::atexit([] { std::filesystem::remove_all(cleanup_dir); });
    return dir + "/murr.yaml";
  }();
  return path;
}

std::vector<std::pair<std::string, std::string>> ParseEnv(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> env;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view yaml = input.substr(0, nul);
  std::vector<std::pair<std::string, std::string>> env;
  if (nul != std::string_view::npos) env = ParseEnv(input.substr(nul + 1));

  const std::string& path = TempConfigPath();
  murr::ConstSlice body{yaml.data(), yaml.size()};
  murr::Status st = murr::WriteFileAtomically(path, {body}, /*sync=*/false);
  FUZZ_CHECK(st.ok(), st.ToString());

  murr::Result<murr::Config> config = murr::LoadConfig(path, env);
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == murr::StatusCode::kInvalidArgument,
               config.status().ToString());
    FUZZ_CHECK(!config.status().message().empty(), "an error without a message");
    return 0;
  }
  const murr::Config& c = *config;
  FUZZ_CHECK(c.http.endpoint.port >= 0 && c.http.endpoint.port <= 65535, "http port range");
  FUZZ_CHECK(c.grpc.port >= 0 && c.grpc.port <= 65535, "grpc port range");
  FUZZ_CHECK(!c.http.endpoint.host.empty() && !c.grpc.host.empty(), "empty host");
  FUZZ_CHECK(c.http.max_body_bytes > 0 && c.http.max_fetch_keys > 0 && c.http.max_decoded_bytes > 0,
             "non-positive limit");
  FUZZ_CHECK(c.http.header_timeout_ms > 0 && c.http.idle_timeout_ms > 0 &&
                 c.http.io_timeout_ms > 0 && c.http.shutdown_timeout_ms > 0,
             "non-positive timeout");
  FUZZ_CHECK(c.http.worker_threads >= 0 && c.http.worker_threads <= 1024, "worker threads");
  FUZZ_CHECK(c.tier_fan_in >= 2 && c.tier_fan_in <= 64, "tier_fan_in range");
  FUZZ_CHECK(c.max_segments >= 2 && c.max_segments <= 1024, "max_segments range");
  FUZZ_CHECK(c.idle_compaction_seconds >= 0 && c.idle_compaction_seconds <= 86400,
             "idle_compaction_seconds range");
  FUZZ_CHECK(!murr::DescribeConfig(c).empty(), "empty description");
  return 0;
}
