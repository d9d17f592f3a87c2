// The table http_bench and flight_bench load: keys "user-%010d", then `columns` float32 columns
// f0, f1, ... of pseudo-random values (fixed seed), as one Batch and as its TableSchema JSON.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "murr/columnar/column.h"

namespace murr::bench {

inline std::string FloatTableKey(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "user-%010lld", static_cast<long long>(i));
  return buf;
}

inline std::string FloatTableSchemaJson(int columns) {
  std::string schema = R"({"key":"key","columns":{"key":{"dtype":"utf8","nullable":false})";
  for (int c = 0; c < columns; ++c) {
    schema += ",\"f" + std::to_string(c) + "\":{\"dtype\":\"float32\"}";
  }
  return schema + "}}";
}

inline Batch FloatTableBatch(int64_t rows, int columns) {
  Batch batch;
  batch.num_rows = rows;
  ColumnBuilder keys(DataType::kUtf8);
  keys.Reserve(rows, rows * 15);
  for (int64_t i = 0; i < rows; ++i) (void)keys.AppendString(FloatTableKey(i));
  batch.fields.push_back({"key", DataType::kUtf8, false});
  batch.columns.push_back(keys.Finish());
  std::mt19937_64 rng(1);
  for (int c = 0; c < columns; ++c) {
    ColumnBuilder b(DataType::kFloat32);
    b.Reserve(rows);
    for (int64_t i = 0; i < rows; ++i) b.Append<float>(static_cast<float>(rng() % 1000) / 7.0f);
    batch.fields.push_back({"f" + std::to_string(c), DataType::kFloat32, true});
    batch.columns.push_back(b.Finish());
  }
  return batch;
}

}  // namespace murr::bench
