#include "murr/codec/parquet/encoding.h"

namespace murr::parquet {

Status EncodingError(const std::string& what) {
  return Status::InvalidArgument("invalid Parquet file: " + what);
}

Status ReadUleb128(const uint8_t* data, size_t size, size_t* pos, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= size) return EncodingError("truncated varint in page data");
    uint8_t b = data[(*pos)++];
    if (shift == 63 && (b & 0x7e) != 0) return EncodingError("varint overflows 64 bits");
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return Status::OK();
    }
  }
  return EncodingError("varint longer than 10 bytes in page data");
}

void UnpackBits32(const uint8_t* data, size_t size, uint64_t first, int bit_width, int64_t count,
                  uint32_t* out) {
  if (bit_width == 0) {
    std::fill(out, out + count, 0u);
    return;
  }
  const uint64_t mask = (uint64_t{1} << bit_width) - 1;
  uint64_t bit = first * static_cast<uint64_t>(bit_width);
  int64_t i = 0;
  // Fast path while 8 bytes can be loaded in place.
  for (; i < count; ++i, bit += static_cast<uint64_t>(bit_width)) {
    size_t byte = static_cast<size_t>(bit >> 3);
    if (byte + 8 > size) break;
    uint64_t word;
    std::memcpy(&word, data + byte, 8);
    out[i] = static_cast<uint32_t>((word >> (bit & 7)) & mask);
  }
  for (; i < count; ++i) {
    out[i] =
        static_cast<uint32_t>(UnpackOne(data, size, first + static_cast<uint64_t>(i), bit_width));
  }
}

Status RleBitPackedDecoder::NextRun() {
  if (bit_width_ < 0 || bit_width_ > 32) {
    return EncodingError("RLE bit width " + std::to_string(bit_width_) + " out of range");
  }
  if (pos_ >= size_) return EncodingError("RLE/bit-packed data ends before all values were read");
  uint64_t header;
  MURR_RETURN_IF_ERROR(ReadUleb128(data_, size_, &pos_, &header));
  if (header > UINT32_MAX) return EncodingError("RLE run header too large");
  uint64_t count = header >> 1;
  if (header & 1) {
    // Bit-packed: count groups of 8 values, count * bit_width bytes. A run cut short by the end
    // of the data keeps the values that are complete (writers may truncate the last run).
    uint64_t bytes = count * static_cast<uint64_t>(bit_width_);
    uint64_t avail = std::min<uint64_t>(bytes, size_ - pos_);
    literal_data_ = data_ + pos_;
    literal_size_ = static_cast<size_t>(avail);
    literal_index_ = 0;
    literal_left_ = bit_width_ == 0 ? static_cast<int64_t>(count * 8)
                                    : static_cast<int64_t>(avail * 8 / bit_width_);
    pos_ += static_cast<size_t>(avail);
  } else {
    if (static_cast<size_t>(value_bytes_) > size_ - pos_) {
      return EncodingError("RLE run value truncated");
    }
    uint32_t v = 0;
    for (int i = 0; i < value_bytes_; ++i) v |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(value_bytes_);
    if (bit_width_ < 32 && (v >> bit_width_) != 0) {
      return EncodingError("RLE run value " + std::to_string(v) + " wider than " +
                           std::to_string(bit_width_) + " bits");
    }
    repeat_value_ = v;
    repeat_left_ = static_cast<int64_t>(count);
  }
  return Status::OK();
}

Status RleBitPackedDecoder::Decode(uint32_t* out, int64_t n) {
  return Visit(
      n,
      [&](uint32_t v, int64_t c) {
        std::fill(out, out + c, v);
        out += c;
      },
      [&](const uint32_t* v, int64_t c) {
        std::memcpy(out, v, static_cast<size_t>(c) * sizeof(uint32_t));
        out += c;
      });
}

Status DeltaBinaryPackedDecoder::Init(const uint8_t* data, size_t size, int64_t max_values) {
  data_ = data;
  size_ = size;
  pos_ = 0;
  uint64_t total, first;
  MURR_RETURN_IF_ERROR(ReadUleb128(data_, size_, &pos_, &block_size_));
  MURR_RETURN_IF_ERROR(ReadUleb128(data_, size_, &pos_, &miniblocks_));
  MURR_RETURN_IF_ERROR(ReadUleb128(data_, size_, &pos_, &total));
  MURR_RETURN_IF_ERROR(ReadUleb128(data_, size_, &pos_, &first));
  if (block_size_ == 0 || block_size_ % 128 != 0 || block_size_ > (1u << 20)) {
    return EncodingError("DELTA_BINARY_PACKED block size " + std::to_string(block_size_) +
                         " is not a multiple of 128 in (0, 2^20]");
  }
  if (miniblocks_ == 0 || block_size_ % miniblocks_ != 0 || (block_size_ / miniblocks_) % 32 != 0) {
    return EncodingError("DELTA_BINARY_PACKED block of " + std::to_string(block_size_) +
                         " values cannot hold " + std::to_string(miniblocks_) +
                         " miniblocks of a multiple of 32 values");
  }
  values_per_miniblock_ = block_size_ / miniblocks_;
  if (total > static_cast<uint64_t>(max_values)) {
    return EncodingError("DELTA_BINARY_PACKED header claims " + std::to_string(total) +
                         " values where at most " + std::to_string(max_values) + " fit");
  }
  total_values_ = static_cast<int64_t>(total);
  emitted_ = 0;
  last_ = (first >> 1) ^ (~(first & 1) + 1);
  miniblock_index_ = miniblocks_;
  mb_data_ = nullptr;
  mb_size_ = 0;
  mb_index_ = values_per_miniblock_;
  position_ = pos_;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::StartBlock() {
  uint64_t zz;
  MURR_RETURN_IF_ERROR(ReadUleb128(data_, size_, &pos_, &zz));
  min_delta_ = (zz >> 1) ^ (~(zz & 1) + 1);
  if (miniblocks_ > size_ - pos_) return EncodingError("DELTA_BINARY_PACKED bit widths truncated");
  widths_ = data_ + pos_;
  pos_ += static_cast<size_t>(miniblocks_);
  miniblock_index_ = 0;
  position_ = pos_;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::StartMiniblock() {
  if (miniblock_index_ >= miniblocks_) MURR_RETURN_IF_ERROR(StartBlock());
  int width = widths_[miniblock_index_++];
  if (width > 64) {
    return EncodingError("DELTA_BINARY_PACKED miniblock bit width " + std::to_string(width));
  }
  uint64_t bytes = values_per_miniblock_ * static_cast<uint64_t>(width) / 8;
  if (bytes > size_ - pos_) return EncodingError("DELTA_BINARY_PACKED miniblock truncated");
  mb_data_ = data_ + pos_;
  mb_size_ = static_cast<size_t>(bytes);
  mb_width_ = width;
  mb_index_ = 0;
  pos_ += mb_size_;
  position_ = pos_;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::Decode(int64_t* out, int64_t n) {
  if (n > values_left()) {
    return EncodingError("DELTA_BINARY_PACKED data holds " + std::to_string(values_left()) +
                         " more values, " + std::to_string(n) + " needed");
  }
  int64_t i = 0;
  if (n > 0 && emitted_ == 0) {
    out[i++] = static_cast<int64_t>(last_);
    ++emitted_;
  }
  while (i < n) {
    if (mb_index_ >= values_per_miniblock_) MURR_RETURN_IF_ERROR(StartMiniblock());
    int64_t c = std::min<int64_t>(n - i, static_cast<int64_t>(values_per_miniblock_ - mb_index_));
    for (int64_t k = 0; k < c; ++k) {
      last_ += min_delta_ + UnpackOne(mb_data_, mb_size_, mb_index_ + k, mb_width_);
      out[i + k] = static_cast<int64_t>(last_);
    }
    mb_index_ += static_cast<uint64_t>(c);
    i += c;
    emitted_ += c;
  }
  return Status::OK();
}

Status ByteStreamSplitDecode(const uint8_t* data, size_t size, int width, int64_t n, uint8_t* out) {
  if (static_cast<uint64_t>(n) * static_cast<uint64_t>(width) != size) {
    return EncodingError("BYTE_STREAM_SPLIT data of " + std::to_string(size) +
                         " bytes does not hold " + std::to_string(n) + " values of " +
                         std::to_string(width) + " bytes");
  }
  const size_t stride = static_cast<size_t>(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int b = 0; b < width; ++b) out[i * width + b] = data[b * stride + i];
  }
  return Status::OK();
}

}  // namespace murr::parquet
