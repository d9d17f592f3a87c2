#include "murr/columnar/buffer.h"

#include <bit>
#include <cstdlib>
#include <new>

namespace murr {
namespace {

uint8_t* AlignedAlloc(size_t capacity) {
  void* p = std::aligned_alloc(kBufferAlignment, capacity == 0 ? kBufferAlignment : capacity);
  if (!p) throw std::bad_alloc();
  return static_cast<uint8_t*>(p);
}

}  // namespace

Buffer Buffer::AllocateForOverwrite(size_t size) {
  // One allocation holds the shared_ptr's control block and the bytes (64 more, to align them):
  // a read's reply buffers are allocated per request, and a separate control block was a
  // second malloc and free for each.
  const size_t cap = RoundUp64(size);
  std::shared_ptr<uint8_t[]> block =
      std::make_shared_for_overwrite<uint8_t[]>(cap + kBufferAlignment);
  uint8_t* p = block.get();
  p += (kBufferAlignment - reinterpret_cast<uintptr_t>(p) % kBufferAlignment) % kBufferAlignment;
  if (cap > size) std::memset(p + size, 0, cap - size);
  return Buffer(p, size, std::shared_ptr<const void>(std::move(block), p));
}

Buffer Buffer::Allocate(size_t size) {
  Buffer b = AllocateForOverwrite(size);  // zeroes the padding
  if (size) std::memset(b.mutable_data(), 0, size);
  return b;
}

Buffer Buffer::Copy(const void* data, size_t size) {
  Buffer b = AllocateForOverwrite(size);
  if (size) std::memcpy(b.mutable_data(), data, size);
  return b;
}

BufferBuilder::~BufferBuilder() {
  std::free(data_);
}

BufferBuilder::BufferBuilder(BufferBuilder&& o) noexcept
    : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
  o.data_ = nullptr;
  o.size_ = o.capacity_ = 0;
}

BufferBuilder& BufferBuilder::operator=(BufferBuilder&& o) noexcept {
  if (this != &o) {
    std::free(data_);
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  return *this;
}

void BufferBuilder::Reserve(size_t capacity) {
  if (capacity > capacity_) Grow(capacity);
}

void BufferBuilder::Grow(size_t min_capacity) {
  size_t cap = capacity_ ? capacity_ : 64;
  while (cap < min_capacity) cap *= 2;
  cap = RoundUp64(cap);
  uint8_t* p = AlignedAlloc(cap);
  if (size_) std::memcpy(p, data_, size_);
  std::free(data_);
  data_ = p;
  capacity_ = cap;
}

Buffer BufferBuilder::Finish() {
  if (!data_) return Buffer::Allocate(0);
  // Zero the padding so that the bytes past size() are deterministic (written to files as is).
  std::memset(data_ + size_, 0, RoundUp64(size_) - size_);
  uint8_t* p = data_;
  size_t n = size_;
  data_ = nullptr;
  size_ = capacity_ = 0;
  return Buffer(
      p, n, std::shared_ptr<const void>(p, [](const void* q) { std::free(const_cast<void*>(q)); }));
}

int64_t CountSetBits(const uint8_t* bits, int64_t n) {
  int64_t count = 0;
  int64_t full = n / 8;
  int64_t i = 0;
  for (; i + 8 <= full; i += 8) {
    uint64_t w;
    std::memcpy(&w, bits + i, 8);
    count += std::popcount(w);
  }
  for (; i < full; ++i) count += std::popcount(static_cast<unsigned>(bits[i]));
  for (int64_t b = full * 8; b < n; ++b) count += GetBit(bits, b);
  return count;
}

}  // namespace murr
