#include "murr/core/types.h"

#include <array>
#include <charconv>

namespace murr {
namespace {

using S = Storage;
using A = ArrowKind;
using J = JsonForm;
using P = ParquetForm;
constexpr TimeUnit kNoUnit = TimeUnit::kSecond;

// One row per TypeId, in TypeId order (checked below).
constexpr std::array<TypeInfo, kNumTypeIds> kInfo = {{
    {"utf8", S::kVarBytes, 0, A::kUtf8, 0, false, kNoUnit, J::kString, P::kString},
    {"bool", S::kBit, 0, A::kBool, 0, false, kNoUnit, J::kBool, P::kBoolean},
    {"int8", S::kFixed, 1, A::kInt, 8, true, kNoUnit, J::kSigned, P::kInt},
    {"int16", S::kFixed, 2, A::kInt, 16, true, kNoUnit, J::kSigned, P::kInt},
    {"int32", S::kFixed, 4, A::kInt, 32, true, kNoUnit, J::kSigned, P::kInt},
    {"int64", S::kFixed, 8, A::kInt, 64, true, kNoUnit, J::kSigned, P::kInt},
    {"uint8", S::kFixed, 1, A::kInt, 8, false, kNoUnit, J::kUnsigned, P::kInt},
    {"uint16", S::kFixed, 2, A::kInt, 16, false, kNoUnit, J::kUnsigned, P::kInt},
    {"uint32", S::kFixed, 4, A::kInt, 32, false, kNoUnit, J::kUnsigned, P::kInt},
    {"uint64", S::kFixed, 8, A::kInt, 64, false, kNoUnit, J::kUnsigned, P::kInt},
    {"float32", S::kFixed, 4, A::kFloatingPoint, 32, true, kNoUnit, J::kFloat, P::kFloat},
    {"float64", S::kFixed, 8, A::kFloatingPoint, 64, true, kNoUnit, J::kFloat, P::kDouble},
    {"float16", S::kFixed, 2, A::kFloatingPoint, 16, true, kNoUnit, J::kHalfFloat, P::kFloat16},
    {"date32", S::kFixed, 4, A::kDate, 32, true, kNoUnit, J::kDate, P::kDate},
    {"binary", S::kVarBytes, 0, A::kBinary, 0, false, kNoUnit, J::kBase64, P::kBytes},
    {"timestamp_s", S::kFixed, 8, A::kTimestamp, 64, true, TimeUnit::kSecond, J::kTimestamp,
     P::kTimestamp},
    {"timestamp_ms", S::kFixed, 8, A::kTimestamp, 64, true, TimeUnit::kMilli, J::kTimestamp,
     P::kTimestamp},
    {"timestamp_us", S::kFixed, 8, A::kTimestamp, 64, true, TimeUnit::kMicro, J::kTimestamp,
     P::kTimestamp},
    {"timestamp_ns", S::kFixed, 8, A::kTimestamp, 64, true, TimeUnit::kNano, J::kTimestamp,
     P::kTimestamp},
    {"", S::kFixedList, 0, A::kFixedSizeList, 0, false, kNoUnit, J::kArray, P::kFixedList},
    {"", S::kList, 0, A::kList, 0, false, kNoUnit, J::kArray, P::kList},
}};

constexpr bool NamesInOrder() {
  // A spot check that the table was not shifted: ids and names line up at both ends.
  return kInfo[static_cast<int>(TypeId::kUtf8)].name == "utf8" &&
         kInfo[static_cast<int>(TypeId::kFloat64)].name == "float64" &&
         kInfo[static_cast<int>(TypeId::kTimestampNs)].name == "timestamp_ns" &&
         kInfo[static_cast<int>(TypeId::kFixedSizeList)].storage == S::kFixedList &&
         kInfo[static_cast<int>(TypeId::kList)].storage == S::kList;
}
static_assert(NamesInOrder(), "kInfo rows must follow the TypeId order");

std::optional<TypeId> ParseScalar(std::string_view name) {
  for (int i = 0; i < kNumTypeIds; ++i) {
    if (!kInfo[i].name.empty() && kInfo[i].name == name) return static_cast<TypeId>(i);
  }
  return std::nullopt;
}

}  // namespace

const TypeInfo& Info(TypeId id) {
  return kInfo[static_cast<int>(id)];
}

std::string DataTypeName(DataType type) {
  if (type.id == TypeId::kFixedSizeList) {
    return std::string(Info(type.item).name) + "[" + std::to_string(type.size) + "]";
  }
  if (type.id == TypeId::kList) return std::string(Info(type.item).name) + "[]";
  return std::string(Info(type.id).name);
}

std::optional<DataType> ParseDataType(std::string_view name) {
  if (!name.empty() && name.back() == ']') {
    size_t open = name.find('[');
    if (open == std::string_view::npos) return std::nullopt;
    auto item = ParseScalar(name.substr(0, open));
    if (open + 2 == name.size()) {  // "<item>[]"
      if (!item) return std::nullopt;
      return DataType::List(*item);
    }
    std::string_view digits = name.substr(open + 1, name.size() - open - 2);
    if (!item || !IsNumericItem(*item) || digits.empty() || digits[0] == '0') return std::nullopt;
    uint32_t n = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || n < 1 ||
        n > kMaxListSize) {
      return std::nullopt;
    }
    return DataType::FixedSizeList(*item, n);
  }
  auto id = ParseScalar(name);
  if (!id) return std::nullopt;
  return DataType(*id);
}

std::string ScalarTypeNames(std::string_view separator) {
  std::string out;
  for (int i = 0; i < kNumTypeIds; ++i) {
    if (kInfo[i].name.empty()) continue;
    if (!out.empty()) out += separator;
    out += kInfo[i].name;
  }
  return out;
}

int FixedWidth(DataType type) {
  const TypeInfo& info = type.info();
  switch (info.storage) {
    case S::kFixed:
      return info.width;
    case S::kFixedList:
      return Info(type.item).width * static_cast<int>(type.size);
    case S::kBit:
    case S::kVarBytes:
    case S::kList:
      return 0;
  }
  return 0;
}

bool IsNumericItem(TypeId id) {
  const TypeInfo& info = Info(id);
  return info.arrow == A::kInt || info.arrow == A::kFloatingPoint;
}

bool IsScalar(TypeId id) {
  switch (Info(id).storage) {
    case S::kFixed:
    case S::kBit:
    case S::kVarBytes:
      return true;
    case S::kFixedList:
    case S::kList:
      return false;
  }
  return false;
}

bool IsInteger(DataType t) {
  return t.info().arrow == A::kInt;
}
bool IsSignedInteger(DataType t) {
  return t.info().arrow == A::kInt && t.info().is_signed;
}
bool IsFloat(DataType t) {
  return t.info().arrow == A::kFloatingPoint;
}

}  // namespace murr
