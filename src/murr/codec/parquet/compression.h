// Page decompression for the Parquet codecs: UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD, LZ4_RAW
// and the legacy LZ4 (Hadoop framing, falling back to a raw LZ4 block or an LZ4 frame as other
// readers do). The output size is always known in advance (the page header's claim, capped by the
// caller) and the decompressed size must match it exactly, so a page can never expand past its
// buffer. A Decompressor keeps per-codec contexts for reuse; it is not thread-safe (one per
// thread).
#pragma once

#include <cstddef>
#include <cstdint>

#include "murr/core/status.h"

struct ZSTD_DCtx_s;

namespace murr::parquet {

class Decompressor {
 public:
  Decompressor() = default;
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Decompresses [in, in+in_size) with `codec` (a parquet Codec value) into exactly `out_size`
  // bytes at `out`. Any other outcome (corrupt input, a different size) is InvalidArgument.
  Status Decompress(int32_t codec, const uint8_t* in, size_t in_size, uint8_t* out,
                    size_t out_size);

  // An upper bound on what `in_size` compressed bytes can decompress to with `codec`, used to
  // refuse a page header's size claim before allocating for it: exact for SNAPPY (its length
  // header), the format's maximum ratio for GZIP (~1032:1) and LZ4 (~255:1), unbounded (SIZE_MAX)
  // for ZSTD and BROTLI, whose pages the caller caps by its page size limit only.
  static size_t MaxDecompressedSize(int32_t codec, const uint8_t* in, size_t in_size);

 private:
  ZSTD_DCtx_s* zstd_ = nullptr;
};

// True when the codec is one this reader decompresses.
bool IsSupportedCodec(int32_t codec);

}  // namespace murr::parquet
