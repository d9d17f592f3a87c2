// LocalStore: an ObjectStore over a folder (file:// sources). Keys are paths relative to the
// root; every component is opened with O_NOFOLLOW beneath the root, so neither a key from a
// listing nor a symbolic link placed in the folder can reach a file outside it (links are not
// listed). ETags are a digest of inode, size and modification time. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "murr/objstore/object_store.h"

namespace murr {

class LocalStore : public ObjectStore {
 public:
  // `root` must be an existing directory when used; a missing one lists as empty and gets
  // NotFound, like an empty bucket.
  explicit LocalStore(std::string root);

  Result<ListPage> List(const std::string& prefix, const std::string& delimiter,
                        const std::string& token, int max_keys) override;
  Result<ObjectMeta> Head(const std::string& key) override;
  Result<Buffer> GetRange(const std::string& key, int64_t offset, int64_t length,
                          const std::string& etag) override;
  std::string Describe() const override { return "file://" + root_ + "/"; }

 private:
  std::string root_;
};

}  // namespace murr
