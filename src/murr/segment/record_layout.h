// RecordLayout: where each fixed-width and bool column of a table lives inside a segment's
// row-major record block. Murr's read is "many columns of a few random rows": storing those
// columns row by row puts all of a row's values in one or two cache lines, where one array per
// column would cost a cache miss per column per row. The key, other utf8/binary columns and
// fixed-size lists stay columnar (Arrow offsets + data), and each record also carries a copy of its
// key (a length byte, then up to `key_width` bytes) so that the key index confirms a match on the
// record line that the gather is about to read anyway, instead of touching the key column's offsets
// and bytes (two more cache misses). An int64 / uint64 key is stored columnar too (its 8 values
// bytes), and its inline copy is those 8 bytes (decision 0024). The value part is derived from the
// schema; key_width is chosen per segment (its longest key, at most kMaxInlineKey), and so is the
// set of columns that are absent from the segment (nullable and null in every row, decision
// 0026): those take no place in its records. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "murr/columnar/gather.h"
#include "murr/core/schema.h"

namespace murr {

struct RecordField {
  DataType type = DataType::kInt8;
  uint32_t offset = 0;     // byte offset of the value in the record
  int32_t null_byte = -1;  // byte offset of its validity bit in the record; -1: not nullable
  uint8_t null_mask = 0;   // the bit within that byte (1 = valid)

  RecordSlot slot() const { return {offset, null_byte, null_mask}; }
};

inline constexpr uint32_t kMaxInlineKey = 32;

class RecordLayout {
 public:
  RecordLayout() = default;
  // `absent` (empty, or one flag per schema column) names the columns the segment stores as no
  // bytes at all.
  RecordLayout(const TableSchema& schema, uint32_t key_width, const std::vector<bool>& absent = {});

  // True when column i of the schema lives in the record block (a record-block type, present).
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

// True when column `column` of the schema is a record-block column (when present in a segment):
// a record-block type that is not the key (the key is stored columnar whatever its type).
inline bool IsRecordColumn(const TableSchema& schema, int column) {
  return column != schema.key_index() && InRecordBlock(schema.columns()[column].type);
}

// Bool columns take one byte (0 or 1) in a record.
inline int RecordWidth(DataType t) {
  return t.storage() == Storage::kBit ? 1 : FixedWidth(t);
}

}  // namespace murr
