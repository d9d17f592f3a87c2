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

}  // namespace
}  // namespace murr
