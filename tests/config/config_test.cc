// Config loading: defaults, YAML file, MURR_* environment overlay, strict errors naming the key.
#include "murr/config/config.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>

#include "common/test_util.h"

namespace murr {
namespace {

using testing::TempDir;
using testing::WriteStringToFile;

TEST(Config, Defaults) {
  Result<Config> c = LoadConfig("", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.endpoint.host, "0.0.0.0");
  EXPECT_EQ(c->http.endpoint.port, 8080);
  EXPECT_EQ(c->grpc.host, "0.0.0.0");
  EXPECT_EQ(c->grpc.port, 8081);
  EXPECT_EQ(c->http.max_body_bytes, uint64_t{1} << 30);
  EXPECT_EQ(c->http.max_fetch_keys, 100000u);
  EXPECT_EQ(c->http.worker_threads, 0);
  EXPECT_FALSE(c->http.access_log);
  EXPECT_EQ(c->cache_dir, "");
  EXPECT_EQ(c->idle_compaction_seconds, 30);
}

TEST(Config, FileThenEnvironment) {
  TempDir dir;
  WriteStringToFile(dir / "m.yaml",
                    "server:\n  http:\n    port: 9000\n    access_log: yes\n"
                    "  grpc:\n    port: 9001\nstorage:\n  cache_dir: /from/file\n"
                    "  idle_compaction_seconds: 5\n");
  Result<Config> c = LoadConfig(dir / "m.yaml", {{"MURR_SERVER_HTTP_PORT", "9090"},
                                                 {"MURR_STORAGE_CACHE_DIR", "/data"},
                                                 {"MURR_SERVER_HTTP_WORKER_THREADS", "3"},
                                                 {"MURR_SKIP_NPM", "1"},
                                                 {"MURR_SKIP_PIP", "1"},
                                                 {"PATH", "/bin"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.endpoint.port, 9090);
  EXPECT_EQ(c->grpc.port, 9001);
  EXPECT_TRUE(c->http.access_log);
  EXPECT_EQ(c->cache_dir, "/data");
  EXPECT_EQ(c->http.worker_threads, 3);
  EXPECT_EQ(c->idle_compaction_seconds, 5);
}

TEST(Config, EveryKeyHasItsEnvironmentName) {
  for (const ConfigKey& k : ConfigKeys()) {
    std::string expected = "MURR_";
    for (char ch : k.path) expected += ch == '.' ? '_' : static_cast<char>(std::toupper(ch));
    EXPECT_EQ(k.env, expected);
    EXPECT_FALSE(k.description.empty()) << k.path;
  }
  // 33 + s3.endpoint, s3.region, s3.path_style, s3.anonymous, sync.download_threads; the
  // `tables` map has its own keys per table (TablesOfSources).
  EXPECT_EQ(ConfigKeys().size(), 38u);
}

TEST(Config, StrictErrorsNameTheKey) {
  TempDir dir;
  struct Case {
    std::string yaml;
    std::vector<std::pair<std::string, std::string>> env;
    std::string mention;
  };
  std::vector<Case> cases = {
      {"server:\n  http:\n    prot: 1\n", {}, "server.http.prot"},
      {"server:\n  http:\n    port: 65536\n", {}, "server.http.port"},
      {"server:\n  http:\n    port: 1.5\n", {}, "server.http.port"},
      {"server:\n  http:\n    port: [1]\n", {}, "server.http.port"},
      {"server:\n  http:\n    host: ''\n", {}, "server.http.host"},
      {"server:\n  http:\n    idle_timeout_ms: 0\n", {}, "server.http.idle_timeout_ms"},
      {"server:\n  http:\n    worker_threads: 5000\n", {}, "server.http.worker_threads"},
      {"- a\n- b\n", {}, "mapping"},
      {"", {{"MURR_SERVER_GRPC_PORT", "x"}}, "server.grpc.port"},
      {"", {{"MURR_STORAGE_CACHEDIR", "/x"}}, "MURR_STORAGE_CACHEDIR"},
      {"", {{"MURR_SERVER_HTTP_ACCESS_LOG", "sometimes"}}, "server.http.access_log"},
      // tier_fan_in 1 would make compaction delete the segment it has just published.
      {"storage:\n  tier_fan_in: 1\n", {}, "storage.tier_fan_in"},
      {"storage:\n  max_segments: 1\n", {}, "storage.max_segments"},
      {"", {{"MURR_STORAGE_ADOPT_CACHE_DIR", "maybe"}}, "storage.adopt_cache_dir"},
      {"server:\n  http:\n    max_decoded_bytes: 0\n", {}, "server.http.max_decoded_bytes"},
      {"storage:\n  durability: sometimes\n", {}, "storage.durability"},
      {"tables:\n  t:\n    key: id\n", {}, "tables.t.source"},
      {"tables:\n  t:\n    source: file:///x/\n", {}, "tables.t.key"},
      {"tables:\n  t:\n    source: http://x/\n    key: id\n", {}, "tables.t.source"},
      {"tables:\n  t:\n    source: file:///x/\n    key: id\n    polls: 1\n", {}, "tables.t.polls"},
      {"tables:\n  t:\n    source: file:///x/\n    key: id\n    poll_seconds: 0\n",
       {},
       "tables.t.poll_seconds"},
      {"tables:\n  t:\n    source: file:///x/\n    key: id\n    columns:\n      id: "
       "{dtype: utf8, nullable: false}\n      x: {dtype: float128}\n",
       {},
       "tables.t.columns"},
      {"tables:\n  t:\n    source: file:///x/\n    key: id\n    columns: 3\n",
       {},
       "tables.t.columns"},
      {"tables: [1]\n", {}, "'tables'"},
      {"", {{"MURR_TABLES_T_SOURCES", "file:///x/"}}, "MURR_TABLES_T_SOURCES"},
      {"", {{"MURR_S3_PATH_STYLE", "perhaps"}}, "s3.path_style"},
      {"s3:\n  endpoint: 127.0.0.1:9000\n", {}, "s3.endpoint"},
  };
  for (const Case& k : cases) {
    std::string file;
    if (!k.yaml.empty()) {
      file = dir / "c.yaml";
      WriteStringToFile(file, k.yaml);
    }
    Result<Config> c = LoadConfig(file, k.env);
    ASSERT_FALSE(c.ok()) << k.yaml << k.mention;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(k.mention), std::string::npos) << c.status().message();
  }
}

TEST(Config, TablesOfSources) {
  TempDir dir;
  WriteStringToFile(dir / "m.yaml",
                    "tables:\n"
                    "  user_features:\n"
                    "    source: s3://ml-features/user_features\n"
                    "    key: user_id\n"
                    "    columns:\n"
                    "      user_id: {dtype: utf8, nullable: false}\n"
                    "      score: {dtype: float32}\n"
                    "  docs.v2:\n"
                    "    source: file:///data/docs/\n"
                    "    key: id\n"
                    "    poll_seconds: 0.5\n"
                    "    marker: DONE\n"
                    "s3:\n  endpoint: http://127.0.0.1:9000\n  region: eu-west-1\n"
                    "  path_style: true\n");
  Result<Config> c = LoadConfig(dir / "m.yaml", {{"MURR_TABLES_DOCS_V2_POLL_SECONDS", "2"},
                                                 {"MURR_TABLES_EXTRA_SOURCE", "file:///e/"},
                                                 {"MURR_TABLES_EXTRA_KEY", "k"},
                                                 {"MURR_S3_REGION", "us-west-2"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->tables.size(), 3u);  // by name
  const TableSourceConfig& docs = c->tables[0];
  EXPECT_EQ(docs.name, "docs.v2");
  EXPECT_EQ(docs.source, "file:///data/docs/");
  EXPECT_EQ(docs.poll_seconds, 2);  // the environment wins
  EXPECT_EQ(docs.marker, "DONE");
  EXPECT_FALSE(docs.schema.has_value());
  EXPECT_EQ(c->tables[1].name, "extra");
  EXPECT_EQ(c->tables[1].source, "file:///e/");
  EXPECT_EQ(c->tables[1].key, "k");
  EXPECT_EQ(c->tables[1].poll_seconds, 60);
  EXPECT_EQ(c->tables[1].marker, "_SUCCESS");
  const TableSourceConfig& uf = c->tables[2];
  EXPECT_EQ(uf.source, "s3://ml-features/user_features/");  // a prefix ends with '/'
  ASSERT_TRUE(uf.schema.has_value());
  EXPECT_EQ(uf.schema->key(), "user_id");
  ASSERT_EQ(uf.schema->columns().size(), 2u);
  EXPECT_EQ(uf.schema->columns()[1].type, DataType::kFloat32);
  EXPECT_TRUE(uf.schema->columns()[1].nullable);
  EXPECT_EQ(c->s3.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c->s3.region, "us-west-2");
  EXPECT_TRUE(c->s3.path_style);
  EXPECT_FALSE(c->s3.anonymous);
  EXPECT_NE(DescribeConfig(*c).find("tables.user_features=s3://ml-features/user_features/"),
            std::string::npos);
}

TEST(Config, ResolveCacheDir) {
  TempDir dir;
  Config c;
  c.cache_dir = dir / "x/../cache";
  ASSERT_TRUE(ResolveCacheDir(&c).ok());
  EXPECT_EQ(c.cache_dir, dir / "cache");
  EXPECT_TRUE(std::filesystem::is_directory(c.cache_dir));
  WriteStringToFile(dir / "file", "x");
  c.cache_dir = dir / "file/sub";
  Status st = ResolveCacheDir(&c);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("storage.cache_dir"), std::string::npos) << st.message();
  // The default is the first writable candidate: <cwd>/murr when the cwd is writable.
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  Config d;
  Status resolved = ResolveCacheDir(&d);
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(resolved.ok()) << resolved.ToString();
  EXPECT_EQ(d.cache_dir, dir / "murr");
  EXPECT_TRUE(std::filesystem::is_directory(d.cache_dir));
}

TEST(Config, TokensAreNeverShownAndTlsNeedsBothFiles) {
  auto c =
      LoadConfig("", {{"MURR_AUTH_TOKENS", "read:0123456789abcdefXYZ,write:fedcba9876543210QQQ"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::string described = DescribeConfig(*c);
  EXPECT_EQ(described.find("0123456789abcdef"), std::string::npos) << described;
  EXPECT_EQ(described.find("fedcba9876543210"), std::string::npos) << described;
  EXPECT_NE(described.find("auth.tokens=(2 redacted)"), std::string::npos) << described;
  auto half = LoadConfig("", {{"MURR_SERVER_TLS_CERT_FILE", "/x.pem"}});
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("server.tls.key_file"), std::string::npos);
}

TEST(Config, DurabilityIsFsyncOrNone) {
  EXPECT_TRUE(LoadConfig("", {})->durable);
  auto none = LoadConfig("", {{"MURR_STORAGE_DURABILITY", "none"}});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->durable);
  EXPECT_NE(DescribeConfig(*none).find("storage.durability=none"), std::string::npos);
  EXPECT_TRUE(LoadConfig("", {{"MURR_STORAGE_DURABILITY", "fsync"}})->durable);
}

TEST(Config, DescribeListsEveryKey) {
  Config c;
  c.cache_dir = "/d";
  std::string s = DescribeConfig(c);
  for (const ConfigKey& k : ConfigKeys()) EXPECT_NE(s.find(k.path + "="), std::string::npos);
  EXPECT_NE(s.find("storage.cache_dir=/d"), std::string::npos);
}

}  // namespace
}  // namespace murr
