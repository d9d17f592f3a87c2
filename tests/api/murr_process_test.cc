// The `murr` program as a process: command line, configuration (file, environment overrides,
// every strict error), restart keeping data, timeouts, and SIGTERM during a stream of writes
// losing no acknowledged write.
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "api/server_process.h"
#include "murr/core/schema.h"

namespace murr {
namespace {

using testing::HttpClient;
using testing::HttpReply;
using testing::RunMurr;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;

constexpr char kSchema[] =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"n":{"dtype":"int64"}}})";

TEST(MurrCli, HelpAndVersion) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunMurr({"--help"}, {}, dir.path(), &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos) << out;
  EXPECT_NE(out.find("--config"), std::string::npos) << out;
  EXPECT_EQ(RunMurr({"serve", "--help"}, {}, dir.path(), &out), 0);
  EXPECT_EQ(RunMurr({"--version"}, {}, dir.path(), &out), 0);
  EXPECT_EQ(out.rfind("murr ", 0), 0u) << out;
  EXPECT_NE(out.find('.'), std::string::npos) << out;
  EXPECT_NE(RunMurr({"frobnicate"}, {}, dir.path(), &out), 0);
  EXPECT_NE(RunMurr({"serve", "--no-such-flag"}, {}, dir.path(), &out), 0);
}

TEST(MurrCli, ServeIsTheDefaultCommand) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache"), {}, {})) << server.log();
  HttpClient c(server.port());
  EXPECT_EQ(c.Send("GET", "/health").status, 200);
  // The effective configuration is logged at start.
  std::string log = server.log();
  EXPECT_NE(log.find("server.http.port=0"), std::string::npos) << log;
  EXPECT_NE(log.find("storage.cache_dir=" + (dir / "cache")), std::string::npos) << log;
  EXPECT_NE(log.find("server.http.max_body_bytes=1073741824"), std::string::npos) << log;
  EXPECT_EQ(server.Stop(SIGINT), 0);
}

TEST(MurrConfig, EnvironmentOverridesTheFile) {
  TempDir dir;
  std::filesystem::create_directories(dir / "env_cache");
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      dir.path(), TestConfigYaml(dir / "file_cache", {"max_fetch_keys: 2"}),
      {"MURR_SERVER_HTTP_MAX_FETCH_KEYS=3", "MURR_STORAGE_CACHE_DIR=" + (dir / "env_cache")}))
      << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  // The table lives in the environment's cache_dir, not the file's.
  EXPECT_TRUE(std::filesystem::exists(dir / "env_cache/t/table.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "file_cache/t"));
  EXPECT_EQ(
      c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["a","b","c"],"columns":["n"]})").status,
      200);
  HttpReply r =
      c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["a","b","c","d"],"columns":["n"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find('3'), std::string::npos) << r.body;
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrConfig, DefaultsApplyToAnEmptyFile) {
  TempDir dir;
  ServerProcess server;
  // An empty YAML file is a valid configuration (all defaults) that the environment completes.
  ASSERT_TRUE(server.Start(
      dir.path(), "",
      {"MURR_SERVER_HTTP_PORT=0", "MURR_SERVER_HTTP_HOST=127.0.0.1", "MURR_SERVER_GRPC_PORT=0",
       "MURR_SERVER_GRPC_HOST=127.0.0.1", "MURR_STORAGE_CACHE_DIR=" + (dir / "c")}))
      << server.log();
  std::string log = server.log();
  EXPECT_NE(log.find("server.http.idle_timeout_ms=60000"), std::string::npos) << log;
  EXPECT_NE(log.find("server.http.header_timeout_ms=10000"), std::string::npos) << log;
  EXPECT_NE(log.find("server.http.access_log=false"), std::string::npos) << log;
  EXPECT_EQ(server.Stop(), 0);
}

struct BadConfig {
  std::string name;
  std::string yaml;              // written as the config file (empty: none)
  std::vector<std::string> env;  // extra environment
  std::string must_mention;      // the key or variable the message names
};

class MurrBadConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(MurrBadConfig, ExitsNonZeroNamingTheKey) {
  const BadConfig& k = GetParam();
  TempDir dir;
  testing::WriteStringToFile(dir / "a_file", "x");  // a file where a directory would have to be
  std::vector<std::string> args = {"serve"};
  if (!k.yaml.empty()) {
    std::string yaml = k.yaml;
    size_t p = yaml.find("$DIR");
    if (p != std::string::npos) yaml.replace(p, 4, dir.path());
    testing::WriteStringToFile(dir / "murr.yaml", yaml);
    args.push_back("--config");
    args.push_back(dir / "murr.yaml");
  }
  std::vector<std::string> env = k.env;
  bool has_cache = false;
  for (auto& e : env) {
    size_t p = e.find("$DIR");
    if (p != std::string::npos) e.replace(p, 4, dir.path());
    has_cache |= e.rfind("MURR_STORAGE_CACHE_DIR=", 0) == 0;
  }
  if (!has_cache && k.yaml.find("cache_dir") == std::string::npos) {
    env.push_back("MURR_STORAGE_CACHE_DIR=" + (dir / "cache"));
  }
  env.push_back("MURR_SERVER_HTTP_HOST=127.0.0.1");
  env.push_back("MURR_SERVER_GRPC_HOST=127.0.0.1");
  env.push_back("MURR_SERVER_GRPC_PORT=0");
  std::string out;
  int code = RunMurr(args, env, dir.path(), &out);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(code, -1) << "still running: " << out;
  EXPECT_NE(out.find(k.must_mention), std::string::npos) << out;
  EXPECT_EQ(out.find("listening on"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Strict, MurrBadConfig,
    ::testing::Values(
        BadConfig{"UnknownFileKey", "server:\n  http:\n    prot: 9090\n", {}, "server.http.prot"},
        BadConfig{"UnknownSection",
                  "storage:\n  cache_dir: $DIR/c\nlogging:\n  level: 1\n",
                  {},
                  "logging"},
        BadConfig{"UnknownEnvVar", "", {"MURR_SERVER_HTTP_PROT=9090"}, "MURR_SERVER_HTTP_PROT"},
        BadConfig{"PortOutOfRange", "server:\n  http:\n    port: 70000\n", {}, "server.http.port"},
        BadConfig{"NegativePort", "", {"MURR_SERVER_HTTP_PORT=-1"}, "MURR_SERVER_HTTP_PORT"},
        BadConfig{"PortWrongType", "server:\n  http:\n    port: eighty\n", {}, "server.http.port"},
        BadConfig{
            "PortIsAMapping", "server:\n  http:\n    port:\n      a: 1\n", {}, "server.http.port"},
        BadConfig{"EnvWrongType",
                  "",
                  {"MURR_SERVER_HTTP_MAX_BODY_BYTES=lots"},
                  "server.http.max_body_bytes"},
        BadConfig{"BoolWrongType",
                  "server:\n  http:\n    access_log: maybe\n",
                  {},
                  "server.http.access_log"},
        BadConfig{"ZeroLimit",
                  "server:\n  http:\n    max_fetch_keys: 0\n",
                  {},
                  "server.http.max_fetch_keys"},
        BadConfig{"SectionNotAMapping", "server: 8080\n", {}, "server"},
        BadConfig{"MalformedYaml", "server: {http: [\n", {}, "murr.yaml"},
        BadConfig{"CacheDirNotWritable",
                  "",
                  {"MURR_STORAGE_CACHE_DIR=$DIR/a_file/sub"},
                  "storage.cache_dir"},
        BadConfig{"EmptyCacheDir", "", {"MURR_STORAGE_CACHE_DIR="}, "storage.cache_dir"}),
    [](const ::testing::TestParamInfo<BadConfig>& info) { return info.param.name; });

TEST(MurrConfig, MissingConfigFileIsAnError) {
  TempDir dir;
  std::string out;
  int code = RunMurr({"serve", "--config", dir / "absent.yaml"}, {}, dir.path(), &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("absent.yaml"), std::string::npos) << out;
}

TEST(MurrServer, PortInUseIsReported) {
  TempDir dir;
  ServerProcess first;
  ASSERT_TRUE(first.Start(dir.path(), TestConfigYaml(dir / "c1"))) << first.log();
  std::string out;
  int code = RunMurr(
      {"serve"},
      {"MURR_SERVER_HTTP_HOST=127.0.0.1", "MURR_SERVER_HTTP_PORT=" + std::to_string(first.port()),
       "MURR_SERVER_GRPC_HOST=127.0.0.1", "MURR_SERVER_GRPC_PORT=0",
       "MURR_STORAGE_CACHE_DIR=" + (dir / "c2")},
      dir.path(), &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find(std::to_string(first.port())), std::string::npos) << out;
  EXPECT_EQ(first.Stop(), 0);
}

TEST(MurrServer, RestartKeepsData) {
  TempDir dir;
  std::string yaml = TestConfigYaml(dir / "cache");
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    HttpClient c(server.port());
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/keep", kSchema).status, 201);
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/keep/write", R"({"columns":{"id":["a","b"],"n":[1,2]}})")
                  .status,
              200);
    ASSERT_EQ(
        c.Json("PUT", "/api/v1/table/keep/write", R"({"columns":{"id":["b"],"n":[20]}})").status,
        200);
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/gone", kSchema).status, 201);
    ASSERT_EQ(c.Send("DELETE", "/api/v1/table/gone").status, 200);
    EXPECT_EQ(server.Stop(SIGTERM), 0) << server.log();
  }
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
  HttpClient c(server.port());
  HttpReply r = c.Send("GET", "/api/v1/table/keep/schema");
  EXPECT_EQ(r.body, TableSchema::FromJson(kSchema)->ToJson());
  r = c.Json("POST", "/api/v1/table/keep/fetch", R"({"keys":["b","a"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[20,1]}})");
  EXPECT_EQ(c.Send("GET", "/api/v1/table/gone/schema").status, 404);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrServer, HeaderAndIdleTimeoutsCloseConnections) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache", {"header_timeout_ms: 300",
                                                                      "idle_timeout_ms: 300"})))
      << server.log();
  // A request whose headers never finish is cut off by the header timeout.
  HttpClient slow(server.port());
  ASSERT_TRUE(slow.Connect());
  ASSERT_TRUE(slow.SendRaw("GET /health HTTP/1.1\r\nHost: t\r\n"));
  EXPECT_TRUE(slow.WaitForClose(std::chrono::seconds(20)));
  // A keep-alive connection left idle is closed by the idle timeout.
  HttpClient idle(server.port());
  ASSERT_EQ(idle.Send("GET", "/health").status, 200);
  EXPECT_TRUE(idle.connected());
  EXPECT_TRUE(idle.WaitForClose(std::chrono::seconds(20)));
  // A connection that never sends a byte is closed too.
  HttpClient silent(server.port());
  ASSERT_TRUE(silent.Connect());
  EXPECT_TRUE(silent.WaitForClose(std::chrono::seconds(20)));
  // The server still serves.
  HttpClient c(server.port());
  EXPECT_EQ(c.Send("GET", "/health").status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrServer, ShutdownClosesIdleConnectionsAndExitsZero) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache"))) << server.log();
  // Idle keep-alive connections must not hold the shutdown up to the 60 s idle timeout.
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<HttpClient>(server.port()));
    ASSERT_EQ(idle.back()->Send("GET", "/health").status, 200);
  }
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.log();
  for (auto& c : idle) EXPECT_TRUE(c->WaitForClose(std::chrono::seconds(5)));
  std::string log = server.log();
  EXPECT_NE(log.find("murr stopped"), std::string::npos) << log;
}

// Writers stream single-row writes over keep-alive connections while SIGTERM arrives. Every
// write acknowledged with 200 must be there after a restart; the process exits 0.
TEST(MurrServer, SigtermDuringWritesLosesNoAcknowledgedWrite) {
  TempDir dir;
  std::string yaml = TestConfigYaml(dir / "cache");
  std::vector<std::vector<int>> acked(3);
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    {
      HttpClient c(server.port());
      ASSERT_EQ(c.Json("PUT", "/api/v1/table/w", kSchema).status, 201);
    }
    std::atomic<int> total{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back([&, t] {
        HttpClient c(server.port());
        for (int i = 0;; ++i) {
          std::string key = "w" + std::to_string(t) + "-" + std::to_string(i);
          HttpReply r =
              c.Json("PUT", "/api/v1/table/w/write",
                     R"({"columns":{"id":[")" + key + R"("],"n":[)" + std::to_string(i) + "]}}");
          if (r.status != 200) break;  // the server went away (or refused): stop
          acked[t].push_back(i);
          ++total;
          if (!c.connected()) break;  // Connection: close, the server is shutting down
        }
      });
    }
    while (total.load() < 30) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(server.Stop(SIGTERM), 0) << server.log();
    for (auto& w : writers) w.join();
  }
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
  HttpClient c(server.port());
  size_t checked = 0;
  for (int t = 0; t < 3; ++t) {
    for (int i : acked[t]) {
      std::string key = "w" + std::to_string(t) + "-" + std::to_string(i);
      HttpReply r =
          c.Json("POST", "/api/v1/table/w/fetch", R"({"keys":[")" + key + R"("],"columns":["n"]})");
      ASSERT_EQ(r.body, R"({"columns":{"n":[)" + std::to_string(i) + "]}}") << key;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30u);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace murr
