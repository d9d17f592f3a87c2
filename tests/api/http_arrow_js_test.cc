// Arrow replies of the HTTP API decoded by an independent implementation: apache-arrow (JS)
// fetches from the running server (tests/interop/http_fetch.mjs) and prints what it decoded.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "api/server_process.h"

namespace murr {
namespace {

using testing::HttpClient;
using testing::ServerProcess;
using testing::TempDir;

std::vector<std::string> Strings(simdjson::dom::element column) {
  std::vector<std::string> out;
  for (simdjson::dom::element v : column.get_array()) {
    out.push_back(v.is_null() ? "<null>" : std::string(v.get_string().value()));
  }
  return out;
}

TEST(HttpArrowJs, ApacheArrowDecodesFetchReplies) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), testing::TestConfigYaml(dir / "cache"))) << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/js",
                   R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
                   R"("f32":{"dtype":"float32"},"i64":{"dtype":"int64"},)"
                   R"("u64":{"dtype":"uint64"},"b":{"dtype":"bool"},"s":{"dtype":"utf8"},)"
                   R"("f64":{"dtype":"float64","nullable":false}}})")
                .status,
            201);
  auto w = c.Json("PUT", "/api/v1/table/js/write",
                  R"({"columns":{"id":["a","b","c"],"f32":[1.5,-0.0,"NaN"],)"
                  R"("i64":[-9223372036854775808,0,9223372036854775807],)"
                  R"("u64":[18446744073709551615,null,7],"b":[true,false,null],)"
                  R"("s":["h\u00e9llo","",null],"f64":["-Infinity",0.1,2]}})");
  ASSERT_EQ(w.status, 200) << w.body;

  std::string out;
  int rc = testing::RunNodeScript(
      "http_fetch.mjs",
      std::to_string(server.port()) +
          R"( js '["c","zz","a","b","a"]' '["s","f32","i64","u64","b","f64","id"]')",
      &out);
  ASSERT_EQ(rc, 0) << out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(out);
  EXPECT_EQ(doc["status"].get_int64().value(), 200);
  EXPECT_EQ(std::string_view(doc["content_type"].get_string().value()),
            "application/vnd.apache.arrow.stream");
  EXPECT_EQ(doc["num_rows"].get_int64().value(), 5);
  std::vector<std::pair<std::string, std::string>> fields;
  for (simdjson::dom::element f : doc["fields"].get_array()) {
    fields.emplace_back(std::string(f["name"].get_string().value()),
                        std::string(f["type"].get_string().value()));
  }
  std::vector<std::pair<std::string, std::string>> expected_fields = {
      {"s", "utf8"}, {"f32", "float32"}, {"i64", "int64"}, {"u64", "uint64"},
      {"b", "bool"}, {"f64", "float64"}, {"id", "utf8"}};
  EXPECT_EQ(fields, expected_fields);

  simdjson::dom::array cols = doc["columns"].get_array();
  std::vector<std::vector<std::string>> got;
  for (simdjson::dom::element col : cols) got.push_back(Strings(col));
  ASSERT_EQ(got.size(), 7u);
  using V = std::vector<std::string>;
  EXPECT_EQ(got[0], (V{"<null>", "<null>", "h\xc3\xa9llo", "", "h\xc3\xa9llo"}));
  // float32 bits: 1.5 = 0x3fc00000, -0.0 = 0x80000000.
  EXPECT_EQ(got[1][1], "<null>");
  EXPECT_EQ(got[1][2], "f32:" + std::to_string(0x3fc00000u));
  EXPECT_EQ(got[1][3], "f32:" + std::to_string(0x80000000u));
  ASSERT_EQ(got[1][0].rfind("f32:", 0), 0u);
  uint32_t nan_bits = static_cast<uint32_t>(std::stoul(got[1][0].substr(4)));
  EXPECT_EQ(nan_bits & 0x7f800000u, 0x7f800000u);
  EXPECT_NE(nan_bits & 0x007fffffu, 0u);
  EXPECT_EQ(got[2], (V{"9223372036854775807", "<null>", "-9223372036854775808", "0",
                       "-9223372036854775808"}));
  EXPECT_EQ(got[3], (V{"7", "<null>", "18446744073709551615", "<null>", "18446744073709551615"}));
  EXPECT_EQ(got[4], (V{"<null>", "<null>", "true", "false", "true"}));
  // float64 bits: 2.0 = 0x4000000000000000, -inf = 0xfff0000000000000, 0.1 = 0x3fb999999999999a.
  EXPECT_EQ(got[5], (V{"f64:4611686018427387904", "<null>", "f64:18442240474082181120",
                       "f64:4591870180066957722", "f64:18442240474082181120"}));
  EXPECT_EQ(got[6], (V{"c", "<null>", "a", "b", "a"}));

  // An error reply is JSON, not a stream, whatever the Accept header.
  rc = testing::RunNodeScript("http_fetch.mjs",
                              std::to_string(server.port()) + R"( js '["a"]' '["nope"]')", &out);
  ASSERT_EQ(rc, 0) << out;
  doc = parser.parse(out);
  EXPECT_EQ(doc["status"].get_int64().value(), 400);
  EXPECT_EQ(std::string_view(doc["content_type"].get_string().value()), "application/json");
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace murr
