// The engine's column types, described once. A TypeId names a type; TypeInfo (one row of a
// table in types.cc) says everything a layer needs about it: its JSON schema name, how its
// values are stored (Storage), its width, its Arrow type, its JSON value form and its Parquet
// mapping. Layers switch on Storage, ArrowKind or JsonForm (exhaustively, no `default:`), not on
// the TypeId, so that adding a scalar type is a new TypeId and a new row.
// DataType is a TypeId plus its parameters (the item type and size of a fixed-size list, the
// item type of a variable-length list).
// Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace murr {

// The numeric values are persisted (segment footers): append new ids, never renumber.
enum class TypeId : uint8_t {
  kUtf8 = 0,
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat32,
  kFloat64,
  kFloat16,
  kDate32,         // days since 1970-01-01, int32
  kBinary,         // bytes, Arrow Binary (int32 offsets)
  kTimestampS,     // int64 since the epoch, in seconds
  kTimestampMs,    // ... milliseconds
  kTimestampUs,    // ... microseconds
  kTimestampNs,    // ... nanoseconds
  kFixedSizeList,  // `size` values of the fixed-width numeric `item` type per row
  kList,           // a variable number of values of the scalar `item` type per row
};
inline constexpr int kNumTypeIds = 21;

// How a column's values are laid out in memory (Arrow layout) and in a segment.
enum class Storage : uint8_t {
  kFixed,      // `width` bytes per row in `values`; scalars live in the segment's record block
  kBit,        // bit-packed values (bool); one byte in the record block
  kVarBytes,   // int32 offsets (`length + 1`) in `values`, bytes in `data` (utf8, binary)
  kFixedList,  // `size * item width` bytes per row in `values`; stored columnar in a segment
  kList,       // int32 offsets (`length + 1`) in `values` into the item Column `children[0]`;
               // stored columnar in a segment
};

// The Arrow type class (Schema.fbs's Type union member).
enum class ArrowKind : uint8_t {
  kBool,
  kInt,
  kFloatingPoint,
  kUtf8,
  kBinary,
  kDate,
  kTimestamp,
  kFixedSizeList,
  kList,  // Arrow List (int32 offsets) with one child field
};

// Arrow's TimeUnit numbering.
enum class TimeUnit : uint8_t { kSecond = 0, kMilli = 1, kMicro = 2, kNano = 3 };

// How values are written to and read from JSON columns.
enum class JsonForm : uint8_t {
  kBool,       // true / false
  kSigned,     // integer literal in range
  kUnsigned,   // integer literal in range
  kFloat,      // number, or "NaN" / "Infinity" / "-Infinity"
  kHalfFloat,  // as kFloat, stored as IEEE binary16
  kString,     // JSON string (UTF-8)
  kBase64,     // base64 string (RFC 4648, padded)
  kDate,       // "YYYY-MM-DD" in replies; that or an integer day count in writes
  kTimestamp,  // ISO-8601 in replies; that or an integer in the unit in writes
  kArray,      // JSON array of the item's form
};

// Parquet: the physical type a column of this type is read from, and its annotation.
enum class ParquetForm : uint8_t {
  kBoolean,    // BOOLEAN
  kInt,        // INT32 / INT64 with an INT(bits, signed) annotation (or none)
  kFloat,      // FLOAT
  kDouble,     // DOUBLE
  kFloat16,    // FIXED_LEN_BYTE_ARRAY(2) annotated FLOAT16
  kString,     // BYTE_ARRAY annotated STRING / UTF8 / ENUM / JSON
  kBytes,      // BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY without annotation
  kDate,       // INT32 annotated DATE
  kTimestamp,  // INT64 annotated TIMESTAMP(unit) (or TIMESTAMP_MILLIS/MICROS), or INT96 (ns)
  kFixedList,  // a LIST of the item (every list of the column of length `size`)
  kList,       // a LIST of the item (3-level or legacy 2-level form)
};

struct TypeInfo {
  std::string_view name;  // the JSON schema's dtype ("float32"; lists: "" - see DataTypeName)
  Storage storage;
  int width;  // bytes per value for kFixed (per item for kFixedList's items); 0 otherwise
  ArrowKind arrow;
  int arrow_bits;  // Int: bit width; FloatingPoint: 16, 32, 64; else 0
  bool is_signed;  // Int only
  TimeUnit unit;   // Timestamp only
  JsonForm json;
  ParquetForm parquet;
};

const TypeInfo& Info(TypeId id);

// A column's type: an id, and for a fixed-size list its item type and size, for a list its item
// type (any scalar: numeric, bool, utf8, binary, date32, timestamps; never a list).
struct DataType {
  TypeId id = TypeId::kUtf8;
  TypeId item = TypeId::kUtf8;  // kFixedSizeList and kList only
  uint32_t size = 0;            // kFixedSizeList only: values per row, 1..kMaxListSize

  constexpr DataType() = default;
  constexpr DataType(TypeId i) : id(i) {}  // NOLINT: a scalar type is its id
  static constexpr DataType FixedSizeList(TypeId item, uint32_t size) {
    DataType t(TypeId::kFixedSizeList);
    t.item = item;
    t.size = size;
    return t;
  }
  static constexpr DataType List(TypeId item) {
    DataType t(TypeId::kList);
    t.item = item;
    return t;
  }
  // The type of a list's items (kFixedSizeList, kList); the type itself otherwise.
  constexpr DataType item_type() const {
    return id == TypeId::kFixedSizeList || id == TypeId::kList ? DataType(item) : *this;
  }
  constexpr bool operator==(const DataType&) const = default;

  const TypeInfo& info() const { return Info(id); }
  Storage storage() const { return info().storage; }

  // Scalar constants, so that `DataType::kFloat32` reads as a type.
  static const DataType kUtf8, kBool, kInt8, kInt16, kInt32, kInt64, kUInt8, kUInt16, kUInt32,
      kUInt64, kFloat32, kFloat64, kFloat16, kDate32, kBinary, kTimestampS, kTimestampMs,
      kTimestampUs, kTimestampNs;
};
inline constexpr DataType DataType::kUtf8{TypeId::kUtf8};
inline constexpr DataType DataType::kBool{TypeId::kBool};
inline constexpr DataType DataType::kInt8{TypeId::kInt8};
inline constexpr DataType DataType::kInt16{TypeId::kInt16};
inline constexpr DataType DataType::kInt32{TypeId::kInt32};
inline constexpr DataType DataType::kInt64{TypeId::kInt64};
inline constexpr DataType DataType::kUInt8{TypeId::kUInt8};
inline constexpr DataType DataType::kUInt16{TypeId::kUInt16};
inline constexpr DataType DataType::kUInt32{TypeId::kUInt32};
inline constexpr DataType DataType::kUInt64{TypeId::kUInt64};
inline constexpr DataType DataType::kFloat32{TypeId::kFloat32};
inline constexpr DataType DataType::kFloat64{TypeId::kFloat64};
inline constexpr DataType DataType::kFloat16{TypeId::kFloat16};
inline constexpr DataType DataType::kDate32{TypeId::kDate32};
inline constexpr DataType DataType::kBinary{TypeId::kBinary};
inline constexpr DataType DataType::kTimestampS{TypeId::kTimestampS};
inline constexpr DataType DataType::kTimestampMs{TypeId::kTimestampMs};
inline constexpr DataType DataType::kTimestampUs{TypeId::kTimestampUs};
inline constexpr DataType DataType::kTimestampNs{TypeId::kTimestampNs};

inline constexpr uint32_t kMaxListSize = 65536;

// "utf8", "float32", "float32[768]", "int64[]": the names used by the JSON schema.
std::string DataTypeName(DataType type);
// Parses a name; also "<item>[<n>]" for a fixed-size list of a fixed-width numeric item,
// n in 1..kMaxListSize, and "<item>[]" for a list of any scalar item.
std::optional<DataType> ParseDataType(std::string_view name);
// Every scalar dtype name, in TypeId order ("utf8, bool, ..."), for messages and OpenAPI.
std::string ScalarTypeNames(std::string_view separator);

// Bytes per row in the values buffer for kFixed and kFixedList storage; 0 otherwise.
int FixedWidth(DataType type);

// An integer or float scalar: the items a fixed-size list may hold.
bool IsNumericItem(TypeId id);
// A scalar type (not a list of either kind): the items a list may hold.
bool IsScalar(TypeId id);
bool IsInteger(DataType t);
bool IsSignedInteger(DataType t);
bool IsFloat(DataType t);

}  // namespace murr
