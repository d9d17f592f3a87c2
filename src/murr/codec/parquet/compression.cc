#include "murr/codec/parquet/compression.h"

#include <cstring>
#include <string>

#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "murr/codec/parquet/metadata.h"

namespace murr::parquet {
namespace {

Status CodecError(int32_t codec, const std::string& what) {
  return Status::InvalidArgument(std::string("invalid Parquet file: ") + CodecName(codec) +
                                 " page does not decompress: " + what);
}

Status SizeMismatch(int32_t codec, size_t got, size_t want) {
  return CodecError(
      codec, "got " + std::to_string(got) + " bytes, the page header says " + std::to_string(want));
}

uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Status Gunzip(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  if (in_size > UINT32_MAX || out_size > UINT32_MAX) return CodecError(kGzip, "page too large");
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  // 15 + 32: accept both gzip and zlib headers (writers differ).
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return CodecError(kGzip, "inflateInit2 failed");
  zs.next_in = const_cast<Bytef*>(in);
  zs.avail_in = static_cast<uInt>(in_size);
  zs.next_out = out;
  zs.avail_out = static_cast<uInt>(out_size);
  Status st;
  while (true) {
    int rc = inflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members: continue while input and output space remain.
      if (zs.avail_in > 0 && zs.avail_out > 0) {
        if (inflateReset(&zs) != Z_OK) {
          st = CodecError(kGzip, "inflateReset failed");
          break;
        }
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_out == 0) {
      st = CodecError(kGzip, "more data than the page header says");
    } else {
      st = CodecError(kGzip, zs.msg ? zs.msg : ("zlib error " + std::to_string(rc)));
    }
    break;
  }
  size_t produced = out_size - zs.avail_out;
  inflateEnd(&zs);
  MURR_RETURN_IF_ERROR(st);
  if (produced != out_size) return SizeMismatch(kGzip, produced, out_size);
  return Status::OK();
}

bool Lz4Block(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  if (in_size > INT32_MAX || out_size > INT32_MAX) return false;
  int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in), reinterpret_cast<char*>(out),
                              static_cast<int>(in_size), static_cast<int>(out_size));
  return n >= 0 && static_cast<size_t>(n) == out_size;
}

// Hadoop's framing: blocks of [u32 BE decompressed size][u32 BE compressed size][LZ4 block].
bool Lz4Hadoop(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  size_t in_pos = 0;
  size_t out_pos = 0;
  while (in_pos < in_size) {
    if (in_size - in_pos < 8) return false;
    uint32_t raw = LoadBigEndian32(in + in_pos);
    uint32_t compressed = LoadBigEndian32(in + in_pos + 4);
    in_pos += 8;
    if (compressed > in_size - in_pos || raw > out_size - out_pos) return false;
    if (!Lz4Block(in + in_pos, compressed, out + out_pos, raw)) return false;
    in_pos += compressed;
    out_pos += raw;
  }
  return out_pos == out_size;
}

bool Lz4Frame(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  if (in_size < 4) return false;
  static const uint8_t kMagic[4] = {0x04, 0x22, 0x4d, 0x18};
  if (std::memcmp(in, kMagic, 4) != 0) return false;
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) return false;
  size_t in_pos = 0;
  size_t out_pos = 0;
  bool ok = true;
  while (true) {
    size_t src = in_size - in_pos;
    size_t dst = out_size - out_pos;
    size_t hint = LZ4F_decompress(ctx, out + out_pos, &dst, in + in_pos, &src, nullptr);
    if (LZ4F_isError(hint)) {
      ok = false;
      break;
    }
    in_pos += src;
    out_pos += dst;
    if (hint == 0) break;  // frame complete
    if (src == 0 && dst == 0) {
      ok = false;  // no progress: truncated input or output full
      break;
    }
  }
  LZ4F_freeDecompressionContext(ctx);
  return ok && out_pos == out_size && in_pos == in_size;
}

}  // namespace

bool IsSupportedCodec(int32_t codec) {
  switch (codec) {
    case kUncompressed:
    case kSnappy:
    case kGzip:
    case kBrotli:
    case kLz4:
    case kZstd:
    case kLz4Raw:
      return true;
    default:
      return false;
  }
}

Decompressor::~Decompressor() {
  ZSTD_freeDCtx(zstd_);
}

size_t Decompressor::MaxDecompressedSize(int32_t codec, const uint8_t* in, size_t in_size) {
  constexpr size_t kMax = SIZE_MAX;
  switch (codec) {
    case kUncompressed:
      return in_size;
    case kSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(in), in_size, &n)) return 0;
      return n;
    }
    case kGzip:
      return in_size > kMax / 1040 ? kMax : in_size * 1040 + 1024;
    case kLz4:
    case kLz4Raw:
      return in_size > kMax / 256 ? kMax : in_size * 256 + 64;
    default:
      return kMax;
  }
}

Status Decompressor::Decompress(int32_t codec, const uint8_t* in, size_t in_size, uint8_t* out,
                                size_t out_size) {
  switch (codec) {
    case kUncompressed:
      if (in_size != out_size) return SizeMismatch(codec, in_size, out_size);
      if (out_size) std::memcpy(out, in, out_size);
      return Status::OK();
    case kSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(in), in_size, &n)) {
        return CodecError(codec, "bad length header");
      }
      if (n != out_size) return SizeMismatch(codec, n, out_size);
      if (!snappy::RawUncompress(reinterpret_cast<const char*>(in), in_size,
                                 reinterpret_cast<char*>(out))) {
        return CodecError(codec, "corrupt data");
      }
      return Status::OK();
    }
    case kGzip:
      return Gunzip(in, in_size, out, out_size);
    case kBrotli: {
      size_t n = out_size;
      if (BrotliDecoderDecompress(in_size, in, &n, out) != BROTLI_DECODER_RESULT_SUCCESS) {
        return CodecError(codec, "corrupt data or more data than the page header says");
      }
      if (n != out_size) return SizeMismatch(codec, n, out_size);
      return Status::OK();
    }
    case kZstd: {
      if (!zstd_) zstd_ = ZSTD_createDCtx();
      if (!zstd_) return Status::ResourceExhausted("cannot create a ZSTD context");
      size_t n = ZSTD_decompressDCtx(zstd_, out, out_size, in, in_size);
      if (ZSTD_isError(n)) return CodecError(codec, ZSTD_getErrorName(n));
      if (n != out_size) return SizeMismatch(codec, n, out_size);
      return Status::OK();
    }
    case kLz4Raw:
      if (!Lz4Block(in, in_size, out, out_size)) return CodecError(codec, "corrupt LZ4 block");
      return Status::OK();
    case kLz4:
      // The legacy codec: Hadoop framing as parquet-mr writes it; older parquet-cpp wrote a raw
      // block and some writers an LZ4 frame. Try them in that order, as other readers do.
      if (Lz4Hadoop(in, in_size, out, out_size)) return Status::OK();
      if (Lz4Block(in, in_size, out, out_size)) return Status::OK();
      if (Lz4Frame(in, in_size, out, out_size)) return Status::OK();
      return CodecError(codec, "neither Hadoop-framed, raw block nor frame LZ4");
    default:
      return Status::Unimplemented(std::string("Parquet compression codec ") + CodecName(codec) +
                                   " (" + std::to_string(codec) + ") is not supported");
  }
}

}  // namespace murr::parquet
