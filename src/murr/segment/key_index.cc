#include "murr/segment/key_index.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace murr {

uint64_t HashKey(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

std::vector<uint32_t> BuildKeyFilter(const uint64_t* hashes, size_t n) {
  const uint64_t blocks = FilterBlocksFor(n);
  std::vector<uint32_t> words(blocks * 8, 0);
  const KeyFilterView view(words.data(), blocks);
  for (size_t i = 0; i < n; ++i) {
    uint32_t* b = const_cast<uint32_t*>(view.Block(hashes[i]));
    const uint32_t k = static_cast<uint32_t>(hashes[i]);
    for (int w = 0; w < 8; ++w) b[w] |= 1u << ((k * KeyFilterView::kSalt[w]) >> 27);
  }
  return words;
}

namespace {

// The row of the first slot from `p` on whose fingerprint is `fp`, or -1 when an empty slot
// comes first (at most `capacity` slots are looked at, so that a hostile index without an empty
// slot still ends): the candidate that FindBatch then checks against the key.
inline int64_t FirstCandidate(const IndexSlot* slots, uint64_t capacity, uint32_t fp, uint64_t p) {
  uint64_t probes = 0;
#if defined(__SSE2__)
  // Four slots at a time while they do not wrap around the end. Lane 2i of the two loads is
  // slot i's fingerprint, lane 2i+1 its row; the lowest set bit of the mask is the first slot,
  // in probe order, that matches the fingerprint (even bit) or is empty (odd bit).
  const __m128i want = _mm_set_epi32(static_cast<int>(kEmptyRow), static_cast<int>(fp),
                                     static_cast<int>(kEmptyRow), static_cast<int>(fp));
  while (p + 4 <= capacity) {  // at most capacity - p slots, fewer than capacity
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots + p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots + p + 2));
    const unsigned mask =
        static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, want)))) |
        static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(b, want)))) << 4;
    if (mask != 0) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      // An odd bit is an empty slot; an even one may be an empty slot too when fp is 0.
      const uint32_t row = slots[p + bit / 2].row;
      return (bit & 1) != 0 || row == kEmptyRow ? -1 : static_cast<int64_t>(row);
    }
    p += 4;
    probes += 4;
  }
  if (p == capacity) p = 0;
#endif
  for (; probes < capacity; ++probes) {
    const IndexSlot s = slots[p];
    if (s.row == kEmptyRow) return -1;
    if (s.fingerprint == fp) return s.row;
    if (++p == capacity) p = 0;
  }
  return -1;
}

}  // namespace

void KeyIndexView::FindBatch(const std::string_view* keys, const uint64_t* hashes,
                             const uint32_t* idx, size_t n, int64_t* rows) const {
  constexpr size_t kGroup = 64;
  uint64_t pos[kGroup];
  int64_t cand[kGroup];
  for (size_t g = 0; g < n; g += kGroup) {
    const size_t m = std::min(kGroup, n - g);
    const uint32_t* gi = idx + g;
    for (size_t j = 0; j < m; ++j) {
      pos[j] = HomeSlot(hashes[gi[j]], capacity_);
      __builtin_prefetch(&slots_[pos[j]]);
    }
    // First slot whose fingerprint matches (or the empty slot that ends the probe); fetch the
    // candidate's record (inline key) or key offsets.
    for (size_t j = 0; j < m; ++j) {
      const uint32_t fp = static_cast<uint32_t>(hashes[gi[j]] >> 32);
      const int64_t row = FirstCandidate(slots_, capacity_, fp, pos[j]);
      cand[j] = row;
      if (row < 0) continue;
      if (inline_.records != nullptr) {
        const uint8_t* rec = inline_.records + static_cast<size_t>(row) * inline_.stride;
        __builtin_prefetch(rec);
        __builtin_prefetch(rec + inline_.stride - 1);
      } else if (keys_->type.id == TypeId::kUtf8) {
        __builtin_prefetch(&keys_->offsets()[row]);
      } else {
        __builtin_prefetch(keys_->values.data() + static_cast<size_t>(row) * 8);
      }
    }
    for (size_t j = 0; j < m; ++j) {
      const uint32_t k = gi[j];
      int64_t row = cand[j];
      if (row >= 0 && !RowHasKey(static_cast<uint32_t>(row), keys[k])) {
        row = Find(keys[k], hashes[k]);  // fingerprint collision: finish the probe slowly
      }
      rows[k] = row;
    }
  }
}

namespace {

// The slot array for `n` keys, key_of(row) giving row's key bytes; see BuildKeyIndex.
template <typename KeyOf>
std::vector<IndexSlot> BuildIndex(int64_t n, KeyOf key_of, std::vector<uint32_t>* shadowed_rows) {
  uint64_t capacity = IndexCapacityFor(static_cast<uint64_t>(n));
  std::vector<IndexSlot> slots(capacity, IndexSlot{0, kEmptyRow});
  for (int64_t row = 0; row < n; ++row) {
    std::string_view key = key_of(row);
    uint64_t h = HashKey(key);
    uint32_t fp = static_cast<uint32_t>(h >> 32);
    uint64_t pos = HomeSlot(h, capacity);
    while (slots[pos].row != kEmptyRow) {
      if (slots[pos].fingerprint == fp && key_of(slots[pos].row) == key) {
        shadowed_rows->push_back(slots[pos].row);
        break;
      }
      if (++pos == capacity) pos = 0;
    }
    slots[pos] = IndexSlot{fp, static_cast<uint32_t>(row)};
  }
  return slots;
}

}  // namespace

std::vector<IndexSlot> BuildKeyIndex(const Column& keys, std::vector<uint32_t>* shadowed_rows) {
  return BuildIndex(
      keys.length, [&](int64_t row) { return keys.KeyBytes(row); }, shadowed_rows);
}

std::vector<IndexSlot> MergeKeyIndexes(const std::vector<const Column*>& key_columns,
                                       std::vector<RowRef>* refs) {
  uint64_t total = 0;
  for (const Column* c : key_columns) total += static_cast<uint64_t>(c->length);
  const uint64_t capacity = IndexCapacityFor(total);
  std::vector<IndexSlot> slots(capacity, IndexSlot{0, kEmptyRow});
  refs->clear();
  refs->reserve(total);
  auto key_of = [&](int64_t merged_row) {
    const RowRef& r = (*refs)[static_cast<size_t>(merged_row)];
    return key_columns[r.source]->KeyBytes(r.row);
  };
  constexpr int64_t kAhead = 8;
  uint64_t ahead_hash[kAhead];
  for (size_t src = key_columns.size(); src-- > 0;) {
    const Column& keys = *key_columns[src];
    const int64_t n = keys.length;
    for (int64_t r = 0; r < std::min(n, kAhead); ++r) {
      ahead_hash[r] = HashKey(keys.KeyBytes(r));
      __builtin_prefetch(&slots[HomeSlot(ahead_hash[r], capacity)]);
    }
    for (int64_t r = 0; r < n; ++r) {
      const uint64_t h = ahead_hash[r % kAhead];
      if (r + kAhead < n) {
        uint64_t nh = HashKey(keys.KeyBytes(r + kAhead));
        ahead_hash[r % kAhead] = nh;
        __builtin_prefetch(&slots[HomeSlot(nh, capacity)]);
      }
      const std::string_view key = keys.KeyBytes(r);
      const uint32_t fp = static_cast<uint32_t>(h >> 32);
      uint64_t pos = HomeSlot(h, capacity);
      bool shadowed = false;
      while (slots[pos].row != kEmptyRow) {
        if (slots[pos].fingerprint == fp && key_of(slots[pos].row) == key) {
          shadowed = true;  // a newer source has this key
          break;
        }
        if (++pos == capacity) pos = 0;
      }
      if (shadowed) continue;
      slots[pos] = IndexSlot{fp, static_cast<uint32_t>(refs->size())};
      refs->push_back({static_cast<uint32_t>(src), static_cast<uint32_t>(r)});
    }
  }
  if (refs->size() == total) return slots;
  // Some keys were shadowed: the index must be sized for the merged rows. Rebuild it over the
  // surviving keys (rare: compaction of overwrites).
  std::vector<uint32_t> none;
  return BuildIndex(static_cast<int64_t>(refs->size()), key_of, &none);
}

}  // namespace murr
