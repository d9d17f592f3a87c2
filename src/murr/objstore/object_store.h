// ObjectStore: the small interface over a folder or an S3 bucket that the sync layer reads
// sources through (after Apache Arrow's FileSystem and Rust's object_store): list keys under a
// prefix (with a delimiter and pagination), head one key, get a byte range of one key. Keys are
// '/'-separated and relative to the store's root; the code above cannot tell the stores apart.
// Implementations are thread-safe: any number of calls may run at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "murr/columnar/buffer.h"
#include "murr/core/status.h"

namespace murr {

struct ObjectMeta {
  std::string key;   // relative to the store's root
  int64_t size = 0;  // bytes
  // Changes whenever the object's content may have changed (S3's ETag; for a folder, a digest
  // of inode, size and modification time). Compared, never interpreted.
  std::string etag;
};

struct ListPage {
  std::vector<ObjectMeta> objects;           // keys directly under the prefix, byte order
  std::vector<std::string> common_prefixes;  // with a delimiter: "prefix<name>/" groups
  std::string next_token;                    // empty on the last page
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Keys that start with `prefix`. With delimiter "/", keys holding a further '/' after the
  // prefix are rolled up into common_prefixes (S3 ListObjectsV2 semantics); with an empty
  // delimiter, every key below. At most max_keys entries per page; pass the previous page's
  // next_token to continue. An absent prefix is an empty listing, not an error.
  virtual Result<ListPage> List(const std::string& prefix, const std::string& delimiter,
                                const std::string& token, int max_keys = 1000) = 0;
  // NotFound when the key does not exist.
  virtual Result<ObjectMeta> Head(const std::string& key) = 0;
  // Bytes [offset, offset + length) of `key`; a range past the end is an error (the caller
  // knows the size from a listing or a head). When `etag` is not empty and the object's ETag
  // differs, FailedPrecondition-like IOError: it changed since it was listed.
  virtual Result<Buffer> GetRange(const std::string& key, int64_t offset, int64_t length,
                                  const std::string& etag) = 0;

  // "file:///data/x/" or "s3://bucket/prefix/", for messages.
  virtual std::string Describe() const = 0;
};

// Every page of a listing, concatenated. Stops with ResourceExhausted past max_entries (a source
// listing a million objects is a mistake, and the listing is held in memory).
Result<ListPage> ListAll(ObjectStore& store, const std::string& prefix,
                         const std::string& delimiter, size_t max_entries = 1000000);

// Reads a whole object of known size in ranges of at most `chunk_bytes`, checking its ETag on
// every range so that a replaced object cannot be stitched from two versions.
Result<Buffer> GetObject(ObjectStore& store, const ObjectMeta& meta,
                         int64_t chunk_bytes = int64_t{64} << 20);

// A relative key is safe when it has no empty, "." or ".." component, no leading '/', no
// backslash and no NUL: it cannot name anything outside the store's root.
bool IsSafeKey(const std::string& key);

}  // namespace murr
