// Seeds of fuzz/http_request_fuzz.cc that carry binary bodies: Arrow IPC writes to and an Arrow
// fetch shape for the fuzzer's table "t" (its schema and rows are repeated here). The test checks
// that the committed seeds are what the encoder makes today (so they keep reaching the router's
// real paths); FUZZ_WRITE_SEEDS=1 rewrites them instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "common/test_util.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/json_columns.h"
#include "murr/core/schema.h"

namespace murr {
namespace {

std::string Request(const std::string& head, const std::string& body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(HttpFuzzSeedsTest, CommittedBinarySeedsAreWhatTheEncoderWrites) {
  const std::string dir = testing::SourceDir() + "/fuzz/corpus/http_request";
  auto schema = TableSchema::FromJson(
      R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
      R"("x":{"dtype":"float32"},"n":{"dtype":"int64"},"s":{"dtype":"utf8"},"b":{"dtype":"bool"}}})");
  ASSERT_TRUE(schema.ok());
  auto batch = ParseJsonColumns(
      R"({"columns":{"id":["a","q",""],"x":[7,null,-1.5],"n":[null,5,6],"s":["","y",null],)"
      R"("b":[null,true,false]}})",
      *schema);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const std::string head =
      "PUT /api/v1/table/t/write HTTP/1.1\r\nHost: a\r\n"
      "Content-Type: application/vnd.apache.arrow.stream\r\n";
  std::map<std::string, std::string> seeds;
  seeds["write_arrow"] = Request(head, WriteArrowIpcStream(*batch));
  // The same stream, then a fetch of what it wrote on the same connection.
  seeds["write_arrow_then_fetch"] = Request(head, WriteArrowIpcStream(*batch)) +
                                    Request(
                                        "POST /api/v1/table/t/fetch HTTP/1.1\r\nHost: a\r\n"
                                        "Accept: application/vnd.apache.arrow.stream\r\n",
                                        R"({"keys":["q","a","nope"],"columns":["s","b","x","n"]})");
  for (const auto& [name, bytes] : seeds) {
    if (std::getenv("FUZZ_WRITE_SEEDS") != nullptr) {
      testing::WriteStringToFile(dir + "/" + name, bytes);
    }
    EXPECT_EQ(testing::ReadFileToString(dir + "/" + name), bytes)
        << name << " is stale or missing: rerun with FUZZ_WRITE_SEEDS=1";
  }
}

}  // namespace
}  // namespace murr
