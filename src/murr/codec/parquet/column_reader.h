// ColumnChunkDecoder: decodes the pages of one flat Parquet column, chunk after chunk (one per
// row group), straight into the Arrow-layout buffers of one murr::Column: definition levels
// become the validity bitmap, PLAIN numbers are copied in place, dictionary indices gather from
// the decoded dictionary, strings append to the data buffer. Single-threaded; one per column.
#pragma once

#include <cstdint>
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
};

class ColumnChunkDecoder {
 public:
  // `expected_rows`: rows over all chunks (checked by the caller against the limits);
  // `reserve_rows`: how many rows to allocate up front.
  ColumnChunkDecoder(const LeafColumn& leaf, int64_t reserve_rows, int64_t max_page_bytes);

  // For utf8 columns: allocate this many string bytes up front (a hint; buffers still grow).
  void ReserveStringBytes(int64_t bytes) {
    if (leaf_.type.storage() == Storage::kVarBytes && bytes > 0) {
      data_.Reserve(static_cast<size_t>(bytes));
    }
  }

  // Appends the `rows` rows of one column chunk whose pages are the bytes [begin, end) of the
  // file (`file` is the whole file, for messages only the range is read).
  Status ReadChunk(const uint8_t* begin, const uint8_t* end, int32_t codec, int64_t rows);

  // The column (validated; utf8 checked to be valid UTF-8).
  Result<Column> Finish();

 private:
  Status ReadDictionaryPage(const PageHeader& h, const uint8_t* data, size_t size);
  Status ReadDataPage(const PageHeader& h, const uint8_t* data, size_t size, int64_t rows_left);
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
  int64_t max_page_bytes_;
  Decompressor decompressor_;
  int32_t codec_ = kUncompressed;

  // Output.
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  BufferBuilder validity_;
  BufferBuilder values_;
  BufferBuilder data_;

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
