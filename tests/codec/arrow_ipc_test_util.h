// Test helpers for the Arrow IPC codec: random batches of every type, value-by-value comparison
// (floats by bit pattern), exact-size input buffers. Single-threaded test code.
#pragma once

#include "common/batch_util.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "murr/columnar/buffer.h"
#include "murr/columnar/column.h"
#include "murr/core/types.h"

namespace murr::testing {

inline const std::vector<DataType>& AllTypes() {
  static const std::vector<DataType> kTypes = {
      DataType::kUtf8,   DataType::kBool,   DataType::kInt8,    DataType::kInt16,
      DataType::kInt32,  DataType::kInt64,  DataType::kUInt8,   DataType::kUInt16,
      DataType::kUInt32, DataType::kUInt64, DataType::kFloat32, DataType::kFloat64};
  return kTypes;
}

// A heap copy of exactly `bytes` (no slack, so ASan sees any over-read), owned by the Buffer.
inline Buffer ExactBuffer(std::string_view bytes) {
  std::shared_ptr<uint8_t[]> mem(new uint8_t[bytes.size() == 0 ? 1 : bytes.size()]);
  if (!bytes.empty()) std::memcpy(mem.get(), bytes.data(), bytes.size());
  const uint8_t* p = mem.get();
  return Buffer(p, bytes.size(), std::shared_ptr<const void>(mem, p));
}

// Like ExactBuffer but at an odd address, so that nothing in it is aligned.
inline Buffer MisalignedBuffer(std::string_view bytes) {
  std::shared_ptr<uint8_t[]> mem(new uint8_t[bytes.size() + 1]);
  if (!bytes.empty()) std::memcpy(mem.get() + 1, bytes.data(), bytes.size());
  const uint8_t* p = mem.get() + 1;
  return Buffer(p, bytes.size(), std::shared_ptr<const void>(mem, p));
}

template <typename T>
T SpecialFloat(std::mt19937_64& rng) {
  using L = std::numeric_limits<T>;
  switch (rng() % 12) {
    case 0:
      return L::quiet_NaN();
    case 1:
      return -L::quiet_NaN();
    case 2: {  // NaN with a payload
      T v;
      if constexpr (sizeof(T) == 4) {
        uint32_t bits = 0x7FC00000u | static_cast<uint32_t>(rng() & 0x3FFFFF);
        std::memcpy(&v, &bits, 4);
      } else {
        uint64_t bits = 0x7FF8000000000000ull | (rng() & 0x7FFFFFFFFFFFFull);
        std::memcpy(&v, &bits, 8);
      }
      return v;
    }
    case 3:
      return L::infinity();
    case 4:
      return -L::infinity();
    case 5:
      return static_cast<T>(-0.0);
    case 6:
      return L::denorm_min();
    case 7:
      return L::max();
    case 8:
      return L::lowest();
    default:
      return static_cast<T>(std::uniform_real_distribution<double>(-1e6, 1e6)(rng));
  }
}

template <typename T>
T RandomInt(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0:
      return std::numeric_limits<T>::min();
    case 1:
      return std::numeric_limits<T>::max();
    case 2:
      return 0;
    default: {
      uint64_t r = rng();
      T v;
      std::memcpy(&v, &r, sizeof(T));
      return v;
    }
  }
}

inline std::string RandomString(std::mt19937_64& rng) {
  static const char* kPieces[] = {"a", "Z", "0", " ", "é", "日本", "🙂", "\\", "\"", "\n"};
  std::string s;
  int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) {
    size_t k = rng() % 11;
    if (k == 10) {
      s.push_back('\0');
    } else {
      s += kPieces[k];
    }
  }
  return s;
}

// Appends one random non-null value of b->type() (a list: 0..4 items, some null).
inline void AppendRandomValue(ColumnBuilder* bp, std::mt19937_64& rng) {
  ColumnBuilder& b = *bp;
  switch (b.type().id) {
    case TypeId::kUtf8:
      EXPECT_TRUE(b.AppendString(RandomString(rng)).ok());
      break;
    case TypeId::kBool:
      b.AppendBool(rng() & 1);
      break;
    case TypeId::kInt8:
      b.Append(RandomInt<int8_t>(rng));
      break;
    case TypeId::kInt16:
      b.Append(RandomInt<int16_t>(rng));
      break;
    case TypeId::kInt32:
      b.Append(RandomInt<int32_t>(rng));
      break;
    case TypeId::kInt64:
      b.Append(RandomInt<int64_t>(rng));
      break;
    case TypeId::kUInt8:
      b.Append(RandomInt<uint8_t>(rng));
      break;
    case TypeId::kUInt16:
      b.Append(RandomInt<uint16_t>(rng));
      break;
    case TypeId::kUInt32:
      b.Append(RandomInt<uint32_t>(rng));
      break;
    case TypeId::kUInt64:
      b.Append(RandomInt<uint64_t>(rng));
      break;
    case TypeId::kFloat32:
      b.Append(SpecialFloat<float>(rng));
      break;
    case TypeId::kFloat64:
      b.Append(SpecialFloat<double>(rng));
      break;
    case TypeId::kList: {
      const int n = static_cast<int>(rng() % 5);
      for (int k = 0; k < n; ++k) {
        if (rng() % 6 == 0) {
          b.items().AppendNull();
        } else {
          AppendRandomValue(&b.items(), rng);
        }
      }
      EXPECT_TRUE(b.AppendListEnd().ok());
      break;
    }
    case TypeId::kFloat16:
    case TypeId::kDate32:
    case TypeId::kBinary:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampUs:
    case TypeId::kTimestampNs:
    case TypeId::kFixedSizeList:
      ADD_FAILURE() << "AppendRandomValue: no generator for " << DataTypeName(b.type());
      break;
  }
}

// A column of `rows` random values of `type`; about null_fraction of them null.
inline Column RandomColumn(DataType type, int64_t rows, double null_fraction,
                           std::mt19937_64& rng) {
  ColumnBuilder b(type);
  std::bernoulli_distribution null_dist(null_fraction);
  for (int64_t i = 0; i < rows; ++i) {
    if (null_fraction > 0 && null_dist(rng)) {
      b.AppendNull();
      continue;
    }
    AppendRandomValue(&b, rng);
  }
  return b.Finish();
}

// One non-nullable utf8 "key" column, then a nullable column of every type (named after it).
inline Batch RandomBatch(int64_t rows, std::mt19937_64& rng, double null_fraction = 0.2) {
  Batch batch;
  batch.num_rows = rows;
  batch.fields.push_back({"key", DataType::kUtf8, false});
  batch.columns.push_back(RandomColumn(DataType::kUtf8, rows, 0.0, rng));
  for (DataType t : AllTypes()) {
    batch.fields.push_back({"c_" + std::string(DataTypeName(t)), t, true});
    batch.columns.push_back(RandomColumn(t, rows, null_fraction, rng));
  }
  return batch;
}

// Row `i` of `c` as text that distinguishes every value (floats by bit pattern).
inline std::string ValueString(const Column& c, int64_t i) {
  return testing::CellToString(c, i);
}

// Expects rows [0, length) of `actual` to equal rows [offset, offset + length) of `expected`.
inline void ExpectSameRows(const Batch& expected, int64_t offset, int64_t length,
                           const Batch& actual) {
  ASSERT_EQ(actual.fields, expected.fields);
  ASSERT_EQ(actual.num_rows, length);
  ASSERT_EQ(actual.columns.size(), expected.columns.size());
  for (size_t c = 0; c < expected.columns.size(); ++c) {
    const Column& e = expected.columns[c];
    const Column& a = actual.columns[c];
    ASSERT_EQ(a.type, e.type);
    ASSERT_EQ(a.length, length);
    int64_t nulls = 0;
    for (int64_t i = 0; i < length; ++i) {
      nulls += e.IsNull(offset + i);
      ASSERT_EQ(ValueString(a, i), ValueString(e, offset + i))
          << "column " << expected.fields[c].name << " row " << i;
    }
    EXPECT_EQ(a.null_count, nulls) << "column " << expected.fields[c].name;
  }
}

inline void ExpectSameBatch(const Batch& expected, const Batch& actual) {
  ExpectSameRows(expected, 0, expected.num_rows, actual);
}

}  // namespace murr::testing
