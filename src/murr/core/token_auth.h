// TokenAuth: optional bearer-token access control shared by the HTTP and Flight APIs. Each token
// has a scope: `read` (fetch, schema, listings, status, metrics) or `write` (everything read
// allows, plus create, write and drop). Tokens come from the config (`auth.tokens`, a list of
// "scope:token" separated by commas) and/or a file (`auth.tokens_file`, one "scope:token" per
// line, # comments). Only SHA-256 digests of the tokens are kept; a presented token is hashed
// and compared with every digest in constant time, so neither timing nor a memory dump of this
// object gives a token away, and no message or log line ever contains one.
// Immutable after Load; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "murr/core/status.h"

namespace murr {

enum class AccessScope { kRead, kWrite };

class TokenAuth {
 public:
  // Tokens must be 16..4096 printable ASCII characters without spaces, commas or colons' scope
  // ambiguity (the first ':' separates the scope). Errors name the entry by position, never by
  // its text. With no token at all, authentication is off.
  static Result<TokenAuth> Load(std::string_view tokens, const std::string& tokens_file);
  TokenAuth() = default;

  bool enabled() const { return !entries_.empty(); }
  size_t size() const { return entries_.size(); }

  enum class Verdict { kAllowed, kUnauthenticated, kForbidden };
  // `authorization` is the Authorization header (HTTP) or metadata value (gRPC), e.g.
  // "Bearer abc...". kUnauthenticated for a missing, malformed or unknown token; kForbidden for a
  // read token asking for write. Always kAllowed when authentication is off.
  Verdict Check(std::string_view authorization, AccessScope needed) const;

  // The messages the API layers answer with (they name no token).
  static constexpr std::string_view kUnauthenticatedMessage =
      "missing or invalid bearer token: send the header 'Authorization: Bearer <token>' with a "
      "token from auth.tokens or auth.tokens_file";
  static constexpr std::string_view kForbiddenMessage =
      "this token has the read scope only; writes, create and drop need a write token";

 private:
  struct Entry {
    std::array<uint8_t, 32> digest;
    AccessScope scope;
  };
  Status Add(std::string_view entry, const std::string& where);
  std::vector<Entry> entries_;
};

// What an API layer needs to decide a request: the tokens (null or empty: no authentication)
// and which routes stay open without one (AuthConfig::open_health, open_metrics).
struct AccessControl {
  const TokenAuth* tokens = nullptr;
  bool open_health = true;
  bool open_metrics = false;
  bool enabled() const { return tokens && tokens->enabled(); }
};

}  // namespace murr
