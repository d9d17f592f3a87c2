// KeyIndex: the persisted open-addressing hash index of one segment's keys. Slots are
// {fingerprint, row} pairs of 8 bytes in a table of `capacity` slots (rows / 0.85, rounded up);
// a key's home slot is fastrange(low 32 hash bits, capacity), probing is linear, and the high 32
// bits are the fingerprint that spares a key comparison on nearly every mismatch. The slot array
// lives in the segment file and is used in place through the mmap, so opening a segment never
// rehashes its keys. Immutable once built; thread-safe for concurrent lookups.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/columnar/gather.h"

namespace murr {

struct IndexSlot {
  uint32_t fingerprint;
  uint32_t row;  // kEmptyRow when the slot is free
};
static_assert(sizeof(IndexSlot) == 8);

inline constexpr uint32_t kEmptyRow = UINT32_MAX;

uint64_t HashKey(std::string_view key);

inline uint64_t IndexCapacityFor(uint64_t rows) {
  // Load factor 0.85: a successful probe reads ~3.8 slots (mostly one cache line), at 9.4 bytes
  // of index per key.
  return rows == 0 ? 1 : rows * 20 / 17 + 1;
}

inline uint64_t HomeSlot(uint64_t hash, uint64_t capacity) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(hash)) * capacity) >> 32;
}

// Keys are "key bytes" (Column::KeyBytes): a utf8 key's bytes, an int64 / uint64 key's 8
// little-endian bytes; one mechanism for every key type (decision 0024).
// Builds the slot array for a non-null key column. When a key occurs more than once the
// last occurrence wins: its slot points at the last row and the earlier rows are appended to
// *shadowed_rows (ascending order is not guaranteed), so that the caller can drop them.
std::vector<IndexSlot> BuildKeyIndex(const Column& keys, std::vector<uint32_t>* shadowed_rows);

// Merges the keys of several segments (oldest first, each free of duplicates) with last-write-
// wins: appends to *refs one {source, row} per distinct key, taking each key from the newest
// source that has it, and returns the key index of the merged rows in *refs order. One hash
// and one probe per input row, whatever the number of sources.
std::vector<IndexSlot> MergeKeyIndexes(const std::vector<const Column*>& key_columns,
                                       std::vector<RowRef>* refs);

// Copies of the keys inside a segment's records (see RecordLayout): a length byte at
// records + row * stride + len_offset, then the key's first `width` bytes.
struct InlineKeys {
  const uint8_t* records = nullptr;
  uint32_t stride = 0;
  uint32_t len_offset = 0;
  uint32_t width = 0;
};

// a[0, n) == b[0, n) for the short runs of an inline key compare, without a libc call: 8-byte
// words (the last one overlapping), two overlapping 4-byte words, or three bytes.
inline bool SameBytes(const uint8_t* a, const char* b, size_t n) {
  auto word8 = [&](size_t i) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    return x == y;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (!word8(i)) return false;
    }
    return word8(n - 8);
  }
  if (n >= 4) {
    uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, a, 4);
    std::memcpy(&y0, b, 4);
    std::memcpy(&x1, a + n - 4, 4);
    std::memcpy(&y1, b + n - 4, 4);
    return x0 == y0 && x1 == y1;
  }
  if (n == 0) return true;
  const uint8_t* ub = reinterpret_cast<const uint8_t*>(b);
  return a[0] == ub[0] && a[n / 2] == ub[n / 2] && a[n - 1] == ub[n - 1];
}

class KeyIndexView {
 public:
  KeyIndexView() = default;
  KeyIndexView(const IndexSlot* slots, uint64_t capacity, const Column* keys,
               InlineKeys inline_keys = {})
      : slots_(slots), capacity_(capacity), keys_(keys), inline_(inline_keys) {}

  // The row holding `key` (key bytes), or -1. `hash` is HashKey(key).
  int64_t Find(std::string_view key, uint64_t hash) const {
    const uint32_t fp = static_cast<uint32_t>(hash >> 32);
    uint64_t pos = HomeSlot(hash, capacity_);
    // A well-formed index always has a free slot; the bound protects against a hostile one.
    for (uint64_t probes = 0; probes < capacity_; ++probes) {
      const IndexSlot s = slots_[pos];
      if (s.row == kEmptyRow) return -1;
      if (s.fingerprint == fp && RowHasKey(s.row, key)) return s.row;
      if (++pos == capacity_) pos = 0;
    }
    return -1;
  }

  // True when row `row` holds `key`: from the record's inline copy when the key fits in it,
  // from the key column otherwise.
  bool RowHasKey(uint32_t row, std::string_view key) const {
    if (inline_.records != nullptr) {
      const uint8_t* rec = inline_.records + static_cast<size_t>(row) * inline_.stride;
      const size_t len = key.size() < 255 ? key.size() : 255;
      if (rec[inline_.len_offset] != len) return false;
      const size_t head = key.size() < inline_.width ? key.size() : inline_.width;
      if (!SameBytes(rec + inline_.len_offset + 1, key.data(), head)) return false;
      if (key.size() <= inline_.width) return true;
    }
    return keys_->KeyBytes(row) == key;
  }

  // Batch lookup of keys[idx[j]] for j < n (hashes parallel to keys), writing rows[idx[j]]
  // (-1 when absent). Runs in stages over small groups of keys: home slots, then candidate
  // offsets, then key bytes, prefetching each stage so that the cache misses of many keys
  // overlap instead of being paid one after another.
  void FindBatch(const std::string_view* keys, const uint64_t* hashes, const uint32_t* idx,
                 size_t n, int64_t* rows) const;

  uint64_t capacity() const { return capacity_; }

 private:
  const IndexSlot* slots_ = nullptr;
  uint64_t capacity_ = 0;
  const Column* keys_ = nullptr;
  InlineKeys inline_;
};

// KeyFilter: a split-block Bloom filter of a segment's keys (the layout of Parquet's SBBF), so that
// a key a segment does not hold usually costs one cache line instead of an index probe (an
// unsuccessful linear probe at load 0.85 reads ~22 slots). Blocks of 8 x 32-bit words; a key's
// block is fastrange(high 32 hash bits, blocks) and it sets one bit in each word, bit
// (low 32 hash bits * salt[i]) >> 27. About 10 bits per key: ~1% false positives. Persisted in
// the segment file (format version 4) and used in place. Immutable; thread-safe.
inline constexpr uint64_t kFilterBitsPerKey = 10;
inline uint64_t FilterBlocksFor(uint64_t rows) {
  return rows == 0 ? 0 : (rows * kFilterBitsPerKey + 255) / 256;
}

// The filter words (FilterBlocksFor(rows) * 8) of the keys whose hashes are given.
std::vector<uint32_t> BuildKeyFilter(const uint64_t* hashes, size_t n);

class KeyFilterView {
 public:
  KeyFilterView() = default;
  KeyFilterView(const uint32_t* words, uint64_t blocks) : words_(words), blocks_(blocks) {}

  // False when the segment has no filter (files before version 4).
  bool present() const { return blocks_ > 0; }
  const uint32_t* Block(uint64_t hash) const {
    return words_ + 8 * (((hash >> 32) * blocks_) >> 32);
  }
  // False: the key is certainly not in the segment. Requires present().
  bool MayContain(uint64_t hash) const {
    const uint32_t* b = Block(hash);
    const uint32_t k = static_cast<uint32_t>(hash);
    for (int i = 0; i < 8; ++i) {
      if ((b[i] & (1u << ((k * kSalt[i]) >> 27))) == 0) return false;
    }
    return true;
  }

  static constexpr uint32_t kSalt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                        0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};

 private:
  const uint32_t* words_ = nullptr;
  uint64_t blocks_ = 0;
};

}  // namespace murr
