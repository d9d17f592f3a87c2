// Table directories written by earlier builds, committed under tests/fixtures: segment format
// version 2 (before decision 0017) and version 3 (before decision 0026's sparse record columns).
// Each opens, reads the values the old build answered, takes new segments of the current version
// and compacts into one.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/segment/segment.h"
#include "murr/table/table.h"

namespace murr {
namespace {

using testing::CellText;
using testing::TempDir;

std::vector<std::string> Texts(const Column& c) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < c.length; ++i) out.push_back(CellText(c, i).value_or("null"));
  return out;
}

uint32_t FileVersion(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[12] = {};
  in.read(header, 12);
  uint32_t v;
  std::memcpy(&v, header + 8, 4);
  return v;
}

class LegacySegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string src = testing::SourceDir() + "/tests/fixtures/segment_v2/legacy";
    ASSERT_TRUE(std::filesystem::exists(src + "/table.json")) << src;
    std::filesystem::copy(src, dir_.path() + "/legacy", std::filesystem::copy_options::recursive);
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/legacy")) {
      if (e.path().extension() == ".seg") {
        EXPECT_EQ(FileVersion(e.path().string()), kSegmentVersionScalarsOnly) << e.path();
      }
    }
    TableOptions options;
    options.background_compaction = false;
    auto t = Table::Open(dir_.path() + "/legacy", options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    table_ = *t;
  }

  // The values the old build returned for these keys (its JSON fetch, recorded with the fixture).
  void ExpectOriginalValues() {
    auto r = table_->Read({"a", "b", "c", "d", "zz"}, {"id", "b", "i8", "i16", "i32", "i64", "u8",
                                                       "u16", "u32", "u64", "f32", "f64", "s"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const Batch& b = *r;
    using V = std::vector<std::string>;
    EXPECT_EQ(Texts(b.columns[0]), (V{"a", "b", "c", "d", "null"}));
    EXPECT_EQ(Texts(b.columns[1]), (V{"true", "null", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[2]), (V{"-128", "null", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[3]), (V{"-32768", "1", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[4]), (V{"-2147483648", "null", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[5]), (V{"-9223372036854775808", "0", "42", "-7", "null"}));
    EXPECT_EQ(Texts(b.columns[6]), (V{"255", "null", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[7]), (V{"65535", "0", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[8]), (V{"4294967295", "null", "null", "null", "null"}));
    EXPECT_EQ(Texts(b.columns[9]), (V{"18446744073709551615", "0", "null", "null", "null"}));
    EXPECT_EQ(b.columns[10].Value<float>(0), 1.5f);
    EXPECT_EQ(b.columns[10].Value<float>(2), 2.5f);
    EXPECT_TRUE(b.columns[10].IsNull(1) && b.columns[10].IsNull(3));
    EXPECT_EQ(b.columns[11].Value<double>(0), 3.141592653589793);
    EXPECT_EQ(Texts(b.columns[12]),
              (V{"alpha", "null", "replaced", "\xce\xb4\xce\xad\xce\xbb\xcf\x84\xce\xb1", "null"}));
  }

  TempDir dir_;
  std::shared_ptr<Table> table_;
};

TEST_F(LegacySegmentTest, OpensAndReadsTheValuesTheOldBuildWrote) {
  EXPECT_EQ(table_->Stats().segments, 2);
  EXPECT_EQ(table_->Stats().rows, 4);
  ExpectOriginalValues();
}

TEST_F(LegacySegmentTest, NewWritesAndCompactionProduceCurrentVersionSegments) {
  const TableSchema& schema = table_->schema();
  Batch w;
  w.num_rows = 1;
  for (const char* name : {"id", "i64"}) {
    const ColumnSchema& cs = schema.columns()[schema.FindColumn(name)];
    w.fields.push_back({cs.name, cs.type, cs.nullable});
  }
  ColumnBuilder id(DataType::kUtf8), i64(DataType::kInt64);
  ASSERT_TRUE(id.AppendString("e").ok());
  i64.Append<int64_t>(5);
  w.columns = {id.Finish(), i64.Finish()};
  ASSERT_TRUE(table_->Write({w}).ok());
  ASSERT_TRUE(table_->CompactAll().ok());
  EXPECT_EQ(table_->Stats().segments, 1);
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/legacy")) {
    if (e.path().extension() == ".seg") {
      EXPECT_EQ(FileVersion(e.path().string()), kSegmentVersion) << e.path();
    }
  }
  ExpectOriginalValues();
  auto r = table_->Read({"e"}, {"i64"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->columns[0].Value<int64_t>(0), 5);
}

// Version 3: all-null scalar columns (the first segment's u16, the columns the second write left
// out) sit in the record block with their validity bits clear; an omitted fixed-size list (e)
// takes no bytes.
class LegacyV3SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string src = testing::SourceDir() + "/tests/fixtures/segment_v3/sparse";
    ASSERT_TRUE(std::filesystem::exists(src + "/table.json")) << src;
    std::filesystem::copy(src, dir_.path() + "/sparse", std::filesystem::copy_options::recursive);
    int segments = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/sparse")) {
      if (e.path().extension() == ".seg") {
        EXPECT_EQ(FileVersion(e.path().string()), kSegmentVersionFixedLists) << e.path();
        ++segments;
      }
    }
    EXPECT_EQ(segments, 2);
    TableOptions options;
    options.background_compaction = false;
    auto t = Table::Open(dir_.path() + "/sparse", options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    table_ = *t;
  }

  // What the version 3 build's fetch of a, b, c, d, zz answered (the fixture's README).
  void ExpectOriginalValues() {
    auto r = table_->Read({"a", "b", "c", "d", "zz"},
                          {"id", "i64", "f32", "h", "d", "t", "bin", "flag", "u16", "s", "e"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const Batch& b = *r;
    using V = std::vector<std::string>;
    EXPECT_EQ(Texts(b.columns[0]), (V{"a", "b", "c", "d", "null"}));
    EXPECT_EQ(Texts(b.columns[1]), (V{"1", "2", "30", "4", "null"}));
    for (int c = 2; c <= 6; ++c) {
      EXPECT_TRUE(b.columns[c].IsValid(0)) << c;
      for (int row = 1; row < 5; ++row) EXPECT_TRUE(b.columns[c].IsNull(row)) << c << " " << row;
    }
    EXPECT_EQ(b.columns[2].Value<float>(0), 1.5f);
    EXPECT_EQ(b.columns[3].Value<uint16_t>(0), 0x3800);  // binary16 0.5
    EXPECT_EQ(b.columns[4].Value<int32_t>(0), 20788);    // 2026-12-01
    EXPECT_EQ(b.columns[5].Value<int64_t>(0), 1796119200123);
    EXPECT_EQ(b.columns[6].StringValue(0), std::string_view("\x00\x01\x02", 3));
    EXPECT_EQ(Texts(b.columns[7]), (V{"true", "false", "false", "true", "null"}));
    EXPECT_EQ(b.columns[8].null_count, 5);
    EXPECT_EQ(Texts(b.columns[9]),
              (V{"x", "null", "replaced", "\xce\xb4\xce\xad\xce\xbb\xcf\x84\xce\xb1", "null"}));
    ASSERT_TRUE(b.columns[10].IsValid(0));
    EXPECT_EQ(b.columns[10].Value<float>(0), 1.0f);
    EXPECT_EQ(b.columns[10].Value<float>(2), 3.0f);
    for (int row = 1; row < 5; ++row) EXPECT_TRUE(b.columns[10].IsNull(row));
  }

  TempDir dir_;
  std::shared_ptr<Table> table_;
};

TEST_F(LegacyV3SegmentTest, OpensAndReadsTheValuesTheOldBuildWrote) {
  EXPECT_EQ(table_->Stats().segments, 2);
  EXPECT_EQ(table_->Stats().rows, 4);
  ExpectOriginalValues();
}

TEST_F(LegacyV3SegmentTest, NewSparseWritesAndCompactionProduceCurrentVersionSegments) {
  const TableSchema& schema = table_->schema();
  Batch w;
  w.num_rows = 1;
  for (const char* name : {"id", "i64", "u16"}) {
    const ColumnSchema& cs = schema.columns()[schema.FindColumn(name)];
    w.fields.push_back({cs.name, cs.type, cs.nullable});
  }
  ColumnBuilder id(DataType::kUtf8), i64(DataType::kInt64), u16(DataType::kUInt16);
  ASSERT_TRUE(id.AppendString("e").ok());
  i64.Append<int64_t>(5);
  u16.Append<uint16_t>(65535);
  w.columns = {id.Finish(), i64.Finish(), u16.Finish()};
  ASSERT_TRUE(table_->Write({w}).ok());
  // A version 4 segment next to the version 3 ones: three layouts in one read.
  ExpectOriginalValues();
  auto r = table_->Read({"e", "a"}, {"u16", "f32", "i64"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->columns[0].Value<uint16_t>(0), 65535);
  EXPECT_TRUE(r->columns[0].IsNull(1));
  EXPECT_TRUE(r->columns[1].IsNull(0));
  EXPECT_EQ(r->columns[1].Value<float>(1), 1.5f);
  EXPECT_EQ(r->columns[2].Value<int64_t>(0), 5);
  ASSERT_TRUE(table_->CompactAll().ok());
  EXPECT_EQ(table_->Stats().segments, 1);
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/sparse")) {
    if (e.path().extension() == ".seg") {
      EXPECT_EQ(FileVersion(e.path().string()), kSegmentVersion) << e.path();
    }
  }
  ExpectOriginalValues();
}

}  // namespace
}  // namespace murr
