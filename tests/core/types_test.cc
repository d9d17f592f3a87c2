// The type descriptions (core/types.h) and the text forms of values (core/value_text.h).
#include "murr/core/types.h"

#include <gtest/gtest.h>

#include "murr/core/schema.h"
#include "murr/core/value_text.h"

namespace murr {
namespace {

TEST(TypesTest, EveryScalarNameParsesBackToItsType) {
  for (int i = 0; i < kNumTypeIds; ++i) {
    const TypeId id = static_cast<TypeId>(i);
    if (id == TypeId::kFixedSizeList || id == TypeId::kList) continue;
    auto t = ParseDataType(DataTypeName(id));
    ASSERT_TRUE(t.has_value()) << DataTypeName(id);
    EXPECT_EQ(*t, DataType(id));
  }
  EXPECT_EQ(FixedWidth(DataType::kFloat16), 2);
  EXPECT_EQ(FixedWidth(DataType::kDate32), 4);
  EXPECT_EQ(FixedWidth(DataType::kTimestampNs), 8);
  EXPECT_EQ(FixedWidth(DataType::kBinary), 0);
}

TEST(TypesTest, FixedSizeListNames) {
  auto t = ParseDataType("float32[768]");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, DataType::FixedSizeList(TypeId::kFloat32, 768));
  EXPECT_EQ(DataTypeName(*t), "float32[768]");
  EXPECT_EQ(FixedWidth(*t), 768 * 4);
  EXPECT_EQ(t->storage(), Storage::kFixedList);
  EXPECT_TRUE(ParseDataType("float16[1]").has_value());
  EXPECT_TRUE(ParseDataType("uint8[65536]").has_value());
  for (const char* bad :
       {"float32[0]", "float32[65537]", "float32[07]", "utf8[3]", "bool[3]", "date32[2]",
        "float32[3", "float32]", "[3]", "float32[-1]", "float32[1x]", "float32[4294967297]"}) {
    EXPECT_FALSE(ParseDataType(bad).has_value()) << bad;
  }
}

TEST(TypesTest, ListNames) {
  // Every scalar is a list item; the name is the item's and "[]".
  for (int i = 0; i < kNumTypeIds; ++i) {
    const TypeId id = static_cast<TypeId>(i);
    if (!IsScalar(id)) continue;
    const std::string name = DataTypeName(id) + "[]";
    auto t = ParseDataType(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_EQ(*t, DataType::List(id));
    EXPECT_EQ(DataTypeName(*t), name);
    EXPECT_EQ(t->storage(), Storage::kList);
    EXPECT_EQ(t->item_type(), DataType(id));
    EXPECT_EQ(FixedWidth(*t), 0);
  }
  EXPECT_EQ(static_cast<int>(TypeId::kList), 20);  // persisted in segment footers
  EXPECT_FALSE(IsScalar(TypeId::kList));
  EXPECT_FALSE(IsScalar(TypeId::kFixedSizeList));
  EXPECT_NE(DataType::List(TypeId::kInt64), DataType::List(TypeId::kInt32));
  for (const char* bad : {"[]", "int64[][]", "float32[3][]", "int128[]", "int64[ ]", "int64["}) {
    EXPECT_FALSE(ParseDataType(bad).has_value()) << bad;
  }
}

TEST(TypesTest, SchemaJsonCarriesParametersAndTimezones) {
  auto s = TableSchema::FromJson(
      R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
      R"("e":{"dtype":"float32[768]"},"t":{"dtype":"timestamp_ms","timezone":"Europe/Paris"},)"
      R"("l":{"dtype":"timestamp_us[]","timezone":"UTC"},"s":{"dtype":"utf8[]"}}})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto again = TableSchema::FromJson(s->ToJson());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *s);
  EXPECT_EQ(again->columns()[2].timezone, "Europe/Paris");
  EXPECT_EQ(again->columns()[1].type, DataType::FixedSizeList(TypeId::kFloat32, 768));
  EXPECT_EQ(again->columns()[3].type, DataType::List(TypeId::kTimestampUs));
  EXPECT_EQ(again->columns()[3].timezone, "UTC");
  EXPECT_EQ(again->columns()[4].type, DataType::List(TypeId::kUtf8));
  auto bad =
      TableSchema::FromJson(R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
                            R"("x":{"dtype":"int64","timezone":"UTC"}}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("only on timestamp columns"), std::string::npos);
  auto unknown = TableSchema::FromJson(
      R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"x":{"dtype":"int128"}}})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("float16"), std::string::npos);
}

TEST(ValueTextTest, Dates) {
  EXPECT_EQ(ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDate("2000-03-01"), 11017);
  EXPECT_EQ(ParseIsoDate("1969-12-31"), -1);
  EXPECT_EQ(ParseIsoDate("2024-02-29"), 19782);
  EXPECT_FALSE(ParseIsoDate("2023-02-29"));
  EXPECT_FALSE(ParseIsoDate("2023-13-01"));
  EXPECT_FALSE(ParseIsoDate("2023-1-01"));
  EXPECT_FALSE(ParseIsoDate("2023-01-01x"));
  for (int32_t d : {0, -1, 19782, -719528, 2932896, -800000, INT32_MAX / 400}) {
    std::string s;
    AppendIsoDate(d, &s);
    EXPECT_EQ(ParseIsoDate(s), d) << s;
  }
  std::string s;
  AppendIsoDate(-719528, &s);
  EXPECT_EQ(s, "0000-01-01");
}

TEST(ValueTextTest, Timestamps) {
  std::string err;
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:00Z", TimeUnit::kSecond, &err), 0);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01", TimeUnit::kMilli, &err), 0);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T01:00:00+01:00", TimeUnit::kSecond, &err), 0);
  EXPECT_EQ(ParseIsoTimestamp("1969-12-31T23:59:59.999", TimeUnit::kMilli, &err), -1);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01 00:00:00.5", TimeUnit::kMicro, &err), 500000);
  EXPECT_EQ(ParseIsoTimestamp("2262-04-11T23:47:16.854775807", TimeUnit::kNano, &err), INT64_MAX);
  EXPECT_FALSE(ParseIsoTimestamp("2262-04-11T23:47:16.854775808", TimeUnit::kNano, &err));
  EXPECT_FALSE(ParseIsoTimestamp("1970-01-01T00:00:00.0001", TimeUnit::kMilli, &err));
  EXPECT_NE(err.find("finer"), std::string::npos);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:00.1000", TimeUnit::kMilli, &err), 100);
  EXPECT_FALSE(ParseIsoTimestamp("1970-01-01T24:00:00", TimeUnit::kSecond, &err));
  EXPECT_FALSE(ParseIsoTimestamp("1970-01-01T00:00:00+1:00", TimeUnit::kSecond, &err));
  std::string s;
  AppendIsoTimestamp(-1, TimeUnit::kMilli, true, &s);
  EXPECT_EQ(s, "1969-12-31T23:59:59.999Z");
  s.clear();
  AppendIsoTimestamp(INT64_MIN, TimeUnit::kNano, false, &s);
  EXPECT_EQ(s, "1677-09-21T00:12:43.145224192");
  EXPECT_EQ(ParseIsoTimestamp(s, TimeUnit::kNano, &err), INT64_MIN);
  s.clear();
  AppendIsoTimestamp(1, TimeUnit::kSecond, false, &s);
  EXPECT_EQ(s, "1970-01-01T00:00:01");
}

TEST(ValueTextTest, Base64) {
  std::string out;
  for (std::string bytes : {std::string(), std::string("\0", 1), std::string("ab"),
                            std::string("abc"), std::string("\xff\x00\x10\x80", 4)}) {
    std::string text;
    AppendBase64(bytes, &text);
    ASSERT_TRUE(DecodeBase64(text, &out)) << text;
    EXPECT_EQ(out, bytes);
  }
  std::string text;
  AppendBase64(std::string_view("\x00\xff\x10", 3), &text);
  EXPECT_EQ(text, "AP8Q");
  text.clear();
  AppendBase64("\xaa", &text);
  EXPECT_EQ(text, "qg==");
  for (const char* bad : {"A", "AP8", "A===", "AP=Q", "AP8*", "=AAA"}) {
    EXPECT_FALSE(DecodeBase64(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace murr
