// `murr serve` on a cache directory it must share and survive: a foreign folder in cache_dir
// survives start, create, write, compaction, drop and restart; a non-empty unmarked directory is
// refused until adopted; a corrupt table is quarantined (503, status, metrics) while the others
// serve; a full disk is 507 over HTTP and RESOURCE_EXHAUSTED over Flight, and acknowledges nothing.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "api/server_process.h"

namespace murr {
namespace {

namespace fs = std::filesystem;
using testing::HttpClient;
using testing::HttpReply;
using testing::ReadFileToString;
using testing::RunMurr;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;
using testing::WriteStringToFile;

constexpr char kSchema[] =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"n":{"dtype":"int64"}}})";

std::string SegmentIn(const std::string& dir) {
  for (auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") return e.path();
  }
  return "";
}

TEST(MurrCacheDir, AForeignFolderSurvivesEverythingMurrDoes) {
  TempDir dir;
  const std::string cache = dir / "cache";
  // cache_dir exists with a user's folder in it; Murr must refuse it until told to adopt it.
  fs::create_directories(cache + "/myphotos");
  WriteStringToFile(cache + "/myphotos/important.txt", "family");
  std::string out;
  EXPECT_EQ(RunMurr({"serve", "--config", dir / "c.yaml"}, {}, dir.path(), &out), 2)
      << "the config file does not exist yet: " << out;
  WriteStringToFile(dir / "c.yaml", TestConfigYaml(cache));
  int code = RunMurr({"serve", "--config", dir / "c.yaml"}, {}, dir.path(), &out);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("is not a Murr cache"), std::string::npos) << out;
  EXPECT_NE(out.find("storage.adopt_cache_dir: true"), std::string::npos) << out;
  EXPECT_EQ(ReadFileToString(cache + "/myphotos/important.txt"), "family");

  std::string yaml = TestConfigYaml(cache) + "  adopt_cache_dir: true\n  tier_fan_in: 2\n";
  for (int round = 0; round < 2; ++round) {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    EXPECT_NE(server.log().find("leaving '" + cache + "/myphotos' alone"), std::string::npos)
        << server.log();
    HttpClient c(server.port());
    EXPECT_EQ(c.Json("PUT", "/api/v1/table/myphotos", kSchema).status, 409);
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    for (int i = 0; i < 6; ++i) {
      std::string body =
          R"({"columns":{"id":["k)" + std::to_string(i) + R"("],"n":[)" + std::to_string(i) + "]}}";
      ASSERT_EQ(c.Json("PUT", "/api/v1/table/t/write", body).status, 200);
    }
    EXPECT_EQ(
        c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["k5","k0"],"columns":["n"]})").body,
        R"({"columns":{"n":[5,0]}})");
    HttpReply metrics = c.Send("GET", "/metrics");
    EXPECT_NE(metrics.body.find("murr_cache_foreign_entries 1\n"), std::string::npos);
    ASSERT_EQ(c.Send("DELETE", "/api/v1/table/t").status, 200);
    EXPECT_EQ(server.Stop(), 0);
  }
  EXPECT_EQ(ReadFileToString(cache + "/myphotos/important.txt"), "family");
  EXPECT_TRUE(fs::exists(cache + "/.murr-cache"));
  // Marked now: it opens without adopt_cache_dir.
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(cache))) << server.log();
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrCacheDir, ACorruptTableIsQuarantinedAndTheOthersServe) {
  TempDir dir;
  const std::string cache = dir / "cache";
  const std::string yaml = TestConfigYaml(cache);
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    HttpClient c(server.port());
    for (std::string t : {"bad", "good"}) {
      ASSERT_EQ(c.Json("PUT", "/api/v1/table/" + t, kSchema).status, 201);
      ASSERT_EQ(c.Json("PUT", "/api/v1/table/" + t + "/write",
                       R"({"columns":{"id":["a","b"],"n":[1,2]}})")
                    .status,
                200);
    }
    EXPECT_EQ(server.Stop(), 0);
  }
  std::string seg = SegmentIn(cache + "/bad");
  ASSERT_FALSE(seg.empty());
  std::string bytes = ReadFileToString(seg);
  WriteStringToFile(seg, bytes.substr(0, bytes.size() / 2));

  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
  EXPECT_NE(server.log().find("table 'bad' is QUARANTINED"), std::string::npos) << server.log();
  HttpClient c(server.port());
  HttpReply r = c.Json("POST", "/api/v1/table/good/fetch", R"({"keys":["b"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[2]}})");
  r = c.Json("POST", "/api/v1/table/bad/fetch", R"({"keys":["b"],"columns":["n"]})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("table 'bad' is quarantined: Corruption: segment '" + seg),
            std::string::npos)
      << r.body;
  EXPECT_EQ(c.Json("PUT", "/api/v1/table/bad/write", R"({"columns":{"id":["x"],"n":[1]}})").status,
            503);
  EXPECT_EQ(c.Send("GET", "/api/v1/table/bad/schema").status, 503);
  r = c.Send("GET", "/api/v1/table/bad/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("state":"quarantined","reason":"Corruption: segment ')"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("moved_to":")" + cache + "/.murr-quarantine/bad."), std::string::npos)
      << r.body;
  r = c.Send("GET", "/api/v1/table/good/status");
  EXPECT_EQ(r.body, R"({"table":"good","state":"serving","rows":2,"segments":1,"bytes":)" +
                        std::to_string(fs::file_size(SegmentIn(cache + "/good"))) + "}");
  r = c.Send("GET", "/metrics");
  EXPECT_NE(r.body.find("murr_tables_quarantined 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("murr_table_quarantined{table=\"bad\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("murr_table_rows{table=\"good\"} 2\n"), std::string::npos);
  // Drop clears it (the moved files stay); the name serves again.
  EXPECT_EQ(c.Send("DELETE", "/api/v1/table/bad").body, R"({"dropped":"bad"})");
  EXPECT_EQ(c.Json("PUT", "/api/v1/table/bad", kSchema).status, 201);
  EXPECT_EQ(c.Send("GET", "/api/v1/table/bad/status").body.find("serving") != std::string::npos,
            true);
  int quarantined_copies = 0;
  for (auto& e : fs::directory_iterator(cache + "/.murr-quarantine")) {
    quarantined_copies += fs::exists(e.path() / "table.json");
  }
  EXPECT_EQ(quarantined_copies, 1);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrCacheDir, AFullDiskIs507AndAcknowledgesNothing) {
  TempDir dir;
  const std::string cache = dir / "cache";
  const std::string yaml = TestConfigYaml(cache);
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    HttpClient c(server.port());
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t/write", R"({"columns":{"id":["a"],"n":[1]}})").status,
              200);
    EXPECT_EQ(server.Stop(), 0);
  }
  // Files may grow to 256 KiB: a 40,000-row write cannot be stored.
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), yaml, {}, {"serve"}, 256 << 10)) << server.log();
  HttpClient c(server.port());
  std::string ids, ns;
  for (int i = 0; i < 40000; ++i) {
    ids += (i ? "," : "") + std::string("\"key-") + std::to_string(i) + "\"";
    ns += (i ? "," : "") + std::to_string(i);
  }
  HttpReply r = c.Json("PUT", "/api/v1/table/t/write",
                       R"({"columns":{"id":[)" + ids + R"(],"n":[)" + ns + "]}}");
  EXPECT_EQ(r.status, 507) << r.body;
  EXPECT_NE(r.body.find("File too large"), std::string::npos) << r.body;
  // Small writes still fit; the failed one left nothing behind.
  EXPECT_EQ(c.Json("PUT", "/api/v1/table/t/write", R"({"columns":{"id":["b"],"n":[2]}})").status,
            200);
  EXPECT_EQ(
      c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["a","b","key-7"],"columns":["n"]})").body,
      R"({"columns":{"n":[1,2,null]}})");
  EXPECT_EQ(server.Stop(), 0);
  for (auto& e : fs::directory_iterator(cache + "/t")) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
    EXPECT_LT(fs::file_size(e.path()), 256u << 10) << e.path();
  }
  ServerProcess again;
  ASSERT_TRUE(again.Start(dir.path(), yaml)) << again.log();
  HttpClient c2(again.port());
  EXPECT_EQ(c2.Send("GET", "/api/v1/table/t/status").body.find(R"("rows":2)") != std::string::npos,
            true);
  EXPECT_EQ(again.Stop(), 0);
}

}  // namespace
}  // namespace murr
