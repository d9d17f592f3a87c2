#include "murr/codec/parquet_reader.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <thread>

#include "murr/codec/arrow_ipc.h"
#include "murr/codec/parquet/column_reader.h"
#include "murr/codec/parquet/metadata.h"
#include "murr/core/value_text.h"

namespace murr {
namespace {

using parquet::ColumnChunkDecoder;
using parquet::FileMetaData;
using parquet::LeafColumn;
using parquet::SchemaElement;

constexpr size_t kMagicSize = 4;
constexpr size_t kTailSize = 8;  // u32 footer length + "PAR1"
constexpr int kMaxSchemaDepth = 64;

Status Invalid(const std::string& what) {
  return Status::InvalidArgument("invalid Parquet file: " + what);
}

struct ParsedFile {
  FileMetaData meta;
  size_t data_end = 0;  // where the footer begins: pages must lie in [4, data_end)
  std::vector<ParquetColumnInfo> columns;
  std::vector<LeafColumn> leaves;  // parallel to columns (meaningful when supported)
  int total_leaves = 0;
};

std::string LogicalName(const parquet::LogicalType& lt) {
  switch (lt.kind) {
    case parquet::kLtString:
      return "STRING";
    case parquet::kLtMap:
      return "MAP";
    case parquet::kLtList:
      return "LIST";
    case parquet::kLtEnum:
      return "ENUM";
    case parquet::kLtDecimal:
      return "DECIMAL";
    case parquet::kLtDate:
      return "DATE";
    case parquet::kLtTime:
      return "TIME";
    case parquet::kLtTimestamp:
      return "TIMESTAMP";
    case parquet::kLtInteger:
      return std::string(lt.is_signed ? "INT(" : "UINT(") + std::to_string(lt.bit_width) + ")";
    case parquet::kLtUnknown:
      return "UNKNOWN (always null)";
    case parquet::kLtJson:
      return "JSON";
    case parquet::kLtBson:
      return "BSON";
    case parquet::kLtUuid:
      return "UUID";
    case parquet::kLtFloat16:
      return "FLOAT16";
    default:
      return "logical type #" + std::to_string(lt.kind);
  }
}

std::string ConvertedName(int32_t ct) {
  static const char* kNames[] = {"UTF8",
                                 "MAP",
                                 "MAP_KEY_VALUE",
                                 "LIST",
                                 "ENUM",
                                 "DECIMAL",
                                 "DATE",
                                 "TIME_MILLIS",
                                 "TIME_MICROS",
                                 "TIMESTAMP_MILLIS",
                                 "TIMESTAMP_MICROS",
                                 "UINT_8",
                                 "UINT_16",
                                 "UINT_32",
                                 "UINT_64",
                                 "INT_8",
                                 "INT_16",
                                 "INT_32",
                                 "INT_64",
                                 "JSON",
                                 "BSON",
                                 "INTERVAL"};
  if (ct >= 0 && ct < static_cast<int32_t>(sizeof(kNames) / sizeof(kNames[0]))) return kNames[ct];
  return "converted type #" + std::to_string(ct);
}

Status UnsupportedType(const SchemaElement& e, const std::string& what) {
  return Status::Unimplemented("column '" + e.name + "' has Parquet type " +
                               parquet::PhysicalTypeName(e.type) +
                               (what.empty() ? "" : " " + what) + ", which Murr does not support");
}

Status IntegerType(const SchemaElement& e, int bits, bool is_signed, LeafColumn* leaf) {
  int physical_bits = e.type == parquet::kInt32 ? 32 : 64;
  if (bits > physical_bits || (bits != 8 && bits != 16 && bits != 32 && bits != 64) ||
      (physical_bits == 64 && bits != 64)) {
    return Status::InvalidArgument("invalid Parquet file: column '" + e.name + "' annotates " +
                                   parquet::PhysicalTypeName(e.type) + " as a " +
                                   std::to_string(bits) + "-bit integer");
  }
  // The integer type of that width and signedness, from the type descriptions.
  for (int i = 0; i < kNumTypeIds; ++i) {
    const TypeInfo& info = Info(static_cast<TypeId>(i));
    if (info.parquet == ParquetForm::kInt && info.arrow_bits == bits &&
        info.is_signed == is_signed) {
      leaf->type = static_cast<TypeId>(i);
      return Status::OK();
    }
  }
  return Status::Internal("no integer type of " + std::to_string(bits) + " bits");
}

// Maps a leaf's physical type and annotation onto a murr type (see the decision record).
Status MapLeafType(const SchemaElement& e, LeafColumn* leaf) {
  leaf->physical = e.type;
  leaf->type_length = e.type_length;
  const parquet::LogicalType& lt = e.logical;
  const bool has_lt = lt.kind != parquet::kLtNone;
  const int32_t ct = e.converted_type;
  std::string annotation = has_lt ? LogicalName(lt) : (ct >= 0 ? ConvertedName(ct) : "");
  switch (e.type) {
    case parquet::kBoolean:
      if (has_lt || ct >= 0) return UnsupportedType(e, "annotated " + annotation);
      leaf->type = DataType::kBool;
      return Status::OK();
    case parquet::kInt32:
    case parquet::kInt64: {
      const bool i32 = e.type == parquet::kInt32;
      if (has_lt) {
        if (lt.kind == parquet::kLtDate && i32) {
          leaf->type = DataType::kDate32;
          return Status::OK();
        }
        if (lt.kind == parquet::kLtTimestamp && !i32) {
          if (lt.time_unit < 1 || lt.time_unit > 3) {
            return UnsupportedType(
                e, "annotated TIMESTAMP of unknown unit #" + std::to_string(lt.time_unit));
          }
          leaf->type = lt.time_unit == 1   ? DataType::kTimestampMs
                       : lt.time_unit == 2 ? DataType::kTimestampUs
                                           : DataType::kTimestampNs;
          if (lt.is_adjusted_to_utc) leaf->timezone = "UTC";
          return Status::OK();
        }
        if (lt.kind != parquet::kLtInteger) return UnsupportedType(e, "annotated " + annotation);
        return IntegerType(e, lt.bit_width, lt.is_signed, leaf);
      }
      switch (ct) {
        case parquet::kCtDate:
          if (!i32) return UnsupportedType(e, "annotated DATE");
          leaf->type = DataType::kDate32;
          return Status::OK();
        case parquet::kCtTimestampMillis:
        case parquet::kCtTimestampMicros:
          // The legacy converted types are instants (adjusted to UTC).
          if (i32) return UnsupportedType(e, "annotated " + annotation);
          leaf->type =
              ct == parquet::kCtTimestampMillis ? DataType::kTimestampMs : DataType::kTimestampUs;
          leaf->timezone = "UTC";
          return Status::OK();
        case -1:
          return IntegerType(e, e.type == parquet::kInt32 ? 32 : 64, true, leaf);
        case parquet::kCtInt8:
          return IntegerType(e, 8, true, leaf);
        case parquet::kCtInt16:
          return IntegerType(e, 16, true, leaf);
        case parquet::kCtInt32:
          return IntegerType(e, 32, true, leaf);
        case parquet::kCtInt64:
          return IntegerType(e, 64, true, leaf);
        case parquet::kCtUint8:
          return IntegerType(e, 8, false, leaf);
        case parquet::kCtUint16:
          return IntegerType(e, 16, false, leaf);
        case parquet::kCtUint32:
          return IntegerType(e, 32, false, leaf);
        case parquet::kCtUint64:
          return IntegerType(e, 64, false, leaf);
        default:
          return UnsupportedType(e, "annotated " + annotation);
      }
    }
    case parquet::kFloat:
    case parquet::kDouble:
      if (has_lt || ct >= 0) return UnsupportedType(e, "annotated " + annotation);
      leaf->type = e.type == parquet::kFloat ? DataType::kFloat32 : DataType::kFloat64;
      return Status::OK();
    case parquet::kByteArray:
    case parquet::kFixedLenByteArray: {
      if (e.type == parquet::kFixedLenByteArray && e.type_length <= 0) {
        return Status::InvalidArgument("invalid Parquet file: column '" + e.name +
                                       "' is FIXED_LEN_BYTE_ARRAY of length " +
                                       std::to_string(e.type_length));
      }
      bool text =
          has_lt ? (lt.kind == parquet::kLtString || lt.kind == parquet::kLtEnum ||
                    lt.kind == parquet::kLtJson)
                 : (ct == parquet::kCtUtf8 || ct == parquet::kCtEnum || ct == parquet::kCtJson);
      if (has_lt && lt.kind == parquet::kLtFloat16) {
        if (e.type != parquet::kFixedLenByteArray || e.type_length != 2) {
          return Status::InvalidArgument("invalid Parquet file: column '" + e.name +
                                         "' is annotated FLOAT16 but is not "
                                         "FIXED_LEN_BYTE_ARRAY(2)");
        }
        leaf->type = DataType::kFloat16;
        return Status::OK();
      }
      bool raw = !has_lt && ct < 0;
      if (!text && !raw) return UnsupportedType(e, "annotated " + annotation);
      // Without a string annotation the bytes are binary (a utf8 table column takes them when
      // they are valid UTF-8: CastBinaryToUtf8).
      leaf->type = text ? DataType::kUtf8 : DataType::kBinary;
      leaf->annotated_string = text;
      return Status::OK();
    }
    case parquet::kInt96:
      // Legacy Impala/Spark timestamps: nanoseconds of the day and a Julian day, read as UTC
      // instants in nanoseconds.
      if (has_lt || ct >= 0) return UnsupportedType(e, "annotated " + annotation);
      leaf->type = DataType::kTimestampNs;
      leaf->timezone = "UTC";
      return Status::OK();
    default:
      return Status::InvalidArgument("invalid Parquet file: column '" + e.name +
                                     "' has unknown physical type " + std::to_string(e.type));
  }
}

bool IsListGroup(const SchemaElement& e) {
  return e.num_children >= 0 && e.type < 0 &&
         (e.logical.kind == parquet::kLtList || e.converted_type == parquet::kCtList);
}
bool IsMapGroup(const SchemaElement& e) {
  return e.logical.kind == parquet::kLtMap || e.converted_type == parquet::kCtMap ||
         e.converted_type == parquet::kCtMapKeyValue;
}
bool IsGroup(const SchemaElement& e) {
  return e.num_children > 0 || e.type < 0;
}

// `element`: the list's item; a repeated field as the item of a 3-level list is a list too.
Status NotAListOfPrimitives(const std::string& column, const SchemaElement& element,
                            bool repeated_is_list = true) {
  std::string kind =
      IsListGroup(element) || (repeated_is_list && element.repetition == parquet::kRepeated)
          ? "a nested list (a list of lists)"
      : IsMapGroup(element) ? "a list of maps"
                            : "a list of structs (groups)";
  return Status::Unimplemented("column '" + column + "' is " + kind +
                               "; Murr reads lists of primitive values only");
}

// A top-level LIST (or legacy repeated field) schema[top]: finds its element (the backward-
// compatibility rules of parquet-format's LogicalTypes.md) and sets the leaf's item type and
// levels. The subtree has been checked to lie inside the schema.
Status AnalyzeList(const std::vector<SchemaElement>& schema, size_t top, LeafColumn* leaf) {
  const SchemaElement& e = schema[top];
  const SchemaElement* element = nullptr;
  bool list_optional = false;
  if (!IsGroup(e)) {
    // A repeated primitive field: a required list of required items.
    element = &e;
  } else {
    if (e.repetition == parquet::kRepeated) {
      return Status::Unimplemented("column '" + e.name +
                                   "' is a repeated group (a list of structs); Murr reads lists "
                                   "of primitive values only");
    }
    if (e.repetition != parquet::kRequired && e.repetition != parquet::kOptional) {
      return Invalid("column '" + e.name + "' has repetition " + std::to_string(e.repetition));
    }
    list_optional = e.repetition == parquet::kOptional;
    if (e.num_children != 1) {
      return Invalid("LIST column '" + e.name + "' has " + std::to_string(e.num_children) +
                     " fields, not one repeated field");
    }
    const SchemaElement& repeated = schema[top + 1];
    if (repeated.repetition != parquet::kRepeated) {
      return Invalid("LIST column '" + e.name + "' has a field '" + repeated.name +
                     "' that is not REPEATED");
    }
    if (!IsGroup(repeated)) {
      element = &repeated;  // 2-level: the repeated field is the (required) item
    } else if (repeated.num_children != 1) {
      return Status::Unimplemented("column '" + e.name + "' is a list of structs (group '" +
                                   repeated.name + "' has " +
                                   std::to_string(repeated.num_children) +
                                   " fields); Murr reads lists of primitive values only");
    } else if (repeated.name == "array" || repeated.name == e.name + "_tuple") {
      // Legacy 2-level: the repeated group is itself the item, a one-field struct or a list.
      return NotAListOfPrimitives(e.name, repeated, false);
    } else {
      element = &schema[top + 2];  // 3-level
      if (IsGroup(*element)) return NotAListOfPrimitives(e.name, *element);
      if (element->repetition == parquet::kRepeated) return NotAListOfPrimitives(e.name, *element);
    }
  }
  if (IsGroup(*element)) return NotAListOfPrimitives(e.name, *element);
  const bool item_optional = element != &e && element->repetition == parquet::kOptional;
  if (element != &e && element->repetition != parquet::kOptional &&
      element->repetition != parquet::kRequired && element->repetition != parquet::kRepeated) {
    return Invalid("column '" + e.name + "' has an item of repetition " +
                   std::to_string(element->repetition));
  }
  SchemaElement item = *element;
  item.name = e.name;  // messages name the column
  MURR_RETURN_IF_ERROR(MapLeafType(item, leaf));
  leaf->optional = list_optional;
  leaf->item_optional = item_optional;
  leaf->max_rep = 1;
  leaf->list_def = list_optional ? 1 : 0;
  leaf->max_def = leaf->list_def + 1 + (item_optional ? 1 : 0);
  return Status::OK();
}

// Chooses how a LIST column is read: as the fixed-size list `target` names (the table's type),
// else as the fixed-size list the file's Arrow schema recorded (`arrow_size`, 0 for none), else
// as a variable-length list `<item>[]`.
Status ChooseListType(const std::optional<DataType>& target, uint32_t arrow_size,
                      LeafColumn* leaf) {
  const std::string item = DataTypeName(leaf->type);
  if (target && target->id == TypeId::kFixedSizeList) {
    if (target->item != leaf->type.id || !IsNumericItem(target->item) || target->size == 0 ||
        target->size > kMaxListSize) {
      return Status::InvalidArgument("column '" + leaf->name + "' holds lists of " + item +
                                     " in the Parquet file, but its type is " +
                                     DataTypeName(*target));
    }
    leaf->fixed_size = target->size;
    return Status::OK();
  }
  if (target && target->id == TypeId::kList && target->item != leaf->type.id) {
    return Status::InvalidArgument("column '" + leaf->name + "' holds lists of " + item +
                                   " in the Parquet file, but its type is " +
                                   DataTypeName(*target));
  }
  if (!(target && target->id == TypeId::kList) && arrow_size > 0 && arrow_size <= kMaxListSize &&
      IsNumericItem(leaf->type.id)) {
    leaf->fixed_size = arrow_size;
  }
  return Status::OK();
}

// Counts the leaves of the subtree rooted at schema[*index] and moves *index past it.
Status SkipSubtree(const std::vector<SchemaElement>& schema, size_t* index, int depth,
                   int* leaves) {
  if (depth > kMaxSchemaDepth) return Invalid("schema nested deeper than 64 levels");
  if (*index >= schema.size()) return Invalid("schema ends inside a group");
  const SchemaElement& e = schema[(*index)++];
  if (e.num_children <= 0) {
    if (e.num_children == 0 && e.type < 0) return Status::OK();  // an empty group
    ++*leaves;
    return Status::OK();
  }
  if (static_cast<size_t>(e.num_children) > schema.size() - *index) {
    return Invalid("schema group '" + e.name + "' claims more children than the schema holds");
  }
  for (int32_t i = 0; i < e.num_children; ++i) {
    MURR_RETURN_IF_ERROR(SkipSubtree(schema, index, depth + 1, leaves));
  }
  return Status::OK();
}

// pyarrow records the Arrow schema (base64 of an IPC Schema message) under "ARROW:schema": the
// sizes of its top-level FixedSizeList fields, which Parquet's LIST alone does not carry.
std::vector<std::pair<std::string, int32_t>> ArrowFixedListSizes(const FileMetaData& meta) {
  for (const parquet::KeyValue& kv : meta.key_value_metadata) {
    if (kv.key != "ARROW:schema") continue;
    std::string message;
    if (!DecodeBase64(kv.value, &message)) return {};
    Result<std::vector<std::pair<std::string, int32_t>>> sizes = ArrowSchemaFixedListSizes(message);
    // The metadata is a hint: when it cannot be read, lists are read as Parquet describes them.
    if (sizes.ok()) return std::move(sizes).value();
  }
  return {};
}

Result<ParsedFile> ParseFile(const Buffer& file, const ParquetReadOptions& options,
                             const std::vector<ColumnSchema>& target) {
  const uint8_t* d = file.data();
  const size_t size = file.size();
  if (size < kMagicSize + kTailSize) {
    return Invalid("file of " + std::to_string(size) + " bytes is too small");
  }
  if (std::memcmp(d, "PAR1", 4) != 0) return Invalid("missing PAR1 magic at the start");
  if (std::memcmp(d + size - 4, "PARE", 4) == 0) {
    return Status::Unimplemented("encrypted Parquet files are not supported");
  }
  if (std::memcmp(d + size - 4, "PAR1", 4) != 0) return Invalid("missing PAR1 magic at the end");
  uint32_t footer_len;
  std::memcpy(&footer_len, d + size - kTailSize, 4);
  if (footer_len > size - kMagicSize - kTailSize) {
    return Invalid("footer length " + std::to_string(footer_len) + " exceeds the file");
  }
  if (static_cast<int64_t>(footer_len) > options.max_footer_bytes) {
    return Status::ResourceExhausted("Parquet footer of " + std::to_string(footer_len) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(options.max_footer_bytes));
  }
  ParsedFile pf;
  pf.data_end = size - kTailSize - footer_len;
  MURR_RETURN_IF_ERROR(parquet::DecodeFileMetaData(d + pf.data_end, footer_len, &pf.meta));

  const auto& schema = pf.meta.schema;
  const SchemaElement& root = schema[0];
  if (root.num_children < 0) return Invalid("schema root is not a group");
  size_t index = 1;
  int leaves = 0;
  std::vector<std::pair<std::string, int32_t>> arrow_sizes;
  bool arrow_sizes_read = false;
  for (int32_t c = 0; c < root.num_children; ++c) {
    if (index >= schema.size()) return Invalid("schema root claims more columns than it holds");
    const SchemaElement& e = schema[index];
    ParquetColumnInfo info;
    info.name = e.name;
    LeafColumn leaf;
    leaf.name = e.name;
    leaf.leaf_index = leaves;
    const size_t top = index;
    MURR_RETURN_IF_ERROR(SkipSubtree(schema, &index, 1, &leaves));
    if (IsListGroup(e) || (!IsGroup(e) && e.repetition == parquet::kRepeated)) {
      info.physical_type = IsGroup(e) ? "group" : parquet::PhysicalTypeName(e.type);
      info.supported = AnalyzeList(schema, top, &leaf);
      if (info.supported.ok()) {
        info.list_item = leaf.type;
        std::optional<DataType> wanted;
        for (const ColumnSchema& t : target) {
          if (t.name == e.name) wanted = t.type;
        }
        if (!arrow_sizes_read) {
          arrow_sizes = ArrowFixedListSizes(pf.meta);
          arrow_sizes_read = true;
        }
        uint32_t arrow_size = 0;
        for (const auto& [name, size] : arrow_sizes) {
          if (name == e.name && size > 0) arrow_size = static_cast<uint32_t>(size);
        }
        info.supported = ChooseListType(wanted, arrow_size, &leaf);
        info.field = Field{e.name, leaf.column_type(), leaf.optional, leaf.timezone};
      }
    } else if (IsGroup(e)) {
      info.physical_type = "group";
      std::string kind = e.logical.kind == parquet::kLtList || e.converted_type == parquet::kCtList
                             ? "a list"
                         : e.logical.kind == parquet::kLtMap || e.converted_type == parquet::kCtMap
                             ? "a map"
                             : "a struct (group)";
      info.supported = Status::Unimplemented("column '" + e.name + "' is " + kind +
                                             "; Murr reads flat columns only");
    } else {
      info.physical_type = parquet::PhysicalTypeName(e.type);
      if (e.repetition != parquet::kRequired && e.repetition != parquet::kOptional) {
        info.supported =
            Invalid("column '" + e.name + "' has repetition " + std::to_string(e.repetition));
      } else {
        leaf.optional = e.repetition == parquet::kOptional;
        leaf.max_def = leaf.optional ? 1 : 0;
        info.supported = MapLeafType(e, &leaf);
        info.field = Field{e.name, leaf.type, leaf.optional, leaf.timezone};
      }
    }
    pf.columns.push_back(std::move(info));
    pf.leaves.push_back(std::move(leaf));
  }
  if (index != schema.size()) return Invalid("schema has elements outside the root");
  pf.total_leaves = leaves;
  for (size_t g = 0; g < pf.meta.row_groups.size(); ++g) {
    const auto& rg = pf.meta.row_groups[g];
    if (rg.columns.size() != static_cast<size_t>(leaves)) {
      return Invalid("row group " + std::to_string(g) + " has " +
                     std::to_string(rg.columns.size()) + " column chunks for " +
                     std::to_string(leaves) + " schema columns");
    }
    if (rg.num_rows < 0) return Invalid("row group " + std::to_string(g) + " has negative rows");
  }
  return pf;
}

// Decodes one column over all row groups.
Result<Column> ReadColumn(const Buffer& file, const ParsedFile& pf, const LeafColumn& leaf,
                          int64_t reserve_rows, const ParquetReadOptions& options) {
  parquet::DecoderLimits limits;
  limits.max_page_bytes = options.max_page_bytes;
  // A LIST's items: int32 offsets, and the output limit.
  limits.max_items =
      std::min<int64_t>(std::numeric_limits<int32_t>::max(),
                        options.max_output_bytes / std::max(1, FixedWidth(leaf.type)));
  ColumnChunkDecoder decoder(leaf, reserve_rows, limits);
  if (leaf.type.storage() == Storage::kVarBytes) {
    // PLAIN strings take at most the chunks' uncompressed bytes: reserving them saves the copies
    // of a doubling buffer. A claim, so capped like the row reservation.
    uint64_t bytes = 0;
    for (const auto& rg : pf.meta.row_groups) {
      const auto& chunk = rg.columns[leaf.leaf_index];
      if (chunk.has_meta_data && chunk.meta_data.total_uncompressed_size > 0) {
        bytes += static_cast<uint64_t>(chunk.meta_data.total_uncompressed_size);
      }
    }
    uint64_t cap = static_cast<uint64_t>(file.size()) * 64 + 4096;
    decoder.ReserveStringBytes(static_cast<int64_t>(std::min({bytes, cap, uint64_t{1} << 31})));
  }
  for (size_t g = 0; g < pf.meta.row_groups.size(); ++g) {
    const auto& rg = pf.meta.row_groups[g];
    const parquet::ColumnChunk& chunk = rg.columns[leaf.leaf_index];
    std::string where = "column '" + leaf.name + "' row group " + std::to_string(g);
    if (chunk.encrypted) {
      return Status::Unimplemented(where + ": encrypted column chunks are not supported");
    }
    if (chunk.has_file_path) {
      return Status::Unimplemented(where + ": column chunks in other files are not supported");
    }
    if (!chunk.has_meta_data) return Invalid(where + ": column chunk has no metadata");
    const parquet::ColumnMetaData& m = chunk.meta_data;
    if (m.type != leaf.physical) {
      return Invalid(where + ": chunk type " + parquet::PhysicalTypeName(m.type) +
                     " differs from the schema's " + parquet::PhysicalTypeName(leaf.physical));
    }
    if (!parquet::IsSupportedCodec(m.codec)) {
      return Status::Unimplemented(where + ": compression codec " + parquet::CodecName(m.codec) +
                                   " is not supported");
    }
    if (rg.num_rows == 0) continue;
    int64_t start = m.data_page_offset;
    // Some writers store dictionary_page_offset = 0 for "none"; only an offset before the
    // first data page means a dictionary page.
    if (m.dictionary_page_offset >= static_cast<int64_t>(kMagicSize) &&
        m.dictionary_page_offset < start) {
      start = m.dictionary_page_offset;
    }
    const int64_t data_end = static_cast<int64_t>(pf.data_end);
    if (start < static_cast<int64_t>(kMagicSize) || start >= data_end ||
        m.total_compressed_size <= 0 || m.total_compressed_size > data_end - start) {
      return Invalid(where + ": column chunk [" + std::to_string(start) + ", +" +
                     std::to_string(m.total_compressed_size) + ") lies outside the file's data");
    }
    const uint8_t* begin = file.data() + start;
    Status st = decoder.ReadChunk(begin, begin + m.total_compressed_size, m.codec, rg.num_rows,
                                  m.num_values);
    if (!st.ok()) return st.WithContext(where);
  }
  return decoder.Finish();
}

}  // namespace

Result<ParquetFileInfo> InspectParquet(const Buffer& file) {
  MURR_ASSIGN_OR_RETURN(ParsedFile pf, ParseFile(file, ParquetReadOptions(), {}));
  ParquetFileInfo info;
  info.num_rows = pf.meta.num_rows;
  info.num_row_groups = static_cast<int64_t>(pf.meta.row_groups.size());
  info.created_by = pf.meta.created_by;
  info.columns = std::move(pf.columns);
  return info;
}

Result<std::vector<Field>> ReadParquetSchema(const Buffer& file) {
  MURR_ASSIGN_OR_RETURN(ParsedFile pf, ParseFile(file, ParquetReadOptions(), {}));
  std::vector<Field> fields;
  for (const auto& c : pf.columns) {
    MURR_RETURN_IF_ERROR(c.supported);
    fields.push_back(c.field);
  }
  return fields;
}

Result<Batch> ReadParquet(const Buffer& file, const std::vector<std::string>& columns) {
  return ReadParquet(file, columns, ParquetReadOptions());
}

Result<Batch> ReadParquet(const Buffer& file, const std::vector<std::string>& columns,
                          const ParquetReadOptions& options) {
  return ReadParquet(file, columns, options, {});
}

Result<Batch> ReadParquet(const Buffer& file, const std::vector<std::string>& columns,
                          const ParquetReadOptions& options,
                          const std::vector<ColumnSchema>& target) {
  MURR_ASSIGN_OR_RETURN(ParsedFile pf, ParseFile(file, options, target));

  // Which top-level columns, in which order.
  std::vector<size_t> selected;
  if (columns.empty()) {
    for (size_t i = 0; i < pf.columns.size(); ++i) selected.push_back(i);
  } else {
    for (const std::string& name : columns) {
      size_t i = 0;
      while (i < pf.columns.size() && pf.columns[i].name != name) ++i;
      if (i == pf.columns.size()) {
        return Status::InvalidArgument("column '" + name + "' is not in the Parquet file");
      }
      selected.push_back(i);
    }
  }
  for (size_t i : selected) MURR_RETURN_IF_ERROR(pf.columns[i].supported);

  // Limits, from the footer's claims, before anything is allocated for them.
  int64_t total_rows = 0;
  for (const auto& rg : pf.meta.row_groups) {
    if (rg.num_rows > options.max_rows - total_rows) {
      return Status::ResourceExhausted("Parquet file claims more than " +
                                       std::to_string(options.max_rows) + " rows");
    }
    total_rows += rg.num_rows;
  }
  int64_t bytes_per_row = 0;
  for (size_t i : selected) {
    int w = FixedWidth(pf.leaves[i].column_type());
    bytes_per_row += w > 0 ? w : 4;  // utf8 offsets; bools are counted generously
  }
  if (bytes_per_row > 0 && total_rows > options.max_output_bytes / bytes_per_row) {
    return Status::ResourceExhausted("Parquet file claims " + std::to_string(total_rows) +
                                     " rows, more than the output limit of " +
                                     std::to_string(options.max_output_bytes) + " bytes allows");
  }
  // Allocate up front only what the file's size makes plausible; grow past that on demand.
  int64_t plausible = static_cast<int64_t>(std::min<uint64_t>(
      static_cast<uint64_t>(file.size()) * 64 + 4096, static_cast<uint64_t>(total_rows)));

  std::vector<Result<Column>> results(selected.size(), Status::Internal("column not read"));
  int threads = static_cast<int>(
      std::min<size_t>(selected.size(), static_cast<size_t>(std::max(1, options.num_threads))));
  if (threads <= 1) {
    for (size_t k = 0; k < selected.size(); ++k) {
      results[k] = ReadColumn(file, pf, pf.leaves[selected[k]], plausible, options);
      if (!results[k].ok()) return results[k].status();
    }
  } else {
    // Columns are independent: workers take the next column until none is left or one failed.
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
      for (size_t k = next++; k < selected.size() && !failed; k = next++) {
        results[k] = ReadColumn(file, pf, pf.leaves[selected[k]], plausible, options);
        if (!results[k].ok()) failed = true;
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    for (auto& r : results) {
      if (!r.ok() && r.status().code() != StatusCode::kInternal) return r.status();
    }
    for (auto& r : results) {
      if (!r.ok()) return r.status();
    }
  }

  Batch batch;
  batch.num_rows = total_rows;
  for (size_t k = 0; k < selected.size(); ++k) {
    batch.fields.push_back(pf.columns[selected[k]].field);
    batch.columns.push_back(std::move(results[k]).value());
  }
  return batch;
}

}  // namespace murr
