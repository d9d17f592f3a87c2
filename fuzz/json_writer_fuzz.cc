// Fuzzes AppendJsonColumns with arbitrary values: the input bytes become a batch of columns of
// every type (raw bit patterns for numbers, arbitrary bytes for strings, nulls), which is written
// as JSON and parsed back with ParseJsonColumns. Properties: the output is always valid JSON that
// parses; every value comes back bit for bit, except that NaNs come back as the canonical quiet NaN
// and strings that are not valid UTF-8 come back with U+FFFD in place of the bad bytes.
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "murr/codec/json_columns.h"
#include "murr/core/json_util.h"

namespace {

using murr::DataType;

// Reads the input front to back; past the end it yields zeros.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  void Bytes(void* out, size_t n) {
    size_t k = pos_ < size_ ? std::min(n, size_ - pos_) : 0;
    if (k) std::memcpy(out, data_ + pos_, k);
    std::memset(static_cast<uint8_t*>(out) + k, 0, n - k);
    pos_ += k;
  }
  std::string_view String(size_t max) {
    size_t n = std::min<size_t>(Byte() % (max + 1), pos_ < size_ ? size_ - pos_ : 0);
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

const std::vector<murr::ColumnSchema>& Columns() {
  static const std::vector<murr::ColumnSchema> columns = {
      {"id", DataType::kUtf8, false},    {"b", DataType::kBool, true},
      {"i8", DataType::kInt8, true},     {"i16", DataType::kInt16, true},
      {"i32", DataType::kInt32, true},   {"i64", DataType::kInt64, true},
      {"u8", DataType::kUInt8, true},    {"u16", DataType::kUInt16, true},
      {"u32", DataType::kUInt32, true},  {"u64", DataType::kUInt64, true},
      {"f32", DataType::kFloat32, true}, {"f64", DataType::kFloat64, true}};
  return columns;
}

const murr::TableSchema& Schema() {
  static const murr::TableSchema* schema = [] {
    auto s = murr::TableSchema::Make("id", Columns());
    FUZZ_CHECK(s.ok(), s.status().ToString());
    return new murr::TableSchema(std::move(s).value());
  }();
  return *schema;
}

template <typename T>
void AppendRaw(Reader* in, murr::ColumnBuilder* b) {
  T v;
  in->Bytes(&v, sizeof(T));
  b->Append<T>(v);
}

// What a valid-UTF-8-only writer gives for `s`: each maximal bad sequence byte becomes U+FFFD.
std::string Expected(std::string_view s) {
  std::string out;
  murr::AppendJsonString(&out, s);
  static simdjson::dom::parser* parser = new simdjson::dom::parser();
  simdjson::dom::element e;
  FUZZ_CHECK(parser->parse(out).get(e) == simdjson::SUCCESS, "AppendJsonString output invalid");
  return std::string(e.get_string().value_unsafe());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  const int64_t rows = in.Byte() % 17;
  murr::Batch batch;
  batch.num_rows = rows;
  std::vector<std::string> expected_strings;
  for (const murr::ColumnSchema& cs : Columns()) {
    murr::ColumnBuilder b(cs.type);
    for (int64_t i = 0; i < rows; ++i) {
      if (cs.name != "id" && in.Byte() % 5 == 0) {
        b.AppendNull();
        continue;
      }
      switch (cs.type.id) {
        case murr::TypeId::kUtf8: {
          std::string_view s = in.String(24);
          FUZZ_CHECK(b.AppendString(s).ok(), "AppendString");
          expected_strings.push_back(Expected(s));
          break;
        }
        case murr::TypeId::kBool:
          b.AppendBool(in.Byte() & 1);
          break;
        case murr::TypeId::kInt8:
          AppendRaw<int8_t>(&in, &b);
          break;
        case murr::TypeId::kInt16:
          AppendRaw<int16_t>(&in, &b);
          break;
        case murr::TypeId::kInt32:
          AppendRaw<int32_t>(&in, &b);
          break;
        case murr::TypeId::kInt64:
          AppendRaw<int64_t>(&in, &b);
          break;
        case murr::TypeId::kUInt8:
          AppendRaw<uint8_t>(&in, &b);
          break;
        case murr::TypeId::kUInt16:
          AppendRaw<uint16_t>(&in, &b);
          break;
        case murr::TypeId::kUInt32:
          AppendRaw<uint32_t>(&in, &b);
          break;
        case murr::TypeId::kUInt64:
          AppendRaw<uint64_t>(&in, &b);
          break;
        case murr::TypeId::kFloat32:
          AppendRaw<float>(&in, &b);
          break;
        case murr::TypeId::kFloat64:
          AppendRaw<double>(&in, &b);
          break;
        case murr::TypeId::kFloat16:
        case murr::TypeId::kDate32:
        case murr::TypeId::kBinary:
        case murr::TypeId::kTimestampS:
        case murr::TypeId::kTimestampMs:
        case murr::TypeId::kTimestampUs:
        case murr::TypeId::kTimestampNs:
        case murr::TypeId::kFixedSizeList:
        case murr::TypeId::kList:
          break;
      }
    }
    batch.fields.push_back(murr::Field{cs.name, cs.type, true});
    batch.columns.push_back(b.Finish());
  }

  std::string json;
  murr::AppendJsonColumns(batch, &json);
  auto back = murr::ParseJsonColumns(json, Schema());
  FUZZ_CHECK(back.ok(), back.status().ToString() + "\nwritten: " + json);
  FUZZ_CHECK(back->fields == batch.fields && back->num_rows == rows, "shape differs: " + json);
  size_t next_string = 0;
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const murr::Column& x = batch.columns[c];
    const murr::Column& y = back->columns[c];
    for (int64_t i = 0; i < rows; ++i) {
      auto where = [&] {
        return batch.fields[c].name + " row " + std::to_string(i) + " in " + json;
      };
      FUZZ_CHECK(x.IsNull(i) == y.IsNull(i), "null differs: " + where());
      if (x.IsNull(i)) continue;
      if (x.type == DataType::kUtf8) {
        FUZZ_CHECK(y.StringValue(i) == expected_strings[next_string++], "string: " + where());
      } else if (x.type == DataType::kBool) {
        FUZZ_CHECK(x.BoolValue(i) == y.BoolValue(i), "bool: " + where());
      } else if (x.type == DataType::kFloat32 && std::isnan(x.Value<float>(i))) {
        float nan = std::numeric_limits<float>::quiet_NaN();
        float got = y.Value<float>(i);
        FUZZ_CHECK(std::memcmp(&got, &nan, 4) == 0, "float32 NaN: " + where());
      } else if (x.type == DataType::kFloat64 && std::isnan(x.Value<double>(i))) {
        double nan = std::numeric_limits<double>::quiet_NaN();
        double got = y.Value<double>(i);
        FUZZ_CHECK(std::memcmp(&got, &nan, 8) == 0, "float64 NaN: " + where());
      } else {
        size_t w = static_cast<size_t>(murr::FixedWidth(x.type));
        FUZZ_CHECK(std::memcmp(x.values.data() + i * w, y.values.data() + i * w, w) == 0,
                   "value: " + where());
      }
    }
  }
  return 0;
}
