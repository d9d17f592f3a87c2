#include "murr/segment/key_index.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace murr {

uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

std::vector<IndexSlot> BuildKeyIndex(const Column& keys, std::vector<uint32_t>* shadowed_rows) {
  uint64_t capacity = IndexCapacityFor(static_cast<uint64_t>(keys.length));
  std::vector<IndexSlot> slots(capacity, IndexSlot{0, kEmptyRow});
  for (int64_t row = 0; row < keys.length; ++row) {
    std::string_view key = keys.StringValue(row);
    uint64_t h = HashKey(key);
    uint32_t fp = static_cast<uint32_t>(h >> 32);
    uint64_t pos = HomeSlot(h, capacity);
    while (slots[pos].row != kEmptyRow) {
      if (slots[pos].fingerprint == fp && keys.StringValue(slots[pos].row) == key) {
        shadowed_rows->push_back(slots[pos].row);
        break;
      }
      if (++pos == capacity) pos = 0;
    }
    slots[pos] = IndexSlot{fp, static_cast<uint32_t>(row)};
  }
  return slots;
}

}  // namespace murr
