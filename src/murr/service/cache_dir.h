// The cache directory's ownership rules (DESIGN.md, "Storage"). Murr marks the directory it owns
// with a `.murr-cache` file, gives everything it creates a name it can recognise, and deletes
// only files it can prove are its own; anything else is left in place and reported.
//
//   cache_dir/.murr-cache                  the marker (written once, never removed)
//   cache_dir/<table>/                     a table: table.json + <range>.seg (IsTableFileName)
//   cache_dir/.murr-creating.<table>/      a create in progress (renamed to <table>/ when durable)
//   cache_dir/.murr-dropped.<table>.<n>/   a drop in progress (its Murr files are being removed)
//   cache_dir/.murr-quarantine/<table>.<time>/  a table that could not be opened, moved aside
//
// Stateless functions; thread-safe as long as two callers do not work on the same folder.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "murr/core/status.h"

namespace murr {

inline constexpr std::string_view kCacheMarkerName = ".murr-cache";
inline constexpr std::string_view kQuarantineDirName = ".murr-quarantine";
inline constexpr std::string_view kCreatingPrefix = ".murr-creating.";
inline constexpr std::string_view kDroppedPrefix = ".murr-dropped.";

// Makes sure `dir` (which exists) is Murr's before anything in it is touched:
// - it holds the marker: it is Murr's;
// - it is empty, or every entry is a table folder holding only Murr's files (a cache written
//   before the marker existed): the marker is written;
// - otherwise, with `adopt`, the marker is written and the foreign entries stay untouched;
//   without it, InvalidArgument saying how to proceed.
Status ClaimCacheDir(const std::string& dir, bool adopt, bool sync);

// Removes the Murr files (IsTableFileName) of a table folder, then the folder if that left it
// empty. Returns the names it left because they are not Murr's (empty when the folder is gone).
Result<std::vector<std::string>> RemoveTableFolder(const std::string& dir);

}  // namespace murr
