#include "murr/columnar/arrow_c_data.h"

#include <utility>
#include <vector>

namespace murr {

namespace {

// Owns everything an exported schema node points to.
struct SchemaHolder {
  std::string format;
  std::string name;
  std::vector<ArrowSchema> child_structs;
  std::vector<ArrowSchema*> child_pointers;
};

void ReleaseSchema(ArrowSchema* schema) {
  if (!schema || !schema->release) return;
  for (int64_t i = 0; i < schema->n_children; ++i) {
    ArrowSchema* child = schema->children[i];
    if (child->release) child->release(child);
  }
  delete static_cast<SchemaHolder*>(schema->private_data);
  schema->release = nullptr;
}

void FillSchema(ArrowSchema* out, SchemaHolder* holder, int64_t flags) {
  out->format = holder->format.c_str();
  out->name = holder->name.c_str();
  out->metadata = nullptr;
  out->flags = flags;
  out->n_children = static_cast<int64_t>(holder->child_pointers.size());
  out->children = holder->child_pointers.empty() ? nullptr : holder->child_pointers.data();
  out->dictionary = nullptr;
  out->release = &ReleaseSchema;
  out->private_data = holder;
}

// Owns what an exported array node points to: the batch (which owns every buffer) and the
// buffer and child pointer tables.
struct ArrayHolder {
  std::shared_ptr<const Batch> batch;
  std::vector<const void*> buffers;
  std::vector<ArrowArray> child_structs;
  std::vector<ArrowArray*> child_pointers;
};

void ReleaseArray(ArrowArray* array) {
  if (!array || !array->release) return;
  for (int64_t i = 0; i < array->n_children; ++i) {
    ArrowArray* child = array->children[i];
    if (child->release) child->release(child);
  }
  delete static_cast<ArrayHolder*>(array->private_data);
  array->release = nullptr;
}

void FillArray(ArrowArray* out, ArrayHolder* holder, int64_t length, int64_t null_count) {
  out->length = length;
  out->null_count = null_count;
  out->offset = 0;
  out->n_buffers = static_cast<int64_t>(holder->buffers.size());
  out->buffers = holder->buffers.data();
  out->n_children = static_cast<int64_t>(holder->child_pointers.size());
  out->children = holder->child_pointers.empty() ? nullptr : holder->child_pointers.data();
  out->dictionary = nullptr;
  out->release = &ReleaseArray;
  out->private_data = holder;
}

// A valid non-null pointer for an empty buffer: consumers may not accept null for a
// non-validity buffer even when it holds nothing.
const void* BufferPointer(const Buffer& b) {
  static const uint64_t kEmpty[8] = {};
  return b.empty() ? static_cast<const void*>(kEmpty) : b.data();
}

}  // namespace

std::string ArrowCFormat(DataType type) {
  switch (type.id) {
    case TypeId::kUtf8:
      return "u";
    case TypeId::kBool:
      return "b";
    case TypeId::kInt8:
      return "c";
    case TypeId::kInt16:
      return "s";
    case TypeId::kInt32:
      return "i";
    case TypeId::kInt64:
      return "l";
    case TypeId::kUInt8:
      return "C";
    case TypeId::kUInt16:
      return "S";
    case TypeId::kUInt32:
      return "I";
    case TypeId::kUInt64:
      return "L";
    case TypeId::kFloat32:
      return "f";
    case TypeId::kFloat64:
      return "g";
    case TypeId::kFloat16:
      return "e";
    case TypeId::kDate32:
      return "tdD";
    case TypeId::kBinary:
      return "z";
    case TypeId::kTimestampS:
      return "tss:";
    case TypeId::kTimestampMs:
      return "tsm:";
    case TypeId::kTimestampUs:
      return "tsu:";
    case TypeId::kTimestampNs:
      return "tsn:";
    case TypeId::kFixedSizeList:
      return "+w:" + std::to_string(type.size);
    case TypeId::kList:
      return "+l";
  }
  return "";
}

void ExportSchema(const std::vector<Field>& fields, ArrowSchema* out_schema) {
  auto* root = new SchemaHolder();
  root->format = "+s";
  root->child_structs.resize(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    auto* child = new SchemaHolder();
    child->format = ArrowCFormat(f.type);
    if (f.type.info().arrow == ArrowKind::kTimestamp) child->format += f.timezone;
    child->name = f.name;
    if (f.type.id == TypeId::kFixedSizeList || f.type.id == TypeId::kList) {
      // One child: the items, named "item" as Arrow names them; items may be null. A list of
      // timestamps has the field's timezone on its items.
      auto* item = new SchemaHolder();
      item->format = ArrowCFormat(f.type.item_type());
      if (f.type.item_type().info().arrow == ArrowKind::kTimestamp) item->format += f.timezone;
      item->name = "item";
      child->child_structs.resize(1);
      FillSchema(&child->child_structs[0], item, ARROW_FLAG_NULLABLE);
      child->child_pointers.push_back(&child->child_structs[0]);
    }
    FillSchema(&root->child_structs[i], child, f.nullable ? ARROW_FLAG_NULLABLE : 0);
    root->child_pointers.push_back(&root->child_structs[i]);
  }
  FillSchema(out_schema, root, 0);
}

namespace {

// Fills *out with column `c` of `batch` (a list: and its item column as the one child).
void ExportColumn(const std::shared_ptr<const Batch>& batch, const Column& c, ArrowArray* out) {
  auto* holder = new ArrayHolder();
  holder->batch = batch;
  holder->buffers.push_back(c.null_count > 0 ? c.validity.data() : nullptr);
  switch (c.type.storage()) {
    case Storage::kFixed:
    case Storage::kBit:
      holder->buffers.push_back(BufferPointer(c.values));
      break;
    case Storage::kVarBytes:
      holder->buffers.push_back(BufferPointer(c.values));
      holder->buffers.push_back(BufferPointer(c.data));
      break;
    case Storage::kFixedList: {
      // The list has only its validity; its one child holds length * size items (those of a
      // null row are unspecified, as Arrow allows), all valid.
      auto* items = new ArrayHolder();
      items->batch = batch;
      items->buffers = {nullptr, BufferPointer(c.values)};
      holder->child_structs.resize(1);
      FillArray(&holder->child_structs[0], items, c.length * c.type.size, 0);
      holder->child_pointers.push_back(&holder->child_structs[0]);
      break;
    }
    case Storage::kList:
      // Validity and offsets (which need not start at 0); the items are the child.
      holder->buffers.push_back(BufferPointer(c.values));
      holder->child_structs.resize(1);
      ExportColumn(batch, c.items(), &holder->child_structs[0]);
      holder->child_pointers.push_back(&holder->child_structs[0]);
      break;
  }
  FillArray(out, holder, c.length, c.null_count);
}

}  // namespace

void ExportBatch(std::shared_ptr<const Batch> batch, ArrowArray* out_array) {
  auto* root = new ArrayHolder();
  root->buffers = {nullptr};  // a struct array's validity: none (no row is null)
  root->child_structs.resize(batch->columns.size());
  for (size_t i = 0; i < batch->columns.size(); ++i) {
    ExportColumn(batch, batch->columns[i], &root->child_structs[i]);
    root->child_pointers.push_back(&root->child_structs[i]);
  }
  root->batch = std::move(batch);
  FillArray(out_array, root, root->batch->num_rows, 0);
}

}  // namespace murr
