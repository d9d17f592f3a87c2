// RecordLayout: where each fixed-width and bool column of a table lives inside a segment's
// row-major record block. Murr's read is "many columns of a few random rows": storing those
// columns row by row puts all of a row's values in one or two cache lines, where one array per
// column would cost a cache miss per column per row. The key and other utf8 columns stay
// columnar (Arrow offsets + data). Derived from the schema alone, so every segment of a table
// shares it. Immutable; thread-safe.
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

class RecordLayout {
 public:
  RecordLayout() = default;
  explicit RecordLayout(const TableSchema& schema);

  // True when column i of the schema lives in the record block.
  bool InRecord(int column) const { return slot_[column] >= 0; }
  const RecordField& field(int column) const { return fields_[slot_[column]]; }
  // Bytes per record (a multiple of the widest value's alignment); 0 when no column is in it.
  uint32_t stride() const { return stride_; }

 private:
  std::vector<int> slot_;            // schema column -> index into fields_, or -1
  std::vector<RecordField> fields_;
  uint32_t stride_ = 0;
};

// Bool columns take one byte (0 or 1) in a record.
inline int RecordWidth(DataType t) { return t == DataType::kBool ? 1 : FixedWidth(t); }

}  // namespace murr
