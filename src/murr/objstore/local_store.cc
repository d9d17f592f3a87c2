#include "murr/objstore/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "murr/core/file_util.h"

namespace murr {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

std::vector<std::string> Components(const std::string& rel) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    if (slash > start) out.push_back(rel.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// Opens `rel` (a safe key or a prefix directory) beneath `root`, one component at a time and
// never through a symbolic link. `dir` asks for a directory.
Result<Fd> OpenBeneath(const std::string& root, const std::string& rel, bool dir) {
  Fd cur(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cur.get() < 0) return ErrnoError("cannot open", root);
  std::vector<std::string> parts = Components(rel);
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | ((!last || dir) ? O_DIRECTORY : 0);
    Fd next(::openat(cur.get(), parts[i].c_str(), flags));
    if (next.get() < 0) {
      int e = errno;
      std::string path = root + "/" + rel;
      if (e == ENOENT || e == ENOTDIR) return Status::NotFound("'" + path + "' does not exist");
      if (e == ELOOP) {
        return Status::InvalidArgument("'" + path + "' goes through a symbolic link");
      }
      errno = e;
      return ErrnoError("cannot open", path);
    }
    cur = std::move(next);
  }
  return cur;
}

std::string LocalEtag(const struct stat& st) {
  int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  return fmt::format("{:x}-{:x}-{:x}", static_cast<uint64_t>(st.st_ino),
                     static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(mtime_ns));
}

struct Entry {
  std::string key;  // a file key or a "dir/" prefix
  bool is_prefix = false;
  ObjectMeta meta;
};

// Appends the regular files (recursively) and, when `roll_up`, the subdirectories as prefixes,
// of the directory open at `fd` whose key prefix is `base`, keeping names starting with `name`.
Status Collect(int fd, const std::string& base, const std::string& name, bool roll_up,
               std::vector<Entry>* out, size_t limit) {
  int dup = ::dup(fd);
  if (dup < 0) return ErrnoError("cannot list", base);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return ErrnoError("cannot list", base);
  }
  Status st;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (!e) {
      if (errno != 0) st = ErrnoError("cannot list", base);
      break;
    }
    std::string n = e->d_name;
    if (n == "." || n == ".." || n.compare(0, name.size(), name) != 0) continue;
    struct stat s;
    if (::fstatat(::dirfd(d), e->d_name, &s, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
    if (S_ISREG(s.st_mode)) {
      Entry en;
      en.key = base + n;
      en.meta = {en.key, static_cast<int64_t>(s.st_size), LocalEtag(s)};
      out->push_back(std::move(en));
    } else if (S_ISDIR(s.st_mode)) {
      if (roll_up) {
        Entry en;
        en.key = base + n + "/";
        en.is_prefix = true;
        out->push_back(std::move(en));
      } else {
        Fd sub(::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.get() < 0) continue;
        st = Collect(sub.get(), base + n + "/", "", false, out, limit);
        if (!st.ok()) break;
      }
    }  // symbolic links and special files are not objects
    if (out->size() > limit) {
      st = Status::ResourceExhausted("more than " + std::to_string(limit) + " entries under '" +
                                     base + "'");
      break;
    }
  }
  ::closedir(d);
  return st;
}

}  // namespace

LocalStore::LocalStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Result<ListPage> LocalStore::List(const std::string& prefix, const std::string& delimiter,
                                  const std::string& token, int max_keys) {
  if (delimiter != "" && delimiter != "/") {
    return Status::InvalidArgument("a folder store lists with delimiter '/' or none");
  }
  if (!prefix.empty() && !IsSafeKey(prefix)) {
    return Status::InvalidArgument("unsafe listing prefix '" + prefix + "'");
  }
  size_t cut = prefix.rfind('/');
  std::string dir = cut == std::string::npos ? "" : prefix.substr(0, cut + 1);
  std::string name = cut == std::string::npos ? prefix : prefix.substr(cut + 1);
  ListPage page;
  auto fd = OpenBeneath(root_, dir, /*dir=*/true);
  if (!fd.ok()) {
    if (fd.status().code() == StatusCode::kNotFound) return page;
    return fd.status();
  }
  std::vector<Entry> entries;
  MURR_RETURN_IF_ERROR(Collect(fd->get(), dir, name, delimiter == "/", &entries, 10000000));
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  size_t n = 0;
  std::string last;
  for (Entry& e : entries) {
    if (!token.empty() && e.key <= token) continue;
    if (n == static_cast<size_t>(std::max(max_keys, 1))) {
      page.next_token = last;  // the next page starts after the last key of this one
      break;
    }
    last = e.key;
    if (e.is_prefix) {
      page.common_prefixes.push_back(std::move(e.key));
    } else {
      page.objects.push_back(std::move(e.meta));
    }
    ++n;
  }
  return page;
}

Result<ObjectMeta> LocalStore::Head(const std::string& key) {
  if (!IsSafeKey(key) || key.back() == '/') {
    return Status::InvalidArgument("unsafe object key '" + key + "'");
  }
  MURR_ASSIGN_OR_RETURN(Fd fd, OpenBeneath(root_, key, /*dir=*/false));
  struct stat s;
  if (::fstat(fd.get(), &s) != 0) return ErrnoError("cannot stat", root_ + "/" + key);
  if (!S_ISREG(s.st_mode)) return Status::NotFound("'" + root_ + "/" + key + "' is not a file");
  return ObjectMeta{key, static_cast<int64_t>(s.st_size), LocalEtag(s)};
}

Result<Buffer> LocalStore::GetRange(const std::string& key, int64_t offset, int64_t length,
                                    const std::string& etag) {
  if (!IsSafeKey(key) || key.back() == '/') {
    return Status::InvalidArgument("unsafe object key '" + key + "'");
  }
  const std::string path = root_ + "/" + key;
  MURR_ASSIGN_OR_RETURN(Fd fd, OpenBeneath(root_, key, /*dir=*/false));
  struct stat s;
  if (::fstat(fd.get(), &s) != 0) return ErrnoError("cannot stat", path);
  if (!S_ISREG(s.st_mode)) return Status::NotFound("'" + path + "' is not a file");
  if (!etag.empty() && LocalEtag(s) != etag) {
    return Status::IOError("'" + path + "' changed since it was listed");
  }
  if (offset < 0 || length < 0 || offset + length > s.st_size) {
    return Status::IOError(fmt::format("'{}' is {} bytes; bytes {}..{} do not exist", path,
                                       s.st_size, offset, offset + length));
  }
  Buffer out = Buffer::Allocate(static_cast<size_t>(length));
  int64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd.get(), out.mutable_data() + done, static_cast<size_t>(length - done),
                        offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", path);
    if (n == 0) return Status::IOError("'" + path + "' was truncated while being read");
    done += n;
  }
  return out;
}

}  // namespace murr
