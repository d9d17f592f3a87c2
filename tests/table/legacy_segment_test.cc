// A table directory written by the build before segment format version 3 (decision 0017),
// committed under tests/fixtures/segment_v2: it opens, reads, takes new (version 3) segments and
// compacts into one.
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

TEST_F(LegacySegmentTest, NewWritesAndCompactionProduceVersion3Segments) {
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

}  // namespace
}  // namespace murr
