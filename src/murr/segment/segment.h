// Segment: one immutable .seg file holding a batch of rows — utf8/binary columns and fixed-size
// lists in Arrow layout,
// fixed-width and bool columns in a row-major record block (RecordLayout) — plus the key index
// over them. Written once (temp file, fsync, rename, directory fsync) and opened by mmap; columns
// are used in place (Buffers borrow the mapping). The byte layout is in docs/format.md. Immutable
// after Open; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/core/file_util.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"
#include "murr/segment/key_index.h"
#include "murr/segment/record_layout.h"

namespace murr {

inline constexpr char kSegmentMagic[8] = {'M', 'U', 'R', 'R', 'S', 'E', 'G', '1'};
inline constexpr char kFooterMagic[8] = {'M', 'U', 'R', 'R', 'F', 'T', 'R', '1'};
// Version 4 (decision 0026) stores every nullable column that is null in every row as no bytes
// (record-block columns included); version 3 (decision 0017: parameterised types in the footer,
// fixed-size lists columnar, only those stored as no bytes when all null) and version 2 (scalar
// types only) files still open.
inline constexpr uint32_t kSegmentVersion = 4;
inline constexpr uint32_t kSegmentVersionFixedLists = 3;
inline constexpr uint32_t kSegmentVersionScalarsOnly = 2;
inline constexpr size_t kSegmentHeaderSize = 64;
inline constexpr size_t kSegmentTrailerSize = 24;  // footer checksum, footer magic, footer length

class Segment {
 public:
  // Writes `batch` (columns exactly the schema's, in schema order, keys distinct and non-null)
  // with its key index `slots` (BuildKeyIndex of the keys, with no shadowed rows) as a segment
  // file at `path`, durably when `sync`.
  static Status Write(const std::string& path, const TableSchema& schema, const Batch& batch,
                      const std::vector<IndexSlot>& slots, bool sync);
  // The same bytes written to `path` + ".tmp" only (fsynced when `sync`), for a caller that
  // renames it into place itself (RenameTempFile) and fsyncs the directory.
  static Status Stage(const std::string& path, const TableSchema& schema, const Batch& batch,
                      const std::vector<IndexSlot>& slots, bool sync);
  // Maps and verifies the file: magic, version, footer, every offset and length, the index, and
  // (when `verify_checksums`) every payload checksum. The columns must match `schema`.
  // Any inconsistency is Corruption naming the file.
  static Result<std::shared_ptr<Segment>> Open(const std::string& path, const TableSchema& schema,
                                               bool verify_checksums);

  int64_t num_rows() const { return num_rows_; }
  // Column i of the schema when it is stored columnar (utf8, binary, fixed-size lists); record
  // columns are empty here but for their null count (from the footer). An absent column (null in
  // every row, stored as no bytes) has an all-zero validity bitmap and no values buffer (utf8,
  // binary: all-zero offsets).
  const Column& column(int i) const { return columns_[i]; }
  // The row-major record block of the fixed-width and bool columns (see RecordLayout).
  const uint8_t* records() const { return records_; }
  const RecordLayout& layout() const { return layout_; }
  // Column i of the schema as an Arrow-layout column, whichever way it is stored (a copy for
  // record columns; tests and tools, not the read path).
  Column ReadColumn(int i) const;
  const Column& keys() const { return columns_[key_index_]; }
  const KeyIndexView& index() const { return index_; }
  // The key filter (absent in files before version 4: present() is false).
  const KeyFilterView& filter() const { return filter_; }
  const std::string& path() const { return file_->path(); }
  size_t file_size() const { return file_->size(); }

 private:
  // Write and Stage: the file's bytes, handed to `store` (which writes them somewhere).
  static Status Encode(const TableSchema& schema, const Batch& batch,
                       const std::vector<IndexSlot>& slots,
                       const std::function<Status(const std::vector<ConstSlice>&)>& store);
  Segment() = default;
  std::shared_ptr<MappedFile> file_;
  int64_t num_rows_ = 0;
  int key_index_ = 0;
  std::vector<Column> columns_;
  RecordLayout layout_;
  const uint8_t* records_ = nullptr;
  KeyIndexView index_;
  KeyFilterView filter_;
};

}  // namespace murr
