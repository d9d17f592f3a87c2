// `murr serve` with a table fed by a file:// source (issue 12): it loads, serves, refuses writes
// with 409, shows the sync in status and metrics, swaps in a newer partition, and after a restart
// with the source gone serves the stored version at once.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "api/server_process.h"
#include "sync/sync_test.h"

namespace murr {
namespace {

namespace fs = std::filesystem;
using testing::HttpClient;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;
using testing::WaitFor;
using testing::WritePartition;

std::string Yaml(const std::string& cache, const std::string& source) {
  return TestConfigYaml(cache) + "tables:\n  feat:\n    source: file://" + source +
         "/\n    key: id\n    poll_seconds: 0.2\n";
}

TEST(MurrSync, ServesASourceRefusesWritesAndSwapsInANewerPartition) {
  TempDir dir;
  const std::string src = dir / "src";
  WritePartition(src + "/dt=2026-11-30", "pyarrow", 20, 2, 1);
  const std::string yaml = Yaml(dir / "cache", src);
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    HttpClient c(server.port());
    auto partition_is = [&](const std::string& p) {
      return c.Json("GET", "/api/v1/table/feat/status", "")
                 .body.find("\"partition\":\"" + p + "\"") != std::string::npos;
    };
    ASSERT_TRUE(WaitFor([&] { return partition_is("dt=2026-11-30"); })) << server.log();
    auto status = c.Json("GET", "/api/v1/table/feat/status", "");
    EXPECT_EQ(status.status, 200);
    for (const char* field :
         {"\"source\":\"file://", "\"partition_rows\":20", "\"loaded_at\":\"", "\"last_check\":\"",
          "\"next_check\":\"", "\"last_error\":null", "\"rows\":20"}) {
      EXPECT_NE(status.body.find(field), std::string::npos) << field << " in " << status.body;
    }
    auto fetch = c.Json("POST", "/api/v1/table/feat/fetch", R"({"keys":["k3"],"columns":["x"]})");
    EXPECT_EQ(fetch.status, 200);
    EXPECT_NE(fetch.body.find("1000003"), std::string::npos) << fetch.body;
    EXPECT_NE(c.Json("GET", "/api/v1/table", "").body.find("feat"), std::string::npos);
    EXPECT_EQ(c.Json("GET", "/api/v1/table/feat/schema", "").status, 200);
    auto write = c.Json("PUT", "/api/v1/table/feat/write", R"({"id":["a"],"x":[1.0],"n":[1]})");
    EXPECT_EQ(write.status, 409);
    EXPECT_NE(write.body.find("is loaded from file://"), std::string::npos) << write.body;
    EXPECT_EQ(c.Json("DELETE", "/api/v1/table/feat", "").status, 409);

    WritePartition(src + "/dt=2026-12-01", "duckdb", 20, 2, 2);
    ASSERT_TRUE(WaitFor([&] { return partition_is("dt=2026-12-01"); })) << server.log();
    fetch = c.Json("POST", "/api/v1/table/feat/fetch", R"({"keys":["k3"],"columns":["x"]})");
    EXPECT_NE(fetch.body.find("2000003"), std::string::npos) << fetch.body;
    std::string metrics = c.Json("GET", "/metrics", "").body;
    EXPECT_NE(metrics.find("murr_sync_loads_total{table=\"feat\"} 2"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("murr_sync_bytes_downloaded_total{table=\"feat\"}"), std::string::npos);
    EXPECT_NE(metrics.find("murr_sync_partition_age_seconds{table=\"feat\"}"), std::string::npos);
    EXPECT_EQ(server.Stop(), 0);
  }
  // Restart with the source gone: the stored partition serves at once; status says why no
  // check succeeds.
  fs::remove_all(src);
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
  HttpClient c(server.port());
  auto fetch = c.Json("POST", "/api/v1/table/feat/fetch", R"({"keys":["k3"],"columns":["x"]})");
  EXPECT_EQ(fetch.status, 200);
  EXPECT_NE(fetch.body.find("2000003"), std::string::npos) << fetch.body;
  ASSERT_TRUE(WaitFor([&] {
    return c.Json("GET", "/api/v1/table/feat/status", "").body.find("cannot list") !=
           std::string::npos;
  })) << server.log();
  auto status = c.Json("GET", "/api/v1/table/feat/status", "");
  EXPECT_NE(status.body.find("\"partition\":\"dt=2026-12-01\""), std::string::npos) << status.body;
}

}  // namespace
}  // namespace murr
