#include "murr/objstore/object_store.h"

#include <algorithm>
#include <cstring>

namespace murr {

bool IsSafeKey(const std::string& key) {
  if (key.empty() || key.front() == '/') return false;
  if (key.find('\0') != std::string::npos || key.find('\\') != std::string::npos) return false;
  size_t start = 0;
  for (;;) {
    size_t slash = key.find('/', start);
    std::string_view part(key.data() + start,
                          (slash == std::string::npos ? key.size() : slash) - start);
    if (part.empty() || part == "." || part == "..") {
      // A trailing '/' (a prefix) is fine; an empty component inside is not.
      return part.empty() && slash == std::string::npos && start > 0;
    }
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

Result<ListPage> ListAll(ObjectStore& store, const std::string& prefix,
                         const std::string& delimiter, size_t max_entries) {
  ListPage all;
  std::string token;
  for (;;) {
    MURR_ASSIGN_OR_RETURN(ListPage page, store.List(prefix, delimiter, token, 1000));
    for (auto& o : page.objects) all.objects.push_back(std::move(o));
    for (auto& p : page.common_prefixes) all.common_prefixes.push_back(std::move(p));
    if (all.objects.size() + all.common_prefixes.size() > max_entries) {
      return Status::ResourceExhausted("listing '" + prefix + "' of " + store.Describe() +
                                       " has more than " + std::to_string(max_entries) +
                                       " entries");
    }
    if (page.next_token.empty()) break;
    if (page.next_token == token) {
      return Status::IOError("listing '" + prefix + "' of " + store.Describe() +
                             " repeats its continuation token");
    }
    token = std::move(page.next_token);
  }
  std::sort(all.objects.begin(), all.objects.end(),
            [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; });
  std::sort(all.common_prefixes.begin(), all.common_prefixes.end());
  return all;
}

Result<Buffer> GetObject(ObjectStore& store, const ObjectMeta& meta, int64_t chunk_bytes) {
  if (meta.size < 0) return Status::InvalidArgument("negative object size");
  if (meta.size <= chunk_bytes) return store.GetRange(meta.key, 0, meta.size, meta.etag);
  Buffer out = Buffer::Allocate(static_cast<size_t>(meta.size));
  for (int64_t off = 0; off < meta.size; off += chunk_bytes) {
    int64_t n = std::min(chunk_bytes, meta.size - off);
    MURR_ASSIGN_OR_RETURN(Buffer part, store.GetRange(meta.key, off, n, meta.etag));
    std::memcpy(out.mutable_data() + off, part.data(), static_cast<size_t>(n));
  }
  return out;
}

}  // namespace murr
