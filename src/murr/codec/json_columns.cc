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
#include "murr/core/half_float.h"
#include "murr/core/json_util.h"
#include "murr/core/value_text.h"

namespace murr {
namespace {

namespace od = simdjson::ondemand;

// Longest piece of a raw JSON token quoted back in an error message.
constexpr size_t kMaxQuotedToken = 40;

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
Status ParseInteger(od::value& v, const Position& pos, DataType type, T* out) {
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
    *out = static_cast<T>(x);
    return Status::OK();
  }
  uint64_t u;
  auto r = std::from_chars(begin, end, u);
  if (r.ec != std::errc() || r.ptr != end || u > std::numeric_limits<T>::max()) {
    return OutOfRange(pos, token, type);
  }
  *out = static_cast<T>(u);
  return Status::OK();
}

constexpr std::string_view kNaN = "NaN";
constexpr std::string_view kInfinity = "Infinity";
constexpr std::string_view kMinusInfinity = "-Infinity";

template <typename T>
Status ParseFloat(od::value& v, od::json_type jt, const Position& pos, DataType type, T* out) {
  if (jt == od::json_type::string) {
    std::string_view s;
    if (auto err = v.get_string().get(s)) return InvalidJsonAt(pos, err);
    if (s == kNaN) {
      *out = std::numeric_limits<T>::quiet_NaN();
    } else if (s == kInfinity) {
      *out = std::numeric_limits<T>::infinity();
    } else if (s == kMinusInfinity) {
      *out = -std::numeric_limits<T>::infinity();
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
  *out = x;
  return Status::OK();
}

// Parses one non-null scalar of a fixed-width type (`id`: a scalar of kFixed storage) into the
// FixedWidth(id) bytes at `out`.
Status ParseFixedScalar(od::value& v, od::json_type jt, const Position& pos, TypeId id,
                        uint8_t* out) {
  const TypeInfo& info = Info(id);
  auto store = [&](auto x) {
    std::memcpy(out, &x, sizeof(x));
    return Status::OK();
  };
  switch (info.json) {
    case JsonForm::kFloat:
      if (info.width == 4) {
        float x = 0;
        MURR_RETURN_IF_ERROR(ParseFloat<float>(v, jt, pos, id, &x));
        return store(x);
      } else {
        double x = 0;
        MURR_RETURN_IF_ERROR(ParseFloat<double>(v, jt, pos, id, &x));
        return store(x);
      }
    case JsonForm::kHalfFloat: {
      // Rounded once, from the decimal text to the nearest float32, then to binary16: a double
      // rounding that can differ from a direct one only at exact ties of the half grid.
      float x = 0;
      MURR_RETURN_IF_ERROR(ParseFloat<float>(v, jt, pos, id, &x));
      return store(FloatToHalf(x));
    }
    case JsonForm::kSigned:
    case JsonForm::kUnsigned:
    case JsonForm::kDate:
    case JsonForm::kTimestamp:
      break;
    case JsonForm::kBool:
    case JsonForm::kString:
    case JsonForm::kBase64:
    case JsonForm::kArray:
      return Status::Internal(
          fmt::format("column '{}': {} is not a fixed-width scalar", pos.column, DataTypeName(id)));
  }
  if (jt == od::json_type::string &&
      (info.json == JsonForm::kDate || info.json == JsonForm::kTimestamp)) {
    std::string_view text;
    if (auto err = v.get_string().get(text)) return InvalidJsonAt(pos, err);
    if (info.json == JsonForm::kDate) {
      auto days = ParseIsoDate(text);
      if (!days) {
        return ValueError(pos, fmt::format("expected a date \"YYYY-MM-DD\" or a day count, got "
                                           "\"{}\"",
                                           Quote(text)));
      }
      return store(*days);
    }
    std::string error;
    auto t = ParseIsoTimestamp(text, info.unit, &error);
    if (!t) {
      return ValueError(pos, fmt::format("\"{}\" is not a {} timestamp: {}", Quote(text),
                                         DataTypeName(id), error));
    }
    return store(*t);
  }
  if (jt != od::json_type::number) {
    const char* expected = info.json == JsonForm::kDate        ? "a date string or integer"
                           : info.json == JsonForm::kTimestamp ? "a timestamp string or integer"
                                                               : "integer";
    return ValueError(pos, fmt::format("expected {}, got {}", expected, JsonTypeName(jt)));
  }
  switch (info.width) {
    case 1: {
      if (info.is_signed) {
        int8_t x = 0;
        MURR_RETURN_IF_ERROR(ParseInteger<int8_t>(v, pos, id, &x));
        return store(x);
      }
      uint8_t x = 0;
      MURR_RETURN_IF_ERROR(ParseInteger<uint8_t>(v, pos, id, &x));
      return store(x);
    }
    case 2: {
      if (info.is_signed) {
        int16_t x = 0;
        MURR_RETURN_IF_ERROR(ParseInteger<int16_t>(v, pos, id, &x));
        return store(x);
      }
      uint16_t x = 0;
      MURR_RETURN_IF_ERROR(ParseInteger<uint16_t>(v, pos, id, &x));
      return store(x);
    }
    case 4: {
      if (info.is_signed) {
        int32_t x = 0;
        MURR_RETURN_IF_ERROR(ParseInteger<int32_t>(v, pos, id, &x));
        return store(x);
      }
      uint32_t x = 0;
      MURR_RETURN_IF_ERROR(ParseInteger<uint32_t>(v, pos, id, &x));
      return store(x);
    }
    default: {
      if (info.is_signed) {
        int64_t x = 0;
        MURR_RETURN_IF_ERROR(ParseInteger<int64_t>(v, pos, id, &x));
        return store(x);
      }
      uint64_t x = 0;
      MURR_RETURN_IF_ERROR(ParseInteger<uint64_t>(v, pos, id, &x));
      return store(x);
    }
  }
}

Status AppendValue(od::value& v, const Position& pos, DataType type, ColumnBuilder* builder,
                   std::vector<uint8_t>* scratch);

// A list row: a JSON array of the item's form, where an item may be null.
Status AppendList(od::value& v, od::json_type jt, const Position& pos, DataType type,
                  ColumnBuilder* builder, std::vector<uint8_t>* scratch) {
  if (jt != od::json_type::array) {
    return ValueError(pos, fmt::format("expected an array of {} values (or null), got {}",
                                       DataTypeName(type.item), JsonTypeName(jt)));
  }
  od::array items;
  if (auto err = v.get_array().get(items)) return InvalidJsonAt(pos, err);
  const DataType item_type = type.item_type();
  int64_t k = 0;
  for (auto element : items) {
    od::value item;
    if (auto err = std::move(element).get(item)) return InvalidJsonAt(pos, err);
    Status st = AppendValue(item, pos, item_type, &builder->items(), scratch);
    if (!st.ok()) return Status(st.code(), fmt::format("{} (item {})", st.message(), k));
    ++k;
  }
  Status st = builder->AppendListEnd();
  if (!st.ok()) return st.WithContext(fmt::format("column '{}' row {}", pos.column, pos.row));
  return Status::OK();
}

Status AppendValue(od::value& v, const Position& pos, DataType type, ColumnBuilder* builder,
                   std::vector<uint8_t>* scratch) {
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
  const TypeInfo& info = type.info();
  switch (info.json) {
    case JsonForm::kString:
    case JsonForm::kBase64: {
      if (jt != od::json_type::string) {
        return ValueError(pos,
                          fmt::format("expected {}, got {}",
                                      info.json == JsonForm::kBase64 ? "a base64 string" : "string",
                                      JsonTypeName(jt)));
      }
      std::string_view s;
      if (auto err = v.get_string().get(s)) return InvalidJsonAt(pos, err);
      Status st;
      if (info.json == JsonForm::kBase64) {
        std::string bytes;
        if (!DecodeBase64(s, &bytes)) {
          return ValueError(pos,
                            fmt::format("\"{}\" is not base64 (RFC 4648, with padding)", Quote(s)));
        }
        st = builder->AppendString(bytes);
      } else {
        st = builder->AppendString(s);
      }
      if (!st.ok()) return st.WithContext(fmt::format("column '{}' row {}", pos.column, pos.row));
      return Status::OK();
    }
    case JsonForm::kBool: {
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
    case JsonForm::kArray: {
      if (type.id == TypeId::kList) return AppendList(v, jt, pos, type, builder, scratch);
      if (jt != od::json_type::array) {
        return ValueError(pos, fmt::format("expected an array of {} {} values, got {}", type.size,
                                           DataTypeName(type.item), JsonTypeName(jt)));
      }
      od::array items;
      if (auto err = v.get_array().get(items)) return InvalidJsonAt(pos, err);
      const size_t width = static_cast<size_t>(Info(type.item).width);
      scratch->resize(static_cast<size_t>(FixedWidth(type)));
      uint32_t count = 0;
      for (auto element : items) {
        od::value item;
        if (auto err = std::move(element).get(item)) return InvalidJsonAt(pos, err);
        if (count == type.size) {
          return ValueError(pos, fmt::format("a {} vector has more than {} values",
                                             DataTypeName(type), type.size));
        }
        od::json_type ijt;
        if (auto err = item.type().get(ijt)) return InvalidJsonAt(pos, err);
        if (ijt == od::json_type::null) {
          return ValueError(pos, fmt::format("item {} is null; a {} value is a whole vector or "
                                             "null",
                                             count, DataTypeName(type)));
        }
        MURR_RETURN_IF_ERROR(
            ParseFixedScalar(item, ijt, pos, type.item, scratch->data() + count * width));
        ++count;
      }
      if (count != type.size) {
        return ValueError(pos, fmt::format("a {} vector has {} values, expected {}",
                                           DataTypeName(type), count, type.size));
      }
      builder->AppendFixed(scratch->data());
      return Status::OK();
    }
    case JsonForm::kFloat:
    case JsonForm::kHalfFloat:
    case JsonForm::kSigned:
    case JsonForm::kUnsigned:
    case JsonForm::kDate:
    case JsonForm::kTimestamp: {
      uint8_t bytes[8];
      MURR_RETURN_IF_ERROR(ParseFixedScalar(v, jt, pos, type.id, bytes));
      builder->AppendFixed(bytes);
      return Status::OK();
    }
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
  std::vector<uint8_t> scratch;
  for (auto element : values) {
    od::value v;
    if (auto err = std::move(element).get(v)) return InvalidJsonAt(pos, err);
    MURR_RETURN_IF_ERROR(AppendValue(v, pos, type, builder, &scratch));
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
      const ColumnSchema& cs = schema.columns()[index];
      DataType type = cs.type;
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
      batch.fields.push_back(Field{std::move(name), type, true, cs.timezone});
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

// The shortest decimal that reads back (through float32) as the same binary16 value.
char* WriteHalf(char* p, uint16_t h) {
  const float f = HalfToFloat(h);
  if (std::isnan(f) || std::isinf(f)) return WriteFloat<float>(p, f);
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    auto end = fmt::format_to(buf, "{:.{}g}", f, digits);
    float back;
    std::from_chars(buf, end, back);
    if (FloatToHalf(back) == h) return WriteFloat<float>(p, back);
  }
  return WriteFloat<float>(p, f);
}

// One value of a fixed-width scalar `id` at `src` (the form of its TypeInfo).
void AppendScalarText(TypeId id, const Field& field, const uint8_t* src, std::string* out) {
  const TypeInfo& info = Info(id);
  char buf[kMaxValueChars];
  char* p = buf;
  auto load = [&](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, src, sizeof(v));
    return v;
  };
  switch (info.json) {
    case JsonForm::kFloat:
      p = info.width == 4 ? WriteFloat<float>(p, load(float{})) : WriteFloat<double>(p, load(0.0));
      break;
    case JsonForm::kHalfFloat:
      p = WriteHalf(p, load(uint16_t{}));
      break;
    case JsonForm::kSigned:
    case JsonForm::kUnsigned: {
      int64_t sv = 0;
      uint64_t uv = 0;
      switch (info.width) {
        case 1:
          sv = load(int8_t{}), uv = load(uint8_t{});
          break;
        case 2:
          sv = load(int16_t{}), uv = load(uint16_t{});
          break;
        case 4:
          sv = load(int32_t{}), uv = load(uint32_t{});
          break;
        default:
          sv = load(int64_t{}), uv = load(uint64_t{});
          break;
      }
      if (info.json == JsonForm::kSigned) {
        fmt::format_int f(sv);
        std::memcpy(p, f.data(), f.size());
        p += f.size();
      } else {
        fmt::format_int f(uv);
        std::memcpy(p, f.data(), f.size());
        p += f.size();
      }
      break;
    }
    case JsonForm::kDate:
      out->push_back('"');
      AppendIsoDate(load(int32_t{}), out);
      out->push_back('"');
      return;
    case JsonForm::kTimestamp:
      out->push_back('"');
      AppendIsoTimestamp(load(int64_t{}), info.unit, !field.timezone.empty(), out);
      out->push_back('"');
      return;
    case JsonForm::kBool:
    case JsonForm::kString:
    case JsonForm::kBase64:
    case JsonForm::kArray:
      return;  // not fixed-width scalars
  }
  out->append(buf, static_cast<size_t>(p - buf));
}

// Item j of a list's item column `items` in its JSON form.
void AppendItemText(const Field& field, const Column& items, int64_t j, std::string* out) {
  if (items.IsNull(j)) {
    out->append("null");
    return;
  }
  switch (items.type.info().json) {
    case JsonForm::kString:
      AppendJsonString(out, items.StringValue(j));
      return;
    case JsonForm::kBase64:
      out->push_back('"');
      AppendBase64(items.StringValue(j), out);
      out->push_back('"');
      return;
    case JsonForm::kBool:
      out->append(items.BoolValue(j) ? "true" : "false");
      return;
    case JsonForm::kFloat:
    case JsonForm::kHalfFloat:
    case JsonForm::kSigned:
    case JsonForm::kUnsigned:
    case JsonForm::kDate:
    case JsonForm::kTimestamp: {
      const size_t w = static_cast<size_t>(FixedWidth(items.type));
      AppendScalarText(items.type.id, field, items.values.data() + static_cast<size_t>(j) * w, out);
      return;
    }
    case JsonForm::kArray:
      return;  // items are scalars (DataType::List)
  }
}

void AppendLists(const Field& field, const Column& c, std::string* out) {
  for (int64_t i = 0; i < c.length; ++i) {
    if (i > 0) out->push_back(',');
    if (c.IsNull(i)) {
      out->append("null");
      continue;
    }
    out->push_back('[');
    for (int64_t j = c.ListBegin(i), e = c.ListEnd(i); j < e; ++j) {
      if (j > c.ListBegin(i)) out->push_back(',');
      AppendItemText(field, c.items(), j, out);
    }
    out->push_back(']');
  }
}

void AppendColumnValues(const Field& field, const Column& c, std::string* out) {
  switch (c.type.info().json) {
    case JsonForm::kString:
      AppendStrings(c, out);
      return;
    case JsonForm::kBase64:
      for (int64_t i = 0; i < c.length; ++i) {
        if (i > 0) out->push_back(',');
        if (c.IsNull(i)) {
          out->append("null");
        } else {
          out->push_back('"');
          AppendBase64(c.StringValue(i), out);
          out->push_back('"');
        }
      }
      return;
    case JsonForm::kBool:
      AppendFixedWidth<bool>(c, out);
      return;
    case JsonForm::kArray: {
      if (c.type.id == TypeId::kList) {
        AppendLists(field, c, out);
        return;
      }
      const size_t w = static_cast<size_t>(Info(c.type.item).width);
      const size_t row = static_cast<size_t>(FixedWidth(c.type));
      for (int64_t i = 0; i < c.length; ++i) {
        if (i > 0) out->push_back(',');
        if (c.IsNull(i)) {
          out->append("null");
          continue;
        }
        out->push_back('[');
        const uint8_t* base = c.values.data() + static_cast<size_t>(i) * row;
        for (uint32_t k = 0; k < c.type.size; ++k) {
          if (k > 0) out->push_back(',');
          AppendScalarText(c.type.item, field, base + k * w, out);
        }
        out->push_back(']');
      }
      return;
    }
    case JsonForm::kFloat:
    case JsonForm::kSigned:
    case JsonForm::kUnsigned:
      break;
    case JsonForm::kHalfFloat:
    case JsonForm::kDate:
    case JsonForm::kTimestamp: {
      const size_t w = static_cast<size_t>(FixedWidth(c.type));
      for (int64_t i = 0; i < c.length; ++i) {
        if (i > 0) out->push_back(',');
        if (c.IsNull(i)) {
          out->append("null");
        } else {
          AppendScalarText(c.type.id, field, c.values.data() + static_cast<size_t>(i) * w, out);
        }
      }
      return;
    }
  }
  // The common numeric types: block-formatted fast paths.
  const TypeInfo& info = c.type.info();
  if (info.json == JsonForm::kFloat) {
    if (info.width == 4) {
      AppendFixedWidth<float>(c, out);
    } else {
      AppendFixedWidth<double>(c, out);
    }
    return;
  }
  const bool s = info.json == JsonForm::kSigned;
  switch (info.width) {
    case 1:
      return s ? AppendFixedWidth<int8_t>(c, out) : AppendFixedWidth<uint8_t>(c, out);
    case 2:
      return s ? AppendFixedWidth<int16_t>(c, out) : AppendFixedWidth<uint16_t>(c, out);
    case 4:
      return s ? AppendFixedWidth<int32_t>(c, out) : AppendFixedWidth<uint32_t>(c, out);
    default:
      return s ? AppendFixedWidth<int64_t>(c, out) : AppendFixedWidth<uint64_t>(c, out);
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
    AppendColumnValues(batch.fields[i], batch.columns[i], out);
    out->push_back(']');
  }
  out->append("}}");
}

}  // namespace murr
