#include "murr/segment/record_layout.h"

#include <gtest/gtest.h>

namespace murr {
namespace {

TEST(RecordLayoutTest, WidestFirstThenValidityBitsThenInlineKey) {
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"b", DataType::kBool, true},
                                         {"f", DataType::kFloat32, false},
                                         {"name", DataType::kUtf8, true},
                                         {"d", DataType::kFloat64, true},
                                         {"s", DataType::kInt16, true}})
                    .value();
  RecordLayout layout(schema, 5);
  EXPECT_FALSE(layout.InRecord(0));  // the key
  EXPECT_FALSE(layout.InRecord(3));  // utf8
  ASSERT_TRUE(layout.InRecord(4));
  EXPECT_EQ(layout.field(4).offset, 0u);     // float64
  EXPECT_EQ(layout.field(2).offset, 8u);     // float32
  EXPECT_EQ(layout.field(5).offset, 12u);    // int16
  EXPECT_EQ(layout.field(1).offset, 14u);    // bool, one byte
  EXPECT_EQ(layout.field(2).null_byte, -1);  // not nullable
  // Nullable record columns in record order (d, s, b) take bits 0, 1, 2 of byte 15.
  EXPECT_EQ(layout.field(4).null_byte, 15);
  EXPECT_EQ(layout.field(4).null_mask, 1);
  EXPECT_EQ(layout.field(5).null_mask, 2);
  EXPECT_EQ(layout.field(1).null_mask, 4);
  EXPECT_EQ(layout.key_len_offset(), 16u);
  EXPECT_EQ(layout.key_width(), 5u);
  EXPECT_EQ(layout.stride(), 24u);  // 16 + 1 + 5 = 22, padded to a multiple of 8
}

TEST(RecordLayoutTest, KeyWidthIsCapped) {
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false}}).value();
  RecordLayout layout(schema, 1000);
  EXPECT_EQ(layout.key_width(), kMaxInlineKey);
  EXPECT_EQ(layout.stride(), 1 + kMaxInlineKey);
}

}  // namespace
}  // namespace murr
