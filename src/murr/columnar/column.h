// Column: one typed column in Arrow's memory layout, over Buffers that may own or borrow memory.
//   validity: LSB-first bitmap, one bit per row (1 = valid); empty when the column has no nulls.
//   values:   fixed width: `length` values (a fixed-size list: `length * size` items; a null row's
//             items are unspecified); bool: a bitmap; utf8, binary: `length + 1` int32 offsets.
//             list: `length + 1` int32 offsets into children[0].
//   data:     utf8/binary bytes addressed by the offsets (offsets[0] need not be 0).
//   children: list: one Column of the item type (with its own validity: items may be null, as
//             in Arrow), of length >= the last offset; row i is items [offsets[i], offsets[i+1]).
// Immutable once built; safe to share between threads. ColumnBuilder is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/columnar/buffer.h"
#include "murr/core/status.h"
#include "murr/core/types.h"

namespace murr {

struct Column {
  DataType type = DataType::kUtf8;
  int64_t length = 0;
  int64_t null_count = 0;
  Buffer validity;
  Buffer values;
  Buffer data;
  std::vector<Column> children;

  bool IsValid(int64_t i) const { return validity.empty() || GetBit(validity.data(), i); }
  bool IsNull(int64_t i) const { return !IsValid(i); }
  template <typename T>
  T Value(int64_t i) const {
    T v;
    std::memcpy(&v, values.data() + i * sizeof(T), sizeof(T));
    return v;
  }
  bool BoolValue(int64_t i) const { return GetBit(values.data(), i); }
  const int32_t* offsets() const { return values.as<int32_t>(); }
  std::string_view StringValue(int64_t i) const {
    const int32_t* o = offsets();
    return std::string_view(reinterpret_cast<const char*>(data.data()) + o[i],
                            static_cast<size_t>(o[i + 1] - o[i]));
  }

  // Row i's key bytes when this is a key column (decision 0024): a utf8 value's bytes, an int64 or
  // uint64 value's 8 little-endian bytes. The key index hashes and compares these.
  std::string_view KeyBytes(int64_t i) const {
    if (type.id == TypeId::kUtf8) return StringValue(i);
    return std::string_view(reinterpret_cast<const char*>(values.data()) + i * 8, 8);
  }

  // list: the item column and row i's first item and one past its last.
  const Column& items() const { return children[0]; }
  int64_t ListBegin(int64_t i) const { return offsets()[i]; }
  int64_t ListEnd(int64_t i) const { return offsets()[i + 1]; }

  // Checks that buffer sizes fit `length`, utf8 and list offsets are monotonic and inside `data`
  // (the item column), null_count matches the bitmap, and a list's item column is valid and of
  // the item type. Run on every column built from untrusted bytes.
  Status Validate() const;
};

// A valid column of `type` with no rows (offsets {0} for utf8/binary/list, an empty item column
// for a list).
Column EmptyColumn(DataType type);

// A list column of `length` rows from `length + 1` int32 offsets into `items` (a column of a
// scalar type) and an optional validity bitmap. Validates the result.
Result<Column> MakeListColumn(int64_t length, Buffer offsets, Column items, Buffer validity = {},
                              int64_t null_count = 0);

// A named, typed column slot in a batch.
struct Field {
  std::string name;
  DataType type = DataType::kUtf8;
  bool nullable = true;
  // Timestamps: an IANA zone name or "" (metadata only, as in Arrow: values are UTC instants).
  std::string timezone;

  bool operator==(const Field&) const = default;
};

// Columns of equal length with their fields: the unit of writes and of read results.
struct Batch {
  std::vector<Field> fields;
  std::vector<Column> columns;
  int64_t num_rows = 0;
  // Optional: one allocation that holds every buffer of `columns`, in column order, with zero
  // bytes between them (the read path's gather, GatherRecords). The Arrow writer can then send
  // it as one message body instead of a piece per buffer; it checks that every buffer lies
  // inside, in order, with only zeros between, and ignores `block` otherwise.
  Buffer block;

  int FindField(std::string_view name) const;
  // Validates every column and that all have num_rows rows and match their field's type.
  Status Validate() const;
};

// Builds a Column value by value. Typical use: Reserve, Append*, Finish.
// A list: append a row's items to items(), then AppendListEnd() (or AppendNull()).
class ColumnBuilder {
 public:
  explicit ColumnBuilder(DataType type);
  ColumnBuilder(ColumnBuilder&&) noexcept = default;
  ColumnBuilder& operator=(ColumnBuilder&&) noexcept = default;

  DataType type() const { return type_; }
  int64_t length() const { return length_; }
  void Reserve(int64_t rows, int64_t string_bytes = 0);

  void AppendNull();
  template <typename T>
  void Append(T v) {
    MarkValid();
    values_.AppendValue<T>(v);
    ++length_;
  }
  void AppendBool(bool v);
  // Appends one fixed-width value (or a whole fixed-size list) of FixedWidth(type) bytes.
  void AppendFixed(const void* p);
  // Fails only when the column would exceed 2 GiB of string bytes (int32 offsets).
  Status AppendString(std::string_view s);
  // list: the builder of the items (of type item_type()).
  ColumnBuilder& items() { return *items_; }
  // list: ends a valid row holding the items appended since the previous row. Fails only when
  // the column would exceed 2^31 - 1 items (int32 offsets).
  Status AppendListEnd();

  Column Finish();

 private:
  void MarkValid() {
    if (null_count_ > 0) SetValidBit(length_);
  }
  void SetValidBit(int64_t i);
  void StartOffsets();
  void MaterializeValidity();

  DataType type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  BufferBuilder validity_;
  BufferBuilder values_;
  BufferBuilder data_;
  std::unique_ptr<ColumnBuilder> items_;  // list only
};

}  // namespace murr
