// RecordLayout: where each fixed-width and bool column of a table lives inside a segment's
// row-major record block. Murr's read is "many columns of a few random rows": storing those
// columns row by row puts all of a row's values in one or two cache lines, where one array per
// column would cost a cache miss per column per row. The key, other utf8/binary columns and
// fixed-size lists stay columnar (Arrow offsets + data), and each record also carries a copy of its
// key (a length byte, then up to `key_width` bytes) so that the key index confirms a match on the
// record line that the gather is about to read anyway, instead of touching the key column's offsets
// and bytes (two more cache misses). The value part is derived from the schema alone; key_width is
// chosen per segment (its longest key, at most kMaxInlineKey). Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "murr/core/schema.h"

namespace murr {

struct RecordField {
  DataType type = DataType::kInt8;
  uint32_t offset = 0;     // byte offset of the value in the record
  int32_t null_byte = -1;  // byte offset of its validity bit in the record; -1: not nullable
  uint8_t null_mask = 0;   // the bit within that byte (1 = valid)
};

inline constexpr uint32_t kMaxInlineKey = 32;

class RecordLayout {
 public:
  RecordLayout() = default;
  RecordLayout(const TableSchema& schema, uint32_t key_width);

  // True when column i of the schema lives in the record block.
  bool InRecord(int column) const { return slot_[column] >= 0; }
  const RecordField& field(int column) const { return fields_[slot_[column]]; }
  // Bytes per record (a multiple of the widest value's alignment).
  uint32_t stride() const { return stride_; }
  // Offset of the key length byte (min(length, 255)); the key's first key_width() bytes follow.
  uint32_t key_len_offset() const { return key_len_offset_; }
  uint32_t key_width() const { return key_width_; }

 private:
  std::vector<int> slot_;  // schema column -> index into fields_, or -1
  std::vector<RecordField> fields_;
  uint32_t stride_ = 0;
  uint32_t key_len_offset_ = 0;
  uint32_t key_width_ = 0;
};

// Scalars of fixed width (1, 2, 4 or 8 bytes) and bools live in the record block; variable-length
// columns, fixed-size lists (wide values, decision 0017) and lists (decision 0021) are stored
// columnar.
inline bool InRecordBlock(DataType t) {
  switch (t.storage()) {
    case Storage::kFixed:
    case Storage::kBit:
      return true;
    case Storage::kVarBytes:
    case Storage::kFixedList:
    case Storage::kList:
      return false;
  }
  return false;
}

// Bool columns take one byte (0 or 1) in a record.
inline int RecordWidth(DataType t) {
  return t.storage() == Storage::kBit ? 1 : FixedWidth(t);
}

}  // namespace murr
