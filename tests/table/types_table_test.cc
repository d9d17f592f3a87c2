// The types of decision 0016/0017 through every layer below the API: a table of float16, date32,
// binary, timestamps and fixed-size lists written in two segments, read by random keys, compacted,
// and its reply through the Arrow IPC and JSON codecs.
#include <gtest/gtest.h>

#include <random>

#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/json_columns.h"
#include "murr/table/table.h"

namespace murr {
namespace {

using testing::CellEquals;
using testing::CellToString;
using testing::DrawKeys;
using testing::DrawnKeys;
using testing::FirstRowMismatch;
using testing::RandomBatch;
using testing::TempDir;

TableSchema NewTypesSchema() {
  std::vector<ColumnSchema> cols = {{"id", DataType::kUtf8, false}};
  for (TypeId id : {TypeId::kFloat16, TypeId::kDate32, TypeId::kBinary, TypeId::kTimestampS,
                    TypeId::kTimestampMs, TypeId::kTimestampUs, TypeId::kTimestampNs}) {
    cols.push_back({"c_" + DataTypeName(id), id, true});
  }
  cols.back().timezone = "UTC";
  cols.push_back({"emb", DataType::FixedSizeList(TypeId::kFloat32, 768), true});
  cols.push_back({"small", DataType::FixedSizeList(TypeId::kInt16, 3), false});
  cols.push_back({"x", DataType::kInt32, true});
  return TableSchema::Make("id", cols).value();
}

TEST(TypesTableTest, WriteReadCompactEveryNewType) {
  TempDir dir;
  TableSchema schema = NewTypesSchema();
  TableOptions options;
  options.background_compaction = false;
  auto table = Table::Create(dir / "t", schema, options);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::mt19937_64 rng(7);
  Batch a = RandomBatch(schema, 300, rng, "a");
  Batch b = RandomBatch(schema, 200, rng, "b");
  ASSERT_TRUE((*table)->Write({a}).ok());
  auto wb = (*table)->Write({b});
  ASSERT_TRUE(wb.ok()) << wb.status().ToString();

  const DrawnKeys drawn = DrawKeys(a, b, 400, rng);
  const std::vector<std::string>& keys = drawn.keys;
  std::vector<std::string_view> views(keys.begin(), keys.end());
  std::vector<std::string> names;
  for (const auto& c : schema.columns()) names.push_back(c.name);

  auto check = [&](const Batch& got) { EXPECT_EQ(FirstRowMismatch(got, drawn.want, names), ""); };
  for (int round = 0; round < 2; ++round) {
    auto got = (*table)->Read(views, names);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    check(*got);
    EXPECT_EQ(got->fields[7].timezone, "UTC");

    // Arrow IPC out and back.
    auto ipc = EncodeArrowIpcStream(*got);
    ASSERT_TRUE(ipc.ok()) << ipc.status().ToString();
    std::string bytes = ipc->Concatenate();
    auto back = ReadArrowIpcStream(Buffer::Copy(bytes.data(), bytes.size()));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ((*back)[0].fields, got->fields);
    check((*back)[0]);

    // JSON out and back (columns but the key are written; the parse types come from the schema).
    std::string json;
    AppendJsonColumns(*got, &json);
    auto parsed = ParseJsonColumns(json, schema);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    for (size_t c = 0; c < names.size(); ++c) {
      for (size_t i = 0; i < keys.size(); ++i) {
        if (names[c] == "c_float16" && !got->columns[c].IsNull(i)) {
          // NaN payloads collapse to one quiet NaN in text; every other half survives exactly.
          uint16_t h = got->columns[c].Value<uint16_t>(i);
          if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) continue;
        }
        if (names[c] == "emb" && !got->columns[c].IsNull(i)) continue;  // random NaN payloads
        ASSERT_TRUE(CellEquals(parsed->columns[c], i, got->columns[c], i))
            << names[c] << " row " << i << ": " << CellToString(parsed->columns[c], i) << " vs "
            << CellToString(got->columns[c], i);
      }
    }
    ASSERT_TRUE((*table)->CompactAll().ok());
    EXPECT_EQ((*table)->Stats().segments, 1);
  }
}

TEST(TypesTableTest, JsonFixedSizeListOfWrongLengthIsAClearError) {
  TableSchema schema = NewTypesSchema();
  auto r = ParseJsonColumns(R"({"columns":{"id":["k"],"small":[[1,2]]}})", schema);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has 2 values, expected 3"), std::string::npos)
      << r.status().ToString();
  r = ParseJsonColumns(R"({"columns":{"id":["k"],"small":[[1,2,70000]]}})", schema);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("out of range for int16"), std::string::npos)
      << r.status().ToString();
  r = ParseJsonColumns(R"({"columns":{"id":["k"],"small":[7]}})", schema);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expected an array"), std::string::npos);
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// A stream whose schema says float32[2] but whose record batch carries 3 items per row.
TEST(TypesTableTest, ArrowFixedSizeListOfTheWrongLengthIsAClearError) {
  ColumnBuilder b(DataType::FixedSizeList(TypeId::kFloat32, 3));
  const float row[3] = {1, 2, 3};
  b.AppendFixed(row);
  b.AppendFixed(row);
  Batch batch;
  batch.num_rows = 2;
  batch.fields = {{"e", b.type(), true}};
  batch.columns = {b.Finish()};
  std::vector<Field> lying = {{"e", DataType::FixedSizeList(TypeId::kFloat32, 2), true}};
  IpcStreamParts parts;
  parts.messages.push_back(EncodeSchemaMessage(lying));
  auto rb = EncodeRecordBatchMessage(batch);
  ASSERT_TRUE(rb.ok());
  parts.messages.push_back(std::move(rb).value());
  std::string bytes = parts.Concatenate();
  auto r = ReadArrowIpcStream(Buffer::Copy(bytes.data(), bytes.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("field 'e': a fixed-size list of 2 values per row has 6 "
                                      "child values for 2 rows"),
            std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// Sparse columns: a write that leaves out a nullable embedding column stores no bytes for it.
TEST(TypesTableTest, AnOmittedEmbeddingColumnCostsNoBytesInTheSegment) {
  TempDir dir;
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"emb", DataType::FixedSizeList(TypeId::kFloat32, 768)},
                                         {"x", DataType::kInt32}})
                    .value();
  TableOptions options;
  options.background_compaction = false;
  auto table = Table::Create(dir / "t", schema, options);
  ASSERT_TRUE(table.ok());
  auto batch = [&](int64_t n, bool with_emb, const std::string& prefix) {
    Batch b;
    b.num_rows = n;
    ColumnBuilder id(DataType::kUtf8), emb(schema.columns()[1].type), x(DataType::kInt32);
    std::vector<float> v(768, 0.5f);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(id.AppendString(prefix + std::to_string(i)).ok());
      v[0] = static_cast<float>(i);
      emb.AppendFixed(v.data());
      x.Append<int32_t>(static_cast<int32_t>(i));
    }
    b.fields.push_back({"id", DataType::kUtf8, false});
    b.columns.push_back(id.Finish());
    if (with_emb) {
      b.fields.push_back({"emb", schema.columns()[1].type, true});
      b.columns.push_back(emb.Finish());
    }
    b.fields.push_back({"x", DataType::kInt32, true});
    b.columns.push_back(x.Finish());
    return b;
  };
  const int64_t before = (*table)->Stats().bytes;
  ASSERT_TRUE((*table)->Write({batch(1000, false, "s")}).ok());
  const int64_t sparse = (*table)->Stats().bytes - before;
  EXPECT_LT(sparse, 64 * 1000) << "an omitted float32[768] column must not take 3 KiB per row";
  ASSERT_TRUE((*table)->Write({batch(1000, true, "d")}).ok());
  EXPECT_GT((*table)->Stats().bytes - before - sparse, 3072 * 1000);
  for (int round = 0; round < 2; ++round) {
    auto r = (*table)->Read({"s5", "d7", "nope"}, {"emb", "x"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->columns[0].IsNull(0));
    ASSERT_TRUE(r->columns[0].IsValid(1));
    EXPECT_EQ(r->columns[0].Value<float>(768 * 1), 7.0f);
    EXPECT_EQ(r->columns[0].Value<float>(768 * 1 + 767), 0.5f);
    EXPECT_TRUE(r->columns[0].IsNull(2));
    EXPECT_EQ(r->columns[1].Value<int32_t>(0), 5);
    ASSERT_TRUE((*table)->CompactAll().ok());  // the merge reads the absent column too
  }
  // Reopened from disk.
  table->reset();
  auto reopened = Table::Open(dir / "t", options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto r = (*reopened)->Read({"s5"}, {"emb"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->columns[0].IsNull(0));
}

}  // namespace
}  // namespace murr
