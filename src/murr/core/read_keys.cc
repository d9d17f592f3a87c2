#include "murr/core/read_keys.h"

#include <fmt/format.h>

#include <bit>
#include <charconv>

#include "murr/core/schema.h"

namespace murr {
namespace {

// Integer keys' bytes are their in-memory bytes, and the segment format fixes little-endian.
static_assert(std::endian::native == std::endian::little);

// Enough of a key for a message: 64 bytes, then "...".
std::string Shown(std::string_view s) {
  constexpr size_t kLimit = 64;
  if (s.size() <= kLimit) return std::string(s);
  return std::string(s.substr(0, kLimit)) + "...";
}

std::string Context(std::string_view table, DataType key_type) {
  return fmt::format("table '{}' has {} keys", table, DataTypeName(key_type));
}

// A canonical decimal integer: 0, or -?[1-9][0-9]*.
bool IsDecimal(std::string_view s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  if (s[i] == '0' && s.size() > 1) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// Converts one token to the value of an int64 (is_signed) or uint64 key.
Status TokenToInteger(const KeyToken& t, size_t i, bool is_signed, std::string_view table,
                      DataType key_type, uint64_t* out) {
  const char* type_name = is_signed ? "int64" : "uint64";
  auto out_of_range = [&](std::string_view literal) {
    return Status::InvalidArgument(fmt::format("keys[{}] = {} is out of the {} range ({})", i,
                                               Shown(literal), type_name,
                                               Context(table, key_type)));
  };
  switch (t.kind) {
    case KeyToken::Kind::kInt64:
      if (!is_signed && static_cast<int64_t>(t.bits) < 0) {
        return out_of_range(t.text.empty() ? std::to_string(static_cast<int64_t>(t.bits))
                                           : std::string(t.text));
      }
      *out = t.bits;
      return Status::OK();
    case KeyToken::Kind::kUInt64:
      if (is_signed) {
        return out_of_range(t.text.empty() ? std::to_string(t.bits) : std::string(t.text));
      }
      *out = t.bits;
      return Status::OK();
    case KeyToken::Kind::kBigInteger:
      return out_of_range(t.text);
    case KeyToken::Kind::kFloat:
      return Status::InvalidArgument(
          fmt::format("keys[{}] must be an integer, got the number {} ({})", i, Shown(t.text),
                      Context(table, key_type)));
    case KeyToken::Kind::kString: {
      if (!IsDecimal(t.text)) {
        return Status::InvalidArgument(fmt::format(
            "keys[{}] must be an integer or a decimal integer string, got the string \"{}\" ({})",
            i, Shown(t.text), Context(table, key_type)));
      }
      const char* b = t.text.data();
      const char* e = b + t.text.size();
      std::from_chars_result r;
      if (is_signed) {
        int64_t v = 0;
        r = std::from_chars(b, e, v);
        *out = static_cast<uint64_t>(v);
      } else {
        uint64_t v = 0;
        r = t.text[0] == '-' ? std::from_chars_result{b, std::errc::result_out_of_range}
                             : std::from_chars(b, e, v);
        *out = v;
      }
      if (r.ec != std::errc() || r.ptr != e) return out_of_range("\"" + Shown(t.text) + "\"");
      return Status::OK();
    }
  }
  return Status::Internal("unknown key token kind");
}

std::string_view TokenKindName(KeyToken::Kind k) {
  switch (k) {
    case KeyToken::Kind::kString:
      return "string";
    case KeyToken::Kind::kInt64:
    case KeyToken::Kind::kUInt64:
    case KeyToken::Kind::kBigInteger:
      return "integer";
    case KeyToken::Kind::kFloat:
      return "number";
  }
  return "value";
}

}  // namespace

bool IsKeyType(DataType t) {
  return t == DataType::kUtf8 || t == DataType::kInt64 || t == DataType::kUInt64;
}

ReadKeys ReadKeys::Strings(const std::string_view* keys, size_t n) {
  ReadKeys k;
  k.source_ = Source::kStrings;
  k.data_ = keys;
  k.n_ = n;
  return k;
}

ReadKeys ReadKeys::Integers(const void* values, size_t n, bool is_signed) {
  ReadKeys k;
  k.source_ = is_signed ? Source::kSigned : Source::kUnsigned;
  k.data_ = values;
  k.n_ = n;
  return k;
}

ReadKeys ReadKeys::Tokens(const KeyToken* tokens, size_t n) {
  ReadKeys k;
  k.source_ = Source::kTokens;
  k.data_ = tokens;
  k.n_ = n;
  return k;
}

Status ReadKeys::ToKeyBytes(DataType key_type, std::string_view table,
                            std::vector<std::string_view>* out, std::vector<uint64_t>* ints) const {
  out->clear();
  out->reserve(n_);
  if (key_type == DataType::kUtf8) {
    switch (source_) {
      case Source::kStrings: {
        const auto* s = static_cast<const std::string_view*>(data_);
        out->assign(s, s + n_);
        return Status::OK();
      }
      case Source::kSigned:
      case Source::kUnsigned:
        if (n_ == 0) return Status::OK();
        return Status::InvalidArgument(
            fmt::format("keys must be strings, got integers ({})", Context(table, key_type)));
      case Source::kTokens: {
        const auto* t = static_cast<const KeyToken*>(data_);
        for (size_t i = 0; i < n_; ++i) {
          if (t[i].kind != KeyToken::Kind::kString) {
            return Status::InvalidArgument(fmt::format(
                "keys[{}] must be a string, got the {} {} ({})", i, TokenKindName(t[i].kind),
                t[i].text.empty() ? std::to_string(t[i].bits) : Shown(t[i].text),
                Context(table, key_type)));
          }
          out->push_back(t[i].text);
        }
        return Status::OK();
      }
    }
    return Status::Internal("unknown key source");
  }
  if (!IsKeyType(key_type)) {
    return Status::Internal("table '" + std::string(table) + "' has a key of type " +
                            DataTypeName(key_type));
  }
  const bool is_signed = key_type == DataType::kInt64;
  const Source same = is_signed ? Source::kSigned : Source::kUnsigned;
  if (source_ == same) {
    // The caller's array already holds the key bytes: views, no copy.
    const auto* v = static_cast<const uint64_t*>(data_);
    for (size_t i = 0; i < n_; ++i) out->push_back(IntegerKeyBytes(v + i));
    return Status::OK();
  }
  if (ints->size() < n_) ints->resize(n_);
  uint64_t* dst = ints->data();
  switch (source_) {
    case Source::kSigned:
    case Source::kUnsigned: {
      const auto* v = static_cast<const uint64_t*>(data_);
      for (size_t i = 0; i < n_; ++i) {
        // The other signedness: only values in both ranges (0..INT64_MAX) convert.
        if (static_cast<int64_t>(v[i]) < 0) {
          std::string shown = source_ == Source::kSigned
                                  ? std::to_string(static_cast<int64_t>(v[i]))
                                  : std::to_string(v[i]);
          return Status::InvalidArgument(fmt::format("keys[{}] = {} is out of the {} range ({})", i,
                                                     shown, is_signed ? "int64" : "uint64",
                                                     Context(table, key_type)));
        }
        dst[i] = v[i];
      }
      break;
    }
    case Source::kStrings: {
      const auto* s = static_cast<const std::string_view*>(data_);
      for (size_t i = 0; i < n_; ++i) {
        KeyToken t{KeyToken::Kind::kString, 0, s[i]};
        MURR_RETURN_IF_ERROR(TokenToInteger(t, i, is_signed, table, key_type, &dst[i]));
      }
      break;
    }
    case Source::kTokens: {
      const auto* t = static_cast<const KeyToken*>(data_);
      for (size_t i = 0; i < n_; ++i) {
        // The common case inline: an integer token that fits int64 (and, for uint64, is >= 0).
        if (t[i].kind == KeyToken::Kind::kInt64 &&
            (is_signed || static_cast<int64_t>(t[i].bits) >= 0)) {
          dst[i] = t[i].bits;
          continue;
        }
        MURR_RETURN_IF_ERROR(TokenToInteger(t[i], i, is_signed, table, key_type, &dst[i]));
      }
      break;
    }
  }
  for (size_t i = 0; i < n_; ++i) out->push_back(IntegerKeyBytes(dst + i));
  return Status::OK();
}

}  // namespace murr
