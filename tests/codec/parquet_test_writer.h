// A minimal Thrift-compact and Parquet writer for tests only: it lays out hand-built page bytes
// with a footer, so that tests can feed the reader exact encodings, damaged headers and hostile
// claims. It encodes what the test says, right or wrong; nothing here validates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace murr::testing {

class CompactWriter {
 public:
  std::string& bytes() { return out_; }

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void ZigZag(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Header(int16_t id, int type) {
    int16_t delta = static_cast<int16_t>(id - last_.back());
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out_.push_back(static_cast<char>(type));
      ZigZag(id);
    }
    last_.back() = id;
  }
  void I32(int16_t id, int64_t v) { Header(id, 5), ZigZag(v); }
  void I64(int16_t id, int64_t v) { Header(id, 6), ZigZag(v); }
  void Bool(int16_t id, bool v) { Header(id, v ? 1 : 2); }
  void Str(int16_t id, const std::string& s) { Header(id, 8), RawString(s); }
  void RawString(const std::string& s) {
    Varint(s.size());
    out_ += s;
  }
  void BeginStruct(int16_t id) { Header(id, 12), last_.push_back(0); }
  void EndStruct() { Stop(), last_.pop_back(); }
  // A list field header; elements follow (structs via BeginElement/EndStruct).
  void List(int16_t id, int elem_type, uint64_t size) {
    Header(id, 9);
    if (size < 15) {
      out_.push_back(static_cast<char>((size << 4) | elem_type));
    } else {
      out_.push_back(static_cast<char>(0xf0 | elem_type));
      Varint(size);
    }
  }
  void BeginElement() { last_.push_back(0); }
  void Stop() { out_.push_back(0); }

 private:
  std::string out_;
  std::vector<int16_t> last_{0};
};

struct TestPage {
  int type = 0;  // 0 data v1, 2 dictionary, 3 data v2
  int32_t num_values = 0;
  int32_t encoding = 0;
  int32_t def_encoding = 3;  // RLE
  int32_t rep_encoding = 3;  // RLE
  int32_t num_rows = -1;     // v2 only; default: num_values
  // v2 only
  int32_t num_nulls = 0;
  int32_t def_length = 0;
  int32_t rep_length = 0;
  bool is_compressed = true;
  std::string body;                // as stored (compressed when the chunk has a codec)
  int64_t uncompressed_size = -1;  // default: body.size()
};

struct TestColumn {
  std::string name = "c";
  int32_t physical = 1;    // INT32
  int32_t repetition = 1;  // OPTIONAL
  int32_t converted_type = -1;
  int32_t type_length = 0;
  int32_t codec = 0;
  std::vector<TestPage> pages;
  // 0: a flat column; 3: a 3-level LIST (`repetition` is the list's, the item is `item_name`
  // with `item_repetition`); 2: a 2-level LIST whose repeated field is the item.
  int list = 0;
  int32_t item_repetition = 1;
  std::string item_name = "element";
  int64_t num_values = -1;  // the chunk's level count; default: the rows
};

// Builds "PAR1", each column's pages, the footer, its length and "PAR1". One row group of
// `num_rows` rows.
inline std::string BuildParquet(const std::vector<TestColumn>& columns, int64_t num_rows) {
  std::string file = "PAR1";
  struct Placed {
    int64_t dict_offset = -1;
    int64_t data_offset = 0;
    int64_t size = 0;
  };
  std::vector<Placed> placed;
  for (const TestColumn& c : columns) {
    Placed p;
    int64_t start = static_cast<int64_t>(file.size());
    bool first_data = true;
    for (const TestPage& pg : c.pages) {
      if (pg.type == 2 && p.dict_offset < 0) p.dict_offset = static_cast<int64_t>(file.size());
      if (pg.type != 2 && first_data) {
        p.data_offset = static_cast<int64_t>(file.size());
        first_data = false;
      }
      CompactWriter w;
      w.I32(1, pg.type);
      w.I32(2, pg.uncompressed_size >= 0 ? pg.uncompressed_size
                                         : static_cast<int64_t>(pg.body.size()));
      w.I32(3, static_cast<int64_t>(pg.body.size()));
      if (pg.type == 0) {
        w.BeginStruct(5);
        w.I32(1, pg.num_values);
        w.I32(2, pg.encoding);
        w.I32(3, pg.def_encoding);
        w.I32(4, pg.rep_encoding);
        w.EndStruct();
      } else if (pg.type == 2) {
        w.BeginStruct(7);
        w.I32(1, pg.num_values);
        w.I32(2, pg.encoding);
        w.EndStruct();
      } else if (pg.type == 3) {
        w.BeginStruct(8);
        w.I32(1, pg.num_values);
        w.I32(2, pg.num_nulls);
        w.I32(3, pg.num_rows >= 0 ? pg.num_rows : pg.num_values);
        w.I32(4, pg.encoding);
        w.I32(5, pg.def_length);
        w.I32(6, pg.rep_length);
        w.Bool(7, pg.is_compressed);
        w.EndStruct();
      }
      w.Stop();
      file += w.bytes();
      file += pg.body;
    }
    if (first_data) p.data_offset = static_cast<int64_t>(file.size());
    p.size = static_cast<int64_t>(file.size()) - start;
    placed.push_back(p);
  }
  CompactWriter w;
  w.I32(1, 2);
  size_t elements = 1;
  for (const TestColumn& c : columns) elements += 1 + (c.list ? 1 : 0) + (c.list == 3 ? 1 : 0);
  w.List(2, 12, elements);
  w.BeginElement();
  w.Str(4, "schema");
  w.I32(5, static_cast<int64_t>(columns.size()));
  w.EndStruct();
  for (const TestColumn& c : columns) {
    if (c.list) {
      w.BeginElement();
      w.I32(3, c.repetition);
      w.Str(4, c.name);
      w.I32(5, 1);
      w.I32(6, 3);  // LIST
      w.EndStruct();
      if (c.list == 3) {
        w.BeginElement();
        w.I32(3, 2);
        w.Str(4, "list");
        w.I32(5, 1);
        w.EndStruct();
      }
    }
    w.BeginElement();
    w.I32(1, c.physical);
    if (c.type_length) w.I32(2, c.type_length);
    w.I32(3, c.list == 3 ? c.item_repetition : c.list == 2 ? 2 : c.repetition);
    w.Str(4, c.list ? c.item_name : c.name);
    if (c.converted_type >= 0) w.I32(6, c.converted_type);
    w.EndStruct();
  }
  w.I64(3, num_rows);
  w.List(4, 12, 1);
  w.BeginElement();
  w.List(1, 12, columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    const TestColumn& c = columns[i];
    w.BeginElement();
    w.I64(2, placed[i].data_offset);
    w.BeginStruct(3);
    w.I32(1, c.physical);
    w.List(2, 5, 1);
    w.ZigZag(0);
    w.List(3, 8, 1);
    w.RawString(c.name);
    w.I32(4, c.codec);
    w.I64(5, c.num_values >= 0 ? c.num_values : num_rows);
    w.I64(6, placed[i].size);
    w.I64(7, placed[i].size);
    w.I64(9, placed[i].data_offset);
    if (placed[i].dict_offset >= 0) w.I64(11, placed[i].dict_offset);
    w.EndStruct();
    w.EndStruct();
  }
  w.I64(2, 0);
  w.I64(3, num_rows);
  w.EndStruct();
  w.Str(6, "murr test writer");
  w.Stop();
  std::string footer = w.bytes();
  file += footer;
  uint32_t len = static_cast<uint32_t>(footer.size());
  file.append(reinterpret_cast<const char*>(&len), 4);
  file += "PAR1";
  return file;
}

// Little helpers for page bodies.
inline std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}
template <typename T>
std::string Plain(std::initializer_list<T> v) {
  std::string s;
  for (T x : v) s.append(reinterpret_cast<const char*>(&x), sizeof(T));
  return s;
}
inline std::string LE32(uint32_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 4);
}
// Levels in the RLE / bit-packing hybrid as RLE runs only (no length prefix).
inline std::string RleLevels(const std::vector<int>& levels, int bit_width) {
  std::string s;
  for (size_t i = 0; i < levels.size();) {
    size_t j = i;
    while (j < levels.size() && levels[j] == levels[i]) ++j;
    uint64_t header = static_cast<uint64_t>(j - i) << 1;
    while (header >= 0x80) {
      s.push_back(static_cast<char>((header & 0x7f) | 0x80));
      header >>= 7;
    }
    s.push_back(static_cast<char>(header));
    for (int b = 0; b < (bit_width + 7) / 8; ++b) {
      s.push_back(static_cast<char>((levels[i] >> (8 * b)) & 0xff));
    }
    i = j;
  }
  return s;
}
inline std::string PlainStrings(std::initializer_list<std::string> v) {
  std::string s;
  for (const std::string& x : v) s += LE32(static_cast<uint32_t>(x.size())) + x;
  return s;
}

}  // namespace murr::testing
