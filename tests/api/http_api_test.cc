// The HTTP API, end to end: the real `murr` binary on a free port with a temporary cache_dir,
// spoken to over TCP. Every route, every error status, keep-alive, content negotiation both
// ways, JSON / Arrow / Parquet writes, the metrics and the OpenAPI document.
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "api/server_process.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/columnar/column.h"
#include "murr/core/schema.h"

namespace murr {
namespace {

using testing::HttpClient;
using testing::HttpReply;
using testing::ServerProcess;
using testing::TempDir;

constexpr char kArrow[] = "application/vnd.apache.arrow.stream";
constexpr char kParquet[] = "application/vnd.apache.parquet";
constexpr uint64_t kMaxBody = 1 << 20;
constexpr int kMaxKeys = 1000;

const char kDocsSchema[] =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
    R"("score":{"dtype":"float32"},"n":{"dtype":"int64"},"tag":{"dtype":"utf8"}}})";

class HttpApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start(
        dir_->path(), testing::TestConfigYaml(
                          dir_->path() + "/cache",
                          {"max_body_bytes: " + std::to_string(kMaxBody),
                           "max_fetch_keys: " + std::to_string(kMaxKeys), "access_log: true"})))
        << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->log();
    delete server_;
    delete dir_;
  }
  void TearDown() override {
    // Nothing a test sends may take the server down.
    HttpClient c(server_->port());
    EXPECT_EQ(c.Send("GET", "/health").status, 200) << server_->log();
  }

  static int port() { return server_->port(); }

  // Creates `name` with kDocsSchema and writes three rows.
  static void CreateDocs(HttpClient& c, const std::string& name) {
    c.Send("DELETE", "/api/v1/table/" + name);
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/" + name, kDocsSchema).status, 201);
    HttpReply w = c.Json("PUT", "/api/v1/table/" + name + "/write",
                         R"({"columns":{"id":["a","b","c"],"score":[1.5,null,-2.25],)"
                         R"("n":[1,2,3],"tag":["x","y",null]}})");
    ASSERT_EQ(w.status, 200) << w.body;
    ASSERT_EQ(w.body, R"({"rows":3})");
  }

  static TempDir* dir_;
  static ServerProcess* server_;
};

TempDir* HttpApiTest::dir_ = nullptr;
ServerProcess* HttpApiTest::server_ = nullptr;

// Polls the server's log for `text` (lines are written right after the reply is sent).
bool LogEventually(const ServerProcess& server, const std::string& text) {
  for (int i = 0; i < 500; ++i) {
    if (server.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string ErrorOf(const HttpReply& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(r.body).get(doc)) return "<not JSON: " + r.body + ">";
  std::string_view e;
  if (doc["error"].get(e)) return "<no error field: " + r.body + ">";
  return std::string(e);
}

TEST_F(HttpApiTest, HealthAnswersOk) {
  HttpClient c(port());
  HttpReply r = c.Send("GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "OK");
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u);
  // access_log is on for this server: one line per request.
  c.Send("GET", "/health?access-log-probe");
  EXPECT_TRUE(LogEventually(*server_, "\"GET /health?access-log-probe\" 200 2 "));
}

TEST_F(HttpApiTest, CreateListSchemaDrop) {
  HttpClient c(port());
  c.Send("DELETE", "/api/v1/table/life");
  HttpReply r = c.Json("PUT", "/api/v1/table/life", kDocsSchema);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"created":"life"})");
  EXPECT_EQ(c.Json("PUT", "/api/v1/table/life", kDocsSchema).status, 409);

  r = c.Send("GET", "/api/v1/table/life/schema");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, TableSchema::FromJson(kDocsSchema)->ToJson());

  r = c.Send("GET", "/api/v1/table");
  ASSERT_EQ(r.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.body);
  std::string_view key;
  ASSERT_FALSE(doc["life"]["key"].get(key));
  EXPECT_EQ(key, "id");
  std::string_view dtype;
  ASSERT_FALSE(doc["life"]["columns"]["score"]["dtype"].get(dtype));
  EXPECT_EQ(dtype, "float32");

  r = c.Send("DELETE", "/api/v1/table/life");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"dropped":"life"})");
  r = c.Send("DELETE", "/api/v1/table/life");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r), "table 'life' not found");
  EXPECT_EQ(c.Send("GET", "/api/v1/table/life/schema").status, 404);
  r = c.Send("GET", "/api/v1/table");
  EXPECT_EQ(r.body.find("\"life\""), std::string::npos) << r.body;
}

TEST_F(HttpApiTest, InvalidTableNamesAre400) {
  HttpClient c(port());
  for (std::string name :
       std::vector<std::string>{"bad%20name", ".hidden", "a*b", std::string(129, 'x')}) {
    HttpReply r = c.Json("PUT", "/api/v1/table/" + name, kDocsSchema);
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_NE(ErrorOf(r).find("invalid table name"), std::string::npos) << ErrorOf(r);
    EXPECT_EQ(c.Send("GET", "/api/v1/table/" + name + "/schema").status, 400) << name;
    EXPECT_EQ(
        c.Json("POST", "/api/v1/table/" + name + "/fetch", R"({"keys":[],"columns":["n"]})").status,
        400);
  }
}

TEST_F(HttpApiTest, BadSchemasAre400) {
  HttpClient c(port());
  for (const char* body : {"", "{", "[]", R"({"key":"id","columns":{}})",
                           R"({"key":"id","columns":{"id":{"dtype":"utf9"}}})",
                           R"({"key":"id","columns":{"id":{"dtype":"utf8"}},"extra":1})"}) {
    HttpReply r = c.Json("PUT", "/api/v1/table/bad_schema", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(ErrorOf(r).rfind("invalid table schema: ", 0), 0u) << ErrorOf(r);
  }
  EXPECT_EQ(c.Send("GET", "/api/v1/table/bad_schema/schema").status, 404);
}

TEST_F(HttpApiTest, WriteJsonThenFetchJson) {
  HttpClient c(port());
  CreateDocs(c, "docs");
  HttpReply r = c.Json("POST", "/api/v1/table/docs/fetch",
                       R"({"keys":["c","missing","a","a"],"columns":["tag","score","n","id"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, R"({"columns":{"tag":[null,null,"x","x"],"score":[-2.25,null,1.5,1.5],)"
                    R"("n":[3,null,1,1],"id":["c",null,"a","a"]}})");
  // Last write wins, row by row.
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/docs/write", R"({"columns":{"id":["a"],"n":[10]}})").body,
            R"({"rows":1})");
  r = c.Json("POST", "/api/v1/table/docs/fetch", R"({"keys":["a","b"],"columns":["n","score"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[10,2],"score":[null,null]}})");
  // A body without a Content-Type, or curl's default for -d, is read as JSON too.
  r = c.Send("POST", "/api/v1/table/docs/fetch", R"({"keys":["b"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[2]}})");
  r = c.Send("POST", "/api/v1/table/docs/fetch", R"({"keys":["b"],"columns":["n"]})",
             {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.body, R"({"columns":{"n":[2]}})");
}

TEST_F(HttpApiTest, FetchErrors) {
  HttpClient c(port());
  CreateDocs(c, "fe");
  struct Case {
    std::string body;
    int status;
    std::string error_part;
  };
  std::string too_many = R"({"keys":[)";
  for (int i = 0; i <= kMaxKeys; ++i) too_many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\"";
  too_many += R"(],"columns":["n"]})";
  std::vector<Case> cases = {
      {R"({"keys":["a"],"columns":["nope"]})", 400, "nope"},
      {R"({"keys":["a"],"columns":[]})", 400, "invalid fetch request"},
      {R"({"keys":[1],"columns":["n"]})", 400, "keys[0] must be a string, got the integer 1"},
      {R"({"keys":["a"]})", 400, "columns"},
      {"not json", 400, "invalid fetch request"},
      {R"({"keys":["a"],"columns":["n"],"table":"other"})", 400, "other"},
      {too_many, 400, std::to_string(kMaxKeys)},
  };
  for (const Case& k : cases) {
    HttpReply r = c.Json("POST", "/api/v1/table/fe/fetch", k.body);
    EXPECT_EQ(r.status, k.status) << k.body.substr(0, 80);
    EXPECT_NE(ErrorOf(r).find(k.error_part), std::string::npos)
        << ErrorOf(r) << " / " << k.error_part;
  }
  HttpReply r = c.Json("POST", "/api/v1/table/no_such/fetch", R"({"keys":["a"],"columns":["n"]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r), "table 'no_such' not found");
  r = c.Send("POST", "/api/v1/table/fe/fetch", R"({"keys":["a"],"columns":["n"]})",
             {{"Content-Type", "text/csv"}});
  EXPECT_EQ(r.status, 415);
  // Exactly the key limit is fine.
  std::string at_limit = R"({"keys":[)";
  for (int i = 0; i < kMaxKeys; ++i) at_limit += (i ? ",\"a\"" : "\"a\"");
  at_limit += R"(],"columns":["n"]})";
  r = c.Json("POST", "/api/v1/table/fe/fetch", at_limit);
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpApiTest, WriteErrorsChangeNothing) {
  HttpClient c(port());
  CreateDocs(c, "we");
  struct Case {
    std::string content_type;
    std::string body;
    int status;
    std::string error_part;
  };
  std::vector<Case> cases = {
      {"application/json", R"({"columns":{"id":["a"],"score":["high"]}})", 400, "score"},
      {"application/json", R"({"columns":{"id":["a"],"nope":[1]}})", 400, "nope"},
      {"application/json", R"({"columns":{"id":["a","b"],"n":[1]}})", 400, "invalid JSON columns"},
      {"application/json", R"({"columns":{"id":["a"],"n":[1.5]}})", 400, "n"},
      {"application/json", R"({"columns":{"id":[null],"n":[1]}})", 400, "id"},
      {"application/json", "{", 400, "invalid JSON columns"},
      {kArrow, "not an arrow stream", 400, "invalid Arrow IPC stream"},
      {kParquet, "not a parquet file", 400, "invalid Parquet file"},
      {"text/csv", "id,n\na,1\n", 415, "text/csv"},
      {"", R"({"columns":{"id":["a"],"n":[7]}})", 415, "Content-Type"},
  };
  for (const Case& k : cases) {
    std::map<std::string, std::string> headers;
    if (!k.content_type.empty()) headers["Content-Type"] = k.content_type;
    HttpReply r = c.Send("PUT", "/api/v1/table/we/write", k.body, headers);
    EXPECT_EQ(r.status, k.status) << k.body;
    EXPECT_NE(ErrorOf(r).find(k.error_part), std::string::npos) << ErrorOf(r);
  }
  HttpReply r =
      c.Json("POST", "/api/v1/table/we/fetch", R"({"keys":["a","b","c"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[1,2,3]}})");
  r = c.Json("PUT", "/api/v1/table/no_such/write", R"({"columns":{"id":["a"]}})");
  EXPECT_EQ(r.status, 404);
}

TEST_F(HttpApiTest, BadParquetFixturesAre400) {
  std::string bad_dir = testing::FixturesDir() + "/parquet-testing/bad";
  ASSERT_TRUE(std::filesystem::exists(bad_dir)) << "no " << bad_dir;
  HttpClient c(port());
  c.Send("DELETE", "/api/v1/table/bad_pq");
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/bad_pq", kDocsSchema).status, 201);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(bad_dir)) {
    std::string bytes = testing::ReadFileToString(entry.path());
    if (bytes.size() > kMaxBody) continue;
    HttpReply r = c.Send("PUT", "/api/v1/table/bad_pq/write", bytes, {{"Content-Type", kParquet}});
    EXPECT_TRUE(r.status == 400 || r.status == 413) << entry.path() << " " << r.status << r.body;
    ++files;
  }
  EXPECT_GT(files, 0);
  EXPECT_EQ(c.Send("GET", "/metrics").body.find("murr_table_rows{table=\"bad_pq\"} 0") !=
                std::string::npos,
            true);
}

TEST_F(HttpApiTest, ParquetWrite) {
  std::string file = testing::FixturesDir() + "/pyarrow/murr_example.parquet";
  ASSERT_TRUE(std::filesystem::exists(file)) << "no " << file;
  HttpClient c(port());
  c.Send("DELETE", "/api/v1/table/pq");
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/pq",
                   R"({"key":"key","columns":{"key":{"dtype":"utf8","nullable":false},)"
                   R"("value":{"dtype":"int64"}}})")
                .status,
            201);
  HttpReply r = c.Send("PUT", "/api/v1/table/pq/write", testing::ReadFileToString(file),
                       {{"Content-Type", kParquet}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"rows":9999})");
  r = c.Json("POST", "/api/v1/table/pq/fetch",
             R"({"keys":["key1","key5000","key9999","key0"],"columns":["value","key"]})");
  EXPECT_EQ(r.body,
            R"({"columns":{"value":[1,5000,9999,null],"key":["key1","key5000","key9999",null]}})");
}

Batch ArrowTestBatch() {
  Batch b;
  b.num_rows = 4;
  b.fields = {{"id", DataType::kUtf8, true}, {"score", DataType::kFloat32, true}};
  ColumnBuilder id(DataType::kUtf8), score(DataType::kFloat32);
  for (const char* k : {"p", "q", "r", "s"}) (void)id.AppendString(k);
  score.Append<float>(std::nanf(""));
  score.Append<float>(-0.0f);
  score.Append<float>(-INFINITY);
  score.AppendNull();
  b.columns = {id.Finish(), score.Finish()};
  return b;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST_F(HttpApiTest, ArrowWriteAndArrowFetchKeepBits) {
  HttpClient c(port());
  CreateDocs(c, "arrow");
  Batch batch = ArrowTestBatch();
  std::string stream = WriteArrowIpcStream(batch);
  ASSERT_FALSE(stream.empty());
  HttpReply r = c.Send("PUT", "/api/v1/table/arrow/write", stream, {{"Content-Type", kArrow}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"rows":4})");

  r = c.Json("POST", "/api/v1/table/arrow/fetch",
             R"({"keys":["s","p","zz","q","r","a"],"columns":["score","id","n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"score":[null,"NaN",null,-0.0,"-Infinity",1.5],)"
                    R"("id":["s","p",null,"q","r","a"],"n":[null,null,null,null,null,1]}})");

  r = c.Send("POST", "/api/v1/table/arrow/fetch",
             R"({"keys":["s","p","zz","q","r","a"],"columns":["score","id","n"]})",
             {{"Content-Type", "application/json"}, {"Accept", kArrow}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), kArrow);
  auto read = ReadArrowIpcStream(Buffer::Copy(r.body.data(), r.body.size()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  const Batch& got = (*read)[0];
  ASSERT_EQ(got.num_rows, 6);
  ASSERT_EQ(got.fields.size(), 3u);
  EXPECT_EQ(got.fields[0].name, "score");
  EXPECT_EQ(got.fields[0].type, DataType::kFloat32);
  EXPECT_EQ(got.fields[1].type, DataType::kUtf8);
  EXPECT_EQ(got.fields[2].type, DataType::kInt64);
  const Column& score = got.columns[0];
  EXPECT_TRUE(score.IsNull(0));
  EXPECT_EQ(score.Value<uint32_t>(1), Bits(batch.columns[1].Value<float>(0)));  // NaN bits
  EXPECT_TRUE(score.IsNull(2));
  EXPECT_EQ(score.Value<uint32_t>(3), Bits(-0.0f));
  EXPECT_EQ(score.Value<uint32_t>(4), Bits(-INFINITY));
  EXPECT_EQ(score.Value<float>(5), 1.5f);
  EXPECT_EQ(got.columns[1].StringValue(3), "q");
  EXPECT_TRUE(got.columns[1].IsNull(2));
  EXPECT_EQ(got.columns[2].Value<int64_t>(5), 1);
}

// Integer keys (decision 0024): JSON writes and fetches take integers (and their decimal strings),
// replies keep the key's type, and keys the key type cannot hold get a 400 naming them.
TEST_F(HttpApiTest, IntegerKeysOverJsonAndArrow) {
  HttpClient c(port());
  for (const char* dtype : {"int64", "uint64"}) {
    const std::string t = std::string("ik_") + dtype;
    c.Send("DELETE", "/api/v1/table/" + t);
    HttpReply r = c.Json("PUT", "/api/v1/table/" + t,
                         std::string(R"({"key":"id","columns":{"id":{"dtype":")") + dtype +
                             R"(","nullable":false},"x":{"dtype":"float32"}}})");
    ASSERT_EQ(r.status, 201) << r.body;
    const bool is_signed = std::string(dtype) == "int64";
    const std::string big = is_signed ? "9223372036854775807" : "18446744073709551615";
    const std::string low = is_signed ? "-9223372036854775808" : "0";
    r = c.Json("PUT", "/api/v1/table/" + t + "/write",
               R"({"columns":{"id":[1,)" + big + "," + low + R"(,42],"x":[0.5,1.5,2.5,null]}})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = c.Json("POST", "/api/v1/table/" + t + "/fetch",
               R"({"keys":[42,)" + big + R"(,7,"1",)" + low + R"(],"columns":["id","x"]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"columns":{"id":[42,)" + big + ",null,1," + low +
                          R"(],"x":[null,1.5,null,0.5,2.5]}})");
    r = c.Send("POST", "/api/v1/table/" + t + "/fetch",
               R"({"keys":[)" + big + R"(,5,1],"columns":["id","x"]})",
               {{"Content-Type", "application/json"}, {"Accept", kArrow}});
    ASSERT_EQ(r.status, 200);
    auto read = ReadArrowIpcStream(Buffer::Copy(r.body.data(), r.body.size()));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    const Batch& got = (*read)[0];
    ASSERT_EQ(got.num_rows, 3);
    EXPECT_EQ(DataTypeName(got.fields[0].type), dtype);
    EXPECT_EQ(got.columns[0].Value<uint64_t>(0), std::stoull(is_signed ? big : big));
    EXPECT_TRUE(got.columns[0].IsNull(1));
    EXPECT_EQ(got.columns[0].Value<uint64_t>(2), 1u);
    EXPECT_EQ(got.columns[1].Value<float>(2), 0.5f);
    struct Case {
      std::string keys;
      std::string error;
    };
    const std::string ctx = "(table '" + t + "' has " + dtype + " keys)";
    std::vector<Case> cases = {
        {"[1.5]", "keys[0] must be an integer, got the number 1.5 " + ctx},
        {"[1, 2e3]", "keys[1] must be an integer, got the number 2e3 " + ctx},
        {R"(["abc"])",
         R"(keys[0] must be an integer or a decimal integer string, got the string "abc" )" + ctx},
        {"[18446744073709551616]",
         std::string("keys[0] = 18446744073709551616 is out of the ") + dtype + " range " + ctx},
        {is_signed ? "[9223372036854775808]" : "[-1]",
         std::string("keys[0] = ") + (is_signed ? "9223372036854775808" : "-1") +
             " is out of the " + dtype + " range " + ctx},
        {"[true]", "invalid fetch request: keys[0] must be a string or an integer, got bool"},
    };
    for (const Case& k : cases) {
      r = c.Json("POST", "/api/v1/table/" + t + "/fetch",
                 R"({"keys":)" + k.keys + R"(,"columns":["x"]})");
      EXPECT_EQ(r.status, 400) << k.keys;
      EXPECT_EQ(ErrorOf(r), k.error) << k.keys;
    }
    // Floats and strings in the key column of a write are refused like any int64 column's.
    r = c.Json("PUT", "/api/v1/table/" + t + "/write", R"({"columns":{"id":[1.5],"x":[1]}})");
    EXPECT_EQ(r.status, 400) << r.body;
    r = c.Json("PUT", "/api/v1/table/" + t + "/write", R"({"columns":{"id":[null],"x":[1]}})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(c.Send("DELETE", "/api/v1/table/" + t).status, 200);
  }
  // Integers on a utf8 table.
  CreateDocs(c, "ik_utf8");
  HttpReply r =
      c.Json("POST", "/api/v1/table/ik_utf8/fetch", R"({"keys":["a",5],"columns":["n"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r),
            "keys[1] must be a string, got the integer 5 (table 'ik_utf8' has utf8 keys)");
}

TEST_F(HttpApiTest, ContentNegotiation) {
  HttpClient c(port());
  CreateDocs(c, "neg");
  const std::string body = R"({"keys":["b","a"],"columns":["n"]})";
  for (const char* accept : {"", "application/json", "*/*", "text/html"}) {
    std::map<std::string, std::string> h = {{"Content-Type", "application/json"}};
    if (*accept) h["Accept"] = accept;
    HttpReply r = c.Send("POST", "/api/v1/table/neg/fetch", body, h);
    EXPECT_EQ(r.header("content-type"), "application/json") << accept;
    EXPECT_EQ(r.body, R"({"columns":{"n":[2,1]}})") << accept;
  }
  for (const char* accept : {"application/vnd.apache.arrow.stream",
                             "application/json;q=0.5, Application/Vnd.Apache.Arrow.Stream"}) {
    HttpReply r = c.Send("POST", "/api/v1/table/neg/fetch", body,
                         {{"Content-Type", "application/json"}, {"Accept", accept}});
    EXPECT_EQ(r.header("content-type"), kArrow) << accept;
    auto read = ReadArrowIpcStream(Buffer::Copy(r.body.data(), r.body.size()));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(read->size(), 1u);
    EXPECT_EQ((*read)[0].columns[0].Value<int64_t>(0), 2);
    EXPECT_EQ((*read)[0].columns[0].Value<int64_t>(1), 1);
  }
  // An empty key list gives an empty but well-formed reply both ways.
  HttpReply r = c.Json("POST", "/api/v1/table/neg/fetch", R"({"keys":[],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[]}})");
  r = c.Send("POST", "/api/v1/table/neg/fetch", R"({"keys":[],"columns":["n"]})",
             {{"Accept", kArrow}});
  auto read = ReadArrowIpcStream(Buffer::Copy(r.body.data(), r.body.size()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  int64_t rows = 0;
  for (const Batch& b : *read) rows += b.num_rows;
  EXPECT_EQ(rows, 0);
}

TEST_F(HttpApiTest, WrongMethodIs405WithAllow) {
  HttpClient c(port());
  struct Case {
    std::string method, target, allow;
  };
  for (const Case& k : std::vector<Case>{{"POST", "/health", "GET"},
                                         {"DELETE", "/openapi.json", "GET"},
                                         {"PUT", "/metrics", "GET"},
                                         {"POST", "/api/v1/table", "GET"},
                                         {"GET", "/api/v1/table/x", "PUT, DELETE"},
                                         {"POST", "/api/v1/table/x/schema", "GET"},
                                         {"GET", "/api/v1/table/x/fetch", "POST"},
                                         {"POST", "/api/v1/table/x/write", "PUT"},
                                         {"HEAD", "/health", "GET"}}) {
    HttpReply r = c.Send(k.method, k.target);
    EXPECT_EQ(r.status, 405) << k.method << " " << k.target;
    EXPECT_EQ(r.header("allow"), k.allow) << k.target;
    if (k.method == "HEAD") {
      EXPECT_EQ(r.body, "");  // a reply to HEAD has no body
    } else {
      EXPECT_NE(ErrorOf(r).find("not allowed"), std::string::npos);
    }
  }
}

TEST_F(HttpApiTest, UnknownRoutesAre404) {
  HttpClient c(port());
  for (const char* target : {"/", "/nope", "/api/v1/table/", "/api/v1/table/x/unknown",
                             "/api/v1/table/x/fetch/more", "/api/v2/table", "/healthz"}) {
    HttpReply r = c.Send("GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(ErrorOf(r).rfind("no route for", 0), 0u) << ErrorOf(r);
  }
  // One log line per error reply.
  c.Send("GET", "/error-log-probe");
  EXPECT_TRUE(
      LogEventually(*server_, "GET /error-log-probe -> 404: no route for '/error-log-probe'"));
  // The query string is not part of the route.
  EXPECT_EQ(c.Send("GET", "/health?verbose=1").status, 200);
}

TEST_F(HttpApiTest, DeclaredBodyOverLimitIs413BeforeTheBodyIsSent) {
  HttpClient c(port());
  ASSERT_TRUE(c.Connect());
  // Headers only: the server must answer without waiting for the (never sent) body.
  ASSERT_TRUE(
      c.SendRaw("PUT /api/v1/table/x/write HTTP/1.1\r\nHost: t\r\n"
                "Content-Type: application/json\r\nContent-Length: " +
                std::to_string(kMaxBody + 1) + "\r\n\r\n"));
  HttpReply r = c.ReadReply();
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(ErrorOf(r).find(std::to_string(kMaxBody)), std::string::npos) << ErrorOf(r);
  EXPECT_EQ(r.header("connection"), "close");

  // With Expect: 100-continue the refusal comes instead of the 100.
  ASSERT_TRUE(c.Connect());
  ASSERT_TRUE(
      c.SendRaw("PUT /api/v1/table/x/write HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                "Content-Length: 5000000000\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 413);

  // A chunked body that grows past the limit is refused too.
  ASSERT_TRUE(c.Connect());
  std::string chunk(64 * 1024, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  std::string req =
      "PUT /api/v1/table/x/write HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  ASSERT_TRUE(c.SendRaw(req));
  for (uint64_t sent = 0; sent <= kMaxBody; sent += chunk.size()) {
    if (!c.SendRaw(size_line + chunk + "\r\n")) break;
  }
  EXPECT_EQ(c.ReadReply().status, 413);

  // A body exactly at the limit is read (and then rejected for its content).
  HttpReply at = c.Send("PUT", "/api/v1/table/no_such/write", std::string(kMaxBody, ' '),
                        {{"Content-Type", "application/json"}});
  EXPECT_EQ(at.status, 404);
}

TEST_F(HttpApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient c(port());
  CreateDocs(c, "ka");
  int before = c.connects();
  for (int i = 0; i < 50; ++i) {
    HttpReply r = c.Json("POST", "/api/v1/table/ka/fetch", R"({"keys":["c"],"columns":["n"]})");
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body, R"({"columns":{"n":[3]}})");
    ASSERT_EQ(c.Send("GET", "/health").status, 200);
    // Error replies that read the whole body keep the connection too.
    ASSERT_EQ(c.Send("GET", "/nope").status, 404);
  }
  EXPECT_EQ(c.connects(), before);
  // Pipelined requests in one send get their replies in order.
  ASSERT_TRUE(
      c.SendRaw("GET /health HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 200);
  EXPECT_EQ(c.ReadReply().status, 404);
  EXPECT_EQ(c.ReadReply().status, 200);
  EXPECT_EQ(c.connects(), before);
  // Connection: close is honoured.
  HttpReply r = c.Send("GET", "/health", "", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10)));
}

// A request is parsed from what arrived with its first bytes when it is all there, and read on
// when it is not: the same fetch, sent whole, pipelined behind another, and cut in two at every
// byte (in the request line, the header, at the blank line, in the body), as a Content-Length
// body and as a chunked one, gets the same reply on one connection.
TEST_F(HttpApiTest, RequestsSplitAcrossSendsAreReadWhole) {
  HttpClient c(port());
  CreateDocs(c, "split");
  const std::string body = R"({"keys":["c","a","zz"],"columns":["n","tag"]})";
  const std::string want = R"({"columns":{"n":[3,1,null],"tag":[null,"x",null]}})";
  const std::string head =
      "POST /api/v1/table/split/fetch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";
  const std::string plain =
      head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  char size_line[16];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", body.size() - 10);
  const std::string chunked = head + "Transfer-Encoding: chunked\r\n\r\n" + size_line +
                              body.substr(0, body.size() - 10) + "\r\na\r\n" +
                              body.substr(body.size() - 10) + "\r\n0\r\n\r\n";
  ASSERT_TRUE(c.Connect());
  int before = c.connects();
  for (const std::string* raw : {&plain, &chunked}) {
    ASSERT_TRUE(c.SendRaw(*raw));
    HttpReply whole = c.ReadReply();
    ASSERT_EQ(whole.status, 200) << whole.body;
    ASSERT_EQ(whole.body, want);
    ASSERT_TRUE(c.SendRaw("GET /health HTTP/1.1\r\nHost: t\r\n\r\n" + *raw));
    EXPECT_EQ(c.ReadReply().status, 200);
    EXPECT_EQ(c.ReadReply().body, want);
    for (size_t cut = 1; cut < raw->size(); ++cut) {
      ASSERT_TRUE(c.SendRaw(raw->substr(0, cut)));
      // Let the first part arrive and be parsed on its own before the rest.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ASSERT_TRUE(c.SendRaw(raw->substr(cut)));
      HttpReply r = c.ReadReply();
      ASSERT_EQ(r.status, 200) << "cut at " << cut << ": " << r.body;
      ASSERT_EQ(r.body, want) << "cut at " << cut;
    }
  }
  EXPECT_EQ(c.connects(), before);
}

TEST_F(HttpApiTest, MalformedRequestsAre400AndClose) {
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET /health\r\n\r\n",
                          "GET /health HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "PUT /api/v1/table/x/write HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "zz\r\n"}) {
    HttpClient c(port());
    ASSERT_TRUE(c.Connect());
    ASSERT_TRUE(c.SendRaw(raw));
    HttpReply r = c.ReadReply();
    EXPECT_EQ(r.status, 400) << raw;
    EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10))) << raw;
  }
  // Oversized headers: 431.
  HttpClient c(port());
  ASSERT_TRUE(c.Connect());
  ASSERT_TRUE(c.SendRaw("GET /health HTTP/1.1\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 431);
}

TEST_F(HttpApiTest, GarbageBodiesNeverCrashOrCorrupt) {
  HttpClient c(port());
  CreateDocs(c, "fuzz");
  std::mt19937 rng(42);
  const std::vector<std::string> targets = {"/api/v1/table/fuzz/write", "/api/v1/table/fuzz/fetch",
                                            "/api/v1/table/fuzz2"};
  const std::vector<std::string> types = {"application/json", kArrow, kParquet};
  std::string valid_arrow = WriteArrowIpcStream(ArrowTestBatch());
  for (int i = 0; i < 300; ++i) {
    std::string body;
    if (i % 3 == 0) {
      // Mutations of a valid stream exercise deeper decoder paths than random bytes.
      body = valid_arrow;
      for (int k = 0; k < 4; ++k) body[rng() % body.size()] = static_cast<char>(rng());
      body.resize(rng() % (body.size() + 1));
    } else {
      body.resize(rng() % 512);
      for (auto& ch : body) ch = static_cast<char>(rng());
    }
    const std::string& target = targets[rng() % targets.size()];
    std::string method = target.find("fetch") != std::string::npos ? "POST" : "PUT";
    HttpReply r = c.Send(method, target, body, {{"Content-Type", types[rng() % types.size()]}});
    ASSERT_NE(r.status, 0) << "no reply to request " << i;
    ASSERT_LT(r.status, 500) << r.body;
  }
  HttpReply r =
      c.Json("POST", "/api/v1/table/fuzz/fetch", R"({"keys":["a","b","c"],"columns":["n"]})");
  EXPECT_EQ(r.status, 200);
  // Mutated streams may legitimately write rows; the original three keys keep their n.
  EXPECT_EQ(r.body, R"({"columns":{"n":[1,2,3]}})");
}

TEST_F(HttpApiTest, ConcurrentClientsSeeWholeWrites) {
  HttpClient setup(port());
  CreateDocs(setup, "conc");
  ASSERT_EQ(
      setup.Json("PUT", "/api/v1/table/conc/write", R"({"columns":{"id":["a","b"],"n":[0,0]}})")
          .status,
      200);
  // Writers rewrite rows a and b together (n equal in both); readers must never see them differ,
  // since each write is one batch published whole.
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0}, reads{0};
  std::mutex mu;
  std::string first_error;
  auto fail = [&](const std::string& what) {
    ++errors;
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.empty()) first_error = what;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      HttpClient c(port());
      for (int i = 0; i < 40; ++i) {
        std::string n = std::to_string(w * 1000 + i);
        HttpReply r = c.Json("PUT", "/api/v1/table/conc/write",
                             R"({"columns":{"id":["a","b"],"n":[)" + n + "," + n + "]}}");
        if (r.status != 200) fail("write: " + std::to_string(r.status) + " " + r.body);
      }
    });
  }
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      HttpClient c(port());
      simdjson::dom::parser parser;
      while (!stop.load()) {
        HttpReply r =
            c.Json("POST", "/api/v1/table/conc/fetch", R"({"keys":["a","b"],"columns":["n"]})");
        simdjson::dom::element doc;
        if (r.status != 200 || parser.parse(r.body).get(doc)) {
          fail("read: " + std::to_string(r.status) + " " + r.body);
          continue;
        }
        simdjson::dom::array n = doc["columns"]["n"].get_array();
        if (int64_t(n.at(0)) != int64_t(n.at(1))) fail("torn read: " + r.body);
        ++reads;
      }
    });
  }
  for (int w = 0; w < 2; ++w) threads[w].join();
  stop = true;
  for (size_t t = 2; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(errors.load(), 0) << first_error;
  EXPECT_GT(reads.load(), 0);
}

TEST_F(HttpApiTest, MetricsCountRequestsAndTables) {
  HttpClient c(port());
  CreateDocs(c, "met");
  for (int i = 0; i < 3; ++i)
    c.Json("POST", "/api/v1/table/met/fetch", R"({"keys":["a"],"columns":["n"]})");
  c.Send("GET", "/nope");
  HttpReply r = c.Send("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u);
  const std::string& m = r.body;
  EXPECT_NE(m.find("murr_table_rows{table=\"met\"} 3\n"), std::string::npos) << m;
  EXPECT_NE(m.find("murr_table_segments{table=\"met\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("murr_table_bytes{table=\"met\"} "), std::string::npos);
  EXPECT_NE(m.find("murr_http_requests_total{route=\"/api/v1/table/{name}/fetch\",code=\"200\"} "),
            std::string::npos);
  EXPECT_NE(m.find("murr_http_requests_total{route=\"unmatched\",code=\"404\"} "),
            std::string::npos);
  EXPECT_NE(m.find("murr_http_request_duration_seconds_bucket{route=\"/api/v1/table/{name}/fetch\","
                   "le=\"+Inf\"} "),
            std::string::npos);
  EXPECT_NE(m.find("# TYPE murr_http_request_duration_seconds histogram"), std::string::npos);
  // Counters count: three more fetches raise the fetch count by three.
  auto fetch_count = [&](const std::string& text) {
    std::string key =
        "murr_http_request_duration_seconds_count{route=\"/api/v1/table/{name}/fetch\"} ";
    size_t p = text.find(key);
    return p == std::string::npos ? -1L : std::stol(text.substr(p + key.size()));
  };
  long before = fetch_count(m);
  for (int i = 0; i < 3; ++i)
    c.Json("POST", "/api/v1/table/met/fetch", R"({"keys":["a"],"columns":["n"]})");
  EXPECT_EQ(fetch_count(c.Send("GET", "/metrics").body), before + 3);
}

// Every route the server answers, as (method, path template); kept beside the tests above.
const std::vector<std::pair<std::string, std::string>> kServedRoutes = {
    {"get", "/health"},
    {"get", "/openapi.json"},
    {"get", "/metrics"},
    {"get", "/api/v1/table"},
    {"put", "/api/v1/table/{name}"},
    {"delete", "/api/v1/table/{name}"},
    {"get", "/api/v1/table/{name}/schema"},
    {"post", "/api/v1/table/{name}/fetch"},
    {"put", "/api/v1/table/{name}/write"},
    {"get", "/api/v1/table/{name}/status"},
};

TEST_F(HttpApiTest, OpenApiDocumentsEveryRoute) {
  HttpClient c(port());
  HttpReply r = c.Send("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(r.body).get(doc)) << "not JSON";
  std::string_view version;
  ASSERT_FALSE(doc["openapi"].get(version));
  EXPECT_EQ(version, "3.1.0");
  simdjson::dom::object paths;
  ASSERT_FALSE(doc["paths"].get(paths));

  // Each served route is documented...
  for (const auto& [method, path] : kServedRoutes) {
    simdjson::dom::element op;
    EXPECT_FALSE(paths[path][method].get(op)) << method << " " << path << " is not documented";
  }
  // ...and each documented operation is served (not 404 "no route", not 405).
  std::set<std::string> http_methods = {"get", "put", "post", "delete", "patch", "head"};
  int operations = 0;
  for (auto [path, item] : paths) {
    simdjson::dom::object ops;
    ASSERT_FALSE(item.get(ops));
    for (auto [method, op] : ops) {
      if (!http_methods.count(std::string(method))) continue;
      ++operations;
      std::string target(path);
      size_t p = target.find("{name}");
      if (p != std::string::npos) target.replace(p, 6, "openapi_probe");
      std::string m(method);
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      HttpReply probe = c.Send(m, target, "{}", {{"Content-Type", "application/json"}});
      EXPECT_NE(probe.status, 405) << m << " " << target;
      if (probe.status == 404) {
        EXPECT_EQ(ErrorOf(probe).rfind("no route", 0), std::string::npos) << m << " " << target;
      }
    }
  }
  EXPECT_EQ(operations, static_cast<int>(kServedRoutes.size()));
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// Lists over HTTP: created from schema JSON, written as JSON and as Arrow, fetched as both, and
// the OpenAPI document's dtype pattern names them.
TEST_F(HttpApiTest, ListsThroughJsonAndArrow) {
  HttpClient c(port());
  c.Send("DELETE", "/api/v1/table/lists");
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/lists",
                   R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
                   R"("clicks":{"dtype":"int64[]"},"tags":{"dtype":"utf8[]"}}})")
                .status,
            201);
  HttpReply s = c.Send("GET", "/api/v1/table/lists/schema");
  ASSERT_EQ(s.status, 200);
  EXPECT_NE(s.body.find(R"("clicks":{"dtype":"int64[]")"), std::string::npos) << s.body;
  HttpReply w = c.Json("PUT", "/api/v1/table/lists/write",
                       R"({"columns":{"id":["a","b","c"],"clicks":[[1,2],null,[]],)"
                       R"("tags":[["x",null],[],null]}})");
  ASSERT_EQ(w.status, 200) << w.body;
  // Arrow write of one more row, built as a list column.
  ColumnBuilder ids(DataType::kUtf8), clicks(DataType::List(TypeId::kInt64));
  ASSERT_TRUE(ids.AppendString("d").ok());
  clicks.items().Append<int64_t>(-7);
  clicks.items().AppendNull();
  ASSERT_TRUE(clicks.AppendListEnd().ok());
  Batch batch;
  batch.num_rows = 1;
  batch.fields = {{"id", DataType::kUtf8, false}, {"clicks", clicks.type(), true}};
  batch.columns = {ids.Finish(), clicks.Finish()};
  w = c.Send("PUT", "/api/v1/table/lists/write", WriteArrowIpcStream(batch),
             {{"Content-Type", kArrow}});
  ASSERT_EQ(w.status, 200) << w.body;

  const char* fetch = R"({"keys":["d","c","zz","a","b"],"columns":["clicks","tags"]})";
  HttpReply r = c.Json("POST", "/api/v1/table/lists/fetch", fetch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"columns":{"clicks":[[-7,null],[],null,[1,2],null],)"
                    R"("tags":[null,null,null,["x",null],[]]}})");
  r = c.Send("POST", "/api/v1/table/lists/fetch", fetch,
             {{"Content-Type", "application/json"}, {"Accept", kArrow}});
  ASSERT_EQ(r.status, 200);
  auto read = ReadArrowIpcStream(Buffer::Copy(r.body.data(), r.body.size()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const Batch& got = (*read)[0];
  EXPECT_EQ(got.fields[0].type, DataType::List(TypeId::kInt64));
  EXPECT_EQ(got.fields[1].type, DataType::List(TypeId::kUtf8));
  EXPECT_EQ(got.columns[0].ListEnd(3) - got.columns[0].ListBegin(3), 2);
  EXPECT_EQ(got.columns[0].items().Value<int64_t>(got.columns[0].ListBegin(0)), -7);

  // A wrong item is a 400 naming the column, row and item.
  w = c.Json("PUT", "/api/v1/table/lists/write",
             R"({"columns":{"id":["e"],"clicks":[[1,"two"]]}})");
  EXPECT_EQ(w.status, 400);
  EXPECT_NE(w.body.find("column 'clicks' row 0"), std::string::npos) << w.body;
  EXPECT_NE(w.body.find("item 1"), std::string::npos) << w.body;
  // Nested lists are not a dtype.
  EXPECT_EQ(c.Json("PUT", "/api/v1/table/nested",
                   R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
                   R"("x":{"dtype":"int64[][]"}}})")
                .status,
            400);
  HttpReply doc = c.Send("GET", "/openapi.json");
  EXPECT_NE(doc.body.find(R"(a list (Arrow List))"), std::string::npos);
}

}  // namespace
}  // namespace murr
