// Test helpers for batches: a schema with every type, random batches with nulls, and cell-level
// comparison (floats compared bit for bit).
#pragma once

#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/core/schema.h"

namespace murr::testing {

// id (utf8 key) + one nullable column of every original scalar type (utf8 .. float64, the types
// the interop scripts compare by CellText) + a non-nullable float32.
inline TableSchema AllTypesSchema() {
  std::vector<ColumnSchema> cols = {{"id", DataType::kUtf8, false}};
  for (int t = 0; t <= static_cast<int>(TypeId::kFloat64); ++t) {
    DataType type(static_cast<TypeId>(t));
    cols.push_back({"c_" + DataTypeName(type), type, true});
  }
  cols.push_back({"score", DataType::kFloat32, false});
  return TableSchema::Make("id", cols).value();
}

// Appends a random value of `type` (NaN, infinities and -0.0 included for floats).
inline void AppendRandom(ColumnBuilder* b, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pick(0, 9);
  const DataType type = b->type();
  switch (type.id) {
    case TypeId::kUtf8:
    case TypeId::kBinary: {
      std::string s(rng() % 12, 'x');
      for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
      if (pick(rng) == 0) s += "\xc3\xa9";  // é
      (void)b->AppendString(s);
      break;
    }
    case TypeId::kBool:
      b->AppendBool(rng() & 1);
      break;
    case TypeId::kInt8:
      b->Append<int8_t>(static_cast<int8_t>(rng()));
      break;
    case TypeId::kInt16:
      b->Append<int16_t>(static_cast<int16_t>(rng()));
      break;
    case TypeId::kInt32:
      b->Append<int32_t>(static_cast<int32_t>(rng()));
      break;
    case TypeId::kInt64:
      b->Append<int64_t>(static_cast<int64_t>(rng()));
      break;
    case TypeId::kUInt8:
      b->Append<uint8_t>(static_cast<uint8_t>(rng()));
      break;
    case TypeId::kUInt16:
      b->Append<uint16_t>(static_cast<uint16_t>(rng()));
      break;
    case TypeId::kUInt32:
      b->Append<uint32_t>(static_cast<uint32_t>(rng()));
      break;
    case TypeId::kUInt64:
      b->Append<uint64_t>(rng());
      break;
    case TypeId::kFloat32: {
      int p = pick(rng);
      float v = p == 0   ? std::numeric_limits<float>::quiet_NaN()
                : p == 1 ? -0.0f
                : p == 2 ? -std::numeric_limits<float>::infinity()
                         : std::uniform_real_distribution<float>(-1e6f, 1e6f)(rng);
      b->Append<float>(v);
      break;
    }
    case TypeId::kFloat64: {
      int p = pick(rng);
      double v = p == 0   ? std::numeric_limits<double>::quiet_NaN()
                 : p == 1 ? -0.0
                 : p == 2 ? std::numeric_limits<double>::infinity()
                          : std::uniform_real_distribution<double>(-1e12, 1e12)(rng);
      b->Append<double>(v);
      break;
    }
    case TypeId::kFloat16:
      b->Append<uint16_t>(static_cast<uint16_t>(rng()));
      break;
    case TypeId::kDate32:
      b->Append<int32_t>(static_cast<int32_t>(rng() % 200000) - 100000);
      break;
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs:
      b->Append<int64_t>(static_cast<int64_t>(rng() % (uint64_t{1} << 50)) - (int64_t{1} << 49));
      break;
    case TypeId::kFixedSizeList: {
      std::vector<uint8_t> bytes(static_cast<size_t>(FixedWidth(type)));
      for (auto& x : bytes) x = static_cast<uint8_t>(rng());
      b->AppendFixed(bytes.data());
      break;
    }
    case TypeId::kList: {
      // 0..6 items, ~1 in 8 of them null.
      const int n = static_cast<int>(rng() % 7);
      for (int k = 0; k < n; ++k) {
        if (rng() % 8 == 0) {
          b->items().AppendNull();
        } else {
          AppendRandom(&b->items(), rng);
        }
      }
      (void)b->AppendListEnd();
      break;
    }
  }
}

// The batch fields of a table's columns, in schema order.
inline std::vector<Field> FieldsOf(const TableSchema& schema) {
  std::vector<Field> fields;
  for (const auto& cs : schema.columns())
    fields.push_back({cs.name, cs.type, cs.nullable, cs.timezone});
  return fields;
}

// A batch over `schema` whose keys are key_prefix + row number; nullable columns get ~10% nulls.
inline Batch RandomBatch(const TableSchema& schema, int64_t rows, std::mt19937_64& rng,
                         const std::string& key_prefix = "k") {
  Batch b;
  b.num_rows = rows;
  b.fields = FieldsOf(schema);
  for (const auto& cs : schema.columns()) {
    ColumnBuilder builder(cs.type);
    for (int64_t r = 0; r < rows; ++r) {
      if (cs.name == schema.key()) {
        (void)builder.AppendString(key_prefix + std::to_string(r));
      } else if (cs.nullable && rng() % 10 == 0) {
        builder.AppendNull();
      } else {
        AppendRandom(&builder, rng);
      }
    }
    b.columns.push_back(builder.Finish());
  }
  return b;
}

// True when a[i] and b[j] hold the same value (or are both null); floats bit for bit.
inline bool CellEquals(const Column& a, int64_t i, const Column& b, int64_t j) {
  if (a.type != b.type) return false;
  if (a.IsNull(i) || b.IsNull(j)) return a.IsNull(i) && b.IsNull(j);
  switch (a.type.storage()) {
    case Storage::kVarBytes:
      return a.StringValue(i) == b.StringValue(j);
    case Storage::kBit:
      return a.BoolValue(i) == b.BoolValue(j);
    case Storage::kFixed:
    case Storage::kFixedList: {
      int w = FixedWidth(a.type);
      return std::memcmp(a.values.data() + i * w, b.values.data() + j * w, w) == 0;
    }
    case Storage::kList: {
      const int64_t n = a.ListEnd(i) - a.ListBegin(i);
      if (n != b.ListEnd(j) - b.ListBegin(j)) return false;
      for (int64_t k = 0; k < n; ++k) {
        if (!CellEquals(a.items(), a.ListBegin(i) + k, b.items(), b.ListBegin(j) + k)) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

// The canonical text of a cell, shared by every test that compares values as text (and with the
// interop node scripts): nullopt for null, utf8 as is, integers in decimal, floats by bit pattern
// ("f32:<bits>", "f64:<bits>") so that NaN payloads and -0.0 are told apart.
inline std::optional<std::string> CellText(const Column& c, int64_t i) {
  if (c.IsNull(i)) return std::nullopt;
  switch (c.type.id) {
    case TypeId::kUtf8:
      return std::string(c.StringValue(i));
    case TypeId::kBinary: {
      std::string hex = "hex:";
      for (unsigned char ch : c.StringValue(i)) {
        hex += "0123456789abcdef"[ch >> 4];
        hex += "0123456789abcdef"[ch & 15];
      }
      return hex;
    }
    case TypeId::kFloat16:
      return "f16:" + std::to_string(c.Value<uint16_t>(i));
    case TypeId::kDate32:
      return std::to_string(c.Value<int32_t>(i));
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs:
      return std::to_string(c.Value<int64_t>(i));
    case TypeId::kFixedSizeList: {
      // Items as a column of the item type, joined by ','.
      Column items;
      items.type = c.type.item;
      items.length = c.length * c.type.size;
      items.values = c.values;
      std::string out;
      for (uint32_t k = 0; k < c.type.size; ++k) {
        if (k) out += ',';
        out += *CellText(items, i * c.type.size + k);
      }
      return out;
    }
    case TypeId::kList: {
      // "[" items (null as "null") joined by ',' "]".
      std::string out = "[";
      for (int64_t k = c.ListBegin(i); k < c.ListEnd(i); ++k) {
        if (k > c.ListBegin(i)) out += ',';
        auto t = CellText(c.items(), k);
        out += t ? *t : "null";
      }
      return out + "]";
    }
    case TypeId::kBool:
      return c.BoolValue(i) ? "true" : "false";
    case TypeId::kInt8:
      return std::to_string(c.Value<int8_t>(i));
    case TypeId::kInt16:
      return std::to_string(c.Value<int16_t>(i));
    case TypeId::kInt32:
      return std::to_string(c.Value<int32_t>(i));
    case TypeId::kInt64:
      return std::to_string(c.Value<int64_t>(i));
    case TypeId::kUInt8:
      return std::to_string(c.Value<uint8_t>(i));
    case TypeId::kUInt16:
      return std::to_string(c.Value<uint16_t>(i));
    case TypeId::kUInt32:
      return std::to_string(c.Value<uint32_t>(i));
    case TypeId::kUInt64:
      return std::to_string(c.Value<uint64_t>(i));
    case TypeId::kFloat32:
      return "f32:" + std::to_string(c.Value<uint32_t>(i));
    case TypeId::kFloat64:
      return "f64:" + std::to_string(c.Value<uint64_t>(i));
  }
  return std::nullopt;
}

// A cell for failure messages: null, quoted strings, CellText otherwise.
inline std::string CellToString(const Column& c, int64_t i) {
  auto text = CellText(c, i);
  if (!text) return "null";
  return c.type == DataType::kUtf8 ? "\"" + *text + "\"" : *text;
}

inline std::vector<std::string> ColumnNames(const TableSchema& s) {
  std::vector<std::string> out;
  for (const auto& c : s.columns()) out.push_back(c.name);
  return out;
}

// Keys for a read of two written batches: `n` draws, a third each (at random) from batch `a`
// (keys "a<row>"), from batch `b` ("b<row>") and from neither ("missing<i>"), with the row each
// key should read (`want[i].first` null: a row of nulls).
struct DrawnKeys {
  std::vector<std::string> keys;
  std::vector<std::pair<const Batch*, int64_t>> want;
};
inline DrawnKeys DrawKeys(const Batch& a, const Batch& b, int n, std::mt19937_64& rng) {
  DrawnKeys d;
  for (int i = 0; i < n; ++i) {
    int which = static_cast<int>(rng() % 3);
    if (which == 2) {
      d.keys.push_back("missing" + std::to_string(i));
      d.want.push_back({nullptr, 0});
    } else {
      const Batch* src = which == 0 ? &a : &b;
      int64_t r = static_cast<int64_t>(rng() % src->num_rows);
      d.keys.push_back((which == 0 ? "a" : "b") + std::to_string(r));
      d.want.push_back({src, r});
    }
  }
  return d;
}

// The first cell of `got` (columns `names`, rows in `want` order) that is not the row `want`
// names, as a message; empty when every cell is. A null `want[i].first` expects nulls.
inline std::string FirstRowMismatch(const Batch& got,
                                    const std::vector<std::pair<const Batch*, int64_t>>& want,
                                    const std::vector<std::string>& names) {
  for (size_t c = 0; c < names.size(); ++c) {
    for (size_t i = 0; i < want.size(); ++i) {
      const int64_t row = static_cast<int64_t>(i);
      const auto& [src, r] = want[i];
      if (src == nullptr ? got.columns[c].IsNull(row)
                         : CellEquals(got.columns[c], row, src->columns[c], r)) {
        continue;
      }
      return names[c] + " row " + std::to_string(i) + ": " + CellToString(got.columns[c], row) +
             " vs " + (src == nullptr ? "null" : CellToString(src->columns[c], r));
    }
  }
  return "";
}

}  // namespace murr::testing
