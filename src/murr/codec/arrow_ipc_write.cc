// Arrow IPC stream writer: Schema and RecordBatch messages over the batch's own buffers, laid
// out as scatter-gather slices.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "murr/codec/arrow_ipc.h"
#include "murr/codec/fbs/Message_generated.h"

namespace murr {
namespace {

namespace fb = ::murr::arrow_fb;

static_assert(std::endian::native == std::endian::little,
              "the Arrow IPC codec assumes a little-endian host");
static_assert(kIpcBodyAlignment == 8);

constexpr size_t Pad(size_t n) {
  return (n + kIpcBodyAlignment - 1) & ~(kIpcBodyAlignment - 1);
}

// Source of padding bytes and of the end-of-stream marker for the slices.
alignas(64) constexpr uint8_t kZeros[kIpcBodyAlignment] = {};
constexpr uint8_t kEndOfStream[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};

// The Arrow type of a scalar type id (a fixed-size list's item, or a column).
void EncodeScalarType(flatbuffers::FlatBufferBuilder& fbb, TypeId id, const std::string& timezone,
                      fb::Type* type_type, flatbuffers::Offset<void>* type) {
  const TypeInfo& info = Info(id);
  switch (info.arrow) {
    case ArrowKind::kUtf8:
      *type_type = fb::Type::Utf8;
      *type = fb::CreateUtf8(fbb).Union();
      return;
    case ArrowKind::kBinary:
      *type_type = fb::Type::Binary;
      *type = fb::CreateBinary(fbb).Union();
      return;
    case ArrowKind::kBool:
      *type_type = fb::Type::Bool;
      *type = fb::CreateBool(fbb).Union();
      return;
    case ArrowKind::kInt:
      *type_type = fb::Type::Int;
      *type = fb::CreateInt(fbb, info.arrow_bits, info.is_signed).Union();
      return;
    case ArrowKind::kFloatingPoint:
      *type_type = fb::Type::FloatingPoint;
      *type = fb::CreateFloatingPoint(fbb, info.arrow_bits == 16   ? fb::Precision::HALF
                                           : info.arrow_bits == 32 ? fb::Precision::SINGLE
                                                                   : fb::Precision::DOUBLE)
                  .Union();
      return;
    case ArrowKind::kDate:
      *type_type = fb::Type::Date;
      *type = fb::CreateDate(fbb, fb::DateUnit::DAY).Union();
      return;
    case ArrowKind::kTimestamp: {
      auto tz = timezone.empty() ? 0 : fbb.CreateString(timezone);
      *type_type = fb::Type::Timestamp;
      *type = fb::CreateTimestamp(fbb, static_cast<fb::TimeUnit>(info.unit), tz).Union();
      return;
    }
    case ArrowKind::kFixedSizeList:
    case ArrowKind::kList:
      break;  // not a scalar: EncodeField handles it
  }
  *type_type = fb::Type::NONE;
  *type = 0;
}

flatbuffers::Offset<fb::Field> EncodeField(flatbuffers::FlatBufferBuilder& fbb, const Field& f) {
  auto name = fbb.CreateString(f.name);
  fb::Type type_type;
  flatbuffers::Offset<void> type;
  std::vector<flatbuffers::Offset<fb::Field>> child_fields;
  switch (f.type.storage()) {
    case Storage::kFixedList:
    case Storage::kList: {
      // The child is named "item" and nullable, as pyarrow and Arrow C++ name it. A list of
      // timestamps carries the field's timezone on its items.
      fb::Type item_type_type;
      flatbuffers::Offset<void> item_type;
      EncodeScalarType(fbb, f.type.item, f.type.id == TypeId::kList ? f.timezone : std::string(),
                       &item_type_type, &item_type);
      auto item_name = fbb.CreateString("item");
      auto no_children = fbb.CreateVector(std::vector<flatbuffers::Offset<fb::Field>>{});
      child_fields.push_back(fb::CreateField(fbb, item_name, true, item_type_type, item_type,
                                             /*dictionary=*/0, no_children));
      if (f.type.id == TypeId::kList) {
        type_type = fb::Type::List;
        type = fb::CreateList(fbb).Union();
      } else {
        type_type = fb::Type::FixedSizeList;
        type = fb::CreateFixedSizeList(fbb, static_cast<int32_t>(f.type.size)).Union();
      }
      break;
    }
    case Storage::kFixed:
    case Storage::kBit:
    case Storage::kVarBytes:
      EncodeScalarType(fbb, f.type.id, f.timezone, &type_type, &type);
      break;
  }
  // An empty children vector rather than none: some readers expect it to be present.
  auto children = fbb.CreateVector(child_fields);
  return fb::CreateField(fbb, name, f.nullable, type_type, type, /*dictionary=*/0, children);
}

std::string FinishMessage(flatbuffers::FlatBufferBuilder& fbb, fb::MessageHeader header_type,
                          flatbuffers::Offset<void> header, int64_t body_length) {
  auto msg = fb::CreateMessage(fbb, fb::MetadataVersion::V5, header_type, header, body_length);
  fbb.Finish(msg);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

// Bits [offset, offset + length) of `bits` as a bitmap starting at bit 0: a slice when the
// offset is a whole byte, else a shifted copy.
Buffer SliceBits(const Buffer& bits, int64_t offset, int64_t length) {
  size_t nbytes = BitmapBytes(length);
  size_t first = static_cast<size_t>(offset / 8);
  int shift = static_cast<int>(offset % 8);
  if (shift == 0) return bits.Slice(first, nbytes);
  Buffer out = Buffer::Allocate(nbytes);
  uint8_t* o = out.mutable_data();
  const uint8_t* src = bits.data() + first;
  size_t avail = BitmapBytes(offset + length) - first;  // source bytes that hold our bits
  for (size_t j = 0; j < nbytes; ++j) {
    unsigned lo = src[j] >> shift;
    unsigned hi = j + 1 < avail ? static_cast<unsigned>(src[j + 1]) << (8 - shift) : 0u;
    o[j] = static_cast<uint8_t>(lo | hi);
  }
  if (length % 8 != 0) o[nbytes - 1] &= static_cast<uint8_t>((1u << (length % 8)) - 1);
  return out;
}

class BodyBuilder {
 public:
  void Reserve(size_t buffers) {
    metas_.reserve(buffers);
    buffers_.reserve(buffers);
  }
  void Add(Buffer b) {
    metas_.emplace_back(offset_, static_cast<int64_t>(b.size()));
    offset_ += static_cast<int64_t>(Pad(b.size()));
    buffers_.push_back(std::move(b));
  }
  std::vector<fb::Buffer>& metas() { return metas_; }
  std::vector<Buffer>& buffers() { return buffers_; }
  int64_t length() const { return offset_; }

  // Makes the body one slice of `block` when every buffer lies inside it, in order, on 8-byte
  // offsets, with only zero bytes between: from the first buffer to the last (padded), the
  // buffer offsets the places the buffers already have there. Not when that body would be over
  // `max_body` bytes or more than an eighth longer than the usual layout (the block's 64-byte
  // slices would make a short reply several times longer: it is copied whole anyway). Returns
  // false, changing nothing, when the buffers do not fit that form.
  bool PlaceInBlock(const Buffer& block, size_t max_body) {
    const uintptr_t lo = reinterpret_cast<uintptr_t>(block.data());
    const uintptr_t hi = lo + block.size();
    uintptr_t start = 0;
    uintptr_t end = lo;
    for (const Buffer& b : buffers_) {
      if (b.empty()) continue;
      const uintptr_t at = reinterpret_cast<uintptr_t>(b.data());
      if (at < end || at > hi || b.size() > hi - at || (at - lo) % kIpcBodyAlignment != 0) {
        return false;
      }
      if (start == 0) start = at;
      end = at + b.size();
    }
    if (start == 0) return false;  // an empty body: the usual layout is as short
    const size_t body = Pad(end - start);
    const size_t usual = static_cast<size_t>(offset_);
    if (body > hi - start || body > max_body || body > usual + usual / 8) return false;
    // What lies between the buffers (and after the last, up to the padded end) goes on the
    // wire: it must be zeros.
    auto zeros = [](uintptr_t from, uintptr_t to) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(from);
      return std::all_of(p, p + (to - from), [](uint8_t byte) { return byte == 0; });
    };
    uintptr_t gap = start;
    for (const Buffer& b : buffers_) {
      if (b.empty()) continue;
      const uintptr_t at = reinterpret_cast<uintptr_t>(b.data());
      if (!zeros(gap, at)) return false;
      gap = at + b.size();
    }
    if (!zeros(gap, start + body)) return false;
    int64_t next = 0;  // where an empty buffer points: after the last placed one
    for (size_t i = 0; i < buffers_.size(); ++i) {
      const Buffer& b = buffers_[i];
      if (b.empty()) {
        metas_[i] = fb::Buffer(next, 0);
        continue;
      }
      const int64_t at = static_cast<int64_t>(reinterpret_cast<uintptr_t>(b.data()) - start);
      metas_[i] = fb::Buffer(at, static_cast<int64_t>(b.size()));
      next = at + static_cast<int64_t>(Pad(b.size()));
    }
    buffers_.assign(1, block.Slice(static_cast<size_t>(start - lo), body));
    offset_ = static_cast<int64_t>(body);
    return true;
  }

 private:
  std::vector<fb::Buffer> metas_;
  std::vector<Buffer> buffers_;
  int64_t offset_ = 0;
};

// O(1) size checks (per level of nesting), so that a malformed column can never make us send
// memory past its end.
bool ShapeOk(const Column& c) {
  if (c.length < 0) return false;
  if (!c.validity.empty() && c.validity.size() < BitmapBytes(c.length)) return false;
  switch (c.type.storage()) {
    case Storage::kVarBytes:
      return c.values.size() >= static_cast<size_t>(c.length + 1) * 4;
    case Storage::kBit:
      return c.values.size() >= BitmapBytes(c.length);
    case Storage::kFixed:
    case Storage::kFixedList:
      return c.values.size() >= static_cast<size_t>(c.length) * FixedWidth(c.type);
    case Storage::kList: {
      if (c.values.size() < static_cast<size_t>(c.length + 1) * 4 || c.children.size() != 1 ||
          c.items().type != c.type.item_type() || !ShapeOk(c.items())) {
        return false;
      }
      const int32_t* o = c.offsets();
      return o[0] >= 0 && o[0] <= o[c.length] && o[c.length] <= c.items().length;
    }
  }
  return false;
}

Status CheckBatchShape(const Batch& batch) {
  if (batch.fields.size() != batch.columns.size()) {
    return Status::InvalidArgument("batch has " + std::to_string(batch.fields.size()) +
                                   " fields but " + std::to_string(batch.columns.size()) +
                                   " columns");
  }
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    const Column& c = batch.columns[i];
    if (c.type != batch.fields[i].type || c.length != batch.num_rows || c.length < 0) {
      return Status::InvalidArgument("column '" + batch.fields[i].name +
                                     "' does not match its field or the batch length");
    }
    if (!ShapeOk(c)) {
      return Status::InvalidArgument("column '" + batch.fields[i].name +
                                     "' has buffers too short for its length");
    }
  }
  return Status::OK();
}

// An upper bound of the body bytes for rows [offset, offset + length) (exact except that a
// validity bitmap is counted even when the range holds no null).
size_t ColumnBodyBound(const Column& c, int64_t offset, int64_t length) {
  size_t bitmap = Pad(BitmapBytes(length));
  size_t total = c.validity.empty() ? 0 : bitmap;
  switch (c.type.storage()) {
    case Storage::kBit:
      total += bitmap;
      break;
    case Storage::kVarBytes: {
      const int32_t* o = c.offsets();
      total += Pad(static_cast<size_t>(length + 1) * 4);
      total += Pad(static_cast<size_t>(o[offset + length] - o[offset]));
      break;
    }
    case Storage::kFixed:
    case Storage::kFixedList:
      total += Pad(static_cast<size_t>(length) * FixedWidth(c.type));
      break;
    case Storage::kList: {
      const int32_t* o = c.offsets();
      total += Pad(static_cast<size_t>(length + 1) * 4);
      total += ColumnBodyBound(c.items(), o[offset], o[offset + length] - o[offset]);
      break;
    }
  }
  return total;
}

size_t BodySizeBound(const Batch& batch, int64_t offset, int64_t length) {
  size_t total = 0;
  for (const Column& c : batch.columns) total += ColumnBodyBound(c, offset, length);
  return total;
}

// Rows [offset, offset + length) of `c` as field nodes and body buffers (a list: its node and
// buffers, then its items' over the range its offsets span). Offsets are rebased to start at 0.
Status EncodeColumn(const Column& c, int64_t offset, int64_t length, BodyBuilder* body,
                    std::vector<fb::FieldNode>* nodes) {
  const bool whole = offset == 0 && length == c.length;
  int64_t null_count = 0;
  Buffer validity;
  if (!c.validity.empty() && c.null_count > 0 && length > 0) {
    validity = SliceBits(c.validity, offset, length);
    null_count = whole ? c.null_count : length - CountSetBits(validity.data(), length);
    if (null_count == 0) validity = Buffer();
  }
  nodes->emplace_back(length, null_count);
  body->Add(std::move(validity));
  auto add_offsets = [&](int32_t start) {
    const int32_t* o = c.offsets();
    size_t offsets_bytes = static_cast<size_t>(length + 1) * 4;
    if (start == 0) {
      body->Add(c.values.Slice(static_cast<size_t>(offset) * 4, offsets_bytes));
    } else {
      Buffer rebased = Buffer::Allocate(offsets_bytes);
      int32_t* r = reinterpret_cast<int32_t*>(rebased.mutable_data());
      for (int64_t i = 0; i <= length; ++i) r[i] = o[offset + i] - start;
      body->Add(std::move(rebased));
    }
  };
  switch (c.type.storage()) {
    case Storage::kBit:
      body->Add(SliceBits(c.values, offset, length));
      break;
    case Storage::kVarBytes: {
      const int32_t* o = c.offsets();
      int32_t start = o[offset];
      int32_t end = o[offset + length];
      if (start < 0 || end < start || static_cast<size_t>(end) > c.data.size()) {
        return Status::InvalidArgument(DataTypeName(c.type) +
                                       " column has offsets outside its data");
      }
      add_offsets(start);
      body->Add(c.data.Slice(static_cast<size_t>(start), static_cast<size_t>(end - start)));
      break;
    }
    case Storage::kFixed: {
      size_t width = static_cast<size_t>(FixedWidth(c.type));
      body->Add(
          c.values.Slice(static_cast<size_t>(offset) * width, static_cast<size_t>(length) * width));
      break;
    }
    case Storage::kFixedList: {
      // The child array: `length * size` items without nulls (a null row's items are zeros).
      size_t width = static_cast<size_t>(FixedWidth(c.type));
      nodes->emplace_back(length * static_cast<int64_t>(c.type.size), 0);
      body->Add(Buffer());
      body->Add(
          c.values.Slice(static_cast<size_t>(offset) * width, static_cast<size_t>(length) * width));
      break;
    }
    case Storage::kList: {
      const int32_t* o = c.offsets();
      int32_t start = o[offset];
      int32_t end = o[offset + length];
      if (start < 0 || end < start || end > c.items().length) {
        return Status::InvalidArgument(DataTypeName(c.type) +
                                       " column has offsets outside its items");
      }
      add_offsets(start);
      return EncodeColumn(c.items(), start, end - start, body, nodes);
    }
  }
  return Status::OK();
}

}  // namespace

size_t IpcMessage::MetadataPadding() const {
  return Pad(metadata.size()) - metadata.size();
}

size_t IpcMessage::WireSize() const {
  return 8 + Pad(metadata.size()) + static_cast<size_t>(body_length);
}

void IpcMessage::AppendBodySlices(std::vector<ConstSlice>* out) const {
  for (const Buffer& b : body_buffers) {
    if (b.size()) out->push_back({b.data(), b.size()});
    size_t pad = Pad(b.size()) - b.size();
    if (pad) out->push_back({kZeros, pad});
  }
}

void IpcMessage::AppendSlices(std::array<uint8_t, 8>* prefix, std::vector<ConstSlice>* out) const {
  uint32_t continuation = 0xFFFFFFFFu;
  int32_t len = static_cast<int32_t>(Pad(metadata.size()));
  std::memcpy(prefix->data(), &continuation, 4);
  std::memcpy(prefix->data() + 4, &len, 4);
  out->push_back({prefix->data(), 8});
  out->push_back({metadata.data(), metadata.size()});
  if (MetadataPadding()) out->push_back({kZeros, MetadataPadding()});
  AppendBodySlices(out);
}

namespace {

// The last schema messages this thread encoded, keyed by their fields. Reads ask for the same few
// column lists again and again; building the flatbuffer took a tenth of a 1-key fetch's
// instructions. Keyed by content (name, type, nullability, zone), an entry cannot go stale.
struct SchemaMessageCache {
  static constexpr size_t kEntries = 8;
  struct Entry {
    std::vector<Field> fields;
    std::string metadata;
  };
  std::array<Entry, kEntries> entries;
  size_t next = 0;

  const std::string* Find(const std::vector<Field>& fields) const {
    for (const Entry& e : entries) {
      if (!e.metadata.empty() && e.fields == fields) return &e.metadata;
    }
    return nullptr;
  }
  void Put(const std::vector<Field>& fields, const std::string& metadata) {
    Entry& e = entries[next];
    next = (next + 1) % kEntries;
    e.fields = fields;
    e.metadata = metadata;
  }
};

std::string BuildSchemaMetadata(const std::vector<Field>& fields);

}  // namespace

IpcMessage EncodeSchemaMessage(const std::vector<Field>& fields) {
  thread_local SchemaMessageCache cache;
  IpcMessage msg;
  if (const std::string* hit = cache.Find(fields)) {
    msg.metadata = *hit;
    return msg;
  }
  msg.metadata = BuildSchemaMetadata(fields);
  cache.Put(fields, msg.metadata);
  return msg;
}

namespace {

std::string BuildSchemaMetadata(const std::vector<Field>& fields) {
  flatbuffers::FlatBufferBuilder fbb(256 + 64 * fields.size());
  std::vector<flatbuffers::Offset<fb::Field>> encoded;
  encoded.reserve(fields.size());
  for (const Field& f : fields) encoded.push_back(EncodeField(fbb, f));
  auto schema = fb::CreateSchema(fbb, fb::Endianness::Little, fbb.CreateVector(encoded));
  return FinishMessage(fbb, fb::MessageHeader::Schema, schema.Union(), 0);
}

}  // namespace

namespace {

// EncodeRecordBatchMessage for a batch whose shape was checked (CheckBatchShape), with the
// block (Batch::block) used only for a body of at most `max_body` bytes.
Result<IpcMessage> EncodeRecordBatch(const Batch& batch, int64_t offset, int64_t length,
                                     size_t max_body) {
  if (offset < 0 || length < 0 || offset > batch.num_rows || length > batch.num_rows - offset) {
    return Status::InvalidArgument("row range [" + std::to_string(offset) + ", " +
                                   std::to_string(offset) + "+" + std::to_string(length) +
                                   ") is outside the batch of " + std::to_string(batch.num_rows) +
                                   " rows");
  }
  BodyBuilder body;
  // A flat column has one node and at most three buffers; lists and fixed-size lists add a level.
  body.Reserve(3 * batch.columns.size());
  std::vector<fb::FieldNode> nodes;
  nodes.reserve(2 * batch.columns.size());
  for (const Column& c : batch.columns) {
    MURR_RETURN_IF_ERROR(EncodeColumn(c, offset, length, &body, &nodes));
  }
  if (!batch.block.empty() && offset == 0 && length == batch.num_rows) {
    body.PlaceInBlock(batch.block, max_body);
  }
  flatbuffers::FlatBufferBuilder fbb(256 + 16 * nodes.size() + 16 * body.metas().size());
  auto rb = fb::CreateRecordBatch(fbb, length, fbb.CreateVectorOfStructs(nodes),
                                  fbb.CreateVectorOfStructs(body.metas()));
  IpcMessage msg;
  msg.metadata = FinishMessage(fbb, fb::MessageHeader::RecordBatch, rb.Union(), body.length());
  msg.body_buffers = std::move(body.buffers());
  msg.body_length = body.length();
  return msg;
}

}  // namespace

Result<IpcMessage> EncodeRecordBatchMessage(const Batch& batch, int64_t offset, int64_t length) {
  MURR_RETURN_IF_ERROR(CheckBatchShape(batch));
  return EncodeRecordBatch(batch, offset, length, SIZE_MAX);
}

Result<IpcMessage> EncodeRecordBatchMessage(const Batch& batch) {
  return EncodeRecordBatchMessage(batch, 0, batch.num_rows);
}

std::vector<ConstSlice> IpcStreamParts::Slices() {
  prefixes_.assign(messages.size(), {});
  std::vector<ConstSlice> out;
  out.reserve(messages.size() * 8 + 1);
  for (size_t i = 0; i < messages.size(); ++i) messages[i].AppendSlices(&prefixes_[i], &out);
  out.push_back({kEndOfStream, sizeof(kEndOfStream)});
  return out;
}

size_t IpcStreamParts::WireSize() const {
  size_t total = sizeof(kEndOfStream);
  for (const IpcMessage& m : messages) total += m.WireSize();
  return total;
}

std::string IpcStreamParts::Concatenate() const {
  std::string out;
  out.reserve(WireSize());
  for (const IpcMessage& m : messages) {
    const uint32_t continuation = 0xFFFFFFFFu;
    const int32_t len = static_cast<int32_t>(Pad(m.metadata.size()));
    out.append(reinterpret_cast<const char*>(&continuation), 4);
    out.append(reinterpret_cast<const char*>(&len), 4);
    out.append(m.metadata);
    out.append(reinterpret_cast<const char*>(kZeros), m.MetadataPadding());
    for (const Buffer& b : m.body_buffers) {
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      out.append(reinterpret_cast<const char*>(kZeros), Pad(b.size()) - b.size());
    }
  }
  out.append(reinterpret_cast<const char*>(kEndOfStream), sizeof(kEndOfStream));
  return out;
}

Result<IpcStreamParts> EncodeArrowIpcStream(const Batch& batch, size_t max_body_bytes) {
  MURR_RETURN_IF_ERROR(CheckBatchShape(batch));
  IpcStreamParts parts;
  parts.messages.push_back(EncodeSchemaMessage(batch.fields));
  int64_t offset = 0;
  do {
    int64_t remaining = batch.num_rows - offset;
    int64_t rows = remaining;
    if (max_body_bytes != SIZE_MAX && BodySizeBound(batch, offset, rows) > max_body_bytes) {
      // The largest row count that fits (at least one): the bound grows with the row count.
      int64_t lo = 1, hi = remaining;
      while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (BodySizeBound(batch, offset, mid) <= max_body_bytes) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      rows = lo;
    }
    MURR_ASSIGN_OR_RETURN(IpcMessage msg, EncodeRecordBatch(batch, offset, rows, max_body_bytes));
    parts.messages.push_back(std::move(msg));
    offset += rows;
  } while (offset < batch.num_rows);
  return parts;
}

Result<IpcStreamParts> EncodeArrowIpcStream(const std::vector<Field>& fields,
                                            const std::vector<Batch>& batches) {
  IpcStreamParts parts;
  parts.messages.push_back(EncodeSchemaMessage(fields));
  for (const Batch& b : batches) {
    if (b.fields.size() != fields.size()) {
      return Status::InvalidArgument("batch has " + std::to_string(b.fields.size()) +
                                     " fields, the stream's schema " +
                                     std::to_string(fields.size()));
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      if (b.fields[i].type != fields[i].type) {
        return Status::InvalidArgument("field '" + b.fields[i].name + "' is " +
                                       DataTypeName(b.fields[i].type) + " in a batch but " +
                                       DataTypeName(fields[i].type) + " in the stream's schema");
      }
    }
    MURR_ASSIGN_OR_RETURN(IpcMessage msg, EncodeRecordBatchMessage(b));
    parts.messages.push_back(std::move(msg));
  }
  return parts;
}

std::string WriteArrowIpcStream(const Batch& batch) {
  auto parts = EncodeArrowIpcStream(batch);
  if (!parts.ok()) return std::string();
  return parts->Concatenate();
}

}  // namespace murr
