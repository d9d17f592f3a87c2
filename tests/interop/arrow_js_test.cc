// Arrow IPC interop with apache-arrow (JS), the independent implementation: streams written by
// JS are read by Murr value for value, and streams written by Murr are read by JS value for value
// (floats by bit pattern, 64-bit integers exactly).
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "codec/arrow_ipc_test_util.h"
#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/json_columns.h"

namespace murr {
namespace {

using testing::ExactBuffer;
using testing::RandomBatch;
using testing::ReadFileToString;
using testing::RunNodeScript;
using testing::TempDir;
using testing::WriteStringToFile;

// The canonical text of a value shared with the node scripts; nullopt for null.
std::optional<std::string> Canonical(const Column& c, int64_t i) {
  return testing::CellText(c, i);
}

std::optional<std::string> JsonValue(simdjson::dom::element e) {
  if (e.is_null()) return std::nullopt;
  std::string_view s;
  EXPECT_EQ(e.get(s), simdjson::SUCCESS) << "expected a string or null";
  return std::string(s);
}

struct JsonField {
  std::string name, type;
  bool nullable;
};

std::vector<JsonField> JsonFields(simdjson::dom::array fields) {
  std::vector<JsonField> out;
  for (simdjson::dom::element f : fields) {
    std::string_view name, type;
    bool nullable = false;
    EXPECT_EQ(f["name"].get(name), simdjson::SUCCESS);
    EXPECT_EQ(f["type"].get(type), simdjson::SUCCESS);
    EXPECT_EQ(f["nullable"].get(nullable), simdjson::SUCCESS);
    out.push_back({std::string(name), std::string(type), nullable});
  }
  return out;
}

void ExpectFields(const std::vector<JsonField>& expected, const std::vector<Field>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].name, expected[i].name);
    EXPECT_EQ(DataTypeName(actual[i].type), expected[i].type) << expected[i].name;
    EXPECT_EQ(actual[i].nullable, expected[i].nullable) << expected[i].name;
  }
}

int64_t CompareColumn(const Column& c, int64_t offset, simdjson::dom::array values,
                      const std::string& what) {
  int64_t i = offset;
  for (simdjson::dom::element v : values) {
    if (i >= c.length) {
      ADD_FAILURE() << what << ": more expected values than rows";
      break;
    }
    EXPECT_EQ(Canonical(c, i), JsonValue(v)) << what << " row " << i;
    ++i;
  }
  return i - offset;
}

class ArrowJsInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::string out;
    write_rc_ = RunNodeScript("arrow_js_write.mjs", "'" + dir_->path() + "'", &out);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
  static int write_rc_;

  // Reads <name>.arrows with Murr and compares it with <name>.json.
  void ExpectJsStreamReads(const std::string& name) {
    ASSERT_EQ(write_rc_, 0) << "arrow_js_write.mjs failed";
    std::string bytes = ReadFileToString(*dir_ / (name + ".arrows"));
    ASSERT_FALSE(bytes.empty());
    auto contents = ReadArrowIpcStreamContents(ExactBuffer(bytes));
    ASSERT_TRUE(contents.ok()) << contents.status().ToString();
    simdjson::dom::parser parser;
    std::string json = ReadFileToString(*dir_ / (name + ".json"));
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
    simdjson::dom::array fields, batches;
    ASSERT_EQ(doc["fields"].get(fields), simdjson::SUCCESS);
    ASSERT_EQ(doc["batches"].get(batches), simdjson::SUCCESS);
    ExpectFields(JsonFields(fields), contents->fields);
    ASSERT_EQ(contents->batches.size(), batches.size());
    size_t b = 0;
    for (simdjson::dom::element expected : batches) {
      const Batch& batch = contents->batches[b];
      int64_t rows = 0;
      ASSERT_EQ(expected["num_rows"].get(rows), simdjson::SUCCESS);
      EXPECT_EQ(batch.num_rows, rows);
      simdjson::dom::array columns;
      ASSERT_EQ(expected["columns"].get(columns), simdjson::SUCCESS);
      size_t c = 0;
      for (simdjson::dom::element col : columns) {
        ASSERT_LT(c, batch.columns.size());
        std::string what = name + " batch " + std::to_string(b) + " " + batch.fields[c].name;
        EXPECT_EQ(CompareColumn(batch.columns[c], 0, col.get_array().value(), what), rows) << what;
        ++c;
      }
      EXPECT_EQ(c, batch.columns.size());
      ++b;
    }
  }

  void ExpectJsStreamRejected(const std::string& name) {
    ASSERT_EQ(write_rc_, 0) << "arrow_js_write.mjs failed";
    simdjson::dom::parser parser;
    std::string json = ReadFileToString(*dir_ / (name + ".error.json"));
    std::string_view field;
    ASSERT_EQ(parser.parse(json)["field"].get(field), simdjson::SUCCESS);
    auto read = ReadArrowIpcStream(ExactBuffer(ReadFileToString(*dir_ / (name + ".arrows"))));
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kUnimplemented) << read.status().ToString();
    EXPECT_NE(read.status().message().find("'" + std::string(field) + "'"), std::string::npos)
        << read.status().ToString();
  }
};

TempDir* ArrowJsInterop::dir_ = nullptr;
int ArrowJsInterop::write_rc_ = -1;

TEST_F(ArrowJsInterop, MurrReadsJsStreamOfEveryTypeWithNullsAndSeveralBatches) {
  ExpectJsStreamReads("every_type");
}
TEST_F(ArrowJsInterop, MurrReadsJsLegacyFramedStream) {
  ExpectJsStreamReads("every_type_legacy");
}
TEST_F(ArrowJsInterop, MurrReadsJsSchemaOnlyStream) {
  ExpectJsStreamReads("schema_only");
}
TEST_F(ArrowJsInterop, MurrReadsJsTableBuiltFromArrays) {
  ExpectJsStreamReads("from_arrays");
}
TEST_F(ArrowJsInterop, MurrRejectsJsDictionaryColumnNamingIt) {
  ExpectJsStreamRejected("dictionary");
}
TEST_F(ArrowJsInterop, MurrReadsJsFloat16Date32TimestampBinaryFixedSizeList) {
  ASSERT_EQ(write_rc_, 0) << "arrow_js_write.mjs failed";
  auto read = ReadArrowIpcStream(ExactBuffer(ReadFileToString(*dir_ / "new_types.arrows")));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  const Batch& b = (*read)[0];
  ASSERT_EQ(b.fields.size(), 5u);
  EXPECT_EQ(b.fields[0].type, DataType::kFloat16);
  EXPECT_EQ(b.fields[1].type, DataType::kDate32);
  EXPECT_EQ(b.fields[2].type, DataType::kTimestampMs);
  EXPECT_EQ(b.fields[2].timezone, "UTC");
  EXPECT_EQ(b.fields[3].type, DataType::kBinary);
  EXPECT_EQ(b.fields[4].type, DataType::FixedSizeList(TypeId::kFloat32, 3));
  // Murr's JSON of what it read equals the values JS wrote.
  std::string json;
  AppendJsonColumns(b, &json);
  EXPECT_EQ(json, ReadFileToString(*dir_ / "new_types.json"));
}

TEST_F(ArrowJsInterop, MurrReadsJsLists) {
  ASSERT_EQ(write_rc_, 0) << "arrow_js_write.mjs failed";
  auto read = ReadArrowIpcStream(ExactBuffer(ReadFileToString(*dir_ / "lists.arrows")));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  const Batch& b = (*read)[0];
  ASSERT_EQ(b.fields.size(), 3u);
  EXPECT_EQ(b.fields[0].type, DataType::List(TypeId::kInt64));
  EXPECT_EQ(b.fields[1].type, DataType::List(TypeId::kUtf8));
  EXPECT_EQ(b.fields[2].type, DataType::List(TypeId::kFloat64));
  std::string json;
  AppendJsonColumns(b, &json);
  EXPECT_EQ(json, ReadFileToString(*dir_ / "lists.json"));
}

// Murr writes; JS reads. Each case is a list of batches and the stream bytes.
struct MurrStream {
  std::string name;
  std::vector<Batch> batches;  // the rows in order (concatenated, they are what JS must see)
  std::string bytes;
};

TEST(ArrowJsInteropWrite, JsReadsMurrStreamsValueForValue) {
  std::mt19937_64 rng(2024);
  std::vector<MurrStream> streams;
  {  // One batch of every type with nulls and special floats.
    Batch b = RandomBatch(500, rng);
    streams.push_back({"one_batch", {b}, WriteArrowIpcStream(b)});
  }
  {  // Several batches, one of them empty.
    std::vector<Batch> bs = {RandomBatch(33, rng), RandomBatch(0, rng), RandomBatch(64, rng)};
    auto parts = EncodeArrowIpcStream(bs[0].fields, bs);
    ASSERT_TRUE(parts.ok());
    streams.push_back({"several", bs, parts->Concatenate()});
  }
  {  // One batch split into many messages at odd row boundaries (shifted bitmaps, rebased
     // offsets), written through the scatter-gather slices.
    Batch b = RandomBatch(3000, rng, 0.4);
    auto parts = EncodeArrowIpcStream(b, 3000);
    ASSERT_TRUE(parts.ok());
    EXPECT_GT(parts->messages.size(), 10u);
    std::string bytes;
    for (const ConstSlice& s : parts->Slices())
      bytes.append(static_cast<const char*>(s.data), s.size);
    streams.push_back({"split", {b}, bytes});
  }
  {  // A row range of a batch with non-multiple-of-8 offset.
    Batch b = RandomBatch(100, rng, 0.5);
    auto msg = EncodeRecordBatchMessage(b, 13, 70);
    ASSERT_TRUE(msg.ok());
    IpcStreamParts parts;
    parts.messages = {EncodeSchemaMessage(b.fields), *msg};
    // The expected rows: Murr's own reading of the range, checked against the source rows.
    auto reread = ReadArrowIpcStream(ExactBuffer(parts.Concatenate()));
    ASSERT_TRUE(reread.ok());
    testing::ExpectSameRows(b, 13, 70, (*reread)[0]);
    streams.push_back({"range", {(*reread)[0]}, parts.Concatenate()});
  }
  {  // Lists (null rows, empty lists, null items) of integer, float, bool and utf8 items, split
     // into several messages (rebased offsets, sliced items).
    Batch b;
    b.num_rows = 400;
    b.fields.push_back({"key", DataType::kUtf8, false});
    b.columns.push_back(testing::RandomColumn(DataType::kUtf8, 400, 0.0, rng));
    for (TypeId item : {TypeId::kInt64, TypeId::kUInt8, TypeId::kFloat32, TypeId::kFloat64,
                        TypeId::kBool, TypeId::kUtf8}) {
      b.fields.push_back({"l_" + DataTypeName(item), DataType::List(item), true});
      b.columns.push_back(testing::RandomColumn(DataType::List(item), 400, 0.2, rng));
    }
    auto parts = EncodeArrowIpcStream(b, 4096);
    ASSERT_TRUE(parts.ok());
    EXPECT_GT(parts->messages.size(), 3u);
    streams.push_back({"lists", {b}, parts->Concatenate()});
  }

  TempDir dir;
  std::string args;
  for (const MurrStream& s : streams) {
    WriteStringToFile(dir / (s.name + ".arrows"), s.bytes);
    args += " '" + (dir / (s.name + ".arrows")) + "'";
  }
  std::string out;
  ASSERT_EQ(RunNodeScript("arrow_js_read.mjs", args, &out), 0) << out;
  simdjson::dom::parser parser;
  simdjson::dom::array files;
  ASSERT_EQ(parser.parse(out).get(files), simdjson::SUCCESS) << out.substr(0, 500);
  ASSERT_EQ(files.size(), streams.size());
  size_t k = 0;
  for (simdjson::dom::element file : files) {
    const MurrStream& s = streams[k++];
    SCOPED_TRACE(s.name);
    simdjson::dom::array fields, columns;
    ASSERT_EQ(file["fields"].get(fields), simdjson::SUCCESS);
    ASSERT_EQ(file["columns"].get(columns), simdjson::SUCCESS);
    ExpectFields(JsonFields(fields), s.batches[0].fields);
    int64_t total = 0, js_rows = -1;
    for (const Batch& b : s.batches) total += b.num_rows;
    ASSERT_EQ(file["num_rows"].get(js_rows), simdjson::SUCCESS);
    EXPECT_EQ(js_rows, total);
    // Column c of the JS table is the concatenation of column c of every batch.
    size_t c = 0;
    for (simdjson::dom::element col : columns) {
      simdjson::dom::array values = col.get_array().value();
      ASSERT_EQ(static_cast<int64_t>(values.size()), total);
      auto it = values.begin();
      for (const Batch& b : s.batches) {
        for (int64_t i = 0; i < b.num_rows; ++i, ++it) {
          ASSERT_EQ(JsonValue(*it), Canonical(b.columns[c], i))
              << s.name << " column " << b.fields[c].name << " row " << i;
        }
      }
      ++c;
    }
    EXPECT_EQ(c, s.batches[0].columns.size());
  }
}

}  // namespace
}  // namespace murr
