// File helpers for the storage layers: durable atomic writes (temp file, fsync, rename, directory
// fsync) and read-only memory maps. Stateless functions and a move-only mapping; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/core/status.h"

namespace murr {

struct ConstSlice {
  const void* data;
  size_t size;
};

// The bytes of `slices` in order, in fewer slices: each run of consecutive slices shorter than
// `copy_below` bytes is copied into *scratch and becomes one slice; longer slices are passed on
// as they are. For scatter-gather writes, where every slice has a cost of its own. The result
// points into *scratch (overwritten here): keep it unchanged while the result is in use.
std::vector<ConstSlice> CoalesceSlices(const std::vector<ConstSlice>& slices, size_t copy_below,
                                       std::string* scratch);
// Whether `slice` points into `s` (e.g. is one of the copies CoalesceSlices made into it).
inline bool PointsInto(const ConstSlice& slice, const std::string& s) {
  const char* p = static_cast<const char*>(slice.data);
  return p >= s.data() && p < s.data() + s.size();
}

// Writes the slices to `path` + ".tmp", fsyncs it (when `sync`), renames it to `path` and fsyncs
// the directory. A crash leaves either no file at `path` or the whole new one.
Status WriteFileAtomically(const std::string& path, const std::vector<ConstSlice>& slices,
                           bool sync);
// The two halves of the first steps, for a caller that renames several files and then fsyncs
// their directory once (a table's group commit): WriteTempFile writes `path` + ".tmp" and
// fsyncs it when `sync`; RenameTempFile renames it to `path`. Each removes the temporary file
// when it fails.
Status WriteTempFile(const std::string& path, const std::vector<ConstSlice>& slices, bool sync);
Status RenameTempFile(const std::string& path);
// The temporary file those write for `path`: `path` + kTempFileSuffix.
inline constexpr std::string_view kTempFileSuffix = ".tmp";
inline std::string TempFilePath(const std::string& path) {
  return path + std::string(kTempFileSuffix);
}
Status SyncDirectory(const std::string& dir);

// One entry of a directory listing ("." and ".." excluded). Symbolic links are reported as
// neither directory nor regular file, so that nothing follows them out of the cache.
struct DirEntry {
  std::string name;
  bool is_dir = false;
  bool is_file = false;
};
// The entries of `dir`, sorted by name. Never throws; an unreadable directory is an IOError.
Result<std::vector<DirEntry>> ListDirectory(const std::string& dir);
bool PathExists(const std::string& path);
Status ReadFile(const std::string& path, std::string* out);

// A read-only private mapping of a whole file. The memory lives as long as the object.
class MappedFile {
 public:
  static Result<std::shared_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // kHot: fault the range in now (the read path needs it resident). kCold: drop it from this
  // process's page tables (the page cache keeps it; a later touch faults it back in).
  enum class Residency { kHot, kCold };
  void Advise(const uint8_t* begin, size_t length, Residency residency) const;

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

// "<what> '<path>': <strerror(errno)>" as an IOError.
Status ErrnoError(std::string_view what, const std::string& path);

}  // namespace murr
