#include "murr/columnar/gather.h"

#include <cstring>

namespace murr {
namespace {

constexpr int kPrefetchDistance = 16;

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
  const T* values[8];
  const uint8_t* valid_bits[8];
  bool small = num_sources <= 8;
  if (small) {
    for (size_t s = 0; s < num_sources; ++s) {
      values[s] = sources[s]->values.as<T>();
      valid_bits[s] = sources[s]->validity.empty() ? nullptr : sources[s]->validity.data();
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    if (i + kPrefetchDistance < n) {
      const RowRef& p = refs[i + kPrefetchDistance];
      if (p.source != kMissingSource) {
        const T* base = small ? values[p.source] : sources[p.source]->values.as<T>();
        __builtin_prefetch(base + p.row);
      }
    }
    const RowRef& r = refs[i];
    if (r.source == kMissingSource) {
      out[i] = T{};
      validity->Set(i, false);
      continue;
    }
    const T* base;
    const uint8_t* vb;
    if (small) {
      base = values[r.source];
      vb = valid_bits[r.source];
    } else {
      base = sources[r.source]->values.as<T>();
      vb = sources[r.source]->validity.empty() ? nullptr : sources[r.source]->validity.data();
    }
    std::memcpy(&out[i], base + r.row, sizeof(T));
    validity->Set(i, vb == nullptr || GetBit(vb, r.row));
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

}  // namespace

Column GatherColumn(DataType type, const std::vector<const Column*>& sources, const RowRef* refs,
                    int64_t n) {
  Column out;
  out.type = type;
  out.length = n;
  Buffer validity = Buffer::Allocate(BitmapBytes(n));
  ValidityWriter vw{validity.mutable_data()};
  switch (type) {
    case DataType::kBool: {
      out.values = Buffer::Allocate(BitmapBytes(n));
      GatherBool(sources, refs, n, out.values.mutable_data(), &vw);
      break;
    }
    case DataType::kUtf8: {
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
    default: {
      int w = FixedWidth(type);
      out.values = Buffer::Allocate(static_cast<size_t>(n) * w);
      uint8_t* ov = out.values.mutable_data();
      switch (w) {
        case 1: GatherFixed<uint8_t>(sources, refs, n, ov, &vw); break;
        case 2: GatherFixed<uint16_t>(sources, refs, n, ov, &vw); break;
        case 4: GatherFixed<uint32_t>(sources, refs, n, ov, &vw); break;
        default: GatherFixed<uint64_t>(sources, refs, n, ov, &vw); break;
      }
      break;
    }
  }
  out.null_count = vw.null_count;
  if (out.null_count > 0) out.validity = std::move(validity);
  return out;
}

}  // namespace murr
