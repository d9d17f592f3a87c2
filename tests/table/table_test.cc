#include "murr/table/table.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/table/table_state.h"

namespace murr {
namespace {

using testing::AllTypesSchema;
using testing::CellEquals;
using testing::CellToString;
using testing::ColumnNames;
using testing::RandomBatch;
using testing::TempDir;

TableOptions FastOptions() {
  TableOptions o;
  o.fsync = false;
  return o;
}

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

// Expects that reading `keys` returns, row for row, `expected` rows of `src` (-1 = all nulls).
void ExpectRows(const Table& table, const std::vector<std::string>& keys, const Batch& src,
                const std::vector<int64_t>& expected) {
  auto cols = ColumnNames(table.schema());
  auto out = table.Read(Views(keys), cols);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->num_rows, static_cast<int64_t>(keys.size()));
  for (size_t c = 0; c < cols.size(); ++c) {
    const Column& oc = out->columns[c];
    for (size_t i = 0; i < keys.size(); ++i) {
      if (expected[i] < 0) {
        ASSERT_TRUE(oc.IsNull(static_cast<int64_t>(i))) << cols[c] << " key " << keys[i];
      } else {
        ASSERT_TRUE(CellEquals(oc, static_cast<int64_t>(i), src.columns[c], expected[i]))
            << cols[c] << " key " << keys[i] << ": got " << CellToString(oc, i) << ", want "
            << CellToString(src.columns[c], expected[i]);
      }
    }
  }
}

TEST(TableTest, RandomBatchesRoundTripInRequestOrderWithMissingAndDuplicatedKeys) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  auto table = Table::Create(dir / "t", schema, FastOptions());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::mt19937_64 rng(7);
  Batch b = RandomBatch(schema, 500, rng);
  auto n = (*table)->Write({b});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 500);
  std::vector<std::string> keys = {"k499", "k0", "nope", "k17", "k17", "", "k250"};
  ExpectRows(**table, keys, b, {499, 0, -1, 17, 17, -1, 250});
  EXPECT_EQ((*table)->Stats().rows, 500);
  EXPECT_EQ((*table)->Stats().segments, 1);
}

TEST(TableTest, ReadsReturnRequestedColumnsInRequestOrder) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  auto table = Table::Create(dir / "t", schema, FastOptions()).value();
  std::mt19937_64 rng(8);
  Batch b = RandomBatch(schema, 10, rng);
  ASSERT_TRUE(table->Write({b}).ok());
  auto out = table->Read({"k3"}, {"score", "id", "c_int8"});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->fields.size(), 3u);
  EXPECT_EQ(out->fields[0].name, "score");
  EXPECT_EQ(out->fields[1].name, "id");
  EXPECT_EQ(out->columns[0].type, DataType::kFloat32);
  EXPECT_EQ(out->columns[1].StringValue(0), "k3");
  auto bad = table->Read({"k3"}, {"score", "nope"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'nope'"), std::string::npos);
}

// A read of record columns gathers into one block (Batch::block), which the Arrow writer sends
// as one message body; a short read, other reads, a batch rearranged after the read, a block
// with bytes between its buffers, and a body over the stream's limit keep one body buffer per
// Arrow buffer. Every form decodes to the cells that were read.
TEST(TableTest, ReadsOfRecordColumnsAreOneBlockThatTheArrowWriterSendsWhole) {
  TempDir dir;
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"f", DataType::kFloat32, true},
                                         {"g", DataType::kInt64, true},
                                         {"b", DataType::kBool, true}})
                    .value();
  auto table = Table::Create(dir / "t", schema, FastOptions()).value();
  Batch in;
  in.fields = testing::FieldsOf(schema);
  ColumnBuilder id(DataType::kUtf8), f(DataType::kFloat32), g(DataType::kInt64), b(DataType::kBool);
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(id.AppendString("r" + std::to_string(i)).ok());
    f.Append<float>(static_cast<float>(i) * 0.5f);
    if (i % 7 == 0) {
      g.AppendNull();
    } else {
      g.Append<int64_t>(i * 1000);
    }
    b.AppendBool(i % 2 == 1);
  }
  in.columns = {id.Finish(), f.Finish(), g.Finish(), b.Finish()};
  in.num_rows = 600;
  ASSERT_TRUE(table->Write({in}).ok());

  // The message, after checking that the whole stream reads back as `out`'s cells.
  auto encode = [](const Batch& out) -> IpcMessage {
    std::string stream = WriteArrowIpcStream(out);
    auto back = ReadArrowIpcStream(Buffer::Copy(stream.data(), stream.size()));
    EXPECT_TRUE(back.ok()) << back.status().ToString();
    if (back.ok() && back->size() == 1) {
      const Batch& r = (*back)[0];
      EXPECT_EQ(r.num_rows, out.num_rows);
      for (size_t c = 0; c < out.columns.size(); ++c) {
        for (int64_t i = 0; i < out.num_rows; ++i) {
          EXPECT_TRUE(CellEquals(r.columns[c], i, out.columns[c], i))
              << out.fields[c].name << " row " << i << ": " << CellToString(r.columns[c], i)
              << " against " << CellToString(out.columns[c], i);
        }
      }
    } else {
      ADD_FAILURE() << "no single batch";
    }
    auto msg = EncodeRecordBatchMessage(out);
    EXPECT_TRUE(msg.ok()) << msg.status().ToString();
    return msg.ok() ? std::move(msg).value() : IpcMessage{};
  };
  std::vector<std::string> keys;  // 300 of the rows, scattered, without the null g's
  for (int i = 0; keys.size() < 300; ++i) {
    if ((i * 37) % 600 % 7 != 0) keys.push_back("r" + std::to_string((i * 37) % 600));
  }

  // Every key found, columns without a null in the segment: no bitmaps in the block, the body
  // is f's values (padded to 64) then b's.
  auto found = table->Read(Views(keys), {"f", "b"}).value();
  ASSERT_FALSE(found.block.empty());
  EXPECT_EQ(found.block.size(), 1216u + 64u);
  EXPECT_TRUE(found.columns[0].validity.empty());
  EXPECT_TRUE(found.columns[1].validity.empty());
  IpcMessage msg = encode(found);
  ASSERT_EQ(msg.body_buffers.size(), 1u);
  EXPECT_EQ(msg.body_buffers[0].data(), found.columns[0].values.data());
  EXPECT_EQ(msg.body_length, 1216 + 40);

  // A missing key and a null value: bitmaps inside the block.
  std::vector<std::string> with_gaps = keys;
  with_gaps[5] = "nope";
  with_gaps[6] = "r7";
  auto gaps = table->Read(Views(with_gaps), {"g", "f", "b"}).value();
  ASSERT_FALSE(gaps.block.empty());
  EXPECT_TRUE(gaps.columns[0].IsNull(6));
  for (const Column& c : gaps.columns) EXPECT_TRUE(c.IsNull(5));
  EXPECT_EQ(gaps.columns[0].null_count, 2);
  EXPECT_EQ(gaps.columns[1].null_count, 1);
  EXPECT_EQ(encode(gaps).body_buffers.size(), 1u);

  // g has null flags in the segment but none among these rows: its bitmap stays in the block,
  // unattached and zeroed, and the body spans it.
  auto unattached = table->Read(Views(keys), {"f", "g"}).value();
  ASSERT_TRUE(unattached.columns[1].validity.empty());
  const uint8_t* g_bitmap = unattached.columns[1].values.data() - 64;
  EXPECT_EQ(std::count(g_bitmap, g_bitmap + 64, 0), 64);
  EXPECT_EQ(encode(unattached).body_buffers.size(), 1u);
  // A byte other than zero between the buffers would go on the wire: the block is not used.
  const_cast<uint8_t*>(g_bitmap)[3] = 0x5A;
  EXPECT_EQ(encode(unattached).body_buffers.size(), 4u);

  // A short read: the block's 64-byte slices would make the body several times longer.
  auto few = table->Read({"r1", "r2", "r3"}, {"f", "b"}).value();
  ASSERT_FALSE(few.block.empty());
  EXPECT_EQ(encode(few).body_buffers.size(), 4u);

  // A utf8 column is gathered on its own: no block, a body buffer per Arrow buffer (f's empty
  // bitmap and values, id's bitmap, offsets and bytes).
  auto mixed = table->Read({"r1", "r5"}, {"f", "id"}).value();
  EXPECT_TRUE(mixed.block.empty());
  EXPECT_EQ(encode(mixed).body_buffers.size(), 5u);

  // Over the stream's body limit as a block, within it as the usual layout.
  auto limited = EncodeArrowIpcStream(found, 1250);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->messages.size(), 2u);
  EXPECT_EQ(limited->messages[1].body_length, 1240);
  EXPECT_EQ(limited->messages[1].body_buffers.size(), 4u);

  // Columns swapped after the read are out of the block's order: the writer does not use it.
  std::swap(gaps.columns[0], gaps.columns[1]);
  std::swap(gaps.fields[0], gaps.fields[1]);
  EXPECT_EQ(encode(gaps).body_buffers.size(), 6u);
}

TEST(TableTest, LastWriteWinsAcrossSegmentsAndWithinABatch) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, true}})
          .value();
  TableOptions opts = FastOptions();
  opts.tier_fan_in = 1000;  // keep segments apart
  auto table = Table::Create(dir / "t", schema, opts).value();
  auto make = [&](std::vector<std::pair<std::string, int64_t>> rows) {
    Batch b;
    b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, true}};
    ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64);
    for (auto& [key, val] : rows) {
      (void)k.AppendString(key);
      v.Append<int64_t>(val);
    }
    b.columns = {k.Finish(), v.Finish()};
    b.num_rows = static_cast<int64_t>(rows.size());
    return b;
  };
  ASSERT_TRUE(table->Write({make({{"a", 1}, {"b", 2}, {"a", 3}})}).ok());
  ASSERT_TRUE(table->Write({make({{"b", 20}, {"c", 30}})}).ok());
  ASSERT_TRUE(table->Write({make({{"c", 300}}), make({{"d", 4}, {"c", 301}})}).ok());
  auto check = [&](Table& t) {
    auto out = t.Read({"a", "b", "c", "d", "e"}, {"v"});
    ASSERT_TRUE(out.ok());
    const Column& v = out->columns[0];
    EXPECT_EQ(v.Value<int64_t>(0), 3);
    EXPECT_EQ(v.Value<int64_t>(1), 20);
    EXPECT_EQ(v.Value<int64_t>(2), 301);
    EXPECT_EQ(v.Value<int64_t>(3), 4);
    EXPECT_TRUE(v.IsNull(4));
    EXPECT_EQ(t.Stats().rows, 4);
  };
  check(*table);
  EXPECT_EQ(table->Stats().segments, 3);
  ASSERT_TRUE(table->CompactAll().ok());
  EXPECT_EQ(table->Stats().segments, 1);
  check(*table);
  table.reset();
  auto reopened = Table::Open(dir / "t", opts).value();
  check(*reopened);
}

TEST(TableTest, ReopenAfterRestartKeepsEverySegment) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  std::mt19937_64 rng(9);
  Batch b1 = RandomBatch(schema, 300, rng, "x");
  Batch b2 = RandomBatch(schema, 200, rng, "y");
  {
    auto table = Table::Create(dir / "t", schema, TableOptions()).value();
    ASSERT_TRUE(table->Write({b1}).ok());
    ASSERT_TRUE(table->Write({b2}).ok());
  }
  auto table = Table::Open(dir / "t", TableOptions());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ((*table)->schema(), schema);
  EXPECT_EQ((*table)->Stats().rows, 500);
  ExpectRows(**table, {"x0", "nope", "x299"}, b1, {0, -1, 299});
  ExpectRows(**table, {"y199", "y0"}, b2, {199, 0});
}

TEST(TableTest, RejectedWritesChangeNothingAndNameTheColumn) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  auto table = Table::Create(dir / "docs", schema, FastOptions()).value();
  std::mt19937_64 rng(10);
  auto expect_rejected = [&](const Batch& b, const std::string& fragment) {
    auto r = table->Write({b});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
    EXPECT_EQ(table->Stats().segments, 0);
  };
  Batch b = RandomBatch(schema, 5, rng);
  // Type mismatch names both types and the table.
  Batch wrong = b;
  int si = wrong.FindField("score");
  wrong.fields[si].type = DataType::kFloat64;
  ColumnBuilder f64(DataType::kFloat64);
  for (int i = 0; i < 5; ++i) f64.Append<double>(i);
  wrong.columns[si] = f64.Finish();
  expect_rejected(wrong, "column 'score' is float64 in the batch but float32 in table 'docs'");
  // Unknown column.
  Batch extra = b;
  extra.fields.push_back({"bogus", DataType::kInt8, true});
  ColumnBuilder i8(DataType::kInt8);
  for (int i = 0; i < 5; ++i) i8.Append<int8_t>(1);
  extra.columns.push_back(i8.Finish());
  expect_rejected(extra, "unknown column 'bogus'");
  // Missing non-nullable column.
  Batch missing = b;
  missing.fields.erase(missing.fields.begin() + si);
  missing.columns.erase(missing.columns.begin() + si);
  expect_rejected(missing, "column 'score' is missing");
  // Null key names the row.
  Batch nullkey = b;
  ColumnBuilder kb(DataType::kUtf8);
  (void)kb.AppendString("a");
  (void)kb.AppendString("b");
  kb.AppendNull();
  (void)kb.AppendString("c");
  (void)kb.AppendString("d");
  nullkey.columns[0] = kb.Finish();
  expect_rejected(nullkey, "column 'id' is not nullable but row 2 is null");
  // Columns of unequal length.
  Batch ragged = b;
  ragged.num_rows = 6;
  expect_rejected(ragged, "rows");
}

TEST(TableTest, AbsentNullableColumnIsAllNullsAndDeclaredNullableBatchColumnsAreAccepted) {
  TempDir dir;
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"a", DataType::kInt32, false},
                                         {"b", DataType::kUtf8, true}})
                    .value();
  auto table = Table::Create(dir / "t", schema, FastOptions()).value();
  Batch b;
  b.fields = {{"a", DataType::kInt32, true}, {"id", DataType::kUtf8, true}};  // declared nullable
  ColumnBuilder a(DataType::kInt32), k(DataType::kUtf8);
  a.Append<int32_t>(5);
  (void)k.AppendString("r1");
  b.columns = {a.Finish(), k.Finish()};
  b.num_rows = 1;
  ASSERT_TRUE(table->Write({b}).ok());
  auto out = table->Read({"r1"}, {"b", "a"}).value();
  EXPECT_TRUE(out.columns[0].IsNull(0));
  EXPECT_EQ(out.columns[1].Value<int32_t>(0), 5);
}

// Integer keys (decision 0024): the key index hashes and compares their 8 little-endian bytes;
// the same last-write-wins, compaction (with shadowed keys) and reopen as utf8 keys.
template <typename K>
void IntegerKeyTable(DataType key_type, std::vector<K> ids) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"v", DataType::kInt32, true}, {"id", key_type, false}}).value();
  TableOptions opts = FastOptions();
  opts.tier_fan_in = 1000;  // keep segments apart
  auto table = Table::Create(dir / "t", schema, opts).value();
  auto make = [&](std::vector<std::pair<K, int32_t>> rows) {
    Batch b;
    b.fields = {{"v", DataType::kInt32, true}, {"id", key_type, false}};
    ColumnBuilder k(key_type), v(DataType::kInt32);
    for (auto& [key, val] : rows) {
      k.Append<K>(key);
      v.Append<int32_t>(val);
    }
    b.columns = {v.Finish(), k.Finish()};
    b.num_rows = static_cast<int64_t>(rows.size());
    return b;
  };
  // ids[0..3] are distinct; the last is never written.
  ASSERT_TRUE(table->Write({make({{ids[0], 1}, {ids[1], 2}, {ids[0], 3}})}).ok());
  ASSERT_TRUE(table->Write({make({{ids[1], 20}, {ids[2], 30}})}).ok());
  ASSERT_TRUE(table->Write({make({{ids[2], 300}}), make({{ids[3], 4}, {ids[2], 301}})}).ok());
  auto check = [&](Table& t) {
    std::vector<std::string_view> keys;
    for (const K& id : ids) keys.emplace_back(reinterpret_cast<const char*>(&id), 8);
    keys.push_back(keys[1]);
    auto out = t.Read(keys, {"v", "id"});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const Column& v = out->columns[0];
    EXPECT_EQ(v.Value<int32_t>(0), 3);
    EXPECT_EQ(v.Value<int32_t>(1), 20);
    EXPECT_EQ(v.Value<int32_t>(2), 301);
    EXPECT_EQ(v.Value<int32_t>(3), 4);
    EXPECT_TRUE(v.IsNull(4));
    EXPECT_EQ(v.Value<int32_t>(5), 20);
    // The key column reads back with its type.
    const Column& id = out->columns[1];
    EXPECT_EQ(id.type, key_type);
    EXPECT_EQ(id.Value<K>(0), ids[0]);
    EXPECT_EQ(id.Value<K>(3), ids[3]);
    EXPECT_TRUE(id.IsNull(4));
    EXPECT_EQ(id.Value<K>(5), ids[1]);
    EXPECT_EQ(t.Stats().rows, 4);
  };
  check(*table);
  EXPECT_EQ(table->Stats().segments, 3);
  ASSERT_TRUE(table->CompactAll().ok());
  EXPECT_EQ(table->Stats().segments, 1);
  check(*table);
  table.reset();
  auto reopened = Table::Open(dir / "t", opts).value();
  check(*reopened);
  auto bad = reopened->Read({"abc"}, {"v"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "key 0 of a read of table 't' is not 8 bytes (an integer key)");
}

TEST(TableTest, Int64KeysLastWriteWinsCompactionAndReopen) {
  IntegerKeyTable<int64_t>(DataType::kInt64, {-1, 0, INT64_MAX, INT64_MIN, 42});
}

TEST(TableTest, UInt64KeysLastWriteWinsCompactionAndReopen) {
  IntegerKeyTable<uint64_t>(DataType::kUInt64, {UINT64_MAX, 0, 1ull << 63, 7, 8});
}

// Many int64 keys over several segments: every key is found in the segment that holds it.
TEST(TableTest, ManyInt64KeysAcrossSegments) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kInt64, false}, {"v", DataType::kInt64, false}})
          .value();
  TableOptions opts = FastOptions();
  opts.tier_fan_in = 1000;
  auto table = Table::Create(dir / "t", schema, opts).value();
  std::mt19937_64 rng(11);
  std::vector<int64_t> all;
  for (int s = 0; s < 4; ++s) {
    Batch b;
    b.fields = {{"id", DataType::kInt64, false}, {"v", DataType::kInt64, false}};
    ColumnBuilder k(DataType::kInt64), v(DataType::kInt64);
    for (int i = 0; i < 5000; ++i) {
      int64_t id = static_cast<int64_t>(rng());
      all.push_back(id);
      k.Append<int64_t>(id);
      v.Append<int64_t>(~id);
    }
    b.columns = {k.Finish(), v.Finish()};
    b.num_rows = 5000;
    ASSERT_TRUE(table->Write({b}).ok());
  }
  std::vector<std::string_view> keys;
  for (const int64_t& id : all) keys.emplace_back(reinterpret_cast<const char*>(&id), 8);
  auto out = table->Read(keys, {"v"}).value();
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(out.columns[0].Value<int64_t>(static_cast<int64_t>(i)), ~all[i]) << i;
  }
}

TEST(TableTest, ManySmallWritesAreCompactedToFewSegments) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kUInt32, true}})
          .value();
  auto table = Table::Create(dir / "t", schema, FastOptions()).value();
  for (uint32_t i = 0; i < 1000; ++i) {
    Batch b;
    b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kUInt32, true}};
    ColumnBuilder k(DataType::kUtf8), v(DataType::kUInt32);
    (void)k.AppendString("key" + std::to_string(i % 300));
    v.Append<uint32_t>(i);
    b.columns = {k.Finish(), v.Finish()};
    b.num_rows = 1;
    ASSERT_TRUE(table->Write({b}).ok());
  }
  table->WaitForCompactions();
  TableStats st = table->Stats();
  EXPECT_LE(st.segments, 24);
  EXPECT_EQ(st.rows, 300);
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "t")) {
    files += e.path().extension() == ".seg";
  }
  EXPECT_EQ(files, static_cast<size_t>(st.segments));
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("key" + std::to_string(i));
  auto out = table->Read(Views(keys), {"v"}).value();
  for (int i = 0; i < 300; ++i) {
    uint32_t last = static_cast<uint32_t>(i + 900 < 1000 ? i + 900 : i + 600);
    ASSERT_EQ(out.columns[0].Value<uint32_t>(i), last) << keys[i];
  }
}

TEST(TableTest, KeysLongerThanTheInlineCopyAndSharedPrefixesAreTellApart) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt32, false}})
          .value();
  auto table = Table::Create(dir / "t", schema, FastOptions()).value();
  std::vector<std::string> keys;
  for (int len = 0; len <= 80; ++len) keys.push_back(std::string(len, 'a'));
  for (int len = 30; len <= 40; ++len) keys.push_back(std::string(len, 'a') + "b");
  keys.push_back(std::string(300, 'z'));
  keys.push_back(std::string(300, 'z') + "y");
  Batch b;
  b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt32, false}};
  ColumnBuilder k(DataType::kUtf8), v(DataType::kInt32);
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(k.AppendString(keys[i]).ok());
    v.Append<int32_t>(static_cast<int32_t>(i));
  }
  b.columns = {k.Finish(), v.Finish()};
  b.num_rows = static_cast<int64_t>(keys.size());
  ASSERT_TRUE(table->Write({b}).ok());
  std::vector<std::string> probe = keys;
  probe.push_back(std::string(81, 'a'));
  probe.push_back(std::string(41, 'a') + "b");
  probe.push_back(std::string(299, 'z'));
  auto out = table->Read(Views(probe), {"v", "id"}).value();
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_FALSE(out.columns[0].IsNull(static_cast<int64_t>(i))) << keys[i].size();
    EXPECT_EQ(out.columns[0].Value<int32_t>(static_cast<int64_t>(i)), static_cast<int32_t>(i));
    EXPECT_EQ(out.columns[1].StringValue(static_cast<int64_t>(i)), keys[i]);
  }
  for (size_t i = keys.size(); i < probe.size(); ++i) {
    EXPECT_TRUE(out.columns[0].IsNull(static_cast<int64_t>(i))) << probe[i].size();
  }
}

TEST(TableTest, InputsLeftBehindByACompactionAreRemovedOnOpen) {
  // Simulates a crash after a compaction wrote its merged segment but before it deleted the
  // inputs: the inputs' files are put back, and open must ignore and remove them.
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, true}})
          .value();
  TableOptions opts = FastOptions();
  opts.tier_fan_in = 1000;
  auto table = Table::Create(dir / "t", schema, opts).value();
  for (int64_t w = 0; w < 3; ++w) {
    Batch b;
    b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, true}};
    ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64);
    (void)k.AppendString("same");
    v.Append<int64_t>(w);
    (void)k.AppendString("only" + std::to_string(w));
    v.Append<int64_t>(w);
    b.columns = {k.Finish(), v.Finish()};
    b.num_rows = 2;
    ASSERT_TRUE(table->Write({b}).ok());
  }
  std::map<std::string, std::string> before;
  for (auto& e : std::filesystem::directory_iterator(dir / "t")) {
    if (e.path().extension() == ".seg") before[e.path()] = testing::ReadFileToString(e.path());
  }
  ASSERT_EQ(before.size(), 3u);
  ASSERT_TRUE(table->CompactAll().ok());
  table.reset();
  for (auto& [path, bytes] : before) testing::WriteStringToFile(path, bytes);
  auto reopened = Table::Open(dir / "t", opts).value();
  EXPECT_EQ(reopened->Stats().segments, 1);
  EXPECT_EQ(reopened->Stats().rows, 4);
  for (auto& [path, bytes] : before) EXPECT_FALSE(std::filesystem::exists(path)) << path;
  auto out = reopened->Read({"same", "only0", "only2"}, {"v"}).value();
  EXPECT_EQ(out.columns[0].Value<int64_t>(0), 2);
  EXPECT_EQ(out.columns[0].Value<int64_t>(1), 0);
  EXPECT_EQ(out.columns[0].Value<int64_t>(2), 2);
}

TEST(TableTest, InlineCompactionKeepsTheSegmentCountLogarithmic) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}})
          .value();
  TableOptions opts = FastOptions();
  opts.background_compaction = false;  // compaction runs inside Write: deterministic
  auto table = Table::Create(dir / "t", schema, opts).value();
  for (int64_t w = 0; w < 64; ++w) {
    Batch b;
    b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}};
    ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64);
    (void)k.AppendString("k" + std::to_string(w));
    v.Append<int64_t>(w);
    b.columns = {k.Finish(), v.Finish()};
    b.num_rows = 1;
    ASSERT_TRUE(table->Write({b}).ok());
    // 4 one-row segments merge into one of 4 rows, 4 of those into 16, ...: after 64 writes the
    // tiers hold exactly one 64-row segment.
  }
  EXPECT_EQ(table->Stats().segments, 1);
  EXPECT_EQ(table->Stats().rows, 64);
  auto out = table->Read({"k0", "k63"}, {"v"}).value();
  EXPECT_EQ(out.columns[0].Value<int64_t>(0), 0);
  EXPECT_EQ(out.columns[0].Value<int64_t>(1), 63);
}

TEST(TableTest, MergesOverMaxMergeBytesAreSkippedAndTheTableStaysCorrect) {
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}})
          .value();
  TableOptions opts = FastOptions();
  opts.background_compaction = false;
  auto write = [&](Table& t, int64_t w) {
    Batch b;
    b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}};
    ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64);
    (void)k.AppendString("k" + std::to_string(w));
    v.Append<int64_t>(w);
    b.columns = {k.Finish(), v.Finish()};
    b.num_rows = 1;
    ASSERT_TRUE(t.Write({b}).ok());
  };
  // Measure one segment, then allow merges of up to two of them.
  auto probe = Table::Create(dir / "probe", schema, opts).value();
  write(*probe, 0);
  const int64_t one = probe->Stats().bytes;
  opts.max_merge_bytes = 2 * one + one / 2;
  auto table = Table::Create(dir / "t", schema, opts).value();
  for (int64_t w = 0; w < 8; ++w) write(*table, w);
  // tier_fan_in 4 would merge four one-row segments; that is over the bound, so none merge.
  EXPECT_EQ(table->Stats().segments, 8);
  Status all = table->CompactAll();
  EXPECT_EQ(all.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(all.message().find("storage.max_merge_bytes"), std::string::npos) << all.message();
  EXPECT_EQ(table->Stats().rows, 8);
  auto out = table->Read({"k0", "k7"}, {"v"}).value();
  EXPECT_EQ(out.columns[0].Value<int64_t>(0), 0);
  EXPECT_EQ(out.columns[0].Value<int64_t>(1), 7);
  // Invalid bound: refused.
  opts.max_merge_bytes = 0;
  EXPECT_EQ(Table::Create(dir / "u", schema, opts).status().code(), StatusCode::kInvalidArgument);
}

// A nullable record column with no null in one segment (read without looking at the null flags,
// from the footer's null count) and with nulls in another: reads across both, from one alone,
// and after a merge give each row's value or null.
TEST(TableTest, NullableColumnWithoutNullsInOneSegmentAndWithNullsInAnother) {
  TempDir dir;
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"v", DataType::kInt64, true},
                                         {"f", DataType::kFloat32, true}})
                    .value();
  TableOptions opts = FastOptions();
  opts.background_compaction = false;
  opts.tier_fan_in = 1 << 20;
  auto table = Table::Create(dir / "t", schema, opts).value();
  constexpr int kRows = 300;
  auto write = [&](const std::string& prefix, bool with_nulls) {
    Batch b;
    b.fields = testing::FieldsOf(schema);
    ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64), f(DataType::kFloat32);
    for (int i = 0; i < kRows; ++i) {
      (void)k.AppendString(prefix + std::to_string(i));
      if (with_nulls && i % 3 == 0) {
        v.AppendNull();
      } else {
        v.Append<int64_t>(with_nulls ? -i : i);
      }
      f.Append<float>(static_cast<float>(i) * 0.5f);
    }
    b.columns = {k.Finish(), v.Finish(), f.Finish()};
    b.num_rows = kRows;
    ASSERT_TRUE(table->Write({b}).ok());
  };
  write("a", false);
  write("b", true);
  // What row `key` should read: its v (or nullopt for null or missing) and its f.
  auto expect = [&](const std::vector<std::string>& keys) {
    std::vector<std::string_view> views(keys.begin(), keys.end());
    auto out = table->Read(views, {"v", "f"});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (size_t r = 0; r < keys.size(); ++r) {
      const std::string& key = keys[r];
      const bool known = key[0] == 'a' || key[0] == 'b';
      const int i = known ? std::stoi(key.substr(1)) : -1;
      const bool v_null = !known || (key[0] == 'b' && i % 3 == 0);
      ASSERT_EQ(out->columns[0].IsNull(r), v_null) << key;
      if (!v_null) {
        EXPECT_EQ(out->columns[0].Value<int64_t>(r), key[0] == 'b' ? -i : i) << key;
      } else {
        EXPECT_EQ(out->columns[0].Value<int64_t>(r), 0) << key;  // a null's slot is zero
      }
      ASSERT_EQ(out->columns[1].IsNull(r), !known) << key;
      if (known) {
        EXPECT_EQ(out->columns[1].Value<float>(r), static_cast<float>(i) * 0.5f) << key;
      }
    }
  };
  std::vector<std::string> only_a, mixed;
  for (int i = kRows - 1; i >= 0; --i) only_a.push_back("a" + std::to_string(i));
  for (int i = 0; i < kRows; ++i) {
    mixed.push_back((i % 2 ? "a" : "b") + std::to_string((i * 7) % kRows));
    if (i % 50 == 0) mixed.push_back("missing" + std::to_string(i));
  }
  ASSERT_EQ(table->Snapshot()->segments.size(), 2u);
  expect(only_a);
  expect(mixed);
  ASSERT_TRUE(table->CompactAll().ok());
  ASSERT_EQ(table->Snapshot()->segments.size(), 1u);
  expect(only_a);
  expect(mixed);
}

TEST(TableTest, ConcurrentReadersSeeOnlyWholeSnapshots) {
  // Every write stores the same value v in all rows of columns a and b; a reader that ever saw a
  // row whose a != b, or a mix of versions within one read, saw a torn state.
  TempDir dir;
  auto schema = TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                         {"a", DataType::kInt64, false},
                                         {"b", DataType::kInt64, false}})
                    .value();
  TableOptions opts = FastOptions();
  auto table = Table::Create(dir / "t", schema, opts).value();
  constexpr int kRows = 64;
  std::vector<std::string> keys;
  for (int i = 0; i < kRows; ++i) keys.push_back("k" + std::to_string(i));
  auto write_version = [&](int64_t v) {
    Batch b;
    b.fields = {{"id", DataType::kUtf8, false},
                {"a", DataType::kInt64, false},
                {"b", DataType::kInt64, false}};
    ColumnBuilder k(DataType::kUtf8), a(DataType::kInt64), bb(DataType::kInt64);
    for (int i = 0; i < kRows; ++i) {
      (void)k.AppendString(keys[i]);
      a.Append<int64_t>(v);
      bb.Append<int64_t>(v);
    }
    b.columns = {k.Finish(), a.Finish(), bb.Finish()};
    b.num_rows = kRows;
    return table->Write({b});
  };
  ASSERT_TRUE(write_version(0).ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> torn{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      auto views = Views(keys);
      int64_t last_seen = 0;
      while (!stop.load()) {
        auto out = table->Read(views, {"a", "b"});
        if (!out.ok()) {
          ++torn;
          continue;
        }
        int64_t v0 = out->columns[0].Value<int64_t>(0);
        for (int i = 0; i < kRows; ++i) {
          if (out->columns[0].IsNull(i) || out->columns[0].Value<int64_t>(i) != v0 ||
              out->columns[1].Value<int64_t>(i) != v0) {
            ++torn;
          }
        }
        if (v0 < last_seen) ++torn;  // snapshots never go back in time
        last_seen = v0;
        ++reads;
      }
    });
  }
  for (int64_t v = 1; v <= 200; ++v) {
    ASSERT_TRUE(write_version(v).ok());
    if (v % 50 == 0) {
      ASSERT_TRUE(table->CompactAll().ok());
    }
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  auto out = table->Read(Views(keys), {"a"}).value();
  EXPECT_EQ(out.columns[0].Value<int64_t>(kRows - 1), 200);
}

TEST(TableTest, SigkillDuringWritesKeepsEveryAcknowledgedWrite) {
  if (std::getenv("MURR_SANITIZED")) GTEST_SKIP() << "fork + SIGKILL under ASan is not useful";
  TempDir dir;
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}})
          .value();
  ASSERT_TRUE(Table::Create(dir / "t", schema, TableOptions()).ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto table = Table::Open(dir / "t", TableOptions()).value();
    for (int64_t w = 0;; ++w) {
      Batch b;
      b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}};
      ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64);
      for (int i = 0; i < 2000; ++i) {
        (void)k.AppendString("w" + std::to_string(w) + "_" + std::to_string(i));
        v.Append<int64_t>(w * 10000 + i);
      }
      b.columns = {k.Finish(), v.Finish()};
      b.num_rows = 2000;
      if (!table->Write({b}).ok()) _exit(3);
      // Acknowledge: the write returned, so it must survive.
      if (write(fds[1], &w, sizeof(w)) != sizeof(w)) _exit(4);
    }
  }
  close(fds[1]);
  int64_t acked = -1, w;
  // Let it write for a while (compactions included), then kill it mid-flight.
  while (acked < 40 && read(fds[0], &w, sizeof(w)) == sizeof(w)) acked = w;
  kill(pid, SIGKILL);
  while (read(fds[0], &w, sizeof(w)) == sizeof(w)) acked = w;
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  ASSERT_GE(acked, 40);
  auto table = Table::Open(dir / "t", TableOptions());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::vector<std::string> keys;
  for (int64_t x = 0; x <= acked; ++x) {
    keys.push_back("w" + std::to_string(x) + "_0");
    keys.push_back("w" + std::to_string(x) + "_1999");
  }
  auto out = (*table)->Read(Views(keys), {"v"}).value();
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_FALSE(out.columns[0].IsNull(static_cast<int64_t>(i))) << keys[i] << " lost";
  }
  EXPECT_GE((*table)->Stats().rows, (acked + 1) * 2000);
  for (auto& e : std::filesystem::directory_iterator(dir / "t")) {
    EXPECT_NE(e.path().extension(), ".tmp");
  }
}

}  // namespace
}  // namespace murr
