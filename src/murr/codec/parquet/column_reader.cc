#include "murr/codec/parquet/column_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <simdjson.h>

#include "murr/codec/parquet/encoding.h"

namespace murr::parquet {
namespace {

uint32_t LoadLE32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Sets bits [start, start + count) of a bitmap (bits outside the range are left alone).
void SetBitRange(uint8_t* bits, int64_t start, int64_t count) {
  int64_t end = start + count;
  while (start < end && (start & 7) != 0) SetBit(bits, start++);
  int64_t full_end = end & ~int64_t{7};
  if (start < full_end) {
    std::memset(bits + start / 8, 0xff, static_cast<size_t>((full_end - start) / 8));
    start = full_end;
  }
  while (start < end) SetBit(bits, start++);
}

template <int W>
void SpreadFixedT(uint8_t* base, const uint8_t* bitmap, int64_t first_row, int64_t n,
                  int64_t valid) {
  int64_t j = valid - 1;
  for (int64_t r = n - 1; r >= 0 && j < r; --r) {
    if (GetBit(bitmap, first_row + r)) {
      std::memcpy(base + r * W, base + j * W, W);
      --j;
    } else {
      std::memset(base + r * W, 0, W);
    }
  }
}

template <int W>
Status GatherT(const uint8_t* dict, int64_t dict_count, const uint32_t* idx, int64_t n,
               uint8_t* dst) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t k = idx[i];
    if (k >= static_cast<uint64_t>(dict_count)) {
      return EncodingError("dictionary index " + std::to_string(k) + " out of range for " +
                           std::to_string(dict_count) + " dictionary values");
    }
    std::memcpy(dst + i * W, dict + static_cast<size_t>(k) * W, W);
  }
  return Status::OK();
}

// Definition levels of a flat OPTIONAL column (max level 1) into validity bits.
Status DecodeDefLevels(const uint8_t* data, size_t size, int32_t encoding, int64_t n,
                       uint8_t* bitmap, int64_t first_row, int64_t* valid) {
  int64_t count = 0;
  if (encoding == kBitPacked) {
    // Deprecated BIT_PACKED levels: MSB-first within each byte.
    if (static_cast<uint64_t>(n + 7) / 8 > size) {
      return EncodingError("BIT_PACKED definition levels truncated");
    }
    for (int64_t i = 0; i < n; ++i) {
      if ((data[i >> 3] >> (7 - (i & 7))) & 1) {
        SetBit(bitmap, first_row + i);
        ++count;
      }
    }
    *valid = count;
    return Status::OK();
  }
  if (encoding != kRle) {
    return EncodingError(std::string("definition levels in encoding ") + EncodingName(encoding));
  }
  RleBitPackedDecoder dec(data, size, 1);
  int64_t row = first_row;
  MURR_RETURN_IF_ERROR(dec.Visit(
      n,
      [&](uint32_t v, int64_t c) {
        if (v) {
          SetBitRange(bitmap, row, c);
          count += c;
        }
        row += c;
      },
      [&](const uint32_t* v, int64_t c) {
        for (int64_t i = 0; i < c; ++i) {
          if (v[i]) {
            SetBit(bitmap, row + i);
            ++count;
          }
        }
        row += c;
      }));
  *valid = count;
  return Status::OK();
}

bool IsDictionaryEncoding(int32_t e) {
  return e == kPlainDictionary || e == kRleDictionary;
}

}  // namespace

ColumnChunkDecoder::ColumnChunkDecoder(const LeafColumn& leaf, int64_t reserve_rows,
                                       const DecoderLimits& limits)
    : leaf_(leaf), limits_(limits) {
  switch (leaf_.physical) {
    case kBoolean:
      phys_width_ = 0;
      break;
    case kInt32:
    case kFloat:
      phys_width_ = 4;
      break;
    case kInt64:
    case kDouble:
      phys_width_ = 8;
      break;
    case kFixedLenByteArray:
      phys_width_ = leaf_.type_length;
      break;
    case kInt96:
      phys_width_ = 12;
      break;
    default:
      phys_width_ = 0;
      break;
  }
  out_width_ = FixedWidth(leaf_.type);
  if (leaf_.is_list()) {
    list_offsets_.Reserve(static_cast<size_t>(reserve_rows + 1) * 4);
    if (leaf_.optional) list_validity_.Reserve(BitmapBytes(reserve_rows));
    // Items: a fixed-size list has size items per row; a variable one at least one, say.
    reserve_rows = std::min<int64_t>(reserve_rows * std::max<int64_t>(1, leaf_.fixed_size),
                                     std::max<int64_t>(reserve_rows, 1 << 20));
  }
  if (leaf_.optional || leaf_.is_list()) validity_.Reserve(BitmapBytes(reserve_rows));
  switch (leaf_.type.storage()) {
    case Storage::kBit:
      values_.Reserve(BitmapBytes(reserve_rows));
      break;
    case Storage::kVarBytes:
      values_.Reserve(static_cast<size_t>(reserve_rows + 1) * 4);
      values_.AppendValue<int32_t>(0);
      break;
    case Storage::kFixed:
    case Storage::kFixedList:
      values_.Reserve(static_cast<size_t>(reserve_rows) * out_width_);
      break;
    case Storage::kList:  // leaves are scalars (a list's item); never a list itself
      break;
  }
}

Status ColumnChunkDecoder::Error(const std::string& what) const {
  return EncodingError(what);
}

Status ColumnChunkDecoder::Inflate(const uint8_t* data, size_t size, size_t out_size,
                                   const uint8_t** out) {
  if (static_cast<int64_t>(out_size) > limits_.max_page_bytes) {
    return Status::ResourceExhausted("Parquet page of " + std::to_string(out_size) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(limits_.max_page_bytes));
  }
  if (codec_ == kUncompressed) {
    if (size != out_size) {
      return Error("uncompressed page of " + std::to_string(size) + " bytes, header says " +
                   std::to_string(out_size));
    }
    *out = data;
    return Status::OK();
  }
  if (out_size > Decompressor::MaxDecompressedSize(codec_, data, size)) {
    return Error(std::string("page header claims ") + std::to_string(out_size) +
                 " bytes, more than " + std::to_string(size) + " bytes of " + CodecName(codec_) +
                 " data can hold");
  }
  if (out_size > page_cap_) {
    size_t cap = std::max(out_size, page_cap_ * 2);
    page_buf_.reset(new uint8_t[cap]);
    page_cap_ = cap;
  }
  MURR_RETURN_IF_ERROR(decompressor_.Decompress(codec_, data, size, page_buf_.get(), out_size));
  *out = page_buf_.get();
  return Status::OK();
}

Status ColumnChunkDecoder::ReadChunk(const uint8_t* begin, const uint8_t* end, int32_t codec,
                                     int64_t rows, int64_t num_values) {
  codec_ = codec;
  has_dict_ = false;
  dict_count_ = 0;
  row_open_ = false;
  row_has_items_ = false;
  bool seen_data = false;
  int64_t done = 0;
  const bool list = leaf_.is_list();
  if (list && num_values < rows) {
    return Error("column chunk claims " + std::to_string(num_values) + " values for " +
                 std::to_string(rows) + " rows");
  }
  int64_t values_done = 0;
  const uint8_t* p = begin;
  // A LIST chunk ends with its level count (its last row may span v1 pages); a flat one with
  // its rows.
  while (list ? values_done < num_values : done < rows) {
    if (p >= end) {
      return Error("column chunk ends after " + std::to_string(done) + " of " +
                   std::to_string(rows) + " rows");
    }
    PageHeader h;
    size_t header_size = 0;
    MURR_RETURN_IF_ERROR(DecodePageHeader(p, static_cast<size_t>(end - p), &h, &header_size));
    p += header_size;
    if (static_cast<uint64_t>(h.compressed_page_size) > static_cast<uint64_t>(end - p)) {
      return Error("page of " + std::to_string(h.compressed_page_size) +
                   " bytes runs past the end of its column chunk");
    }
    const uint8_t* page = p;
    size_t page_size = static_cast<size_t>(h.compressed_page_size);
    p += page_size;  // always advances past the header, so this loop ends
    switch (h.type) {
      case kDictionaryPage:
        if (has_dict_ || seen_data) {
          return Error("dictionary page after another dictionary page or after data pages");
        }
        MURR_RETURN_IF_ERROR(ReadDictionaryPage(h, page, page_size));
        break;
      case kDataPage:
      case kDataPageV2: {
        seen_data = true;
        if (list) {
          int64_t before = rows_;
          MURR_RETURN_IF_ERROR(ReadDataPage(h, page, page_size, rows - done));
          done += rows_ - before;
          values_done += page_values_;
          if (values_done > num_values) {
            return Error("data pages hold more than the column chunk's " +
                         std::to_string(num_values) + " values");
          }
        } else {
          int64_t before = length_;
          MURR_RETURN_IF_ERROR(ReadDataPage(h, page, page_size, rows - done));
          done += length_ - before;
        }
        break;
      }
      default:
        break;  // index pages and unknown page types are skipped
    }
  }
  if (done != rows) {
    return Error("column chunk holds " + std::to_string(done) + " rows, its row group " +
                 std::to_string(rows));
  }
  return Status::OK();
}

Status ColumnChunkDecoder::ReadDictionaryPage(const PageHeader& h, const uint8_t* data,
                                              size_t size) {
  if (!h.has_dictionary_page) return Error("dictionary page without a dictionary page header");
  const DictionaryPageHeader& d = h.dictionary_page;
  if (d.encoding != kPlain && d.encoding != kPlainDictionary) {
    return Error(std::string("dictionary page in encoding ") + EncodingName(d.encoding));
  }
  if (d.num_values < 0) return Error("negative dictionary size");
  const uint8_t* v;
  MURR_RETURN_IF_ERROR(Inflate(data, size, static_cast<size_t>(h.uncompressed_page_size), &v));
  size_t vsize = static_cast<size_t>(h.uncompressed_page_size);
  int64_t n = d.num_values;
  switch (leaf_.type.storage()) {
    case Storage::kBit: {
      if (static_cast<uint64_t>(n + 7) / 8 > vsize) return Error("dictionary page truncated");
      dict_fixed_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) dict_fixed_[i] = GetBit(v, i);
      break;
    }
    case Storage::kVarBytes: {
      dict_offsets_.clear();
      dict_data_.clear();
      dict_offsets_.push_back(0);
      size_t pos = 0;
      for (int64_t i = 0; i < n; ++i) {
        size_t len;
        if (leaf_.physical == kFixedLenByteArray) {
          len = static_cast<size_t>(phys_width_);
        } else {
          if (vsize - pos < 4) return Error("dictionary page truncated");
          len = LoadLE32(v + pos);
          pos += 4;
        }
        if (len > vsize - pos) return Error("dictionary page truncated");
        if (dict_data_.size() + len > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          return Status::ResourceExhausted("Parquet dictionary exceeds 2 GiB");
        }
        dict_data_.insert(dict_data_.end(), v + pos, v + pos + len);
        pos += len;
        dict_offsets_.push_back(static_cast<uint32_t>(dict_data_.size()));
      }
      break;
    }
    case Storage::kFixed:
    case Storage::kFixedList: {
      if (static_cast<uint64_t>(n) * static_cast<uint64_t>(phys_width_) > vsize) {
        return Error("dictionary page truncated");
      }
      dict_fixed_.resize(static_cast<size_t>(n) * out_width_);
      if (out_width_ == phys_width_) {
        if (n) std::memcpy(dict_fixed_.data(), v, static_cast<size_t>(n) * out_width_);
      } else if (leaf_.physical == kInt96) {
        MURR_RETURN_IF_ERROR(ConvertInt96(v, n, dict_fixed_.data()));
      } else {
        i32_.resize(static_cast<size_t>(n));
        if (n) std::memcpy(i32_.data(), v, static_cast<size_t>(n) * 4);
        MURR_RETURN_IF_ERROR(NarrowInt32(i32_.data(), n, dict_fixed_.data()));
      }
      break;
    }
    case Storage::kList:
      return Error("a leaf of list type (leaves are scalars)");
  }
  has_dict_ = true;
  dict_count_ = n;
  return Status::OK();
}

Status ColumnChunkDecoder::ReadDataPage(const PageHeader& h, const uint8_t* data, size_t size,
                                        int64_t rows_left) {
  int64_t n;
  int32_t encoding;
  const uint8_t* levels = nullptr;
  size_t levels_size = 0;
  int32_t level_encoding = kRle;
  const uint8_t* rep_levels = nullptr;
  size_t rep_size = 0;
  const uint8_t* values;
  size_t values_size;
  size_t usize = static_cast<size_t>(h.uncompressed_page_size);
  if (h.type == kDataPage) {
    if (!h.has_data_page) return Error("data page without a data page header");
    n = h.data_page.num_values;
    encoding = h.data_page.encoding;
    if (n < 0 || (!leaf_.is_list() && n > rows_left)) {
      return Error("data page of " + std::to_string(n) + " values where " +
                   std::to_string(rows_left) + " rows are left in the row group");
    }
    const uint8_t* page;
    MURR_RETURN_IF_ERROR(Inflate(data, size, usize, &page));
    size_t pos = 0;
    if (leaf_.is_list()) {
      // Repetition levels, then definition levels, each RLE with a 4-byte length.
      const uint8_t* parts[2];
      size_t part_sizes[2];
      int32_t encodings[2] = {h.data_page.repetition_level_encoding,
                              h.data_page.definition_level_encoding};
      for (int k = 0; k < 2; ++k) {
        const char* what = k == 0 ? "repetition" : "definition";
        if (encodings[k] != kRle) {
          return Status::Unimplemented(std::string(what) + " levels of a list in encoding " +
                                       EncodingName(encodings[k]));
        }
        if (usize - pos < 4) return Error(std::string(what) + " levels truncated");
        uint32_t len = LoadLE32(page + pos);
        if (len > usize - pos - 4) {
          return Error(std::string(what) + " levels run past the end of the page");
        }
        parts[k] = page + pos + 4;
        part_sizes[k] = len;
        pos += 4 + static_cast<size_t>(len);
      }
      rep_levels = parts[0];
      rep_size = part_sizes[0];
      levels = parts[1];
      levels_size = part_sizes[1];
    } else if (leaf_.optional) {
      level_encoding = h.data_page.definition_level_encoding;
      if (level_encoding == kRle) {
        if (usize < 4) return Error("definition levels truncated");
        uint32_t len = LoadLE32(page);
        if (len > usize - 4) return Error("definition levels run past the end of the page");
        levels = page + 4;
        levels_size = len;
        pos = 4 + static_cast<size_t>(len);
      } else if (level_encoding == kBitPacked) {
        size_t len = static_cast<size_t>((n + 7) / 8);
        if (len > usize) return Error("definition levels run past the end of the page");
        levels = page;
        levels_size = len;
        pos = len;
      } else {
        return Error(std::string("definition levels in encoding ") + EncodingName(level_encoding));
      }
    }
    values = page + pos;
    values_size = usize - pos;
  } else {
    if (!h.has_data_page_v2) return Error("data page v2 without a data page v2 header");
    const DataPageHeaderV2& d = h.data_page_v2;
    n = d.num_values;
    encoding = d.encoding;
    if (n < 0 || (!leaf_.is_list() && n > rows_left)) {
      return Error("data page of " + std::to_string(n) + " values where " +
                   std::to_string(rows_left) + " rows are left in the row group");
    }
    if (d.repetition_levels_byte_length < 0 || d.definition_levels_byte_length < 0) {
      return Error("negative level lengths in a data page v2 header");
    }
    size_t rep = static_cast<size_t>(d.repetition_levels_byte_length);
    size_t def = static_cast<size_t>(d.definition_levels_byte_length);
    if (rep + def > size || rep + def > usize) {
      return Error("data page v2 levels run past the end of the page");
    }
    rep_levels = data;
    rep_size = rep;
    levels = data + rep;
    levels_size = def;
    const uint8_t* body = data + rep + def;
    size_t body_size = size - rep - def;
    size_t out_size = usize - rep - def;
    if (d.is_compressed && codec_ != kUncompressed) {
      MURR_RETURN_IF_ERROR(Inflate(body, body_size, out_size, &values));
      values_size = out_size;
    } else {
      values = body;
      values_size = body_size;
    }
  }

  // Levels into the validity bitmap first: then the values the page must hold are known, and
  // for encodings with a fixed minimum size per value the bytes are checked before the output
  // grows by n rows (a page header's count alone does not allocate).
  page_values_ = n;
  int64_t valid = n;
  if (leaf_.is_list()) {
    int64_t started = 0;
    int64_t items = 0;
    MURR_RETURN_IF_ERROR(DecodeListLevels(rep_levels, rep_size, levels, levels_size, n,
                                          h.type == kDataPageV2, rows_left, &started, &items,
                                          &valid));
    if (h.type == kDataPageV2 && h.data_page_v2.num_rows != started) {
      return Error("data page v2 header says " + std::to_string(h.data_page_v2.num_rows) +
                   " rows, its repetition levels start " + std::to_string(started));
    }
    n = items;  // from here on the page's values are its items
  }
  int64_t new_len = length_ + n;
  if (leaf_.optional && !leaf_.is_list()) {
    validity_.Resize(BitmapBytes(new_len));
    if (h.type == kDataPageV2 && levels_size == 0 && n > 0) {
      return Error("data page v2 of an OPTIONAL column has no definition levels");
    }
    MURR_RETURN_IF_ERROR(
        DecodeDefLevels(levels, levels_size, level_encoding, n, validity_.data(), length_, &valid));
  }
  MURR_RETURN_IF_ERROR(CheckValueBytes(encoding, valid, values_size));
  switch (leaf_.type.storage()) {
    case Storage::kBit:
      values_.Resize(BitmapBytes(new_len));
      break;
    case Storage::kVarBytes:
      values_.Resize(static_cast<size_t>(new_len + 1) * 4);
      break;
    case Storage::kFixed:
    case Storage::kFixedList:
      values_.Resize(static_cast<size_t>(new_len) * out_width_);
      break;
    case Storage::kList:
      return Error("a leaf of list type (leaves are scalars)");
  }
  MURR_RETURN_IF_ERROR(DecodeRows(encoding, values, values_size, n, valid));
  length_ = new_len;
  null_count_ += n - valid;
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeListLevels(const uint8_t* rep, size_t rep_size, const uint8_t* def,
                                            size_t def_size, int64_t n, bool v2, int64_t rows_left,
                                            int64_t* rows_started, int64_t* items, int64_t* valid) {
  const uint32_t max_rep = static_cast<uint32_t>(leaf_.max_rep);
  const uint32_t max_def = static_cast<uint32_t>(leaf_.max_def);
  const uint32_t list_def = static_cast<uint32_t>(leaf_.list_def);
  const uint32_t item_def = list_def + 1;  // at least one item
  int def_width = 0;
  while ((max_def >> def_width) != 0) ++def_width;
  RleBitPackedDecoder rep_dec(rep, rep_size, 1);
  RleBitPackedDecoder def_dec(def, def_size, def_width);
  constexpr int64_t kBatch = 1024;
  rep_buf_.resize(kBatch);
  def_buf_.resize(kBatch);
  int64_t started = 0;
  int64_t n_items = 0;
  int64_t n_valid = 0;
  for (int64_t i0 = 0; i0 < n; i0 += kBatch) {
    const int64_t c = std::min(kBatch, n - i0);
    Status st = rep_dec.Decode(rep_buf_.data(), c);
    if (!st.ok()) return st.WithContext("repetition levels");
    st = def_dec.Decode(def_buf_.data(), c);
    if (!st.ok()) return st.WithContext("definition levels");
    if (length_ + n_items + c > limits_.max_items) {
      return Status::ResourceExhausted("list column '" + leaf_.name + "' holds more than " +
                                       std::to_string(limits_.max_items) + " items");
    }
    validity_.Resize(BitmapBytes(length_ + n_items + c));
    uint8_t* item_bits = validity_.data();
    for (int64_t i = 0; i < c; ++i) {
      const uint32_t r = rep_buf_[i];
      const uint32_t d = def_buf_[i];
      if (r > max_rep || d > max_def) {
        return Error("level " + std::to_string(i0 + i) + " of the page: repetition level " +
                     std::to_string(r) + " / definition level " + std::to_string(d) +
                     " exceed the column's maximum " + std::to_string(max_rep) + " / " +
                     std::to_string(max_def));
      }
      if (r == 0) {
        if (started == rows_left) {
          return Error("data page starts more rows than the " + std::to_string(rows_left) +
                       " left in the row group");
        }
        ++started;
        const int64_t row = rows_ + started - 1;
        list_offsets_.AppendValue<int32_t>(static_cast<int32_t>(length_ + n_items));
        if (leaf_.optional) {
          list_validity_.Resize(BitmapBytes(row + 1));
          if (d >= list_def) SetBit(list_validity_.data(), row);
        }
        if (d < list_def) ++null_rows_;
        row_open_ = true;
        row_has_items_ = d >= item_def;
        row_def_ = d;
        if (!row_has_items_) continue;
      } else {
        if (!row_open_ || (v2 && started == 0)) {
          return Error(std::string(v2 ? "data page v2" : "column chunk") +
                       " starts inside a list (its first repetition level is " + std::to_string(r) +
                       ", not 0)");
        }
        // DuckDB (2.0) writes a null ARRAY (FLOAT[n]) as n levels of the null list: a level
        // that repeats the row's null or empty state defines nothing and is skipped.
        if (!row_has_items_ && d == row_def_) continue;
        if (!row_has_items_ || d < item_def) {
          return Error("level " + std::to_string(i0 + i) +
                       " of the page adds an item to a null or empty list (definition level " +
                       std::to_string(d) + ")");
        }
      }
      if (d == max_def) {
        SetBit(item_bits, length_ + n_items);
        ++n_valid;
      }
      ++n_items;
    }
  }
  rows_ += started;
  *rows_started = started;
  *items = n_items;
  *valid = n_valid;
  return Status::OK();
}

Status ColumnChunkDecoder::CheckValueBytes(int32_t encoding, int64_t valid, size_t size) const {
  uint64_t need = 0;  // a lower bound on the bytes `valid` values take
  const uint64_t v = static_cast<uint64_t>(valid);
  if (encoding == kPlain) {
    if (leaf_.physical == kBoolean) {
      need = (v + 7) / 8;
    } else if (leaf_.physical == kByteArray) {
      need = v * 4;
    } else {
      need = v * static_cast<uint64_t>(phys_width_);
    }
  } else if (encoding == kByteStreamSplit && leaf_.physical != kBoolean &&
             leaf_.physical != kByteArray) {
    need = v * static_cast<uint64_t>(phys_width_);
  } else if (IsDictionaryEncoding(encoding) && valid > 0) {
    need = 1;  // the bit width byte
  }
  if (need > size) {
    return Error(std::string(EncodingName(encoding)) + " page holds " + std::to_string(size) +
                 " bytes, too few for " + std::to_string(valid) + " values");
  }
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeRows(int32_t encoding, const uint8_t* data, size_t size, int64_t n,
                                      int64_t valid) {
  if (IsDictionaryEncoding(encoding) && valid > 0) {
    MURR_RETURN_IF_ERROR(DecodeDictIndices(data, size, valid));
  }
  switch (leaf_.type.storage()) {
    case Storage::kBit:
      return DecodeBool(encoding, data, size, n, valid);
    case Storage::kVarBytes: {
      int32_t* ends = reinterpret_cast<int32_t*>(values_.data()) + length_ + 1;
      MURR_RETURN_IF_ERROR(DecodeStrings(encoding, data, size, valid, ends));
      if (valid < n) SpreadOffsets(ends, n, valid);
      return Status::OK();
    }
    case Storage::kFixed:
    case Storage::kFixedList: {
      uint8_t* dst = values_.data() + length_ * out_width_;
      MURR_RETURN_IF_ERROR(DecodeFixed(encoding, data, size, valid, dst));
      if (valid < n) SpreadFixed(dst, n, valid);
      return Status::OK();
    }
    case Storage::kList:
      return Error("a leaf of list type (leaves are scalars)");
  }
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeDictIndices(const uint8_t* data, size_t size, int64_t valid) {
  if (!has_dict_) return Error("dictionary-encoded page without a dictionary page");
  if (size < 1) return Error("dictionary indices truncated");
  int bit_width = data[0];
  if (bit_width > 32) return Error("dictionary index bit width " + std::to_string(bit_width));
  indices_.resize(static_cast<size_t>(valid));
  RleBitPackedDecoder dec(data + 1, size - 1, bit_width);
  return dec.Decode(indices_.data(), valid);
}

Status ColumnChunkDecoder::ConvertInt96(const uint8_t* in, int64_t n, uint8_t* dst) {
  // Julian day 2440588 is 1970-01-01.
  constexpr int64_t kEpochJulianDay = 2440588;
  constexpr int64_t kNanosPerDay = 86400LL * 1000000000LL;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t nanos;
    uint32_t julian;
    std::memcpy(&nanos, in + 12 * i, 8);
    std::memcpy(&julian, in + 12 * i + 8, 4);
    __int128 v = (static_cast<__int128>(julian) - kEpochJulianDay) * kNanosPerDay +
                 static_cast<__int128>(nanos);
    if (nanos >= static_cast<uint64_t>(kNanosPerDay) || v < INT64_MIN || v > INT64_MAX) {
      return Error("INT96 timestamp (Julian day " + std::to_string(julian) + ", " +
                   std::to_string(nanos) + " ns) is outside the range of timestamp_ns");
    }
    int64_t out = static_cast<int64_t>(v);
    std::memcpy(dst + 8 * i, &out, 8);
  }
  return Status::OK();
}

Status ColumnChunkDecoder::NarrowInt32(const int32_t* in, int64_t n, uint8_t* dst) {
  const TypeInfo& info = leaf_.type.info();
  if (info.arrow != ArrowKind::kInt || info.width > 2) {
    return Status::Internal("NarrowInt32 on a type other than a 1- or 2-byte integer");
  }
  const int64_t lo = !info.is_signed ? 0 : info.width == 1 ? INT8_MIN : INT16_MIN;
  const int64_t hi = info.width == 1 ? (info.is_signed ? INT8_MAX : UINT8_MAX)
                                     : (info.is_signed ? INT16_MAX : UINT16_MAX);
  for (int64_t i = 0; i < n; ++i) {
    if (in[i] < lo || in[i] > hi) {
      return Error("value " + std::to_string(in[i]) + " out of range for " +
                   std::string(DataTypeName(leaf_.type)));
    }
  }
  if (out_width_ == 1) {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(in[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t v = static_cast<uint16_t>(in[i]);
      std::memcpy(dst + 2 * i, &v, 2);
    }
  }
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeFixed(int32_t encoding, const uint8_t* data, size_t size,
                                       int64_t valid, uint8_t* dst) {
  const bool narrow = out_width_ != phys_width_;
  const size_t pw = static_cast<size_t>(phys_width_);
  switch (encoding) {
    case kPlain: {
      if (static_cast<uint64_t>(valid) * pw > size) {
        return Error("PLAIN page holds " + std::to_string(size / pw) + " values, " +
                     std::to_string(valid) + " needed");
      }
      if (!narrow) {
        if (valid) std::memcpy(dst, data, static_cast<size_t>(valid) * pw);
        return Status::OK();
      }
      if (leaf_.physical == kInt96) return ConvertInt96(data, valid, dst);
      i32_.resize(static_cast<size_t>(valid));
      if (valid) std::memcpy(i32_.data(), data, static_cast<size_t>(valid) * 4);
      return NarrowInt32(i32_.data(), valid, dst);
    }
    case kByteStreamSplit: {
      if (!narrow) return ByteStreamSplitDecode(data, size, phys_width_, valid, dst);
      if (leaf_.physical == kInt96) break;
      i32_.resize(static_cast<size_t>(valid));
      MURR_RETURN_IF_ERROR(
          ByteStreamSplitDecode(data, size, 4, valid, reinterpret_cast<uint8_t*>(i32_.data())));
      return NarrowInt32(i32_.data(), valid, dst);
    }
    case kDeltaBinaryPacked: {
      if (leaf_.physical != kInt32 && leaf_.physical != kInt64) break;
      DeltaBinaryPackedDecoder dec;
      MURR_RETURN_IF_ERROR(dec.Init(data, size, valid));
      i64_.resize(static_cast<size_t>(valid));
      MURR_RETURN_IF_ERROR(dec.Decode(i64_.data(), valid));
      if (leaf_.physical == kInt64) {
        if (valid) std::memcpy(dst, i64_.data(), static_cast<size_t>(valid) * 8);
        return Status::OK();
      }
      i32_.resize(static_cast<size_t>(valid));
      for (int64_t i = 0; i < valid; ++i) {
        i32_[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(i64_[i])));
      }
      if (!narrow) {
        if (valid) std::memcpy(dst, i32_.data(), static_cast<size_t>(valid) * 4);
        return Status::OK();
      }
      return NarrowInt32(i32_.data(), valid, dst);
    }
    case kPlainDictionary:
    case kRleDictionary: {
      const uint8_t* dict = dict_fixed_.data();
      switch (out_width_) {
        case 1:
          return GatherT<1>(dict, dict_count_, indices_.data(), valid, dst);
        case 2:
          return GatherT<2>(dict, dict_count_, indices_.data(), valid, dst);
        case 4:
          return GatherT<4>(dict, dict_count_, indices_.data(), valid, dst);
        default:
          return GatherT<8>(dict, dict_count_, indices_.data(), valid, dst);
      }
    }
    default:
      break;
  }
  return Status::Unimplemented(std::string("Parquet encoding ") + EncodingName(encoding) +
                               " is not supported for " + PhysicalTypeName(leaf_.physical) +
                               " values");
}

Status ColumnChunkDecoder::DecodeBool(int32_t encoding, const uint8_t* data, size_t size, int64_t n,
                                      int64_t valid) {
  bytes_.resize(static_cast<size_t>(valid));
  uint8_t* out = bytes_.data();
  switch (encoding) {
    case kPlain:
      if (static_cast<uint64_t>(valid + 7) / 8 > size) return Error("PLAIN booleans truncated");
      for (int64_t i = 0; i < valid; ++i) out[i] = GetBit(data, i);
      break;
    case kRle: {
      if (size < 4) return Error("RLE booleans truncated");
      uint32_t len = LoadLE32(data);
      if (len > size - 4) return Error("RLE booleans run past the end of the page");
      RleBitPackedDecoder dec(data + 4, len, 1);
      int64_t i = 0;
      MURR_RETURN_IF_ERROR(dec.Visit(
          valid,
          [&](uint32_t v, int64_t c) {
            std::memset(out + i, v ? 1 : 0, static_cast<size_t>(c));
            i += c;
          },
          [&](const uint32_t* v, int64_t c) {
            for (int64_t k = 0; k < c; ++k) out[i + k] = static_cast<uint8_t>(v[k]);
            i += c;
          }));
      break;
    }
    case kPlainDictionary:
    case kRleDictionary:
      MURR_RETURN_IF_ERROR(
          GatherT<1>(dict_fixed_.data(), dict_count_, indices_.data(), valid, out));
      break;
    default:
      return Status::Unimplemented(std::string("Parquet encoding ") + EncodingName(encoding) +
                                   " is not supported for BOOLEAN values");
  }
  uint8_t* bits = values_.data();
  if (valid == n) {
    for (int64_t i = 0; i < n; ++i) {
      if (out[i]) SetBit(bits, length_ + i);
    }
  } else {
    const uint8_t* vbits = validity_.data();
    int64_t j = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (GetBit(vbits, length_ + i) && out[j++]) SetBit(bits, length_ + i);
    }
  }
  return Status::OK();
}

Status ColumnChunkDecoder::AppendString(const uint8_t* p, size_t len, int32_t* end) {
  if (data_.size() + len > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::ResourceExhausted("utf8 column '" + leaf_.name +
                                     "' exceeds 2 GiB of string data");
  }
  data_.Append(p, len);
  *end = static_cast<int32_t>(data_.size());
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeStrings(int32_t encoding, const uint8_t* data, size_t size,
                                         int64_t valid, int32_t* ends) {
  const bool flba = leaf_.physical == kFixedLenByteArray;
  switch (encoding) {
    case kPlain: {
      data_.Reserve(data_.size() + size);
      size_t pos = 0;
      for (int64_t i = 0; i < valid; ++i) {
        size_t len;
        if (flba) {
          len = static_cast<size_t>(phys_width_);
        } else {
          if (size - pos < 4) return Error("PLAIN byte array truncated");
          len = LoadLE32(data + pos);
          pos += 4;
        }
        if (len > size - pos) return Error("PLAIN byte array runs past the end of the page");
        MURR_RETURN_IF_ERROR(AppendString(data + pos, len, &ends[i]));
        pos += len;
      }
      return Status::OK();
    }
    case kDeltaLengthByteArray: {
      if (flba) break;
      DeltaBinaryPackedDecoder lengths;
      MURR_RETURN_IF_ERROR(lengths.Init(data, size, valid));
      if (lengths.total_values() != valid) {
        return Error("DELTA_LENGTH_BYTE_ARRAY holds " + std::to_string(lengths.total_values()) +
                     " lengths for " + std::to_string(valid) + " values");
      }
      i64_.resize(static_cast<size_t>(valid));
      MURR_RETURN_IF_ERROR(lengths.Decode(i64_.data(), valid));
      size_t pos = lengths.position();
      data_.Reserve(data_.size() + (size - pos));
      for (int64_t i = 0; i < valid; ++i) {
        int64_t len = i64_[i];
        if (len < 0 || static_cast<uint64_t>(len) > size - pos) {
          return Error("DELTA_LENGTH_BYTE_ARRAY length " + std::to_string(len) +
                       " runs past the end of the page");
        }
        MURR_RETURN_IF_ERROR(AppendString(data + pos, static_cast<size_t>(len), &ends[i]));
        pos += static_cast<size_t>(len);
      }
      return Status::OK();
    }
    case kDeltaByteArray: {
      DeltaBinaryPackedDecoder prefixes;
      MURR_RETURN_IF_ERROR(prefixes.Init(data, size, valid));
      if (prefixes.total_values() != valid) {
        return Error("DELTA_BYTE_ARRAY holds " + std::to_string(prefixes.total_values()) +
                     " prefix lengths for " + std::to_string(valid) + " values");
      }
      i64_.resize(static_cast<size_t>(valid));
      MURR_RETURN_IF_ERROR(prefixes.Decode(i64_.data(), valid));
      size_t pos = prefixes.position();
      DeltaBinaryPackedDecoder suffixes;
      MURR_RETURN_IF_ERROR(suffixes.Init(data + pos, size - pos, valid));
      if (suffixes.total_values() != valid) {
        return Error("DELTA_BYTE_ARRAY holds " + std::to_string(suffixes.total_values()) +
                     " suffix lengths for " + std::to_string(valid) + " values");
      }
      i64b_.resize(static_cast<size_t>(valid));
      MURR_RETURN_IF_ERROR(suffixes.Decode(i64b_.data(), valid));
      pos += suffixes.position();
      prev_.clear();
      for (int64_t i = 0; i < valid; ++i) {
        int64_t prefix = i64_[i];
        int64_t suffix = i64b_[i];
        if (prefix < 0 || static_cast<uint64_t>(prefix) > prev_.size()) {
          return Error("DELTA_BYTE_ARRAY prefix length " + std::to_string(prefix) +
                       " longer than the previous value");
        }
        if (suffix < 0 || static_cast<uint64_t>(suffix) > size - pos) {
          return Error("DELTA_BYTE_ARRAY suffix length " + std::to_string(suffix) +
                       " runs past the end of the page");
        }
        prev_.resize(static_cast<size_t>(prefix));
        prev_.append(reinterpret_cast<const char*>(data + pos), static_cast<size_t>(suffix));
        pos += static_cast<size_t>(suffix);
        MURR_RETURN_IF_ERROR(
            AppendString(reinterpret_cast<const uint8_t*>(prev_.data()), prev_.size(), &ends[i]));
      }
      return Status::OK();
    }
    case kByteStreamSplit: {
      if (!flba) break;
      if (static_cast<uint64_t>(valid) * static_cast<uint64_t>(phys_width_) != size) {
        return Error("BYTE_STREAM_SPLIT page of " + std::to_string(size) + " bytes does not hold " +
                     std::to_string(valid) + " values of " + std::to_string(phys_width_) +
                     " bytes");
      }
      bytes_.resize(size);
      MURR_RETURN_IF_ERROR(ByteStreamSplitDecode(data, size, phys_width_, valid, bytes_.data()));
      for (int64_t i = 0; i < valid; ++i) {
        MURR_RETURN_IF_ERROR(AppendString(bytes_.data() + i * phys_width_,
                                          static_cast<size_t>(phys_width_), &ends[i]));
      }
      return Status::OK();
    }
    case kPlainDictionary:
    case kRleDictionary: {
      const uint32_t* idx = indices_.data();
      for (int64_t i = 0; i < valid; ++i) {
        uint32_t k = idx[i];
        if (k >= static_cast<uint64_t>(dict_count_)) {
          return Error("dictionary index " + std::to_string(k) + " out of range for " +
                       std::to_string(dict_count_) + " dictionary values");
        }
        uint32_t b = dict_offsets_[k];
        MURR_RETURN_IF_ERROR(
            AppendString(dict_data_.data() + b, dict_offsets_[k + 1] - b, &ends[i]));
      }
      return Status::OK();
    }
    default:
      break;
  }
  return Status::Unimplemented(std::string("Parquet encoding ") + EncodingName(encoding) +
                               " is not supported for " + PhysicalTypeName(leaf_.physical) +
                               " values");
}

void ColumnChunkDecoder::SpreadFixed(uint8_t* base, int64_t n, int64_t valid) {
  const uint8_t* bits = validity_.data();
  switch (out_width_) {
    case 1:
      SpreadFixedT<1>(base, bits, length_, n, valid);
      break;
    case 2:
      SpreadFixedT<2>(base, bits, length_, n, valid);
      break;
    case 4:
      SpreadFixedT<4>(base, bits, length_, n, valid);
      break;
    default:
      SpreadFixedT<8>(base, bits, length_, n, valid);
      break;
  }
}

void ColumnChunkDecoder::SpreadOffsets(int32_t* ends, int64_t n, int64_t valid) {
  // ends[0..valid) hold the end offsets of the valid values; ends[-1] is the previous end.
  const uint8_t* bits = validity_.data();
  const int32_t base = ends[-1];
  int64_t j = valid - 1;
  for (int64_t r = n - 1; r >= 0 && j < r; --r) {
    if (GetBit(bits, length_ + r)) {
      ends[r] = ends[j];
      --j;
    } else {
      ends[r] = j >= 0 ? ends[j] : base;
    }
  }
}

Result<Column> ColumnChunkDecoder::Finish() {
  Column c;
  c.type = leaf_.type;
  c.length = length_;
  c.null_count = null_count_;
  if (leaf_.type == DataType::kBinary) {
    c.data = data_.Finish();
  } else if (leaf_.type == DataType::kUtf8) {
    const int32_t* o = reinterpret_cast<const int32_t*>(values_.data());
    const char* d = reinterpret_cast<const char*>(data_.data());
    bool ok = simdjson::validate_utf8(d, data_.size());
    if (ok) {
      // The concatenation is valid; each value is too when none starts inside a character.
      for (int64_t i = 0; i < length_ && ok; ++i) {
        if (o[i + 1] > o[i] && (static_cast<uint8_t>(d[o[i]]) & 0xc0) == 0x80) ok = false;
      }
    }
    if (!ok) {
      int64_t row = 0;
      for (; row < length_; ++row) {
        if (!simdjson::validate_utf8(d + o[row], static_cast<size_t>(o[row + 1] - o[row]))) break;
      }
      if (leaf_.annotated_string) {
        return Status::InvalidArgument("invalid Parquet file: column '" + leaf_.name + "' row " +
                                       std::to_string(row) + " is not valid UTF-8");
      }
      return Status::InvalidArgument(
          "column '" + leaf_.name + "' is binary (" + PhysicalTypeName(leaf_.physical) +
          " without a STRING annotation) and row " + std::to_string(row) +
          " is not valid UTF-8; Murr reads binary columns as utf8 only when every value is text");
    }
    c.data = data_.Finish();
  }
  if (leaf_.type.storage() == Storage::kBit) values_.Resize(BitmapBytes(length_));
  if (null_count_ > 0) {
    validity_.Resize(BitmapBytes(length_));
    c.validity = validity_.Finish();
  }
  c.values = values_.Finish();
  Status st = c.Validate();
  if (!st.ok()) return st.WithContext("column '" + leaf_.name + "'");
  if (leaf_.is_list()) return FinishList(std::move(c));
  return c;
}

Result<Column> ColumnChunkDecoder::FinishList(Column items) {
  const DataType type = leaf_.column_type();
  list_offsets_.AppendValue<int32_t>(static_cast<int32_t>(length_));
  if (leaf_.fixed_size == 0) {
    Buffer validity;
    if (null_rows_ > 0) {
      list_validity_.Resize(BitmapBytes(rows_));
      validity = list_validity_.Finish();
    }
    Result<Column> list = MakeListColumn(rows_, list_offsets_.Finish(), std::move(items),
                                         std::move(validity), null_rows_);
    if (!list.ok()) return list.status().WithContext("column '" + leaf_.name + "'");
    return list;
  }
  const int64_t size = leaf_.fixed_size;
  const int32_t* off = reinterpret_cast<const int32_t*>(list_offsets_.data());
  const uint8_t* row_bits = leaf_.optional ? list_validity_.data() : nullptr;
  auto where = [&](int64_t row) {
    return "column '" + leaf_.name + "' (" + DataTypeName(type) + ") row " + std::to_string(row);
  };
  for (int64_t r = 0; r < rows_; ++r) {
    const int64_t len = off[r + 1] - off[r];
    const bool valid = row_bits == nullptr || GetBit(row_bits, r);
    if (valid && len != size) {
      return Status::InvalidArgument(where(r) + " holds a list of " + std::to_string(len) +
                                     " items; a fixed-size list needs exactly " +
                                     std::to_string(size));
    }
  }
  if (items.null_count > 0) {
    int64_t k = 0;
    while (items.IsValid(k)) ++k;
    int64_t row = std::upper_bound(off, off + rows_ + 1, static_cast<int32_t>(k)) - off - 1;
    return Status::InvalidArgument(where(row) + " has a null item (item " +
                                   std::to_string(k - off[row]) +
                                   "); a fixed-size list has no null items");
  }
  Column c;
  c.type = type;
  c.length = rows_;
  c.null_count = null_rows_;
  if (null_rows_ == 0) {
    c.values = std::move(items.values);
  } else {
    // Null lists hold no items in Parquet; in the column they are whole zeroed vectors.
    const size_t run = static_cast<size_t>(size) * static_cast<size_t>(out_width_);
    BufferBuilder values;
    values.Resize(run * static_cast<size_t>(rows_));
    const uint8_t* src = items.values.data();
    for (int64_t r = 0; r < rows_; ++r) {
      if (GetBit(row_bits, r)) {
        std::memcpy(values.data() + run * static_cast<size_t>(r),
                    src + static_cast<size_t>(off[r]) * out_width_, run);
      }
    }
    c.values = values.Finish();
    list_validity_.Resize(BitmapBytes(rows_));
    c.validity = list_validity_.Finish();
  }
  Status st = c.Validate();
  if (!st.ok()) return st.WithContext("column '" + leaf_.name + "'");
  return c;
}

}  // namespace murr::parquet
