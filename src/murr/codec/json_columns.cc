#include "murr/codec/json_columns.h"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include <absl/container/flat_hash_set.h>

#include "murr/codec/json_text.h"
#include "murr/core/json_util.h"

namespace murr {
namespace {

namespace od = simdjson::ondemand;

// Longest piece of a raw JSON token quoted back in an error message.
constexpr size_t kMaxQuotedToken = 40;

// The raw token without its trailing whitespace.
std::string_view RawToken(od::value& v) {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

// A token or name for an error message, cut at `limit` bytes.
std::string Quote(std::string_view token, size_t limit = kMaxQuotedToken) {
  return QuoteForMessage(token, limit);
}

// Where a value sits, for error messages: "column 'score' row 3".
struct Position {
  std::string_view column;
  int64_t row;
};

Status ValueError(const Position& pos, std::string_view what) {
  return Status::InvalidArgument(fmt::format("column '{}' row {}: {}", pos.column, pos.row, what));
}

Status InvalidJson(simdjson::error_code err) {
  return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
}

Status InvalidJsonAt(const Position& pos, simdjson::error_code err) {
  return ValueError(pos, std::string("invalid JSON: ") + simdjson::error_message(err));
}

// Numbers are read from their text with std::from_chars (exact for integers, correctly rounded
// for floats) after checking the JSON grammar here, rather than with simdjson's On-Demand number
// getters: the Debian release (3.0.1) returns wrong doubles for some long fractions (e.g.
// 0.214748364730000000000000004; simdjson issue #2093), found by fuzz/json_columns_fuzz.cc.

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Checks `t` against the JSON number grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
// *is_integer: no fraction and no exponent.
bool ScanJsonNumber(std::string_view t, bool* is_integer) {
  size_t i = 0;
  const size_t n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i == n) return false;
  if (t[i] == '0') {
    ++i;
  } else if (IsDigit(t[i])) {
    while (i < n && IsDigit(t[i])) ++i;
  } else {
    return false;
  }
  *is_integer = true;
  if (i < n && t[i] == '.') {
    *is_integer = false;
    size_t first = ++i;
    while (i < n && IsDigit(t[i])) ++i;
    if (i == first) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    *is_integer = false;
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    size_t first = i;
    while (i < n && IsDigit(t[i])) ++i;
    if (i == first) return false;
  }
  return i == n;
}

// For a valid, non-zero JSON number: true when |value| < 1 (so a float that is out of range
// underflowed to zero rather than overflowed). Computes the decimal exponent of the leading
// non-zero digit, saturating the written exponent.
bool IsBelowOne(std::string_view t) {
  size_t i = t[0] == '-' ? 1 : 0;
  const size_t n = t.size();
  int64_t lead = 0;  // value is in [10^lead, 10^(lead+1)) before the exponent
  if (t[i] != '0') {
    size_t first = i;
    while (i < n && IsDigit(t[i])) ++i;
    lead = static_cast<int64_t>(i - first) - 1;
    if (i < n && t[i] == '.') {
      ++i;
      while (i < n && IsDigit(t[i])) ++i;
    }
  } else {
    ++i;
    int64_t zeros = 0;
    if (i < n && t[i] == '.') {
      ++i;
      while (i < n && t[i] == '0') {
        ++i;
        ++zeros;
      }
      while (i < n && IsDigit(t[i])) ++i;
    }
    lead = -(zeros + 1);
  }
  int64_t exponent = 0;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < n && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
    while (i < n && IsDigit(t[i])) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (t[i] - '0');
      ++i;
    }
    if (negative) exponent = -exponent;
  }
  return lead + exponent < 0;
}

Status OutOfRange(const Position& pos, std::string_view token, DataType type) {
  return ValueError(pos,
                    fmt::format("{} is out of range for {}", Quote(token), DataTypeName(type)));
}

Status InvalidNumber(const Position& pos, std::string_view token) {
  return ValueError(pos, fmt::format("invalid number '{}'", Quote(token)));
}

template <typename T>
Status AppendInteger(od::value& v, const Position& pos, DataType type, ColumnBuilder* builder) {
  std::string_view token = RawToken(v);
  bool is_integer = false;
  if (!ScanJsonNumber(token, &is_integer)) return InvalidNumber(pos, token);
  if (!is_integer) {
    return ValueError(pos, fmt::format("expected an integer, got {} (a fraction or exponent "
                                       "makes a number a float)",
                                       Quote(token)));
  }
  const char* begin = token.data();
  const char* end = token.data() + token.size();
  if (token[0] == '-') {
    int64_t x;
    auto r = std::from_chars(begin, end, x);
    if (r.ec != std::errc() || r.ptr != end) return OutOfRange(pos, token, type);
    if constexpr (std::is_signed_v<T>) {
      if (x < std::numeric_limits<T>::min()) return OutOfRange(pos, token, type);
    } else {
      if (x != 0) return OutOfRange(pos, token, type);  // "-0" is 0
    }
    builder->Append<T>(static_cast<T>(x));
    return Status::OK();
  }
  uint64_t u;
  auto r = std::from_chars(begin, end, u);
  if (r.ec != std::errc() || r.ptr != end || u > std::numeric_limits<T>::max()) {
    return OutOfRange(pos, token, type);
  }
  builder->Append<T>(static_cast<T>(u));
  return Status::OK();
}

constexpr std::string_view kNaN = "NaN";
constexpr std::string_view kInfinity = "Infinity";
constexpr std::string_view kMinusInfinity = "-Infinity";

template <typename T>
Status AppendFloat(od::value& v, od::json_type jt, const Position& pos, DataType type,
                   ColumnBuilder* builder) {
  if (jt == od::json_type::string) {
    std::string_view s;
    if (auto err = v.get_string().get(s)) return InvalidJsonAt(pos, err);
    if (s == kNaN) {
      builder->Append<T>(std::numeric_limits<T>::quiet_NaN());
    } else if (s == kInfinity) {
      builder->Append<T>(std::numeric_limits<T>::infinity());
    } else if (s == kMinusInfinity) {
      builder->Append<T>(-std::numeric_limits<T>::infinity());
    } else {
      return ValueError(pos,
                        "expected number, got string (the only strings a float column takes "
                        "are \"NaN\", \"Infinity\" and \"-Infinity\")");
    }
    return Status::OK();
  }
  if (jt != od::json_type::number) {
    return ValueError(pos, fmt::format("expected number, got {}", JsonTypeName(jt)));
  }
  std::string_view token = RawToken(v);
  bool is_integer = false;
  if (!ScanJsonNumber(token, &is_integer)) return InvalidNumber(pos, token);
  // Straight from the text to T: float32 never goes through double, so it is rounded once.
  T x;
  const char* end = token.data() + token.size();
  auto r = std::from_chars(token.data(), end, x);
  if (r.ec == std::errc::result_out_of_range && IsBelowOne(token)) {
    // Smaller than half the smallest subnormal: rounds to a zero of the same sign.
    x = token[0] == '-' ? -T(0) : T(0);
  } else if (r.ec == std::errc::result_out_of_range) {
    return OutOfRange(pos, token, type);
  } else if (r.ec != std::errc() || r.ptr != end) {
    return InvalidNumber(pos, token);
  }
  builder->Append<T>(x);
  return Status::OK();
}

Status AppendValue(od::value& v, const Position& pos, DataType type, ColumnBuilder* builder) {
  od::json_type jt;
  if (auto err = v.type().get(jt)) return InvalidJsonAt(pos, err);
  if (jt == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) {
      return ValueError(pos, fmt::format("invalid JSON literal '{}'", Quote(RawToken(v))));
    }
    builder->AppendNull();
    return Status::OK();
  }
  switch (type) {
    case DataType::kUtf8: {
      if (jt != od::json_type::string) {
        return ValueError(pos, fmt::format("expected string, got {}", JsonTypeName(jt)));
      }
      std::string_view s;
      if (auto err = v.get_string().get(s)) return InvalidJsonAt(pos, err);
      Status st = builder->AppendString(s);
      if (!st.ok()) return st.WithContext(fmt::format("column '{}' row {}", pos.column, pos.row));
      return Status::OK();
    }
    case DataType::kBool: {
      if (jt != od::json_type::boolean) {
        return ValueError(pos, fmt::format("expected bool, got {}", JsonTypeName(jt)));
      }
      bool b;
      if (v.get_bool().get(b)) {
        return ValueError(pos, fmt::format("invalid JSON literal '{}'", Quote(RawToken(v))));
      }
      builder->AppendBool(b);
      return Status::OK();
    }
    case DataType::kFloat32:
      return AppendFloat<float>(v, jt, pos, type, builder);
    case DataType::kFloat64:
      return AppendFloat<double>(v, jt, pos, type, builder);
    default:
      break;
  }
  if (jt != od::json_type::number) {
    return ValueError(pos, fmt::format("expected integer, got {}", JsonTypeName(jt)));
  }
  switch (type) {
    case DataType::kInt8:
      return AppendInteger<int8_t>(v, pos, type, builder);
    case DataType::kInt16:
      return AppendInteger<int16_t>(v, pos, type, builder);
    case DataType::kInt32:
      return AppendInteger<int32_t>(v, pos, type, builder);
    case DataType::kInt64:
      return AppendInteger<int64_t>(v, pos, type, builder);
    case DataType::kUInt8:
      return AppendInteger<uint8_t>(v, pos, type, builder);
    case DataType::kUInt16:
      return AppendInteger<uint16_t>(v, pos, type, builder);
    case DataType::kUInt32:
      return AppendInteger<uint32_t>(v, pos, type, builder);
    case DataType::kUInt64:
      return AppendInteger<uint64_t>(v, pos, type, builder);
    default:
      break;
  }
  return Status::Internal(
      fmt::format("column '{}': unhandled type {}", pos.column, DataTypeName(type)));
}

Status ParseColumn(od::value& column_value, std::string_view name, DataType type,
                   ColumnBuilder* builder) {
  od::json_type jt;
  if (auto err = column_value.type().get(jt)) {
    return Status::InvalidArgument(
        fmt::format("column '{}': invalid JSON: {}", name, simdjson::error_message(err)));
  }
  if (jt != od::json_type::array) {
    return Status::InvalidArgument(
        fmt::format("column '{}' must be an array of values, got {}", name, JsonTypeName(jt)));
  }
  od::array values;
  if (auto err = column_value.get_array().get(values)) {
    return Status::InvalidArgument(
        fmt::format("column '{}': invalid JSON: {}", name, simdjson::error_message(err)));
  }
  Position pos{name, 0};
  for (auto element : values) {
    od::value v;
    if (auto err = std::move(element).get(v)) return InvalidJsonAt(pos, err);
    MURR_RETURN_IF_ERROR(AppendValue(v, pos, type, builder));
    ++pos.row;
  }
  return Status::OK();
}

constexpr std::string_view kBodyShape = "expected {\"columns\": {\"<column>\": [<values>], ...}}";

Result<Batch> ParseDocument(od::document& doc, const TableSchema& schema) {
  od::json_type root_type;
  if (auto err = doc.type().get(root_type)) return InvalidJson(err);
  if (root_type != od::json_type::object) {
    if (auto err = CheckAnnouncedScalar(doc, root_type)) return InvalidJson(err);
    return Status::InvalidArgument(
        fmt::format("body must be a JSON object, got {}; {}", JsonTypeName(root_type), kBodyShape));
  }
  od::object root;
  if (auto err = doc.get_object().get(root)) return InvalidJson(err);
  Batch batch;
  bool have_columns = false;
  absl::flat_hash_set<std::string> seen;
  for (auto root_field : root) {
    od::field field;
    if (auto err = std::move(root_field).get(field)) return InvalidJson(err);
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return InvalidJson(err);
    if (key != "columns") {
      return Status::InvalidArgument(
          fmt::format("unknown field '{}' in the body; {}", Quote(key), kBodyShape));
    }
    if (have_columns) return Status::InvalidArgument("field 'columns' appears twice");
    have_columns = true;
    od::value columns_value = field.value();
    od::json_type jt;
    if (auto err = columns_value.type().get(jt)) return InvalidJson(err);
    if (jt != od::json_type::object) {
      return Status::InvalidArgument(
          fmt::format("'columns' must be an object of column name -> array of values, got {}",
                      JsonTypeName(jt)));
    }
    od::object columns;
    if (auto err = columns_value.get_object().get(columns)) return InvalidJson(err);
    for (auto column_field : columns) {
      od::field column;
      if (auto err = std::move(column_field).get(column)) return InvalidJson(err);
      std::string_view name_view;
      if (auto err = column.unescaped_key().get(name_view)) return InvalidJson(err);
      std::string name(name_view);
      int index = schema.FindColumn(name);
      if (index < 0) {
        return Status::InvalidArgument(fmt::format(
            "unknown column '{}' (not in the table's schema)", Quote(name, kMaxColumnNameBytes)));
      }
      if (!seen.insert(name).second) {
        return Status::InvalidArgument(fmt::format("column '{}' appears twice", name));
      }
      DataType type = schema.columns()[index].type;
      ColumnBuilder builder(type);
      od::value column_value = column.value();
      MURR_RETURN_IF_ERROR(ParseColumn(column_value, name, type, &builder));
      Column c = builder.Finish();
      if (!batch.columns.empty() && c.length != batch.num_rows) {
        return Status::InvalidArgument(fmt::format(
            "columns have unequal lengths: column '{}' has {} values but column '{}' has {}", name,
            c.length, batch.fields.front().name, batch.num_rows));
      }
      batch.num_rows = c.length;
      batch.fields.push_back(Field{std::move(name), type, true});
      batch.columns.push_back(std::move(c));
    }
  }
  // Anything after the top-level object is an error ({"columns": {}} {"x": 1}).
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidArgument("invalid JSON: unexpected content after the top-level object");
  }
  if (!have_columns) {
    return Status::InvalidArgument(fmt::format("body has no 'columns' field; {}", kBodyShape));
  }
  return batch;
}

// ---- Writing ----------------------------------------------------------------------------------

// Values are written into a raw window of the output in blocks, so the per-value cost is the
// formatting alone. kMaxValueChars bounds one value and its comma: the longest shortest-round-trip
// float64 is 24 characters ("-2.2250738585072014e-308"), "\"-Infinity\"" is 11, int64 is 20.
constexpr size_t kMaxValueChars = 32;
constexpr int64_t kBlockRows = 512;

template <typename T>
char* WriteFloat(char* p, T v) {
  if (std::isnan(v)) {
    std::memcpy(p, "\"NaN\"", 5);
    return p + 5;
  }
  if (std::isinf(v)) {
    if (v > 0) {
      std::memcpy(p, "\"Infinity\"", 10);
      return p + 10;
    }
    std::memcpy(p, "\"-Infinity\"", 11);
    return p + 11;
  }
  char* start = p;
  p = fmt::format_to(p, FMT_COMPILE("{}"), v);
  // Keep it a float for readers that type JSON numbers by their text: 1 -> 1.0, -0 -> -0.0.
  bool has_point_or_exponent = false;
  for (char* q = start; q < p; ++q) {
    if (*q == '.' || *q == 'e') {
      has_point_or_exponent = true;
      break;
    }
  }
  if (!has_point_or_exponent) {
    p[0] = '.';
    p[1] = '0';
    p += 2;
  }
  return p;
}

template <typename T>
char* WriteValue(char* p, const Column& c, int64_t i) {
  if constexpr (std::is_floating_point_v<T>) {
    return WriteFloat<T>(p, c.Value<T>(i));
  } else if constexpr (std::is_same_v<T, bool>) {
    if (c.BoolValue(i)) {
      std::memcpy(p, "true", 4);
      return p + 4;
    }
    std::memcpy(p, "false", 5);
    return p + 5;
  } else {
    // Widen int8/uint8 so they print as numbers, not characters.
    using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
    fmt::format_int f(static_cast<Wide>(c.Value<T>(i)));
    std::memcpy(p, f.data(), f.size());
    return p + f.size();
  }
}

// T is the C++ value type; bool means the bit-packed bool column.
template <typename T>
void AppendFixedWidth(const Column& c, std::string* out) {
  for (int64_t begin = 0; begin < c.length; begin += kBlockRows) {
    int64_t end = std::min(c.length, begin + kBlockRows);
    size_t old_size = out->size();
    out->resize(old_size + static_cast<size_t>(end - begin) * kMaxValueChars);
    char* p = out->data() + old_size;
    for (int64_t i = begin; i < end; ++i) {
      if (i > 0) *p++ = ',';
      if (c.IsNull(i)) {
        std::memcpy(p, "null", 4);
        p += 4;
      } else {
        p = WriteValue<T>(p, c, i);
      }
    }
    out->resize(static_cast<size_t>(p - out->data()));
  }
}

void AppendStrings(const Column& c, std::string* out) {
  for (int64_t i = 0; i < c.length; ++i) {
    if (i > 0) out->push_back(',');
    if (c.IsNull(i)) {
      out->append("null");
    } else {
      AppendJsonString(out, c.StringValue(i));
    }
  }
}

void AppendColumnValues(const Column& c, std::string* out) {
  switch (c.type) {
    case DataType::kUtf8:
      AppendStrings(c, out);
      break;
    case DataType::kBool:
      AppendFixedWidth<bool>(c, out);
      break;
    case DataType::kInt8:
      AppendFixedWidth<int8_t>(c, out);
      break;
    case DataType::kInt16:
      AppendFixedWidth<int16_t>(c, out);
      break;
    case DataType::kInt32:
      AppendFixedWidth<int32_t>(c, out);
      break;
    case DataType::kInt64:
      AppendFixedWidth<int64_t>(c, out);
      break;
    case DataType::kUInt8:
      AppendFixedWidth<uint8_t>(c, out);
      break;
    case DataType::kUInt16:
      AppendFixedWidth<uint16_t>(c, out);
      break;
    case DataType::kUInt32:
      AppendFixedWidth<uint32_t>(c, out);
      break;
    case DataType::kUInt64:
      AppendFixedWidth<uint64_t>(c, out);
      break;
    case DataType::kFloat32:
      AppendFixedWidth<float>(c, out);
      break;
    case DataType::kFloat64:
      AppendFixedWidth<double>(c, out);
      break;
  }
}

}  // namespace

Result<Batch> ParseJsonColumns(std::string_view body, const TableSchema& schema) {
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return InvalidJson(err);
  return ParseDocument(doc, schema);
}

void AppendJsonColumns(const Batch& batch, std::string* out) {
  out->append("{\"columns\":{");
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, batch.fields[i].name);
    out->append(":[");
    AppendColumnValues(batch.columns[i], out);
    out->push_back(']');
  }
  out->append("}}");
}

}  // namespace murr
