#include "murr/core/token_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "murr/core/file_util.h"

namespace murr {
namespace {

std::array<uint8_t, 32> Sha256(std::string_view text) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IEqualsPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

}  // namespace

Status TokenAuth::Add(std::string_view entry, const std::string& where) {
  size_t colon = entry.find(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument(where + ": expected 'read:<token>' or 'write:<token>'");
  }
  std::string_view scope = entry.substr(0, colon);
  std::string_view token = entry.substr(colon + 1);
  Entry e;
  if (scope == "read") {
    e.scope = AccessScope::kRead;
  } else if (scope == "write") {
    e.scope = AccessScope::kWrite;
  } else {
    return Status::InvalidArgument(where + ": the scope must be 'read' or 'write'");
  }
  if (token.size() < 16 || token.size() > 4096) {
    return Status::InvalidArgument(where + ": a token must be 16 to 4096 characters long, got " +
                                   std::to_string(token.size()));
  }
  for (char c : token) {
    if (c <= ' ' || c > '~' || c == ',') {
      return Status::InvalidArgument(
          where + ": a token may hold printable ASCII characters only, without spaces or commas");
    }
  }
  e.digest = Sha256(token);
  entries_.push_back(e);
  return Status::OK();
}

Result<TokenAuth> TokenAuth::Load(std::string_view tokens, const std::string& tokens_file) {
  TokenAuth auth;
  int index = 0;
  while (!tokens.empty()) {
    size_t comma = tokens.find(',');
    std::string_view item = Trim(tokens.substr(0, comma));
    tokens = comma == std::string_view::npos ? std::string_view() : tokens.substr(comma + 1);
    ++index;
    if (item.empty()) continue;
    MURR_RETURN_IF_ERROR(auth.Add(item, "auth.tokens entry " + std::to_string(index)));
  }
  if (!tokens_file.empty()) {
    std::string text;
    Status st = ReadFile(tokens_file, &text);
    if (!st.ok()) return Status::InvalidArgument("auth.tokens_file: " + st.message());
    std::string_view rest = text;
    int line = 0;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view item = Trim(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++line;
      if (item.empty() || item.front() == '#') continue;
      MURR_RETURN_IF_ERROR(
          auth.Add(item, "auth.tokens_file '" + tokens_file + "' line " + std::to_string(line)));
    }
  }
  return auth;
}

TokenAuth::Verdict TokenAuth::Check(std::string_view authorization, AccessScope needed) const {
  if (entries_.empty()) return Verdict::kAllowed;
  authorization = Trim(authorization);
  if (!IEqualsPrefix(authorization, "bearer ")) return Verdict::kUnauthenticated;
  std::string_view token = Trim(authorization.substr(7));
  if (token.empty()) return Verdict::kUnauthenticated;
  std::array<uint8_t, 32> digest = Sha256(token);
  // Every entry is compared, whatever matched before, so the time does not depend on which.
  int found = -1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    bool same = CRYPTO_memcmp(digest.data(), entries_[i].digest.data(), digest.size()) == 0;
    found = same ? static_cast<int>(i) : found;
  }
  if (found < 0) return Verdict::kUnauthenticated;
  if (needed == AccessScope::kWrite && entries_[found].scope != AccessScope::kWrite) {
    return Verdict::kForbidden;
  }
  return Verdict::kAllowed;
}

}  // namespace murr
