// Fuzzes ReadArrowIpcStream. Properties: no crash, no leak, no UB, no allocation sized by a
// hostile length; errors are InvalidArgument or Unimplemented with a message; every batch read
// validates, re-encodes (whole and as row ranges at odd offsets) and re-reads to the same values
// bit for bit.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_util.h"
#include "murr/codec/arrow_ipc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy, so that any read past the end is caught by ASan.
  std::shared_ptr<uint8_t[]> mem(new uint8_t[size == 0 ? 1 : size]);
  if (size) std::memcpy(mem.get(), data, size);
  murr::Buffer input(mem.get(), size, std::shared_ptr<const void>(mem, mem.get()));

  auto contents = murr::ReadArrowIpcStreamContents(input);
  if (!contents.ok()) {
    const murr::Status& st = contents.status();
    FUZZ_CHECK(st.code() == murr::StatusCode::kInvalidArgument ||
                   st.code() == murr::StatusCode::kUnimplemented,
               st.ToString());
    FUZZ_CHECK(!st.message().empty(), "error without a message");
    return 0;
  }
  for (const murr::Batch& b : contents->batches) {
    FUZZ_CHECK(b.Validate().ok(), b.Validate().ToString());
    FUZZ_CHECK(b.fields == contents->fields, "batch fields differ from the schema");
  }

  // Whole stream re-encoded and re-read.
  auto parts = murr::EncodeArrowIpcStream(contents->fields, contents->batches);
  FUZZ_CHECK(parts.ok(), parts.status().ToString());
  std::string again = parts->Concatenate();
  auto reread = murr::ReadArrowIpcStreamContents(murr::Buffer::Copy(again.data(), again.size()));
  FUZZ_CHECK(reread.ok(), reread.status().ToString());
  FUZZ_CHECK(reread->fields == contents->fields, "fields changed in a round trip");
  FUZZ_CHECK(reread->batches.size() == contents->batches.size(), "batch count changed");
  std::string why;
  for (size_t i = 0; i < contents->batches.size(); ++i) {
    FUZZ_CHECK(murr::fuzz::SameBatch(contents->batches[i], reread->batches[i], &why), why);
  }

  // Row ranges at an odd offset (shifted bitmaps, rebased utf8 offsets).
  for (const murr::Batch& b : contents->batches) {
    if (b.num_rows < 2) continue;
    int64_t offset = b.num_rows / 3 | 1;
    if (offset >= b.num_rows) offset = 1;
    int64_t length = b.num_rows - offset;
    auto msg = murr::EncodeRecordBatchMessage(b, offset, length);
    FUZZ_CHECK(msg.ok(), msg.status().ToString());
    murr::IpcStreamParts range;
    range.messages = {murr::EncodeSchemaMessage(b.fields), std::move(*msg)};
    std::string bytes = range.Concatenate();
    auto sliced = murr::ReadArrowIpcStream(murr::Buffer::Copy(bytes.data(), bytes.size()));
    FUZZ_CHECK(sliced.ok() && sliced->size() == 1, sliced.status().ToString());
    const murr::Batch& s = (*sliced)[0];
    FUZZ_CHECK(s.num_rows == length, "sliced row count");
    for (size_t c = 0; c < b.columns.size(); ++c) {
      const murr::Column& x = b.columns[c];
      const murr::Column& y = s.columns[c];
      for (int64_t i = 0; i < length; ++i) {
        FUZZ_CHECK(x.IsNull(offset + i) == y.IsNull(i), "null bit differs in a row range");
        FUZZ_CHECK(murr::fuzz::SameCell(x, offset + i, y, i), "value differs in a row range");
      }
    }
  }
  return 0;
}
