// Gather kernels: build a column from rows picked out of several source columns of one type
// (the segments of a table). The read path and compaction both use them. Pure functions over
// immutable inputs; thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include <absl/types/span.h>

#include "murr/columnar/column.h"

namespace murr {

// One output row: row `row` of source `source`; source == kMissingSource gives a null.
struct RowRef {
  uint32_t source;
  uint32_t row;
};
inline constexpr uint32_t kMissingSource = UINT32_MAX;

// Gathers `n` rows into a new column of `type`. Every source must have that type and every
// ref must be in range (the caller built them from its own indexes). The result has a validity
// bitmap only if some output row is null.
Column GatherColumn(DataType type, const std::vector<const Column*>& sources, const RowRef* refs,
                    int64_t n);

// A list column's offsets are int32: a gather may hold at most this many items.
inline constexpr int64_t kMaxListItems = INT32_MAX;

// The number of items a GatherColumn of list rows `refs` would hold (0 for other types). Callers
// gathering from several sources check it against kMaxListItems first.
int64_t GatheredListItems(DataType type, const std::vector<const Column*>& sources,
                          const RowRef* refs, int64_t n);

}  // namespace murr

namespace murr {

// Where a column's value sits in each record of one source: at base + r * stride + offset; when
// null_byte >= 0 the row is valid iff (base[r * stride + null_byte] & null_mask) != 0. A source
// that does not store the column at all (a segment's absent column) has null_byte ==
// kAbsentSlot: every row of it is null. Bool values are one byte, 0 or 1.
struct RecordSlot {
  uint32_t offset = 0;
  int32_t null_byte = -1;
  uint8_t null_mask = 0;
  bool operator==(const RecordSlot&) const = default;
};
inline constexpr int32_t kAbsentSlot = -2;

// A column stored inside row-major records. `slots` has one entry per source; when `per_source`
// is false every source has the column at slots[0] (the usual case: segments of one layout),
// and the gather does not look the source up per row.
struct RecordColumn {
  DataType type;
  const RecordSlot* slots;
  bool per_source;
};

// Gathers `n` rows of several record columns in one pass (one record fetch per row serves
// every column). `bases` and `strides` give each source's record block and record size.
//
// Every output buffer is a slice of one allocation, in column order, each column's validity
// bitmap (when it can hold a null) before its values, each slice on a 64-byte boundary and every
// byte between slices zero. When `block` is given it is set to that whole allocation
// (Batch::block: the Arrow writer can send it as one message body).
std::vector<Column> GatherRecords(absl::Span<const uint8_t* const> bases,
                                  absl::Span<const uint32_t> strides,
                                  absl::Span<const RecordColumn> columns, const RowRef* refs,
                                  int64_t n, Buffer* block = nullptr);

}  // namespace murr
