// Arrow Flight interop: a client that is not Murr's code (@grpc/grpc-js + @grpc/proto-loader on
// our flight.proto, Arrow IPC by apache-arrow JS, tests/interop/flight_js.mjs) talks to the real
// `murr` binary; what it saw is checked here value for value, and its writes through HTTP.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <string_view>

#include "api/server_process.h"
#include "common/test_util.h"

namespace murr {
namespace {

using testing::GrpcPort;
using testing::HttpClient;
using testing::RunNodeScript;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;

// The minified JSON at `path` ("get/columns") of `doc`, or "<missing>".
std::string At(simdjson::dom::element doc, std::string_view pointer) {
  simdjson::dom::element e;
  if (doc.at_pointer(pointer).get(e)) return "<missing " + std::string(pointer) + ">";
  return simdjson::minify(e);
}

TEST(FlightJs, GrpcJsClientWithArrowJsTalksToMurr) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache"))) << server.log();
  int port = GrpcPort(server.log());
  ASSERT_GT(port, 0) << server.log();

  std::string out;
  ASSERT_EQ(RunNodeScript("flight_js.mjs", std::to_string(port), &out), 0) << out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;

  EXPECT_EQ(At(doc, "/actions"), R"(["create_table","drop_table"])");
  EXPECT_EQ(At(doc, "/create"), R"(["{\"created\":\"js\"}"])");
  EXPECT_EQ(At(doc, "/put"), R"([{"rows":4}])");
  EXPECT_EQ(At(doc, "/schema"),
            R"(["id:utf8:false","f32:float32:true","f64:float64:true","i64:int64:true",)"
            R"("s:utf8:true","b:bool:true","u8:uint8:true"])");
  EXPECT_EQ(At(doc, "/total_records"), R"("4")");
  EXPECT_EQ(At(doc, "/flights"), R"(["js"])");
  // Keys d, zz (missing), a, b, c; columns in request order with the table's types.
  EXPECT_EQ(At(doc, "/get/fields"),
            R"(["s:utf8:true","i64:int64:true","f32:float32:true","f64:float64:true",)"
            R"("b:bool:true","u8:uint8:true","id:utf8:true"])");
  EXPECT_EQ(At(doc, "/get/columns/s"), R"(["",null,"x",null,"héllo"])");
  EXPECT_EQ(At(doc, "/get/columns/i64"), R"(["42",null,"1","-9007199254740993",null])");
  EXPECT_EQ(At(doc, "/get/columns/f32"), R"(["3",null,"1.5",null,"-2.25"])");
  EXPECT_EQ(At(doc, "/get/columns/f64"), R"(["-7",null,"0.1","2e+300",null])");
  EXPECT_EQ(At(doc, "/get/columns/b"), R"(["true",null,"true","false",null])");
  EXPECT_EQ(At(doc, "/get/columns/u8"), R"(["7",null,"0","255",null])");
  EXPECT_EQ(At(doc, "/get/columns/id"), R"(["d",null,"a","b","c"])");
  // ~5 MB through grpc-js's default 4 MiB receive limit.
  EXPECT_EQ(At(doc, "/big_put"), R"([{"rows":50000}])");
  EXPECT_EQ(
      At(doc, "/big_get"),
      R"({"rows":50000,"mismatches":0,"several_messages":true,"max_message_under_4mib":true})");
  EXPECT_EQ(At(doc, "/errors"), R"({"unknown_table":"NOT_FOUND","bad_ticket":"INVALID_ARGUMENT",)"
                                R"("exists":"ALREADY_EXISTS","handshake":"UNIMPLEMENTED"})");
  EXPECT_EQ(At(doc, "/dropped"), R"(["{\"dropped\":\"jsbig\"}"])");

  // What Arrow JS wrote through Flight, read through HTTP.
  HttpClient http(server.port());
  auto r = http.Json("POST", "/api/v1/table/js/fetch",
                     R"({"keys": ["b", "a", "c"], "columns": ["i64", "s", "u8", "b"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"columns":{"i64":[-9007199254740993,1,null],"s":[null,"x","héllo"],)"
                    R"("u8":[255,0,null],"b":[false,true,null]}})");
  EXPECT_EQ(http.Send("GET", "/api/v1/table/jsbig/schema").status, 404);
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

}  // namespace
}  // namespace murr
