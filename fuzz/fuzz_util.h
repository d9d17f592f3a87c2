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
      bool same;
      if (x.IsNull(i) || y.IsNull(i)) {
        same = x.IsNull(i) == y.IsNull(i);
      } else if (x.type == DataType::kUtf8) {
        same = x.StringValue(i) == y.StringValue(i);
      } else if (x.type == DataType::kBool) {
        same = x.BoolValue(i) == y.BoolValue(i);
      } else {
        size_t w = static_cast<size_t>(FixedWidth(x.type));
        same = std::memcmp(x.values.data() + i * w, y.values.data() + i * w, w) == 0;
      }
      if (!same) {
        *why = where + " row " + std::to_string(i) + " differs";
        return false;
      }
    }
  }
  return true;
}

}  // namespace murr::fuzz
