#include "murr/codec/json_columns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace murr {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A table with one column of every type; the key is "id".
TableSchema EveryTypeSchema() {
  std::vector<ColumnSchema> cols = {
      {"id", DataType::kUtf8, false},    {"s", DataType::kUtf8, true},
      {"b", DataType::kBool, true},      {"i8", DataType::kInt8, true},
      {"i16", DataType::kInt16, true},   {"i32", DataType::kInt32, true},
      {"i64", DataType::kInt64, true},   {"u8", DataType::kUInt8, true},
      {"u16", DataType::kUInt16, true},  {"u32", DataType::kUInt32, true},
      {"u64", DataType::kUInt64, true},  {"f32", DataType::kFloat32, true},
      {"f64", DataType::kFloat64, true},
  };
  auto schema = TableSchema::Make("id", std::move(cols));
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return std::move(schema).value();
}

Batch Parse(std::string_view body) {
  auto r = ParseJsonColumns(body, EveryTypeSchema());
  EXPECT_TRUE(r.ok()) << r.status().ToString() << "\nbody: " << body;
  if (!r.ok()) return Batch();
  EXPECT_TRUE(r->Validate().ok()) << r->Validate().ToString();
  return std::move(r).value();
}

// The error message of parsing `body`, which must fail with InvalidArgument.
std::string ParseError(std::string_view body) {
  auto r = ParseJsonColumns(body, EveryTypeSchema());
  EXPECT_FALSE(r.ok()) << "body parsed but should not: " << body;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  return r.status().message();
}

std::string ToJson(const Batch& batch) {
  std::string out;
  AppendJsonColumns(batch, &out);
  return out;
}

template <typename T>
auto Bits(T v) {
  if constexpr (sizeof(T) == 4) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
  } else {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    return b;
  }
}

Batch OneColumn(std::string name, Column c) {
  Batch b;
  b.num_rows = c.length;
  b.fields.push_back(Field{std::move(name), c.type, true});
  b.columns.push_back(std::move(c));
  return b;
}

template <typename T>
Column FixedColumn(DataType type, const std::vector<T>& values) {
  ColumnBuilder b(type);
  for (T v : values) b.Append<T>(v);
  return b.Finish();
}

// Compares two columns value by value; floats bit for bit.
void ExpectSameColumn(const Column& a, const Column& b, const std::string& name) {
  ASSERT_EQ(a.type, b.type) << name;
  ASSERT_EQ(a.length, b.length) << name;
  EXPECT_EQ(a.null_count, b.null_count) << name;
  for (int64_t i = 0; i < a.length; ++i) {
    ASSERT_EQ(a.IsNull(i), b.IsNull(i)) << name << " row " << i;
    if (a.IsNull(i)) continue;
    switch (a.type.id) {
      case TypeId::kUtf8:
        EXPECT_EQ(a.StringValue(i), b.StringValue(i)) << name;
        break;
      case TypeId::kBool:
        EXPECT_EQ(a.BoolValue(i), b.BoolValue(i)) << name;
        break;
      case TypeId::kInt8:
        EXPECT_EQ(a.Value<int8_t>(i), b.Value<int8_t>(i)) << name;
        break;
      case TypeId::kInt16:
        EXPECT_EQ(a.Value<int16_t>(i), b.Value<int16_t>(i)) << name;
        break;
      case TypeId::kInt32:
        EXPECT_EQ(a.Value<int32_t>(i), b.Value<int32_t>(i)) << name;
        break;
      case TypeId::kInt64:
        EXPECT_EQ(a.Value<int64_t>(i), b.Value<int64_t>(i)) << name;
        break;
      case TypeId::kUInt8:
        EXPECT_EQ(a.Value<uint8_t>(i), b.Value<uint8_t>(i)) << name;
        break;
      case TypeId::kUInt16:
        EXPECT_EQ(a.Value<uint16_t>(i), b.Value<uint16_t>(i)) << name;
        break;
      case TypeId::kUInt32:
        EXPECT_EQ(a.Value<uint32_t>(i), b.Value<uint32_t>(i)) << name;
        break;
      case TypeId::kUInt64:
        EXPECT_EQ(a.Value<uint64_t>(i), b.Value<uint64_t>(i)) << name;
        break;
      case TypeId::kFloat32:
        EXPECT_EQ(Bits(a.Value<float>(i)), Bits(b.Value<float>(i)))
            << name << " row " << i << ": " << a.Value<float>(i) << " vs " << b.Value<float>(i);
        break;
      case TypeId::kFloat64:
        EXPECT_EQ(Bits(a.Value<double>(i)), Bits(b.Value<double>(i)))
            << name << " row " << i << ": " << a.Value<double>(i) << " vs " << b.Value<double>(i);
        break;
      case TypeId::kFloat16:
      case TypeId::kDate32:
      case TypeId::kBinary:
      case TypeId::kTimestampS:
      case TypeId::kTimestampMs:
      case TypeId::kTimestampUs:
      case TypeId::kTimestampNs:
      case TypeId::kFixedSizeList:
      case TypeId::kList:
        break;
    }
  }
}

void ExpectSameBatch(const Batch& a, const Batch& b) {
  ASSERT_EQ(a.fields, b.fields);
  ASSERT_EQ(a.num_rows, b.num_rows);
  for (size_t i = 0; i < a.columns.size(); ++i) {
    ExpectSameColumn(a.columns[i], b.columns[i], a.fields[i].name);
  }
}

// ---- Parsing ----------------------------------------------------------------------------------

TEST(JsonColumnsParseTest, EveryTypeWithNulls) {
  Batch b = Parse(R"({"columns": {
      "id": ["a", "b", "c"],
      "s": ["x", null, ""],
      "b": [true, false, null],
      "i8": [-128, 127, null],
      "i16": [-32768, null, 32767],
      "i32": [null, -2147483648, 2147483647],
      "i64": [-9223372036854775808, 9223372036854775807, null],
      "u8": [0, 255, null],
      "u16": [65535, null, 0],
      "u32": [4294967295, 0, null],
      "u64": [18446744073709551615, null, 9223372036854775808],
      "f32": [0.95, null, -1.5e-3],
      "f64": [1, 2.5e300, null]}})");
  ASSERT_EQ(b.num_rows, 3);
  ASSERT_EQ(b.fields.size(), 13u);
  EXPECT_EQ(b.fields[0], (Field{"id", DataType::kUtf8, true}));
  EXPECT_EQ(b.fields[12], (Field{"f64", DataType::kFloat64, true}));
  const auto& c = b.columns;
  EXPECT_EQ(c[0].StringValue(2), "c");
  EXPECT_TRUE(c[1].IsNull(1));
  EXPECT_EQ(c[1].StringValue(2), "");
  EXPECT_TRUE(c[2].BoolValue(0));
  EXPECT_FALSE(c[2].BoolValue(1));
  EXPECT_TRUE(c[2].IsNull(2));
  EXPECT_EQ(c[3].Value<int8_t>(0), -128);
  EXPECT_EQ(c[3].Value<int8_t>(1), 127);
  EXPECT_EQ(c[4].Value<int16_t>(0), -32768);
  EXPECT_EQ(c[4].Value<int16_t>(2), 32767);
  EXPECT_EQ(c[5].Value<int32_t>(1), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(c[6].Value<int64_t>(0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(c[6].Value<int64_t>(1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(c[7].Value<uint8_t>(1), 255);
  EXPECT_EQ(c[8].Value<uint16_t>(0), 65535);
  EXPECT_EQ(c[9].Value<uint32_t>(0), 4294967295u);
  EXPECT_EQ(c[10].Value<uint64_t>(0), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(c[10].Value<uint64_t>(2), uint64_t{1} << 63);
  EXPECT_EQ(c[11].Value<float>(0), 0.95f);
  EXPECT_EQ(c[11].Value<float>(2), -1.5e-3f);
  EXPECT_EQ(c[12].Value<double>(0), 1.0);
  EXPECT_EQ(c[12].Value<double>(1), 2.5e300);
  for (size_t i = 1; i < c.size(); ++i) EXPECT_EQ(c[i].null_count, 1) << b.fields[i].name;
}

TEST(JsonColumnsParseTest, HoldsOnlyBodyColumnsInBodyOrder) {
  Batch b = Parse(R"({"columns": {"f32": [1.5, 2], "id": ["k1", "k2"]}})");
  ASSERT_EQ(b.fields.size(), 2u);
  EXPECT_EQ(b.fields[0], (Field{"f32", DataType::kFloat32, true}));
  EXPECT_EQ(b.fields[1], (Field{"id", DataType::kUtf8, true}));
  EXPECT_EQ(b.num_rows, 2);
  EXPECT_EQ(b.columns[0].Value<float>(1), 2.0f);
}

TEST(JsonColumnsParseTest, EmptyColumnsAndEmptyArrays) {
  Batch none = Parse(R"({"columns": {}})");
  EXPECT_EQ(none.num_rows, 0);
  EXPECT_TRUE(none.fields.empty());
  Batch empty = Parse(R"({"columns": {"id": [], "f64": []}})");
  EXPECT_EQ(empty.num_rows, 0);
  ASSERT_EQ(empty.columns.size(), 2u);
  EXPECT_EQ(empty.columns[1].length, 0);
}

TEST(JsonColumnsParseTest, IntegerLiteralsAreAcceptedForFloatColumns) {
  Batch b = Parse(R"({"columns": {"f32": [3, -0, 16777217, 0], "f64": [18446744073709551615, -0, )"
                  R"(-9223372036854775808, 123456789012345678901234567890]}})");
  const Column& f32 = b.columns[0];
  const Column& f64 = b.columns[1];
  EXPECT_EQ(f32.Value<float>(0), 3.0f);
  EXPECT_TRUE(std::signbit(f32.Value<float>(1)));
  EXPECT_EQ(f32.Value<float>(1), 0.0f);
  EXPECT_EQ(f32.Value<float>(2), 16777216.0f);  // nearest float32
  EXPECT_FALSE(std::signbit(f32.Value<float>(3)));
  EXPECT_EQ(f64.Value<double>(0), 18446744073709551615.0);
  EXPECT_TRUE(std::signbit(f64.Value<double>(1)));
  EXPECT_EQ(f64.Value<double>(2), -9223372036854775808.0);
  EXPECT_EQ(f64.Value<double>(3), 1.2345678901234568e29);
}

TEST(JsonColumnsParseTest, Float32IsParsedFromTheTextNotThroughDouble) {
  // 1.00000005960464477550 is just above the midpoint between 1.0f and its successor; rounding
  // to double first gives exactly the midpoint, which then rounds (to even) down to 1.0f.
  Batch b = Parse(R"({"columns": {"f32": [1.00000005960464477550, 1e-45, 3.4028235e38]}})");
  EXPECT_EQ(b.columns[0].Value<float>(0), std::nextafter(1.0f, 2.0f));
  EXPECT_EQ(b.columns[0].Value<float>(1), std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(b.columns[0].Value<float>(2), std::numeric_limits<float>::max());
}

TEST(JsonColumnsParseTest, TinyFloatsUnderflowToSignedZero) {
  Batch b = Parse(R"({"columns": {"f32": [1e-50, -1e-50], "f64": [1e-400, -1e-400]}})");
  EXPECT_EQ(Bits(b.columns[0].Value<float>(0)), Bits(0.0f));
  EXPECT_EQ(Bits(b.columns[0].Value<float>(1)), Bits(-0.0f));
  EXPECT_EQ(Bits(b.columns[1].Value<double>(0)), Bits(0.0));
  EXPECT_EQ(Bits(b.columns[1].Value<double>(1)), Bits(-0.0));
}

// Regression (found by fuzz/json_columns_fuzz.cc against the DOM parser): simdjson 3.0.1's
// On-Demand get_double() misreads long fractions; numbers are now read from their text.
TEST(JsonColumnsParseTest, LongFractionsAreCorrectlyRounded) {
  Batch b = Parse(R"({"columns": {"f64": [0.214748364730000000000000004, 0.95000000000000000000, )"
                  R"(1000000000.000000001, 0.30000000000000000000000000000000000000000001],)"
                  R"( "f32": [0.214748364730000000000000004, 0.95000000000000000000, )"
                  R"(1000000000.000000001, 0.30000000000000000000000000000000000000000001]}})");
  EXPECT_EQ(b.columns[0].Value<double>(0), 0.21474836473);
  EXPECT_EQ(b.columns[0].Value<double>(1), 0.95);
  EXPECT_EQ(b.columns[0].Value<double>(2), 1000000000.0);
  EXPECT_EQ(b.columns[0].Value<double>(3), 0.3);
  EXPECT_EQ(b.columns[1].Value<float>(0), 0.21474836473f);
  EXPECT_EQ(b.columns[1].Value<float>(1), 0.95f);
  EXPECT_EQ(b.columns[1].Value<float>(2), 1000000000.0f);
  EXPECT_EQ(b.columns[1].Value<float>(3), 0.3f);
}

TEST(JsonColumnsParseTest, SubnormalsAndHugeExponents) {
  Batch b =
      Parse(R"({"columns": {"f64": [3e-324, 2e-324, -1e-99999999999999999999, 0.0000001e-400, )"
            R"(0e99999999999999999999, 1e-320], "f32": [8e-46, 7e-46, -1e-99999999999999999999, )"
            R"(0.0000001e-40, 0e99999999999999999999, 1e-40]}})");
  const Column& f64 = b.columns[0];
  const Column& f32 = b.columns[1];
  EXPECT_EQ(f64.Value<double>(0), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(Bits(f64.Value<double>(1)), Bits(0.0));
  EXPECT_EQ(Bits(f64.Value<double>(2)), Bits(-0.0));
  EXPECT_EQ(Bits(f64.Value<double>(3)), Bits(0.0));
  EXPECT_EQ(Bits(f64.Value<double>(4)), Bits(0.0));
  EXPECT_EQ(f64.Value<double>(5), 1e-320);
  EXPECT_EQ(f32.Value<float>(0), std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(Bits(f32.Value<float>(1)), Bits(0.0f));
  EXPECT_EQ(Bits(f32.Value<float>(2)), Bits(-0.0f));
  EXPECT_EQ(Bits(f32.Value<float>(3)), Bits(0.0f));
  EXPECT_EQ(Bits(f32.Value<float>(4)), Bits(0.0f));
  EXPECT_EQ(f32.Value<float>(5), 1e-40f);
}

TEST(JsonColumnsParseTest, MinusZeroInIntegerColumns) {
  Batch b = Parse(R"({"columns": {"u8": [-0], "i32": [-0], "u64": [-0]}})");
  EXPECT_EQ(b.columns[0].Value<uint8_t>(0), 0);
  EXPECT_EQ(b.columns[1].Value<int32_t>(0), 0);
  EXPECT_EQ(b.columns[2].Value<uint64_t>(0), 0u);
}

TEST(JsonColumnsParseTest, NonFiniteStringsInFloatColumns) {
  Batch b =
      Parse(R"({"columns": {"f32": ["NaN", "Infinity", "-Infinity"], "f64": ["-Infinity", "NaN", )"
            R"("Infinity"]}})");
  EXPECT_EQ(Bits(b.columns[0].Value<float>(0)), Bits(std::numeric_limits<float>::quiet_NaN()));
  EXPECT_EQ(b.columns[0].Value<float>(1), std::numeric_limits<float>::infinity());
  EXPECT_EQ(b.columns[0].Value<float>(2), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(b.columns[1].Value<double>(0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Bits(b.columns[1].Value<double>(1)), Bits(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(b.columns[1].Value<double>(2), std::numeric_limits<double>::infinity());
}

TEST(JsonColumnsParseTest, UnicodeAndEscapes) {
  Batch b = Parse(
      R"({"columns": {"id": ["\u00e9t\u00E9", "\ud83d\ude00", "\"\\\/\b\f\n\r\t", "a\u0000b", )"
      "\"\xE6\x97\xA5\xE6\x9C\xAC\", \"\"]}}");
  const Column& id = b.columns[0];
  ASSERT_EQ(id.length, 6);
  EXPECT_EQ(id.StringValue(0), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(id.StringValue(1), "\xF0\x9F\x98\x80");
  EXPECT_EQ(id.StringValue(2), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(id.StringValue(3), std::string_view("a\0b", 3));
  EXPECT_EQ(id.StringValue(4), "\xE6\x97\xA5\xE6\x9C\xAC");
  EXPECT_EQ(id.StringValue(5), "");
  // And back: the writer's escaping reads back to the same bytes.
  std::string json = ToJson(b);
  EXPECT_EQ(
      json,
      "{\"columns\":{\"id\":[\"\xC3\xA9t\xC3\xA9\",\"\xF0\x9F\x98\x80\","
      "\"\\\"\\\\/\\u0008\\u000c\\n\\r\\t\",\"a\\u0000b\",\"\xE6\x97\xA5\xE6\x9C\xAC\",\"\"]}}");
  ExpectSameBatch(Parse(json), b);
}

TEST(JsonColumnsParseTest, EscapedColumnNames) {
  auto schema = TableSchema::Make(
      "k\"ey", {{"k\"ey", DataType::kUtf8, false}, {"caf\xC3\xA9", DataType::kInt32, true}});
  ASSERT_TRUE(schema.ok());
  auto r = ParseJsonColumns(R"({"columns": {"k\"ey": ["a"], "caf\u00e9": [7]}})", *schema);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fields[0].name, "k\"ey");
  EXPECT_EQ(r->fields[1].name, "caf\xC3\xA9");
  EXPECT_EQ(ToJson(*r), "{\"columns\":{\"k\\\"ey\":[\"a\"],\"caf\xC3\xA9\":[7]}}");
}

// ---- Parse errors -----------------------------------------------------------------------------

TEST(JsonColumnsErrorTest, BodyShape) {
  EXPECT_THAT(ParseError(R"([1, 2])"), HasSubstr("body must be a JSON object, got array"));
  EXPECT_THAT(ParseError(R"("columns")"), HasSubstr("body must be a JSON object, got string"));
  EXPECT_THAT(ParseError("nope"), Not(HasSubstr("got null")));
  EXPECT_THAT(ParseError("fals"), Not(HasSubstr("got bool")));
  EXPECT_THAT(ParseError(R"({})"), HasSubstr("body has no 'columns' field"));
  EXPECT_THAT(ParseError(R"({"columns": {}, "table": "t"})"),
              HasSubstr("unknown field 'table' in the body"));
  EXPECT_THAT(ParseError(R"({"rows": []})"), HasSubstr("unknown field 'rows'"));
  EXPECT_EQ(ParseError(R"({"columns": {}, "columns": {}})"), "field 'columns' appears twice");
  EXPECT_EQ(ParseError(R"({"columns": [1]})"),
            "'columns' must be an object of column name -> array of values, got array");
  EXPECT_EQ(ParseError(R"({"columns": {"i32": 5}})"),
            "column 'i32' must be an array of values, got number");
  EXPECT_EQ(ParseError(R"({"columns": {"i32": {"a": 1}}})"),
            "column 'i32' must be an array of values, got object");
}

TEST(JsonColumnsErrorTest, UnknownAndRepeatedColumns) {
  EXPECT_EQ(ParseError(R"({"columns": {"id": ["a"], "nope": [1]}})"),
            "unknown column 'nope' (not in the table's schema)");
  EXPECT_EQ(ParseError(R"({"columns": {"id": ["a"], "id": ["b"]}})"), "column 'id' appears twice");
}

TEST(JsonColumnsErrorTest, LongUnknownColumnNamesAreShortened) {
  std::string name(1000, 'n');
  EXPECT_EQ(ParseError(R"({"columns": {")" + name + R"(": [1]}})"),
            "unknown column '" + std::string(255, 'n') + "...' (not in the table's schema)");
}

TEST(JsonColumnsErrorTest, UnequalLengthsNameBothColumns) {
  EXPECT_EQ(ParseError(R"({"columns": {"id": ["a", "b"], "f64": [1.0, 2.0, 3.0]}})"),
            "columns have unequal lengths: column 'f64' has 3 values but column 'id' has 2");
  EXPECT_EQ(ParseError(R"({"columns": {"id": ["a", "b"], "i8": []}})"),
            "columns have unequal lengths: column 'i8' has 0 values but column 'id' has 2");
}

TEST(JsonColumnsErrorTest, WrongValueTypes) {
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [1, 2, 3, "x"]}})"),
            "column 'f64' row 3: expected number, got string (the only strings a float column "
            "takes are \"NaN\", \"Infinity\" and \"-Infinity\")");
  EXPECT_THAT(ParseError(R"({"columns": {"f32": ["nan"]}})"),
              HasSubstr("column 'f32' row 0: expected number, got string"));
  EXPECT_THAT(ParseError(R"({"columns": {"f32": ["+Infinity"]}})"),
              HasSubstr("column 'f32' row 0: expected number, got string"));
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [true]}})"),
            "column 'f64' row 0: expected number, got bool");
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [[1.0]]}})"),
            "column 'f64' row 0: expected number, got array");
  EXPECT_EQ(ParseError(R"({"columns": {"i32": [1, "2"]}})"),
            "column 'i32' row 1: expected integer, got string");
  EXPECT_EQ(ParseError(R"({"columns": {"u8": [false]}})"),
            "column 'u8' row 0: expected integer, got bool");
  EXPECT_EQ(ParseError(R"({"columns": {"id": [1]}})"),
            "column 'id' row 0: expected string, got number");
  EXPECT_EQ(ParseError(R"({"columns": {"s": ["a", true]}})"),
            "column 's' row 1: expected string, got bool");
  EXPECT_EQ(ParseError(R"({"columns": {"s": [{}]}})"),
            "column 's' row 0: expected string, got object");
  EXPECT_EQ(ParseError(R"({"columns": {"b": [true, 1]}})"),
            "column 'b' row 1: expected bool, got number");
  EXPECT_EQ(ParseError(R"({"columns": {"b": ["true"]}})"),
            "column 'b' row 0: expected bool, got string");
}

TEST(JsonColumnsErrorTest, FloatsInIntegerColumns) {
  EXPECT_EQ(ParseError(R"({"columns": {"i64": [1, 1.5]}})"),
            "column 'i64' row 1: expected an integer, got 1.5 (a fraction or exponent makes a "
            "number a float)");
  EXPECT_THAT(ParseError(R"({"columns": {"i32": [1e3]}})"),
              HasSubstr("column 'i32' row 0: expected an integer, got 1e3"));
  EXPECT_THAT(ParseError(R"({"columns": {"u64": [1.0]}})"),
              HasSubstr("column 'u64' row 0: expected an integer, got 1.0"));
  EXPECT_THAT(ParseError(R"({"columns": {"i8": [-0.0]}})"),
              HasSubstr("column 'i8' row 0: expected an integer, got -0.0"));
}

TEST(JsonColumnsErrorTest, IntegersOutOfRange) {
  struct Case {
    const char* column;
    const char* literal;
  };
  const Case cases[] = {
      {"i8", "128"},
      {"i8", "-129"},
      {"i16", "32768"},
      {"i16", "-32769"},
      {"i32", "2147483648"},
      {"i32", "-2147483649"},
      {"i64", "9223372036854775808"},
      {"i64", "-9223372036854775809"},
      {"i64", "18446744073709551616"},
      {"u8", "256"},
      {"u8", "-1"},
      {"u16", "65536"},
      {"u32", "4294967296"},
      {"u32", "-4294967296"},
      {"u64", "18446744073709551616"},
      {"u64", "-1"},
      {"u64", "123456789012345678901234567890"},
  };
  for (const Case& c : cases) {
    std::string body = std::string("{\"columns\": {\"") + c.column + "\": [0, " + c.literal + "]}}";
    std::string type = c.column[0] == 'i' ? std::string("int") + (c.column + 1)
                                          : std::string("uint") + (c.column + 1);
    EXPECT_EQ(ParseError(body), std::string("column '") + c.column + "' row 1: " + c.literal +
                                    " is out of range for " + type);
  }
}

TEST(JsonColumnsErrorTest, FloatsOutOfRange) {
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [1e400]}})"),
            "column 'f64' row 0: 1e400 is out of range for float64");
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [-1e309]}})"),
            "column 'f64' row 0: -1e309 is out of range for float64");
  EXPECT_EQ(ParseError(R"({"columns": {"f32": [0, 3.5e38]}})"),
            "column 'f32' row 1: 3.5e38 is out of range for float32");
  EXPECT_EQ(ParseError(R"({"columns": {"f32": [-1e39]}})"),
            "column 'f32' row 0: -1e39 is out of range for float32");
}

TEST(JsonColumnsErrorTest, HugeExponentsAreOutOfRange) {
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [1e99999999999999999999]}})"),
            "column 'f64' row 0: 1e99999999999999999999 is out of range for float64");
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [0.1e400]}})"),
            "column 'f64' row 0: 0.1e400 is out of range for float64");
  EXPECT_EQ(ParseError(R"({"columns": {"f32": [-0.000001e45]}})"),
            "column 'f32' row 0: -0.000001e45 is out of range for float32");
  EXPECT_EQ(ParseError(R"({"columns": {"i64": [-99999999999999999999]}})"),
            "column 'i64' row 0: -99999999999999999999 is out of range for int64");
  EXPECT_EQ(ParseError(R"({"columns": {"u16": [-99999999999999999999]}})"),
            "column 'u16' row 0: -99999999999999999999 is out of range for uint16");
}

TEST(JsonColumnsErrorTest, MalformedJson) {
  EXPECT_THAT(ParseError(""), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError("   "), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["a")"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["a"]})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["a"]}} {})"),
              HasSubstr("invalid JSON: unexpected content after the top-level object"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["a"]}} x)"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["unterminated]}})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["bad \x escape"]}})"),
              HasSubstr("column 'id' row 0: invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"id": ["\ud800"]}})"),
              HasSubstr("column 'id' row 0: invalid JSON"));
  EXPECT_THAT(ParseError("{\"columns\": {\"id\": [\"\xff\"]}}"), HasSubstr("invalid JSON"));
  EXPECT_EQ(ParseError(R"({"columns": {"s": [nul]}})"),
            "column 's' row 0: invalid JSON literal 'nul'");
  EXPECT_EQ(ParseError(R"({"columns": {"b": [tru]}})"),
            "column 'b' row 0: invalid JSON literal 'tru'");
  EXPECT_EQ(ParseError(R"({"columns": {"b": [truex]}})"),
            "column 'b' row 0: invalid JSON literal 'truex'");
  EXPECT_EQ(ParseError(R"({"columns": {"i32": [01]}})"), "column 'i32' row 0: invalid number '01'");
  EXPECT_EQ(ParseError(R"({"columns": {"f64": [1.]}})"), "column 'f64' row 0: invalid number '1.'");
  EXPECT_EQ(ParseError(R"({"columns": {"f32": [-]}})"), "column 'f32' row 0: invalid number '-'");
  EXPECT_EQ(ParseError(R"({"columns": {"i32": [1x]}})"), "column 'i32' row 0: invalid number '1x'");
  EXPECT_THAT(ParseError(R"({"columns": {"i32": [1,,2]}})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"i32": [1 2]}})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns" {"i32": []}})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ParseError(R"({"columns": {"i32": [1], }})"), HasSubstr("invalid JSON"));
}

TEST(JsonColumnsErrorTest, LongTokensAreShortenedInMessages) {
  std::string big(200, '7');
  std::string msg = ParseError(R"({"columns": {"i8": [)" + big + "]}}");
  EXPECT_EQ(msg, "column 'i8' row 0: " + std::string(40, '7') + "... is out of range for int8");
}

// ---- Writing ----------------------------------------------------------------------------------

TEST(JsonColumnsWriteTest, ExactOutputForEveryType) {
  Batch b = Parse(R"({"columns": {
      "id": ["a", "b"], "s": [null, "q\""], "b": [true, null], "i8": [-128, 127],
      "i16": [null, -1], "i32": [7, null], "i64": [-9223372036854775808, 9223372036854775807],
      "u8": [255, 0], "u16": [65535, null], "u32": [4294967295, 1],
      "u64": [18446744073709551615, null], "f32": [0.95, null], "f64": [null, 0.1]}})");
  EXPECT_EQ(ToJson(b),
            R"({"columns":{"id":["a","b"],"s":[null,"q\""],"b":[true,null],"i8":[-128,127],)"
            R"("i16":[null,-1],"i32":[7,null],"i64":[-9223372036854775808,9223372036854775807],)"
            R"("u8":[255,0],"u16":[65535,null],"u32":[4294967295,1],)"
            R"("u64":[18446744073709551615,null],"f32":[0.95,null],"f64":[null,0.1]}})");
}

TEST(JsonColumnsWriteTest, EmptyBatches) {
  EXPECT_EQ(ToJson(Batch()), R"({"columns":{}})");
  Batch b = Parse(R"({"columns": {"id": [], "f32": []}})");
  EXPECT_EQ(ToJson(b), R"({"columns":{"id":[],"f32":[]}})");
}

TEST(JsonColumnsWriteTest, AppendsToExistingText) {
  std::string out = "prefix:";
  AppendJsonColumns(OneColumn("x", FixedColumn<int32_t>(DataType::kInt32, {1, 2})), &out);
  EXPECT_EQ(out, R"(prefix:{"columns":{"x":[1,2]}})");
}

TEST(JsonColumnsWriteTest, ShortestFloat32) {
  Batch b = OneColumn(
      "f32", FixedColumn<float>(DataType::kFloat32,
                                {0.95f, 1e-45f, 3.4028235e38f, 0.1f, 1.0f, -2.0f, 16777216.0f,
                                 1e-5f, 123.456f, std::numeric_limits<float>::min()}));
  EXPECT_EQ(ToJson(b),
            R"({"columns":{"f32":[0.95,1e-45,3.4028235e+38,0.1,1.0,-2.0,16777216.0,1e-05,)"
            R"(123.456,1.1754944e-38]}})");
}

TEST(JsonColumnsWriteTest, ShortestFloat64) {
  Batch b = OneColumn("f64",
                      FixedColumn<double>(DataType::kFloat64,
                                          {0.1, 0.95, 1e300, 5e-324, 1e16, 123456.0, -2.5,
                                           1.7976931348623157e308, 0.1 + 0.2, 9007199254740993.0}));
  EXPECT_EQ(ToJson(b), R"({"columns":{"f64":[0.1,0.95,1e+300,5e-324,1e+16,123456.0,-2.5,)"
                       R"(1.7976931348623157e+308,0.30000000000000004,9007199254740992.0]}})");
}

TEST(JsonColumnsWriteTest, NonFiniteAndNegativeZeroRoundTripBitExact) {
  const float kF32[] = {std::numeric_limits<float>::quiet_NaN(),
                        std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity(), -0.0f, 0.0f};
  const double kF64[] = {std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity(), -0.0, 0.0};
  Batch b;
  b.num_rows = 5;
  b.fields = {{"f32", DataType::kFloat32, true}, {"f64", DataType::kFloat64, true}};
  b.columns.push_back(
      FixedColumn<float>(DataType::kFloat32, std::vector<float>(std::begin(kF32), std::end(kF32))));
  b.columns.push_back(FixedColumn<double>(DataType::kFloat64,
                                          std::vector<double>(std::begin(kF64), std::end(kF64))));
  std::string json = ToJson(b);
  EXPECT_EQ(json, R"({"columns":{"f32":["NaN","Infinity","-Infinity",-0.0,0.0],)"
                  R"("f64":["NaN","Infinity","-Infinity",-0.0,0.0]}})");
  Batch back = Parse(json);
  ExpectSameBatch(back, b);
}

TEST(JsonColumnsWriteTest, EveryTypeRoundTripsWithNulls) {
  std::mt19937_64 rng(42);
  const int64_t kRows = 3000;  // several write blocks
  TableSchema schema = EveryTypeSchema();
  Batch b;
  b.num_rows = kRows;
  for (const ColumnSchema& cs : schema.columns()) {
    ColumnBuilder builder(cs.type);
    for (int64_t i = 0; i < kRows; ++i) {
      uint64_t r = rng();
      if (i % 7 == 3 && cs.name != "id") {
        builder.AppendNull();
        continue;
      }
      switch (cs.type.id) {
        case TypeId::kUtf8: {
          std::string s = "k" + std::to_string(r % 100000);
          if (i % 5 == 0) s += "\xC3\xA9\n\"\\\x01";
          ASSERT_TRUE(builder.AppendString(s).ok());
          break;
        }
        case TypeId::kBool:
          builder.AppendBool(r & 1);
          break;
        case TypeId::kInt8:
          builder.Append<int8_t>(static_cast<int8_t>(r));
          break;
        case TypeId::kInt16:
          builder.Append<int16_t>(static_cast<int16_t>(r));
          break;
        case TypeId::kInt32:
          builder.Append<int32_t>(static_cast<int32_t>(r));
          break;
        case TypeId::kInt64:
          builder.Append<int64_t>(static_cast<int64_t>(r));
          break;
        case TypeId::kUInt8:
          builder.Append<uint8_t>(static_cast<uint8_t>(r));
          break;
        case TypeId::kUInt16:
          builder.Append<uint16_t>(static_cast<uint16_t>(r));
          break;
        case TypeId::kUInt32:
          builder.Append<uint32_t>(static_cast<uint32_t>(r));
          break;
        case TypeId::kUInt64:
          builder.Append<uint64_t>(r);
          break;
        case TypeId::kFloat32: {
          // Random bit patterns: every exponent, subnormals included; NaN payloads are not kept
          // by JSON, so NaNs are skipped here (they are tested as the canonical NaN above).
          uint32_t bits = static_cast<uint32_t>(r);
          float f;
          std::memcpy(&f, &bits, 4);
          builder.Append<float>(std::isnan(f) ? 1.5f : f);
          break;
        }
        case TypeId::kFloat64: {
          double d;
          std::memcpy(&d, &r, 8);
          builder.Append<double>(std::isnan(d) ? -2.5 : d);
          break;
        }
        case TypeId::kFloat16:
        case TypeId::kDate32:
        case TypeId::kBinary:
        case TypeId::kTimestampS:
        case TypeId::kTimestampMs:
        case TypeId::kTimestampUs:
        case TypeId::kTimestampNs:
        case TypeId::kFixedSizeList:
        case TypeId::kList:
          break;
      }
    }
    b.fields.push_back(Field{cs.name, cs.type, true});
    b.columns.push_back(builder.Finish());
  }
  ASSERT_TRUE(b.Validate().ok());
  std::string json = ToJson(b);
  Batch back = Parse(json);
  ExpectSameBatch(back, b);
  // Stable: writing the parsed batch gives the same text.
  EXPECT_EQ(ToJson(back), json);
}

TEST(JsonColumnsWriteTest, LimitsRoundTrip) {
  Batch b;
  b.num_rows = 2;
  b.fields = {{"i64", DataType::kInt64, true}, {"u64", DataType::kUInt64, true}};
  b.columns.push_back(FixedColumn<int64_t>(
      DataType::kInt64,
      {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}));
  b.columns.push_back(
      FixedColumn<uint64_t>(DataType::kUInt64, {0, std::numeric_limits<uint64_t>::max()}));
  std::string json = ToJson(b);
  EXPECT_EQ(json, R"({"columns":{"i64":[-9223372036854775808,9223372036854775807],)"
                  R"("u64":[0,18446744073709551615]}})");
  ExpectSameBatch(Parse(json), b);
}

TEST(JsonColumnsWriteTest, InvalidUtf8IsReplaced) {
  ColumnBuilder s(DataType::kUtf8);
  ASSERT_TRUE(s.AppendString("a\xff"
                             "b")
                  .ok());
  EXPECT_EQ(ToJson(OneColumn("s", s.Finish())),
            "{\"columns\":{\"s\":[\"a\xEF\xBF\xBD"
            "b\"]}}");
}

}  // namespace
}  // namespace murr
