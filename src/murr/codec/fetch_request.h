// FetchRequest: a parsed fetch request {"keys": ["a", "b"], "columns": ["x", "y"]}, optionally
// with "table": "<name>" (Arrow Flight tickets carry the table in the same JSON). The keys are
// views into storage the object owns, so a request is parsed once and the keys go straight to
// TableService::Read. Immutable after Parse; safe to read from several threads; movable (moving
// keeps the key views valid).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/core/status.h"

namespace murr {

class FetchRequest {
 public:
  // Parses and validates. InvalidArgument for: a body that is not a JSON object, a missing or
  // empty "columns" list, a missing "keys" list (an empty one is fine), a key or column that is
  // not a string ("keys[3] must be a string, got number"), a column listed twice, a "table" that
  // is not a non-empty string, any other field, repeated fields, malformed JSON, and more than
  // `max_keys` keys (the message states the limit).
  static Result<FetchRequest> Parse(std::string_view json, size_t max_keys);

  FetchRequest(FetchRequest&&) noexcept;
  FetchRequest& operator=(FetchRequest&&) noexcept;
  FetchRequest(const FetchRequest&) = delete;
  FetchRequest& operator=(const FetchRequest&) = delete;
  ~FetchRequest();

  // The "table" field, or empty when absent.
  const std::string& table() const { return table_; }
  // The keys in request order, duplicates kept; valid as long as this object lives.
  const std::vector<std::string_view>& keys() const { return keys_; }
  // The requested columns in request order (at least one, no duplicates).
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  struct Storage;  // owns the bytes the key views point into
  FetchRequest();

  std::unique_ptr<Storage> storage_;
  std::string table_;
  std::vector<std::string_view> keys_;
  std::vector<std::string> columns_;
};

}  // namespace murr
