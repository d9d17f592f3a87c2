#include "murr/core/schema.h"

#include <gtest/gtest.h>

namespace murr {
namespace {

TEST(TableSchemaTest, ParsesAndDefaultsNullableToTrue) {
  auto s = TableSchema::FromJson(
      R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "score": {"dtype": "float32"}}})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->key(), "id");
  ASSERT_EQ(s->columns().size(), 2u);
  EXPECT_EQ(s->columns()[1].name, "score");
  EXPECT_EQ(s->columns()[1].type, DataType::kFloat32);
  EXPECT_TRUE(s->columns()[1].nullable);
  EXPECT_EQ(s->key_index(), 0);
  EXPECT_EQ(s->FindColumn("score"), 1);
  EXPECT_EQ(s->FindColumn("nope"), -1);
}

TEST(TableSchemaTest, IntegerKeys) {
  for (const char* dtype : {"int64", "uint64"}) {
    auto s = TableSchema::FromJson(std::string(R"({"key": "id", "columns": {"id": {"dtype": ")") +
                                   dtype + R"(", "nullable": false}, "x": {"dtype": "float32"}}})");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(DataTypeName(s->columns()[s->key_index()].type), dtype);
    auto again = TableSchema::FromJson(s->ToJson());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *s);
  }
}

TEST(TableSchemaTest, JsonRoundTripKeepsColumnOrder) {
  auto s = TableSchema::FromJson(
      R"({"columns": {"z": {"dtype": "int64", "nullable": false}, "id": {"dtype": "utf8", "nullable": false}, "a": {"dtype": "bool"}}, "key": "id"})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto again = TableSchema::FromJson(s->ToJson());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *s);
  EXPECT_EQ(again->columns()[0].name, "z");
  EXPECT_EQ(again->columns()[2].name, "a");
}

void ExpectInvalid(const char* json, const char* fragment) {
  auto s = TableSchema::FromJson(json);
  ASSERT_FALSE(s.ok()) << json;
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find(fragment), std::string::npos) << s.status().message();
}

TEST(TableSchemaTest, RejectsBadSchemasWithClearMessages) {
  ExpectInvalid("not json", "not valid JSON");
  ExpectInvalid("[]", "must be a JSON object");
  ExpectInvalid(R"({"columns": {}})", "no 'key'");
  ExpectInvalid(R"({"key": "id"})", "no 'columns'");
  ExpectInvalid(R"({"key": "id", "columns": {"x": {"dtype": "float32"}}})", "not among");
  ExpectInvalid(R"({"key": "id", "columns": {"id": {"dtype": "int32", "nullable": false}}})",
                "key column 'id' must be utf8, int64 or uint64, not int32");
  ExpectInvalid(R"({"key": "id", "columns": {"id": {"dtype": "float64", "nullable": false}}})",
                "key column 'id' must be utf8, int64 or uint64, not float64");
  ExpectInvalid(R"({"key": "id", "columns": {"id": {"dtype": "int64"}}})",
                "key column 'id' must be declared \"nullable\": false");
  ExpectInvalid(R"({"key": "id", "columns": {"id": {"dtype": "utf8"}}})", "nullable");
  ExpectInvalid(
      R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "x": {"dtype": "float128"}}})",
      "unknown dtype 'float128'");
  ExpectInvalid(
      R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false, "extra": 1}}})",
      "unknown field 'extra'");
  ExpectInvalid(R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}}, "x": 1})",
                "unknown field 'x'");
  ExpectInvalid(
      R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "": {"dtype": "bool"}}})",
      "1..255 bytes");
  ExpectInvalid(
      R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "x": {"nullable": true}}})",
      "no 'dtype'");
  ExpectInvalid(
      R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "id": {"dtype": "utf8", "nullable": false}}})",
      "declared twice");
  std::string long_name(256, 'a');
  std::string json = R"({"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, ")" +
                     long_name + R"(": {"dtype": "bool"}}})";
  ExpectInvalid(json.c_str(), "1..255 bytes");
}

}  // namespace
}  // namespace murr
