#include "murr/core/types.h"

#include <array>

namespace murr {
namespace {
constexpr std::array<std::string_view, kNumDataTypes> kNames = {
    "utf8",  "bool",   "int8",   "int16",  "int32",   "int64",
    "uint8", "uint16", "uint32", "uint64", "float32", "float64"};
constexpr std::array<int, kNumDataTypes> kWidths = {0, 0, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8};
}  // namespace

std::string_view DataTypeName(DataType type) {
  return kNames[static_cast<int>(type)];
}

std::optional<DataType> ParseDataType(std::string_view name) {
  for (int i = 0; i < kNumDataTypes; ++i) {
    if (kNames[i] == name) return static_cast<DataType>(i);
  }
  return std::nullopt;
}

int FixedWidth(DataType type) {
  return kWidths[static_cast<int>(type)];
}

}  // namespace murr
