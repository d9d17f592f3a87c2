#include "murr/core/value_text.h"

#include <cstdio>

namespace murr {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date, and back (the civil-from-days algorithm
// of the public-domain chrono paper by H. Hinnant, written out here).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at text[*i].
bool Digits(std::string_view text, size_t* i, int n, int64_t* out) {
  if (*i + static_cast<size_t>(n) > text.size()) return false;
  int64_t v = 0;
  for (int k = 0; k < n; ++k) {
    char c = text[*i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(n);
  *out = v;
  return true;
}

// Parses the date part at text[*i]; returns days since the epoch.
std::optional<int64_t> DatePart(std::string_view text, size_t* i) {
  // ISO 8601 years: four digits, or a sign and four or more (expanded representation).
  bool negative = false, sign = false;
  if (*i < text.size() && (text[*i] == '-' || text[*i] == '+')) {
    negative = text[*i] == '-';
    sign = true;
    ++*i;
  }
  size_t digits = 0;
  while (*i + digits < text.size() && text[*i + digits] >= '0' && text[*i + digits] <= '9') {
    ++digits;
  }
  if (digits < 4 || (!sign && digits != 4) || digits > 12) return std::nullopt;
  int64_t y, m, d;
  if (!Digits(text, i, static_cast<int>(digits), &y)) return std::nullopt;
  if (*i >= text.size() || text[*i] != '-') return std::nullopt;
  ++*i;
  if (!Digits(text, i, 2, &m) || *i >= text.size() || text[*i] != '-') return std::nullopt;
  ++*i;
  if (!Digits(text, i, 2, &d)) return std::nullopt;
  if (negative) y = -y;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(m))) {
    return std::nullopt;
  }
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

constexpr int64_t kPerSecond[] = {1, 1000, 1000000, 1000000000};
constexpr int kFractionDigits[] = {0, 3, 6, 9};

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<int32_t> ParseIsoDate(std::string_view text) {
  size_t i = 0;
  auto days = DatePart(text, &i);
  if (!days || i != text.size() || *days < INT32_MIN || *days > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*days);
}

namespace {
void AppendDays(int64_t days, std::string* out) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf),
                        y >= 0 && y <= 9999 ? "%04lld-%02u-%02u" : "%+05lld-%02u-%02u",
                        static_cast<long long>(y), m, d);
  out->append(buf, static_cast<size_t>(n));
}
}  // namespace

void AppendIsoDate(int32_t days, std::string* out) {
  AppendDays(days, out);
}

std::optional<int64_t> ParseIsoTimestamp(std::string_view text, TimeUnit unit, std::string* error) {
  size_t i = 0;
  auto days = DatePart(text, &i);
  if (!days) {
    *error = "expected YYYY-MM-DD[THH:MM[:SS[.fraction]]][Z|+HH:MM]";
    return std::nullopt;
  }
  int64_t hh = 0, mm = 0, ss = 0, fraction = 0;  // fraction in the unit
  int64_t offset_minutes = 0;
  const int u = static_cast<int>(unit);
  if (i < text.size() && (text[i] == 'T' || text[i] == ' ')) {
    ++i;
    if (!Digits(text, &i, 2, &hh) || i >= text.size() || text[i] != ':' ||
        !Digits(text, &(++i), 2, &mm)) {
      *error = "expected HH:MM after the date";
      return std::nullopt;
    }
    if (i < text.size() && text[i] == ':') {
      ++i;
      if (!Digits(text, &i, 2, &ss)) {
        *error = "expected two digits of seconds";
        return std::nullopt;
      }
      if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
        ++i;
        int n = 0;
        int64_t scale = kPerSecond[u];
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          int digit = text[i] - '0';
          if (n >= kFractionDigits[u] && digit != 0) {
            *error = "the fraction of a second is finer than the column's unit";
            return std::nullopt;
          }
          if (n < kFractionDigits[u]) {
            scale /= 10;
            fraction += digit * scale;
          }
          ++n;
          ++i;
        }
        if (n == 0) {
          *error = "expected digits after the decimal point";
          return std::nullopt;
        }
      }
    }
    if (hh > 23 || mm > 59 || ss > 60) {
      *error = "hour, minute or second out of range";
      return std::nullopt;
    }
    if (ss == 60) ss = 59, fraction = kPerSecond[u] - 1;  // a leap second: its last instant
    if (i < text.size() && text[i] == 'Z') {
      ++i;
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      const int sign = text[i] == '-' ? -1 : 1;
      ++i;
      int64_t oh, om;
      if (!Digits(text, &i, 2, &oh) || i >= text.size() || text[i] != ':' ||
          !Digits(text, &(++i), 2, &om) || oh > 23 || om > 59) {
        *error = "expected a UTC offset +HH:MM";
        return std::nullopt;
      }
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (i != text.size()) {
    *error = "unexpected text after the timestamp";
    return std::nullopt;
  }
  __int128 seconds =
      static_cast<__int128>(*days) * 86400 + hh * 3600 + mm * 60 + ss - offset_minutes * 60;
  __int128 v = seconds * kPerSecond[u] + fraction;
  if (v < INT64_MIN || v > INT64_MAX) {
    *error = "the instant is outside the range of a 64-bit count of the unit";
    return std::nullopt;
  }
  return static_cast<int64_t>(v);
}

void AppendIsoTimestamp(int64_t value, TimeUnit unit, bool utc, std::string* out) {
  const int u = static_cast<int>(unit);
  const int64_t per = kPerSecond[u];
  int64_t seconds = value / per;
  int64_t fraction = value % per;
  if (fraction < 0) {
    fraction += per;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  AppendDays(days, out);
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "T%02d:%02d:%02d", static_cast<int>(rem / 3600),
                        static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  out->append(buf, static_cast<size_t>(n));
  if (kFractionDigits[u] > 0) {
    n = std::snprintf(buf, sizeof(buf), ".%0*lld", kFractionDigits[u],
                      static_cast<long long>(fraction));
    out->append(buf, static_cast<size_t>(n));
  }
  if (utc) out->push_back('Z');
}

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return false;  // a character after '='
      v[k] = Base64Value(c);
      if (v[k] < 0) return false;
    }
    const uint32_t bits = (static_cast<uint32_t>(v[0]) << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out->push_back(static_cast<char>(bits >> 16));
    if (pad < 2) out->push_back(static_cast<char>((bits >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(bits & 0xFF));
  }
  return true;
}

void AppendBase64(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t bits = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out->push_back(kAlphabet[bits >> 18]);
    out->push_back(kAlphabet[(bits >> 12) & 63]);
    out->push_back(kAlphabet[(bits >> 6) & 63]);
    out->push_back(kAlphabet[bits & 63]);
  }
  if (i < n) {
    uint32_t bits = p[i] << 16;
    if (i + 1 < n) bits |= p[i + 1] << 8;
    out->push_back(kAlphabet[bits >> 18]);
    out->push_back(kAlphabet[(bits >> 12) & 63]);
    out->push_back(i + 1 < n ? kAlphabet[(bits >> 6) & 63] : '=');
    out->push_back('=');
  }
}

}  // namespace murr
