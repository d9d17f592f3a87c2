// TableState: the immutable value a table's readers see — its segments, oldest first, and the
// number of live keys. A write builds a new state and swaps it in whole; a reader holding the old
// one keeps its segments (and their mappings) alive. Immutable; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/segment/segment.h"

namespace murr {

// The write sequence numbers a segment covers: [first, last]. A write makes [n, n]; a compaction
// of adjacent segments makes [first of the oldest, last of the newest]. Segments are ordered by
// `last`, and the file is named "<first>-<last>.seg".
struct SegmentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  bool Contains(const SegmentRange& o) const { return first <= o.first && o.last <= last; }
  bool operator==(const SegmentRange&) const = default;
};

// "<first>-<last>.seg" with both numbers as 20 digits, and its parser (false for any other name).
std::string SegmentFileName(const SegmentRange& r);
bool ParseSegmentFileName(std::string_view name, SegmentRange* r);
// A segment of a whole-table replace not yet committed: "<first>-<last>.seg.new".
inline constexpr std::string_view kNewSegmentSuffix = ".new";
bool ParseNewSegmentFileName(std::string_view name, SegmentRange* r);
// The commit record of the last whole-table replace (Table::BeginReplace): which segment range
// is the table's content, and the caller's provenance text.
inline constexpr std::string_view kReplaceFileName = "replace.json";
// The names Murr writes inside a table folder: table.json, replace.json, segment files (also
// ".seg.new" ones), and the ".tmp" files of an atomic write of any of them. Anything else in a
// table folder is not Murr's and is left alone.
bool IsTableFileName(std::string_view name);
bool IsTableTempFileName(std::string_view name);

struct TableState {
  std::vector<std::shared_ptr<const Segment>> segments;  // oldest first; later ones win
  std::vector<SegmentRange> ranges;                      // parallel to segments
  // Parallel to segments: how many of the segment's keys no older segment holds, or -1 until
  // someone asks (Table::Stats). Counting costs a probe of every older segment per key, so it is
  // kept off the write path. A cell is shared by the states that follow: the count stays true as
  // long as the segment and the key set of everything older are unchanged, and compaction
  // preserves key sets. The table's row count is the sum.
  std::vector<std::shared_ptr<std::atomic<int64_t>>> new_keys;
};

}  // namespace murr
