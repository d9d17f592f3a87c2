// Variable-length lists (decision 0021) through every layer below the API: a table with lists of
// several item types written in two segments, read by random keys (the list gather), compacted,
// reopened, and its reply through the Arrow IPC and JSON codecs.
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

TableSchema ListTableSchema() {
  std::vector<ColumnSchema> cols = {{"id", DataType::kUtf8, false}};
  for (TypeId id : {TypeId::kInt64, TypeId::kFloat32, TypeId::kUtf8, TypeId::kBool, TypeId::kBinary,
                    TypeId::kInt8, TypeId::kDate32, TypeId::kTimestampMs}) {
    cols.push_back({"l_" + DataTypeName(id), DataType::List(id), true});
  }
  cols.back().timezone = "UTC";
  cols.push_back({"must", DataType::List(TypeId::kUInt16), false});
  cols.push_back({"x", DataType::kInt32, true});
  return TableSchema::Make("id", cols).value();
}

TEST(ListTableTest, WriteReadCompactReopen) {
  TempDir dir;
  TableSchema schema = ListTableSchema();
  TableOptions options;
  options.background_compaction = false;
  auto table = Table::Create(dir / "t", schema, options);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::mt19937_64 rng(11);
  Batch a = RandomBatch(schema, 300, rng, "a");
  Batch b = RandomBatch(schema, 200, rng, "b");
  ASSERT_TRUE((*table)->Write({a}).ok());
  auto wb = (*table)->Write({b});
  ASSERT_TRUE(wb.ok()) << wb.status().ToString();

  const DrawnKeys drawn = DrawKeys(a, b, 1000, rng);
  const std::vector<std::string>& keys = drawn.keys;
  std::vector<std::string_view> views(keys.begin(), keys.end());
  std::vector<std::string> names;
  for (const auto& c : schema.columns()) names.push_back(c.name);

  auto check = [&](const Batch& got) {
    ASSERT_TRUE(got.Validate().ok()) << got.Validate().ToString();
    EXPECT_EQ(FirstRowMismatch(got, drawn.want, names), "");
  };
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto got = (*table)->Read(views, names);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    check(*got);
    EXPECT_EQ(got->fields[8].timezone, "UTC");

    auto ipc = EncodeArrowIpcStream(*got);
    ASSERT_TRUE(ipc.ok()) << ipc.status().ToString();
    std::string bytes = ipc->Concatenate();
    auto back = ReadArrowIpcStream(Buffer::Copy(bytes.data(), bytes.size()));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ((*back)[0].fields, got->fields);
    check((*back)[0]);

    std::string json;
    AppendJsonColumns(*got, &json);
    auto parsed = ParseJsonColumns(json, schema);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    for (size_t c = 0; c < names.size(); ++c) {
      for (size_t i = 0; i < keys.size(); ++i) {
        ASSERT_TRUE(CellEquals(parsed->columns[c], i, got->columns[c], i))
            << names[c] << " row " << i << ": " << CellToString(parsed->columns[c], i) << " vs "
            << CellToString(got->columns[c], i);
      }
    }
    if (round == 0) {
      ASSERT_TRUE((*table)->CompactAll().ok());
      EXPECT_EQ((*table)->Stats().segments, 1);
    } else if (round == 1) {
      table->reset();
      auto reopened = Table::Open(dir / "t", options);
      ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
      *table = std::move(reopened).value();
    }
  }
}

TEST(ListTableTest, BatchesWithSlicedListsAreRebased) {
  TempDir dir;
  TableSchema schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                                {"w", DataType::List(TypeId::kUtf8), true}})
                           .value();
  TableOptions options;
  options.background_compaction = false;
  auto table = Table::Create(dir / "t", schema, options);
  ASSERT_TRUE(table.ok());
  // Offsets from 2, utf8 items whose offsets start at 1, items past the last offset.
  ColumnBuilder words(DataType::kUtf8);
  for (const char* w : {"skip", "x", "alpha", "beta", "gamma", "tail"}) {
    ASSERT_TRUE(words.AppendString(w).ok());
  }
  Column items = words.Finish();
  const int32_t off[] = {2, 4, 4, 5};
  auto list = MakeListColumn(3, Buffer::Copy(off, sizeof(off)), items);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ColumnBuilder ids(DataType::kUtf8);
  for (const char* k : {"p", "q", "r"}) ASSERT_TRUE(ids.AppendString(k).ok());
  Batch batch;
  batch.num_rows = 3;
  batch.fields = {{"id", DataType::kUtf8, false}, {"w", list->type, true}};
  batch.columns = {ids.Finish(), *list};
  auto w = (*table)->Write({batch});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto r = (*table)->Read({"r", "p", "q"}, {"w"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(CellToString(r->columns[0], 0), "[gamma]");
  EXPECT_EQ(CellToString(r->columns[0], 1), "[alpha,beta]");
  EXPECT_EQ(CellToString(r->columns[0], 2), "[]");
}

TEST(ListTableTest, AnOmittedListColumnCostsNoBytesInTheSegment) {
  TempDir dir;
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"clicks", DataType::List(TypeId::kInt64)},
                                         {"x", DataType::kInt32}})
                    .value();
  TableOptions options;
  options.background_compaction = false;
  auto table = Table::Create(dir / "t", schema, options);
  ASSERT_TRUE(table.ok());
  auto batch = [&](int64_t n, bool with_list, const std::string& prefix) {
    Batch b;
    b.num_rows = n;
    ColumnBuilder id(DataType::kUtf8), clicks(schema.columns()[1].type), x(DataType::kInt32);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(id.AppendString(prefix + std::to_string(i)).ok());
      for (int k = 0; k < 50; ++k) clicks.items().Append<int64_t>(i * 100 + k);
      EXPECT_TRUE(clicks.AppendListEnd().ok());
      x.Append<int32_t>(static_cast<int32_t>(i));
    }
    b.fields.push_back({"id", DataType::kUtf8, false});
    b.columns.push_back(id.Finish());
    if (with_list) {
      b.fields.push_back({"clicks", schema.columns()[1].type, true});
      b.columns.push_back(clicks.Finish());
    }
    b.fields.push_back({"x", DataType::kInt32, true});
    b.columns.push_back(x.Finish());
    return b;
  };
  auto dense_table = Table::Create(dir / "dense", schema, options);
  ASSERT_TRUE(dense_table.ok());
  ASSERT_TRUE((*dense_table)->Write({batch(1000, false, "s")}).ok());
  const int64_t without = (*dense_table)->Stats().bytes;
  auto x_only =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"x", DataType::kInt32}}).value();
  auto plain = Table::Create(dir / "plain", x_only, options);
  ASSERT_TRUE(plain.ok());
  Batch no_list = batch(1000, false, "s");
  ASSERT_TRUE((*plain)->Write({no_list}).ok());
  // The same rows in a table without the column: only the footer entry differs.
  EXPECT_LT((*dense_table)->Stats().bytes - (*plain)->Stats().bytes, 200);
  (void)without;

  ASSERT_TRUE((*table)->Write({batch(1000, false, "s")}).ok());
  ASSERT_TRUE((*table)->Write({batch(1000, true, "d")}).ok());
  for (int round = 0; round < 2; ++round) {
    auto r = (*table)->Read({"s5", "d7", "nope"}, {"clicks", "x"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->columns[0].IsNull(0));
    ASSERT_TRUE(r->columns[0].IsValid(1));
    EXPECT_EQ(r->columns[0].ListEnd(1) - r->columns[0].ListBegin(1), 50);
    EXPECT_EQ(r->columns[0].items().Value<int64_t>(r->columns[0].ListBegin(1) + 49), 749);
    EXPECT_TRUE(r->columns[0].IsNull(2));
    EXPECT_EQ(r->columns[1].Value<int32_t>(0), 5);
    ASSERT_TRUE((*table)->CompactAll().ok());  // the merge reads the absent column too
  }
}

TEST(ListTableTest, JsonListsAndTheirErrors) {
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"n", DataType::List(TypeId::kInt16)},
                                         {"s", DataType::List(TypeId::kUtf8)},
                                         {"t", DataType::List(TypeId::kDate32)}})
                    .value();
  auto ok = ParseJsonColumns(
      R"({"columns":{"id":["a","b","c"],"n":[[1,null,-3],null,[]],"s":[["x",""],[null],null],)"
      R"("t":[["2024-02-29",0],[],null]}})",
      schema);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(CellToString(ok->columns[1], 0), "[1,null,-3]");
  EXPECT_TRUE(ok->columns[1].IsNull(1));
  EXPECT_EQ(CellToString(ok->columns[1], 2), "[]");
  EXPECT_EQ(CellToString(ok->columns[2], 1), "[null]");
  std::string out;
  AppendJsonColumns(*ok, &out);
  EXPECT_EQ(out, R"({"columns":{"id":["a","b","c"],"n":[[1,null,-3],null,[]],"s":[["x",""],[null],)"
                 R"(null],"t":[["2024-02-29","1970-01-01"],[],null]}})");

  auto bad = [&](const char* body, const char* needle) {
    auto r = ParseJsonColumns(body, schema);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
  };
  bad(R"({"columns":{"id":["a"],"n":[7]}})", "expected an array of int16 values (or null)");
  bad(R"({"columns":{"id":["a"],"n":[[1,70000]]}})", "out of range for int16");
  bad(R"({"columns":{"id":["a"],"n":[[1,70000]]}})", "(item 1)");
  bad(R"({"columns":{"id":["a"],"n":[[[1]]]}})", "item 0");
  bad(R"({"columns":{"id":["a"],"s":[[1]]}})", "column 's' row 0");
  bad(R"({"columns":{"id":["a"],"t":[["yesterday"]]}})", "yesterday");
}

}  // namespace
}  // namespace murr
