// Parquet metadata structs (the subset of parquet.thrift that a flat-schema reader needs) and their
// decoders from Thrift compact bytes: FileMetaData (the footer) and PageHeader. Unknown fields are
// skipped; fields we rely on are type-checked. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "murr/core/status.h"

namespace murr::parquet {

// parquet.thrift enums (values as on the wire).
enum PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum ConvertedType : int32_t {
  kCtUtf8 = 0,
  kCtMap = 1,
  kCtMapKeyValue = 2,
  kCtList = 3,
  kCtEnum = 4,
  kCtDecimal = 5,
  kCtDate = 6,
  kCtTimeMillis = 7,
  kCtTimeMicros = 8,
  kCtTimestampMillis = 9,
  kCtTimestampMicros = 10,
  kCtUint8 = 11,
  kCtUint16 = 12,
  kCtUint32 = 13,
  kCtUint64 = 14,
  kCtInt8 = 15,
  kCtInt16 = 16,
  kCtInt32 = 17,
  kCtInt64 = 18,
  kCtJson = 19,
  kCtBson = 20,
  kCtInterval = 21,
};

// LogicalType union members (the union's field ids).
enum LogicalKind : int32_t {
  kLtNone = 0,
  kLtString = 1,
  kLtMap = 2,
  kLtList = 3,
  kLtEnum = 4,
  kLtDecimal = 5,
  kLtDate = 6,
  kLtTime = 7,
  kLtTimestamp = 8,
  kLtInteger = 10,
  kLtUnknown = 11,
  kLtJson = 12,
  kLtBson = 13,
  kLtUuid = 14,
  kLtFloat16 = 15,
};

enum Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

const char* PhysicalTypeName(int32_t type);
const char* EncodingName(int32_t encoding);
const char* CodecName(int32_t codec);

struct LogicalType {
  int32_t kind = kLtNone;           // a LogicalKind, or another union id we do not know
  int32_t bit_width = 0;            // INTEGER
  bool is_signed = true;            // INTEGER
  bool is_adjusted_to_utc = false;  // TIMESTAMP
  int32_t time_unit = 0;  // TIMESTAMP: the TimeUnit union's id (1 MILLIS, 2 MICROS, 3 NANOS)
};

struct SchemaElement {
  int32_t type = -1;  // PhysicalType; -1 for groups
  int32_t type_length = 0;
  int32_t repetition = -1;  // -1 when absent (the root)
  std::string name;
  int32_t num_children = -1;  // -1 when absent (a leaf)
  int32_t converted_type = -1;
  LogicalType logical;
};

struct ColumnMetaData {
  int32_t type = -1;
  std::vector<std::string> path_in_schema;
  int32_t codec = kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = -1;
  int64_t dictionary_page_offset = -1;  // -1 when absent
};

struct ColumnChunk {
  bool has_file_path = false;
  bool has_meta_data = false;
  bool encrypted = false;
  ColumnMetaData meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t num_rows = 0;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;  // e.g. pyarrow's "ARROW:schema"
  std::string created_by;
};

struct DataPageHeader {
  int32_t num_values = 0;
  int32_t encoding = kPlain;
  int32_t definition_level_encoding = kRle;
  int32_t repetition_level_encoding = kRle;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  int32_t encoding = kPlain;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  int32_t encoding = kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct PageHeader {
  int32_t type = -1;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  bool has_data_page = false;
  bool has_dictionary_page = false;
  bool has_data_page_v2 = false;
  DataPageHeader data_page;
  DictionaryPageHeader dictionary_page;
  DataPageHeaderV2 data_page_v2;
};

// Decodes the footer (the Thrift bytes between the data and the 8-byte tail).
Status DecodeFileMetaData(const uint8_t* data, size_t size, FileMetaData* out);
// Decodes one page header at the start of [data, data+size); *header_size gets its length.
Status DecodePageHeader(const uint8_t* data, size_t size, PageHeader* out, size_t* header_size);

}  // namespace murr::parquet
