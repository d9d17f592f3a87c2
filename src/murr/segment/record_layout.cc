#include "murr/segment/record_layout.h"

#include <algorithm>

namespace murr {

RecordLayout::RecordLayout(const TableSchema& schema, uint32_t key_width,
                           const std::vector<bool>& absent) {
  const auto& cols = schema.columns();
  slot_.assign(cols.size(), -1);
  std::vector<int> members;
  for (size_t i = 0; i < cols.size(); ++i) {
    // The key is stored columnar whatever its type: the record carries its inline copy.
    if (IsRecordColumn(schema, static_cast<int>(i)) && (absent.empty() || !absent[i])) {
      members.push_back(static_cast<int>(i));
    }
  }
  // Widest first: every value is naturally aligned inside the record without padding.
  std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
    return RecordWidth(cols[a].type) > RecordWidth(cols[b].type);
  });
  uint32_t offset = 0;
  uint32_t align = 1;
  for (int c : members) {
    RecordField f;
    f.type = cols[c].type;
    f.offset = offset;
    offset += static_cast<uint32_t>(RecordWidth(f.type));
    align = std::max<uint32_t>(align, static_cast<uint32_t>(RecordWidth(f.type)));
    slot_[c] = static_cast<int>(fields_.size());
    fields_.push_back(f);
  }
  // Validity bits of the nullable members follow the values.
  int nullable = 0;
  for (int c : members) {
    if (!cols[c].nullable) continue;
    RecordField& f = fields_[slot_[c]];
    f.null_byte = static_cast<int32_t>(offset + nullable / 8);
    f.null_mask = static_cast<uint8_t>(1u << (nullable % 8));
    ++nullable;
  }
  offset += static_cast<uint32_t>((nullable + 7) / 8);
  key_len_offset_ = offset;
  key_width_ = std::min(key_width, kMaxInlineKey);
  offset += 1 + key_width_;
  stride_ = (offset + align - 1) / align * align;
}

}  // namespace murr
