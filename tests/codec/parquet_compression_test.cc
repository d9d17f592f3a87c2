// Page decompression for every codec: data compressed here with the codec libraries' own
// encoders must come back byte for byte; wrong sizes and corrupt bytes are errors.
#include <cstring>
#include <string>

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "murr/codec/parquet/compression.h"
#include "murr/codec/parquet/metadata.h"

namespace murr::parquet {
namespace {

std::string Sample() {
  std::string s;
  for (int i = 0; i < 20000; ++i) s += "row " + std::to_string(i * 7919 % 1000) + ";";
  return s;
}

std::string Snappy(const std::string& in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

std::string Gzip(const std::string& in, int window_bits) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  out.resize(n);
  return out;
}

std::string Lz4Block(const std::string& in) {
  std::string out(LZ4_compressBound(static_cast<int>(in.size())), '\0');
  int n = LZ4_compress_default(in.data(), out.data(), static_cast<int>(in.size()),
                               static_cast<int>(out.size()));
  out.resize(n);
  return out;
}

std::string BigEndian32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

// Hadoop framing, in two blocks.
std::string Lz4Hadoop(const std::string& in) {
  std::string out;
  size_t half = in.size() / 2;
  for (auto part : {in.substr(0, half), in.substr(half)}) {
    std::string c = Lz4Block(part);
    out += BigEndian32(static_cast<uint32_t>(part.size())) +
           BigEndian32(static_cast<uint32_t>(c.size())) + c;
  }
  return out;
}

std::string Lz4Frame(const std::string& in) {
  std::string out(LZ4F_compressFrameBound(in.size(), nullptr), '\0');
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
  out.resize(n);
  return out;
}

std::string Brotli(const std::string& in) {
  size_t n = BrotliEncoderMaxCompressedSize(in.size());
  std::string out(n, '\0');
  EXPECT_TRUE(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                                    reinterpret_cast<const uint8_t*>(in.data()), &n,
                                    reinterpret_cast<uint8_t*>(out.data())));
  out.resize(n);
  return out;
}

Status RunCodec(Decompressor& d, int32_t codec, const std::string& in, std::string* out,
                size_t size) {
  out->assign(size, '\0');
  return d.Decompress(codec, reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                      reinterpret_cast<uint8_t*>(out->data()), size);
}

struct CodecCase {
  const char* name;
  int32_t codec;
  std::string (*compress)(const std::string&);
};

std::string GzipGz(const std::string& in) {
  return Gzip(in, 15 + 16);
}
std::string GzipZlib(const std::string& in) {
  return Gzip(in, 15);
}
std::string Identity(const std::string& in) {
  return in;
}

const CodecCase kCases[] = {
    {"uncompressed", kUncompressed, Identity},
    {"snappy", kSnappy, Snappy},
    {"gzip", kGzip, GzipGz},
    {"gzip_zlib_header", kGzip, GzipZlib},
    {"zstd", kZstd, Zstd},
    {"lz4_raw", kLz4Raw, Lz4Block},
    {"lz4_hadoop", kLz4, Lz4Hadoop},
    {"lz4_legacy_raw_block", kLz4, Lz4Block},
    {"lz4_legacy_frame", kLz4, Lz4Frame},
    {"brotli", kBrotli, Brotli},
};

TEST(ParquetCompression, EveryCodecRoundTrips) {
  const std::string data = Sample();
  for (const CodecCase& c : kCases) {
    SCOPED_TRACE(c.name);
    Decompressor d;
    std::string compressed = c.compress(data);
    std::string out;
    Status st = RunCodec(d, c.codec, compressed, &out, data.size());
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(out, data);
    // Reusing the decompressor (contexts are kept) works too.
    ASSERT_TRUE(RunCodec(d, c.codec, compressed, &out, data.size()).ok());
    EXPECT_EQ(out, data);
    // An empty page.
    std::string empty_c = c.compress("");
    EXPECT_TRUE(RunCodec(d, c.codec, empty_c, &out, 0).ok());
  }
}

TEST(ParquetCompression, WrongSizeClaimsAreErrors) {
  const std::string data = Sample();
  for (const CodecCase& c : kCases) {
    SCOPED_TRACE(c.name);
    Decompressor d;
    std::string compressed = c.compress(data);
    std::string out;
    EXPECT_FALSE(RunCodec(d, c.codec, compressed, &out, data.size() - 1).ok());
    EXPECT_FALSE(RunCodec(d, c.codec, compressed, &out, data.size() + 1).ok());
  }
}

TEST(ParquetCompression, CorruptAndTruncatedInputIsAnErrorNotACrash) {
  const std::string data = Sample();
  for (const CodecCase& c : kCases) {
    if (c.codec == kUncompressed) continue;
    SCOPED_TRACE(c.name);
    Decompressor d;
    std::string compressed = c.compress(data);
    std::string out;
    for (size_t cut : {size_t{0}, size_t{1}, compressed.size() / 2, compressed.size() - 1}) {
      EXPECT_FALSE(RunCodec(d, c.codec, compressed.substr(0, cut), &out, data.size()).ok()) << cut;
    }
    // Flipped bytes: must not crash (may or may not be detected by codecs without checksums).
    uint32_t x = 12345;
    for (int trial = 0; trial < 200; ++trial) {
      std::string bad = compressed;
      x = x * 1103515245 + 12345;
      bad[x % bad.size()] ^= static_cast<char>(1 + (x >> 16) % 255);
      Status st = RunCodec(d, c.codec, bad, &out, data.size());
      (void)st;
    }
  }
}

TEST(ParquetCompression, UnsupportedCodecsAreUnimplemented) {
  Decompressor d;
  std::string out;
  Status st = RunCodec(d, kLzo, "abc", &out, 3);
  EXPECT_EQ(st.code(), StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("LZO"), std::string::npos);
  EXPECT_FALSE(IsSupportedCodec(kLzo));
  EXPECT_FALSE(IsSupportedCodec(99));
  EXPECT_TRUE(IsSupportedCodec(kLz4Raw));
}

}  // namespace
}  // namespace murr::parquet
