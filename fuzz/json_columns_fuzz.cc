// Fuzzes ParseJsonColumns against a table with a column of every type. Properties: no crash, no
// leak, no UB; errors are InvalidArgument with a message; a parsed batch validates, writes back
// with AppendJsonColumns, re-parses to the same values bit for bit, and re-writes to the same text.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "murr/codec/json_columns.h"

namespace {

const murr::TableSchema& Schema() {
  static const murr::TableSchema* schema = [] {
    using murr::DataType;
    auto s = murr::TableSchema::Make("id", {{"id", DataType::kUtf8, false},
                                            {"s", DataType::kUtf8, true},
                                            {"b", DataType::kBool, true},
                                            {"i8", DataType::kInt8, true},
                                            {"i16", DataType::kInt16, true},
                                            {"i32", DataType::kInt32, true},
                                            {"i64", DataType::kInt64, true},
                                            {"u8", DataType::kUInt8, true},
                                            {"u16", DataType::kUInt16, true},
                                            {"u32", DataType::kUInt32, true},
                                            {"u64", DataType::kUInt64, true},
                                            {"f32", DataType::kFloat32, true},
                                            {"f64", DataType::kFloat64, true}});
    FUZZ_CHECK(s.ok(), s.status().ToString());
    return new murr::TableSchema(std::move(s).value());
  }();
  return *schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = murr::ParseJsonColumns(body, Schema());
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == murr::StatusCode::kInvalidArgument ||
                   parsed.status().code() == murr::StatusCode::kResourceExhausted,
               parsed.status().ToString());
    FUZZ_CHECK(!parsed.status().message().empty(), "error without a message");
    return 0;
  }
  const murr::Batch& batch = *parsed;
  murr::Status valid = batch.Validate();
  FUZZ_CHECK(valid.ok(), valid.ToString());
  for (const murr::Field& f : batch.fields) {
    int index = Schema().FindColumn(f.name);
    FUZZ_CHECK(index >= 0, "field not in schema: " + f.name);
    FUZZ_CHECK(Schema().columns()[index].type == f.type && f.nullable, "field type " + f.name);
  }

  std::string json;
  murr::AppendJsonColumns(batch, &json);
  auto again = murr::ParseJsonColumns(json, Schema());
  FUZZ_CHECK(again.ok(), again.status().ToString() + "\nwritten: " + json);
  std::string why;
  FUZZ_CHECK(murr::fuzz::SameBatch(batch, *again, &why), why + "\nwritten: " + json);
  std::string json_again;
  murr::AppendJsonColumns(*again, &json_again);
  FUZZ_CHECK(json == json_again, "unstable output:\n" + json + "\n" + json_again);
  return 0;
}
