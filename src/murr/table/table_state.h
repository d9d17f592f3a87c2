// TableState: the immutable value a table's readers see — its segments, oldest first, and the
// number of live keys. A write builds a new state and swaps it in whole; a reader holding the old
// one keeps its segments (and their mappings) alive. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "murr/segment/segment.h"

namespace murr {

struct TableState {
  std::vector<std::shared_ptr<const Segment>> segments;  // oldest first; later ones win
  std::vector<uint64_t> segment_ids;                     // parallel to segments
  int64_t rows = 0;                                      // distinct live keys
};

}  // namespace murr
