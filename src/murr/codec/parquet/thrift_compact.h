// ThriftCompactReader: a bounds-checked reader of the Thrift compact protocol, the encoding of
// every Parquet footer and page header. It knows the wire format only (varints, field headers,
// lists, maps, skipping); metadata.h maps field ids onto Parquet structs.
//
// Hostile input: every read is checked against the end of the buffer, list and map sizes are
// capped by the bytes left (each element takes at least one byte), and nesting is capped at
// kMaxThriftDepth so that a crafted footer can neither allocate what it claims nor recurse
// without bound. Errors are InvalidArgument ("invalid Parquet file: ..."). Not thread-safe; one
// reader per buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "murr/core/status.h"

namespace murr::parquet {

// Wire types of the compact protocol (the low nibble of a field header).
enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

inline constexpr int kMaxThriftDepth = 32;

struct ThriftFieldHeader {
  int16_t id = 0;
  ThriftType type = ThriftType::kStop;
};

struct ThriftListHeader {
  ThriftType elem_type = ThriftType::kStop;
  uint32_t size = 0;
};

class ThriftCompactReader {
 public:
  ThriftCompactReader(const uint8_t* data, size_t size)
      : p_(data), begin_(data), end_(data + size) {}

  size_t position() const { return static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  // Struct framing: BeginStruct counts nesting depth; ReadFieldHeader returns kStop at the end.
  Status BeginStruct();
  void EndStruct() { --depth_; }
  Status ReadFieldHeader(int16_t* last_id, ThriftFieldHeader* header);

  // Scalars. The *Field variants check that the field header carries the expected wire type.
  Status ReadVarint(uint64_t* v);
  Status ReadI64(int64_t* v);
  Status ReadI32(int32_t* v);
  Status ReadI16(int16_t* v);
  Status ReadByte(int8_t* v);
  Status ReadDouble(double* v);
  Status ReadBinary(std::string_view* v);
  Status ReadI32Field(const ThriftFieldHeader& h, int32_t* v);
  Status ReadI64Field(const ThriftFieldHeader& h, int64_t* v);
  Status ReadBoolField(const ThriftFieldHeader& h, bool* v);
  Status ReadStringField(const ThriftFieldHeader& h, std::string* v);
  // A bool element inside a list (one byte: 1 is true; 0 or 2 is false).
  Status ReadBoolElement(bool* v);

  // Lists and sets: size capped by the bytes left.
  Status ReadListHeader(ThriftListHeader* header);
  Status ExpectList(const ThriftFieldHeader& h, ThriftType elem, ThriftListHeader* header);

  // Skips one value of the given wire type (recursively for containers, bounded by depth).
  Status Skip(ThriftType type);

  static Status Error(std::string_view what);

 private:
  Status SkipAtDepth(ThriftType type, int depth);
  Status CheckType(const ThriftFieldHeader& h, ThriftType want, const char* what);

  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  int depth_ = 0;
};

}  // namespace murr::parquet
