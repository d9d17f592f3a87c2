// The record gather (GatherRecords) on hand-made record blocks: sources of one layout and of
// different layouts (a column absent from one source), missing rows, nulls, and the bytes of
// null slots (zero: the output arena is not zero-filled, and replies must not carry stale heap
// bytes).
#include "murr/columnar/gather.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace murr {
namespace {

// A record: float32 at 0, int16 at 4, bool at 6, validity byte at 7 (bit 0: the float, bit 1: the
// int16); stride 8.
std::vector<uint8_t> Records(const std::vector<float>& f, const std::vector<int16_t>& s,
                             const std::vector<bool>& valid_f) {
  std::vector<uint8_t> out(f.size() * 8, 0);
  for (size_t r = 0; r < f.size(); ++r) {
    std::memcpy(&out[r * 8], &f[r], 4);
    std::memcpy(&out[r * 8 + 4], &s[r], 2);
    out[r * 8 + 6] = r % 2;
    out[r * 8 + 7] = static_cast<uint8_t>((valid_f[r] ? 1 : 0) | 2);
  }
  return out;
}

TEST(GatherRecordsTest, OneLayoutNullsAndMissingRowsWithZeroedNullSlots) {
  auto rec = Records({1.5f, 2.5f, 3.5f}, {10, 20, 30}, {true, false, true});
  const RecordSlot f{0, 7, 1}, i16{4, 7, 2}, b{6, -1, 0};
  std::vector<RecordColumn> cols = {{DataType::kFloat32, &f, false},
                                    {DataType::kInt16, &i16, false},
                                    {DataType::kBool, &b, false}};
  std::vector<RowRef> refs = {{0, 2}, {0, 1}, {kMissingSource, 0}, {0, 0}};
  auto out = GatherRecords({rec.data()}, {8}, cols, refs.data(), 4);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].Value<float>(0), 3.5f);
  EXPECT_TRUE(out[0].IsNull(1));  // its validity bit is clear
  EXPECT_TRUE(out[0].IsNull(2));  // missing
  EXPECT_EQ(out[0].Value<float>(3), 1.5f);
  EXPECT_EQ(out[0].null_count, 2);
  EXPECT_EQ(out[0].Value<uint32_t>(1), 0u);
  EXPECT_EQ(out[0].Value<uint32_t>(2), 0u);
  EXPECT_EQ(out[1].Value<int16_t>(0), 30);
  EXPECT_EQ(out[1].Value<int16_t>(1), 20);
  EXPECT_EQ(out[1].Value<int16_t>(2), 0);
  EXPECT_EQ(out[1].null_count, 1);
  EXPECT_FALSE(out[2].BoolValue(0));
  EXPECT_TRUE(out[2].BoolValue(1));
  EXPECT_TRUE(out[2].IsNull(2));
  EXPECT_EQ(out[2].null_count, 1);
}

TEST(GatherRecordsTest, SourcesOfDifferentLayoutsAndAnAbsentColumn) {
  // Source 0 as above; source 1 has only the int16, at offset 0, not nullable (stride 2).
  auto rec0 = Records({1.5f, 2.5f}, {10, 20}, {true, true});
  std::vector<uint8_t> rec1(4);
  const int16_t v1[2] = {-7, 7};
  std::memcpy(rec1.data(), v1, 4);
  const RecordSlot f_slots[2] = {{0, 7, 1}, {0, kAbsentSlot, 0}};
  const RecordSlot s_slots[2] = {{4, 7, 2}, {0, -1, 0}};
  std::vector<RecordColumn> cols = {{DataType::kFloat32, f_slots, true},
                                    {DataType::kInt16, s_slots, true}};
  std::vector<RowRef> refs = {{1, 1}, {0, 0}, {1, 0}, {kMissingSource, 0}, {0, 1}};
  // More rows than one group of the gather (256), alternating sources.
  for (int i = 0; i < 600; ++i)
    refs.push_back({static_cast<uint32_t>(i % 2), static_cast<uint32_t>(i % 2)});
  const int64_t n = static_cast<int64_t>(refs.size());
  auto out = GatherRecords({rec0.data(), rec1.data()}, {8, 2}, cols, refs.data(), n);
  EXPECT_TRUE(out[0].IsNull(0));
  EXPECT_EQ(out[0].Value<uint32_t>(0), 0u);
  EXPECT_EQ(out[0].Value<float>(1), 1.5f);
  EXPECT_TRUE(out[0].IsNull(2));
  EXPECT_TRUE(out[0].IsNull(3));
  EXPECT_EQ(out[0].Value<float>(4), 2.5f);
  EXPECT_EQ(out[1].Value<int16_t>(0), 7);
  EXPECT_EQ(out[1].Value<int16_t>(1), 10);
  EXPECT_EQ(out[1].Value<int16_t>(2), -7);
  EXPECT_TRUE(out[1].IsNull(3));
  EXPECT_EQ(out[1].Value<int16_t>(4), 20);
  int64_t float_nulls = 3;
  for (int64_t i = 5; i < n; ++i) {
    const bool from0 = (i - 5) % 2 == 0;
    ASSERT_EQ(out[0].IsValid(i), from0) << i;
    if (from0) {
      EXPECT_EQ(out[0].Value<float>(i), 1.5f);
      EXPECT_EQ(out[1].Value<int16_t>(i), 10);
    } else {
      ++float_nulls;
      EXPECT_EQ(out[0].Value<uint32_t>(i), 0u);
      EXPECT_EQ(out[1].Value<int16_t>(i), 7);
    }
  }
  EXPECT_EQ(out[0].null_count, float_nulls);
  EXPECT_EQ(out[1].null_count, 1);
}

// Groups (256 rows) in which every row was found take a path without per-row record tests; a
// group with one missing row takes the general one. Both against a value-by-value model, with
// nulls of a nullable column (flag cleared, stale bytes in the record) read as zero.
TEST(GatherRecordsTest, GroupsWhoseRowsAreAllFoundMatchTheGeneralPath) {
  const int rows = 50;
  std::vector<float> f(rows);
  std::vector<int16_t> v(rows);
  std::vector<bool> valid(rows);
  for (int r = 0; r < rows; ++r) {
    f[r] = 0.5f + r;
    v[r] = static_cast<int16_t>(r * 3 - 70);
    valid[r] = r % 7 != 3;
  }
  auto rec = Records(f, v, valid);
  // A null float keeps stale bytes in its record: the reply must still carry zeros.
  for (int r = 0; r < rows; ++r) {
    if (!valid[r]) std::memset(&rec[r * 8], 0xAB, 4);
  }
  const RecordSlot fs{0, 7, 1}, i16{4, -1, 0}, b{6, 7, 2};
  std::vector<RecordColumn> cols = {{DataType::kFloat32, &fs, false},
                                    {DataType::kInt16, &i16, false},
                                    {DataType::kBool, &b, false}};
  std::vector<RowRef> refs;
  for (int i = 0; i < 803; ++i) {
    // Rows 256..511 hold one missing key (row 300); the other groups are all found; 803 leaves
    // a tail that is not a whole byte of validity.
    const bool missing = i == 300;
    refs.push_back({missing ? kMissingSource : 0, static_cast<uint32_t>((i * 13) % rows)});
  }
  const int64_t n = static_cast<int64_t>(refs.size());
  auto out = GatherRecords({rec.data()}, {8}, cols, refs.data(), n);
  int64_t float_nulls = 0, int_nulls = 0;
  for (int64_t i = 0; i < n; ++i) {
    const RowRef& r = refs[i];
    const bool found = r.source != kMissingSource;
    const bool fvalid = found && valid[r.row];
    float_nulls += !fvalid;
    int_nulls += !found;
    ASSERT_EQ(out[0].IsValid(i), fvalid) << i;
    if (fvalid) {
      EXPECT_EQ(out[0].Value<float>(i), f[r.row]) << i;
    } else {
      EXPECT_EQ(out[0].Value<uint32_t>(i), 0u) << i;  // zero, not the record's stale bytes
    }
    ASSERT_EQ(out[1].IsValid(i), found) << i;
    EXPECT_EQ(out[1].Value<int16_t>(i), found ? v[r.row] : 0) << i;
    ASSERT_EQ(out[2].IsValid(i), found) << i;
    if (found) {
      EXPECT_EQ(out[2].BoolValue(i), r.row % 2 == 1) << i;
    }
  }
  EXPECT_EQ(out[0].null_count, float_nulls);
  EXPECT_EQ(out[1].null_count, int_nulls);
  EXPECT_EQ(out[2].null_count, int_nulls);
}

}  // namespace
}  // namespace murr
