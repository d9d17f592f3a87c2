// Small helpers for writing JSON text by hand (escaping). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace murr {

// Appends `s` as a quoted JSON string with the required escapes. Bytes that are not valid UTF-8
// are written as U+FFFD so that the output is always valid JSON.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace murr
