#include "murr/segment/segment.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "murr/columnar/gather.h"

#include <algorithm>
#include <cstring>

namespace murr {
namespace {

uint64_t Checksum(const void* p, size_t n) {
  return XXH3_64bits(p, n);
}

// A region of the file: offset, length, checksum.
struct Extent {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t checksum = 0;
};

class FooterWriter {
 public:
  template <typename T>
  void Put(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void PutBytes(std::string_view s) { out_.append(s); }
  void PutExtent(const Extent& e) {
    Put(e.offset);
    Put(e.length);
    Put(e.checksum);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class FooterReader {
 public:
  FooterReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  template <typename T>
  bool Get(T* v) {
    if (n_ - pos_ < sizeof(T)) return false;
    std::memcpy(v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetBytes(size_t len, std::string_view* s) {
    if (n_ - pos_ < len) return false;
    *s = std::string_view(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return true;
  }
  bool GetExtent(Extent* e) { return Get(&e->offset) && Get(&e->length) && Get(&e->checksum); }
  bool AtEnd() const { return pos_ == n_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

// Lays out payloads at 64-byte aligned offsets after the header.
class PayloadLayout {
 public:
  PayloadLayout() : end_(kSegmentHeaderSize) {}
  Extent Add(const void* data, size_t size, std::vector<ConstSlice>* slices) {
    static const uint8_t kZeros[64] = {};
    size_t aligned = RoundUp64(end_);
    if (aligned > end_) slices->push_back({kZeros, aligned - end_});
    Extent e{aligned, size, Checksum(data, size)};
    if (size) slices->push_back({data, size});
    end_ = aligned + size;
    return e;
  }
  size_t end() const { return end_; }

 private:
  size_t end_;
};

template <int W>
void CopyIntoRecords(const uint8_t* values, int64_t b, int64_t e, uint8_t* col_base,
                     size_t stride) {
  for (int64_t r = b; r < e; ++r) std::memcpy(col_base + r * stride, values + r * W, W);
}

// Transposes the record columns of `batch` into row-major records, a block of rows at a time so
// that each record is written while it is in cache.
Buffer BuildRecords(const TableSchema& schema, const RecordLayout& layout, const Batch& batch) {
  const size_t stride = layout.stride();
  const int64_t n = batch.num_rows;
  Buffer out = Buffer::Allocate(stride * static_cast<size_t>(n));
  uint8_t* base = out.mutable_data();
  constexpr int64_t kBlock = 1024;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = std::min(n, b + kBlock);
    for (size_t ci = 0; ci < schema.columns().size(); ++ci) {
      if (!layout.InRecord(static_cast<int>(ci))) continue;
      const RecordField& f = layout.field(static_cast<int>(ci));
      const Column& c = batch.columns[ci];
      uint8_t* col_base = base + f.offset;
      switch (f.type.storage() == Storage::kBit ? 0 : RecordWidth(f.type)) {
        case 0:
          for (int64_t r = b; r < e; ++r) col_base[r * stride] = c.BoolValue(r) ? 1 : 0;
          break;
        case 1:
          CopyIntoRecords<1>(c.values.data(), b, e, col_base, stride);
          break;
        case 2:
          CopyIntoRecords<2>(c.values.data(), b, e, col_base, stride);
          break;
        case 4:
          CopyIntoRecords<4>(c.values.data(), b, e, col_base, stride);
          break;
        case 8:
          CopyIntoRecords<8>(c.values.data(), b, e, col_base, stride);
          break;
        default:
          __builtin_trap();  // RecordLayout places only these widths in a record
      }
      if (f.null_byte >= 0) {
        for (int64_t r = b; r < e; ++r) {
          if (c.IsValid(r)) base[r * stride + f.null_byte] |= f.null_mask;
        }
      }
    }
    const Column& keys = batch.columns[schema.key_index()];
    for (int64_t r = b; r < e; ++r) {
      uint8_t* rec = base + static_cast<size_t>(r) * stride + layout.key_len_offset();
      std::string_view k = keys.KeyBytes(r);
      rec[0] = static_cast<uint8_t>(std::min<size_t>(k.size(), 255));
      std::memcpy(rec + 1, k.data(), std::min<size_t>(k.size(), layout.key_width()));
    }
  }
  return out;
}

// Sparse columns (decision 0026): a nullable column that is null in every row of a segment (a
// write that omitted it, or wrote only nulls) is stored as no bytes at all: the footer has its
// null count = rows and empty extents, and a record-block column takes no place in the records.
bool IsAbsent(const Column& c, const ColumnSchema& cs) {
  return cs.nullable && c.length > 0 && c.null_count == c.length;
}

// The payloads of a columnar column `c` (or of a list's item column): validity (when it has
// nulls), values (offsets for utf8/binary/list) and data (utf8/binary bytes). A list's items are
// added by the caller. Offsets must start at 0 (the table rebases slices before writing).
Status AddPayloads(const Column& c, PayloadLayout* payload, std::vector<ConstSlice>* slices,
                   Extent* validity, Extent* values, Extent* data) {
  if (c.null_count > 0) *validity = payload->Add(c.validity.data(), BitmapBytes(c.length), slices);
  switch (c.type.storage()) {
    case Storage::kBit:
      *values = payload->Add(c.values.data(), BitmapBytes(c.length), slices);
      break;
    case Storage::kVarBytes:
    case Storage::kList: {
      const int32_t* o = c.offsets();
      if (o[0] != 0) return Status::Internal("segment write: offsets must start at 0");
      *values = payload->Add(o, static_cast<size_t>(c.length + 1) * 4, slices);
      if (c.type.storage() == Storage::kVarBytes) {
        *data = payload->Add(c.data.data(), static_cast<size_t>(o[c.length]), slices);
      } else if (c.items().length != o[c.length]) {
        return Status::Internal("segment write: list items must end at the last offset");
      }
      break;
    }
    case Storage::kFixed:
    case Storage::kFixedList:
      // A fixed-size list's rows are contiguous runs of FixedWidth bytes: a read of n rows
      // copies n runs.
      *values =
          payload->Add(c.values.data(), static_cast<size_t>(c.length) * FixedWidth(c.type), slices);
      break;
  }
  return Status::OK();
}

}  // namespace

Status Segment::Write(const std::string& path, const TableSchema& schema, const Batch& batch,
                      const std::vector<IndexSlot>& slots, bool sync) {
  return Encode(schema, batch, slots, [&](const std::vector<ConstSlice>& slices) {
    return WriteFileAtomically(path, slices, sync);
  });
}

Status Segment::Stage(const std::string& path, const TableSchema& schema, const Batch& batch,
                      const std::vector<IndexSlot>& slots, bool sync) {
  return Encode(schema, batch, slots, [&](const std::vector<ConstSlice>& slices) {
    return WriteTempFile(path, slices, sync);
  });
}

Status Segment::Encode(const TableSchema& schema, const Batch& batch,
                       const std::vector<IndexSlot>& slots,
                       const std::function<Status(const std::vector<ConstSlice>&)>& store) {
  const auto& cols = schema.columns();
  if (batch.columns.size() != cols.size()) {
    return Status::Internal("segment write: batch does not have the schema's columns");
  }
  if (batch.num_rows >= static_cast<int64_t>(kEmptyRow)) {
    return Status::ResourceExhausted("a segment holds fewer than 2^32-1 rows");
  }
  if (slots.size() != IndexCapacityFor(static_cast<uint64_t>(batch.num_rows))) {
    return Status::Internal("segment write: index does not fit the batch");
  }

  uint8_t header[kSegmentHeaderSize] = {};
  std::memcpy(header, kSegmentMagic, 8);
  std::memcpy(header + 8, &kSegmentVersion, 4);
  uint64_t rows = static_cast<uint64_t>(batch.num_rows);
  std::memcpy(header + 16, &rows, 8);

  std::vector<ConstSlice> slices;
  slices.push_back({header, sizeof(header)});
  PayloadLayout payload;
  FooterWriter footer;
  footer.Put<uint64_t>(rows);
  footer.Put<uint32_t>(static_cast<uint32_t>(cols.size()));
  uint32_t key_width = 0;
  {
    const Column& keys = batch.columns[schema.key_index()];
    for (int64_t r = 0; r < keys.length && key_width < kMaxInlineKey; ++r) {
      key_width = std::max<uint32_t>(key_width, static_cast<uint32_t>(keys.KeyBytes(r).size()));
    }
  }
  std::vector<bool> absent(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) absent[i] = IsAbsent(batch.columns[i], cols[i]);
  const RecordLayout layout(schema, key_width, absent);
  for (size_t i = 0; i < cols.size(); ++i) {
    const Column& c = batch.columns[i];
    footer.Put<uint16_t>(static_cast<uint16_t>(cols[i].name.size()));
    footer.PutBytes(cols[i].name);
    footer.Put<uint8_t>(static_cast<uint8_t>(cols[i].type.id));
    footer.Put<uint8_t>(static_cast<uint8_t>(cols[i].type.item));
    footer.Put<uint32_t>(cols[i].type.size);
    footer.Put<uint8_t>(cols[i].nullable ? 1 : 0);
    footer.Put<uint64_t>(static_cast<uint64_t>(c.null_count));
    if (layout.InRecord(static_cast<int>(i)) || absent[i]) {
      // Stored in the record block below, or not at all (absent): no payload of its own.
      for (int k = 0; k < 3; ++k) footer.PutExtent(Extent{});
      if (c.type.storage() == Storage::kList) {
        footer.Put<uint64_t>(0);  // an absent list: its items' null count and extents
        for (int k = 0; k < 3; ++k) footer.PutExtent(Extent{});
      }
      continue;
    }
    Extent validity, values, data;
    MURR_RETURN_IF_ERROR(AddPayloads(c, &payload, &slices, &validity, &values, &data));
    footer.PutExtent(validity);
    footer.PutExtent(values);
    footer.PutExtent(data);
    if (c.type.storage() == Storage::kList) {
      // The item column follows its list: its null count and payloads. A list of n rows reads
      // as n contiguous runs of items.
      const Column& items = c.items();
      Extent iv, ivals, idata;
      MURR_RETURN_IF_ERROR(AddPayloads(items, &payload, &slices, &iv, &ivals, &idata));
      footer.Put<uint64_t>(static_cast<uint64_t>(items.null_count));
      footer.PutExtent(iv);
      footer.PutExtent(ivals);
      footer.PutExtent(idata);
    }
  }
  Buffer records = BuildRecords(schema, layout, batch);
  Extent rec = payload.Add(records.data(), records.size(), &slices);
  footer.Put<uint32_t>(layout.key_width());
  footer.Put<uint32_t>(layout.stride());
  footer.PutExtent(rec);
  Extent index = payload.Add(slots.data(), slots.size() * sizeof(IndexSlot), &slices);
  footer.Put<uint64_t>(slots.size());
  footer.PutExtent(index);
  std::vector<uint32_t> filter;
  {
    const Column& keys = batch.columns[schema.key_index()];
    std::vector<uint64_t> hashes(static_cast<size_t>(keys.length));
    for (int64_t r = 0; r < keys.length; ++r) hashes[r] = HashKey(keys.KeyBytes(r));
    filter = BuildKeyFilter(hashes.data(), hashes.size());
  }
  Extent filter_extent = payload.Add(filter.data(), filter.size() * 4, &slices);
  footer.Put<uint64_t>(FilterBlocksFor(rows));
  footer.PutExtent(filter_extent);

  static const uint8_t kZeros[64] = {};
  size_t footer_start = RoundUp64(payload.end());
  if (footer_start > payload.end()) slices.push_back({kZeros, footer_start - payload.end()});
  std::string& fb = footer.str();
  uint64_t footer_sum = Checksum(fb.data(), fb.size());
  uint64_t footer_len = fb.size();
  char trailer[kSegmentTrailerSize];
  std::memcpy(trailer, &footer_sum, 8);
  std::memcpy(trailer + 8, kFooterMagic, 8);
  std::memcpy(trailer + 16, &footer_len, 8);
  slices.push_back({fb.data(), fb.size()});
  slices.push_back({trailer, sizeof(trailer)});
  return store(slices);
}

Column Segment::ReadColumn(int i) const {
  if (!layout_.InRecord(i)) return columns_[i];
  const RecordField& f = layout_.field(i);
  std::vector<RowRef> refs(static_cast<size_t>(num_rows_));
  for (int64_t r = 0; r < num_rows_; ++r) refs[r] = {0, static_cast<uint32_t>(r)};
  const RecordSlot slot = f.slot();
  return std::move(GatherRecords({records_}, {layout_.stride()}, {{f.type, &slot, false}},
                                 refs.data(), num_rows_)[0]);
}

Result<std::shared_ptr<Segment>> Segment::Open(const std::string& path, const TableSchema& schema,
                                               bool verify_checksums) {
  MURR_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("segment '" + path + "': " + what);
  };
  const uint8_t* base = file->data();
  const size_t size = file->size();
  if (size < kSegmentHeaderSize + kSegmentTrailerSize) {
    return corrupt("file is " + std::to_string(size) + " bytes, too short to be a segment");
  }
  if (std::memcmp(base, kSegmentMagic, 8) != 0) return corrupt("bad magic (not a Murr segment)");
  uint32_t version;
  std::memcpy(&version, base + 8, 4);
  if (version < kSegmentVersionScalarsOnly || version > kSegmentVersion) {
    return corrupt("unsupported version " + std::to_string(version) + " (this build reads " +
                   std::to_string(kSegmentVersionScalarsOnly) + " to " +
                   std::to_string(kSegmentVersion) + ")");
  }
  uint64_t header_rows;
  std::memcpy(&header_rows, base + 16, 8);
  for (size_t i = 12; i < kSegmentHeaderSize; ++i) {
    if (i >= 16 && i < 24) continue;
    if (base[i] != 0) return corrupt("reserved header bytes are not zero");
  }
  const uint8_t* trailer = base + size - kSegmentTrailerSize;
  uint64_t footer_sum, footer_len;
  std::memcpy(&footer_sum, trailer, 8);
  std::memcpy(&footer_len, trailer + 16, 8);
  if (std::memcmp(trailer + 8, kFooterMagic, 8) != 0) {
    return corrupt("bad footer magic (truncated or torn file)");
  }
  if (footer_len > size - kSegmentHeaderSize - kSegmentTrailerSize) {
    return corrupt("footer length " + std::to_string(footer_len) + " exceeds the file");
  }
  const uint8_t* fp = trailer - footer_len;
  if (Checksum(fp, footer_len) != footer_sum) return corrupt("footer checksum mismatch");
  const size_t payload_end = size - kSegmentTrailerSize - footer_len;

  FooterReader r(fp, footer_len);
  uint64_t rows;
  uint32_t ncols;
  if (!r.Get(&rows) || !r.Get(&ncols)) return corrupt("footer too short");
  if (rows != header_rows) return corrupt("header and footer disagree on the row count");
  if (rows >= kEmptyRow) return corrupt("row count out of range");
  const auto& cols = schema.columns();
  if (ncols != cols.size()) {
    return corrupt("has " + std::to_string(ncols) + " columns, the table schema has " +
                   std::to_string(cols.size()));
  }
  auto seg = std::shared_ptr<Segment>(new Segment());
  std::vector<bool> absent(cols.size(), false);
  seg->num_rows_ = static_cast<int64_t>(rows);
  seg->key_index_ = schema.key_index();
  std::shared_ptr<const void> owner = file;

  auto check_extent = [&](const Extent& e, uint64_t expected_len, const std::string& what,
                          Buffer* out) -> Status {
    if (e.length != expected_len) {
      return corrupt(what + ": length " + std::to_string(e.length) + ", expected " +
                     std::to_string(expected_len));
    }
    if (e.length == 0) {
      *out = Buffer(nullptr, 0, nullptr);
      return Status::OK();
    }
    if (e.offset % 64 != 0 || e.offset < kSegmentHeaderSize || e.offset > payload_end ||
        e.length > payload_end - e.offset) {
      return corrupt(what + ": extent [" + std::to_string(e.offset) + ", +" +
                     std::to_string(e.length) + ") lies outside the payload area");
    }
    if (verify_checksums && Checksum(base + e.offset, e.length) != e.checksum) {
      return corrupt(what + ": checksum mismatch");
    }
    *out = Buffer(base + e.offset, e.length, owner);
    return Status::OK();
  };

  // The payloads of a columnar column (or a list's items) whose type, length and null count are
  // set: validity, values / offsets, data.
  auto load = [&](Column* c, const Extent& ev, const Extent& evals, const Extent& edata,
                  const std::string& what) -> Status {
    const uint64_t n = static_cast<uint64_t>(c->length);
    MURR_RETURN_IF_ERROR(check_extent(ev, c->null_count > 0 ? BitmapBytes(c->length) : 0,
                                      what + " validity", &c->validity));
    switch (c->type.storage()) {
      case Storage::kBit:
        return check_extent(evals, BitmapBytes(c->length), what + " values", &c->values);
      case Storage::kVarBytes:
      case Storage::kList: {
        MURR_RETURN_IF_ERROR(check_extent(evals, (n + 1) * 4, what + " offsets", &c->values));
        // Data length is known only from the last offset; check it and then the extent.
        int32_t first, last;
        std::memcpy(&first, c->values.data(), 4);
        std::memcpy(&last, c->values.data() + n * 4, 4);
        if (first != 0 || last < 0) return corrupt(what + ": bad first/last offset");
        const bool bytes = c->type.storage() == Storage::kVarBytes;
        return check_extent(edata, bytes ? static_cast<uint64_t>(last) : 0, what + " data",
                            &c->data);
      }
      case Storage::kFixed:
      case Storage::kFixedList:
        return check_extent(evals, n * static_cast<uint64_t>(FixedWidth(c->type)), what + " values",
                            &c->values);
    }
    return Status::OK();
  };

  for (uint32_t i = 0; i < ncols; ++i) {
    uint16_t name_len;
    std::string_view name;
    uint8_t type, item = 0, nullable;
    uint32_t list_size = 0;
    uint64_t null_count;
    Extent ev, evals, edata;
    // Version 2 footers hold the type id alone (scalar types up to float64).
    const bool parameterised = version >= kSegmentVersionFixedLists;
    if (!r.Get(&name_len) || !r.GetBytes(name_len, &name) || !r.Get(&type) ||
        (parameterised && (!r.Get(&item) || !r.Get(&list_size))) || !r.Get(&nullable) ||
        !r.Get(&null_count) || !r.GetExtent(&ev) || !r.GetExtent(&evals) || !r.GetExtent(&edata)) {
      return corrupt("footer truncated in column " + std::to_string(i));
    }
    const DataType& want = cols[i].type;
    if (name != cols[i].name || type != static_cast<uint8_t>(want.id) ||
        (parameterised && (item != static_cast<uint8_t>(want.item) || list_size != want.size))) {
      return corrupt("column " + std::to_string(i) + " is '" + std::string(name) +
                     "', which does not match the table schema's '" + cols[i].name + "' (" +
                     DataTypeName(want) + ")");
    }
    if (null_count > rows) return corrupt("column '" + cols[i].name + "': null count > rows");
    // A list's entry goes on with its item column: null count and three extents.
    uint64_t item_nulls = 0;
    Extent eiv, eivals, eidata;
    if (want.storage() == Storage::kList && (!r.Get(&item_nulls) || !r.GetExtent(&eiv) ||
                                             !r.GetExtent(&eivals) || !r.GetExtent(&eidata))) {
      return corrupt("footer truncated in column " + std::to_string(i));
    }
    Column c;
    c.type = cols[i].type;
    c.length = static_cast<int64_t>(rows);
    c.null_count = static_cast<int64_t>(null_count);
    const std::string what = "column '" + cols[i].name + "'";
    const bool no_payload = ev.length == 0 && evals.length == 0 && edata.length == 0 &&
                            eiv.length == 0 && eivals.length == 0 && eidata.length == 0;
    if (null_count > 0 && !cols[i].nullable)
      return corrupt(what + " is not nullable but has nulls");
    // Absent (sparse) columns: null in every row and stored as no bytes. Version 4 stores every
    // such column so; version 3 only (fixed-size) lists: its record columns keep their place.
    const bool all_null = rows > 0 && null_count == rows;
    const bool listlike =
        c.type.storage() == Storage::kFixedList || c.type.storage() == Storage::kList;
    if (all_null &&
        (version >= kSegmentVersion || (version == kSegmentVersionFixedLists && listlike))) {
      if (!no_payload) return corrupt(what + " is null in every row but has payloads");
      if (item_nulls != 0) return corrupt(what + " is absent but its items have nulls");
      absent[i] = true;
      // In memory: an all-zero bitmap for the gather (utf8, binary: zero offsets; a list: no
      // offsets and an empty item column, which the list gather expects of an absent column).
      c.validity = Buffer::Allocate(BitmapBytes(c.length));
      if (c.type.storage() == Storage::kVarBytes) {
        c.values = Buffer::Allocate(static_cast<size_t>(rows + 1) * 4);
        c.data = Buffer::Allocate(0);
      }
      if (c.type.storage() == Storage::kList) c.children.push_back(EmptyColumn(c.type.item_type()));
      seg->columns_.push_back(std::move(c));
      continue;
    }
    if (IsRecordColumn(schema, static_cast<int>(i))) {
      if (!no_payload) return corrupt(what + " is a record column but has payloads of its own");
      seg->columns_.push_back(std::move(c));
      continue;
    }
    MURR_RETURN_IF_ERROR(load(&c, ev, evals, edata, what));
    if (c.type.storage() == Storage::kList) {
      Column items;
      items.type = c.type.item_type();
      items.length = c.offsets()[c.length];  // load checked: >= 0
      if (item_nulls > static_cast<uint64_t>(items.length)) {
        return corrupt(what + " items: null count > items");
      }
      items.null_count = static_cast<int64_t>(item_nulls);
      MURR_RETURN_IF_ERROR(load(&items, eiv, eivals, eidata, what + " items"));
      c.children.push_back(std::move(items));
    }
    Status st = c.Validate();
    if (!st.ok()) return corrupt(what + ": " + st.message());
    seg->columns_.push_back(std::move(c));
  }
  uint32_t key_width, stride;
  Extent erec;
  if (!r.Get(&key_width) || !r.Get(&stride) || !r.GetExtent(&erec)) {
    return corrupt("footer record block entry truncated");
  }
  if (key_width > kMaxInlineKey) return corrupt("inline key width out of range");
  seg->layout_ = RecordLayout(schema, key_width, absent);
  if (stride != seg->layout_.stride()) {
    return corrupt("record stride " + std::to_string(stride) + " does not match the schema's " +
                   std::to_string(seg->layout_.stride()));
  }
  Buffer records;
  MURR_RETURN_IF_ERROR(check_extent(erec, rows * stride, "record block", &records));
  seg->records_ = records.data();
  uint64_t capacity;
  Extent eidx;
  if (!r.Get(&capacity) || !r.GetExtent(&eidx)) return corrupt("footer index entry truncated");
  // Version 4: the key filter (key_index.h).
  uint64_t filter_blocks = 0;
  Extent efilter;
  if (version >= kSegmentVersion && (!r.Get(&filter_blocks) || !r.GetExtent(&efilter))) {
    return corrupt("footer key filter entry truncated");
  }
  if (!r.AtEnd()) return corrupt("trailing bytes after the footer");
  if (capacity != IndexCapacityFor(rows)) return corrupt("index capacity does not fit row count");
  Buffer idx;
  MURR_RETURN_IF_ERROR(check_extent(eidx, capacity * sizeof(IndexSlot), "key index", &idx));
  // Every slot must point at a real row, and at least one slot must be free (probes end).
  const IndexSlot* slots = idx.as<IndexSlot>();
  uint64_t used = 0;
  for (uint64_t i = 0; i < capacity; ++i) {
    if (slots[i].row == kEmptyRow) continue;
    if (slots[i].row >= rows) return corrupt("key index slot points past the last row");
    ++used;
  }
  if (used != rows)
    return corrupt("key index holds " + std::to_string(used) + " keys, expected " +
                   std::to_string(rows));
  if (seg->columns_[seg->key_index_].null_count != 0) return corrupt("key column has nulls");
  if (version >= kSegmentVersion) {
    if (filter_blocks != FilterBlocksFor(rows)) {
      return corrupt("key filter of " + std::to_string(filter_blocks) + " blocks for " +
                     std::to_string(rows) + " rows");
    }
    Buffer filter;
    MURR_RETURN_IF_ERROR(check_extent(efilter, filter_blocks * 32, "key filter", &filter));
    if (filter_blocks > 0) {
      file->Advise(filter.data(), filter.size(), MappedFile::Residency::kHot);
      seg->filter_ = KeyFilterView(filter.as<uint32_t>(), filter_blocks);
    }
  }
  // The read path touches the records, the index and the columnar value columns (utf8, binary,
  // fixed-size lists): map them now, so that a read does not take a page fault per row (a
  // float32[768] row spans one or two pages). The key column is needed only for keys longer than
  // the inline copy, key fetches and compaction: it is left cold.
  file->Advise(seg->records_, static_cast<size_t>(rows) * stride, MappedFile::Residency::kHot);
  file->Advise(idx.data(), idx.size(), MappedFile::Residency::kHot);
  auto populate = [&](const Column& c, auto& self) -> void {
    for (const Buffer* b : {&c.validity, &c.values, &c.data}) {
      if (b->owner() == owner && !b->empty()) {
        file->Advise(b->data(), b->size(), MappedFile::Residency::kHot);
      }
    }
    for (const Column& child : c.children) self(child, self);  // a list's items
  };
  for (size_t i = 0; i < seg->columns_.size(); ++i) {
    if (static_cast<int>(i) != seg->key_index_) populate(seg->columns_[i], populate);
  }
  if (seg->layout_.key_width() < kMaxInlineKey) {
    const Column& keys = seg->columns_[seg->key_index_];
    file->Advise(keys.values.data(), keys.values.size(), MappedFile::Residency::kCold);
    file->Advise(keys.data.data(), keys.data.size(), MappedFile::Residency::kCold);
  }
  seg->file_ = std::move(file);
  seg->index_ = KeyIndexView(slots, capacity, &seg->columns_[seg->key_index_],
                             InlineKeys{seg->records_, seg->layout_.stride(),
                                        seg->layout_.key_len_offset(), seg->layout_.key_width()});
  return seg;
}

}  // namespace murr
