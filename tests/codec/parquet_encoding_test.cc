// The value and level decoders, from byte sequences built by hand after the Parquet spec
// (Encodings.md), and each encoding end to end through a minimal file.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "codec/parquet_test_util.h"
#include "codec/parquet_test_writer.h"
#include "murr/codec/parquet/encoding.h"

namespace murr::parquet {
namespace {

using testing::BufferOf;
using testing::BuildParquet;
using testing::Bytes;
using testing::LE32;
using testing::Plain;
using testing::PlainStrings;
using testing::TestColumn;
using testing::TestPage;

const uint8_t* U(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

TEST(ParquetEncoding, BitPackedRunFromTheSpec) {
  // Spec example: 0..7 with bit width 3 packs to 10001000 11000110 11111010.
  std::string s = Bytes({0x03, 0x88, 0xc6, 0xfa});  // header: 1 group of 8, bit-packed
  RleBitPackedDecoder dec(U(s), s.size(), 3);
  uint32_t out[8];
  ASSERT_TRUE(dec.Decode(out, 8).ok());
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(out[i], i);
  uint32_t more;
  EXPECT_FALSE(dec.Decode(&more, 1).ok());  // the data ends
}

TEST(ParquetEncoding, RleRunsThenBitPacked) {
  // RLE run of 5 x 4 (header 5<<1, one value byte), RLE run of 300 x 1 (varint header 600),
  // then 8 bit-packed values of width 1: 1,0,1,1,0,0,0,1 -> 0b10001101.
  std::string s = Bytes({0x0a, 0x04, 0xd8, 0x04, 0x01, 0x03, 0x8d});
  RleBitPackedDecoder dec(U(s), s.size(), 3);
  std::vector<uint32_t> out(305);
  ASSERT_TRUE(dec.Decode(out.data(), 305).ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], 4u);
  for (int i = 5; i < 305; ++i) EXPECT_EQ(out[i], 1u);
  // Bit width 1 for the literal part needs its own decoder (bit width is per stream).
  std::string lit = Bytes({0x03, 0x8d});
  RleBitPackedDecoder d1(U(lit), lit.size(), 1);
  uint32_t b[8];
  ASSERT_TRUE(d1.Decode(b, 8).ok());
  uint32_t want[8] = {1, 0, 1, 1, 0, 0, 0, 1};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b[i], want[i]) << i;
}

TEST(ParquetEncoding, RleValueWiderThanBitWidthIsAnError) {
  std::string s = Bytes({0x02, 0x09});  // run of 1 x 9 with bit width 3
  RleBitPackedDecoder dec(U(s), s.size(), 3);
  uint32_t v;
  EXPECT_FALSE(dec.Decode(&v, 1).ok());
}

TEST(ParquetEncoding, RleWideValuesAndWidthZero) {
  // Bit width 20: run value in 3 bytes.
  std::string s = Bytes({0x04, 0x56, 0x34, 0x0f});
  RleBitPackedDecoder dec(U(s), s.size(), 20);
  uint32_t v[2];
  ASSERT_TRUE(dec.Decode(v, 2).ok());
  EXPECT_EQ(v[0], 0x0f3456u);
  EXPECT_EQ(v[1], 0x0f3456u);
  // Bit width 0: a bit-packed run of 2 groups holds 16 zeros and no bytes.
  std::string z = Bytes({0x05});
  RleBitPackedDecoder d0(U(z), z.size(), 0);
  uint32_t zeros[16];
  ASSERT_TRUE(d0.Decode(zeros, 16).ok());
  for (uint32_t x : zeros) EXPECT_EQ(x, 0u);
  RleBitPackedDecoder bad(U(z), z.size(), 33);
  EXPECT_FALSE(bad.Decode(zeros, 1).ok());
}

TEST(ParquetEncoding, HugeRunCountsDoNotAllocate) {
  // An RLE run claiming 2^31 - 1 values; only the requested 3 are produced.
  std::string s = Bytes({0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01});
  RleBitPackedDecoder dec(U(s), s.size(), 1);
  uint32_t v[3];
  ASSERT_TRUE(dec.Decode(v, 3).ok());
  EXPECT_EQ(v[2], 1u);
  // A bit-packed run claiming far more groups than bytes keeps only what is there.
  std::string t = Bytes({0xff, 0xff, 0x03, 0xff});
  RleBitPackedDecoder d2(U(t), t.size(), 1);
  uint32_t w[9];
  ASSERT_TRUE(d2.Decode(w, 8).ok());
  EXPECT_FALSE(d2.Decode(w, 1).ok());
}

TEST(ParquetEncoding, UnpackOneAtEveryWidth) {
  std::string buf(64 * 9, '\0');
  for (int width = 1; width <= 64; ++width) {
    std::fill(buf.begin(), buf.end(), '\0');
    uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    // Pack values i * 0x9E3779B97F4A7C15 (masked) LSB-first, by hand.
    std::vector<uint64_t> vals(8);
    for (int i = 0; i < 8; ++i) vals[i] = (0x9E3779B97F4A7C15ull * (i + 1)) & mask;
    for (int i = 0; i < 8; ++i) {
      for (int b = 0; b < width; ++b) {
        if ((vals[i] >> b) & 1) {
          size_t bit = static_cast<size_t>(i) * width + b;
          buf[bit / 8] = static_cast<char>(buf[bit / 8] | (1 << (bit % 8)));
        }
      }
    }
    size_t bytes = static_cast<size_t>(width);  // 8 values x width bits
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(UnpackOne(U(buf), bytes, i, width), vals[i]) << "width " << width << " i " << i;
    }
  }
}

TEST(ParquetEncoding, DeltaBinaryPackedSpecExamples) {
  // 1, 2, 3, 4, 5: block 128, 4 miniblocks, 5 values, first 1; min delta 1; widths 0.
  std::string a = Bytes({0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0});
  DeltaBinaryPackedDecoder d;
  ASSERT_TRUE(d.Init(U(a), a.size(), 100).ok());
  int64_t out[8];
  ASSERT_TRUE(d.Decode(out, 5).ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], i + 1);
  EXPECT_EQ(d.position(), a.size());

  // 7, 5, 3, 1, 2, 3, 4, 5: min delta -2, relative deltas 0 0 0 3 3 3 3 at width 2.
  std::string b =
      Bytes({0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 2, 0, 0, 0, 0xc0, 0xff, 0, 0, 0, 0, 0, 0, 0xaa});
  DeltaBinaryPackedDecoder e;
  ASSERT_TRUE(e.Init(U(b), b.size(), 100).ok());
  EXPECT_EQ(e.total_values(), 8);
  ASSERT_TRUE(e.Decode(out, 3).ok());  // in pieces
  ASSERT_TRUE(e.Decode(out + 3, 5).ok());
  int64_t want[8] = {7, 5, 3, 1, 2, 3, 4, 5};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i], want[i]) << i;
  EXPECT_EQ(e.position(), b.size() - 1);  // the 0xaa after the miniblock is not consumed
  EXPECT_FALSE(e.Decode(out, 1).ok());
}

TEST(ParquetEncoding, DeltaBinaryPackedWrapsAround) {
  // INT64_MAX then +1 (wraps to INT64_MIN): block 128/4, 2 values, first = INT64_MAX, min delta 1.
  testing::CompactWriter w;
  w.Varint(128);
  w.Varint(4);
  w.Varint(2);
  w.ZigZag(INT64_MAX);
  w.ZigZag(1);
  w.bytes() += std::string(4, '\0');
  DeltaBinaryPackedDecoder d;
  ASSERT_TRUE(d.Init(U(w.bytes()), w.bytes().size(), 2).ok());
  int64_t out[2];
  ASSERT_TRUE(d.Decode(out, 2).ok());
  EXPECT_EQ(out[0], INT64_MAX);
  EXPECT_EQ(out[1], INT64_MIN);
}

TEST(ParquetEncoding, DeltaBinaryPackedRejectsBadHeaders) {
  DeltaBinaryPackedDecoder d;
  std::string zero_block = Bytes({0x00, 0x04, 0x01, 0x00});
  EXPECT_FALSE(d.Init(U(zero_block), zero_block.size(), 10).ok());
  std::string odd = Bytes({0x80, 0x01, 0x03, 0x01, 0x00});  // 128 / 3 miniblocks
  EXPECT_FALSE(d.Init(U(odd), odd.size(), 10).ok());
  std::string many = Bytes({0x80, 0x01, 0x04, 0xff, 0xff, 0xff, 0x7f, 0x00});  // 268M values
  EXPECT_FALSE(d.Init(U(many), many.size(), 1000).ok());
  std::string wide = Bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 65, 0, 0, 0});  // width 65
  ASSERT_TRUE(d.Init(U(wide), wide.size(), 10).ok());
  int64_t out[3];
  EXPECT_FALSE(d.Decode(out, 3).ok());
  std::string truncated = Bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 8, 0, 0, 0, 1, 2});
  ASSERT_TRUE(d.Init(U(truncated), truncated.size(), 10).ok());
  EXPECT_FALSE(d.Decode(out, 3).ok());
}

TEST(ParquetEncoding, ByteStreamSplit) {
  float vals[3] = {1.5f, -2.25f, std::numeric_limits<float>::infinity()};
  uint8_t raw[12];
  std::memcpy(raw, vals, 12);
  std::string split(12, '\0');
  for (int i = 0; i < 3; ++i) {
    for (int b = 0; b < 4; ++b) split[b * 3 + i] = static_cast<char>(raw[i * 4 + b]);
  }
  float out[3];
  ASSERT_TRUE(ByteStreamSplitDecode(U(split), 12, 4, 3, reinterpret_cast<uint8_t*>(out)).ok());
  EXPECT_EQ(std::memcmp(out, vals, 12), 0);
  EXPECT_FALSE(ByteStreamSplitDecode(U(split), 11, 4, 3, reinterpret_cast<uint8_t*>(out)).ok());
}

// ---- Each encoding end to end through a one-column file ----

Result<Batch> ReadOne(const TestColumn& c, int64_t rows) {
  std::string f = BuildParquet({c}, rows);
  return ReadParquet(BufferOf(f));
}

TEST(ParquetEncodingFile, PlainRequiredInt32) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back(
      {.type = 0, .num_values = 3, .encoding = 0, .body = Plain<int32_t>({7, -1, 42})});
  auto r = ReadOne(c, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->fields[0].nullable);
  EXPECT_EQ(r->columns[0].null_count, 0);
  EXPECT_TRUE(r->columns[0].validity.empty());
  EXPECT_EQ(r->columns[0].Value<int32_t>(2), 42);
}

TEST(ParquetEncodingFile, OptionalWithRleLevelsAndPlainValues) {
  // Levels 1,0,1,1,0 bit-packed (one group): 0b00001101 = 0x0d, preceded by the 4-byte length.
  TestColumn c;
  c.physical = 5;  // DOUBLE
  std::string levels = Bytes({0x03, 0x0d});
  c.pages.push_back({.type = 0,
                     .num_values = 5,
                     .encoding = 0,
                     .body = LE32(2) + levels + Plain<double>({1.5, -0.0, 3e300})});
  auto r = ReadOne(c, 5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Column& col = r->columns[0];
  EXPECT_EQ(col.null_count, 2);
  EXPECT_EQ(col.Value<double>(0), 1.5);
  EXPECT_TRUE(col.IsNull(1));
  EXPECT_TRUE(std::signbit(col.Value<double>(2)));
  EXPECT_EQ(col.Value<double>(3), 3e300);
  EXPECT_TRUE(col.IsNull(4));
}

TEST(ParquetEncodingFile, DeprecatedBitPackedLevels) {
  // BIT_PACKED levels are MSB-first: 1,0,1,1,0 -> 0b10110000.
  TestColumn c;
  c.pages.push_back({.type = 0,
                     .num_values = 5,
                     .encoding = 0,
                     .def_encoding = 4,
                     .body = Bytes({0xb0}) + Plain<int32_t>({10, 30, 40})});
  auto r = ReadOne(c, 5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Column& col = r->columns[0];
  EXPECT_EQ(col.Value<int32_t>(0), 10);
  EXPECT_TRUE(col.IsNull(1));
  EXPECT_EQ(col.Value<int32_t>(2), 30);
  EXPECT_EQ(col.Value<int32_t>(3), 40);
  EXPECT_TRUE(col.IsNull(4));
}

TEST(ParquetEncodingFile, DictionaryStringsV1AndV2Pages) {
  TestColumn c;
  c.physical = 6;
  c.converted_type = 0;  // UTF8
  c.pages.push_back(
      {.type = 2, .num_values = 3, .encoding = 0, .body = PlainStrings({"zero", "één", ""})});
  // v1: levels all 1 (RLE run of 4), indices width 2: bit-packed 2,1,0,2 -> 0b10000110, 0x00.
  c.pages.push_back({.type = 0,
                     .num_values = 4,
                     .encoding = 8,
                     .body = LE32(2) + Bytes({0x08, 0x01}) + Bytes({0x02, 0x03, 0x86, 0x00})});
  // v2: levels 0,1 (bit-packed group: 0b10 = 0x02), no length prefix; one index 1 as RLE run.
  c.pages.push_back({.type = 3,
                     .num_values = 2,
                     .encoding = 8,
                     .num_nulls = 1,
                     .def_length = 2,
                     .body = Bytes({0x03, 0x02}) + Bytes({0x01, 0x02, 0x01})});
  auto r = ReadOne(c, 6);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Column& col = r->columns[0];
  ASSERT_EQ(col.length, 6);
  EXPECT_EQ(col.StringValue(0), "");
  EXPECT_EQ(col.StringValue(1), "één");
  EXPECT_EQ(col.StringValue(2), "zero");
  EXPECT_EQ(col.StringValue(3), "");
  EXPECT_TRUE(col.IsNull(4));
  EXPECT_EQ(col.StringValue(5), "één");
}

TEST(ParquetEncodingFile, DictionaryIndexOutOfRangeIsAnError) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 2, .num_values = 2, .encoding = 0, .body = Plain<int32_t>({5, 6})});
  c.pages.push_back({.type = 0, .num_values = 1, .encoding = 8, .body = Bytes({0x02, 0x02, 0x03})});
  auto r = ReadOne(c, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dictionary index 3"), std::string::npos)
      << r.status().ToString();
}

TEST(ParquetEncodingFile, DataPageWithoutDictionaryIsAnError) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 0, .num_values = 1, .encoding = 8, .body = Bytes({0x01, 0x02, 0x00})});
  auto r = ReadOne(c, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("without a dictionary"), std::string::npos);
}

TEST(ParquetEncodingFile, RleBooleansAndPlainBooleans) {
  TestColumn c;
  c.physical = 0;
  c.repetition = 0;
  // RLE (with 4-byte length): 3 x true, then 2 x false.
  c.pages.push_back({.type = 0,
                     .num_values = 5,
                     .encoding = 3,
                     .body = LE32(4) + Bytes({0x06, 0x01, 0x04, 0x00})});
  // PLAIN: bits 1,0,1 LSB-first.
  c.pages.push_back({.type = 0, .num_values = 3, .encoding = 0, .body = Bytes({0x05})});
  auto r = ReadOne(c, 8);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Column& col = r->columns[0];
  bool want[8] = {true, true, true, false, false, true, false, true};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(col.BoolValue(i), want[i]) << i;
}

TEST(ParquetEncodingFile, NarrowIntegersAreRangeChecked) {
  TestColumn c;
  c.repetition = 0;
  c.converted_type = 15;  // INT_8
  c.pages.push_back(
      {.type = 0, .num_values = 2, .encoding = 0, .body = Plain<int32_t>({-128, 127})});
  auto r = ReadOne(c, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fields[0].type, DataType::kInt8);
  EXPECT_EQ(r->columns[0].Value<int8_t>(0), -128);
  EXPECT_EQ(r->columns[0].Value<int8_t>(1), 127);
  c.pages[0].body = Plain<int32_t>({1, 128});
  auto bad = ReadOne(c, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("out of range for int8"), std::string::npos);
  // UINT_32 reinterprets the INT32 bits.
  c.converted_type = 13;
  c.pages[0].body = Plain<int32_t>({-1, 5});
  auto u = ReadOne(c, 2);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->fields[0].type, DataType::kUInt32);
  EXPECT_EQ(u->columns[0].Value<uint32_t>(0), 4294967295u);
}

TEST(ParquetEncodingFile, DeltaLengthAndDeltaByteArray) {
  TestColumn c;
  c.physical = 6;
  c.repetition = 0;
  c.converted_type = 0;
  // DELTA_LENGTH_BYTE_ARRAY of "ab", "cde": lengths 2, 3 (first 2, min delta 1, width 0).
  std::string dlba = Bytes({0x80, 0x01, 0x04, 0x02, 0x04, 0x02, 0, 0, 0, 0}) + "abcde";
  c.pages.push_back({.type = 0, .num_values = 2, .encoding = 6, .body = dlba});
  // DELTA_BYTE_ARRAY of "apple", "applet", "banana": prefixes 0,5,0 (first 0, deltas 5,-5 ->
  // min -5, relative 10,0 at width 4: 0x0a), suffixes "apple","t","banana" (5,1,6: min delta -4,
  // relative 0,9 at width 4 -> 0x90).
  std::string prefixes = Bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x09, 4, 0, 0, 0});
  prefixes += std::string(1, '\x0a') + std::string(15, '\0');
  std::string suffixes = Bytes({0x80, 0x01, 0x04, 0x03, 0x0a, 0x07, 4, 0, 0, 0});
  suffixes += std::string(1, '\x90') + std::string(15, '\0');
  c.pages.push_back(
      {.type = 0, .num_values = 3, .encoding = 7, .body = prefixes + suffixes + "appletbanana"});
  auto r = ReadOne(c, 5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Column& col = r->columns[0];
  EXPECT_EQ(col.StringValue(0), "ab");
  EXPECT_EQ(col.StringValue(1), "cde");
  EXPECT_EQ(col.StringValue(2), "apple");
  EXPECT_EQ(col.StringValue(3), "applet");
  EXPECT_EQ(col.StringValue(4), "banana");
}

TEST(ParquetEncodingFile, FixedLenByteArrayAsText) {
  TestColumn c;
  c.physical = 7;
  c.type_length = 3;
  c.pages.push_back({.type = 0,
                     .num_values = 3,
                     .encoding = 0,
                     .body = LE32(2) + Bytes({0x06, 0x01}) + "abcxyzqrs"});
  auto r = ReadOne(c, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].StringValue(0), "abc");
  EXPECT_EQ(r->columns[0].StringValue(2), "qrs");
}

TEST(ParquetEncodingFile, FixedLenByteArrayByteStreamSplit) {
  TestColumn c;
  c.physical = 7;
  c.type_length = 2;
  c.repetition = 0;
  // "ab", "cd", "ef" split into the streams "ace" and "bdf".
  c.pages.push_back({.type = 0, .num_values = 3, .encoding = 9, .body = "acebdf"});
  auto r = ReadOne(c, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].StringValue(0), "ab");
  EXPECT_EQ(r->columns[0].StringValue(2), "ef");
  c.type_length = 1 << 30;  // a huge width claim: refused by size, not allocated
  EXPECT_FALSE(ReadOne(c, 3).ok());
}

TEST(ParquetEncodingFile, ByteArrayWithoutAnnotationIsBinaryKeptByteForByte) {
  TestColumn c;
  c.name = "blob";
  c.physical = 6;
  c.repetition = 0;
  c.pages.push_back({.type = 0,
                     .num_values = 2,
                     .encoding = 0,
                     .body = PlainStrings({"ok", std::string("\xff\xfe", 2)})});
  auto r = ReadOne(c, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].type, DataType::kBinary);
  EXPECT_EQ(r->columns[0].StringValue(0), "ok");
  EXPECT_EQ(r->columns[0].StringValue(1), std::string("\xff\xfe", 2));
}

TEST(ParquetEncodingFile, ByteStreamSplitInt32AndUnsupportedEncodings) {
  TestColumn c;
  c.repetition = 0;
  c.pages.push_back({.type = 0,
                     .num_values = 2,
                     .encoding = 9,
                     .body = Bytes({0x01, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0x7f})});
  auto r = ReadOne(c, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].Value<int32_t>(0), 1);
  EXPECT_EQ(r->columns[0].Value<int32_t>(1), INT32_MAX);
  c.pages[0].encoding = 6;  // DELTA_LENGTH_BYTE_ARRAY on INT32
  auto bad = ReadOne(c, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace murr::parquet
