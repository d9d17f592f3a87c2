// Hostile and damaged Parquet input: truncations at every offset, flipped bytes in the footer and
// the pages, and crafted claims (sizes, counts, offsets). Every case must give an error or a valid
// batch: no crash, no hang, no out-of-bounds access (run under ASan), no huge allocation.
#include <filesystem>

#include <gtest/gtest.h>

#include "codec/parquet_test_util.h"
#include "codec/parquet_test_writer.h"

namespace murr {
namespace {

using testing::BufferOf;
using testing::BuildParquet;
using testing::Bytes;
using testing::CompactWriter;
using testing::LE32;
using testing::Plain;
using testing::PlainStrings;
using testing::TestColumn;
using testing::TestPage;

// Small limits, as the fuzzer uses: a crafted file cannot make the reader allocate much.
ParquetReadOptions Tight() {
  ParquetReadOptions o;
  o.max_footer_bytes = 1 << 20;
  o.max_page_bytes = 16 << 20;
  o.max_rows = 1 << 20;
  o.max_output_bytes = 64 << 20;
  return o;
}

// Reads and, on success, checks that the batch is internally consistent.
void ReadMustNotCrash(const std::string& bytes) {
  auto r = ReadParquet(BufferOf(bytes), {}, Tight());
  if (r.ok()) {
    Status st = r->Validate();
    EXPECT_TRUE(st.ok()) << st.ToString();
  } else {
    EXPECT_NE(r.status().code(), StatusCode::kInternal) << r.status().ToString();
  }
}

// A small valid file with a dictionary, nulls, strings and two data pages.
std::string ValidFile() {
  TestColumn s;
  s.name = "s";
  s.physical = 6;
  s.converted_type = 0;
  s.pages.push_back(
      {.type = 2, .num_values = 3, .encoding = 0, .body = PlainStrings({"zero", "one", "two"})});
  s.pages.push_back({.type = 0,
                     .num_values = 4,
                     .encoding = 8,
                     .body = LE32(2) + Bytes({0x08, 0x01}) + Bytes({0x02, 0x03, 0x86, 0x00})});
  s.pages.push_back({.type = 3,
                     .num_values = 2,
                     .encoding = 0,
                     .num_nulls = 1,
                     .def_length = 2,
                     .body = Bytes({0x03, 0x02}) + PlainStrings({"x"})});
  TestColumn d;
  d.name = "d";
  d.physical = 5;
  d.repetition = 0;
  d.pages.push_back(
      {.type = 0, .num_values = 6, .encoding = 0, .body = Plain<double>({1, 2, 3, 4, 5, 6})});
  return BuildParquet({s, d}, 6);
}

std::vector<std::string> Corpus() {
  std::vector<std::string> files = {ValidFile()};
  std::string dir = testing::FixturesDir() + "/parquet-testing";
  for (const char* name :
       {"alltypes_plain.parquet", "alltypes_dictionary.parquet", "datapage_v2.snappy.parquet",
        "rle_boolean_encoding.parquet", "lz4_raw_compressed.parquet",
        "hadoop_lz4_compressed.parquet", "byte_stream_split.zstd.parquet",
        "delta_length_byte_array.parquet", "binary.parquet"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + name)) << "missing fixture " << name;
    files.push_back(testing::ReadFileToString(dir + "/" + name));
  }
  return files;
}

size_t FooterStart(const std::string& f) {
  uint32_t len;
  std::memcpy(&len, f.data() + f.size() - 8, 4);
  return f.size() - 8 - len;
}

TEST(ParquetHostile, ValidFileReads) {
  auto r = ReadParquet(BufferOf(ValidFile()), {}, Tight());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_rows, 6);
  EXPECT_EQ(r->columns[0].StringValue(0), "two");
  EXPECT_TRUE(r->columns[0].IsNull(4));
  EXPECT_EQ(r->columns[0].StringValue(5), "x");
  EXPECT_EQ(r->columns[1].Value<double>(5), 6.0);
}

TEST(ParquetHostile, ThreadedReadGivesTheFirstErrorOrTheSameBatch) {
  ParquetReadOptions o = Tight();
  o.num_threads = 4;
  auto r = ReadParquet(BufferOf(ValidFile()), {}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].StringValue(1), "one");
  EXPECT_EQ(r->columns[1].Value<double>(0), 1.0);
  // A damaged second column fails the whole read, threaded or not.
  std::string f = ValidFile();
  size_t footer = FooterStart(f);
  std::string g = f.substr(0, footer - 20) + f.substr(footer);
  EXPECT_FALSE(ReadParquet(BufferOf(g), {}, o).ok());
}

TEST(ParquetHostile, TruncatedAtEveryOffset) {
  for (const std::string& f : Corpus()) {
    for (size_t len = 0; len < f.size(); ++len) {
      auto r = ReadParquet(BufferOf(f.substr(0, len)), {}, Tight());
      EXPECT_FALSE(r.ok()) << len;
    }
  }
}

TEST(ParquetHostile, DataCutOutBeforeAnIntactFooter) {
  // The footer survives but the pages it points at are shortened: offsets point past the data
  // or into the footer. (Cuts that only remove page indexes or bloom filters between the last
  // chunk and the footer leave a readable file, so only most cuts must fail.)
  for (const std::string& f : Corpus()) {
    size_t footer = FooterStart(f);
    int tried = 0, failed = 0;
    for (size_t cut = 4; cut < footer; cut += std::max<size_t>(1, footer / 300)) {
      std::string g = f.substr(0, cut) + f.substr(footer);
      ReadMustNotCrash(g);
      ++tried;
      failed += !ReadParquet(BufferOf(g), {}, Tight()).ok();
    }
    EXPECT_GE(failed * 10, tried * 6) << failed << " of " << tried;
  }
}

TEST(ParquetHostile, TruncatedFooterWithConsistentLength) {
  // The footer is cut and its length field updated to match: the Thrift decoder runs out.
  for (const std::string& f : Corpus()) {
    size_t footer = FooterStart(f);
    size_t len = f.size() - 8 - footer;
    for (size_t keep = 0; keep < len; ++keep) {
      std::string g = f.substr(0, footer + keep) + LE32(static_cast<uint32_t>(keep)) + "PAR1";
      auto r = ReadParquet(BufferOf(g), {}, Tight());
      EXPECT_FALSE(r.ok()) << keep;
    }
  }
}

TEST(ParquetHostile, FlippedFooterBytes) {
  for (const std::string& f : Corpus()) {
    size_t footer = FooterStart(f);
    for (size_t i = footer; i < f.size(); ++i) {
      for (int mask : {0x01, 0x08, 0x40, 0x80, 0xff}) {
        std::string g = f;
        g[i] = static_cast<char>(g[i] ^ mask);
        ReadMustNotCrash(g);
      }
    }
  }
}

TEST(ParquetHostile, FlippedPageBytes) {
  uint64_t x = 0x243F6A8885A308D3ull;
  for (const std::string& f : Corpus()) {
    size_t footer = FooterStart(f);
    for (int trial = 0; trial < 1500; ++trial) {
      std::string g = f;
      int flips = 1 + trial % 3;
      for (int k = 0; k < flips; ++k) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t pos = 4 + x % (footer - 4);
        g[pos] = static_cast<char>(g[pos] ^ (1 + (x >> 32) % 255));
      }
      ReadMustNotCrash(g);
    }
  }
}

TEST(ParquetHostile, FooterLengthPastTheFile) {
  std::string f = ValidFile();
  std::string g = f.substr(0, f.size() - 8) + LE32(0xfffffff0u) + "PAR1";
  auto r = ReadParquet(BufferOf(g));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ReadParquet(BufferOf("PAR1PAR1")).ok());
  EXPECT_FALSE(ReadParquet(BufferOf("")).ok());
  EXPECT_FALSE(ReadParquet(BufferOf(std::string("PAR1") + LE32(0) + "PAR1")).ok());
}

TEST(ParquetHostile, EncryptedFooterIsUnimplemented) {
  std::string f = ValidFile();
  f.replace(f.size() - 4, 4, "PARE");
  auto r = ReadParquet(BufferOf(f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
}

// A footer whose row group claims a huge number of rows, and data pages claiming huge sizes.
TEST(ParquetHostile, HugeRowCountIsRefusedBeforeAllocating) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 0, .num_values = 1, .encoding = 0, .body = Plain<int32_t>({1})});
  std::string f = BuildParquet({c}, int64_t{1} << 40);
  auto r = ReadParquet(BufferOf(f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
  // Under the limit but more rows than the pages hold: an error naming the shortfall.
  std::string g = BuildParquet({c}, 1000);
  auto r2 = ReadParquet(BufferOf(g), {}, Tight());
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("ends after 1 of 1000 rows"), std::string::npos)
      << r2.status().ToString();
}

TEST(ParquetHostile, PageClaimingMoreRowsThanTheRowGroup) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 0, .num_values = 1000000, .encoding = 0, .body = Plain<int32_t>({1})});
  auto r = ReadParquet(BufferOf(BuildParquet({c}, 1)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1000000 values"), std::string::npos)
      << r.status().ToString();
}

TEST(ParquetHostile, PageCountsAreCheckedAgainstTheBytesBeforeTheOutputGrows) {
  // 100M rows claimed, 4 bytes of PLAIN values: refused before 400 MB of output is allocated.
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back(
      {.type = 0, .num_values = 100000000, .encoding = 0, .body = Plain<int32_t>({1})});
  auto r = ReadParquet(BufferOf(BuildParquet({c}, 100000000)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too few for 100000000 values"), std::string::npos)
      << r.status().ToString();
  // The same for an OPTIONAL column whose levels say all rows are valid.
  TestColumn o;
  o.pages.push_back(
      {.type = 0,
       .num_values = 100000000,
       .encoding = 0,
       .body = LE32(5) + Bytes({0x80, 0x84, 0xaf, 0x5f, 0x01}) + Plain<int32_t>({1})});
  auto r2 = ReadParquet(BufferOf(BuildParquet({o}, 100000000)));
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("too few for 100000000 values"), std::string::npos)
      << r2.status().ToString();
}

TEST(ParquetHostile, PageSizeClaimsAreCapped) {
  TestColumn c;
  c.repetition = 0;
  c.codec = 2;  // GZIP: at most ~1032:1
  c.pages.push_back(
      {.type = 0, .num_values = 1, .encoding = 0, .body = "xxxx", .uncompressed_size = 900 << 20});
  auto r = ReadParquet(BufferOf(BuildParquet({c}, 1)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("can hold"), std::string::npos) << r.status().ToString();
  c.codec = 6;  // ZSTD: no ratio bound; the page limit applies
  c.pages[0].uncompressed_size = 2000000000;
  auto r2 = ReadParquet(BufferOf(BuildParquet({c}, 1)), {}, Tight());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kResourceExhausted) << r2.status().ToString();
}

TEST(ParquetHostile, NegativeAndOversizedCounts) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 2, .num_values = -5, .encoding = 0, .body = Plain<int32_t>({1})});
  c.pages.push_back({.type = 0, .num_values = 1, .encoding = 8, .body = Bytes({0, 0x02, 0})});
  auto r = ReadParquet(BufferOf(BuildParquet({c}, 1)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("negative dictionary"), std::string::npos);
  c.pages[0].num_values = 1000000;  // more dictionary values than bytes
  EXPECT_FALSE(ReadParquet(BufferOf(BuildParquet({c}, 1))).ok());
  TestColumn v2;
  v2.pages.push_back(
      {.type = 3, .num_values = 1, .encoding = 0, .def_length = 1000, .body = Plain<int32_t>({1})});
  EXPECT_FALSE(ReadParquet(BufferOf(BuildParquet({v2}, 1))).ok());
  v2.pages[0].def_length = -1;
  EXPECT_FALSE(ReadParquet(BufferOf(BuildParquet({v2}, 1))).ok());
}

TEST(ParquetHostile, SchemaClaimingMoreChildrenThanItHolds) {
  CompactWriter w;
  w.List(2, 12, 2);
  w.BeginElement();
  w.Str(4, "root");
  w.I32(5, 1000000);  // a million children
  w.EndStruct();
  w.BeginElement();
  w.Str(4, "group");
  w.I32(5, 5);
  w.EndStruct();
  w.I64(3, 0);
  w.List(4, 12, 0);
  w.Stop();
  std::string f = "PAR1" + w.bytes() + LE32(static_cast<uint32_t>(w.bytes().size())) + "PAR1";
  auto r = ReadParquet(BufferOf(f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
}

TEST(ParquetHostile, DeeplyNestedSchemaIsRefused) {
  CompactWriter w;
  const int depth = 200;
  w.List(2, 12, depth + 1);
  for (int i = 0; i < depth; ++i) {
    w.BeginElement();
    w.Str(4, "g" + std::to_string(i));
    w.I32(5, 1);
    w.EndStruct();
  }
  w.BeginElement();
  w.I32(1, 1);
  w.I32(3, 0);
  w.Str(4, "leaf");
  w.EndStruct();
  w.I64(3, 0);
  w.List(4, 12, 0);
  w.Stop();
  std::string f = "PAR1" + w.bytes() + LE32(static_cast<uint32_t>(w.bytes().size())) + "PAR1";
  auto r = ReadParquet(BufferOf(f));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("deeper"), std::string::npos) << r.status().ToString();
}

TEST(ParquetHostile, ColumnChunkOffsetsOutsideTheData) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 0, .num_values = 1, .encoding = 0, .body = Plain<int32_t>({1})});
  std::string g = BuildParquet({c}, 1);
  // data_page_offset is field 9 of ColumnMetaData: 0x16 header after field 7; patch its varint.
  size_t footer = FooterStart(g);
  // Find the zigzag varint of offset 4 (0x08) after a field-9 header (delta 2 from 7: 0x26); the
  // first such pair is ColumnChunk.file_offset (field 2), the last is data_page_offset.
  size_t pos = g.rfind(std::string("\x26\x08", 2));
  ASSERT_GT(pos, footer);
  ASSERT_NE(pos, std::string::npos);
  g[pos + 1] = 0x7e;  // offset 63: past the data, inside the footer
  auto bad = ReadParquet(BufferOf(g));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("outside the file's data"), std::string::npos)
      << bad.status().ToString();
}

TEST(ParquetHostile, LimitsAreConfigurable) {
  std::string f = ValidFile();
  ParquetReadOptions o;
  o.max_footer_bytes = 10;
  auto r = ReadParquet(BufferOf(f), {}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  o = ParquetReadOptions();
  o.max_rows = 5;
  EXPECT_EQ(ReadParquet(BufferOf(f), {}, o).status().code(), StatusCode::kResourceExhausted);
  o = ParquetReadOptions();
  o.max_output_bytes = 6 * 8;  // the double column alone fits; with the strings it does not
  EXPECT_TRUE(ReadParquet(BufferOf(f), {"d"}, o).ok());
  EXPECT_EQ(ReadParquet(BufferOf(f), {}, o).status().code(), StatusCode::kResourceExhausted);
  o = ParquetReadOptions();
  o.max_page_bytes = 8;
  EXPECT_EQ(ReadParquet(BufferOf(f), {"d"}, o).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace murr
