// Decoders for the Parquet value and level encodings, over bytes in memory:
//   - bit unpacking (LSB-first, as RLE/bit-packed hybrid and DELTA_BINARY_PACKED use it),
//   - RleBitPackedDecoder: the RLE / bit-packing hybrid (levels, dictionary indices, booleans),
//   - DeltaBinaryPackedDecoder: DELTA_BINARY_PACKED (and the lengths inside the two
//     DELTA_*_BYTE_ARRAY encodings),
//   - ByteStreamSplitDecode: BYTE_STREAM_SPLIT.
// Every read is bounds-checked; running out of bytes is InvalidArgument. Decoders are small
// single-threaded state machines over borrowed bytes; functions are pure.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "murr/core/status.h"

namespace murr::parquet {

Status EncodingError(const std::string& what);

// Reads the `bit_width`-bit value number `index` of an LSB-first packed array of `size` bytes
// (bit_width <= 64). The caller checks that the value lies inside the array.
inline uint64_t UnpackOne(const uint8_t* data, size_t size, uint64_t index, int bit_width) {
  if (bit_width == 0) return 0;
  uint64_t bit = index * static_cast<uint64_t>(bit_width);
  size_t byte = static_cast<size_t>(bit >> 3);
  if (byte >= size) return 0;
  int shift = static_cast<int>(bit & 7);
  uint64_t word = 0;
  if (byte + 8 <= size) {
    std::memcpy(&word, data + byte, 8);
  } else {
    std::memcpy(&word, data + byte, size - byte);
  }
  uint64_t v = word >> shift;
  if (shift + bit_width > 64) {
    uint8_t next = byte + 8 < size ? data[byte + 8] : 0;
    v |= static_cast<uint64_t>(next) << (64 - shift);
  }
  return bit_width == 64 ? v : (v & ((uint64_t{1} << bit_width) - 1));
}

// Unpacks `count` values starting at value `first` of an LSB-first packed array (bit_width <= 32).
void UnpackBits32(const uint8_t* data, size_t size, uint64_t first, int bit_width, int64_t count,
                  uint32_t* out);

// The RLE / bit-packing hybrid without its optional 4-byte length prefix.
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width)
      : data_(data), size_(size), bit_width_(bit_width), value_bytes_((bit_width + 7) / 8) {}

  int bit_width() const { return bit_width_; }

  // Visits exactly `n` values as runs: on_repeat(value, count) for RLE runs and
  // on_literal(const uint32_t* values, count) for bit-packed ones. Errors when the data ends
  // before n values, or when bit_width is outside [0, 32].
  template <typename OnRepeat, typename OnLiteral>
  Status Visit(int64_t n, OnRepeat&& on_repeat, OnLiteral&& on_literal) {
    while (n > 0) {
      if (repeat_left_ > 0) {
        int64_t c = std::min(n, repeat_left_);
        on_repeat(repeat_value_, c);
        repeat_left_ -= c;
        n -= c;
      } else if (literal_left_ > 0) {
        int64_t c = std::min(std::min(n, literal_left_), kChunk);
        UnpackBits32(literal_data_, literal_size_, literal_index_, bit_width_, c, scratch_);
        on_literal(static_cast<const uint32_t*>(scratch_), c);
        literal_index_ += static_cast<uint64_t>(c);
        literal_left_ -= c;
        n -= c;
      } else {
        MURR_RETURN_IF_ERROR(NextRun());
      }
    }
    return Status::OK();
  }

  // Decodes exactly n values.
  Status Decode(uint32_t* out, int64_t n);

 private:
  static constexpr int64_t kChunk = 512;
  Status NextRun();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  int bit_width_ = 0;
  int value_bytes_ = 0;
  int64_t repeat_left_ = 0;
  uint32_t repeat_value_ = 0;
  int64_t literal_left_ = 0;
  const uint8_t* literal_data_ = nullptr;
  size_t literal_size_ = 0;
  uint64_t literal_index_ = 0;
  uint32_t scratch_[kChunk];
};

// DELTA_BINARY_PACKED. Values are computed with wrapping 64-bit arithmetic; an INT32 column
// takes the low 32 bits (which is the spec's 32-bit wrapping).
class DeltaBinaryPackedDecoder {
 public:
  // Reads the header. `max_values` caps the total count the header may claim.
  Status Init(const uint8_t* data, size_t size, int64_t max_values);
  int64_t total_values() const { return total_values_; }
  int64_t values_left() const { return total_values_ - emitted_; }
  // Decodes the next n values (n <= values_left()).
  Status Decode(int64_t* out, int64_t n);
  // Bytes consumed so far: once every value is decoded, where the following data begins.
  size_t position() const { return position_; }

 private:
  Status StartBlock();
  Status StartMiniblock();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;       // next unread byte
  size_t position_ = 0;  // end of the consumed region (end of the current miniblock)
  uint64_t block_size_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t values_per_miniblock_ = 0;
  int64_t total_values_ = 0;
  int64_t emitted_ = 0;
  uint64_t last_ = 0;
  uint64_t min_delta_ = 0;
  const uint8_t* widths_ = nullptr;
  uint64_t miniblock_index_ = 0;  // within the block; == miniblocks_ when a new block is due
  const uint8_t* mb_data_ = nullptr;
  size_t mb_size_ = 0;
  int mb_width_ = 0;
  uint64_t mb_index_ = 0;  // values consumed in the current miniblock
};

// BYTE_STREAM_SPLIT: `n` values of `width` bytes from `width` streams of n bytes each
// (size must be exactly n * width).
Status ByteStreamSplitDecode(const uint8_t* data, size_t size, int width, int64_t n, uint8_t* out);

// Reads an unsigned LEB128 varint of at most 64 bits.
Status ReadUleb128(const uint8_t* data, size_t size, size_t* pos, uint64_t* v);

}  // namespace murr::parquet
