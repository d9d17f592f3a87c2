#include "murr/columnar/column.h"

#include <limits>

namespace murr {
namespace {

// `length + 1` aligned int32 offsets in `values`, from >= 0, non-decreasing, ending <= limit.
Status ValidateOffsets(const Column& c, const char* target, size_t limit) {
  const std::string name = DataTypeName(c.type);
  if (c.values.size() < static_cast<size_t>(c.length + 1) * sizeof(int32_t)) {
    return Status::InvalidArgument(name + " offsets buffer too short for " +
                                   std::to_string(c.length) + " rows");
  }
  if (reinterpret_cast<uintptr_t>(c.values.data()) % alignof(int32_t) != 0) {
    return Status::InvalidArgument(name + " offsets buffer is not 4-byte aligned");
  }
  const int32_t* o = c.offsets();
  if (o[0] < 0) return Status::InvalidArgument(name + " offset 0 is negative");
  for (int64_t i = 0; i < c.length; ++i) {
    if (o[i + 1] < o[i]) {
      return Status::InvalidArgument(name + " offsets decrease at row " + std::to_string(i));
    }
  }
  if (static_cast<size_t>(o[c.length]) > limit) {
    return Status::InvalidArgument(name + " offsets point past the end of the " + target + " (" +
                                   std::to_string(o[c.length]) + " > " + std::to_string(limit) +
                                   ")");
  }
  return Status::OK();
}

}  // namespace

Status Column::Validate() const {
  if (length < 0) return Status::InvalidArgument("negative column length");
  if (null_count < 0 || null_count > length) {
    return Status::InvalidArgument("null count " + std::to_string(null_count) +
                                   " out of range for length " + std::to_string(length));
  }
  if (!validity.empty()) {
    if (validity.size() < BitmapBytes(length)) {
      return Status::InvalidArgument(
          "validity bitmap too short: " + std::to_string(validity.size()) + " bytes for " +
          std::to_string(length) + " rows");
    }
    int64_t valid = CountSetBits(validity.data(), length);
    if (length - valid != null_count) {
      return Status::InvalidArgument("null count " + std::to_string(null_count) +
                                     " disagrees with the validity bitmap (" +
                                     std::to_string(length - valid) + " nulls)");
    }
  } else if (null_count != 0) {
    return Status::InvalidArgument("column has nulls but no validity bitmap");
  }
  switch (type.storage()) {
    case Storage::kBit:
      if (!children.empty()) return Status::InvalidArgument("bool column has children");
      if (values.size() < BitmapBytes(length)) {
        return Status::InvalidArgument("bool values buffer too short for " +
                                       std::to_string(length) + " rows");
      }
      return Status::OK();
    case Storage::kVarBytes: {
      MURR_RETURN_IF_ERROR(ValidateOffsets(*this, "data buffer", data.size()));
      if (!children.empty()) return Status::InvalidArgument(DataTypeName(type) + " has children");
      return Status::OK();
    }
    case Storage::kList: {
      if (children.size() != 1) {
        return Status::InvalidArgument(DataTypeName(type) + " column has " +
                                       std::to_string(children.size()) +
                                       " item columns, expected 1");
      }
      const Column& child = children[0];
      // A segment's absent list column (every row null) has no offsets and no items (segment.h).
      if (null_count == length && values.empty() && child.length == 0) return Status::OK();
      if (child.type != type.item_type()) {
        return Status::InvalidArgument(DataTypeName(type) + " column has items of type " +
                                       DataTypeName(child.type));
      }
      MURR_RETURN_IF_ERROR(ValidateOffsets(*this, "item column", child.length));
      Status st = child.Validate();
      if (!st.ok()) return st.WithContext("list items");
      return Status::OK();
    }
    case Storage::kFixed:
    case Storage::kFixedList: {
      // A segment's absent fixed-size list (every row null) has no values (segment.h).
      if (!children.empty()) return Status::InvalidArgument(DataTypeName(type) + " has children");
      if (type.storage() == Storage::kFixedList && null_count == length && values.empty()) {
        return Status::OK();
      }
      size_t need = static_cast<size_t>(length) * FixedWidth(type);
      if (values.size() < need) {
        return Status::InvalidArgument(
            std::string(DataTypeName(type)) + " values buffer too short: " +
            std::to_string(values.size()) + " bytes for " + std::to_string(length) + " rows");
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

int Batch::FindField(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status Batch::Validate() const {
  if (fields.size() != columns.size()) {
    return Status::InvalidArgument("batch has " + std::to_string(fields.size()) + " fields but " +
                                   std::to_string(columns.size()) + " columns");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    if (c.type != fields[i].type) {
      return Status::InvalidArgument("column '" + fields[i].name + "' is declared " +
                                     DataTypeName(fields[i].type) + " but holds " +
                                     DataTypeName(c.type));
    }
    if (c.length != num_rows) {
      return Status::InvalidArgument("column '" + fields[i].name + "' has " +
                                     std::to_string(c.length) + " rows, expected " +
                                     std::to_string(num_rows));
    }
    Status st = c.Validate();
    if (!st.ok()) return st.WithContext("column '" + fields[i].name + "'");
  }
  return Status::OK();
}

ColumnBuilder::ColumnBuilder(DataType type) : type_(type) {
  if (type_.storage() == Storage::kList)
    items_ = std::make_unique<ColumnBuilder>(DataType(type_.item));
  StartOffsets();
}

void ColumnBuilder::StartOffsets() {
  switch (type_.storage()) {
    case Storage::kVarBytes:
    case Storage::kList:
      values_.AppendValue<int32_t>(0);
      break;
    case Storage::kFixed:
    case Storage::kBit:
    case Storage::kFixedList:
      break;
  }
}

void ColumnBuilder::Reserve(int64_t rows, int64_t string_bytes) {
  int64_t total = length_ + rows;
  switch (type_.storage()) {
    case Storage::kBit:
      values_.Reserve(BitmapBytes(total));
      break;
    case Storage::kVarBytes:
      values_.Reserve(static_cast<size_t>(total + 1) * 4);
      data_.Reserve(data_.size() + static_cast<size_t>(string_bytes));
      break;
    case Storage::kList:
      values_.Reserve(static_cast<size_t>(total + 1) * 4);
      break;
    case Storage::kFixed:
    case Storage::kFixedList:
      values_.Reserve(static_cast<size_t>(total) * FixedWidth(type_));
      break;
  }
}

void ColumnBuilder::SetValidBit(int64_t i) {
  validity_.Resize(BitmapBytes(i + 1));
  SetBit(validity_.data(), i);
}

void ColumnBuilder::MaterializeValidity() {
  // First null: every earlier row was valid.
  validity_.Resize(BitmapBytes(length_ + 1));
  for (int64_t i = 0; i < length_; ++i) SetBit(validity_.data(), i);
}

void ColumnBuilder::AppendNull() {
  if (null_count_ == 0) MaterializeValidity();
  validity_.Resize(BitmapBytes(length_ + 1));
  ClearBit(validity_.data(), length_);
  ++null_count_;
  switch (type_.storage()) {
    case Storage::kBit:
      values_.Resize(BitmapBytes(length_ + 1));
      break;
    case Storage::kVarBytes:
    case Storage::kList: {
      int32_t last;
      std::memcpy(&last, values_.data() + values_.size() - 4, 4);
      values_.AppendValue<int32_t>(last);
      break;
    }
    case Storage::kFixed:
    case Storage::kFixedList:
      values_.AppendZeros(FixedWidth(type_));
      break;
  }
  ++length_;
}

void ColumnBuilder::AppendFixed(const void* p) {
  MarkValid();
  values_.Append(p, static_cast<size_t>(FixedWidth(type_)));
  ++length_;
}

void ColumnBuilder::AppendBool(bool v) {
  MarkValid();
  values_.Resize(BitmapBytes(length_ + 1));
  if (v) SetBit(values_.data(), length_);
  ++length_;
}

Status ColumnBuilder::AppendListEnd() {
  if (items_->length() > static_cast<int64_t>(std::numeric_limits<int32_t>::max())) {
    return Status::ResourceExhausted(DataTypeName(type_) + " column exceeds 2^31 - 1 items");
  }
  MarkValid();
  values_.AppendValue<int32_t>(static_cast<int32_t>(items_->length()));
  ++length_;
  return Status::OK();
}

Status ColumnBuilder::AppendString(std::string_view s) {
  if (data_.size() + s.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::ResourceExhausted(DataTypeName(type_) + " column exceeds 2 GiB of data");
  }
  MarkValid();
  data_.Append(s.data(), s.size());
  values_.AppendValue<int32_t>(static_cast<int32_t>(data_.size()));
  ++length_;
  return Status::OK();
}

Column ColumnBuilder::Finish() {
  Column c;
  c.type = type_;
  c.length = length_;
  c.null_count = null_count_;
  if (null_count_ > 0) {
    validity_.Resize(BitmapBytes(length_));
    c.validity = validity_.Finish();
  }
  if (type_.storage() == Storage::kBit) values_.Resize(BitmapBytes(length_));
  c.values = values_.Finish();
  if (type_.storage() == Storage::kVarBytes) c.data = data_.Finish();
  if (items_) c.children.push_back(items_->Finish());
  // Reset for reuse (items_ reset itself).
  length_ = 0;
  null_count_ = 0;
  validity_ = BufferBuilder();
  values_ = BufferBuilder();
  data_ = BufferBuilder();
  StartOffsets();
  return c;
}

Column EmptyColumn(DataType type) {
  return ColumnBuilder(type).Finish();
}

Result<Column> MakeListColumn(int64_t length, Buffer offsets, Column items, Buffer validity,
                              int64_t null_count) {
  Column c;
  c.type = DataType::List(items.type.id);
  c.length = length;
  c.null_count = null_count;
  c.validity = std::move(validity);
  c.values = std::move(offsets);
  if (!IsScalar(items.type.id)) {
    return Status::InvalidArgument("list items must be of a scalar type, not " +
                                   DataTypeName(items.type));
  }
  c.children.push_back(std::move(items));
  MURR_RETURN_IF_ERROR(c.Validate());
  return c;
}

}  // namespace murr
