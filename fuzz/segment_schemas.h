// The table schemas the segment fuzz target opens its inputs with, shared with the test that
// writes and checks its seeds (tests/segment/segment_fuzz_seeds_test.cc). Header-only.
#pragma once

#include <string_view>

#include "murr/core/schema.h"

namespace murr::fuzz {

// Input byte 0 picks the schema (bits 1..2, modulo the count); see segment_fuzz.cc for the rest.
inline constexpr std::string_view kSegmentSchemas[] = {
    // utf8 key + every kind of column, nullable.
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
    R"("i":{"dtype":"int64"},"f":{"dtype":"float32"},"b":{"dtype":"bool"},"s":{"dtype":"utf8"},)"
    R"("u8":{"dtype":"uint8"},"d":{"dtype":"float64","nullable":false}}})",
    // The feature-table shape: key + float32 columns, not nullable.
    R"({"key":"key","columns":{"key":{"dtype":"utf8","nullable":false},)"
    R"("f0":{"dtype":"float32","nullable":false},"f1":{"dtype":"float32","nullable":false}}})",
    // A key alone (a record holding only the inline key).
    R"({"key":"k","columns":{"k":{"dtype":"utf8","nullable":false}}})",
    // The types of decision 0016/0017: float16 and date32 in the records, binary and a fixed-size
    // list stored columnar, a timestamp with a zone.
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
    R"("h":{"dtype":"float16"},"d":{"dtype":"date32"},"bin":{"dtype":"binary"},)"
    R"("t":{"dtype":"timestamp_us","timezone":"UTC"},"e":{"dtype":"float32[4]"},)"
    R"("v":{"dtype":"int16[3]","nullable":false}}})",
};
inline constexpr int kNumSegmentSchemas = 4;

inline TableSchema SegmentSchema(int i) {
  return TableSchema::FromJson(kSegmentSchemas[i % kNumSegmentSchemas]).value();
}

}  // namespace murr::fuzz
