// Parquet file reader: a whole Parquet file in memory -> one murr::Batch (no I/O here).
//
// Supported: top-level primitive columns (REQUIRED or OPTIONAL) and LISTs of a primitive (the
// 3-level form and the legacy 2-level forms of LogicalTypes.md), physical types
// BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY; encodings PLAIN,
// PLAIN_DICTIONARY, RLE_DICTIONARY, RLE, BIT_PACKED (levels), DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; data pages v1 and v2; codecs
// UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4 (Hadoop framing or raw block), BROTLI.
// Type mapping and limits: docs/decisions/ (0004, 0018, 0023). A LIST becomes a fixed-size list
// (`float32[768]`) when the target schema or the file's ARROW:schema metadata says so. Nested
// lists, structs, maps, DECIMAL, TIME and other annotations are Unimplemented errors naming the
// column.
//
// The bytes are untrusted: every offset and size is checked, claims in the footer and page
// headers are capped (ParquetReadOptions), and bad input gives InvalidArgument (or
// ResourceExhausted for a limit), never a crash. Functions are pure and thread-safe; with
// options.num_threads > 1 ReadParquet itself decodes columns on that many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "murr/columnar/buffer.h"
#include "murr/columnar/column.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"

namespace murr {

// Limits on what a file may make the reader allocate. Defaults suit files of up to ~1e9 rows.
struct ParquetReadOptions {
  // The Thrift footer; real footers are KBs to a few MB (many row groups x many columns).
  int64_t max_footer_bytes = int64_t{64} << 20;
  // One decompressed page; writers use ~1 MB pages (DuckDB up to a row group's worth of strings).
  int64_t max_page_bytes = int64_t{1} << 30;
  // Total rows over all row groups.
  int64_t max_rows = int64_t{1} << 31;
  // Fixed-width output the footer's row counts imply (values + offsets of the selected columns);
  // checked before decoding so that a tiny file cannot claim a huge result.
  int64_t max_output_bytes = int64_t{32} << 30;
  // Columns decode independently; up to this many threads decode them at once (1: the calling
  // thread only). The default leaves threading to the caller (a server ingesting several files).
  int num_threads = 1;
};

// Reads the named columns (all when empty; an unknown name is InvalidArgument naming it) of all
// row groups into one Batch, in the order requested (file order when empty).
// Field.nullable is true for OPTIONAL columns (for a LIST: an OPTIONAL list).
Result<Batch> ReadParquet(const Buffer& file, const std::vector<std::string>& columns = {});
Result<Batch> ReadParquet(const Buffer& file, const std::vector<std::string>& columns,
                          const ParquetReadOptions& options);
// `target`: the columns of the table the batch is for (any subset; empty for none). A Parquet
// LIST column whose target type is a fixed-size list `<item>[<n>]` is read as one: the file's
// item type must be the item, and every non-null list must hold exactly n non-null items (else
// InvalidArgument naming the column and row). Other target types do not change the reading.
Result<Batch> ReadParquet(const Buffer& file, const std::vector<std::string>& columns,
                          const ParquetReadOptions& options,
                          const std::vector<ColumnSchema>& target);

// The fields ReadParquet(file) would return; an error if any top-level column is unsupported.
Result<std::vector<Field>> ReadParquetSchema(const Buffer& file);

// Per-column facts about a file, including the columns Murr cannot read and why.
struct ParquetColumnInfo {
  std::string name;
  Field field;       // meaningful when supported.ok()
  Status supported;  // OK, or the Unimplemented/InvalidArgument error reading it would give
  std::string physical_type;  // "INT32", ...; "group" for nested columns
  // A LIST of a primitive (whether or not Murr can read it as it stands): its item's type. With
  // a target of `<item>[<n>]` ReadParquet reads it as a fixed-size list.
  std::optional<DataType> list_item;
};

struct ParquetFileInfo {
  int64_t num_rows = 0;
  int64_t num_row_groups = 0;
  std::string created_by;
  std::vector<ParquetColumnInfo> columns;  // top-level columns in file order
};

Result<ParquetFileInfo> InspectParquet(const Buffer& file);

}  // namespace murr
