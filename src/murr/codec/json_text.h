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

// User text for an error message, cut at `limit` bytes ("..." marks the cut).
inline std::string QuoteForMessage(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

}  // namespace murr
