// Arrow IPC stream reader: framing, flatbuffer verification, Schema and RecordBatch decoding.
#include <bit>
#include <cstring>
#include <memory>

#include "murr/codec/arrow_ipc.h"
#include "murr/codec/fbs/Message_generated.h"

namespace murr {
namespace {

namespace fb = ::murr::arrow_fb;

static_assert(std::endian::native == std::endian::little,
              "the Arrow IPC codec assumes a little-endian host");

constexpr uint32_t kContinuation = 0xFFFFFFFFu;

std::string Quote(const std::string& name) {
  return "'" + name + "'";
}

// Bytes needed for a bitmap of `n` bits, without overflow for any n >= 0.
uint64_t SafeBitmapBytes(int64_t n) {
  return static_cast<uint64_t>(n / 8) + (n % 8 != 0 ? 1 : 0);
}

std::string ArrowTypeName(fb::Type t) {
  const char* name = fb::EnumNameType(t);
  if (name == nullptr || *name == '\0') {
    return "with unknown type id " + std::to_string(static_cast<int>(t));
  }
  return name;
}

std::string SupportedTypes() {
  return "supported: " + ScalarTypeNames(", ") +
         " (as Arrow types), FixedSizeList of an integer or float type, and List of any of "
         "those scalar types";
}

// The scalar type id whose Arrow description (TypeInfo) matches; nullopt when none does.
std::optional<TypeId> FindScalar(ArrowKind kind, int bits, bool is_signed, TimeUnit unit) {
  for (int i = 0; i < kNumTypeIds; ++i) {
    const TypeInfo& info = Info(static_cast<TypeId>(i));
    if (info.arrow != kind) continue;
    switch (kind) {
      case ArrowKind::kInt:
        if (info.arrow_bits == bits && info.is_signed == is_signed) return static_cast<TypeId>(i);
        break;
      case ArrowKind::kFloatingPoint:
        if (info.arrow_bits == bits) return static_cast<TypeId>(i);
        break;
      case ArrowKind::kTimestamp:
        if (info.unit == unit) return static_cast<TypeId>(i);
        break;
      case ArrowKind::kBool:
      case ArrowKind::kUtf8:
      case ArrowKind::kBinary:
      case ArrowKind::kDate:
      case ArrowKind::kFixedSizeList:
      case ArrowKind::kList:
        return static_cast<TypeId>(i);
    }
  }
  return std::nullopt;
}

Status Unsupported(const std::string& name, const std::string& what) {
  return Status::Unimplemented("field " + Quote(name) + " has Arrow type " + what +
                               ", which Murr does not support (" + SupportedTypes() + ")");
}

// A scalar field's type id; *timezone gets a Timestamp's zone.
Result<TypeId> ConvertScalar(const fb::Field& field, const std::string& name,
                             std::string* timezone) {
  switch (field.type_type()) {
    case fb::Type::Utf8:
      return TypeId::kUtf8;
    case fb::Type::Binary:
      return TypeId::kBinary;
    case fb::Type::Bool:
      return TypeId::kBool;
    case fb::Type::Int: {
      const fb::Int* t = field.type_as_Int();
      if (t == nullptr) {
        return Status::InvalidArgument("field " + Quote(name) + " has type Int without its table");
      }
      auto id = FindScalar(ArrowKind::kInt, t->bitWidth(), t->is_signed(), TimeUnit::kSecond);
      if (!id) {
        return Status::InvalidArgument("field " + Quote(name) + " has an Int type of bit width " +
                                       std::to_string(t->bitWidth()) +
                                       " (Arrow allows 8, 16, 32, 64)");
      }
      return *id;
    }
    case fb::Type::FloatingPoint: {
      const fb::FloatingPoint* t = field.type_as_FloatingPoint();
      if (t == nullptr) {
        return Status::InvalidArgument("field " + Quote(name) +
                                       " has type FloatingPoint without its table");
      }
      int bits = t->precision() == fb::Precision::HALF     ? 16
                 : t->precision() == fb::Precision::SINGLE ? 32
                 : t->precision() == fb::Precision::DOUBLE ? 64
                                                           : 0;
      auto id = FindScalar(ArrowKind::kFloatingPoint, bits, true, TimeUnit::kSecond);
      if (!id) {
        return Status::InvalidArgument("field " + Quote(name) +
                                       " has a FloatingPoint type of unknown precision " +
                                       std::to_string(static_cast<int>(t->precision())));
      }
      return *id;
    }
    case fb::Type::Date: {
      const fb::Date* t = field.type_as_Date();
      if (t == nullptr) {
        return Status::InvalidArgument("field " + Quote(name) + " has type Date without its table");
      }
      if (t->unit() != fb::DateUnit::DAY) return Unsupported(name, "date64 (Date in milliseconds)");
      return TypeId::kDate32;
    }
    case fb::Type::Timestamp: {
      const fb::Timestamp* t = field.type_as_Timestamp();
      if (t == nullptr) {
        return Status::InvalidArgument("field " + Quote(name) +
                                       " has type Timestamp without its table");
      }
      int unit = static_cast<int>(t->unit());
      if (unit < 0 || unit > 3) {
        return Status::InvalidArgument("field " + Quote(name) +
                                       " has a Timestamp of unknown unit " + std::to_string(unit));
      }
      if (t->timezone() != nullptr) *timezone = t->timezone()->str();
      if (timezone->size() > 64) {
        return Status::InvalidArgument("field " + Quote(name) + " has a timezone over 64 bytes");
      }
      return *FindScalar(ArrowKind::kTimestamp, 64, true, static_cast<TimeUnit>(unit));
    }
    case fb::Type::NONE:
      return Status::InvalidArgument("field " + Quote(name) + " has no type");
    case fb::Type::Null:
    case fb::Type::Decimal:
    case fb::Type::Time:
    case fb::Type::Interval:
    case fb::Type::List:  // only at the top level (ConvertType), not as an item
    case fb::Type::Struct_:
    case fb::Type::Union:
    case fb::Type::FixedSizeBinary:
    case fb::Type::FixedSizeList:  // only at the top level (ConvertType), not as an item
    case fb::Type::Map:
    case fb::Type::Duration:
    case fb::Type::LargeBinary:
    case fb::Type::LargeUtf8:
    case fb::Type::LargeList:
    case fb::Type::RunEndEncoded:
    case fb::Type::BinaryView:
    case fb::Type::Utf8View:
    case fb::Type::ListView:
    case fb::Type::LargeListView:
      break;
  }
  // The types above, and ids this build does not know (a newer writer).
  return Unsupported(name, ArrowTypeName(field.type_type()));
}

size_t NumChildren(const fb::Field& f) {
  return f.children() == nullptr ? 0 : f.children()->size();
}

Status ConvertType(const fb::Field& f, Field* field) {
  const std::string& name = field->name;
  if (f.type_type() == fb::Type::FixedSizeList) {
    const fb::FixedSizeList* t = f.type_as_FixedSizeList();
    if (t == nullptr) {
      return Status::InvalidArgument("field " + Quote(name) +
                                     " has type FixedSizeList without its table");
    }
    if (NumChildren(f) != 1) {
      return Status::InvalidArgument("field " + Quote(name) + " is a FixedSizeList with " +
                                     std::to_string(NumChildren(f)) +
                                     " child fields; it must have one");
    }
    if (t->listSize() < 1 || static_cast<uint32_t>(t->listSize()) > kMaxListSize) {
      return Status::InvalidArgument("field " + Quote(name) + " is a FixedSizeList of size " +
                                     std::to_string(t->listSize()) + " (Murr allows 1..65536)");
    }
    const fb::Field* child = f.children()->Get(0);
    if (child->dictionary() != nullptr || NumChildren(*child) != 0) {
      return Unsupported(name, "FixedSizeList of a nested or dictionary-encoded type");
    }
    std::string tz;
    MURR_ASSIGN_OR_RETURN(TypeId item, ConvertScalar(*child, name + ".item", &tz));
    if (!IsNumericItem(item)) {
      return Unsupported(name, "FixedSizeList of " + DataTypeName(item));
    }
    field->type = DataType::FixedSizeList(item, static_cast<uint32_t>(t->listSize()));
    return Status::OK();
  }
  if (f.type_type() == fb::Type::List) {
    if (NumChildren(f) != 1) {
      return Status::InvalidArgument("field " + Quote(name) + " is a List with " +
                                     std::to_string(NumChildren(f)) +
                                     " child fields; it must have one");
    }
    const fb::Field* child = f.children()->Get(0);
    if (child->dictionary() != nullptr || NumChildren(*child) != 0) {
      return Unsupported(name, "List of a nested or dictionary-encoded type");
    }
    // A list of timestamps keeps its items' timezone on the field.
    MURR_ASSIGN_OR_RETURN(TypeId item, ConvertScalar(*child, name + ".item", &field->timezone));
    field->type = DataType::List(item);
    return Status::OK();
  }
  MURR_ASSIGN_OR_RETURN(TypeId id, ConvertScalar(f, name, &field->timezone));
  if (NumChildren(f) != 0) {
    return Status::InvalidArgument("field " + Quote(name) + " of type " + DataTypeName(id) +
                                   " has " + std::to_string(NumChildren(f)) +
                                   " child fields; it can have none");
  }
  field->type = id;
  return Status::OK();
}

Result<std::vector<Field>> DecodeSchema(const fb::Schema& schema) {
  if (schema.endianness() != fb::Endianness::Little) {
    return Status::Unimplemented("the Arrow stream is big-endian; Murr reads little-endian only");
  }
  std::vector<Field> out;
  const auto* fields = schema.fields();
  if (fields == nullptr) return out;
  out.reserve(fields->size());
  for (const fb::Field* f : *fields) {
    Field field;
    if (f->name() != nullptr) field.name = f->name()->str();
    if (f->dictionary() != nullptr) {
      return Status::Unimplemented("field " + Quote(field.name) +
                                   " is dictionary-encoded, which Murr does not support; send "
                                   "plain (non-dictionary) columns");
    }
    MURR_RETURN_IF_ERROR(ConvertType(*f, &field));
    field.nullable = f->nullable();
    out.push_back(std::move(field));
  }
  return out;
}

// Number of body buffers a field of `type` takes: validity + values (+ data for utf8 and
// binary; a fixed-size list: its validity, then the child's validity and values; a list: its
// validity and offsets, then the child's buffers).
size_t BuffersFor(DataType type) {
  switch (type.storage()) {
    case Storage::kVarBytes:
      return 3;
    case Storage::kFixedList:
      return 3;
    case Storage::kList:
      return 2 + BuffersFor(type.item_type());
    case Storage::kFixed:
    case Storage::kBit:
      return 2;
  }
  return 2;
}

// Number of field nodes: one, and one more for a list's child.
size_t NodesFor(DataType type) {
  switch (type.storage()) {
    case Storage::kFixedList:
    case Storage::kList:
      return 2;
    case Storage::kFixed:
    case Storage::kBit:
    case Storage::kVarBytes:
      return 1;
  }
  return 1;
}

// The body buffer described by `meta`, bounds-checked against `body`. Borrowed from the body
// when its address is a multiple of `align`, copied otherwise.
Result<Buffer> BodyBuffer(const Buffer& body, const fb::Buffer& meta, size_t align,
                          const std::string& field, const char* role) {
  int64_t off = meta.offset();
  int64_t len = meta.length();
  uint64_t size = body.size();
  if (off < 0 || len < 0 || static_cast<uint64_t>(off) > size ||
      static_cast<uint64_t>(len) > size - static_cast<uint64_t>(off)) {
    return Status::InvalidArgument("field " + Quote(field) + ": " + role + " buffer (offset " +
                                   std::to_string(off) + ", length " + std::to_string(len) +
                                   ") lies outside the message body of " + std::to_string(size) +
                                   " bytes");
  }
  Buffer b = body.Slice(static_cast<size_t>(off), static_cast<size_t>(len));
  if (len > 0 && align > 1 && reinterpret_cast<uintptr_t>(b.data()) % align != 0) {
    return Buffer::Copy(b.data(), b.size());
  }
  return b;
}

Status TooShort(const std::string& field, const char* role, size_t have, uint64_t need,
                int64_t rows) {
  return Status::InvalidArgument("field " + Quote(field) + ": " + role + " buffer has " +
                                 std::to_string(have) + " bytes, " + std::to_string(need) +
                                 " needed for " + std::to_string(rows) + " rows");
}

// The column of one field node (and, for a list, its child's) from the next buffers. Only the
// buffer sizes are checked here; the caller validates the whole column.
Status DecodeColumn(const Buffer& body, const fb::RecordBatch& rb, size_t* ni, size_t* bi,
                    const std::string& name, DataType type, const fb::FieldNode& node,
                    Column* out) {
  const int64_t length = node.length();
  Column& c = *out;
  c.type = type;
  c.length = length;
  c.null_count = node.null_count();
  const auto* metas = rb.buffers();
  auto next = [&]() { return metas->Get(static_cast<flatbuffers::uoffset_t>((*bi)++)); };

  MURR_ASSIGN_OR_RETURN(Buffer validity, BodyBuffer(body, *next(), 1, name, "validity"));
  if (c.null_count > 0) {
    uint64_t need = SafeBitmapBytes(length);
    if (validity.size() < need) return TooShort(name, "validity", validity.size(), need, length);
    c.validity = validity;
  }
  // With null_count 0 the bitmap (if any) is ignored, as the spec allows.

  switch (type.storage()) {
    case Storage::kBit: {
      MURR_ASSIGN_OR_RETURN(c.values, BodyBuffer(body, *next(), 1, name, "values"));
      uint64_t need = SafeBitmapBytes(length);
      if (c.values.size() < need) return TooShort(name, "values", c.values.size(), need, length);
      break;
    }
    case Storage::kVarBytes: {
      MURR_ASSIGN_OR_RETURN(c.values, BodyBuffer(body, *next(), 4, name, "offsets"));
      MURR_ASSIGN_OR_RETURN(c.data, BodyBuffer(body, *next(), 1, name, "data"));
      if (length == 0 && c.values.size() < 4) {
        // Writers may leave the offsets of an empty array out entirely.
        static const int32_t kZeroOffset[4] = {0, 0, 0, 0};
        c.values = Buffer(reinterpret_cast<const uint8_t*>(kZeroOffset), 4, nullptr);
      }
      uint64_t need = (static_cast<uint64_t>(length) + 1) * 4;
      if (c.values.size() < need) return TooShort(name, "offsets", c.values.size(), need, length);
      break;
    }
    case Storage::kFixed: {
      size_t width = static_cast<size_t>(FixedWidth(type));
      MURR_ASSIGN_OR_RETURN(c.values, BodyBuffer(body, *next(), width, name, "values"));
      uint64_t need = static_cast<uint64_t>(length) * width;
      if (c.values.size() < need) return TooShort(name, "values", c.values.size(), need, length);
      break;
    }
    case Storage::kList: {
      MURR_ASSIGN_OR_RETURN(c.values, BodyBuffer(body, *next(), 4, name, "offsets"));
      if (length == 0 && c.values.size() < 4) {
        static const int32_t kZeroOffset[4] = {0, 0, 0, 0};
        c.values = Buffer(reinterpret_cast<const uint8_t*>(kZeroOffset), 4, nullptr);
      }
      uint64_t need = (static_cast<uint64_t>(length) + 1) * 4;
      if (c.values.size() < need) return TooShort(name, "offsets", c.values.size(), need, length);
      const fb::FieldNode* child = rb.nodes()->Get(static_cast<flatbuffers::uoffset_t>((*ni)++));
      // Every item takes at least one bit of the body: a longer child is a lie, and rejecting
      // it keeps the size arithmetic below far from overflow.
      if (child->length() < 0 || SafeBitmapBytes(child->length()) > body.size()) {
        return Status::InvalidArgument("field " + Quote(name) + ": list items claim " +
                                       std::to_string(child->length()) +
                                       " values, more than the message body can hold");
      }
      if (child->null_count() < 0 || child->null_count() > child->length()) {
        return Status::InvalidArgument("field " + Quote(name) + ": list items have null count " +
                                       std::to_string(child->null_count()) + " for " +
                                       std::to_string(child->length()) + " values");
      }
      c.children.emplace_back();
      // Offsets against the items' length, and the items themselves, are checked by
      // Column::Validate (Batch::Validate below).
      return DecodeColumn(body, rb, ni, bi, name + ".item", type.item_type(), *child,
                          &c.children.back());
    }
    case Storage::kFixedList: {
      const fb::FieldNode* child = rb.nodes()->Get(static_cast<flatbuffers::uoffset_t>((*ni)++));
      const uint64_t items = static_cast<uint64_t>(length) * type.size;
      if (child->length() < 0 || static_cast<uint64_t>(child->length()) != items) {
        return Status::InvalidArgument(
            "field " + Quote(name) + ": a fixed-size list of " + std::to_string(type.size) +
            " values per row has " + std::to_string(child->length()) + " child values for " +
            std::to_string(length) + " rows (expected " + std::to_string(items) + ")");
      }
      MURR_ASSIGN_OR_RETURN(Buffer child_validity,
                            BodyBuffer(body, *next(), 1, name, "item validity"));
      if (child->null_count() != 0) {
        // Murr's null is a whole null vector: null items may sit only inside null rows (where
        // writers such as pyarrow put them), never inside a valid vector.
        if (child->null_count() < 0 || child_validity.size() < SafeBitmapBytes(items)) {
          return TooShort(name, "item validity", child_validity.size(), SafeBitmapBytes(items),
                          length);
        }
        for (int64_t r = 0; r < length; ++r) {
          if (c.null_count > 0 && !GetBit(c.validity.data(), r)) continue;
          for (uint32_t k = 0; k < type.size; ++k) {
            if (!GetBit(child_validity.data(), r * type.size + k)) {
              return Status::InvalidArgument(
                  "field " + Quote(name) + " row " + std::to_string(r) +
                  " holds a null item inside a valid vector; Murr stores a null as a whole "
                  "null vector");
            }
          }
        }
      }
      size_t width = static_cast<size_t>(Info(type.item).width);
      MURR_ASSIGN_OR_RETURN(c.values, BodyBuffer(body, *next(), width, name, "values"));
      uint64_t need = items * width;
      if (c.values.size() < need) {
        return TooShort(name, "values", c.values.size(), need, length);
      }
      break;
    }
  }
  return Status::OK();
}

Result<Batch> DecodeRecordBatch(const std::vector<Field>& fields, const fb::RecordBatch& rb,
                                const Buffer& body) {
  int64_t length = rb.length();
  if (length < 0) {
    return Status::InvalidArgument("record batch has negative length " + std::to_string(length));
  }
  if (rb.compression() != nullptr) {
    return Status::Unimplemented(
        "the record batch body is compressed (LZ4/ZSTD buffer compression), which Murr does not "
        "support; send uncompressed Arrow IPC");
  }
  if (rb.variadicBufferCounts() != nullptr && rb.variadicBufferCounts()->size() != 0) {
    return Status::InvalidArgument(
        "record batch has variadic buffer counts but no view-type field");
  }
  size_t num_nodes = rb.nodes() ? rb.nodes()->size() : 0;
  size_t num_buffers = rb.buffers() ? rb.buffers()->size() : 0;
  size_t want_nodes = 0;
  for (const Field& f : fields) want_nodes += NodesFor(f.type);
  if (num_nodes != want_nodes) {
    return Status::InvalidArgument("record batch has " + std::to_string(num_nodes) +
                                   " field nodes, the schema's fields need " +
                                   std::to_string(want_nodes));
  }
  size_t want_buffers = 0;
  for (const Field& f : fields) want_buffers += BuffersFor(f.type);
  if (num_buffers != want_buffers) {
    return Status::InvalidArgument("record batch has " + std::to_string(num_buffers) +
                                   " buffers, the schema's fields need " +
                                   std::to_string(want_buffers));
  }
  // Every column needs at least one bit per row, so a length beyond that is a lie; checking it
  // here keeps all size arithmetic below far from overflow.
  if (!fields.empty() && SafeBitmapBytes(length) > body.size()) {
    return Status::InvalidArgument("record batch claims " + std::to_string(length) +
                                   " rows but its body has only " + std::to_string(body.size()) +
                                   " bytes");
  }

  Batch batch;
  batch.fields = fields;
  batch.num_rows = length;
  batch.columns.reserve(fields.size());
  size_t bi = 0;
  size_t ni = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& field = fields[i];
    const fb::FieldNode* node = rb.nodes()->Get(static_cast<flatbuffers::uoffset_t>(ni++));
    if (node->length() != length) {
      return Status::InvalidArgument("field " + Quote(field.name) + " has " +
                                     std::to_string(node->length()) +
                                     " rows in a record batch of " + std::to_string(length));
    }
    if (node->null_count() < 0 || node->null_count() > length) {
      return Status::InvalidArgument("field " + Quote(field.name) + " has null count " +
                                     std::to_string(node->null_count()) + " for " +
                                     std::to_string(length) + " rows");
    }
    if (!field.nullable && node->null_count() > 0) {
      return Status::InvalidArgument("field " + Quote(field.name) +
                                     " is declared non-nullable but has " +
                                     std::to_string(node->null_count()) + " nulls");
    }
    Column c;
    MURR_RETURN_IF_ERROR(DecodeColumn(body, rb, &ni, &bi, field.name, field.type, *node, &c));
    batch.columns.push_back(std::move(c));
  }
  MURR_RETURN_IF_ERROR(batch.Validate());
  return batch;
}

// A verified flatbuffer Message; holds an aligned copy of the bytes when the input was not.
struct ParsedMessage {
  std::unique_ptr<uint64_t[]> storage;
  const fb::Message* message = nullptr;
};

Result<ParsedMessage> ParseMessage(const uint8_t* data, size_t size) {
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Status::InvalidArgument("Arrow IPC message metadata of " + std::to_string(size) +
                                   " bytes is too large");
  }
  ParsedMessage out;
  if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
    out.storage.reset(new uint64_t[(size + 7) / 8]);
    if (size) std::memcpy(out.storage.get(), data, size);
    data = reinterpret_cast<const uint8_t*>(out.storage.get());
  }
  flatbuffers::Verifier verifier(data, size);
  if (!fb::VerifyMessageBuffer(verifier)) {
    return Status::InvalidArgument(
        "Arrow IPC message metadata is not a valid flatbuffer Message (failed verification)");
  }
  out.message = fb::GetMessage(data);
  return out;
}

Status DecodeMessage(const fb::Message& msg, const Buffer& body, bool* has_schema,
                     std::vector<Field>* fields, std::optional<Batch>* batch) {
  if (batch) batch->reset();
  if (msg.version() < fb::MetadataVersion::V4 || msg.version() > fb::MetadataVersion::V5) {
    return Status::Unimplemented("Arrow IPC metadata version " +
                                 std::to_string(static_cast<int>(msg.version()) + 1) +
                                 " is not supported (Murr reads V4 and V5)");
  }
  if (msg.bodyLength() < 0) {
    return Status::InvalidArgument("message has negative body length " +
                                   std::to_string(msg.bodyLength()));
  }
  if (static_cast<uint64_t>(msg.bodyLength()) > body.size()) {
    return Status::InvalidArgument("message declares a body of " +
                                   std::to_string(msg.bodyLength()) + " bytes but has " +
                                   std::to_string(body.size()));
  }
  Buffer own_body = body.Slice(0, static_cast<size_t>(msg.bodyLength()));
  switch (msg.header_type()) {
    case fb::MessageHeader::Schema: {
      if (*has_schema) return Status::InvalidArgument("second Schema message in one stream");
      const fb::Schema* schema = msg.header_as_Schema();
      if (schema == nullptr) return Status::InvalidArgument("Schema message without its header");
      MURR_ASSIGN_OR_RETURN(*fields, DecodeSchema(*schema));
      *has_schema = true;
      return Status::OK();
    }
    case fb::MessageHeader::RecordBatch: {
      if (!*has_schema) {
        return Status::InvalidArgument("RecordBatch message before the Schema message");
      }
      const fb::RecordBatch* rb = msg.header_as_RecordBatch();
      if (rb == nullptr) {
        return Status::InvalidArgument("RecordBatch message without its header");
      }
      MURR_ASSIGN_OR_RETURN(Batch b, DecodeRecordBatch(*fields, *rb, own_body));
      if (batch) *batch = std::move(b);
      return Status::OK();
    }
    case fb::MessageHeader::DictionaryBatch:
      return Status::Unimplemented(
          "DictionaryBatch message: dictionary-encoded columns are not supported");
    case fb::MessageHeader::Tensor:
    case fb::MessageHeader::SparseTensor:
      return Status::Unimplemented(std::string(fb::EnumNameMessageHeader(msg.header_type())) +
                                   " messages are not supported");
    case fb::MessageHeader::NONE:
      return Status::InvalidArgument("Arrow IPC message without a header");
    default:
      return Status::InvalidArgument("Arrow IPC message with unknown header type " +
                                     std::to_string(static_cast<int>(msg.header_type())));
  }
}

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

Result<std::vector<std::pair<std::string, int32_t>>> ArrowSchemaFixedListSizes(
    std::string_view message) {
  const uint8_t* d = reinterpret_cast<const uint8_t*>(message.data());
  size_t size = message.size();
  // The encapsulated framing: an optional continuation marker, then the metadata length.
  size_t pos = 0;
  if (size >= 4 && std::memcmp(d, "\xff\xff\xff\xff", 4) == 0) pos = 4;
  if (size - pos < 4) return Status::InvalidArgument("Arrow schema message truncated");
  int32_t len;
  std::memcpy(&len, d + pos, 4);
  pos += 4;
  if (len < 0 || static_cast<size_t>(len) > size - pos) {
    return Status::InvalidArgument("Arrow schema message length exceeds its bytes");
  }
  MURR_ASSIGN_OR_RETURN(ParsedMessage parsed, ParseMessage(d + pos, static_cast<size_t>(len)));
  const fb::Schema* schema = parsed.message->header_as_Schema();
  if (schema == nullptr) return Status::InvalidArgument("Arrow message is not a Schema");
  std::vector<std::pair<std::string, int32_t>> out;
  if (schema->fields() == nullptr) return out;
  for (const fb::Field* f : *schema->fields()) {
    if (f == nullptr || f->name() == nullptr) continue;
    if (f->type_type() != fb::Type::FixedSizeList) continue;
    const fb::FixedSizeList* t = f->type_as_FixedSizeList();
    if (t == nullptr) continue;
    out.emplace_back(f->name()->str(), t->listSize());
  }
  return out;
}

Status IpcStreamDecoder::Consume(std::string_view metadata, const Buffer& body,
                                 std::optional<Batch>* batch) {
  if (batch) batch->reset();
  MURR_ASSIGN_OR_RETURN(
      ParsedMessage parsed,
      ParseMessage(reinterpret_cast<const uint8_t*>(metadata.data()), metadata.size()));
  return DecodeMessage(*parsed.message, body, &has_schema_, &fields_, batch);
}

Result<ArrowIpcContents> ReadArrowIpcStreamContents(const Buffer& input) {
  const uint8_t* d = input.data();
  const size_t n = input.size();
  size_t pos = 0;
  bool has_schema = false;
  ArrowIpcContents out;
  for (int index = 0;; ++index) {
    const std::string where =
        "Arrow IPC message " + std::to_string(index) + " at byte " + std::to_string(pos);
    if (n - pos < 4) {
      return Status::InvalidArgument(
          pos == n ? "Arrow IPC stream ends without the end-of-stream marker (truncated?)"
                   : where + ": stream truncated inside the message length");
    }
    uint32_t word = LoadU32(d + pos);
    size_t prefix = 4;
    uint32_t meta_len = word;  // legacy framing: the length alone
    if (word == kContinuation) {
      if (n - pos < 8) {
        return Status::InvalidArgument(where + ": stream truncated inside the message length");
      }
      meta_len = LoadU32(d + pos + 4);
      prefix = 8;
    }
    if (meta_len == 0) {  // end-of-stream marker
      pos += prefix;
      if (pos != n) {
        return Status::InvalidArgument(std::to_string(n - pos) +
                                       " bytes after the Arrow IPC end-of-stream marker");
      }
      break;
    }
    if (meta_len > static_cast<uint32_t>(INT32_MAX)) {
      return Status::InvalidArgument(where + ": negative metadata length " +
                                     std::to_string(static_cast<int32_t>(meta_len)));
    }
    pos += prefix;
    if (meta_len > n - pos) {
      return Status::InvalidArgument(where + ": metadata of " + std::to_string(meta_len) +
                                     " bytes runs past the end of the stream (truncated?)");
    }
    auto parsed = ParseMessage(d + pos, meta_len);
    if (!parsed.ok()) return parsed.status().WithContext(where);
    pos += meta_len;
    int64_t body_len = parsed->message->bodyLength();
    if (body_len < 0 || static_cast<uint64_t>(body_len) > n - pos) {
      return Status::InvalidArgument(where + ": body of " + std::to_string(body_len) +
                                     " bytes runs past the end of the stream (truncated?)");
    }
    Buffer body = input.Slice(pos, static_cast<size_t>(body_len));
    pos += static_cast<size_t>(body_len);
    std::optional<Batch> batch;
    Status st = DecodeMessage(*parsed->message, body, &has_schema, &out.fields, &batch);
    if (!st.ok()) return st.WithContext(where);
    if (batch) out.batches.push_back(std::move(*batch));
  }
  if (!has_schema) {
    return Status::InvalidArgument("Arrow IPC stream has no Schema message");
  }
  return out;
}

Result<std::vector<Batch>> ReadArrowIpcStream(const Buffer& input) {
  MURR_ASSIGN_OR_RETURN(ArrowIpcContents contents, ReadArrowIpcStreamContents(input));
  return std::move(contents.batches);
}

}  // namespace murr
