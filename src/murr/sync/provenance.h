// Provenance: where the content of a table fed by a source came from — the source, the
// partition, and each object's key, ETag and size — kept with the table (the replace record,
// Table::provenance()) so that a restarted worker knows what it serves without asking storage.
// Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "murr/core/status.h"
#include "murr/objstore/object_store.h"

namespace murr {

struct Provenance {
  std::string source;     // the source URL
  std::string partition;  // its name, e.g. "dt=2026-11-30"
  std::vector<ObjectMeta> objects;
  int64_t rows = 0;          // rows in the files (before keys repeated across files collapse)
  int64_t loaded_at_ms = 0;  // Unix time the load committed

  std::string ToJson() const;
  static Result<Provenance> FromJson(const std::string& json);
};

// Whether two object sets name the same keys with the same ETags and sizes.
bool SameObjects(const std::vector<ObjectMeta>& a, const std::vector<ObjectMeta>& b);

}  // namespace murr
