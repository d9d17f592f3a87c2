#include "murr/codec/parquet/metadata.h"

#include "murr/codec/parquet/thrift_compact.h"

namespace murr::parquet {
namespace {

using R = ThriftCompactReader;

// Reads a struct field by field: `on_field(header)` consumes the fields it knows and returns
// false for the others, which are skipped.
template <typename F>
Status ReadStruct(R& r, F&& on_field) {
  MURR_RETURN_IF_ERROR(r.BeginStruct());
  int16_t last = 0;
  while (true) {
    ThriftFieldHeader h;
    Status st = r.ReadFieldHeader(&last, &h);
    if (!st.ok()) {
      r.EndStruct();
      return st;
    }
    if (h.type == ThriftType::kStop) break;
    bool handled = false;
    st = on_field(h, &handled);
    if (st.ok() && !handled) st = r.Skip(h.type);
    if (!st.ok()) {
      r.EndStruct();
      return st;
    }
  }
  r.EndStruct();
  return Status::OK();
}

Status ExpectStruct(const ThriftFieldHeader& h) {
  if (h.type != ThriftType::kStruct) {
    return R::Error("field " + std::to_string(h.id) + " should be a struct");
  }
  return Status::OK();
}

Status ReadLogicalType(R& r, LogicalType* out) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    // A union: exactly one member is set; its field id names the kind.
    MURR_RETURN_IF_ERROR(ExpectStruct(h));
    out->kind = h.id;
    if (h.id == kLtTimestamp) {
      *handled = true;
      return ReadStruct(r, [&](const ThriftFieldHeader& f, bool* known) -> Status {
        if (f.id == 1) {
          *known = true;
          return r.ReadBoolField(f, &out->is_adjusted_to_utc);
        }
        if (f.id == 2) {
          *known = true;
          MURR_RETURN_IF_ERROR(ExpectStruct(f));
          return ReadStruct(r, [&](const ThriftFieldHeader& u, bool*) -> Status {
            MURR_RETURN_IF_ERROR(ExpectStruct(u));
            out->time_unit = u.id;  // the empty member struct is skipped
            return Status::OK();
          });
        }
        return Status::OK();
      });
    }
    if (h.id != kLtInteger) return Status::OK();  // others: skipped (their content is unused)
    *handled = true;
    return ReadStruct(r, [&](const ThriftFieldHeader& f, bool* known) -> Status {
      if (f.id == 1) {
        *known = true;
        if (f.type != ThriftType::kByte) return R::Error("IntType.bitWidth should be a byte");
        int8_t bw;
        MURR_RETURN_IF_ERROR(r.ReadByte(&bw));
        out->bit_width = bw;
        return Status::OK();
      }
      if (f.id == 2) {
        *known = true;
        return r.ReadBoolField(f, &out->is_signed);
      }
      return Status::OK();
    });
  });
}

Status ReadSchemaElement(R& r, SchemaElement* e) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        return r.ReadI32Field(h, &e->type);
      case 2:
        return r.ReadI32Field(h, &e->type_length);
      case 3:
        return r.ReadI32Field(h, &e->repetition);
      case 4:
        return r.ReadStringField(h, &e->name);
      case 5:
        return r.ReadI32Field(h, &e->num_children);
      case 6:
        return r.ReadI32Field(h, &e->converted_type);
      case 10:
        MURR_RETURN_IF_ERROR(ExpectStruct(h));
        return ReadLogicalType(r, &e->logical);
      default:
        *handled = false;
        return Status::OK();
    }
  });
}

Status ReadColumnMetaData(R& r, ColumnMetaData* m) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        return r.ReadI32Field(h, &m->type);
      case 3: {
        ThriftListHeader lh;
        MURR_RETURN_IF_ERROR(r.ExpectList(h, ThriftType::kBinary, &lh));
        for (uint32_t i = 0; i < lh.size; ++i) {
          std::string_view s;
          MURR_RETURN_IF_ERROR(r.ReadBinary(&s));
          m->path_in_schema.emplace_back(s);
        }
        return Status::OK();
      }
      case 4:
        return r.ReadI32Field(h, &m->codec);
      case 5:
        return r.ReadI64Field(h, &m->num_values);
      case 6:
        return r.ReadI64Field(h, &m->total_uncompressed_size);
      case 7:
        return r.ReadI64Field(h, &m->total_compressed_size);
      case 9:
        return r.ReadI64Field(h, &m->data_page_offset);
      case 11:
        return r.ReadI64Field(h, &m->dictionary_page_offset);
      default:
        *handled = false;
        return Status::OK();
    }
  });
}

Status ReadColumnChunk(R& r, ColumnChunk* c) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    switch (h.id) {
      case 1:
        c->has_file_path = true;
        return Status::OK();  // skipped; we only note it
      case 3:
        *handled = true;
        MURR_RETURN_IF_ERROR(ExpectStruct(h));
        c->has_meta_data = true;
        return ReadColumnMetaData(r, &c->meta_data);
      case 8:
      case 9:
        c->encrypted = true;
        return Status::OK();
      default:
        return Status::OK();
    }
  });
}

Status ReadRowGroup(R& r, RowGroup* g) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1: {
        ThriftListHeader lh;
        MURR_RETURN_IF_ERROR(r.ExpectList(h, ThriftType::kStruct, &lh));
        for (uint32_t i = 0; i < lh.size; ++i) {
          g->columns.emplace_back();  // grows with the bytes actually read, not with lh.size
          MURR_RETURN_IF_ERROR(ReadColumnChunk(r, &g->columns.back()));
        }
        return Status::OK();
      }
      case 3:
        return r.ReadI64Field(h, &g->num_rows);
      default:
        *handled = false;
        return Status::OK();
    }
  });
}

Status ReadDataPageHeader(R& r, DataPageHeader* d) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        return r.ReadI32Field(h, &d->num_values);
      case 2:
        return r.ReadI32Field(h, &d->encoding);
      case 3:
        return r.ReadI32Field(h, &d->definition_level_encoding);
      case 4:
        return r.ReadI32Field(h, &d->repetition_level_encoding);
      default:
        *handled = false;
        return Status::OK();
    }
  });
}

Status ReadDictionaryPageHeader(R& r, DictionaryPageHeader* d) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        return r.ReadI32Field(h, &d->num_values);
      case 2:
        return r.ReadI32Field(h, &d->encoding);
      default:
        *handled = false;
        return Status::OK();
    }
  });
}

Status ReadDataPageHeaderV2(R& r, DataPageHeaderV2* d) {
  return ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        return r.ReadI32Field(h, &d->num_values);
      case 2:
        return r.ReadI32Field(h, &d->num_nulls);
      case 3:
        return r.ReadI32Field(h, &d->num_rows);
      case 4:
        return r.ReadI32Field(h, &d->encoding);
      case 5:
        return r.ReadI32Field(h, &d->definition_levels_byte_length);
      case 6:
        return r.ReadI32Field(h, &d->repetition_levels_byte_length);
      case 7:
        return r.ReadBoolField(h, &d->is_compressed);
      default:
        *handled = false;
        return Status::OK();
    }
  });
}

}  // namespace

const char* PhysicalTypeName(int32_t type) {
  switch (type) {
    case kBoolean:
      return "BOOLEAN";
    case kInt32:
      return "INT32";
    case kInt64:
      return "INT64";
    case kInt96:
      return "INT96";
    case kFloat:
      return "FLOAT";
    case kDouble:
      return "DOUBLE";
    case kByteArray:
      return "BYTE_ARRAY";
    case kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
    default:
      return "unknown physical type";
  }
}

const char* EncodingName(int32_t encoding) {
  switch (encoding) {
    case kPlain:
      return "PLAIN";
    case 1:
      return "GROUP_VAR_INT";
    case kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case kRle:
      return "RLE";
    case kBitPacked:
      return "BIT_PACKED";
    case kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case kRleDictionary:
      return "RLE_DICTIONARY";
    case kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
    default:
      return "unknown encoding";
  }
}

const char* CodecName(int32_t codec) {
  switch (codec) {
    case kUncompressed:
      return "UNCOMPRESSED";
    case kSnappy:
      return "SNAPPY";
    case kGzip:
      return "GZIP";
    case kLzo:
      return "LZO";
    case kBrotli:
      return "BROTLI";
    case kLz4:
      return "LZ4";
    case kZstd:
      return "ZSTD";
    case kLz4Raw:
      return "LZ4_RAW";
    default:
      return "unknown codec";
  }
}

Status DecodeFileMetaData(const uint8_t* data, size_t size, FileMetaData* out) {
  R r(data, size);
  bool has_schema = false;
  bool has_row_groups = false;
  MURR_RETURN_IF_ERROR(ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        return r.ReadI32Field(h, &out->version);
      case 2: {
        ThriftListHeader lh;
        MURR_RETURN_IF_ERROR(r.ExpectList(h, ThriftType::kStruct, &lh));
        has_schema = true;
        for (uint32_t i = 0; i < lh.size; ++i) {
          out->schema.emplace_back();
          MURR_RETURN_IF_ERROR(ReadSchemaElement(r, &out->schema.back()));
        }
        return Status::OK();
      }
      case 3:
        return r.ReadI64Field(h, &out->num_rows);
      case 4: {
        ThriftListHeader lh;
        MURR_RETURN_IF_ERROR(r.ExpectList(h, ThriftType::kStruct, &lh));
        has_row_groups = true;
        for (uint32_t i = 0; i < lh.size; ++i) {
          out->row_groups.emplace_back();
          MURR_RETURN_IF_ERROR(ReadRowGroup(r, &out->row_groups.back()));
        }
        return Status::OK();
      }
      case 5: {
        ThriftListHeader lh;
        MURR_RETURN_IF_ERROR(r.ExpectList(h, ThriftType::kStruct, &lh));
        for (uint32_t i = 0; i < lh.size; ++i) {
          out->key_value_metadata.emplace_back();
          KeyValue* kv = &out->key_value_metadata.back();
          MURR_RETURN_IF_ERROR(
              ReadStruct(r, [&](const ThriftFieldHeader& f, bool* known) -> Status {
                if (f.id == 1 || f.id == 2) {
                  *known = true;
                  return r.ReadStringField(f, f.id == 1 ? &kv->key : &kv->value);
                }
                return Status::OK();
              }));
        }
        return Status::OK();
      }
      case 6:
        return r.ReadStringField(h, &out->created_by);
      default:
        *handled = false;
        return Status::OK();
    }
  }));
  if (!has_schema || out->schema.empty()) return R::Error("footer has no schema");
  if (!has_row_groups) return R::Error("footer has no row group list");
  return Status::OK();
}

Status DecodePageHeader(const uint8_t* data, size_t size, PageHeader* out, size_t* header_size) {
  R r(data, size);
  bool has_type = false;
  MURR_RETURN_IF_ERROR(ReadStruct(r, [&](const ThriftFieldHeader& h, bool* handled) -> Status {
    *handled = true;
    switch (h.id) {
      case 1:
        has_type = true;
        return r.ReadI32Field(h, &out->type);
      case 2:
        return r.ReadI32Field(h, &out->uncompressed_page_size);
      case 3:
        return r.ReadI32Field(h, &out->compressed_page_size);
      case 5:
        MURR_RETURN_IF_ERROR(ExpectStruct(h));
        out->has_data_page = true;
        return ReadDataPageHeader(r, &out->data_page);
      case 7:
        MURR_RETURN_IF_ERROR(ExpectStruct(h));
        out->has_dictionary_page = true;
        return ReadDictionaryPageHeader(r, &out->dictionary_page);
      case 8:
        MURR_RETURN_IF_ERROR(ExpectStruct(h));
        out->has_data_page_v2 = true;
        return ReadDataPageHeaderV2(r, &out->data_page_v2);
      default:
        *handled = false;
        return Status::OK();
    }
  }));
  if (!has_type) return R::Error("page header has no page type");
  if (out->uncompressed_page_size < 0 || out->compressed_page_size < 0) {
    return R::Error("page header has a negative page size");
  }
  *header_size = r.position();
  return Status::OK();
}

}  // namespace murr::parquet
