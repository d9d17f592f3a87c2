// ReadKeys: the keys of one read as a front end received them, before the table's key type is
// known, and their conversion to the "key bytes" that the key index hashes and compares: a utf8
// key's bytes, or an int64 / uint64 key's 8 little-endian bytes (decision 0024). A JSON parser does
// not know the table, so it keeps each key's token kind (KeyToken) and the conversion happens once,
// when the service has found the table. Strings and same-typed integer arrays convert without
// copying their bytes. A ReadKeys borrows what it was made from; plain value, not thread-safe to
// mutate, safe to read from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "murr/core/status.h"
#include "murr/core/types.h"

namespace murr {

// One key as a JSON request (or a Python list) had it.
struct KeyToken {
  enum class Kind : uint8_t {
    kString,      // `text` is the string
    kInt64,       // `bits` is the value (two's complement); `text` the literal, if any
    kUInt64,      // `bits` is the value, above INT64_MAX; `text` the literal, if any
    kFloat,       // a number with a fraction or exponent; `text` the literal
    kBigInteger,  // an integer outside both ranges; `text` the literal
  };
  Kind kind = Kind::kString;
  uint64_t bits = 0;
  std::string_view text;
};

// The key types a table may have: utf8, int64, uint64.
bool IsKeyType(DataType t);

class ReadKeys {
 public:
  ReadKeys() = default;
  // UTF-8 strings (borrowed).
  static ReadKeys Strings(const std::string_view* keys, size_t n);
  static ReadKeys Strings(const std::vector<std::string_view>& keys) {
    return Strings(keys.data(), keys.size());
  }
  // `n` int64 (is_signed) or uint64 values in native (little-endian) order (borrowed).
  static ReadKeys Integers(const void* values, size_t n, bool is_signed);
  // Tokens of a JSON request (borrowed).
  static ReadKeys Tokens(const KeyToken* tokens, size_t n);
  static ReadKeys Tokens(const std::vector<KeyToken>& tokens) {
    return Tokens(tokens.data(), tokens.size());
  }

  size_t size() const { return n_; }

  // The key bytes for a key column of type `key_type`, in order; views into the borrowed input
  // or into *ints. InvalidArgument, naming the key's position, the table and its key type, for a
  // key that the key type cannot hold: an integer for a utf8 key; a float, an integer out of
  // range or a string that is not a decimal integer (-?(0|[1-9][0-9]*)) for an integer key.
  Status ToKeyBytes(DataType key_type, std::string_view table, std::vector<std::string_view>* out,
                    std::vector<uint64_t>* ints) const;

 private:
  enum class Source : uint8_t { kStrings, kSigned, kUnsigned, kTokens };
  Source source_ = Source::kStrings;
  const void* data_ = nullptr;
  size_t n_ = 0;
};

// An int64 / uint64 key's bytes: its 8 little-endian bytes.
inline std::string_view IntegerKeyBytes(const uint64_t* value) {
  return std::string_view(reinterpret_cast<const char*>(value), 8);
}

}  // namespace murr
