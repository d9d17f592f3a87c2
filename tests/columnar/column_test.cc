#include "murr/columnar/column.h"

#include <gtest/gtest.h>

namespace murr {
namespace {

TEST(ColumnBuilderTest, BuildsFixedWidthWithNulls) {
  ColumnBuilder b(DataType::kInt32);
  b.Append<int32_t>(7);
  b.Append<int32_t>(-3);
  b.AppendNull();
  b.Append<int32_t>(42);
  Column c = b.Finish();
  ASSERT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.length, 4);
  EXPECT_EQ(c.null_count, 1);
  EXPECT_EQ(c.Value<int32_t>(0), 7);
  EXPECT_EQ(c.Value<int32_t>(1), -3);
  EXPECT_TRUE(c.IsNull(2));
  EXPECT_EQ(c.Value<int32_t>(3), 42);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(c.values.data()) % 64, 0u);
}

TEST(ColumnBuilderTest, NoValidityBitmapWithoutNulls) {
  ColumnBuilder b(DataType::kFloat64);
  for (int i = 0; i < 100; ++i) b.Append<double>(i * 0.5);
  Column c = b.Finish();
  EXPECT_TRUE(c.validity.empty());
  EXPECT_EQ(c.Value<double>(99), 49.5);
}

TEST(ColumnBuilderTest, BuildsStringsAndBools) {
  ColumnBuilder s(DataType::kUtf8);
  ASSERT_TRUE(s.AppendString("alpha").ok());
  s.AppendNull();
  ASSERT_TRUE(s.AppendString("").ok());
  ASSERT_TRUE(s.AppendString("ß").ok());
  Column c = s.Finish();
  ASSERT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.StringValue(0), "alpha");
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_EQ(c.StringValue(2), "");
  EXPECT_EQ(c.StringValue(3), "ß");

  ColumnBuilder b(DataType::kBool);
  for (int i = 0; i < 19; ++i) {
    if (i == 5)
      b.AppendNull();
    else
      b.AppendBool(i % 3 == 0);
  }
  Column bc = b.Finish();
  ASSERT_TRUE(bc.Validate().ok());
  EXPECT_EQ(bc.length, 19);
  EXPECT_TRUE(bc.IsNull(5));
  EXPECT_TRUE(bc.BoolValue(9));
  EXPECT_FALSE(bc.BoolValue(10));
}

TEST(ColumnTest, ValidateRejectsBadOffsets) {
  ColumnBuilder s(DataType::kUtf8);
  ASSERT_TRUE(s.AppendString("abc").ok());
  ASSERT_TRUE(s.AppendString("de").ok());
  Column c = s.Finish();
  Buffer bad = Buffer::Copy(c.values.data(), c.values.size());
  reinterpret_cast<int32_t*>(bad.mutable_data())[2] = 100;
  c.values = bad;
  EXPECT_EQ(c.Validate().code(), StatusCode::kInvalidArgument);
  reinterpret_cast<int32_t*>(bad.mutable_data())[2] = 1;
  EXPECT_NE(c.Validate().message().find("decrease"), std::string::npos);
}

TEST(ColumnTest, ValidateChecksNullCountAgainstBitmap) {
  ColumnBuilder b(DataType::kInt8);
  b.Append<int8_t>(1);
  b.AppendNull();
  Column c = b.Finish();
  c.null_count = 0;
  EXPECT_FALSE(c.Validate().ok());
}

// Lists: offsets into an item column that has its own nulls.
TEST(ListColumnTest, BuilderMakesOffsetsAndItems) {
  ColumnBuilder b(DataType::List(TypeId::kInt64));
  b.items().Append<int64_t>(1);
  b.items().Append<int64_t>(2);
  ASSERT_TRUE(b.AppendListEnd().ok());  // [1, 2]
  b.AppendNull();                       // null
  ASSERT_TRUE(b.AppendListEnd().ok());  // []
  b.items().AppendNull();
  b.items().Append<int64_t>(-5);
  ASSERT_TRUE(b.AppendListEnd().ok());  // [null, -5]
  Column c = b.Finish();
  ASSERT_TRUE(c.Validate().ok()) << c.Validate().ToString();
  EXPECT_EQ(c.type, DataType::List(TypeId::kInt64));
  EXPECT_EQ(c.length, 4);
  EXPECT_EQ(c.null_count, 1);
  ASSERT_EQ(c.children.size(), 1u);
  EXPECT_EQ(c.items().type, DataType::kInt64);
  EXPECT_EQ(c.items().length, 4);
  EXPECT_EQ(c.items().null_count, 1);
  const int32_t want[] = {0, 2, 2, 2, 4};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.offsets()[i], want[i]) << i;
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_EQ(c.items().Value<int64_t>(1), 2);
  EXPECT_TRUE(c.items().IsNull(2));
  EXPECT_EQ(c.items().Value<int64_t>(3), -5);
  // The builder is reusable after Finish.
  b.items().Append<int64_t>(9);
  ASSERT_TRUE(b.AppendListEnd().ok());
  Column d = b.Finish();
  ASSERT_TRUE(d.Validate().ok());
  EXPECT_EQ(d.length, 1);
  EXPECT_EQ(d.items().length, 1);
  EXPECT_EQ(d.items().Value<int64_t>(0), 9);
}

TEST(ListColumnTest, StringItems) {
  ColumnBuilder b(DataType::List(TypeId::kUtf8));
  ASSERT_TRUE(b.items().AppendString("a").ok());
  ASSERT_TRUE(b.items().AppendString("bc").ok());
  ASSERT_TRUE(b.AppendListEnd().ok());
  ASSERT_TRUE(b.items().AppendString("").ok());
  ASSERT_TRUE(b.AppendListEnd().ok());
  Column c = b.Finish();
  ASSERT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.ListBegin(1), 2);
  EXPECT_EQ(c.ListEnd(1), 3);
  EXPECT_EQ(c.items().StringValue(1), "bc");
  EXPECT_EQ(c.items().StringValue(2), "");
}

Buffer Offsets(std::vector<int32_t> o) {
  return Buffer::Copy(o.data(), o.size() * sizeof(int32_t));
}

Column Int64Items(int n) {
  ColumnBuilder b(DataType::kInt64);
  for (int i = 0; i < n; ++i) b.Append<int64_t>(i * 10);
  return b.Finish();
}

TEST(ListColumnTest, MakeListColumnChecksOffsetsAndItems) {
  // offsets[0] need not be 0, and the items may run past the last offset.
  auto ok = MakeListColumn(2, Offsets({1, 3, 3}), Int64Items(5));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->type, DataType::List(TypeId::kInt64));
  EXPECT_EQ(ok->items().Value<int64_t>(ok->ListBegin(0)), 10);

  auto decreasing = MakeListColumn(2, Offsets({0, 3, 2}), Int64Items(5));
  ASSERT_FALSE(decreasing.ok());
  EXPECT_NE(decreasing.status().message().find("decrease at row 1"), std::string::npos)
      << decreasing.status().message();
  auto past = MakeListColumn(2, Offsets({0, 3, 6}), Int64Items(5));
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("past the end of the item column (6 > 5)"),
            std::string::npos)
      << past.status().message();
  auto negative = MakeListColumn(1, Offsets({-1, 2}), Int64Items(5));
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("offset 0 is negative"), std::string::npos);
  auto short_offsets = MakeListColumn(3, Offsets({0, 1}), Int64Items(5));
  ASSERT_FALSE(short_offsets.ok());
  EXPECT_NE(short_offsets.status().message().find("offsets buffer too short"), std::string::npos);
  ColumnBuilder lb(DataType::List(TypeId::kInt8));
  auto nested = MakeListColumn(0, Offsets({0}), lb.Finish());
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("scalar type"), std::string::npos);
}

TEST(ListColumnTest, ValidateChecksChildren) {
  auto c = MakeListColumn(2, Offsets({0, 1, 2}), Int64Items(2));
  ASSERT_TRUE(c.ok());
  Column none = *c;
  none.children.clear();
  EXPECT_NE(none.Validate().message().find("0 item columns, expected 1"), std::string::npos);
  Column wrong = *c;
  wrong.children[0].type = DataType::kFloat64;
  EXPECT_NE(wrong.Validate().message().find("items of type float64"), std::string::npos)
      << wrong.Validate().message();
  Column bad_child = *c;
  bad_child.children[0].null_count = 1;  // no bitmap
  EXPECT_NE(bad_child.Validate().message().find("list items"), std::string::npos)
      << bad_child.Validate().message();
  Column scalar_with_child = Int64Items(2);
  scalar_with_child.children.push_back(Int64Items(1));
  EXPECT_FALSE(scalar_with_child.Validate().ok());
}

TEST(ListColumnTest, EmptyColumnIsValid) {
  for (DataType t : {DataType::List(TypeId::kUtf8), DataType(DataType::kUtf8),
                     DataType(DataType::kInt16), DataType(DataType::kBool)}) {
    Column c = EmptyColumn(t);
    EXPECT_TRUE(c.Validate().ok()) << DataTypeName(t);
    EXPECT_EQ(c.length, 0);
    EXPECT_EQ(c.type, t);
  }
}

}  // namespace
}  // namespace murr
