// ColumnChunkDecoder: decodes the pages of one top-level Parquet column (a flat leaf, or a LIST
// of a primitive), chunk after chunk (one per row group), straight into the Arrow-layout buffers
// of one murr::Column: definition levels become the validity bitmap, PLAIN numbers are copied in
// place, dictionary indices gather from the decoded dictionary, strings append to the data
// buffer. For a LIST, repetition and definition levels become the list offsets and validity and
// the item validity; the values decode as the items. Single-threaded; one per column.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "murr/codec/parquet/compression.h"
#include "murr/codec/parquet/metadata.h"
#include "murr/columnar/buffer.h"
#include "murr/columnar/column.h"
#include "murr/core/status.h"
#include "murr/core/types.h"

namespace murr::parquet {

// How one top-level leaf column maps onto a murr column.
struct LeafColumn {
  std::string name;
  int leaf_index = 0;  // position in RowGroup.columns
  int32_t physical = kInt32;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY width
  DataType type = DataType::kInt32;
  bool optional = false;
  bool annotated_string = false;  // STRING/UTF8/ENUM/JSON, as opposed to raw binary
  std::string timezone;           // "UTC" for timestamps that are instants

  // A LIST column (max_rep 1): `type` above is then the item's type. Levels follow the Dremel
  // rules: a level below list_def is a null list, list_def an empty list, list_def + 1 an item
  // (null when item_optional and below max_def), max_def a valid item.
  int max_rep = 0;
  int max_def = 0;
  int list_def = 0;
  bool item_optional = false;
  // The list is read as a fixed-size list of this many items (every non-null list must have
  // exactly that many, none null); 0: a variable-length list (`<item>[]`).
  uint32_t fixed_size = 0;

  bool is_list() const { return max_rep > 0; }
  // The type of the column ReadParquet returns.
  DataType column_type() const {
    if (!is_list()) return type;
    return fixed_size > 0 ? DataType::FixedSizeList(type.id, fixed_size) : DataType::List(type.id);
  }
};

// Caps on what one column may make the decoder allocate beyond the footer's row counts.
struct DecoderLimits {
  int64_t max_page_bytes = int64_t{1} << 30;
  // Items over all pages of a LIST column (offsets are int32, so at most 2^31 - 1).
  int64_t max_items = std::numeric_limits<int32_t>::max();
};

class ColumnChunkDecoder {
 public:
  // `expected_rows`: rows over all chunks (checked by the caller against the limits);
  // `reserve_rows`: how many rows to allocate up front.
  ColumnChunkDecoder(const LeafColumn& leaf, int64_t reserve_rows, const DecoderLimits& limits);

  // For utf8 columns: allocate this many string bytes up front (a hint; buffers still grow).
  void ReserveStringBytes(int64_t bytes) {
    if (leaf_.type.storage() == Storage::kVarBytes && bytes > 0) {
      data_.Reserve(static_cast<size_t>(bytes));
    }
  }

  // Appends the `rows` rows of one column chunk whose pages are the bytes [begin, end) of the
  // file. `num_values` is the chunk's level count from its metadata (the loop bound for a LIST,
  // whose rows may continue from one v1 page onto the next).
  Status ReadChunk(const uint8_t* begin, const uint8_t* end, int32_t codec, int64_t rows,
                   int64_t num_values);

  // The column (validated; utf8 checked to be valid UTF-8).
  Result<Column> Finish();

 private:
  Status ReadDictionaryPage(const PageHeader& h, const uint8_t* data, size_t size);
  Status ReadDataPage(const PageHeader& h, const uint8_t* data, size_t size, int64_t rows_left);
  // A LIST page's levels: appends the rows they start to the list offsets and validity and
  // their items' validity bits at length_; *items and *valid get the page's item counts.
  Status DecodeListLevels(const uint8_t* rep, size_t rep_size, const uint8_t* def, size_t def_size,
                          int64_t n, bool v2, int64_t rows_left, int64_t* rows_started,
                          int64_t* items, int64_t* valid);
  // The items of a LIST as the column: a list column over them, or a fixed-size list (offsets
  // checked against the size, null lists spread to whole null vectors).
  Result<Column> FinishList(Column items);
  // Decompresses [data, data+size) to `out_size` bytes; *out points at them afterwards (the
  // input itself when uncompressed).
  Status Inflate(const uint8_t* data, size_t size, size_t out_size, const uint8_t** out);
  // Decodes `n` rows whose definition levels are given (levels == nullptr for required columns)
  // and whose `valid` values are encoded in [data, data+size).
  // Fails when `size` bytes cannot hold `valid` values in `encoding` (a lower bound).
  Status CheckValueBytes(int32_t encoding, int64_t valid, size_t size) const;
  Status DecodeRows(int32_t encoding, const uint8_t* data, size_t size, int64_t n, int64_t valid);
  Status DecodeFixed(int32_t encoding, const uint8_t* data, size_t size, int64_t valid,
                     uint8_t* dst);
  Status DecodeBool(int32_t encoding, const uint8_t* data, size_t size, int64_t n, int64_t valid);
  Status DecodeStrings(int32_t encoding, const uint8_t* data, size_t size, int64_t valid,
                       int32_t* ends);
  Status AppendString(const uint8_t* p, size_t len, int32_t* end);
  Status DecodeDictIndices(const uint8_t* data, size_t size, int64_t valid);
  Status NarrowInt32(const int32_t* in, int64_t n, uint8_t* dst);
  // INT96 timestamps (12 bytes: nanoseconds of the day, Julian day) -> int64 nanoseconds.
  Status ConvertInt96(const uint8_t* in, int64_t n, uint8_t* dst);
  void SpreadFixed(uint8_t* base, int64_t n, int64_t valid);
  void SpreadOffsets(int32_t* ends, int64_t n, int64_t valid);
  Status Error(const std::string& what) const;

  LeafColumn leaf_;
  int out_width_ = 0;   // bytes per value in the output (0 for utf8 and bool)
  int phys_width_ = 0;  // bytes per PLAIN value (INT32 4, INT64 8, FLBA type_length, ...)
  DecoderLimits limits_;
  Decompressor decompressor_;
  int32_t codec_ = kUncompressed;

  // Output (for a LIST: the items; length_ counts items).
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  BufferBuilder validity_;
  BufferBuilder values_;
  BufferBuilder data_;
  // LIST output: a start offset per row (the end one is added by Finish) and the row validity.
  int64_t rows_ = 0;
  int64_t null_rows_ = 0;
  BufferBuilder list_offsets_;
  BufferBuilder list_validity_;
  // LIST state within the current chunk: a row is open (a v1 page may continue it) and it has
  // items (a null or empty list cannot continue).
  int64_t page_values_ = 0;  // level entries of the last data page
  bool row_open_ = false;
  bool row_has_items_ = false;
  uint32_t row_def_ = 0;  // the definition level that started the open row
  std::vector<uint32_t> rep_buf_;
  std::vector<uint32_t> def_buf_;

  // Dictionary of the current chunk, already in output form: fixed-width values (out_width_
  // bytes each), bools (one byte each), or strings (offsets into dict_data_).
  bool has_dict_ = false;
  int64_t dict_count_ = 0;
  std::vector<uint8_t> dict_fixed_;
  std::vector<uint32_t> dict_offsets_;
  std::vector<uint8_t> dict_data_;

  // Per-page scratch, reused.
  std::unique_ptr<uint8_t[]> page_buf_;
  size_t page_cap_ = 0;
  std::vector<uint32_t> indices_;
  std::vector<int64_t> i64_;
  std::vector<int64_t> i64b_;
  std::vector<int32_t> i32_;
  std::vector<uint8_t> bytes_;
  std::string prev_;  // DELTA_BYTE_ARRAY: the previous value
};

}  // namespace murr::parquet
