#include "murr/segment/segment.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "common/batch_util.h"
#include "common/test_util.h"

namespace murr {
namespace {

using testing::AllTypesSchema;
using testing::CellEquals;
using testing::RandomBatch;
using testing::TempDir;

std::string WriteSegment(const TempDir& dir, const TableSchema& schema, const Batch& b) {
  std::vector<uint32_t> shadowed;
  auto slots = BuildKeyIndex(b.columns[schema.key_index()], &shadowed);
  EXPECT_TRUE(shadowed.empty());
  std::string path = dir / "00000000000000000001.seg";
  Status st = Segment::Write(path, schema, b, slots, /*sync=*/true);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return path;
}

TEST(SegmentTest, RoundTripsEveryTypeWithNulls) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  std::mt19937_64 rng(1);
  Batch b = RandomBatch(schema, 1000, rng);
  std::string path = WriteSegment(dir, schema, b);
  auto seg = Segment::Open(path, schema, true);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  ASSERT_EQ((*seg)->num_rows(), 1000);
  for (size_t c = 0; c < schema.columns().size(); ++c) {
    const Column col = (*seg)->ReadColumn(static_cast<int>(c));
    EXPECT_EQ(col.null_count, b.columns[c].null_count);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(col.values.data()) % 64, 0u);
    for (int64_t r = 0; r < 1000; ++r) {
      ASSERT_TRUE(CellEquals(col, r, b.columns[c], r)) << schema.columns()[c].name << " row " << r;
    }
  }
  for (int64_t r = 0; r < 1000; ++r) {
    std::string k = "k" + std::to_string(r);
    EXPECT_EQ((*seg)->index().Find(k, HashKey(k)), r);
  }
  EXPECT_EQ((*seg)->index().Find("absent", HashKey("absent")), -1);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*seg)->records()) % 64, 0u);
  EXPECT_EQ((*seg)->layout().stride() % 8, 0u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(SegmentTest, EmptySegmentOpens) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  std::mt19937_64 rng(2);
  Batch b = RandomBatch(schema, 0, rng);
  std::string path = WriteSegment(dir, schema, b);
  auto seg = Segment::Open(path, schema, true);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  EXPECT_EQ((*seg)->num_rows(), 0);
  EXPECT_EQ((*seg)->index().Find("x", HashKey("x")), -1);
}

TEST(SegmentTest, EveryFlippedByteOrTruncationIsCorruptionNamingTheFile) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  std::mt19937_64 rng(3);
  Batch b = RandomBatch(schema, 12, rng);
  std::string path = WriteSegment(dir, schema, b);
  std::string good = testing::ReadFileToString(path);
  std::string bad_path = dir / "bad.seg";
  // Flip one byte at a time across the whole file (the header's reserved bytes and alignment
  // padding are not covered by checksums; everything else must be).
  int detected = 0, flipped = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x5a;
    testing::WriteStringToFile(bad_path, bad);
    auto seg = Segment::Open(bad_path, schema, true);
    ++flipped;
    if (!seg.ok()) {
      ++detected;
      EXPECT_EQ(seg.status().code(), StatusCode::kCorruption);
      EXPECT_NE(seg.status().message().find(bad_path), std::string::npos);
    }
  }
  // Payloads, footer and trailer are all checked: only padding may go unnoticed.
  EXPECT_GT(detected, flipped * 3 / 4);
  for (size_t len = 0; len < good.size(); len += 7) {
    testing::WriteStringToFile(bad_path, good.substr(0, len));
    auto seg = Segment::Open(bad_path, schema, true);
    ASSERT_FALSE(seg.ok()) << "truncated to " << len;
    EXPECT_EQ(seg.status().code(), StatusCode::kCorruption);
  }
}

TEST(SegmentTest, FlippedPayloadByteIsCaughtByChecksum) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  std::mt19937_64 rng(4);
  Batch b = RandomBatch(schema, 100, rng);
  std::string path = WriteSegment(dir, schema, b);
  std::string data = testing::ReadFileToString(path);
  data[kSegmentHeaderSize + 3] ^= 1;  // first payload (key offsets)
  testing::WriteStringToFile(path, data);
  auto seg = Segment::Open(path, schema, true);
  ASSERT_FALSE(seg.ok());
  EXPECT_NE(seg.status().message().find("checksum"), std::string::npos) << seg.status().message();
}

TEST(SegmentTest, SchemaMismatchIsReported) {
  TempDir dir;
  TableSchema schema = AllTypesSchema();
  std::mt19937_64 rng(5);
  std::string path = WriteSegment(dir, schema, RandomBatch(schema, 10, rng));
  auto other = TableSchema::Make("id", {{"id", DataType::kUtf8, false}}).value();
  auto seg = Segment::Open(path, other, true);
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(seg.status().code(), StatusCode::kCorruption);
}

TEST(KeyIndexTest, LastDuplicateWins) {
  ColumnBuilder kb(DataType::kUtf8);
  for (const char* k : {"a", "b", "a", "c", "b", "a"}) ASSERT_TRUE(kb.AppendString(k).ok());
  Column keys = kb.Finish();
  std::vector<uint32_t> shadowed;
  auto slots = BuildKeyIndex(keys, &shadowed);
  std::sort(shadowed.begin(), shadowed.end());
  EXPECT_EQ(shadowed, (std::vector<uint32_t>{0, 1, 2}));
  KeyIndexView view(slots.data(), slots.size(), &keys);
  EXPECT_EQ(view.Find("a", HashKey("a")), 5);
  EXPECT_EQ(view.Find("b", HashKey("b")), 4);
  EXPECT_EQ(view.Find("c", HashKey("c")), 3);
  EXPECT_EQ(view.Find("d", HashKey("d")), -1);
}

// FindBatch against a plain linear probe, on hand-made slot arrays: small capacities (so that
// probes wrap around the end), fingerprints from {0, 1, 2} (many false matches, and empty slots,
// whose fingerprint is 0, matching fingerprint 0), runs longer than the four slots compared at
// once, and full arrays without an empty slot, where a probe must still end.
TEST(KeyIndexTest, FindBatchMatchesALinearProbe) {
  ColumnBuilder kb(DataType::kUtf8);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(kb.AppendString("k" + std::to_string(i)).ok());
  Column keys = kb.Finish();
  std::mt19937_64 rng(17);
  int found = 0, missing = 0, long_probes = 0;
  for (int round = 0; round < 400; ++round) {
    const uint64_t capacity = 1 + rng() % 24;
    const int fill_percent = round % 5 == 0 ? 100 : 40 + static_cast<int>(rng() % 61);
    std::vector<IndexSlot> slots(capacity, IndexSlot{0, kEmptyRow});
    for (IndexSlot& s : slots) {
      if (static_cast<int>(rng() % 100) < fill_percent) {
        s = IndexSlot{static_cast<uint32_t>(rng() % 3), static_cast<uint32_t>(rng() % 40)};
      }
    }
    KeyIndexView view(slots.data(), capacity, &keys);
    const size_t n = 1 + rng() % 150;
    std::vector<std::string> texts(n);
    std::vector<std::string_view> asked(n);
    std::vector<uint64_t> hashes(n);
    std::vector<uint32_t> idx(n);
    for (size_t i = 0; i < n; ++i) {
      texts[i] = "k" + std::to_string(rng() % 44);  // k40..k43 are in no slot
      asked[i] = texts[i];
      hashes[i] = (uint64_t{static_cast<uint32_t>(rng() % 3)} << 32) | (rng() & 0xFFFFFFFFu);
      idx[i] = static_cast<uint32_t>(n - 1 - i);  // the batch asks in its own order
    }
    std::vector<int64_t> rows(n, -7);
    view.FindBatch(asked.data(), hashes.data(), idx.data(), n, rows.data());
    for (size_t i = 0; i < n; ++i) {
      // The reference: from the home slot on, the first slot whose fingerprint and key match,
      // before the first empty slot, looking at each slot once.
      const uint32_t fp = static_cast<uint32_t>(hashes[i] >> 32);
      uint64_t p = HomeSlot(hashes[i], capacity);
      int64_t want = -1;
      uint64_t probes = 0;
      for (; probes < capacity; ++probes) {
        const IndexSlot s = slots[p];
        if (s.row == kEmptyRow) break;
        if (s.fingerprint == fp && keys.KeyBytes(s.row) == asked[i]) {
          want = s.row;
          break;
        }
        if (++p == capacity) p = 0;
      }
      long_probes += probes > 4;
      ASSERT_EQ(rows[i], want) << "round " << round << " key " << texts[i] << " capacity "
                               << capacity << " home " << HomeSlot(hashes[i], capacity);
      ASSERT_EQ(view.Find(asked[i], hashes[i]), want);
      (want >= 0 ? found : missing)++;
    }
  }
  // The cases above all occurred.
  EXPECT_GT(found, 1000);
  EXPECT_GT(missing, 1000);
  EXPECT_GT(long_probes, 500);
}

// The key filter never rejects a key it holds and rejects about 99% of the others (10 bits per key,
// 8 bits set per key in one 256-bit block).
TEST(KeyFilterTest, NoFalseNegativesAndFewFalsePositives) {
  const size_t n = 100000;
  std::vector<uint64_t> in(n);
  for (size_t i = 0; i < n; ++i) in[i] = HashKey("in" + std::to_string(i));
  std::vector<uint32_t> words = BuildKeyFilter(in.data(), n);
  ASSERT_EQ(words.size(), FilterBlocksFor(n) * 8);
  EXPECT_EQ(FilterBlocksFor(n), (n * 10 + 255) / 256);
  KeyFilterView filter(words.data(), FilterBlocksFor(n));
  ASSERT_TRUE(filter.present());
  for (uint64_t h : in) ASSERT_TRUE(filter.MayContain(h));
  size_t false_positives = 0;
  for (size_t i = 0; i < n; ++i)
    false_positives += filter.MayContain(HashKey("out" + std::to_string(i)));
  EXPECT_GT(false_positives, 0u);           // a Bloom filter, not a set
  EXPECT_LT(false_positives, n * 2 / 100);  // under 2%
  EXPECT_FALSE(KeyFilterView().present());
}

// A segment carries the filter of its keys (its bytes are covered by the flipped-byte test above).
TEST(SegmentTest, CarriesTheKeyFilterOfItsKeys) {
  TempDir dir;
  auto schema = AllTypesSchema();
  std::mt19937_64 rng(9);
  Batch b = RandomBatch(schema, 500, rng);
  std::string path = WriteSegment(dir, schema, b);
  auto seg = Segment::Open(path, schema, true);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  ASSERT_TRUE((*seg)->filter().present());
  const Column& keys = b.columns[schema.key_index()];
  for (int64_t r = 0; r < keys.length; ++r) {
    EXPECT_TRUE((*seg)->filter().MayContain(HashKey(keys.StringValue(r)))) << r;
  }
  int rejected = 0;
  for (int i = 0; i < 1000; ++i) {
    rejected += !(*seg)->filter().MayContain(HashKey("absent" + std::to_string(i)));
  }
  EXPECT_GT(rejected, 950);
}

// The inline key compare: equal runs of every length up to the inline width and beyond, and a
// difference at every position is seen.
TEST(KeyIndexTest, SameBytesSeesEveryDifference) {
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<uint8_t> a(n);
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<uint8_t>(i * 37 + n);
    std::string b(a.begin(), a.end());
    EXPECT_TRUE(SameBytes(a.data(), b.data(), n)) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string c = b;
      c[i] = static_cast<char>(c[i] ^ 0x01);
      EXPECT_FALSE(SameBytes(a.data(), c.data(), n)) << n << " " << i;
    }
  }
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// Lists: stored columnar (offsets, then the item column's payloads) and read in place.
TableSchema ListSchema() {
  return TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                  {"ints", DataType::List(TypeId::kInt64), true},
                                  {"words", DataType::List(TypeId::kUtf8), true},
                                  {"flags", DataType::List(TypeId::kBool), false},
                                  {"x", DataType::kInt32, true}})
      .value();
}

TEST(SegmentListTest, RoundTripsListsInPlace) {
  TempDir dir;
  TableSchema schema = ListSchema();
  std::mt19937_64 rng(5);
  Batch b = RandomBatch(schema, 500, rng);
  std::string path = WriteSegment(dir, schema, b);
  auto seg = Segment::Open(path, schema, true);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  for (int c : {1, 2, 3}) {
    const Column& col = (*seg)->column(c);
    ASSERT_TRUE(col.Validate().ok());
    EXPECT_EQ(col.null_count, b.columns[c].null_count);
    EXPECT_EQ(col.items().null_count, b.columns[c].items().null_count);
    // Borrowed from the mapping, 64-byte aligned.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(col.items().values.data()) % 64, 0u);
    for (int64_t r = 0; r < 500; ++r) {
      ASSERT_TRUE(CellEquals(col, r, b.columns[c], r)) << schema.columns()[c].name << " row " << r;
    }
  }
}

TEST(SegmentListTest, AnAllNullListColumnIsStoredAsNoBytes) {
  TempDir dir;
  TableSchema schema = ListSchema();
  std::mt19937_64 rng(6);
  Batch b = RandomBatch(schema, 300, rng);
  auto size_of = [&](const Batch& batch, const std::string& name) {
    std::vector<uint32_t> shadowed;
    auto slots = BuildKeyIndex(batch.columns[0], &shadowed);
    std::string path = dir / name;
    EXPECT_TRUE(Segment::Write(path, schema, batch, slots, false).ok());
    return std::filesystem::file_size(path);
  };
  const auto full = size_of(b, "full.seg");
  Batch sparse = b;
  ColumnBuilder nulls(DataType::List(TypeId::kInt64));
  for (int i = 0; i < 300; ++i) nulls.AppendNull();
  sparse.columns[1] = nulls.Finish();
  const auto without = size_of(sparse, "sparse.seg");
  // The int64 items, their offsets and the bitmap are gone; only the footer entry remains.
  EXPECT_GE(full - without, b.columns[1].items().length * 8 + 301 * 4);
  auto seg = Segment::Open(dir / "sparse.seg", schema, true);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const Column& col = (*seg)->column(1);
  EXPECT_EQ(col.null_count, 300);
  EXPECT_TRUE(col.values.empty());
  EXPECT_TRUE(col.Validate().ok());
  // A non-nullable list that is all null is refused by the table long before; the segment stores
  // the same shape only for nullable columns.
}

TEST(SegmentListTest, CorruptListPayloadsAreCorruption) {
  TempDir dir;
  TableSchema schema = ListSchema();
  std::mt19937_64 rng(7);
  Batch b = RandomBatch(schema, 50, rng);
  std::string path = WriteSegment(dir, schema, b);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Every truncation fails cleanly (the generic flipped-byte test covers the checksums).
  for (size_t cut = 0; cut < bytes.size(); cut += 97) {
    std::string p = dir / "cut.seg";
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(cut));
    auto seg = Segment::Open(p, schema, true);
    ASSERT_FALSE(seg.ok()) << cut;
    EXPECT_EQ(seg.status().code(), StatusCode::kCorruption) << seg.status().ToString();
  }
}

}  // namespace
}  // namespace murr
