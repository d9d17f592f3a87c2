// The seeds of the segment fuzz target (fuzz/corpus/segment/): real segment files written by
// Segment::Write behind a mode byte (fuzz/segment_fuzz.cc), and truncations of them. Checks
// that every valid seed still opens, verified, under the schema its mode names (so that a format
// change cannot leave the fuzzer mutating files the reader rejects at once) and that every
// truncated seed is Corruption. valid_v2_* are version-2 files kept from before decision 0017
// (not rewritten). FUZZ_WRITE_SEEDS=1 rewrites the seeds instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../../fuzz/segment_schemas.h"
#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/segment/segment.h"

namespace murr {
namespace {

using testing::RandomBatch;
using testing::ReadFileToString;
using testing::TempDir;

const std::string kSeedDir = std::string(MURR_SOURCE_DIR) + "/fuzz/corpus/segment";

// The mode byte: bit 0 verify checksums, bits 1..2 the schema, bit 3 re-seal the footer checksum.
char Mode(int schema, bool verify, bool reseal = false) {
  return static_cast<char>((schema << 1) | (verify ? 1 : 0) | (reseal ? 8 : 0));
}

std::string SegmentBytes(const TempDir& dir, const TableSchema& schema, const Batch& batch) {
  std::vector<uint32_t> shadowed;
  auto slots = BuildKeyIndex(batch.columns[schema.key_index()], &shadowed);
  EXPECT_TRUE(shadowed.empty());
  std::string path = dir / "seed.seg";
  Status st = Segment::Write(path, schema, batch, slots, /*sync=*/false);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return ReadFileToString(path);
}

struct Seed {
  std::string name;  // valid_* open verified; truncated_* are Corruption
  std::string bytes;
};

std::vector<Seed> BuildSeeds() {
  TempDir dir;
  std::vector<Seed> seeds;
  std::mt19937_64 rng(10);
  // Schema 0: every kind of column, ~10% nulls, strings of 0..12 bytes.
  const TableSchema s0 = fuzz::SegmentSchema(0);
  std::string all = SegmentBytes(dir, s0, RandomBatch(s0, 40, rng));
  seeds.push_back({"valid_all_types_verified", Mode(0, true) + all});
  seeds.push_back({"valid_all_types_unverified", Mode(0, false) + all});
  seeds.push_back({"valid_all_types_resealed", Mode(0, false, true) + all});
  seeds.push_back(
      {"valid_all_types_empty", Mode(0, true) + SegmentBytes(dir, s0, RandomBatch(s0, 0, rng))});
  // Schema 1: float features under keys longer than the inline copy (kMaxInlineKey).
  const TableSchema s1 = fuzz::SegmentSchema(1);
  std::string floats =
      SegmentBytes(dir, s1, RandomBatch(s1, 25, rng, "a-key-longer-than-thirty-two-bytes-"));
  seeds.push_back({"valid_long_keys_verified", Mode(1, true) + floats});
  seeds.push_back({"valid_long_keys_unverified", Mode(1, false) + floats});
  seeds.push_back({"valid_long_keys_resealed", Mode(1, false, true) + floats});
  // Schema 2: a key alone, with one empty key.
  const TableSchema s2 = fuzz::SegmentSchema(2);
  Batch keys;
  keys.num_rows = 3;
  keys.fields.push_back({"k", DataType::kUtf8, false});
  ColumnBuilder kb(DataType::kUtf8);
  for (const char* k : {"", "x", "\xc3\xa9t\xc3\xa9"}) EXPECT_TRUE(kb.AppendString(k).ok());
  keys.columns.push_back(kb.Finish());
  seeds.push_back({"valid_keys_only_verified", Mode(2, true) + SegmentBytes(dir, s2, keys)});
  // Schema 3: the parameterised and new scalar types (segment format version 3).
  const TableSchema s3 = fuzz::SegmentSchema(3);
  std::string typed = SegmentBytes(dir, s3, RandomBatch(s3, 30, rng));
  seeds.push_back({"valid_new_types_verified", Mode(3, true) + typed});
  seeds.push_back({"valid_new_types_resealed", Mode(3, false, true) + typed});
  // The same schema with the fixed-size list left out of the write: stored as no bytes.
  Batch sparse = RandomBatch(s3, 20, rng);
  {
    const int e = s3.FindColumn("e");
    ColumnBuilder nulls(s3.columns()[e].type);
    for (int64_t r = 0; r < sparse.num_rows; ++r) nulls.AppendNull();
    sparse.columns[e] = nulls.Finish();
  }
  seeds.push_back({"valid_new_types_sparse", Mode(3, true) + SegmentBytes(dir, s3, sparse)});
  seeds.push_back({"truncated_new_types_" + std::to_string(typed.size() / 2),
                   Mode(3, false) + typed.substr(0, typed.size() / 2)});
  // Truncations (without checksums, so only the structural checks decide).
  for (size_t cut : {all.size() / 2, all.size() - 1, size_t{64}}) {
    seeds.push_back(
        {"truncated_all_types_" + std::to_string(cut), Mode(0, false) + all.substr(0, cut)});
  }
  seeds.push_back({"truncated_long_keys_no_trailer",
                   Mode(1, false) + floats.substr(0, floats.size() - kSegmentTrailerSize)});
  return seeds;
}

TEST(SegmentFuzzSeedsTest, ValidSeedsOpenAndTruncatedSeedsAreCorruption) {
  if (std::getenv("FUZZ_WRITE_SEEDS") != nullptr) {
    std::filesystem::create_directories(kSeedDir);
    for (const Seed& s : BuildSeeds()) {
      std::ofstream out(kSeedDir + "/" + s.name + ".bin", std::ios::binary);
      out << s.bytes;
      ASSERT_TRUE(out.good()) << s.name;
    }
  }
  TempDir dir;
  int valid = 0, truncated = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSeedDir)) {
    const std::string name = entry.path().filename().string();
    const bool is_valid = name.rfind("valid_", 0) == 0;
    if (!is_valid && name.rfind("truncated_", 0) != 0) continue;  // regression inputs
    std::string bytes = ReadFileToString(entry.path().string());
    ASSERT_FALSE(bytes.empty()) << name;
    const int mode = static_cast<unsigned char>(bytes[0]);
    const TableSchema schema = fuzz::SegmentSchema((mode >> 1) & 3);
    std::string path = dir / "open.seg";
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << bytes.substr(1);
    }
    auto seg = Segment::Open(path, schema, /*verify_checksums=*/true);
    if (is_valid) {
      ++valid;
      ASSERT_TRUE(seg.ok()) << name << ": " << seg.status().ToString()
                            << " (stale seeds? rerun with FUZZ_WRITE_SEEDS=1)";
      const Column& keys = (*seg)->keys();
      for (int64_t r = 0; r < (*seg)->num_rows(); ++r) {
        EXPECT_EQ((*seg)->index().Find(keys.StringValue(r), HashKey(keys.StringValue(r))), r)
            << name;
      }
    } else {
      ++truncated;
      ASSERT_FALSE(seg.ok()) << name;
      EXPECT_EQ(seg.status().code(), StatusCode::kCorruption) << name;
    }
  }
  EXPECT_GE(valid, 6);
  EXPECT_GE(truncated, 4);
}

}  // namespace
}  // namespace murr
