#include "murr/core/file_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace murr {

std::vector<ConstSlice> CoalesceSlices(const std::vector<ConstSlice>& slices, size_t copy_below,
                                       std::string* scratch) {
  size_t copied = 0;
  for (const ConstSlice& s : slices) copied += s.size < copy_below ? s.size : 0;
  scratch->clear();
  scratch->reserve(copied);  // no reallocation below: the slices into it stay valid
  std::vector<ConstSlice> out;
  out.reserve(slices.size());
  size_t run = 0;  // where the current run of copies starts in *scratch
  auto close_run = [&] {
    if (scratch->size() > run) out.push_back({scratch->data() + run, scratch->size() - run});
    run = scratch->size();
  };
  for (const ConstSlice& s : slices) {
    if (s.size == 0) continue;
    if (s.size < copy_below) {
      scratch->append(static_cast<const char*>(s.data), s.size);
      continue;
    }
    close_run();
    out.push_back(s);
  }
  close_run();
  return out;
}

Status ErrnoError(std::string_view what, const std::string& path) {
  int e = errno;
  std::string msg(what);
  msg += " '" + path + "': " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT || e == EFBIG) return Status::NoSpace(msg);
  return Status::IOError(msg);
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync directory", dir);
  return Status::OK();
}

Result<std::vector<DirEntry>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return ErrnoError("cannot list directory", dir);
  std::vector<DirEntry> out;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (!e) break;
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    DirEntry entry;
    entry.name = std::string(name);
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      entry.is_dir = S_ISDIR(st.st_mode);
      entry.is_file = S_ISREG(st.st_mode);
    }
    out.push_back(std::move(entry));
  }
  int e = errno;
  ::closedir(d);
  if (e != 0) {
    errno = e;
    return ErrnoError("cannot list directory", dir);
  }
  std::sort(out.begin(), out.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

static std::string ParentDir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

Status WriteTempFile(const std::string& path, const std::vector<ConstSlice>& slices, bool sync) {
  const std::string tmp = TempFilePath(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  auto fail = [&](std::string_view what) {
    Status st = ErrnoError(what, tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  // writev in chunks of at most IOV_MAX slices, handling short writes.
  std::vector<iovec> iov;
  iov.reserve(slices.size());
  for (const auto& s : slices) {
    if (s.size) iov.push_back({const_cast<void*>(s.data), s.size});
  }
  size_t i = 0;
  while (i < iov.size()) {
    int cnt = static_cast<int>(std::min<size_t>(iov.size() - i, 512));
    ssize_t n = ::writev(fd, &iov[i], cnt);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    size_t left = static_cast<size_t>(n);
    while (left > 0 && i < iov.size()) {
      if (left >= iov[i].iov_len) {
        left -= iov[i].iov_len;
        ++i;
      } else {
        iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
        iov[i].iov_len -= left;
        left = 0;
      }
    }
  }
  if (sync && ::fdatasync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    Status st = ErrnoError("cannot close", tmp);
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::OK();
}

Status RenameTempFile(const std::string& path) {
  const std::string tmp = TempFilePath(path);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = ErrnoError("cannot rename into place", path);
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::OK();
}

Status WriteFileAtomically(const std::string& path, const std::vector<ConstSlice>& slices,
                           bool sync) {
  MURR_RETURN_IF_ERROR(WriteTempFile(path, slices, sync));
  MURR_RETURN_IF_ERROR(RenameTempFile(path));
  if (sync) {
    Status st = SyncDirectory(ParentDir(path));
    if (!st.ok()) {
      // The rename may or may not survive a crash, and the caller is told the write failed:
      // take the file back so that a restart cannot resurrect what was never acknowledged.
      ::unlink(path.c_str());
      (void)SyncDirectory(ParentDir(path));
      return st;
    }
  }
  return Status::OK();
}

Status ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = ErrnoError("cannot read", path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::OK();
}

Result<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoError("cannot stat", path);
    ::close(fd);
    return s;
  }
  size_t size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    // Map at a 2 MiB aligned address and ask for huge pages: where the page cache holds the
    // file in large folios (ext4, xfs on recent kernels) the kernel can then map it with PMD
    // entries, which removes most TLB misses of random reads. Elsewhere the advice is ignored.
    constexpr size_t kHuge = size_t{2} << 20;
    void* reserve = ::mmap(nullptr, size + kHuge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserve == MAP_FAILED) {
      Status s = ErrnoError("cannot reserve address space for", path);
      ::close(fd);
      return s;
    }
    uintptr_t aligned = (reinterpret_cast<uintptr_t>(reserve) + kHuge - 1) & ~(kHuge - 1);
    void* p =
        ::mmap(reinterpret_cast<void*>(aligned), size, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    if (p == MAP_FAILED) {
      Status s = ErrnoError("cannot mmap", path);
      ::munmap(reserve, size + kHuge);
      ::close(fd);
      return s;
    }
    // Give back the unused head and tail of the reservation.
    uintptr_t rbeg = reinterpret_cast<uintptr_t>(reserve);
    if (aligned > rbeg) ::munmap(reserve, aligned - rbeg);
    uintptr_t mend = aligned + ((size + 4095) & ~size_t{4095});
    uintptr_t rend = rbeg + size + kHuge;
    if (rend > mend) ::munmap(reinterpret_cast<void*>(mend), rend - mend);
    ::madvise(p, size, MADV_HUGEPAGE);
    data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return std::shared_ptr<MappedFile>(new MappedFile(path, data, size));
}

void MappedFile::Advise(const uint8_t* begin, size_t length, Residency residency) const {
  constexpr uintptr_t kPage = 4096;
  uintptr_t b = reinterpret_cast<uintptr_t>(begin);
  uintptr_t e = b + length;
  if (residency == Residency::kHot) {
    b &= ~(kPage - 1);
    e = (e + kPage - 1) & ~(kPage - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_POPULATE_READ);
  } else {
    // Only whole pages inside the range: a neighbour's hot page must stay.
    b = (b + kPage - 1) & ~(kPage - 1);
    e &= ~(kPage - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
  }
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace murr
