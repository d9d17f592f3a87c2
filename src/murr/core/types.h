// The engine's column types, their names in the JSON schema and their fixed widths.
// Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace murr {

enum class DataType : uint8_t {
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
};

inline constexpr int kNumDataTypes = 12;

// "utf8", "bool", "int8", ..., "float64": the names used by the JSON schema.
std::string_view DataTypeName(DataType type);
std::optional<DataType> ParseDataType(std::string_view name);

// Bytes per value for fixed-width numeric types; 0 for utf8 and bool (bool is bit-packed).
int FixedWidth(DataType type);

inline bool IsInteger(DataType t) {
  return t >= DataType::kInt8 && t <= DataType::kUInt64;
}
inline bool IsSignedInteger(DataType t) {
  return t >= DataType::kInt8 && t <= DataType::kInt64;
}
inline bool IsFloat(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64;
}

}  // namespace murr
