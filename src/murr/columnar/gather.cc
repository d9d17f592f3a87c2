#include "murr/columnar/gather.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace murr {
namespace {

// Sets the output validity bit of row i from the source, counting nulls.
struct ValidityWriter {
  uint8_t* bits;
  int64_t null_count = 0;
  void Set(int64_t i, bool valid) {
    if (valid) {
      SetBit(bits, i);
    } else {
      ++null_count;
    }
  }
};

template <typename T>
void GatherFixed(const std::vector<const Column*>& sources, const RowRef* refs, int64_t n,
                 uint8_t* out_values, ValidityWriter* validity) {
  T* out = reinterpret_cast<T*>(out_values);
  const size_t num_sources = sources.size();
  // Source pointers on the stack: the common case is one or a few segments.
  constexpr size_t kMaxInline = 32;
  const T* values_inline[kMaxInline];
  const uint8_t* valid_inline[kMaxInline];
  std::vector<const T*> values_heap;
  std::vector<const uint8_t*> valid_heap;
  const T** values = values_inline;
  const uint8_t** valid_bits = valid_inline;
  if (num_sources > kMaxInline) {
    values_heap.resize(num_sources);
    valid_heap.resize(num_sources);
    values = values_heap.data();
    valid_bits = valid_heap.data();
  }
  bool any_nullable = false;
  for (size_t s = 0; s < num_sources; ++s) {
    values[s] = sources[s]->values.as<T>();
    valid_bits[s] = sources[s]->null_count == 0 ? nullptr : sources[s]->validity.data();
    any_nullable |= valid_bits[s] != nullptr;
  }
  // Rows are random: issue every load of a group as a prefetch first so that the cache misses
  // overlap, then copy from cache.
  constexpr int64_t kGroup = 256;
  for (int64_t g = 0; g < n; g += kGroup) {
    const int64_t end = std::min(n, g + kGroup);
    for (int64_t i = g; i < end; ++i) {
      const RowRef& r = refs[i];
      if (r.source != kMissingSource) __builtin_prefetch(values[r.source] + r.row, 0, 1);
    }
    for (int64_t i = g; i < end; ++i) {
      const RowRef& r = refs[i];
      if (r.source == kMissingSource) {
        out[i] = T{};
        validity->Set(i, false);
        continue;
      }
      std::memcpy(&out[i], values[r.source] + r.row, sizeof(T));
      const uint8_t* vb = any_nullable ? valid_bits[r.source] : nullptr;
      validity->Set(i, vb == nullptr || GetBit(vb, r.row));
    }
  }
}

void GatherWide(const std::vector<const Column*>& sources, const RowRef* refs, int64_t n,
                size_t width, uint8_t* out, ValidityWriter* validity) {
  constexpr int64_t kGroup = 64;
  for (int64_t g = 0; g < n; g += kGroup) {
    const int64_t end = std::min(n, g + kGroup);
    for (int64_t i = g; i < end; ++i) {
      const RowRef& r = refs[i];
      // A segment's absent (all-null) column has no values buffer to prefetch from.
      if (r.source != kMissingSource && !sources[r.source]->values.empty()) {
        __builtin_prefetch(sources[r.source]->values.data() + static_cast<size_t>(r.row) * width);
      }
    }
    for (int64_t i = g; i < end; ++i) {
      const RowRef& r = refs[i];
      uint8_t* dst = out + static_cast<size_t>(i) * width;
      if (r.source == kMissingSource) {
        validity->Set(i, false);  // the arena is zeroed: a null row's items are 0
        continue;
      }
      const Column* c = sources[r.source];
      const bool valid = c->IsValid(r.row);
      validity->Set(i, valid);
      if (valid) std::memcpy(dst, c->values.data() + static_cast<size_t>(r.row) * width, width);
    }
  }
}

void GatherBool(const std::vector<const Column*>& sources, const RowRef* refs, int64_t n,
                uint8_t* out_bits, ValidityWriter* validity) {
  for (int64_t i = 0; i < n; ++i) {
    const RowRef& r = refs[i];
    if (r.source == kMissingSource) {
      validity->Set(i, false);
      continue;
    }
    const Column* c = sources[r.source];
    if (c->BoolValue(r.row)) SetBit(out_bits, i);
    validity->Set(i, c->IsValid(r.row));
  }
}

// Copies bits [from, from + n) of `src` to bits [to, to + n) of `dst` (dst zeroed beforehand).
void CopyBits(const uint8_t* src, int64_t from, uint8_t* dst, int64_t to, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    if (GetBit(src, from + k)) SetBit(dst, to + k);
  }
}

// Gathers whole lists: each valid row's items [begin, end) of its source's item column are
// copied as one run (plus a run of bytes for utf8/binary items, and their validity bits).
Column GatherLists(DataType type, const std::vector<const Column*>& sources, const RowRef* refs,
                   int64_t n, ValidityWriter* vw) {
  const DataType item = type.item_type();
  Buffer offsets = Buffer::Allocate(static_cast<size_t>(n + 1) * sizeof(int32_t));
  int32_t* o = reinterpret_cast<int32_t*>(offsets.mutable_data());
  // Pass 1: validity, output offsets, and the sizes of the item buffers.
  int64_t items = 0;
  size_t item_bytes = 0;
  bool item_nulls = false;
  o[0] = 0;
  for (int64_t i = 0; i < n; ++i) {
    const RowRef& r = refs[i];
    const Column* c = r.source == kMissingSource ? nullptr : sources[r.source];
    const bool valid = c != nullptr && c->IsValid(r.row);
    vw->Set(i, valid);
    if (valid) {
      const int64_t b = c->ListBegin(r.row), e = c->ListEnd(r.row);
      items += e - b;
      const Column& ic = c->items();
      item_nulls |= ic.null_count > 0;
      if (item.storage() == Storage::kVarBytes && e > b) {
        item_bytes += static_cast<size_t>(ic.offsets()[e] - ic.offsets()[b]);
      }
    }
    // Callers check GatheredListItems against kMaxListItems first, so this does not wrap.
    o[i + 1] = static_cast<int32_t>(items);
  }
  Column out_items;
  out_items.type = item;
  out_items.length = items;
  Buffer item_validity = Buffer::Allocate(item_nulls ? BitmapBytes(items) : 0);
  int32_t* io = nullptr;
  uint8_t* id = nullptr;
  size_t w = 0;
  switch (item.storage()) {
    case Storage::kBit:
      out_items.values = Buffer::Allocate(BitmapBytes(items));
      break;
    case Storage::kVarBytes:
      out_items.values = Buffer::Allocate(static_cast<size_t>(items + 1) * sizeof(int32_t));
      out_items.data = Buffer::Allocate(item_bytes);
      io = reinterpret_cast<int32_t*>(out_items.values.mutable_data());
      id = out_items.data.mutable_data();
      io[0] = 0;
      break;
    case Storage::kFixed:
    case Storage::kFixedList:
    case Storage::kList:  // not an item type (DataType::List); handled as fixed to stay total
      w = static_cast<size_t>(FixedWidth(item));
      out_items.values = Buffer::Allocate(static_cast<size_t>(items) * w);
      break;
  }
  uint8_t* ov = out_items.values.mutable_data();
  // Pass 2: one run per list.
  int64_t at = 0;
  size_t byte_at = 0;
  int64_t item_null_count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t len = o[i + 1] - o[i];
    if (len == 0) continue;
    const RowRef& r = refs[i];
    const Column* c = sources[r.source];
    const Column& ic = c->items();
    const int64_t b = c->ListBegin(r.row);
    switch (item.storage()) {
      case Storage::kBit:
        CopyBits(ic.values.data(), b, ov, at, len);
        break;
      case Storage::kVarBytes: {
        const int32_t* so = ic.offsets();
        const int32_t base = so[b];
        const size_t nbytes = static_cast<size_t>(so[b + len] - base);
        if (nbytes) std::memcpy(id + byte_at, ic.data.data() + base, nbytes);
        const int32_t shift = static_cast<int32_t>(byte_at) - base;
        for (int64_t k = 1; k <= len; ++k) io[at + k] = so[b + k] + shift;
        byte_at += nbytes;
        break;
      }
      case Storage::kFixed:
      case Storage::kFixedList:
      case Storage::kList:
        std::memcpy(ov + static_cast<size_t>(at) * w, ic.values.data() + static_cast<size_t>(b) * w,
                    static_cast<size_t>(len) * w);
        break;
    }
    if (item_nulls) {
      uint8_t* dst = item_validity.mutable_data();
      if (ic.null_count > 0) {
        for (int64_t k = 0; k < len; ++k) {
          if (GetBit(ic.validity.data(), b + k)) {
            SetBit(dst, at + k);
          } else {
            ++item_null_count;
          }
        }
      } else {
        for (int64_t k = 0; k < len; ++k) SetBit(dst, at + k);
      }
    }
    at += len;
  }
  out_items.null_count = item_null_count;
  if (item_null_count > 0) out_items.validity = std::move(item_validity);
  Column out;
  out.type = type;
  out.length = n;
  out.values = std::move(offsets);
  out.children.push_back(std::move(out_items));
  return out;
}

}  // namespace

int64_t GatheredListItems(DataType type, const std::vector<const Column*>& sources,
                          const RowRef* refs, int64_t n) {
  if (type.storage() != Storage::kList) return 0;
  int64_t items = 0;
  for (int64_t i = 0; i < n; ++i) {
    const RowRef& r = refs[i];
    if (r.source == kMissingSource) continue;
    const Column* c = sources[r.source];
    if (c->IsValid(r.row)) items += c->ListEnd(r.row) - c->ListBegin(r.row);
  }
  return items;
}

Column GatherColumn(DataType type, const std::vector<const Column*>& sources, const RowRef* refs,
                    int64_t n) {
  Column out;
  out.type = type;
  out.length = n;
  Buffer validity = Buffer::Allocate(BitmapBytes(n));
  ValidityWriter vw{validity.mutable_data()};
  switch (type.storage()) {
    case Storage::kBit: {
      out.values = Buffer::Allocate(BitmapBytes(n));
      GatherBool(sources, refs, n, out.values.mutable_data(), &vw);
      break;
    }
    case Storage::kVarBytes: {
      Buffer offsets = Buffer::Allocate(static_cast<size_t>(n + 1) * sizeof(int32_t));
      int32_t* o = reinterpret_cast<int32_t*>(offsets.mutable_data());
      size_t total = 0;
      for (int64_t i = 0; i < n; ++i) {
        const RowRef& r = refs[i];
        if (r.source != kMissingSource) total += sources[r.source]->StringValue(r.row).size();
      }
      Buffer data = Buffer::Allocate(total);
      uint8_t* d = data.mutable_data();
      int32_t pos = 0;
      o[0] = 0;
      for (int64_t i = 0; i < n; ++i) {
        const RowRef& r = refs[i];
        if (r.source == kMissingSource) {
          vw.Set(i, false);
        } else {
          const Column* c = sources[r.source];
          bool valid = c->IsValid(r.row);
          vw.Set(i, valid);
          if (valid) {
            std::string_view s = c->StringValue(r.row);
            if (!s.empty()) std::memcpy(d + pos, s.data(), s.size());
            pos += static_cast<int32_t>(s.size());
          }
        }
        o[i + 1] = pos;
      }
      out.values = std::move(offsets);
      out.data = data.Slice(0, static_cast<size_t>(pos));
      break;
    }
    case Storage::kFixed:
    case Storage::kFixedList: {
      const size_t w = static_cast<size_t>(FixedWidth(type));
      out.values = Buffer::Allocate(static_cast<size_t>(n) * w);
      uint8_t* ov = out.values.mutable_data();
      switch (w) {
        case 1:
          GatherFixed<uint8_t>(sources, refs, n, ov, &vw);
          break;
        case 2:
          GatherFixed<uint16_t>(sources, refs, n, ov, &vw);
          break;
        case 4:
          GatherFixed<uint32_t>(sources, refs, n, ov, &vw);
          break;
        case 8:
          GatherFixed<uint64_t>(sources, refs, n, ov, &vw);
          break;
        default:
          // Wide values (a fixed-size list): one contiguous run per row.
          GatherWide(sources, refs, n, w, ov, &vw);
          break;
      }
      break;
    }
    case Storage::kList: {
      Column lists = GatherLists(type, sources, refs, n, &vw);
      out.values = std::move(lists.values);
      out.children = std::move(lists.children);
      break;
    }
  }
  out.null_count = vw.null_count;
  if (out.null_count > 0) out.validity = std::move(validity);
  return out;
}

}  // namespace murr

namespace murr {
namespace {

// One column of a group of records (rows [begin, end) of the output; recs[i - begin] is the
// record of row i, or null when its key is missing, and srcs[i - begin] its source) into `values`
// (Width bytes per value; 0 means bool, one bit per value) and the validity bitmap, written a byte
// at a time. `begin` is a multiple of 8. Returns the number of nulls. kPerSource looks the
// column's slot up per row (sources of different layouts); otherwise slots[0] serves every row.
template <int Width, bool kPerSource>
int64_t GatherRecordColumn(const uint8_t* const* recs, const uint32_t* srcs, int64_t begin,
                           int64_t end, const RecordColumn& rc, uint8_t* __restrict values,
                           uint8_t* __restrict validity) {
  RecordSlot s = rc.slots[0];
  int64_t valid_count = 0;
  for (int64_t i8 = begin; i8 < end; i8 += 8) {
    const int64_t stop = std::min(end, i8 + 8);
    uint8_t valid_bits = 0;
    uint8_t bool_bits = 0;
    for (int64_t i = i8; i < stop; ++i) {
      const uint8_t* rec = recs[i - begin];
      bool valid = rec != nullptr;
      if constexpr (kPerSource) {
        if (valid) {
          s = rc.slots[srcs[i - begin]];
          valid = s.null_byte != kAbsentSlot;
        }
      }
      if (valid && s.null_byte >= 0) valid = (rec[s.null_byte] & s.null_mask) != 0;
      if (!valid) {
        // The arena is not zeroed: a null's value slot is.
        if constexpr (Width > 0) std::memset(values + i * Width, 0, Width);
        continue;
      }
      const int bit = static_cast<int>(i - i8);
      valid_bits |= static_cast<uint8_t>(1u << bit);
      ++valid_count;  // not a popcount: the x86-64 baseline has no POPCNT (a libgcc call)
      if constexpr (Width == 0) {
        bool_bits |= static_cast<uint8_t>((rec[s.offset] != 0 ? 1u : 0u) << bit);
      } else {
        std::memcpy(values + i * Width, rec + s.offset, Width);
      }
    }
    validity[i8 / 8] = valid_bits;
    if constexpr (Width == 0) values[i8 / 8] = bool_bits;
  }
  return (end - begin) - valid_count;
}

// The same for a group whose every row was found, in sources of one layout (the usual read):
// no per-row record or slot test, and a null's value (a nullable column) zeroed by a select
// instead of a branch. kNullable: the column has a null flag in the record.
template <int Width, bool kNullable>
int64_t GatherFoundRecordColumn(const uint8_t* const* recs, int64_t begin, int64_t end,
                                const RecordColumn& rc, uint8_t* __restrict values,
                                uint8_t* __restrict validity) {
  const RecordSlot s = rc.slots[0];
  if constexpr (!kNullable && Width > 0) {
    // Every row is valid: copy the values, then set the validity bits a byte at a time (none
    // when the column has no bitmap: validity is null).
    for (int64_t i = begin; i < end; ++i) {
      std::memcpy(values + i * Width, recs[i - begin] + s.offset, Width);
    }
    if (validity == nullptr) return 0;
    for (int64_t i8 = begin; i8 < end; i8 += 8) {
      const int64_t left = end - i8;
      validity[i8 / 8] = left >= 8 ? 0xFF : static_cast<uint8_t>((1u << left) - 1);
    }
    return 0;
  }
  using Word = std::conditional_t<
      Width == 8, uint64_t,
      std::conditional_t<Width == 4, uint32_t, std::conditional_t<Width == 2, uint16_t, uint8_t>>>;
  int64_t valid_count = 0;
  for (int64_t i8 = begin; i8 < end; i8 += 8) {
    const int64_t stop = std::min(end, i8 + 8);
    unsigned valid_bits = 0;
    unsigned bool_bits = 0;
    for (int64_t i = i8; i < stop; ++i) {
      const uint8_t* rec = recs[i - begin];
      const unsigned bit = static_cast<unsigned>(i - i8);
      unsigned valid = 1;
      if constexpr (kNullable) valid = (rec[s.null_byte] & s.null_mask) != 0 ? 1u : 0u;
      valid_bits |= valid << bit;
      valid_count += valid;
      if constexpr (Width == 0) {
        bool_bits |= (valid & (rec[s.offset] != 0 ? 1u : 0u)) << bit;
      } else {
        Word w;
        std::memcpy(&w, rec + s.offset, Width);
        if constexpr (kNullable) w = valid ? w : Word{0};
        std::memcpy(values + i * Width, &w, Width);
      }
    }
    if (kNullable || validity != nullptr) validity[i8 / 8] = static_cast<uint8_t>(valid_bits);
    if constexpr (Width == 0) values[i8 / 8] = static_cast<uint8_t>(bool_bits);
  }
  return (end - begin) - valid_count;  // the nulls
}

template <int Width>
int64_t GatherRecordColumn(const uint8_t* const* recs, const uint32_t* srcs, int64_t begin,
                           int64_t end, const RecordColumn& rc, bool all_found, uint8_t* values,
                           uint8_t* validity) {
  if (all_found && !rc.per_source) {
    return rc.slots[0].null_byte >= 0
               ? GatherFoundRecordColumn<Width, true>(recs, begin, end, rc, values, validity)
               : GatherFoundRecordColumn<Width, false>(recs, begin, end, rc, values, validity);
  }
  return rc.per_source
             ? GatherRecordColumn<Width, true>(recs, srcs, begin, end, rc, values, validity)
             : GatherRecordColumn<Width, false>(recs, srcs, begin, end, rc, values, validity);
}

}  // namespace

std::vector<Column> GatherRecords(absl::Span<const uint8_t* const> bases,
                                  absl::Span<const uint32_t> strides,
                                  absl::Span<const RecordColumn> columns, const RowRef* refs,
                                  int64_t n, Buffer* block) {
  const size_t nc = columns.size();
  std::vector<Column> out(nc);
  // Per output column: where its values and validity go, and its null count so far.
  struct Target {
    uint8_t* values;
    uint8_t* validity;
    int64_t nulls;
    Buffer validity_buffer;
  };
  std::vector<Target> targets(nc);
  // A column has no bitmap when no row can be null: every key found, and a slot without a null
  // flag in every source (one layout). The gather then takes the no-flag path for every group.
  bool any_missing = false;
  for (int64_t i = 0; i < n; ++i) any_missing |= refs[i].source == kMissingSource;
  auto has_bitmap = [&](size_t c) {
    return any_missing || columns[c].per_source || columns[c].slots[0].null_byte >= 0;
  };
  // One allocation for every output buffer (validity and values of each column), each slice
  // starting on a 64-byte boundary, the bytes between them zero (a bitmap that ends up
  // without a null is zeroed at the end). Bool is one byte in a record and one bit in the output.
  auto value_bytes = [&](size_t c) {
    return columns[c].type.storage() == Storage::kBit
               ? BitmapBytes(n)
               : static_cast<size_t>(n) * FixedWidth(columns[c].type);
  };
  size_t total = 0;
  for (size_t c = 0; c < nc; ++c) {
    total += RoundUp64(value_bytes(c)) + (has_bitmap(c) ? RoundUp64(BitmapBytes(n)) : 0);
  }
  // Every value slot and validity byte is written below (nulls as zeros); only the padding
  // between the slices is zeroed here, not the whole arena.
  Buffer arena = Buffer::AllocateForOverwrite(total);
  uint8_t* base = arena.mutable_data();
  size_t at = 0;
  for (size_t c = 0; c < nc; ++c) {
    targets[c].nulls = 0;
    targets[c].validity = nullptr;
    if (has_bitmap(c)) {
      targets[c].validity_buffer = arena.Slice(at, BitmapBytes(n));
      targets[c].validity = base + at;
      std::memset(base + at + BitmapBytes(n), 0, RoundUp64(BitmapBytes(n)) - BitmapBytes(n));
      at += RoundUp64(BitmapBytes(n));
    }
    const size_t vb = value_bytes(c);
    out[c].type = columns[c].type;
    out[c].length = n;
    out[c].values = arena.Slice(at, vb);
    targets[c].values = base + at;
    std::memset(base + at + vb, 0, RoundUp64(vb) - vb);
    at += RoundUp64(vb);
  }
  if (block != nullptr) *block = arena;
  // Rows go in groups: fetch every record of the group (the cache misses overlap), then copy one
  // column at a time across the group, so the type dispatch and the output pointers stay out of
  // the per-value loop. A group's records (256 x a record of tens of bytes) stay in L1 for the
  // column passes.
  constexpr int64_t kGroup = 256;
  static_assert(kGroup % 8 == 0, "groups start on validity byte boundaries");
  const uint8_t* recs[kGroup];
  uint32_t srcs[kGroup];
  for (int64_t g = 0; g < n; g += kGroup) {
    const int64_t end = std::min(n, g + kGroup);
    bool all_found = true;
    for (int64_t i = g; i < end; ++i) {
      const RowRef& r = refs[i];
      const uint8_t* rec = nullptr;
      all_found &= r.source != kMissingSource;
      if (r.source != kMissingSource) {
        const uint32_t stride = strides[r.source];
        rec = bases[r.source] + static_cast<size_t>(r.row) * stride;
        __builtin_prefetch(rec);
        __builtin_prefetch(rec + stride - 1);
      }
      recs[i - g] = rec;
      srcs[i - g] = r.source;
    }
    for (size_t c = 0; c < nc; ++c) {
      const RecordColumn& rc = columns[c];
      Target& t = targets[c];
      // Record members are bool (width 0 here) or scalars of 1, 2, 4 or 8 bytes (RecordLayout).
      switch (rc.type.storage() == Storage::kBit ? 0 : FixedWidth(rc.type)) {
        case 0:
          t.nulls += GatherRecordColumn<0>(recs, srcs, g, end, rc, all_found, t.values, t.validity);
          break;
        case 1:
          t.nulls += GatherRecordColumn<1>(recs, srcs, g, end, rc, all_found, t.values, t.validity);
          break;
        case 2:
          t.nulls += GatherRecordColumn<2>(recs, srcs, g, end, rc, all_found, t.values, t.validity);
          break;
        case 4:
          t.nulls += GatherRecordColumn<4>(recs, srcs, g, end, rc, all_found, t.values, t.validity);
          break;
        case 8:
          t.nulls += GatherRecordColumn<8>(recs, srcs, g, end, rc, all_found, t.values, t.validity);
          break;
        default:
          __builtin_trap();  // RecordLayout never places another width in a record
      }
    }
  }
  for (size_t c = 0; c < nc; ++c) {
    out[c].null_count = targets[c].nulls;
    if (targets[c].nulls > 0) {
      out[c].validity = std::move(targets[c].validity_buffer);
    } else if (targets[c].validity != nullptr) {
      // A bitmap without a null is not attached; zeroed, it is a gap that holds nothing.
      std::memset(targets[c].validity, 0, BitmapBytes(n));
    }
  }
  return out;
}

}  // namespace murr
