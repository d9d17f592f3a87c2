// Fuzzes ParseJsonColumns against a table with a column of every type. Properties: no crash, no
// leak, no UB; errors are InvalidArgument with a message; a parsed batch validates, writes back
// with AppendJsonColumns, re-parses to the same values bit for bit, and re-writes to the same text.
// Differential oracle: simdjson's DOM parser (which validates the whole document up front) must
// agree that the body is valid JSON and must read the same values.
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
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
                                            {"f64", DataType::kFloat64, true},
                                            {"li", DataType::List(murr::TypeId::kInt64), true},
                                            {"ls", DataType::List(murr::TypeId::kUtf8), true}});
    FUZZ_CHECK(s.ok(), s.status().ToString());
    return new murr::TableSchema(std::move(s).value());
  }();
  return *schema;
}

// Checks every value of `batch` against the DOM reading of the same body.
void CheckAgainstDom(const simdjson::dom::element& root, const murr::Batch& batch) {
  using murr::DataType;
  simdjson::dom::object columns;
  FUZZ_CHECK(root["columns"].get_object().get(columns) == simdjson::SUCCESS, "DOM: no columns");
  size_t c = 0;
  for (auto [name, value] : columns) {
    FUZZ_CHECK(c < batch.columns.size() && batch.fields[c].name == name, "DOM: column order");
    const murr::Column& col = batch.columns[c];
    simdjson::dom::array values;
    FUZZ_CHECK(value.get_array().get(values) == simdjson::SUCCESS, "DOM: not an array");
    int64_t row = 0;
    for (simdjson::dom::element v : values) {
      std::string where = "column '" + batch.fields[c].name + "' row " + std::to_string(row);
      FUZZ_CHECK(row < col.length, where + ": DOM has more rows");
      if (v.is_null()) {
        FUZZ_CHECK(col.IsNull(row), where + ": DOM null, ours not");
        ++row;
        continue;
      }
      FUZZ_CHECK(col.IsValid(row), where + ": ours null, DOM not");
      switch (col.type.id) {
        case murr::TypeId::kUtf8:
          FUZZ_CHECK(v.get_string().value_unsafe() == col.StringValue(row), where);
          break;
        case murr::TypeId::kBool:
          FUZZ_CHECK(v.get_bool().value_unsafe() == col.BoolValue(row), where);
          break;
        case murr::TypeId::kInt8:
          FUZZ_CHECK(v.get_int64().value_unsafe() == col.Value<int8_t>(row), where);
          break;
        case murr::TypeId::kInt16:
          FUZZ_CHECK(v.get_int64().value_unsafe() == col.Value<int16_t>(row), where);
          break;
        case murr::TypeId::kInt32:
          FUZZ_CHECK(v.get_int64().value_unsafe() == col.Value<int32_t>(row), where);
          break;
        case murr::TypeId::kInt64:
          FUZZ_CHECK(v.get_int64().value_unsafe() == col.Value<int64_t>(row), where);
          break;
        case murr::TypeId::kUInt8:
          FUZZ_CHECK(v.get_uint64().value_unsafe() == col.Value<uint8_t>(row), where);
          break;
        case murr::TypeId::kUInt16:
          FUZZ_CHECK(v.get_uint64().value_unsafe() == col.Value<uint16_t>(row), where);
          break;
        case murr::TypeId::kUInt32:
          FUZZ_CHECK(v.get_uint64().value_unsafe() == col.Value<uint32_t>(row), where);
          break;
        case murr::TypeId::kUInt64:
          FUZZ_CHECK(v.get_uint64().value_unsafe() == col.Value<uint64_t>(row), where);
          break;
        case murr::TypeId::kFloat32:
        case murr::TypeId::kFloat64: {
          double ours =
              col.type == DataType::kFloat32 ? col.Value<float>(row) : col.Value<double>(row);
          std::string_view s;
          if (v.get_string().get(s) == simdjson::SUCCESS) {
            double want = s == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                          : s == "Infinity" ? std::numeric_limits<double>::infinity()
                                            : -std::numeric_limits<double>::infinity();
            FUZZ_CHECK(s == "NaN" || s == "Infinity" || s == "-Infinity", where + ": string");
            FUZZ_CHECK(std::isnan(want) ? std::isnan(ours) : ours == want, where);
            break;
          }
          double d;
          FUZZ_CHECK(v.get_double().get(d) == simdjson::SUCCESS, where + ": DOM not a number");
          if (col.type == DataType::kFloat64) {
            // DOM reads "-0" as the integer 0; the sign is only compared for float literals.
            FUZZ_CHECK(ours == d, where + ": float64 value");
            if (v.type() == simdjson::dom::element_type::DOUBLE)
              FUZZ_CHECK(std::signbit(ours) == std::signbit(d), where + ": sign");
          } else {
            // float32 is rounded from the text, the DOM value from double: at most one step apart.
            float f = static_cast<float>(d);
            float o = static_cast<float>(ours);
            FUZZ_CHECK(
                o == f || o == std::nextafter(f, HUGE_VALF) || o == std::nextafter(f, -HUGE_VALF),
                where + ": float32 value");
          }
          break;
        }
        case murr::TypeId::kFloat16:
        case murr::TypeId::kDate32:
        case murr::TypeId::kBinary:
        case murr::TypeId::kTimestampS:
        case murr::TypeId::kTimestampMs:
        case murr::TypeId::kTimestampUs:
        case murr::TypeId::kTimestampNs:
        case murr::TypeId::kList: {
          simdjson::dom::array items;
          FUZZ_CHECK(v.get_array().get(items) == simdjson::SUCCESS, where + ": DOM not an array");
          FUZZ_CHECK(static_cast<int64_t>(items.size()) == col.ListEnd(row) - col.ListBegin(row),
                     where + ": list length");
          int64_t k = col.ListBegin(row);
          for (simdjson::dom::element item : items) {
            FUZZ_CHECK(item.is_null() == col.items().IsNull(k), where + ": item null");
            if (!item.is_null() && col.items().type == DataType::kInt64) {
              FUZZ_CHECK(item.get_int64().value_unsafe() == col.items().Value<int64_t>(k),
                         where + ": int64 item");
            } else if (!item.is_null()) {
              FUZZ_CHECK(item.get_string().value_unsafe() == col.items().StringValue(k),
                         where + ": utf8 item");
            }
            ++k;
          }
          break;
        }
        case murr::TypeId::kFixedSizeList:
          break;
      }
      ++row;
    }
    FUZZ_CHECK(row == col.length, "DOM has fewer rows in column '" + batch.fields[c].name + "'");
    ++c;
  }
  FUZZ_CHECK(c == batch.columns.size(), "DOM has fewer columns");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = murr::ParseJsonColumns(body, Schema());

  static simdjson::dom::parser* dom = new simdjson::dom::parser();
  simdjson::dom::element root;
  simdjson::error_code dom_error = dom->parse(reinterpret_cast<const char*>(data), size).get(root);
  if (parsed.ok()) {
    // DOM refuses integer literals beyond 64 bits, which float columns take; nothing else.
    FUZZ_CHECK(dom_error == simdjson::SUCCESS || dom_error == simdjson::NUMBER_ERROR,
               std::string("accepted a body the DOM parser rejects: ") +
                   simdjson::error_message(dom_error));
    if (dom_error == simdjson::SUCCESS) CheckAgainstDom(root, *parsed);
  }
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
