// Parquet LIST columns: the schema forms (3-level, legacy 2-level), repetition and definition
// levels over pages, row groups and dictionaries, the mapping onto fixed-size lists, the
// parquet-testing files that hold lists and INT96, and malformed nesting (each a clear error).
#include <filesystem>

#include <gtest/gtest.h>

#include "codec/parquet_test_util.h"
#include "codec/parquet_test_writer.h"

namespace murr {
namespace {

using testing::BufferOf;
using testing::BuildParquet;
using testing::LE32;
using testing::LoadFile;
using testing::Plain;
using testing::RleLevels;
using testing::TestColumn;
using testing::TestPage;

std::string Fixture(const std::string& name) {
  return testing::FixturesDir() + "/parquet-testing/" + name;
}

Buffer LoadFixture(const std::string& name) {
  EXPECT_TRUE(std::filesystem::exists(Fixture(name))) << "missing fixture " << name;
  return LoadFile(Fixture(name));
}

std::vector<ColumnSchema> Target(const std::string& name, DataType type) {
  return {{name, type, true, ""}};
}

// A data page v1 of a LIST: RLE repetition and definition levels (each with its 4-byte length),
// then the values.
std::string ListPageV1(const std::vector<int>& rep, const std::vector<int>& def, int def_width,
                       const std::string& values) {
  std::string r = RleLevels(rep, 1);
  std::string d = RleLevels(def, def_width);
  return LE32(static_cast<uint32_t>(r.size())) + r + LE32(static_cast<uint32_t>(d.size())) + d +
         values;
}

// An OPTIONAL list of OPTIONAL int32 items (max definition level 3).
TestColumn OptionalIntList() {
  TestColumn c;
  c.name = "v";
  c.list = 3;
  c.physical = 1;
  c.repetition = 1;
  c.item_repetition = 1;
  return c;
}

TestPage V1(const std::vector<int>& rep, const std::vector<int>& def, const std::string& values,
            int def_width = 2) {
  return {.type = 0,
          .num_values = static_cast<int32_t>(rep.size()),
          .encoding = 0,
          .body = ListPageV1(rep, def, def_width, values)};
}

TestPage V2(const std::vector<int>& rep, const std::vector<int>& def, const std::string& values,
            int rows, int def_width = 2) {
  std::string r = RleLevels(rep, 1);
  std::string d = RleLevels(def, def_width);
  return {.type = 3,
          .num_values = static_cast<int32_t>(rep.size()),
          .encoding = 0,
          .num_rows = rows,
          .def_length = static_cast<int32_t>(d.size()),
          .rep_length = static_cast<int32_t>(r.size()),
          .is_compressed = false,
          .body = r + d + values};
}

Result<Batch> ReadAsFixed(const std::string& file, uint32_t size, TypeId item = TypeId::kInt32) {
  return ReadParquet(BufferOf(file), {}, ParquetReadOptions(),
                     Target("v", DataType::FixedSizeList(item, size)));
}

std::vector<std::vector<int32_t>> Rows(const Column& c) {
  std::vector<std::vector<int32_t>> out;
  const int64_t n = c.type.size;
  for (int64_t r = 0; r < c.length; ++r) {
    if (c.IsNull(r)) {
      out.push_back({});
      continue;
    }
    std::vector<int32_t> row;
    for (int64_t k = 0; k < n; ++k) row.push_back(c.Value<int32_t>(r * n + k));
    out.push_back(row);
  }
  return out;
}

void ExpectError(const Result<Batch>& r, StatusCode code, const std::string& needle) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
}

// [1, 2], null, [3, 4]: levels (rep, def) (0,3) (1,3) (0,0) (0,3) (1,3).
const std::vector<int> kRep = {0, 1, 0, 0, 1};
const std::vector<int> kDef = {3, 3, 0, 3, 3};

TEST(ParquetList, ThreeLevelOptionalListReadsAsFixedSizeList) {
  TestColumn c = OptionalIntList();
  c.num_values = 5;
  c.pages.push_back(V1(kRep, kDef, Plain<int32_t>({1, 2, 3, 4})));
  auto r = ReadAsFixed(BuildParquet({c}, 3), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->num_rows, 3);
  EXPECT_EQ(r->fields[0], (Field{"v", DataType::FixedSizeList(TypeId::kInt32, 2), true}));
  const Column& col = r->columns[0];
  EXPECT_EQ(col.null_count, 1);
  EXPECT_EQ(Rows(col), (std::vector<std::vector<int32_t>>{{1, 2}, {}, {3, 4}}));
  // A null vector is zeros in memory.
  EXPECT_EQ(col.Value<int32_t>(2), 0);
  EXPECT_EQ(col.Value<int32_t>(3), 0);
}

// A list column's rows as vectors of item texts ("null" for a null item); a null row is {"NULL"}.
std::vector<std::vector<std::string>> ListRows(const Column& c) {
  std::vector<std::vector<std::string>> out;
  for (int64_t r = 0; r < c.length; ++r) {
    if (c.IsNull(r)) {
      out.push_back({"NULL"});
      continue;
    }
    std::vector<std::string> row;
    for (int64_t k = c.ListBegin(r); k < c.ListEnd(r); ++k) {
      row.push_back(testing::Describe(c.items(), k));
    }
    out.push_back(row);
  }
  return out;
}

using Texts = std::vector<std::vector<std::string>>;

TEST(ParquetList, WithoutAFixedSizeTargetAListIsAVariableLengthList) {
  TestColumn c = OptionalIntList();
  c.num_values = 5;
  c.pages.push_back(V1(kRep, kDef, Plain<int32_t>({1, 2, 3, 4})));
  Buffer file = BufferOf(BuildParquet({c}, 3));
  auto r = ReadParquet(file);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fields[0], (Field{"v", DataType::List(TypeId::kInt32), true}));
  EXPECT_EQ(ListRows(r->columns[0]), (Texts{{"1", "2"}, {"NULL"}, {"3", "4"}}));
  auto info = InspectParquet(file);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->columns[0].physical_type, "group");
  EXPECT_EQ(info->columns[0].list_item, DataType::kInt32);
  // A list target of another item type is refused naming both.
  auto other =
      ReadParquet(file, {}, ParquetReadOptions(), Target("v", DataType::List(TypeId::kInt64)));
  ExpectError(other, StatusCode::kInvalidArgument, "holds lists of int32 in the Parquet file");
}

TEST(ParquetList, ParquetTestingListsAsVariableLists) {
  // list_columns.parquet (parquet-cpp), as pyarrow reads it: int64_list [1, 2, 3], [null, 1],
  // [4]; utf8_list ["abc", "efg", "hij"], null, ["efg", null, "hij", "xyz"].
  auto lc = ReadParquet(LoadFixture("list_columns.parquet"));
  ASSERT_TRUE(lc.ok()) << lc.status().ToString();
  EXPECT_EQ(lc->fields[0], (Field{"int64_list", DataType::List(TypeId::kInt64), true}));
  EXPECT_EQ(lc->fields[1], (Field{"utf8_list", DataType::List(TypeId::kUtf8), true}));
  EXPECT_EQ(ListRows(lc->columns[0]), (Texts{{"1", "2", "3"}, {"null", "1"}, {"4"}}));
  EXPECT_EQ(ListRows(lc->columns[1]), (Texts{{"\"abc\"", "\"efg\"", "\"hij\""},
                                             {"NULL"},
                                             {"\"efg\"", "null", "\"hij\"", "\"xyz\""}}));
  // repeated_primitive_no_list.parquet (arrow-rs): bare REPEATED fields, required lists of
  // required items: [0, 1, 2, 3], [], [4], [5, 6, 7, 8] and the strings beside them.
  auto rp =
      ReadParquet(LoadFixture("repeated_primitive_no_list.parquet"), {"Int32_list", "String_list"});
  ASSERT_TRUE(rp.ok()) << rp.status().ToString();
  EXPECT_EQ(rp->fields[0], (Field{"Int32_list", DataType::List(TypeId::kInt32), false}));
  EXPECT_EQ(ListRows(rp->columns[0]),
            (Texts{{"0", "1", "2", "3"}, {}, {"4"}, {"5", "6", "7", "8"}}));
  EXPECT_EQ(ListRows(rp->columns[1]), (Texts{{"\"foo\"", "\"zero\"", "\"one\"", "\"two\""},
                                             {"\"three\""},
                                             {"\"four\""},
                                             {"\"five\"", "\"six\"", "\"seven\"", "\"eight\""}}));
  EXPECT_EQ(rp->columns[0].null_count, 0);
}

TEST(ParquetList, RowsContinueAcrossV1PagesAndRowGroupsOfDictionaryPages) {
  TestColumn c = OptionalIntList();
  c.num_values = 5;
  // Page 1 ends inside the row [3, 4]; page 2 carries its last item (v1 pages may split rows).
  // Dictionary [10, 20, 30, 40]; indices 0 1 | 2 | 3 with bit width 2.
  c.pages.push_back(
      {.type = 2, .num_values = 4, .encoding = 0, .body = Plain<int32_t>({10, 20, 30, 40})});
  auto dict_indices = [](std::vector<int> idx) {
    std::string s(1, '\x02');  // bit width
    s += RleLevels(idx, 2);
    return s;
  };
  TestPage p1 = V1({0, 1, 0, 0}, {3, 3, 0, 3}, dict_indices({0, 1, 2}));
  p1.encoding = 8;  // RLE_DICTIONARY
  TestPage p2 = V1({1}, {3}, dict_indices({3}));
  p2.encoding = 8;
  c.pages.push_back(p1);
  c.pages.push_back(p2);
  auto r = ReadAsFixed(BuildParquet({c}, 3), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Rows(r->columns[0]), (std::vector<std::vector<int32_t>>{{10, 20}, {}, {30, 40}}));
}

TEST(ParquetList, RepeatedLevelsOfANullListAsDuckDBWritesThemAreSkipped) {
  // DuckDB 2.0 writes a null FLOAT[2] as two levels (0, 0) (1, 0): [1, 2], null, [3, 4].
  TestColumn c = OptionalIntList();
  c.num_values = 6;
  c.pages.push_back(V1({0, 1, 0, 1, 0, 1}, {3, 3, 0, 0, 3, 3}, Plain<int32_t>({1, 2, 3, 4})));
  auto r = ReadAsFixed(BuildParquet({c}, 3), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Rows(r->columns[0]), (std::vector<std::vector<int32_t>>{{1, 2}, {}, {3, 4}}));
}

TEST(ParquetList, DataPageV2) {
  TestColumn c = OptionalIntList();
  c.num_values = 5;
  c.pages.push_back(V2({0, 1, 0}, {3, 3, 0}, Plain<int32_t>({1, 2}), 2));
  c.pages.push_back(V2({0, 1}, {3, 3}, Plain<int32_t>({3, 4}), 1));
  auto r = ReadAsFixed(BuildParquet({c}, 3), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Rows(r->columns[0]), (std::vector<std::vector<int32_t>>{{1, 2}, {}, {3, 4}}));
}

TEST(ParquetList, RequiredListOfRequiredItemsAndTheTwoLevelForm) {
  for (int form : {2, 3}) {
    TestColumn c;
    c.name = "v";
    c.list = form;
    c.repetition = 0;       // REQUIRED list
    c.item_repetition = 0;  // REQUIRED item (3-level)
    c.num_values = 6;
    // [5, 6], [7, 8], [9, 10]: max definition level 1.
    c.pages.push_back(
        V1({0, 1, 0, 1, 0, 1}, {1, 1, 1, 1, 1, 1}, Plain<int32_t>({5, 6, 7, 8, 9, 10}), 1));
    auto r = ReadAsFixed(BuildParquet({c}, 3), 2);
    ASSERT_TRUE(r.ok()) << form << ": " << r.status().ToString();
    EXPECT_FALSE(r->fields[0].nullable);
    EXPECT_EQ(r->columns[0].null_count, 0);
    EXPECT_EQ(Rows(r->columns[0]), (std::vector<std::vector<int32_t>>{{5, 6}, {7, 8}, {9, 10}}));
  }
}

TEST(ParquetList, FixedSizeMismatchesNameTheColumnAndRow) {
  // [1, 2], [3]: row 1 is short.
  TestColumn c = OptionalIntList();
  c.num_values = 3;
  c.pages.push_back(V1({0, 1, 0}, {3, 3, 3}, Plain<int32_t>({1, 2, 3})));
  ExpectError(ReadAsFixed(BuildParquet({c}, 2), 2), StatusCode::kInvalidArgument,
              "'v' (int32[2]) row 1 holds a list of 1 items");
  // An empty list: row 0.
  TestColumn e = OptionalIntList();
  e.num_values = 2;
  e.pages.push_back(V1({0, 0, 1}, {1, 3, 3}, Plain<int32_t>({1, 2})));
  e.num_values = 3;
  ExpectError(ReadAsFixed(BuildParquet({e}, 2), 2), StatusCode::kInvalidArgument,
              "row 0 holds a list of 0 items");
  // A null item: row 1, item 1.
  TestColumn n = OptionalIntList();
  n.num_values = 4;
  n.pages.push_back(V1({0, 1, 0, 1}, {3, 3, 3, 2}, Plain<int32_t>({1, 2, 3})));
  ExpectError(ReadAsFixed(BuildParquet({n}, 2), 2), StatusCode::kInvalidArgument,
              "row 1 has a null item (item 1)");
  // The item type must be the target's.
  TestColumn t = OptionalIntList();
  t.num_values = 5;
  t.pages.push_back(V1(kRep, kDef, Plain<int32_t>({1, 2, 3, 4})));
  ExpectError(ReadAsFixed(BuildParquet({t}, 3), 2, TypeId::kFloat32), StatusCode::kInvalidArgument,
              "holds lists of int32 in the Parquet file");
}

TEST(ParquetList, MalformedLevelsAreClearErrors) {
  struct Case {
    const char* what;
    std::vector<int> rep, def;
    const char* needle;
  };
  const Case cases[] = {
      {"rep level wider than its bit width", {0, 2, 0}, {2, 2, 2}, "repetition levels"},
      {"def level wider than its bit width", {0, 1, 0}, {2, 2, 7}, "definition levels"},
      {"def level over the max", {0, 1, 0}, {2, 2, 3}, "exceed the column's maximum"},
      {"chunk starts mid-list", {1, 0, 0}, {2, 2, 2}, "starts inside a list"},
      {"item added to a null list", {0, 1, 0}, {0, 2, 2}, "to a null or empty list"},
      {"item added to an empty list", {0, 1, 0}, {1, 2, 2}, "to a null or empty list"},
      {"a null list continued as empty", {0, 1, 0}, {0, 1, 2}, "to a null or empty list"},
      {"more rows than the row group", {0, 0, 0, 0}, {2, 2, 2, 2}, "more rows than"},
  };
  for (const Case& k : cases) {
    TestColumn c = OptionalIntList();
    c.item_repetition = 0;  // REQUIRED items: max definition level 2 in 2 bits
    c.num_values = static_cast<int64_t>(k.rep.size());
    c.pages.push_back(V1(k.rep, k.def, Plain<int32_t>({1, 2, 3, 4}), 2));
    auto r = ReadAsFixed(BuildParquet({c}, 3), 1);
    SCOPED_TRACE(k.what);
    ExpectError(r, StatusCode::kInvalidArgument, k.needle);
  }
}

TEST(ParquetList, MalformedPagesAreClearErrors) {
  {
    // A v2 page must start at a row boundary.
    TestColumn c = OptionalIntList();
    c.num_values = 5;
    c.pages.push_back(V2({0, 1, 0, 0}, {3, 3, 0, 3}, Plain<int32_t>({1, 2, 3}), 3));
    c.pages.push_back(V2({1}, {3}, Plain<int32_t>({4}), 0));
    ExpectError(ReadAsFixed(BuildParquet({c}, 3), 2), StatusCode::kInvalidArgument,
                "data page v2 starts inside a list");
  }
  {
    // The v2 header's row count must match the levels.
    TestColumn c = OptionalIntList();
    c.num_values = 5;
    c.pages.push_back(V2(kRep, kDef, Plain<int32_t>({1, 2, 3, 4}), 2));
    ExpectError(ReadAsFixed(BuildParquet({c}, 3), 2), StatusCode::kInvalidArgument,
                "header says 2 rows, its repetition levels start 3");
  }
  {
    // The row group claims more rows than the levels start.
    TestColumn c = OptionalIntList();
    c.num_values = 5;
    c.pages.push_back(V1(kRep, kDef, Plain<int32_t>({1, 2, 3, 4})));
    ExpectError(ReadAsFixed(BuildParquet({c}, 4), 2), StatusCode::kInvalidArgument,
                "holds 3 rows, its row group 4");
  }
  {
    // Truncated level runs: the page claims more levels than its RLE runs hold.
    TestColumn c = OptionalIntList();
    c.num_values = 9;
    TestPage p = V1(kRep, kDef, Plain<int32_t>({1, 2, 3, 4}));
    p.num_values = 9;
    c.pages.push_back(p);
    auto r = ReadAsFixed(BuildParquet({c}, 3), 2);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    EXPECT_NE(r.status().message().find("levels"), std::string::npos) << r.status().ToString();
  }
  {
    // Too few values for the valid items.
    TestColumn c = OptionalIntList();
    c.num_values = 5;
    c.pages.push_back(V1(kRep, kDef, Plain<int32_t>({1, 2, 3})));
    ExpectError(ReadAsFixed(BuildParquet({c}, 3), 2), StatusCode::kInvalidArgument,
                "too few for 4 values");
  }
  {
    // A level length past the page.
    TestColumn c = OptionalIntList();
    c.num_values = 5;
    TestPage p = V1(kRep, kDef, "");
    p.body = LE32(1000) + p.body;
    c.pages.push_back(p);
    ExpectError(ReadAsFixed(BuildParquet({c}, 3), 2), StatusCode::kInvalidArgument,
                "levels run past the end of the page");
  }
  {
    // Millions of null lists claimed by a few bytes of RLE stay within the row group's rows;
    // millions of empty-item levels within the items limit.
    TestColumn c = OptionalIntList();
    c.num_values = 1 << 20;
    std::vector<int> rep(1 << 20, 1), def(1 << 20, 2);
    rep[0] = 0;
    c.pages.push_back(V1(rep, def, ""));
    ParquetReadOptions small;
    small.max_output_bytes = 1 << 18;  // 65,536 int32 items
    auto r = ReadParquet(BufferOf(BuildParquet({c}, 1)), {}, small,
                         Target("v", DataType::FixedSizeList(TypeId::kInt32, 2)));
    ExpectError(r, StatusCode::kResourceExhausted, "holds more than");
  }
}

TEST(ParquetList, TruncatedAndFlippedListFilesGiveErrorsOrValidBatches) {
  TestColumn c = OptionalIntList();
  c.num_values = 5;
  c.pages.push_back(V1({0, 1, 0, 0}, {3, 3, 0, 3}, Plain<int32_t>({1, 2, 3})));
  c.pages.push_back(V1({1}, {3}, Plain<int32_t>({4})));  // continues the row [3, 4]
  const std::string good = BuildParquet({c}, 3);
  ASSERT_TRUE(ReadAsFixed(good, 2).ok());
  auto check = [](const Result<Batch>& r, const std::string& what) {
    if (r.ok()) {
      EXPECT_TRUE(r->Validate().ok()) << what;
    } else {
      EXPECT_NE(r.status().code(), StatusCode::kInternal) << what << r.status().ToString();
    }
  };
  for (size_t n = 0; n < good.size(); ++n) {
    check(ReadAsFixed(good.substr(0, n), 2), "cut at " + std::to_string(n));
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit : {0, 1, 4, 7}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      check(ReadAsFixed(bad, 2), "byte " + std::to_string(i) + " bit " + std::to_string(bit));
    }
  }
}

TEST(ParquetList, NestedAndGroupItemsAreRefusedClearly) {
  auto nested = ReadParquet(LoadFixture("nested_lists.snappy.parquet"), {"a"});
  ExpectError(nested, StatusCode::kUnimplemented, "'a' is a nested list");
  // Legacy 2-level: the repeated group named "array" is the item, itself a LIST.
  auto old = ReadParquet(LoadFixture("old_list_structure.parquet"), {"a"});
  ExpectError(old, StatusCode::kUnimplemented, "'a' is a nested list");
  // A struct holding a repeated group, not a LIST.
  auto structs = ReadParquet(LoadFixture("repeated_no_annotation.parquet"), {"phoneNumbers"});
  ExpectError(structs, StatusCode::kUnimplemented, "'phoneNumbers' is a struct");
  // Impala's nested types: lists of structs and maps, and lists of lists.
  auto info = InspectParquet(LoadFixture("nullable.impala.parquet"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  std::map<std::string, std::string> want = {
      {"int_array_Array", "nested list"}, {"int_map", "map"}, {"nested_struct", "struct"}};
  for (const auto& c : info->columns) {
    if (c.name == "int_array") {
      EXPECT_TRUE(c.supported.ok()) << c.supported.ToString();
      EXPECT_EQ(c.field.type, DataType::List(TypeId::kInt32));
    }
    if (!want.count(c.name)) continue;
    EXPECT_NE(c.supported.message().find(want[c.name]), std::string::npos)
        << c.name << ": " << c.supported.ToString();
    want.erase(c.name);
  }
  EXPECT_TRUE(want.empty());
}

TEST(ParquetList, ParquetTestingListsAsFixedSizeLists) {
  // datapage_v2.snappy.parquet: e (OPTIONAL LIST of REQUIRED int32, data page v2) holds
  // [1, 2, 3], null, null, [1, 2, 3], [1, 2] (pyarrow's reading).
  auto dp = ReadParquet(LoadFixture("datapage_v2.snappy.parquet"), {"e"}, ParquetReadOptions(),
                        Target("e", DataType::FixedSizeList(TypeId::kInt32, 3)));
  ExpectError(dp, StatusCode::kInvalidArgument, "'e' (int32[3]) row 4 holds a list of 2 items");
  // list_columns.parquet (parquet-cpp): int64_list [1, 2, 3], [null, 1], [4].
  auto lc = ReadParquet(LoadFixture("list_columns.parquet"), {"int64_list"}, ParquetReadOptions(),
                        Target("int64_list", DataType::FixedSizeList(TypeId::kInt64, 3)));
  ExpectError(lc, StatusCode::kInvalidArgument, "row 1 holds a list of 2 items");
  // repeated_primitive_no_list.parquet (arrow-rs): Int32_list is a bare REPEATED int32:
  // [0, 1, 2, 3], [], [4], [5, 6, 7, 8].
  auto rp = ReadParquet(LoadFixture("repeated_primitive_no_list.parquet"), {"Int32_list"},
                        ParquetReadOptions(),
                        Target("Int32_list", DataType::FixedSizeList(TypeId::kInt32, 4)));
  ExpectError(rp, StatusCode::kInvalidArgument, "row 1 holds a list of 0 items");
  // null_list.parquet: a list of UNKNOWN (always null) items.
  auto nl = ReadParquet(LoadFixture("null_list.parquet"));
  ExpectError(nl, StatusCode::kUnimplemented, "'emptylist'");
}

TEST(ParquetList, Int96FromSpark) {
  // int96_from_spark.parquet: a (INT96) holds, in microseconds as pyarrow reads it with
  // coerce_int96_timestamp_unit="us": 1704141296123456, 1704070800000000, 253402225200000000
  // (9999-12-31), 1735599600000000, null, -7188624036226874385. Rows 2 and 5 lie outside int64
  // nanoseconds (pyarrow's default reading wraps them around); Murr refuses them by name.
  Buffer file = LoadFixture("int96_from_spark.parquet");
  auto info = InspectParquet(file);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->columns[0].field, (Field{"a", DataType::kTimestampNs, true, "UTC"}));
  ExpectError(ReadParquet(file), StatusCode::kInvalidArgument,
              "is outside the range of timestamp_ns");
}

}  // namespace
}  // namespace murr
