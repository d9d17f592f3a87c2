#include "murr/service/cache_dir.h"

#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "murr/core/file_util.h"
#include "murr/service/table_service.h"
#include "murr/table/table_state.h"

namespace murr {
namespace {

constexpr std::string_view kMarkerText =
    "This directory is a Murr cache. Murr deletes only the files it created in it.\n";

// A folder of a cache written before the marker existed: a valid table name, table.json, and
// nothing but Murr's own files.
bool IsUnmarkedTableFolder(const std::string& root, const DirEntry& entry) {
  if (!entry.is_dir || !TableService::ValidateTableName(entry.name).ok()) return false;
  auto files = ListDirectory(root + "/" + entry.name);
  if (!files.ok()) return false;
  bool has_schema = false;
  for (const DirEntry& f : *files) {
    if (!f.is_file || !IsTableFileName(f.name)) return false;
    has_schema |= f.name == "table.json";
  }
  return has_schema;
}

}  // namespace

Status ClaimCacheDir(const std::string& dir, bool adopt, bool sync) {
  const std::string marker = dir + "/" + std::string(kCacheMarkerName);
  const std::string marker_tmp = marker + ".tmp";
  MURR_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirectory(dir));
  bool marked = false;
  for (const DirEntry& e : entries) {
    if (e.name == kCacheMarkerName) {
      if (!e.is_file) {
        return Status::InvalidArgument("'" + marker + "' exists but is not a file");
      }
      marked = true;
    } else if (e.is_file && dir + "/" + e.name == marker_tmp) {
      // The marker's temporary file, left by a start that was killed while writing the marker:
      // Murr's own and never acknowledged. Left in place, it would make the cache look foreign.
      ::unlink(marker_tmp.c_str());
    }
  }
  if (marked) return Status::OK();
  std::vector<std::string> foreign;
  for (const DirEntry& e : entries) {
    bool own_tmp = e.is_file && dir + "/" + e.name == marker_tmp;
    if (!own_tmp && !IsUnmarkedTableFolder(dir, e)) {
      foreign.push_back(e.name);
    }
  }
  if (!foreign.empty()) {
    if (!adopt) {
      std::string names;
      for (size_t i = 0; i < foreign.size() && i < 5; ++i) {
        names += (i ? ", " : "") + std::string("'") + foreign[i] + "'";
      }
      if (foreign.size() > 5) names += ", ...";
      return Status::InvalidArgument(
          "storage.cache_dir '" + dir + "' is not empty and is not a Murr cache (it has no " +
          std::string(kCacheMarkerName) + " file and holds " + names +
          "). Point storage.cache_dir at an empty or new directory, or set "
          "storage.adopt_cache_dir: true (MURR_STORAGE_ADOPT_CACHE_DIR=true) to use this one: "
          "Murr then leaves everything it did not create in place");
    }
    spdlog::warn(
        "adopting '{}' as a Murr cache (storage.adopt_cache_dir); {} entries in it are "
        "not Murr's and stay untouched",
        dir, foreign.size());
  }
  std::string_view text = kMarkerText;
  return WriteFileAtomically(marker, {{text.data(), text.size()}}, sync);
}

Result<std::vector<std::string>> RemoveTableFolder(const std::string& dir) {
  MURR_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirectory(dir));
  std::vector<std::string> kept;
  for (const DirEntry& e : entries) {
    const std::string path = dir + "/" + e.name;
    if (e.is_file && IsTableFileName(e.name)) {
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoError("cannot remove", path);
      }
    } else {
      kept.push_back(e.name);
    }
  }
  if (kept.empty() && ::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("cannot remove directory", dir);
  }
  return kept;
}

}  // namespace murr
