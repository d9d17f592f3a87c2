// The list gather: rows of list columns from several sources into one column, one run per row.
#include <gtest/gtest.h>

#include "common/batch_util.h"
#include "murr/columnar/gather.h"

namespace murr {
namespace {

using testing::CellToString;

Column Words(const std::vector<std::vector<const char*>>& rows, int null_row = -1) {
  ColumnBuilder b(DataType::List(TypeId::kUtf8));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (static_cast<int>(i) == null_row) {
      b.AppendNull();
      continue;
    }
    for (const char* w : rows[i]) {
      if (w == nullptr) {
        b.items().AppendNull();
      } else {
        EXPECT_TRUE(b.items().AppendString(w).ok());
      }
    }
    EXPECT_TRUE(b.AppendListEnd().ok());
  }
  return b.Finish();
}

TEST(GatherListTest, RowsFromSeveralSourcesMissingAndNull) {
  Column a = Words({{"a0", nullptr}, {}, {"a2"}}, /*null_row=*/1);
  Column b = Words({{"b0", "b0'", "b0''"}, {nullptr}});
  const std::vector<const Column*> sources = {&a, &b};
  const RowRef refs[] = {{1, 0}, {0, 1}, {kMissingSource, 0}, {0, 0}, {1, 1}, {0, 2}, {1, 0}};
  const DataType type = DataType::List(TypeId::kUtf8);
  EXPECT_EQ(GatheredListItems(type, sources, refs, 7), 3 + 2 + 1 + 1 + 3);
  Column out = GatherColumn(type, sources, refs, 7);
  ASSERT_TRUE(out.Validate().ok()) << out.Validate().ToString();
  const char* want[] = {"[b0,b0',b0'']", "null", "null",         "[a0,null]",
                        "[null]",        "[a2]", "[b0,b0',b0'']"};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(CellToString(out, i), want[i]) << i;
  EXPECT_EQ(out.null_count, 2);
  EXPECT_EQ(out.items().length, 10);
  EXPECT_EQ(out.items().null_count, 2);
  EXPECT_EQ(out.offsets()[0], 0);
  EXPECT_EQ(GatheredListItems(DataType::kInt64, sources, refs, 7), 0);
}

TEST(GatherListTest, FixedWidthAndBoolItemsFromSlicedSources) {
  // A source whose offsets start past 0 and whose bool items start mid-byte.
  ColumnBuilder items(DataType::kBool);
  for (int i = 0; i < 13; ++i) items.AppendBool(i % 3 == 0);
  Column bools = items.Finish();
  const int32_t off[] = {5, 9, 13};
  auto src = MakeListColumn(2, Buffer::Copy(off, sizeof(off)), bools);
  ASSERT_TRUE(src.ok());
  const std::vector<const Column*> sources = {&*src};
  const RowRef refs[] = {{0, 1}, {0, 0}, {0, 1}};
  Column out = GatherColumn(src->type, sources, refs, 3);
  ASSERT_TRUE(out.Validate().ok());
  EXPECT_EQ(CellToString(out, 0), "[true,false,false,true]");   // items 9..12
  EXPECT_EQ(CellToString(out, 1), "[false,true,false,false]");  // items 5..8
  EXPECT_EQ(CellToString(out, 2), CellToString(out, 0));
  EXPECT_TRUE(out.items().validity.empty());  // no item nulls: no item bitmap

  ColumnBuilder f(DataType::List(TypeId::kFloat16));
  f.items().Append<uint16_t>(0x3C00);
  f.items().Append<uint16_t>(0x7E01);  // a NaN payload, copied bit for bit
  ASSERT_TRUE(f.AppendListEnd().ok());
  Column halves = f.Finish();
  const RowRef one[] = {{0, 0}};
  Column h = GatherColumn(halves.type, {&halves}, one, 1);
  EXPECT_EQ(h.items().Value<uint16_t>(1), 0x7E01);
}

TEST(GatherListTest, AnAbsentSegmentColumnReadsAsNulls) {
  // The shape Segment::Open gives an all-null list column that was stored as no bytes.
  Column absent;
  absent.type = DataType::List(TypeId::kInt64);
  absent.length = 4;
  absent.null_count = 4;
  absent.validity = Buffer::Allocate(1);
  absent.children.push_back(EmptyColumn(DataType::kInt64));
  ASSERT_TRUE(absent.Validate().ok());
  const RowRef refs[] = {{0, 3}, {0, 0}};
  Column out = GatherColumn(absent.type, {&absent}, refs, 2);
  ASSERT_TRUE(out.Validate().ok());
  EXPECT_EQ(out.null_count, 2);
  EXPECT_EQ(out.items().length, 0);
}

}  // namespace
}  // namespace murr
