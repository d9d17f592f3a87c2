// FetchRequest: a parsed fetch request {"keys": ["a", "b"], "columns": ["x", "y"]}, optionally
// with "table": "<name>" (Arrow Flight tickets carry the table in the same JSON). Keys are strings
// or integers ({"keys": [17, 42]} for an int64 / uint64 key); the parser does not know the table,
// so each key keeps its JSON token kind (KeyToken) and TableService::Read converts them once it
// knows the key type. The keys are views into storage the object owns, so a request is parsed
// once and the keys go straight to TableService::Read. That storage (the JSON parser, a padded
// copy of the body, the key and column vectors) is reused: a destroyed request hands it back to
// its thread, whose next Parse takes it again, so a steady stream of requests allocates nothing
// for parsing. Immutable after Parse; safe to read from several threads; movable (moving keeps
// the key views valid).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/core/read_keys.h"
#include "murr/core/status.h"

namespace murr {

class FetchRequest {
 public:
  // Parses and validates. InvalidArgument for: a body that is not a JSON object, a missing or
  // empty "columns" list, a missing "keys" list (an empty one is fine), a column that is not a
  // string ("columns[1] must be a string, got number"), a key that is neither a string nor a
  // number ("keys[3] must be a string or an integer, got bool"), a column listed twice, a
  // "table" that is not a non-empty string, any other field, repeated fields, malformed JSON,
  // and more than `max_keys` keys (the message states the limit). Numbers are kept as tokens:
  // whether 1.5 or 2^64 is a valid key depends on the table (ReadKeys::ToKeyBytes).
  static Result<FetchRequest> Parse(std::string_view json, size_t max_keys);

  FetchRequest(FetchRequest&&) noexcept;
  FetchRequest& operator=(FetchRequest&&) noexcept;
  FetchRequest(const FetchRequest&) = delete;
  FetchRequest& operator=(const FetchRequest&) = delete;
  ~FetchRequest();

  // The "table" field, or empty when absent.
  const std::string& table() const { return table_; }
  // The keys in request order, duplicates kept; valid as long as this object lives.
  const std::vector<KeyToken>& keys() const;
  ReadKeys read_keys() const { return ReadKeys::Tokens(keys()); }
  // The requested columns in request order (at least one, no duplicates).
  const std::vector<std::string>& columns() const;

 private:
  struct Storage;  // owns the bytes the key views point into, and the key and column vectors
  FetchRequest();
  // This thread's spare Storage (made when there is none), and its return after use.
  static std::unique_ptr<Storage> TakeStorage();
  static void ReturnStorage(std::unique_ptr<Storage> storage);
  static std::unique_ptr<Storage>& ThreadSpare();
  // Parse with simdjson's on-demand reader, for what the text scan in Parse does not take.
  static Result<FetchRequest> ParseFully(std::string_view json, size_t max_keys);

  std::unique_ptr<Storage> storage_;
  std::string table_;
};

}  // namespace murr
