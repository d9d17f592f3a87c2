// Text forms of values that JSON has no type for: ISO-8601 dates and timestamps (proleptic
// Gregorian calendar, UTC) and base64 (RFC 4648, standard alphabet, padded). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "murr/core/types.h"

namespace murr {

// "YYYY-MM-DD" (a year of 4 digits, or a sign and 4 to 12 digits) -> days since 1970-01-01.
std::optional<int32_t> ParseIsoDate(std::string_view text);
// Appends "YYYY-MM-DD" for a day count (years outside 0..9999 get a sign: "+10000-01-01").
void AppendIsoDate(int32_t days, std::string* out);

// "YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|(+|-)HH:MM]" -> the instant in `unit` since the epoch
// (a text without an offset is read as UTC). A fraction finer than `unit`, or an instant outside
// int64 in `unit`, is an error (in *error).
std::optional<int64_t> ParseIsoTimestamp(std::string_view text, TimeUnit unit, std::string* error);
// Appends "YYYY-MM-DDTHH:MM:SS" with the unit's fraction digits (.mmm, .uuuuuu, .nnnnnnnnn), and
// "Z" when `utc` (the column has a timezone: its values are UTC instants).
void AppendIsoTimestamp(int64_t value, TimeUnit unit, bool utc, std::string* out);

bool DecodeBase64(std::string_view text, std::string* out);
void AppendBase64(std::string_view bytes, std::string* out);

}  // namespace murr
