// Sparse columns (decision 0026): a nullable column that a write leaves out (or fills with nulls
// only) is stored as no bytes in that segment, whatever its type, and reads of tables whose
// segments store different column sets agree with a model of last-write-wins rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>

#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/segment/segment.h"
#include "murr/table/table.h"

namespace murr {
namespace {

using testing::CellText;
using testing::TempDir;

TableSchema WideSchema() {
  std::vector<ColumnSchema> cols = {{"id", DataType::kUtf8, false}, {"n", DataType::kInt32, false}};
  for (TypeId id : {TypeId::kBool, TypeId::kInt8, TypeId::kUInt16, TypeId::kFloat16, TypeId::kInt32,
                    TypeId::kFloat32, TypeId::kDate32, TypeId::kInt64, TypeId::kFloat64,
                    TypeId::kTimestampMs, TypeId::kUtf8, TypeId::kBinary}) {
    cols.push_back({"c_" + DataTypeName(id), id, true});
  }
  cols.push_back({"emb", DataType::FixedSizeList(TypeId::kFloat32, 4), true});
  return TableSchema::Make("id", cols).value();
}

// The rows `keys` with only the columns `present` (the key and `n` are always there).
Batch PartialBatch(const TableSchema& schema, const std::vector<std::string>& keys,
                   const std::vector<bool>& present, std::mt19937_64& rng) {
  Batch b;
  b.num_rows = static_cast<int64_t>(keys.size());
  for (size_t ci = 0; ci < schema.columns().size(); ++ci) {
    const ColumnSchema& cs = schema.columns()[ci];
    if (!present[ci]) continue;
    b.fields.push_back({cs.name, cs.type, cs.nullable, cs.timezone});
    ColumnBuilder builder(cs.type);
    for (const std::string& k : keys) {
      if (cs.name == "id") {
        EXPECT_TRUE(builder.AppendString(k).ok());
      } else if (cs.nullable && rng() % 8 == 0) {
        builder.AppendNull();
      } else {
        testing::AppendRandom(&builder, rng);
      }
    }
    b.columns.push_back(builder.Finish());
  }
  return b;
}

std::vector<std::string> Names(const TableSchema& schema) {
  std::vector<std::string> out;
  for (const auto& c : schema.columns()) out.push_back(c.name);
  return out;
}

TEST(SparseTableTest, OmittedScalarColumnsTakeNoPlaceInTheSegmentsRecords) {
  TempDir dir;
  const TableSchema schema = WideSchema();
  std::mt19937_64 rng(7);
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("k" + std::to_string(i));
  std::vector<bool> all(schema.columns().size(), true);
  std::vector<bool> some(schema.columns().size(), false);
  some[0] = some[1] = true;  // id, n
  Batch dense = PartialBatch(schema, keys, all, rng);
  // The sparse batch as the table would pass it to a segment: every column, the omitted ones
  // all null.
  Batch sparse;
  sparse.num_rows = 1000;
  Batch partial = PartialBatch(schema, keys, some, rng);
  for (const auto& cs : schema.columns()) {
    sparse.fields.push_back({cs.name, cs.type, cs.nullable, cs.timezone});
    int f = partial.FindField(cs.name);
    if (f >= 0) {
      sparse.columns.push_back(partial.columns[f]);
    } else {
      ColumnBuilder nulls(cs.type);
      for (int i = 0; i < 1000; ++i) nulls.AppendNull();
      sparse.columns.push_back(nulls.Finish());
    }
  }
  std::vector<uint32_t> shadowed;
  auto write = [&](const Batch& b, const std::string& name) {
    auto slots = BuildKeyIndex(b.columns[0], &shadowed);
    EXPECT_TRUE(Segment::Write(dir / name, schema, b, slots, false).ok());
    auto seg = Segment::Open(dir / name, schema, true);
    EXPECT_TRUE(seg.ok()) << seg.status().ToString();
    return *seg;
  };
  auto d = write(dense, "dense.seg");
  auto s = write(sparse, "sparse.seg");
  // The sparse segment's record holds n (4 bytes), no validity byte (n is not nullable) and the
  // inline key (a length byte and up to 4 bytes): 9 bytes, aligned to 4.
  EXPECT_EQ(s->layout().stride(), 12u);
  EXPECT_GT(d->layout().stride(), 50u);
  for (size_t ci = 2; ci < schema.columns().size(); ++ci) {
    EXPECT_FALSE(s->layout().InRecord(static_cast<int>(ci))) << schema.columns()[ci].name;
    EXPECT_EQ(s->column(static_cast<int>(ci)).null_count, 1000);
  }
  // Payload: the key column (offsets and bytes), the records, the index and the key filter;
  // nothing per column.
  const size_t key_bytes = 1001 * 4 + 3890;
  EXPECT_LT(s->file_size(),
            key_bytes + 1000 * 12 + IndexCapacityFor(1000) * 8 + FilterBlocksFor(1000) * 32 + 2048);
  // Every column, read back from the sparse segment, is all null; n and id are intact.
  for (size_t ci = 0; ci < schema.columns().size(); ++ci) {
    Column c = s->ReadColumn(static_cast<int>(ci));
    for (int64_t r = 0; r < 1000; r += 97) {
      EXPECT_EQ(CellText(c, r), CellText(sparse.columns[ci], r)) << schema.columns()[ci].name;
    }
  }
}

// Random writes, each of a random subset of the columns, over overlapping keys; reads of random
// keys (missing ones too) before and after compaction and reopening match a model.
TEST(SparseTableTest, SegmentsOfDifferentColumnSetsReadLikeTheModel) {
  TempDir dir;
  const TableSchema schema = WideSchema();
  const size_t nc = schema.columns().size();
  TableOptions options;
  options.background_compaction = false;
  options.tier_fan_in = 64;  // six segments until CompactAll
  auto table = Table::Create(dir / "t", schema, options);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::mt19937_64 rng(11);
  // key -> its cells' text, by column (nullopt = null).
  std::map<std::string, std::vector<std::optional<std::string>>> model;
  for (int w = 0; w < 6; ++w) {
    std::vector<bool> present(nc, false);
    present[0] = present[1] = true;
    for (size_t ci = 2; ci < nc; ++ci) present[ci] = rng() % 3 == 0;
    std::vector<std::string> keys;
    for (int i = 0; i < 300; ++i) keys.push_back("k" + std::to_string((w * 150 + i) % 800));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    Batch b = PartialBatch(schema, keys, present, rng);
    ASSERT_TRUE((*table)->Write({b}).ok());
    for (size_t r = 0; r < keys.size(); ++r) {
      auto& row = model[keys[r]];
      row.assign(nc, std::nullopt);
      for (size_t ci = 0; ci < nc; ++ci) {
        int f = b.FindField(schema.columns()[ci].name);
        if (f >= 0) row[ci] = CellText(b.columns[f], static_cast<int64_t>(r));
      }
    }
  }
  auto check = [&](Table& t, const std::string& when) {
    std::vector<std::string> keys;
    for (int i = 0; i < 400; ++i) keys.push_back("k" + std::to_string(rng() % 900));
    std::vector<std::string_view> views(keys.begin(), keys.end());
    auto r = t.Read(views, Names(schema));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = model.find(keys[i]);
      for (size_t ci = 0; ci < nc; ++ci) {
        std::optional<std::string> want = it == model.end() ? std::nullopt : it->second[ci];
        ASSERT_EQ(CellText(r->columns[ci], static_cast<int64_t>(i)), want)
            << when << ": key " << keys[i] << ", column " << schema.columns()[ci].name;
      }
    }
  };
  EXPECT_EQ((*table)->Stats().segments, 6);
  check(**table, "six segments");
  ASSERT_TRUE((*table)->CompactAll().ok());
  EXPECT_EQ((*table)->Stats().segments, 1);
  check(**table, "compacted");
  table->reset();
  auto reopened = Table::Open(dir / "t", options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  check(**reopened, "reopened");
}

// A column that no segment stores is answered as nulls without touching the records.
TEST(SparseTableTest, AColumnNoSegmentStoresReadsAsNulls) {
  TempDir dir;
  const TableSchema schema = WideSchema();
  TableOptions options;
  options.background_compaction = false;
  auto table = Table::Create(dir / "t", schema, options).value();
  std::mt19937_64 rng(3);
  std::vector<bool> present(schema.columns().size(), false);
  present[0] = present[1] = true;
  ASSERT_TRUE(table->Write({PartialBatch(schema, {"a", "b"}, present, rng)}).ok());
  ASSERT_TRUE(table->Write({PartialBatch(schema, {"c"}, present, rng)}).ok());
  auto r = table->Read({"a", "c", "zz"}, {"c_float64", "c_bool", "n", "c_utf8"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (int c : {0, 1, 3}) {
    EXPECT_EQ(r->columns[c].null_count, 3) << c;
    EXPECT_EQ(r->columns[c].length, 3);
    EXPECT_EQ(r->columns[c].type, schema.columns()[schema.FindColumn(r->fields[c].name)].type);
  }
  EXPECT_EQ(r->columns[2].null_count, 1);  // zz
}

}  // namespace
}  // namespace murr
