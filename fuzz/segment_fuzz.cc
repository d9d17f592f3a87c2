// Fuzzes Segment::Open on untrusted file bytes and reads everything of a segment that opens.
// Input: byte 0 is the mode (bit 0: verify checksums; bits 1..2: the schema, segment_schemas.h;
// bit 3: re-seal the footer checksum), the rest is the .seg file, written to a temporary file and
// mapped. Random bytes rarely pass the checksums, so modes open without the payload checksums
// and re-seal the footer's (which Open always checks) after mutation: then only the structural
// checks stand between the bytes and the reader. Properties: no crash, no leak, no UB, no hang; a
// failure is Corruption; an opened segment's columns validate, every value of every row reads,
// and the key index answers every key with a row in range (the row of that key when every
// checksum was verified and none re-sealed: such a file is what Segment::Write wrote).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fuzz_util.h"
#include "murr/core/file_util.h"
#include "murr/segment/key_index.h"
#include "murr/segment/segment.h"
#include "segment_schemas.h"

namespace {

// One file per process, rewritten for every input.
const std::string& TempSegmentPath() {
  static const std::string path = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string dir = base + "/murr-segment-fuzz-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    static std::string cleanup_dir = dir;
    std::atexit([] { std::filesystem::remove_all(cleanup_dir); });
    return dir + "/input.seg";
  }();
  return path;
}

void ReadEverything(const murr::Segment& seg, const murr::TableSchema& schema, bool verified) {
  const int64_t n = seg.num_rows();
  uint64_t sink = 0;
  for (size_t ci = 0; ci < schema.columns().size(); ++ci) {
    const murr::Column c = seg.ReadColumn(static_cast<int>(ci));
    FUZZ_CHECK(c.length == n, "column length differs from the row count");
    FUZZ_CHECK(c.type == schema.columns()[ci].type, "column type differs from the schema");
    murr::Status st = c.Validate();
    FUZZ_CHECK(st.ok(), st.ToString());
    for (int64_t r = 0; r < n; ++r) {
      if (c.IsNull(r)) continue;
      switch (c.type.storage()) {
        case murr::Storage::kVarBytes:
          sink += c.StringValue(r).size();
          break;
        case murr::Storage::kBit:
          sink += c.BoolValue(r);
          break;
        case murr::Storage::kFixed:
        case murr::Storage::kFixedList: {
          const int w = murr::FixedWidth(c.type);
          sink += c.values.data()[r * w + w - 1];
          break;
        }
        case murr::Storage::kList:
          // Validate checked the offsets against the items: touch the row's last item's slot.
          sink += static_cast<uint64_t>(c.ListEnd(r) - c.ListBegin(r));
          break;
      }
    }
  }
  const murr::Column& keys = seg.keys();
  std::vector<std::string_view> probe;
  for (int64_t r = 0; r < n; ++r) probe.push_back(keys.StringValue(r));
  probe.push_back("");
  probe.push_back("no such key, longer than any inline copy of a key");
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> idx;
  for (size_t i = 0; i < probe.size(); ++i) {
    hashes.push_back(murr::HashKey(probe[i]));
    idx.push_back(static_cast<uint32_t>(i));
  }
  std::vector<int64_t> rows(probe.size(), -2);
  seg.index().FindBatch(probe.data(), hashes.data(), idx.data(), probe.size(), rows.data());
  for (size_t i = 0; i < probe.size(); ++i) {
    const int64_t one = seg.index().Find(probe[i], hashes[i]);
    FUZZ_CHECK(one >= -1 && one < n, "Find returned a row out of range");
    FUZZ_CHECK(rows[i] == one, "FindBatch and Find disagree");
    // A file whose checksums verified was written by Segment::Write (or forged with them):
    // its index must find every key at its own row.
    if (verified && i < static_cast<size_t>(n)) {
      FUZZ_CHECK(one == static_cast<int64_t>(i), "a key of a verified segment is not found");
    }
  }
  if (sink == 0x5a5a5a5a5a5a5a5aULL) std::fputc(' ', stderr);  // keep the reads
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool verify = (data[0] & 1) != 0;
  const murr::TableSchema schema = murr::fuzz::SegmentSchema((data[0] >> 1) & 3);
  const bool reseal = (data[0] & 8) != 0;
  std::string file(reinterpret_cast<const char*>(data + 1), size - 1);
  if (reseal && file.size() >= murr::kSegmentHeaderSize + murr::kSegmentTrailerSize) {
    // The trailer is footer checksum, magic, footer length (segment.cc).
    char* trailer = file.data() + file.size() - murr::kSegmentTrailerSize;
    uint64_t footer_len;
    std::memcpy(&footer_len, trailer + 16, 8);
    if (footer_len <= file.size() - murr::kSegmentHeaderSize - murr::kSegmentTrailerSize) {
      uint64_t sum = XXH3_64bits(trailer - footer_len, footer_len);
      std::memcpy(trailer, &sum, 8);
    }
  }
  const std::string& path = TempSegmentPath();
  murr::ConstSlice body{file.data(), file.size()};
  murr::Status st = murr::WriteFileAtomically(path, {body}, /*sync=*/false);
  FUZZ_CHECK(st.ok(), st.ToString());
  auto seg = murr::Segment::Open(path, schema, verify);
  if (!seg.ok()) {
    FUZZ_CHECK(seg.status().code() == murr::StatusCode::kCorruption, seg.status().ToString());
    return 0;
  }
  ReadEverything(**seg, schema, verify && !reseal);
  return 0;
}
