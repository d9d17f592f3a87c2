// The Parquet reader against files written by other implementations (parquet-mr, Impala, Spark,
// parquet-cpp, arrow-rs, pyarrow): tests/fixtures/parquet-testing (and pyarrow/), with DuckDB's
// reading of each file in expected/NAME.json as the oracle.
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "codec/parquet_test_util.h"

namespace murr {
namespace {

using testing::CompareColumn;
using testing::LoadFile;

std::string ParquetDir() {
  return testing::FixturesDir() + "/parquet-testing";
}

// A committed fixture must be there: a missing one fails the test.
#define REQUIRE_FIXTURES()                                                       \
  ASSERT_TRUE(std::filesystem::exists(ParquetDir() + "/alltypes_plain.parquet")) \
      << "fixtures missing at " << ParquetDir()

struct FixtureCase {
  std::string file;
  std::string expected;  // expected/*.json to compare with
  // Columns Murr cannot read -> the status code reading them gives.
  std::map<std::string, StatusCode> unsupported;
};

std::vector<FixtureCase> Cases() {
  const std::map<std::string, StatusCode> kInt96 = {};  // INT96 timestamps are read (as UTC ns)
  return {
      {"alltypes_plain.parquet", "alltypes_plain.parquet.json", kInt96},
      {"alltypes_plain.snappy.parquet", "alltypes_plain.snappy.parquet.json", kInt96},
      {"alltypes_dictionary.parquet", "alltypes_dictionary.parquet.json", kInt96},
      {"binary.parquet", "binary.parquet.json", {}},
      {"byte_stream_split.zstd.parquet", "byte_stream_split.zstd.parquet.json", {}},
      {"datapage_v2.snappy.parquet", "datapage_v2.snappy.parquet.json", {}},
      {"delta_binary_packed.parquet", "delta_binary_packed.parquet.json", {}},
      {"delta_byte_array.parquet", "delta_byte_array.parquet.json", {}},
      {"delta_length_byte_array.parquet", "delta_length_byte_array.parquet.json", {}},
      {"lz4_raw_compressed.parquet", "lz4_raw_compressed.parquet.json", {}},
      {"hadoop_lz4_compressed.parquet", "lz4_raw_compressed.parquet.json", {}},
      {"non_hadoop_lz4_compressed.parquet", "lz4_raw_compressed.parquet.json", {}},
      {"../pyarrow/murr_example.parquet", "../../pyarrow/expected/murr_example.parquet.json", {}},
      {"rle_boolean_encoding.parquet", "rle_boolean_encoding.parquet.json", {}},
      {"int32_decimal.parquet",
       "int32_decimal.parquet.json",
       {{"value", StatusCode::kUnimplemented}}},
      {"nested_lists.snappy.parquet",
       "nested_lists.snappy.parquet.json",
       {{"a", StatusCode::kUnimplemented}}},
      {"nulls.snappy.parquet",
       "nulls.snappy.parquet.json",
       {{"b_struct", StatusCode::kUnimplemented}}},
  };
}

void PrintTo(const FixtureCase& fc, std::ostream* os) {
  *os << fc.file;
}

class ParquetFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(ParquetFixtureTest, ReadsExactlyWhatDuckDBReads) {
  REQUIRE_FIXTURES();
  const FixtureCase& fc = GetParam();
  ASSERT_TRUE(std::filesystem::exists(ParquetDir() + "/" + fc.file)) << fc.file;
  Buffer file = LoadFile(ParquetDir() + "/" + fc.file);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(ParquetDir() + "/expected/" + fc.expected);
  simdjson::dom::array cols = doc["columns"].get_array();
  simdjson::dom::array rows = doc["rows"].get_array();

  std::vector<std::string> readable;
  std::vector<size_t> readable_index;
  std::vector<bool> blob;
  size_t i = 0;
  for (simdjson::dom::element c : cols) {
    std::string name(std::string_view(c["name"].get_string()));
    std::string duck(std::string_view(c["duckdb_type"].get_string()));
    auto it = fc.unsupported.find(name);
    if (it != fc.unsupported.end()) {
      auto r = ReadParquet(file, {name});
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(r.status().code(), it->second) << r.status().ToString();
      EXPECT_NE(r.status().message().find("'" + name + "'"), std::string::npos)
          << "error should name the column: " << r.status().ToString();
    } else {
      readable.push_back(name);
      readable_index.push_back(i);
      blob.push_back(duck == "BLOB");
    }
    ++i;
  }
  if (!fc.unsupported.empty()) {
    // Reading everything fails on the first unsupported column, naming it.
    auto all = ReadParquet(file);
    ASSERT_FALSE(all.ok());
    auto schema = ReadParquetSchema(file);
    ASSERT_FALSE(schema.ok());
  }

  if (readable.empty()) return;  // (an empty list would mean "all columns")
  auto result = ReadParquet(file, readable);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Batch& batch = *result;
  ASSERT_TRUE(batch.Validate().ok());
  EXPECT_EQ(batch.num_rows, static_cast<int64_t>(rows.size()));
  ASSERT_EQ(batch.columns.size(), readable.size());
  for (size_t k = 0; k < readable.size(); ++k) {
    EXPECT_EQ(batch.fields[k].name, readable[k]);
    std::string diff = CompareColumn(batch.columns[k], rows, readable_index[k], blob[k]);
    EXPECT_EQ(diff, "") << fc.file << " column " << readable[k];
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ParquetFixtureTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<FixtureCase>& info) {
                           std::string n = info.param.file;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(ParquetFixtureTypes, AllTypesMapOntoMurrTypes) {
  REQUIRE_FIXTURES();
  auto info = InspectParquet(LoadFile(ParquetDir() + "/alltypes_plain.parquet"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->num_rows, 8);
  std::map<std::string, DataType> want = {{"id", DataType::kInt32},
                                          {"bool_col", DataType::kBool},
                                          {"tinyint_col", DataType::kInt32},
                                          {"bigint_col", DataType::kInt64},
                                          {"float_col", DataType::kFloat32},
                                          {"double_col", DataType::kFloat64},
                                          {"string_col", DataType::kBinary},
                                          {"date_string_col", DataType::kBinary},
                                          {"timestamp_col", DataType::kTimestampNs}};
  for (const auto& c : info->columns) {
    if (c.name == "timestamp_col") {
      EXPECT_EQ(c.field.timezone, "UTC");
    }
    ASSERT_TRUE(c.supported.ok()) << c.supported.ToString();
    if (want.count(c.name)) {
      EXPECT_EQ(c.field.type, want[c.name]) << c.name;
    }
    EXPECT_TRUE(c.field.nullable) << c.name;
  }
}

TEST(ParquetFixtureTypes, DecimalErrorNamesTheType) {
  REQUIRE_FIXTURES();
  auto r = ReadParquet(LoadFile(ParquetDir() + "/int32_decimal.parquet"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("DECIMAL"), std::string::npos) << r.status().ToString();
}

TEST(ParquetFixtureTypes, ListOfInt32IsAnInt32List) {
  REQUIRE_FIXTURES();
  auto r = ReadParquet(LoadFile(ParquetDir() + "/datapage_v2.snappy.parquet"), {"e"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fields[0], (Field{"e", DataType::List(TypeId::kInt32), true}));
}

TEST(ParquetFixtureTypes, UnknownColumnIsInvalidArgumentNamingIt) {
  REQUIRE_FIXTURES();
  auto r = ReadParquet(LoadFile(testing::FixturesDir() + "/pyarrow/murr_example.parquet"),
                       {"key", "nope"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'nope'"), std::string::npos);
}

TEST(ParquetFixtureTypes, ColumnsComeInRequestOrder) {
  REQUIRE_FIXTURES();
  auto r = ReadParquet(LoadFile(testing::FixturesDir() + "/pyarrow/murr_example.parquet"),
                       {"value", "key"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->fields.size(), 2u);
  EXPECT_EQ(r->fields[0], (Field{"value", DataType::kInt64, true}));
  EXPECT_EQ(r->fields[1].name, "key");
  EXPECT_EQ(r->columns[1].StringValue(9998), "key9999");
  EXPECT_EQ(r->columns[0].Value<int64_t>(0), 1);
}

TEST(ParquetFixtureBad, DamagedFilesGiveErrors) {
  REQUIRE_FIXTURES();
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ParquetDir() + "/bad")) {
    Buffer file = LoadFile(entry.path().string());
    auto r = ReadParquet(file);
    EXPECT_FALSE(r.ok()) << entry.path();
    std::cout << entry.path().filename() << ": " << r.status().ToString() << "\n";
    // Each readable column on its own reaches the damaged pages; none may crash.
    auto info = InspectParquet(file);
    if (info.ok()) {
      for (const auto& c : info->columns) {
        if (!c.supported.ok()) continue;
        auto one = ReadParquet(file, {c.name});
        std::cout << "  " << c.name << ": " << one.status().ToString() << "\n";
        if (one.ok()) {
          EXPECT_TRUE(one->Validate().ok());
        }
      }
    }
    if (!r.ok()) {
      EXPECT_NE(r.status().code(), StatusCode::kInternal) << r.status().ToString();
    }
    ++n;
  }
  EXPECT_GE(n, 5);
}

}  // namespace
}  // namespace murr
