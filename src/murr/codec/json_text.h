// Small pieces shared by the JSON readers (columns, fetch requests): the name of a JSON value's
// type, the quoting of user text in error messages, raw tokens and the JSON number grammar. Pure
// functions; thread-safe.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace murr {

inline std::string_view JsonTypeName(simdjson::ondemand::json_type t) {
  using simdjson::ondemand::json_type;
  switch (t) {
    case json_type::array:
      return "array";
    case json_type::object:
      return "object";
    case json_type::number:
      return "number";
    case json_type::string:
      return "string";
    case json_type::boolean:
      return "bool";
    case json_type::null:
      return "null";
  }
  return "unknown";
}

// Whether the scalar that on-demand's type() announced as `t` is really there: type() looks at
// the first character only, so `nope` passes for null and `tru` for a bool. Call it before naming
// a value's type in an error message (the value is read, so only on the way to an error).
// Arrays, objects and strings are not checked here (their parse reports any damage).
template <typename Value>
simdjson::error_code CheckAnnouncedScalar(Value& v, simdjson::ondemand::json_type t) {
  using simdjson::ondemand::json_type;
  switch (t) {
    case json_type::null: {
      bool is_null = false;
      if (auto err = v.is_null().get(is_null)) return err;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
    case json_type::boolean: {
      bool b = false;
      return v.get_bool().get(b);
    }
    case json_type::number: {
      simdjson::ondemand::number n;
      return v.get_number().get(n);
    }
    case json_type::array:
    case json_type::object:
    case json_type::string:
      return simdjson::SUCCESS;
  }
  return simdjson::SUCCESS;
}

// The raw token without its trailing whitespace.
inline std::string_view RawToken(simdjson::ondemand::value& v) {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Checks `t` against the JSON number grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
// *is_integer: no fraction and no exponent.
inline bool ScanJsonNumber(std::string_view t, bool* is_integer) {
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

// User text for an error message, cut at `limit` bytes ("..." marks the cut).
inline std::string QuoteForMessage(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

}  // namespace murr
