// Small pieces shared by the JSON readers (columns, fetch requests): the name of a JSON value's
// type and the quoting of user text in error messages. Pure functions; thread-safe.
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

// User text for an error message, cut at `limit` bytes ("..." marks the cut).
inline std::string QuoteForMessage(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

}  // namespace murr
