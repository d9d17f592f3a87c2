// TableSchema: a table's key column and typed columns, in declaration order, with its JSON form
// {"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "x": {"dtype":
// "float32"}, "t": {"dtype": "timestamp_ms", "timezone": "UTC"}, "e": {"dtype": "float32[768]"}}}.
// Immutable value after construction; thread-safe to share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "murr/core/status.h"
#include "murr/core/types.h"

namespace murr {

struct ColumnSchema {
  std::string name;
  DataType type = DataType::kUtf8;
  bool nullable = true;
  // Timestamps only: an IANA zone name such as "UTC", or "" for none. Metadata, as in Arrow: the
  // values are UTC instants either way.
  std::string timezone;

  bool operator==(const ColumnSchema&) const = default;
};

inline constexpr size_t kMaxColumnNameBytes = 255;
inline constexpr size_t kMaxColumns = 4096;

class TableSchema {
 public:
  TableSchema() = default;

  // Validates: key column present, utf8, int64 or uint64, non-nullable; names 1..255 bytes and
  // unique.
  static Result<TableSchema> Make(std::string key, std::vector<ColumnSchema> columns);
  // Parses and validates the JSON form; unknown fields and unknown dtypes are errors.
  static Result<TableSchema> FromJson(std::string_view json);

  std::string ToJson() const;

  const std::string& key() const { return key_; }
  const std::vector<ColumnSchema>& columns() const { return columns_; }
  int key_index() const { return key_index_; }
  // Index of the column named `name`, or -1.
  int FindColumn(std::string_view name) const;

  bool operator==(const TableSchema& o) const { return key_ == o.key_ && columns_ == o.columns_; }

 private:
  std::string key_;
  std::vector<ColumnSchema> columns_;
  int key_index_ = -1;
  // Column index by name (FindColumn: a read looks up every column it asks for).
  absl::flat_hash_map<std::string, int> by_name_;
};

}  // namespace murr
