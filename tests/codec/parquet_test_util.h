// Test helpers for the Parquet reader: load files, compare a murr::Column against expected rows
// held in JSON (the fixture oracles written by DuckDB and the interop scripts' own output).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/test_util.h"
#include "murr/codec/parquet_reader.h"
#include "murr/columnar/column.h"
#include "murr/core/value_text.h"

namespace murr::testing {

inline Buffer LoadFile(const std::string& path) {
  std::string s = ReadFileToString(path);
  return Buffer::Copy(s.data(), s.size());
}

inline Buffer BufferOf(const std::string& s) {
  return Buffer::Copy(s.data(), s.size());
}

// DuckDB prints BLOBs with non-printable bytes as \xNN.
inline std::string UnescapeDuckBlob(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && s[i + 1] == 'x') {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

inline std::string Describe(const Column& c, int64_t r) {
  if (c.IsNull(r)) return "null";
  switch (c.type.id) {
    case TypeId::kUtf8:
      return "\"" + std::string(c.StringValue(r)) + "\"";
    case TypeId::kBool:
      return c.BoolValue(r) ? "true" : "false";
    case TypeId::kInt8:
      return std::to_string(c.Value<int8_t>(r));
    case TypeId::kInt16:
      return std::to_string(c.Value<int16_t>(r));
    case TypeId::kInt32:
      return std::to_string(c.Value<int32_t>(r));
    case TypeId::kInt64:
      return std::to_string(c.Value<int64_t>(r));
    case TypeId::kUInt8:
      return std::to_string(c.Value<uint8_t>(r));
    case TypeId::kUInt16:
      return std::to_string(c.Value<uint16_t>(r));
    case TypeId::kUInt32:
      return std::to_string(c.Value<uint32_t>(r));
    case TypeId::kUInt64:
      return std::to_string(c.Value<uint64_t>(r));
    case TypeId::kFloat32:
      return std::to_string(c.Value<float>(r));
    case TypeId::kFloat64:
      return std::to_string(c.Value<double>(r));
    case TypeId::kFloat16:
    case TypeId::kDate32:
    case TypeId::kBinary:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs:
    case TypeId::kFixedSizeList:
    case TypeId::kList:
      break;
  }
  return "?";
}

// Integer value of row r widened to int128-ish pair (signed via int64 or unsigned via uint64).
inline bool IntegerEquals(const Column& c, int64_t r, const std::string& text) {
  switch (c.type.id) {
    case TypeId::kInt8:
      return std::to_string(c.Value<int8_t>(r)) == text;
    case TypeId::kInt16:
      return std::to_string(c.Value<int16_t>(r)) == text;
    case TypeId::kInt32:
      return std::to_string(c.Value<int32_t>(r)) == text;
    case TypeId::kInt64:
      return std::to_string(c.Value<int64_t>(r)) == text;
    case TypeId::kUInt8:
      return std::to_string(c.Value<uint8_t>(r)) == text;
    case TypeId::kUInt16:
      return std::to_string(c.Value<uint16_t>(r)) == text;
    case TypeId::kUInt32:
      return std::to_string(c.Value<uint32_t>(r)) == text;
    case TypeId::kUInt64:
      return std::to_string(c.Value<uint64_t>(r)) == text;
    case TypeId::kUtf8:
    case TypeId::kBool:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
    case TypeId::kFloat16:
    case TypeId::kDate32:
    case TypeId::kBinary:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs:
    case TypeId::kFixedSizeList:
    case TypeId::kList:
    default:
      return false;
  }
}

// Compares row r of `c` with a JSON value:
//   null; true/false; integers as numbers or decimal strings; float32 as the double it widens
//   to, or "f32:XXXXXXXX" bit patterns; float64 as a number or "f64:XXXXXXXXXXXXXXXX";
//   strings (DuckDB's \xNN escapes undone when `blob`).
inline bool ValueMatches(const Column& c, int64_t r, simdjson::dom::element v, bool blob,
                         std::string* expected) {
  using simdjson::dom::element_type;
  *expected = simdjson::minify(v);
  if (v.is_null()) return c.IsNull(r);
  if (c.IsNull(r)) return false;
  switch (c.type.id) {
    case TypeId::kBool:
      return v.is_bool() && bool(v.get_bool()) == c.BoolValue(r);
    case TypeId::kUtf8:
    case TypeId::kBinary: {
      if (!v.is_string()) return false;
      std::string_view s = v.get_string();
      std::string want = blob ? UnescapeDuckBlob(s) : std::string(s);
      return c.StringValue(r) == want;
    }
    case TypeId::kDate32:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs: {
      if (!v.is_string()) return false;
      std::string text(std::string_view(v.get_string()));
      std::string error;
      if (c.type == DataType::kDate32) return ParseIsoDate(text) == c.Value<int32_t>(r);
      return ParseIsoTimestamp(text, c.type.info().unit, &error) == c.Value<int64_t>(r);
    }
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      if (v.is_string()) {
        std::string_view s = v.get_string();
        uint64_t bits = std::stoull(std::string(s.substr(4)), nullptr, 16);
        if (c.type == DataType::kFloat32) {
          uint32_t got;
          float f = c.Value<float>(r);
          std::memcpy(&got, &f, 4);
          return s.substr(0, 4) == "f32:" && got == bits;
        }
        uint64_t got;
        double d = c.Value<double>(r);
        std::memcpy(&got, &d, 8);
        return s.substr(0, 4) == "f64:" && got == bits;
      }
      double want;
      if (v.is_double()) {
        want = v.get_double();
      } else if (v.is_int64()) {
        want = static_cast<double>(int64_t(v.get_int64()));
      } else if (v.is_uint64()) {
        want = static_cast<double>(uint64_t(v.get_uint64()));
      } else {
        return false;
      }
      double got = c.type == DataType::kFloat32 ? static_cast<double>(c.Value<float>(r))
                                                : c.Value<double>(r);
      return got == want || (std::isnan(got) && std::isnan(want));
    }
    case TypeId::kList: {
      // A JSON array of the items, each compared as a value of the item column.
      if (!v.is_array()) return false;
      simdjson::dom::array items = v.get_array();
      if (static_cast<int64_t>(items.size()) != c.ListEnd(r) - c.ListBegin(r)) return false;
      int64_t k = c.ListBegin(r);
      std::string item_text;
      for (simdjson::dom::element item : items) {
        if (!ValueMatches(c.items(), k++, item, blob, &item_text)) return false;
      }
      return true;
    }
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
    case TypeId::kFloat16:
    case TypeId::kFixedSizeList:
    default: {
      std::string text;
      if (v.is_string()) {
        text = std::string(std::string_view(v.get_string()));
      } else if (v.is_int64()) {
        text = std::to_string(int64_t(v.get_int64()));
      } else if (v.is_uint64()) {
        text = std::to_string(uint64_t(v.get_uint64()));
      } else {
        return false;
      }
      return IntegerEquals(c, r, text);
    }
  }
}

// Checks column `c` against column `col` of `rows` (an array of row arrays). Returns "" when
// equal, else a description of the first difference.
inline std::string CompareColumn(const Column& c, simdjson::dom::array rows, size_t col,
                                 bool blob) {
  int64_t r = 0;
  for (simdjson::dom::element row : rows) {
    if (r >= c.length) return "column has " + std::to_string(c.length) + " rows, expected more";
    simdjson::dom::element v = row.get_array().at(col);
    std::string expected;
    if (!ValueMatches(c, r, v, blob, &expected)) {
      return "row " + std::to_string(r) + ": got " + Describe(c, r) + ", expected " + expected;
    }
    ++r;
  }
  if (r != c.length) {
    return "column has " + std::to_string(c.length) + " rows, expected " + std::to_string(r);
  }
  return "";
}

}  // namespace murr::testing
