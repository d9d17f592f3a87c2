// Helpers for fuzz targets: a check that aborts with a message (so libFuzzer records the input as
// a crash) and a value-by-value batch comparison (floats bit for bit). Header-only; thread-safe.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "murr/columnar/column.h"

// Aborts with `message` (a std::string or C string) when `cond` is false.
#define FUZZ_CHECK(cond, message)                                                           \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(message).c_str());                                           \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace murr::fuzz {

// Row i of x and row j of y hold the same value or are both null (floats by their bits; a list:
// the same items).
inline bool SameCell(const Column& x, int64_t i, const Column& y, int64_t j) {
  if (x.IsNull(i) || y.IsNull(j)) return x.IsNull(i) == y.IsNull(j);
  switch (x.type.storage()) {
    case Storage::kVarBytes:
      return x.StringValue(i) == y.StringValue(j);
    case Storage::kBit:
      return x.BoolValue(i) == y.BoolValue(j);
    case Storage::kFixed:
    case Storage::kFixedList: {
      size_t w = static_cast<size_t>(FixedWidth(x.type));
      return std::memcmp(x.values.data() + i * w, y.values.data() + j * w, w) == 0;
    }
    case Storage::kList: {
      const int64_t n = x.ListEnd(i) - x.ListBegin(i);
      if (n != y.ListEnd(j) - y.ListBegin(j)) return false;
      for (int64_t k = 0; k < n; ++k) {
        if (!SameCell(x.items(), x.ListBegin(i) + k, y.items(), y.ListBegin(j) + k)) return false;
      }
      return true;
    }
  }
  return false;
}

// True when both batches have the same fields, rows, nulls and values (floats compared by their
// bits); otherwise false with the first difference in *why.
inline bool SameBatch(const Batch& a, const Batch& b, std::string* why) {
  if (a.fields != b.fields || a.columns.size() != b.columns.size()) {
    *why = "fields differ";
    return false;
  }
  if (a.num_rows != b.num_rows) {
    *why = "num_rows " + std::to_string(a.num_rows) + " vs " + std::to_string(b.num_rows);
    return false;
  }
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const Column& x = a.columns[c];
    const Column& y = b.columns[c];
    std::string where = "column '" + a.fields[c].name + "'";
    if (x.type != y.type || x.length != y.length || x.null_count != y.null_count) {
      *why = where + ": type, length or null count differ";
      return false;
    }
    for (int64_t i = 0; i < x.length; ++i) {
      if (!SameCell(x, i, y, i)) {
        *why = where + " row " + std::to_string(i) + " differs";
        return false;
      }
    }
  }
  return true;
}

}  // namespace murr::fuzz
