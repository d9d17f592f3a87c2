#include "murr/codec/parquet/thrift_compact.h"

#include <cstring>

namespace murr::parquet {

Status ThriftCompactReader::Error(std::string_view what) {
  return Status::InvalidArgument("invalid Parquet file: bad Thrift metadata: " + std::string(what));
}

Status ThriftCompactReader::BeginStruct() {
  if (++depth_ > kMaxThriftDepth) {
    --depth_;
    return Error("structs nested deeper than " + std::to_string(kMaxThriftDepth));
  }
  return Status::OK();
}

Status ThriftCompactReader::ReadVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p_ >= end_) return Error("truncated varint");
    uint8_t b = *p_++;
    if (shift == 63 && (b & 0x7e) != 0) return Error("varint overflows 64 bits");
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return Status::OK();
    }
  }
  return Error("varint longer than 10 bytes");
}

Status ThriftCompactReader::ReadI64(int64_t* v) {
  uint64_t u = 0;
  MURR_RETURN_IF_ERROR(ReadVarint(&u));
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return Status::OK();
}

Status ThriftCompactReader::ReadI32(int32_t* v) {
  int64_t w = 0;
  MURR_RETURN_IF_ERROR(ReadI64(&w));
  if (w < INT32_MIN || w > INT32_MAX) return Error("i32 value out of range");
  *v = static_cast<int32_t>(w);
  return Status::OK();
}

Status ThriftCompactReader::ReadI16(int16_t* v) {
  int64_t w = 0;
  MURR_RETURN_IF_ERROR(ReadI64(&w));
  if (w < INT16_MIN || w > INT16_MAX) return Error("i16 value out of range");
  *v = static_cast<int16_t>(w);
  return Status::OK();
}

Status ThriftCompactReader::ReadByte(int8_t* v) {
  if (p_ >= end_) return Error("truncated byte");
  *v = static_cast<int8_t>(*p_++);
  return Status::OK();
}

Status ThriftCompactReader::ReadDouble(double* v) {
  if (remaining() < 8) return Error("truncated double");
  std::memcpy(v, p_, 8);
  p_ += 8;
  return Status::OK();
}

Status ThriftCompactReader::ReadBinary(std::string_view* v) {
  uint64_t len;
  MURR_RETURN_IF_ERROR(ReadVarint(&len));
  if (len > remaining()) return Error("string length " + std::to_string(len) + " past the end");
  *v = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(len));
  p_ += len;
  return Status::OK();
}

Status ThriftCompactReader::ReadFieldHeader(int16_t* last_id, ThriftFieldHeader* header) {
  if (p_ >= end_) return Error("truncated struct (no stop field)");
  uint8_t b = *p_++;
  uint8_t type = b & 0x0f;
  if (type > static_cast<uint8_t>(ThriftType::kStruct)) {
    return Error("unknown wire type " + std::to_string(type));
  }
  header->type = static_cast<ThriftType>(type);
  if (header->type == ThriftType::kStop) {
    if (b != 0) return Error("malformed stop field");
    header->id = 0;
    return Status::OK();
  }
  uint8_t delta = b >> 4;
  if (delta != 0) {
    int32_t id = *last_id + delta;
    if (id > INT16_MAX) return Error("field id overflow");
    header->id = static_cast<int16_t>(id);
  } else {
    MURR_RETURN_IF_ERROR(ReadI16(&header->id));
  }
  *last_id = header->id;
  return Status::OK();
}

Status ThriftCompactReader::CheckType(const ThriftFieldHeader& h, ThriftType want,
                                      const char* what) {
  if (h.type != want) {
    return Error("field " + std::to_string(h.id) + " should be " + what + " but has wire type " +
                 std::to_string(static_cast<int>(h.type)));
  }
  return Status::OK();
}

Status ThriftCompactReader::ReadI32Field(const ThriftFieldHeader& h, int32_t* v) {
  MURR_RETURN_IF_ERROR(CheckType(h, ThriftType::kI32, "i32"));
  return ReadI32(v);
}

Status ThriftCompactReader::ReadI64Field(const ThriftFieldHeader& h, int64_t* v) {
  MURR_RETURN_IF_ERROR(CheckType(h, ThriftType::kI64, "i64"));
  return ReadI64(v);
}

Status ThriftCompactReader::ReadBoolField(const ThriftFieldHeader& h, bool* v) {
  if (h.type == ThriftType::kBoolTrue) {
    *v = true;
  } else if (h.type == ThriftType::kBoolFalse) {
    *v = false;
  } else {
    return CheckType(h, ThriftType::kBoolTrue, "bool");
  }
  return Status::OK();
}

Status ThriftCompactReader::ReadStringField(const ThriftFieldHeader& h, std::string* v) {
  MURR_RETURN_IF_ERROR(CheckType(h, ThriftType::kBinary, "binary"));
  std::string_view s;
  MURR_RETURN_IF_ERROR(ReadBinary(&s));
  v->assign(s);
  return Status::OK();
}

Status ThriftCompactReader::ReadBoolElement(bool* v) {
  if (p_ >= end_) return Error("truncated bool");
  *v = (*p_++ == 1);
  return Status::OK();
}

Status ThriftCompactReader::ReadListHeader(ThriftListHeader* header) {
  if (p_ >= end_) return Error("truncated list header");
  uint8_t b = *p_++;
  uint8_t type = b & 0x0f;
  if (type == 0 || type > static_cast<uint8_t>(ThriftType::kStruct)) {
    return Error("unknown list element type " + std::to_string(type));
  }
  header->elem_type = static_cast<ThriftType>(type);
  uint64_t size = b >> 4;
  if (size == 15) MURR_RETURN_IF_ERROR(ReadVarint(&size));
  // Every element takes at least one byte on the wire.
  if (size > remaining()) {
    return Error("list of " + std::to_string(size) + " elements in " + std::to_string(remaining()) +
                 " bytes");
  }
  header->size = static_cast<uint32_t>(size);
  return Status::OK();
}

Status ThriftCompactReader::ExpectList(const ThriftFieldHeader& h, ThriftType elem,
                                       ThriftListHeader* header) {
  if (h.type != ThriftType::kList && h.type != ThriftType::kSet) {
    return CheckType(h, ThriftType::kList, "list");
  }
  MURR_RETURN_IF_ERROR(ReadListHeader(header));
  bool bool_ok = elem == ThriftType::kBoolTrue && header->elem_type == ThriftType::kBoolFalse;
  if (header->elem_type != elem && !bool_ok && header->size > 0) {
    return Error("field " + std::to_string(h.id) + " is a list of unexpected element type " +
                 std::to_string(static_cast<int>(header->elem_type)));
  }
  return Status::OK();
}

Status ThriftCompactReader::Skip(ThriftType type) {
  return SkipAtDepth(type, depth_);
}

Status ThriftCompactReader::SkipAtDepth(ThriftType type, int depth) {
  if (depth > kMaxThriftDepth) return Error("values nested too deeply");
  switch (type) {
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse:
      return Status::OK();  // the value is in the field header
    case ThriftType::kByte: {
      int8_t v;
      return ReadByte(&v);
    }
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: {
      uint64_t v;
      return ReadVarint(&v);
    }
    case ThriftType::kDouble: {
      double v;
      return ReadDouble(&v);
    }
    case ThriftType::kBinary: {
      std::string_view v;
      return ReadBinary(&v);
    }
    case ThriftType::kList:
    case ThriftType::kSet: {
      ThriftListHeader h;
      MURR_RETURN_IF_ERROR(ReadListHeader(&h));
      for (uint32_t i = 0; i < h.size; ++i) {
        if (h.elem_type == ThriftType::kBoolTrue || h.elem_type == ThriftType::kBoolFalse) {
          int8_t b;
          MURR_RETURN_IF_ERROR(ReadByte(&b));
        } else {
          MURR_RETURN_IF_ERROR(SkipAtDepth(h.elem_type, depth + 1));
        }
      }
      return Status::OK();
    }
    case ThriftType::kMap: {
      uint64_t size;
      MURR_RETURN_IF_ERROR(ReadVarint(&size));
      if (size == 0) return Status::OK();
      if (p_ >= end_) return Error("truncated map header");
      uint8_t kv = *p_++;
      auto key = static_cast<ThriftType>(kv >> 4);
      auto value = static_cast<ThriftType>(kv & 0x0f);
      if ((kv >> 4) == 0 || (kv >> 4) > 12 || (kv & 0x0f) == 0 || (kv & 0x0f) > 12) {
        return Error("unknown map element type");
      }
      if (size > remaining() / 2) return Error("map larger than the bytes left");
      for (uint64_t i = 0; i < size; ++i) {
        for (ThriftType t : {key, value}) {
          if (t == ThriftType::kBoolTrue || t == ThriftType::kBoolFalse) {
            int8_t b;
            MURR_RETURN_IF_ERROR(ReadByte(&b));
          } else {
            MURR_RETURN_IF_ERROR(SkipAtDepth(t, depth + 1));
          }
        }
      }
      return Status::OK();
    }
    case ThriftType::kStruct: {
      if (depth + 1 > kMaxThriftDepth) return Error("structs nested too deeply");
      int16_t last = 0;
      while (true) {
        ThriftFieldHeader h;
        MURR_RETURN_IF_ERROR(ReadFieldHeader(&last, &h));
        if (h.type == ThriftType::kStop) return Status::OK();
        MURR_RETURN_IF_ERROR(SkipAtDepth(h.type, depth + 1));
      }
    }
    case ThriftType::kStop:
      break;
  }
  return Error("cannot skip wire type " + std::to_string(static_cast<int>(type)));
}

}  // namespace murr::parquet
