// Fuzzes ReadParquet (footer Thrift, schema mapping, page headers, every encoding and codec) with
// small limits so that a crafted input cannot ask for more memory than libFuzzer allows.
// Properties: no crash, no leak, no UB, no hang; errors are never Internal; a batch that reads
// validates (offsets, bitmaps, lengths); InspectParquet and ReadParquet agree on the columns.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "murr/codec/parquet_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  murr::Buffer file(data, size, nullptr);  // borrowed: the reader must not keep it
  murr::ParquetReadOptions options;
  options.max_footer_bytes = 1 << 20;
  options.max_page_bytes = 8 << 20;
  options.max_rows = 1 << 20;
  options.max_output_bytes = 32 << 20;

  auto all = murr::ReadParquet(file, {}, options);
  if (all.ok()) {
    murr::Status st = all->Validate();
    FUZZ_CHECK(st.ok(), st.ToString());
  } else {
    FUZZ_CHECK(all.status().code() != murr::StatusCode::kInternal, all.status().ToString());
  }

  // Files with an unsupported column fail as a whole; read the supported ones by name too.
  auto info = murr::InspectParquet(file);
  if (!info.ok()) return 0;
  std::vector<std::string> names;
  for (const auto& c : info->columns) {
    if (c.supported.ok()) names.push_back(c.name);
  }
  if (names.size() > 64) return 0;
  if (!names.empty()) {
    auto some = murr::ReadParquet(file, names, options);
    if (some.ok()) {
      murr::Status st = some->Validate();
      FUZZ_CHECK(st.ok(), st.ToString());
      FUZZ_CHECK(some->columns.size() == names.size(), "wrong number of columns");
      for (size_t i = 0; i < names.size(); ++i) {
        FUZZ_CHECK(some->fields[i].name == names[i], "columns out of order");
      }
    } else {
      FUZZ_CHECK(some.status().code() != murr::StatusCode::kInternal, some.status().ToString());
    }
  }

  // LIST columns decode (levels, pages, fixed-size checks) only when a target names their size:
  // read each with a size taken from the input's length.
  std::vector<murr::ColumnSchema> target;
  std::vector<std::string> lists;
  for (const auto& c : info->columns) {
    if (!c.list_item) continue;
    lists.push_back(c.name);
    target.push_back(
        {c.name, murr::DataType::FixedSizeList(c.list_item->id, 1 + size % 4), true, ""});
  }
  if (lists.empty() || lists.size() > 64) return 0;
  auto listed = murr::ReadParquet(file, lists, options, target);
  if (listed.ok()) {
    murr::Status st = listed->Validate();
    FUZZ_CHECK(st.ok(), st.ToString());
  } else {
    FUZZ_CHECK(listed.status().code() != murr::StatusCode::kInternal, listed.status().ToString());
  }
  return 0;
}
