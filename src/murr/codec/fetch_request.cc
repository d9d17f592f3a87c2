#include "murr/codec/fetch_request.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <absl/container/flat_hash_set.h>

#include "murr/codec/json_text.h"
#include "murr/core/schema.h"

namespace murr {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kMaxQuotedName = 64;

std::string Quote(std::string_view s) {
  return QuoteForMessage(s, kMaxQuotedName);
}

constexpr std::string_view kShape =
    "expected {\"keys\": [\"<key>\", ...], \"columns\": [\"<column>\", ...]}";

Status InvalidJson(simdjson::error_code err) {
  return Status::InvalidArgument(std::string("fetch request is not valid JSON: ") +
                                 simdjson::error_message(err));
}

// Reads an array, calling reserve(count) once and then element(i, value, type) for each
// element. `field` names the array in messages; `limit` caps the element count.
template <typename Reserve, typename Element>
Status ParseArray(od::value& value, std::string_view field, std::string_view of, size_t limit,
                  Reserve&& reserve, Element&& element) {
  od::json_type jt;
  if (auto err = value.type().get(jt)) return InvalidJson(err);
  if (jt != od::json_type::array) {
    if (auto err = CheckAnnouncedScalar(value, jt)) return InvalidJson(err);
    return Status::InvalidArgument(
        fmt::format("'{}' must be an array of {}, got {}", field, of, JsonTypeName(jt)));
  }
  od::array array;
  if (auto err = value.get_array().get(array)) return InvalidJson(err);
  size_t count = 0;
  if (auto err = array.count_elements().get(count)) return InvalidJson(err);
  if (count > limit) {
    return Status::InvalidArgument(fmt::format(
        "too many {}: the request has {}, the limit is {} per request", field, count, limit));
  }
  reserve(count);
  size_t i = 0;
  for (auto item : array) {
    od::value v;
    if (auto err = std::move(item).get(v)) return InvalidJson(err);
    if (auto err = v.type().get(jt)) return InvalidJson(err);
    MURR_RETURN_IF_ERROR(element(i, v, jt));
    ++i;
  }
  return Status::OK();
}

Status GetString(od::value& v, std::string_view field, size_t i, std::string_view* s) {
  if (auto err = v.get_string().get(*s)) {
    return Status::InvalidArgument(
        fmt::format("{}[{}]: invalid JSON string: {}", field, i, simdjson::error_message(err)));
  }
  return Status::OK();
}

// Reads an array of strings, calling sink(i, s) with views into the parser's buffer.
template <typename Reserve, typename Sink>
Status ParseStringArray(od::value& value, std::string_view field, size_t limit, Reserve&& reserve,
                        Sink&& sink) {
  return ParseArray(value, field, "strings", limit, reserve,
                    [&](size_t i, od::value& v, od::json_type jt) -> Status {
                      if (jt != od::json_type::string) {
                        if (auto err = CheckAnnouncedScalar(v, jt)) return InvalidJson(err);
                        return Status::InvalidArgument(fmt::format(
                            "{}[{}] must be a string, got {}", field, i, JsonTypeName(jt)));
                      }
                      std::string_view s;
                      MURR_RETURN_IF_ERROR(GetString(v, field, i, &s));
                      return sink(i, s);
                    });
}

// Eight ASCII digits (little-endian load) to their value, or false when one is not a digit.
inline bool EightDigits(const char* p, uint64_t* value) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  // Every byte in '0'..'9': its high nibble is 3 and adding 6 does not carry into it.
  if (((v & 0xF0F0F0F0F0F0F0F0ull) |
       (((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) != 0x3333333333333333ull) {
    return false;
  }
  v &= 0x0F0F0F0F0F0F0F0Full;
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;    // pairs
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;  // quads
  *value = (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;   // eight
  return true;
}

// A canonical unsigned decimal of 1..19 digits (no leading zero), which always fits uint64.
bool ParseShortDecimal(std::string_view d, uint64_t* out) {
  const size_t n = d.size();
  if (n == 0 || n > 19 || (d[0] == '0' && n > 1)) return false;
  uint64_t v = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t eight;
    if (!EightDigits(d.data() + i, &eight)) return false;
    v = v * 100000000 + eight;
  }
  for (; i < n; ++i) {
    const unsigned c = static_cast<unsigned char>(d[i]) - '0';
    if (c > 9) return false;
    v = v * 10 + c;
  }
  *out = v;
  return true;
}

// The common number key, a plain integer of up to 19 digits (eight digits at a time): its kind
// and value into *out. False for any other token.
bool ShortIntegerKey(std::string_view token, KeyToken* out) {
  uint64_t magnitude = 0;
  const bool negative = !token.empty() && token[0] == '-';
  if (!ParseShortDecimal(token.substr(negative ? 1 : 0), &magnitude)) return false;
  out->text = token;
  if (!negative) {
    out->kind = magnitude > static_cast<uint64_t>(INT64_MAX) ? KeyToken::Kind::kUInt64
                                                             : KeyToken::Kind::kInt64;
    out->bits = magnitude;
  } else if (magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
    out->kind = KeyToken::Kind::kInt64;
    out->bits = 0 - magnitude;  // two's complement of -magnitude
  } else {
    out->kind = KeyToken::Kind::kBigInteger;
  }
  return true;
}

// The usual fetch request read straight from its text: an object of "keys" (plain strings or
// integers of up to 19 digits), "columns" (plain strings) and optionally "table" (a plain
// string), in any order. "Plain" means no escape: every key and name is a view into the text,
// with no copy. simdjson's on-demand iterator cost ~250 instructions per key; this costs a few
// per byte. Returns false for anything else (an escape, another kind of number or value, an
// unknown, repeated or missing field, a repeated or missing column, more than max_keys keys,
// malformed text, invalid UTF-8), and the caller reads the request with the full reader, which
// takes every valid request and words the errors.
class RequestScanner {
 public:
  explicit RequestScanner(std::string_view text) : p_(text.data()), end_(p_ + text.size()) {}

  bool Scan(size_t max_keys, std::vector<KeyToken>* keys, std::vector<std::string>* columns,
            std::string_view* table) {
    bool have_keys = false, have_columns = false, have_table = false;
    SkipSpace();
    if (!Take('{')) return false;
    SkipSpace();
    if (Take('}')) return false;  // no keys, no columns: the full reader words it
    for (;;) {
      std::string_view name;
      if (!String(&name)) return false;
      SkipSpace();
      if (!Take(':')) return false;
      SkipSpace();
      if (name == "keys" && !have_keys) {
        have_keys = true;
        if (!Keys(max_keys, keys)) return false;
      } else if (name == "columns" && !have_columns) {
        have_columns = true;
        if (!Columns(columns)) return false;
      } else if (name == "table" && !have_table) {
        have_table = true;
        if (!String(table) || table->empty()) return false;
      } else {
        return false;
      }
      SkipSpace();
      if (Take('}')) break;
      if (!Take(',')) return false;
      SkipSpace();
    }
    SkipSpace();
    return p_ == end_ && have_keys && have_columns;
  }

 private:
  // Inline, one compare for the usual next byte (a quote, a comma, a bracket, a digit); the
  // loop over white space is out of line.
  __attribute__((always_inline)) void SkipSpace() {
    if (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ') SkipSpaceRun();
  }
  void SkipSpaceRun() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Take(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // A string without escapes or control characters. The text is followed by simdjson's padding
  // (Storage::Hold), so reading 16 bytes at a time past its end is safe.
  bool String(std::string_view* out) {
    if (!Take('"')) return false;
    const char* text = p_;
#if defined(__SSE2__)
    // The first quote, backslash or control character of each 16 bytes.
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1f);
    for (;;) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      const __m128i hit =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, quote), _mm_cmpeq_epi8(b, backslash)),
                       _mm_cmpeq_epi8(_mm_min_epu8(b, control), b));
      const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
      if (mask != 0) {
        p_ += __builtin_ctz(mask);
        break;
      }
      p_ += 16;
      if (p_ >= end_) return false;
    }
    if (p_ >= end_ || *p_ != '"') return false;
#else
    while (p_ < end_ && *p_ != '"') {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '\\' || c < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
#endif
    *out = std::string_view(text, static_cast<size_t>(p_ - text));
    ++p_;
    return true;
  }
  // Past the digits at p_. The padding after the text is zeros, so a 16-byte step stops at the
  // text's end at the latest.
  void SkipDigits() {
#if defined(__SSE2__)
    const __m128i zero_char = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    for (;;) {
      const __m128i d =
          _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p_)), zero_char);
      const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
      const unsigned other = ~static_cast<unsigned>(_mm_movemask_epi8(digit)) & 0xFFFFu;
      if (other != 0) {
        p_ += __builtin_ctz(other);
        return;
      }
      p_ += 16;
    }
#else
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
#endif
  }
  // `[ element, ... ]`, calling element() at the start of each.
  template <typename Element>
  bool Array(Element&& element) {
    if (!Take('[')) return false;
    SkipSpace();
    if (Take(']')) return true;
    for (;;) {
      if (!element()) return false;
      SkipSpace();
      if (Take(']')) return true;
      if (!Take(',')) return false;
      SkipSpace();
    }
  }
  // The key array: like Array, with the usual separator (a comma right after the key) taken
  // without the space skip before it. Reading *p_ at the end of the text is safe: the padding
  // after it is zeros, which match no separator. (Array with that fast path, called here with a
  // lambda, cost ~5 instructions more per key: callgrind, 1,000 keys, 471.6k against 477.1k.)
  bool Keys(size_t max_keys, std::vector<KeyToken>* keys) {
    if (!Take('[')) return false;
    SkipSpace();
    if (Take(']')) return true;
    for (;;) {
      if (keys->size() == max_keys || p_ == end_) return false;
      KeyToken key;
      if (*p_ == '"') {
        if (!String(&key.text)) return false;
      } else {
        const char* text = p_;
        if (*p_ == '-') ++p_;
        SkipDigits();
        // The token must end here: "1.5", "1e3" and the like go to the full reader.
        if (p_ < end_ && *p_ != ',' && *p_ != ']' && *p_ != ' ' && *p_ != '\n' && *p_ != '\r' &&
            *p_ != '\t') {
          return false;
        }
        if (!ShortIntegerKey(std::string_view(text, static_cast<size_t>(p_ - text)), &key)) {
          return false;
        }
      }
      keys->push_back(key);
      if (*p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      SkipSpace();
      if (Take(']')) return true;
      if (!Take(',')) return false;
      SkipSpace();
    }
  }
  bool Columns(std::vector<std::string>* columns) {
    constexpr size_t kScanned = 64;  // more columns than this: the full reader (a set)
    return Array([&] {
             std::string_view name;
             if (!String(&name) || columns->size() == kScanned) return false;
             if (std::find(columns->begin(), columns->end(), name) != columns->end()) return false;
             columns->emplace_back(name);
             return true;
           }) &&
           !columns->empty();
  }

  const char* p_;
  const char* const end_;
};

// One key: a string, or a number kept as its token (its kind, its value when an integer fits
// 64 bits, and its text).
Status ParseKey(od::value& v, od::json_type jt, size_t i, KeyToken* out) {
  if (jt == od::json_type::string) {
    out->kind = KeyToken::Kind::kString;
    return GetString(v, "keys", i, &out->text);
  }
  if (jt != od::json_type::number) {
    if (auto err = CheckAnnouncedScalar(v, jt)) return InvalidJson(err);
    return Status::InvalidArgument(
        fmt::format("keys[{}] must be a string or an integer, got {}", i, JsonTypeName(jt)));
  }
  std::string_view token = RawToken(v);
  out->text = token;
  if (ShortIntegerKey(token, out)) return Status::OK();
  // Anything else from the text, as the JSON columns reader does (codec/json_text.h).
  bool is_integer = false;
  if (!ScanJsonNumber(token, &is_integer)) {
    return Status::InvalidArgument(fmt::format("keys[{}]: invalid number '{}'", i, Quote(token)));
  }
  out->text = token;
  if (!is_integer) {
    out->kind = KeyToken::Kind::kFloat;
    return Status::OK();
  }
  const char* b = token.data();
  const char* e = b + token.size();
  if (token[0] == '-') {
    int64_t x = 0;
    auto r = std::from_chars(b, e, x);
    out->kind =
        r.ec == std::errc() && r.ptr == e ? KeyToken::Kind::kInt64 : KeyToken::Kind::kBigInteger;
    out->bits = static_cast<uint64_t>(x);
    return Status::OK();
  }
  uint64_t u = 0;
  auto r = std::from_chars(b, e, u);
  if (r.ec != std::errc() || r.ptr != e) {
    out->kind = KeyToken::Kind::kBigInteger;
  } else {
    out->kind =
        u > static_cast<uint64_t>(INT64_MAX) ? KeyToken::Kind::kUInt64 : KeyToken::Kind::kInt64;
    out->bits = u;
  }
  return Status::OK();
}

}  // namespace

struct FetchRequest::Storage {
  // A copy of the body with simdjson's padding after it; grows, never shrinks while kept.
  std::unique_ptr<char[]> input;
  size_t input_capacity = 0;
  od::parser parser;
  std::vector<KeyToken> keys;
  std::vector<std::string> columns;

  // Copies `json` into `input` (padding zeroed) and returns the copy.
  std::string_view Hold(std::string_view json) {
    const size_t padded = json.size() + simdjson::SIMDJSON_PADDING;
    if (input_capacity < padded) {
      input.reset(new char[padded]);
      input_capacity = padded;
    }
    if (!json.empty()) std::memcpy(input.get(), json.data(), json.size());
    std::memset(input.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    return std::string_view(input.get(), json.size());
  }
};

namespace {

// A request of up to this many body bytes leaves its storage for the thread's next request;
// a larger one frees it, so that one huge request does not pin its parser's memory for good.
constexpr size_t kKeptInputBytes = size_t{1} << 20;

}  // namespace

std::unique_ptr<FetchRequest::Storage>& FetchRequest::ThreadSpare() {
  thread_local std::unique_ptr<Storage> spare;
  return spare;
}

std::unique_ptr<FetchRequest::Storage> FetchRequest::TakeStorage() {
  if (ThreadSpare()) return std::move(ThreadSpare());
  return std::make_unique<Storage>();
}

void FetchRequest::ReturnStorage(std::unique_ptr<Storage> storage) {
  if (storage->input_capacity > kKeptInputBytes + simdjson::SIMDJSON_PADDING) return;
  storage->keys.clear();
  storage->columns.clear();
  ThreadSpare() = std::move(storage);
}

FetchRequest::FetchRequest() = default;
FetchRequest::FetchRequest(FetchRequest&&) noexcept = default;
FetchRequest& FetchRequest::operator=(FetchRequest&& o) noexcept {
  if (this != &o) {
    if (storage_) ReturnStorage(std::move(storage_));
    storage_ = std::move(o.storage_);
    table_ = std::move(o.table_);
  }
  return *this;
}
FetchRequest::~FetchRequest() {
  if (storage_) ReturnStorage(std::move(storage_));
}

const std::vector<KeyToken>& FetchRequest::keys() const {
  return storage_->keys;
}
const std::vector<std::string>& FetchRequest::columns() const {
  return storage_->columns;
}

Result<FetchRequest> FetchRequest::Parse(std::string_view json, size_t max_keys) {
  {
    FetchRequest request;
    request.storage_ = TakeStorage();
    Storage& storage = *request.storage_;
    std::string_view table;
    if (simdjson::validate_utf8(json.data(), json.size())) {
      // The views point into the body: keep a copy in the storage (reused, no allocation).
      const std::string_view text = storage.Hold(json);
      if (RequestScanner(text).Scan(max_keys, &storage.keys, &storage.columns, &table)) {
        request.table_ = std::string(table);
        return request;
      }
    }
    // Not the usual shape: `request` gives the storage back for the full reader.
  }
  return ParseFully(json, max_keys);
}

Result<FetchRequest> FetchRequest::ParseFully(std::string_view json, size_t max_keys) {
  FetchRequest request;
  request.storage_ = TakeStorage();
  Storage& storage = *request.storage_;
  storage.Hold(json);
  od::document doc;
  if (auto err = storage.parser.iterate(storage.input.get(), json.size(), storage.input_capacity)
                     .get(doc)) {
    return InvalidJson(err);
  }
  od::json_type root_type;
  if (auto err = doc.type().get(root_type)) return InvalidJson(err);
  if (root_type != od::json_type::object) {
    if (auto err = CheckAnnouncedScalar(doc, root_type)) return InvalidJson(err);
    return Status::InvalidArgument(fmt::format("fetch request must be a JSON object, got {}; {}",
                                               JsonTypeName(root_type), kShape));
  }
  od::object root;
  if (auto err = doc.get_object().get(root)) return InvalidJson(err);
  bool have_keys = false, have_columns = false, have_table = false;
  for (auto root_field : root) {
    od::field field;
    if (auto err = std::move(root_field).get(field)) return InvalidJson(err);
    std::string_view name;
    if (auto err = field.unescaped_key().get(name)) return InvalidJson(err);
    od::value value = field.value();
    bool* seen = name == "keys"      ? &have_keys
                 : name == "columns" ? &have_columns
                 : name == "table"   ? &have_table
                                     : nullptr;
    if (seen == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "unknown field '{}' in fetch request (expected keys, columns, table)", Quote(name)));
    }
    if (*seen) {
      return Status::InvalidArgument(
          fmt::format("field '{}' appears twice in fetch request", name));
    }
    *seen = true;
    if (name == "keys") {
      auto& keys = storage.keys;
      MURR_RETURN_IF_ERROR(ParseArray(
          value, "keys", "strings or integers", max_keys,
          [&](size_t count) { keys.reserve(count); },
          [&](size_t i, od::value& v, od::json_type jt) {
            keys.emplace_back();
            return ParseKey(v, jt, i, &keys.back());
          }));
    } else if (name == "columns") {
      auto& columns = storage.columns;
      // Duplicates: a linear scan over the few columns of a typical request, a set past them.
      constexpr size_t kScanned = 16;
      absl::flat_hash_set<std::string_view> requested;
      // A table has at most kMaxColumns columns and a column may be named once, so the limit
      // only refuses requests that could never succeed.
      MURR_RETURN_IF_ERROR(ParseStringArray(
          value, "columns", kMaxColumns, [&](size_t count) { columns.reserve(count); },
          [&](size_t i, std::string_view s) {
            bool repeated = false;
            if (i < kScanned) {
              repeated = std::find(columns.begin(), columns.end(), s) != columns.end();
            } else {
              if (i == kScanned) requested.insert(columns.begin(), columns.end());
              repeated = !requested.insert(s).second;
            }
            if (repeated) {
              return Status::InvalidArgument(
                  fmt::format("column '{}' is requested twice", Quote(s)));
            }
            columns.emplace_back(s);
            return Status::OK();
          }));
      if (columns.empty()) {
        return Status::InvalidArgument("'columns' must name at least one column");
      }
    } else {
      od::json_type jt;
      if (auto err = value.type().get(jt)) return InvalidJson(err);
      std::string_view table;
      if (jt != od::json_type::string) {
        return Status::InvalidArgument(
            fmt::format("'table' must be a string, got {}", JsonTypeName(jt)));
      }
      if (auto err = value.get_string().get(table)) return InvalidJson(err);
      if (table.empty()) return Status::InvalidArgument("'table' must not be empty");
      request.table_ = std::string(table);
    }
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidArgument(
        "fetch request is not valid JSON: unexpected content after the top-level object");
  }
  if (!have_keys) {
    return Status::InvalidArgument(fmt::format("fetch request has no 'keys' field; {}", kShape));
  }
  if (!have_columns) {
    return Status::InvalidArgument(fmt::format("fetch request has no 'columns' field; {}", kShape));
  }
  return request;
}

}  // namespace murr
