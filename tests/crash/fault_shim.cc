// fault_shim: an LD_PRELOAD library for the fault-injection tests. It wraps the calls through
// which Murr makes files durable — write/writev/pwrite/pwritev, fsync/fdatasync,
// rename/renameat/renameat2, open/openat — and makes the Nth call whose path matches a pattern
// fail with a chosen errno, once. Everything else passes straight through to the next definition
// (libc, or the sanitizer's interceptor when the server is an ASan build). Configured by
// environment variables (not MURR_*: the server's config loader refuses unknown MURR_* names):
//
//   FAULT_OP      write | fsync | rename | open (required; unset: the shim does nothing)
//   FAULT_PATH    fnmatch(3) pattern matched against the whole path ('*' crosses '/'); for
//                 descriptor calls the path is that of /proc/self/fd/<fd>, for rename either name
//   FAULT_ERRNO   ENOSPC | EIO | EDQUOT | EFBIG | a number (default EIO)
//   FAULT_AFTER   fail the Nth matching call, counting from 1 (default 1)
//
// When it fails a call it writes one line to stderr: "fault_shim: failing <call> of '<path>'
// with <errno name> (matching call <n>)", which the tests look for to know the fault fired.
// Thread-safe (one atomic counter). Built without sanitizers: it must not depend on them.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>

namespace {

enum class Op { kNone, kWrite, kFsync, kRename, kOpen };

struct Config {
  Op op = Op::kNone;
  const char* pattern = nullptr;
  int error = EIO;
  long after = 1;
};

const char* ErrnoName(int e) {
  switch (e) {
    case ENOSPC:
      return "ENOSPC";
    case EIO:
      return "EIO";
    case EDQUOT:
      return "EDQUOT";
    case EFBIG:
      return "EFBIG";
  }
  return "errno";
}

Config LoadConfig() {
  Config c;
  const char* op = getenv("FAULT_OP");
  const char* pattern = getenv("FAULT_PATH");
  if (!op || !pattern) return c;
  if (strcmp(op, "write") == 0) c.op = Op::kWrite;
  if (strcmp(op, "fsync") == 0) c.op = Op::kFsync;
  if (strcmp(op, "rename") == 0) c.op = Op::kRename;
  if (strcmp(op, "open") == 0) c.op = Op::kOpen;
  c.pattern = pattern;
  if (const char* e = getenv("FAULT_ERRNO")) {
    if (strcmp(e, "ENOSPC") == 0) {
      c.error = ENOSPC;
    } else if (strcmp(e, "EIO") == 0) {
      c.error = EIO;
    } else if (strcmp(e, "EDQUOT") == 0) {
      c.error = EDQUOT;
    } else if (strcmp(e, "EFBIG") == 0) {
      c.error = EFBIG;
    } else {
      c.error = atoi(e);
    }
  }
  if (const char* a = getenv("FAULT_AFTER")) c.after = atol(a);
  return c;
}

const Config& Cfg() {
  static const Config config = LoadConfig();
  return config;
}

std::atomic<long> matching_calls{0};

template <typename F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

void Report(const char* call, const char* path, long n) {
  static auto real_write = Next<ssize_t (*)(int, const void*, size_t)>("write");
  char line[1200];
  int len =
      snprintf(line, sizeof(line), "fault_shim: failing %s of '%s' with %s (matching call %ld)\n",
               call, path, ErrnoName(Cfg().error), n);
  if (len <= 0) return;
  size_t size = static_cast<size_t>(len);
  (void)real_write(2, line, size < sizeof(line) ? size : sizeof(line) - 1);
}

// True when this call is the one to fail (errno is then set). `path` may be null.
bool ShouldFail(Op op, const char* call, const char* path) {
  const Config& c = Cfg();
  if (c.op != op || !path || fnmatch(c.pattern, path, 0) != 0) return false;
  long n = ++matching_calls;
  if (n != c.after) return false;
  Report(call, path, n);
  errno = c.error;
  return true;
}

// The path behind a descriptor ("" when it has none).
bool FdPath(int fd, char* out, size_t size) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  if (n < 0) return false;
  out[n] = '\0';
  return true;
}

bool ShouldFailFd(Op op, const char* call, int fd) {
  if (Cfg().op != op) return false;
  char path[1024];
  if (!FdPath(fd, path, sizeof(path))) return false;
  return ShouldFail(op, call, path);
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  static auto real = Next<ssize_t (*)(int, const void*, size_t)>("write");
  if (ShouldFailFd(Op::kWrite, "write", fd)) return -1;
  return real(fd, buf, count);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  static auto real = Next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  if (ShouldFailFd(Op::kWrite, "writev", fd)) return -1;
  return real(fd, iov, iovcnt);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static auto real = Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  if (ShouldFailFd(Op::kWrite, "pwrite", fd)) return -1;
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  static auto real = Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite64");
  if (ShouldFailFd(Op::kWrite, "pwrite64", fd)) return -1;
  return real(fd, buf, count, offset);
}

ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
  static auto real = Next<ssize_t (*)(int, const struct iovec*, int, off_t)>("pwritev");
  if (ShouldFailFd(Op::kWrite, "pwritev", fd)) return -1;
  return real(fd, iov, iovcnt, offset);
}

int fsync(int fd) {
  static auto real = Next<int (*)(int)>("fsync");
  if (ShouldFailFd(Op::kFsync, "fsync", fd)) return -1;
  return real(fd);
}

int fdatasync(int fd) {
  static auto real = Next<int (*)(int)>("fdatasync");
  if (ShouldFailFd(Op::kFsync, "fdatasync", fd)) return -1;
  return real(fd);
}

int rename(const char* from, const char* to) {
  static auto real = Next<int (*)(const char*, const char*)>("rename");
  if (ShouldFail(Op::kRename, "rename", to) || ShouldFail(Op::kRename, "rename", from)) return -1;
  return real(from, to);
}

int renameat(int fromfd, const char* from, int tofd, const char* to) {
  static auto real = Next<int (*)(int, const char*, int, const char*)>("renameat");
  if (ShouldFail(Op::kRename, "renameat", to) || ShouldFail(Op::kRename, "renameat", from)) {
    return -1;
  }
  return real(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char* from, int tofd, const char* to, unsigned int flags) {
  static auto real = Next<int (*)(int, const char*, int, const char*, unsigned int)>("renameat2");
  if (ShouldFail(Op::kRename, "renameat2", to) || ShouldFail(Op::kRename, "renameat2", from)) {
    return -1;
  }
  return real(fromfd, from, tofd, to, flags);
}

int open(const char* path, int flags, ...) {
  static auto real = Next<int (*)(const char*, int, ...)>("open");
  mode_t mode = 0;
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  if (ShouldFail(Op::kOpen, "open", path)) return -1;
  return real(path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  static auto real = Next<int (*)(const char*, int, ...)>("open64");
  mode_t mode = 0;
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  if (ShouldFail(Op::kOpen, "open64", path)) return -1;
  return real(path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  static auto real = Next<int (*)(int, const char*, int, ...)>("openat");
  mode_t mode = 0;
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  if (ShouldFail(Op::kOpen, "openat", path)) return -1;
  return real(dirfd, path, flags, mode);
}

}  // extern "C"
