// Buffer: an immutable span of bytes that either owns its memory (64-byte aligned, zero-padded
// to a multiple of 64) or borrows it from an owner kept alive by a shared_ptr (a request body, an
// mmapped segment). BufferBuilder grows an owned, aligned buffer. Buffers are safe to share
// between threads once built; a BufferBuilder is single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace murr {

inline constexpr size_t kBufferAlignment = 64;

inline constexpr size_t RoundUp64(size_t n) {
  return (n + 63) & ~size_t{63};
}

class Buffer {
 public:
  Buffer() = default;
  // Borrows [data, data+size); `owner` keeps that memory alive (may be null for static memory).
  Buffer(const uint8_t* data, size_t size, std::shared_ptr<const void> owner)
      : data_(data), size_(size), owner_(std::move(owner)) {}

  // A zero-filled, 64-byte aligned buffer of `size` bytes (capacity rounded up to 64).
  static Buffer Allocate(size_t size);
  // The same without zeroing [0, size) (the padding up to the capacity is zeroed): for a caller
  // that writes every byte of it before anyone reads it.
  static Buffer AllocateForOverwrite(size_t size);
  // An owned, aligned copy of the given bytes.
  static Buffer Copy(const void* data, size_t size);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Writable pointer: only for a buffer just made by Allocate and not yet shared.
  uint8_t* mutable_data() const { return const_cast<uint8_t*>(data_); }
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data_);
  }
  // A view of [offset, offset+length) sharing the same owner. The caller checks the bounds.
  Buffer Slice(size_t offset, size_t length) const {
    return Buffer(data_ + offset, length, owner_);
  }
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

// Appends bytes into a growing 64-byte aligned allocation; Finish() hands it over as a Buffer.
class BufferBuilder {
 public:
  BufferBuilder() = default;
  ~BufferBuilder();
  BufferBuilder(const BufferBuilder&) = delete;
  BufferBuilder& operator=(const BufferBuilder&) = delete;
  BufferBuilder(BufferBuilder&& o) noexcept;
  BufferBuilder& operator=(BufferBuilder&& o) noexcept;

  void Reserve(size_t capacity);
  void Append(const void* p, size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    if (n) std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  template <typename T>
  void AppendValue(T v) {
    Append(&v, sizeof(T));
  }
  // Appends n zero bytes.
  void AppendZeros(size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    std::memset(data_ + size_, 0, n);
    size_ += n;
  }
  void Resize(size_t n) {
    if (n > capacity_) Grow(n);
    if (n > size_) std::memset(data_ + size_, 0, n - size_);
    size_ = n;
  }
  uint8_t* data() { return data_; }
  size_t size() const { return size_; }
  Buffer Finish();

 private:
  void Grow(size_t min_capacity);
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Bitmap helpers (Arrow layout: LSB-first within each byte).
inline bool GetBit(const uint8_t* bits, int64_t i) {
  return (bits[i >> 3] >> (i & 7)) & 1;
}
inline void SetBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
}
inline void ClearBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] &= static_cast<uint8_t>(~(1u << (i & 7)));
}
inline size_t BitmapBytes(int64_t n) {
  return static_cast<size_t>((n + 7) / 8);
}
// Number of set bits among the first n bits.
int64_t CountSetBits(const uint8_t* bits, int64_t n);

}  // namespace murr
