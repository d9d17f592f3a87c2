// IEEE 754 binary16 (Arrow's float16, Parquet's FLOAT16) to and from float32: the JSON codec
// and read_numpy use them. Pure functions; thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace murr {

// IEEE 754 binary16 <-> float32, round to nearest even (NaN keeps its sign and a quiet payload).
inline uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7FFFFFFF;
  if (abs > 0x7F800000) return static_cast<uint16_t>(sign | 0x7E00 | ((abs >> 13) & 0x3FF));
  if (abs >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);  // rounds past 65504
  if (abs < 0x38800000) {
    // A subnormal half (or zero): value = m * 2^-24.
    if (abs < 0x33000000) return sign;                    // below half the smallest subnormal
    const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24 for exponents -15..-25
    const uint32_t mant = (abs & 0x7FFFFF) | 0x800000;
    uint32_t h = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rest > half || (rest == half && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = ((abs >> 13) - (112u << 10));
  const uint32_t rest = abs & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

inline float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FF;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24);
    if (sign) f = -f;
    return f;
  }
  uint32_t x =
      exp == 31 ? (sign | 0x7F800000 | (mant << 13)) : (sign | ((exp + 112) << 23) | (mant << 13));
  std::memcpy(&f, &x, 4);
  return f;
}

}  // namespace murr
