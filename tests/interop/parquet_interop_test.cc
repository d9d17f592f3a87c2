// The Parquet reader against files written at test time by two independent implementations:
// DuckDB (@duckdb/node-api) and arrow-rs (parquet-wasm). Each script writes its files and the
// values it wrote (manifest.json); Murr must read exactly those values, floats bit for bit.
#include <set>

#include <gtest/gtest.h>

#include "codec/parquet_test_util.h"
#include "common/test_util.h"

namespace murr {
namespace {

using testing::CompareColumn;
using testing::LoadFile;

struct Coverage {
  std::set<std::string> codecs;
  std::set<std::string> encodings;
  int64_t files = 0;
  int64_t multi_row_group_files = 0;
};

// Runs `script` into a temp dir and checks every file of its manifest.
void CheckWriter(const std::string& script, Coverage* cov) {
  testing::TempDir dir;
  std::string out;
  int rc = testing::RunNodeScript(script, "'" + dir.path() + "'", &out);
  ASSERT_EQ(rc, 0) << script << " failed: " << out;
  simdjson::dom::parser parser;
  simdjson::dom::element manifest;
  ASSERT_EQ(parser.load(dir / "manifest.json").get(manifest), simdjson::SUCCESS);
  simdjson::dom::array rows = manifest["rows"].get_array();
  for (simdjson::dom::element f : manifest["files"].get_array()) {
    std::string file(std::string_view(f["file"].get_string()));
    SCOPED_TRACE(file);
    ++cov->files;
    if (int64_t(f["num_row_groups"].get_int64()) > 1) ++cov->multi_row_group_files;
    for (simdjson::dom::element c : f["chunks"].get_array()) {
      cov->codecs.insert(std::string(std::string_view(c["compression"].get_string())));
      std::string enc(std::string_view(c["encodings"].get_string()));
      size_t pos = 0;
      while (pos < enc.size()) {
        size_t comma = enc.find(',', pos);
        if (comma == std::string::npos) comma = enc.size();
        std::string e = enc.substr(pos, comma - pos);
        while (!e.empty() && e.front() == ' ') e.erase(0, 1);
        cov->encodings.insert(e);
        pos = comma + 1;
      }
    }

    Buffer bytes = LoadFile(dir / file);
    auto result = ReadParquet(bytes);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const Batch& batch = *result;
    ASSERT_TRUE(batch.Validate().ok()) << batch.Validate().ToString();
    EXPECT_EQ(batch.num_rows, static_cast<int64_t>(rows.size()));
    size_t i = 0;
    for (simdjson::dom::element c : f["columns"].get_array()) {
      ASSERT_LT(i, batch.fields.size());
      std::string name(std::string_view(c["name"].get_string()));
      std::string type(std::string_view(c["type"].get_string()));
      EXPECT_EQ(batch.fields[i].name, name);
      EXPECT_EQ(DataTypeName(batch.fields[i].type), type) << name;
      EXPECT_EQ(batch.fields[i].nullable, bool(c["nullable"].get_bool())) << name;
      EXPECT_EQ(CompareColumn(batch.columns[i], rows, i, false), "") << "column " << name;
      ++i;
    }
    EXPECT_EQ(i, batch.fields.size());

    // Decoding columns on several threads gives the same values.
    ParquetReadOptions threaded;
    threaded.num_threads = 3;
    auto par = ReadParquet(bytes, {}, threaded);
    ASSERT_TRUE(par.ok()) << par.status().ToString();
    ASSERT_EQ(par->columns.size(), batch.columns.size());
    for (size_t k = 0; k < par->columns.size(); ++k) {
      EXPECT_EQ(CompareColumn(par->columns[k], rows, k, false), "") << "threaded column " << k;
    }

    // A subset in another order reads the same values.
    std::string last = batch.fields.back().name;
    std::string first = batch.fields.front().name;
    auto sub = ReadParquet(bytes, {last, first});
    ASSERT_TRUE(sub.ok()) << sub.status().ToString();
    EXPECT_EQ(CompareColumn(sub->columns[0], rows, batch.fields.size() - 1, false), "");
    EXPECT_EQ(CompareColumn(sub->columns[1], rows, 0, false), "");
  }
}

TEST(ParquetInterop, DuckDBFiles) {
  Coverage cov;
  CheckWriter("parquet_write_duckdb.mjs", &cov);
  EXPECT_GE(cov.files, 16);
  EXPECT_GE(cov.multi_row_group_files, 10);
  // DuckDB writes LZ4 as LZ4_RAW; no legacy LZ4.
  for (const char* c : {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW", "BROTLI"}) {
    EXPECT_TRUE(cov.codecs.count(c)) << c;
  }
  for (const char* e : {"PLAIN", "PLAIN_DICTIONARY", "RLE_DICTIONARY", "DELTA_BINARY_PACKED",
                        "DELTA_LENGTH_BYTE_ARRAY", "BYTE_STREAM_SPLIT"}) {
    EXPECT_TRUE(cov.encodings.count(e)) << e;
  }
}

TEST(ParquetInterop, ArrowRsFiles) {
  Coverage cov;
  CheckWriter("parquet_write_wasm.mjs", &cov);
  EXPECT_GE(cov.files, 21);
  EXPECT_GE(cov.multi_row_group_files, 21);
  for (const char* c : {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4", "LZ4_RAW", "BROTLI"}) {
    EXPECT_TRUE(cov.codecs.count(c)) << c;
  }
  for (const char* e : {"PLAIN", "RLE", "RLE_DICTIONARY", "DELTA_BINARY_PACKED",
                        "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "BYTE_STREAM_SPLIT"}) {
    EXPECT_TRUE(cov.encodings.count(e)) << e;
  }
}

}  // namespace
}  // namespace murr
