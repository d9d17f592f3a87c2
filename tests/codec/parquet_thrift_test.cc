// Thrift compact protocol decoding and the Parquet metadata structs, from hand-built bytes.
#include <gtest/gtest.h>

#include "codec/parquet_test_writer.h"
#include "murr/codec/parquet/metadata.h"
#include "murr/codec/parquet/thrift_compact.h"

namespace murr::parquet {
namespace {

using testing::Bytes;
using testing::CompactWriter;

ThriftCompactReader Reader(const std::string& s) {
  return ThriftCompactReader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(ParquetThrift, ZigZagVarints) {
  std::string s = Bytes({0x00, 0x01, 0x02, 0x03, 0xac, 0x02, 0xfe, 0xff, 0xff, 0xff, 0x0f});
  auto r = Reader(s);
  int32_t v;
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, 1);
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, 150);  // 300 zigzag
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, INT32_MAX);  // 0xfffffffe zigzag
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_FALSE(r.ReadI32(&v).ok());
}

TEST(ParquetThrift, I64ExtremesAndOverflow) {
  CompactWriter w;
  w.ZigZag(INT64_MIN);
  w.ZigZag(INT64_MAX);
  auto r = Reader(w.bytes());
  int64_t v;
  ASSERT_TRUE(r.ReadI64(&v).ok());
  EXPECT_EQ(v, INT64_MIN);
  ASSERT_TRUE(r.ReadI64(&v).ok());
  EXPECT_EQ(v, INT64_MAX);
  // 11 continuation bytes: longer than any 64-bit varint.
  std::string too_long(11, '\xff');
  auto r2 = Reader(too_long);
  EXPECT_FALSE(r2.ReadI64(&v).ok());
  // An i64 that does not fit an i32 field.
  CompactWriter w2;
  w2.ZigZag(int64_t{1} << 40);
  auto r3 = Reader(w2.bytes());
  int32_t v32;
  EXPECT_FALSE(r3.ReadI32(&v32).ok());
}

TEST(ParquetThrift, FieldHeadersShortAndLongForm) {
  // field 1 i32 = 5 (delta form), field 20 i32 = 2 (long form: type byte, zigzag id),
  // field 21 bool true (delta), field 22 bool false, stop.
  std::string s = Bytes({0x15, 0x0a, 0x05, 0x28, 0x04, 0x11, 0x12, 0x00});
  auto r = Reader(s);
  int16_t last = 0;
  ThriftFieldHeader h;
  ASSERT_TRUE(r.ReadFieldHeader(&last, &h).ok());
  EXPECT_EQ(h.id, 1);
  EXPECT_EQ(h.type, ThriftType::kI32);
  int32_t v;
  ASSERT_TRUE(r.ReadI32Field(h, &v).ok());
  EXPECT_EQ(v, 5);
  ASSERT_TRUE(r.ReadFieldHeader(&last, &h).ok());
  EXPECT_EQ(h.id, 20);
  ASSERT_TRUE(r.ReadI32Field(h, &v).ok());
  EXPECT_EQ(v, 2);
  bool b;
  ASSERT_TRUE(r.ReadFieldHeader(&last, &h).ok());
  EXPECT_EQ(h.id, 21);
  ASSERT_TRUE(r.ReadBoolField(h, &b).ok());
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.ReadFieldHeader(&last, &h).ok());
  EXPECT_EQ(h.id, 22);
  ASSERT_TRUE(r.ReadBoolField(h, &b).ok());
  EXPECT_FALSE(b);
  ASSERT_TRUE(r.ReadFieldHeader(&last, &h).ok());
  EXPECT_EQ(h.type, ThriftType::kStop);
}

TEST(ParquetThrift, WrongWireTypeIsAnError) {
  std::string s = Bytes({0x16, 0x0a});  // field 1 as i64
  auto r = Reader(s);
  int16_t last = 0;
  ThriftFieldHeader h;
  ASSERT_TRUE(r.ReadFieldHeader(&last, &h).ok());
  int32_t v;
  Status st = r.ReadI32Field(h, &v);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

TEST(ParquetThrift, ListHeaders) {
  // 3 x i32 (short form), then 20 x i32 (long form).
  std::string s = Bytes({0x35, 0x02, 0x04, 0x06, 0xf5, 0x14});
  s += std::string(20, '\x00');
  auto r = Reader(s);
  ThriftListHeader lh;
  ASSERT_TRUE(r.ReadListHeader(&lh).ok());
  EXPECT_EQ(lh.size, 3u);
  EXPECT_EQ(lh.elem_type, ThriftType::kI32);
  int32_t v;
  for (int want : {1, 2, 3}) {
    ASSERT_TRUE(r.ReadI32(&v).ok());
    EXPECT_EQ(v, want);
  }
  ASSERT_TRUE(r.ReadListHeader(&lh).ok());
  EXPECT_EQ(lh.size, 20u);
}

TEST(ParquetThrift, ListLongerThanTheBytesLeftIsRefusedBeforeAllocating) {
  // Claims 2^31 structs in 3 bytes.
  CompactWriter w;
  w.bytes().push_back(static_cast<char>(0xfc));
  w.Varint(uint64_t{1} << 31);
  w.bytes() += std::string(3, '\0');
  auto r = Reader(w.bytes());
  ThriftListHeader lh;
  Status st = r.ReadListHeader(&lh);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("list of 2147483648 elements"), std::string::npos) << st.ToString();
}

TEST(ParquetThrift, SkipsEveryTypeOfUnknownField) {
  CompactWriter w;
  w.Header(1, 3);  // byte
  w.bytes().push_back(7);
  w.Header(2, 4);  // i16
  w.ZigZag(-300);
  w.Header(3, 7);  // double
  w.bytes() += std::string(8, '\x01');
  w.Str(4, "hello");
  w.List(5, 1, 3);  // bools
  w.bytes() += Bytes({1, 2, 1});
  w.Header(6, 11);  // map<i32, binary> of 2 entries
  w.Varint(2);
  w.bytes().push_back(0x58);
  w.ZigZag(1);
  w.RawString("a");
  w.ZigZag(2);
  w.RawString("bb");
  w.Header(7, 11);  // empty map
  w.Varint(0);
  w.BeginStruct(8);
  w.List(1, 12, 2);
  w.BeginElement();
  w.I32(1, 9);
  w.EndStruct();
  w.BeginElement();
  w.EndStruct();
  w.EndStruct();
  w.Header(9, 10);  // set of i64
  w.bytes().push_back(0x26);
  w.ZigZag(1);
  w.ZigZag(-1);
  w.Stop();
  auto r = Reader(w.bytes());
  ASSERT_TRUE(r.Skip(ThriftType::kStruct).ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ParquetThrift, DeepNestingIsRefused) {
  CompactWriter w;
  for (int i = 0; i < 100; ++i) w.BeginStruct(1);
  for (int i = 0; i < 100; ++i) w.EndStruct();
  w.Stop();
  auto r = Reader(w.bytes());
  Status st = r.Skip(ThriftType::kStruct);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nested"), std::string::npos) << st.ToString();
  // The same through the metadata decoder (an unknown field 100 levels deep).
  FileMetaData md;
  EXPECT_FALSE(
      DecodeFileMetaData(reinterpret_cast<const uint8_t*>(w.bytes().data()), w.bytes().size(), &md)
          .ok());
}

TEST(ParquetThrift, TruncatedStructsFailAtEveryLength) {
  CompactWriter w;
  w.I32(1, 0);
  w.I32(2, 100);
  w.I32(3, 50);
  w.BeginStruct(5);
  w.I32(1, 10);
  w.I32(2, 0);
  w.I32(3, 3);
  w.I32(4, 3);
  w.EndStruct();
  w.Stop();
  const std::string& s = w.bytes();
  PageHeader h;
  size_t n = 0;
  ASSERT_TRUE(DecodePageHeader(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &h, &n).ok());
  EXPECT_EQ(n, s.size());
  EXPECT_EQ(h.type, kDataPage);
  EXPECT_EQ(h.uncompressed_page_size, 100);
  EXPECT_EQ(h.compressed_page_size, 50);
  ASSERT_TRUE(h.has_data_page);
  EXPECT_EQ(h.data_page.num_values, 10);
  EXPECT_EQ(h.data_page.definition_level_encoding, kRle);
  for (size_t len = 0; len < s.size(); ++len) {
    PageHeader t;
    EXPECT_FALSE(DecodePageHeader(reinterpret_cast<const uint8_t*>(s.data()), len, &t, &n).ok())
        << len;
  }
}

TEST(ParquetThrift, PageHeaderV2AndDictionary) {
  CompactWriter w;
  w.I32(1, 3);
  w.I32(2, 64);
  w.I32(3, 40);
  w.BeginStruct(8);
  w.I32(1, 7);
  w.I32(2, 2);
  w.I32(3, 7);
  w.I32(4, 8);
  w.I32(5, 3);
  w.I32(6, 0);
  w.Bool(7, false);
  w.EndStruct();
  w.Stop();
  PageHeader h;
  size_t n;
  ASSERT_TRUE(
      DecodePageHeader(reinterpret_cast<const uint8_t*>(w.bytes().data()), w.bytes().size(), &h, &n)
          .ok());
  ASSERT_TRUE(h.has_data_page_v2);
  EXPECT_EQ(h.data_page_v2.num_values, 7);
  EXPECT_EQ(h.data_page_v2.num_nulls, 2);
  EXPECT_EQ(h.data_page_v2.encoding, kRleDictionary);
  EXPECT_EQ(h.data_page_v2.definition_levels_byte_length, 3);
  EXPECT_FALSE(h.data_page_v2.is_compressed);

  CompactWriter d;
  d.I32(1, 2);
  d.I32(2, 8);
  d.I32(3, 8);
  d.BeginStruct(7);
  d.I32(1, 2);
  d.I32(2, 0);
  d.Bool(3, true);
  d.EndStruct();
  d.Stop();
  PageHeader dh;
  ASSERT_TRUE(DecodePageHeader(reinterpret_cast<const uint8_t*>(d.bytes().data()), d.bytes().size(),
                               &dh, &n)
                  .ok());
  ASSERT_TRUE(dh.has_dictionary_page);
  EXPECT_EQ(dh.dictionary_page.num_values, 2);
}

TEST(ParquetThrift, NegativePageSizesAreRefused) {
  CompactWriter w;
  w.I32(1, 0);
  w.I32(2, -5);
  w.I32(3, 10);
  w.Stop();
  PageHeader h;
  size_t n;
  EXPECT_FALSE(
      DecodePageHeader(reinterpret_cast<const uint8_t*>(w.bytes().data()), w.bytes().size(), &h, &n)
          .ok());
}

TEST(ParquetThrift, FileMetaDataWithLogicalTypes) {
  CompactWriter w;
  w.I32(1, 1);
  w.List(2, 12, 3);
  w.BeginElement();
  w.Str(4, "root");
  w.I32(5, 2);
  w.EndStruct();
  w.BeginElement();  // INT32 with logicalType INTEGER(16, unsigned)
  w.I32(1, 1);
  w.I32(3, 0);
  w.Str(4, "u");
  w.BeginStruct(10);
  w.BeginStruct(10);
  w.Header(1, 3);
  w.bytes().push_back(16);
  w.Bool(2, false);
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.BeginElement();  // BYTE_ARRAY with logicalType STRING
  w.I32(1, 6);
  w.I32(3, 1);
  w.Str(4, "s");
  w.BeginStruct(10);
  w.BeginStruct(1);
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.I64(3, 0);
  w.List(4, 12, 0);
  w.Str(6, "me");
  w.Stop();
  FileMetaData md;
  ASSERT_TRUE(
      DecodeFileMetaData(reinterpret_cast<const uint8_t*>(w.bytes().data()), w.bytes().size(), &md)
          .ok());
  ASSERT_EQ(md.schema.size(), 3u);
  EXPECT_EQ(md.schema[0].num_children, 2);
  EXPECT_EQ(md.schema[1].logical.kind, kLtInteger);
  EXPECT_EQ(md.schema[1].logical.bit_width, 16);
  EXPECT_FALSE(md.schema[1].logical.is_signed);
  EXPECT_EQ(md.schema[2].logical.kind, kLtString);
  EXPECT_EQ(md.schema[2].repetition, kOptional);
  EXPECT_EQ(md.created_by, "me");
  EXPECT_TRUE(md.row_groups.empty());
}

}  // namespace
}  // namespace murr::parquet
