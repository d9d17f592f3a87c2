#include "murr/table/table.h"

#include <simdjson.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include <absl/container/inlined_vector.h>
#include <spdlog/spdlog.h>

#include <simdjson.h>

#include "murr/columnar/gather.h"
#include "murr/core/file_util.h"
#include "murr/core/json_util.h"
#include "murr/segment/segment.h"
#include "murr/table/table_state.h"

namespace murr {
namespace fs = std::filesystem;

std::string SegmentFileName(const SegmentRange& r) {
  char name[64];
  std::snprintf(name, sizeof(name), "%020" PRIu64 "-%020" PRIu64 ".seg", r.first, r.last);
  return name;
}

bool ParseSegmentFileName(std::string_view name, SegmentRange* r) {
  // "<20 digits>-<20 digits>.seg"
  if (name.size() != 45 || name[20] != '-' || !name.ends_with(".seg")) return false;
  auto number = [&](size_t pos, uint64_t* out) {
    const char* first = name.data() + pos;
    for (size_t i = 0; i < 20; ++i) {
      if (first[i] < '0' || first[i] > '9') return false;
    }
    auto [ptr, ec] = std::from_chars(first, first + 20, *out);
    return ec == std::errc() && ptr == first + 20;  // fails on values above 2^64-1
  };
  return number(0, &r->first) && number(21, &r->last) && r->first <= r->last;
}

bool ParseNewSegmentFileName(std::string_view name, SegmentRange* r) {
  if (!name.ends_with(kNewSegmentSuffix)) return false;
  return ParseSegmentFileName(name.substr(0, name.size() - kNewSegmentSuffix.size()), r);
}

namespace {

// Reads of up to this many keys, columns and segments keep their scratch on the stack.
constexpr size_t kInlineKeys = 16;
constexpr size_t kInlineColumns = 16;
constexpr size_t kInlineSegments = 8;

bool IsTableDataFileName(std::string_view name) {
  SegmentRange r;
  return name == "table.json" || name == kReplaceFileName || ParseSegmentFileName(name, &r) ||
         ParseNewSegmentFileName(name, &r);
}
}  // namespace

bool IsTableTempFileName(std::string_view name) {
  if (!name.ends_with(kTempFileSuffix)) return false;
  return IsTableDataFileName(name.substr(0, name.size() - kTempFileSuffix.size()));
}

bool IsTableFileName(std::string_view name) {
  return IsTableDataFileName(name) || IsTableTempFileName(name);
}

Status ValidateTableOptions(const TableOptions& o) {
  if (o.tier_fan_in < 2) {
    return Status::InvalidArgument(
        "tier_fan_in must be at least 2 (a merge needs two segments), got " +
        std::to_string(o.tier_fan_in));
  }
  if (o.max_segments < 2) {
    return Status::InvalidArgument("max_segments must be at least 2, got " +
                                   std::to_string(o.max_segments));
  }
  if (o.max_merge_bytes < 1) {
    return Status::InvalidArgument("max_merge_bytes must be positive, got " +
                                   std::to_string(o.max_merge_bytes));
  }
  if (o.idle_compaction_seconds < 0) {
    return Status::InvalidArgument("idle_compaction_seconds must be 0 (never) or more, got " +
                                   std::to_string(o.idle_compaction_seconds));
  }
  return Status::OK();
}

namespace {

constexpr const char* kSchemaFile = "table.json";

std::string SegmentPath(const std::string& dir, const SegmentRange& r) {
  return dir + "/" + SegmentFileName(r);
}

std::string TableName(const std::string& dir) {
  return fs::path(dir).filename().string();
}

// Log4 size tier of a segment: segments within a factor of 4 of each other share a tier.
int Tier(int64_t rows) {
  int t = 0;
  while (rows >= 4) {
    rows /= 4;
    ++t;
  }
  return t;
}

// An all-null column of `n` rows.
Column NullColumn(DataType type, int64_t n) {
  Column c;
  c.type = type;
  c.length = n;
  c.null_count = n;
  c.validity = Buffer::Allocate(BitmapBytes(n));
  switch (type.storage()) {
    case Storage::kVarBytes:
      c.values = Buffer::Allocate(static_cast<size_t>(n + 1) * 4);
      c.data = Buffer::Allocate(0);
      break;
    case Storage::kBit:
      c.values = Buffer::Allocate(BitmapBytes(n));
      break;
    case Storage::kFixed:
    case Storage::kFixedList:
      c.values = Buffer::Allocate(static_cast<size_t>(n) * FixedWidth(type));
      break;
    case Storage::kList:
      c.values = Buffer::Allocate(static_cast<size_t>(n + 1) * 4);
      c.children.push_back(NullColumn(type.item_type(), 0));
      break;
  }
  return c;
}

// True when a utf8/binary column's offsets, or a list's offsets or its utf8/binary items'
// offsets, do not start at 0.
bool NeedsRebase(const Column& c) {
  switch (c.type.storage()) {
    case Storage::kVarBytes:
      return c.length > 0 && c.offsets()[0] != 0;
    case Storage::kList:
      return c.length > 0 && !c.values.empty() &&
             (c.offsets()[0] != 0 || NeedsRebase(c.items()) ||
              c.items().length != c.offsets()[c.length]);
    case Storage::kFixed:
    case Storage::kBit:
    case Storage::kFixedList:
      return false;
  }
  return false;
}

// A gather of list column `cs` must fit int32 offsets (2^31 - 1 items).
Status CheckListItems(const ColumnSchema& cs, const std::vector<const Column*>& sources,
                      const RowRef* refs, int64_t n) {
  const int64_t items = GatheredListItems(cs.type, sources, refs, n);
  if (items <= kMaxListItems) return Status::OK();
  return Status::ResourceExhausted("list column '" + cs.name + "' would hold " +
                                   std::to_string(items) +
                                   " items in one column, more than 2^31 - 1 (Arrow List offsets "
                                   "are int32); ask for fewer keys or write smaller batches");
}

// Number of keys of `seg` that none of `older` holds.
// Gathers schema columns `col_idx` of the rows `refs` out of `segs`, in col_idx order: the
// record columns in one pass over the records, the utf8 columns one by one. When every column
// came from the record pass, `block` (if given) is set to the one allocation holding them all
// (Batch::block).
Result<std::vector<Column>> GatherColumns(const TableSchema& schema,
                                          absl::Span<const Segment* const> segs,
                                          absl::Span<const int> col_idx, const RowRef* refs,
                                          int64_t n, Buffer* block = nullptr) {
  std::vector<Column> out(col_idx.size());
  if (segs.empty()) {
    std::vector<RowRef> none(static_cast<size_t>(n), RowRef{kMissingSource, 0});
    for (size_t j = 0; j < col_idx.size(); ++j) {
      out[j] = GatherColumn(schema.columns()[col_idx[j]].type, {}, none.data(), n);
    }
    return out;
  }
  // A record-block column sits at the same place in every segment of one layout; a segment that
  // stores it as no bytes (absent, decision 0026) or lays its records out differently makes the
  // gather look its slot up per source. slots holds segs.size() entries per record column.
  // Scratch per column and per segment, inline for typical reads (no allocation).
  const size_t ns = segs.size();
  absl::InlinedVector<RecordColumn, kInlineColumns> rec_cols;
  absl::InlinedVector<RecordSlot, kInlineColumns> slots;
  absl::InlinedVector<size_t, kInlineColumns> rec_pos;
  slots.reserve(col_idx.size() * ns);
  std::vector<const Column*> sources;  // sized by the first columnar column
  for (size_t j = 0; j < col_idx.size(); ++j) {
    int ci = col_idx[j];
    const DataType type = schema.columns()[ci].type;
    if (IsRecordColumn(schema, ci)) {
      bool per_source = false;
      bool any_present = false;
      for (size_t k = 0; k < ns; ++k) {
        const RecordLayout& layout = segs[k]->layout();
        RecordSlot s{0, kAbsentSlot, 0};
        if (layout.InRecord(ci)) {
          s = layout.field(ci).slot();
          // A segment whose column has no null (its footer's count) needs no null flag test:
          // the gather copies its values without looking at the flags.
          if (segs[k]->column(ci).null_count == 0) s.null_byte = -1;
          any_present = true;
        }
        if (k > 0 && !(s == slots[slots.size() - 1])) per_source = true;
        slots.push_back(s);
      }
      if (!any_present) {
        out[j] = NullColumn(type, n);
        slots.resize(slots.size() - ns);
        continue;
      }
      rec_cols.push_back({type, nullptr, per_source});
      rec_pos.push_back(j);
      continue;
    }
    sources.resize(ns);
    for (size_t k = 0; k < ns; ++k) sources[k] = &segs[k]->column(ci);
    MURR_RETURN_IF_ERROR(CheckListItems(schema.columns()[ci], sources, refs, n));
    out[j] = GatherColumn(type, sources, refs, n);
  }
  for (size_t r = 0; r < rec_cols.size(); ++r) rec_cols[r].slots = slots.data() + r * ns;
  if (!rec_cols.empty()) {
    absl::InlinedVector<const uint8_t*, kInlineSegments> bases(segs.size());
    absl::InlinedVector<uint32_t, kInlineSegments> strides(segs.size());
    for (size_t k = 0; k < segs.size(); ++k) {
      bases[k] = segs[k]->records();
      strides[k] = segs[k]->layout().stride();
    }
    const bool all_records = rec_cols.size() == col_idx.size();
    std::vector<Column> rc =
        GatherRecords(bases, strides, rec_cols, refs, n, all_records ? block : nullptr);
    for (size_t r = 0; r < rc.size(); ++r) out[rec_pos[r]] = std::move(rc[r]);
  }
  return out;
}

}  // namespace

std::vector<RowRef> LookupKeys(const std::vector<std::shared_ptr<const Segment>>& segments,
                               const std::string_view* keys, size_t n) {
  std::vector<RowRef> refs(n, RowRef{kMissingSource, 0});
  if (segments.empty() || n == 0) return refs;
  // Per-key scratch inline for small reads (no allocation), on the heap for large ones.
  absl::InlinedVector<uint64_t, kInlineKeys> hashes(n);
  absl::InlinedVector<int64_t, kInlineKeys> rows(n);
  absl::InlinedVector<uint32_t, kInlineKeys> pending(n);
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = HashKey(keys[i]);
    pending[i] = static_cast<uint32_t>(i);
  }
  size_t left = n;
  absl::InlinedVector<uint32_t, kInlineKeys> probe, skipped;
  // Newest segment first; each later pass looks up only the keys still missing. A segment's key
  // filter sends the keys it certainly lacks straight on to the older segments. The oldest
  // segment is probed without it: a key found there is found, a key missing there is missing,
  // and for the (usual) present keys the filter would only add a cache line.
  for (size_t k = segments.size(); k-- > 0 && left > 0;) {
    const KeyFilterView& filter = segments[k]->filter();
    const uint32_t* ask = pending.data();
    size_t asked = left, skip = 0;
    if (k > 0 && filter.present()) {
      probe.resize(left);
      skipped.resize(left);
      for (size_t j = 0; j < left; ++j) __builtin_prefetch(filter.Block(hashes[pending[j]]));
      asked = 0;
      for (size_t j = 0; j < left; ++j) {
        const uint32_t i = pending[j];
        if (filter.MayContain(hashes[i])) {
          probe[asked++] = i;
        } else {
          skipped[skip++] = i;
        }
      }
      ask = probe.data();
    }
    segments[k]->index().FindBatch(keys, hashes.data(), ask, asked, rows.data());
    size_t still = 0;
    for (size_t j = 0; j < asked; ++j) {
      uint32_t i = ask[j];
      if (rows[i] >= 0) {
        refs[i] = RowRef{static_cast<uint32_t>(k), static_cast<uint32_t>(rows[i])};
      } else {
        pending[still++] = i;
      }
    }
    for (size_t j = 0; j < skip; ++j) pending[still++] = skipped[j];
    left = still;
  }
  return refs;
}

namespace {

int64_t CountNewKeys(const Segment& seg, const std::vector<std::shared_ptr<const Segment>>& older) {
  const Column& keys = seg.keys();
  if (older.empty()) return keys.length;
  std::vector<std::string_view> views(static_cast<size_t>(keys.length));
  for (int64_t r = 0; r < keys.length; ++r) views[r] = keys.KeyBytes(r);
  int64_t fresh = 0;
  for (const RowRef& ref : LookupKeys(older, views.data(), views.size())) {
    fresh += ref.source == kMissingSource;
  }
  return fresh;
}

}  // namespace

namespace {

struct ReplaceRecord {
  bool present = false;
  SegmentRange range;
  std::string provenance;
};

std::string ReplaceRecordJson(const SegmentRange& range, const std::string& provenance) {
  std::string out = "{\"first\":" + std::to_string(range.first) +
                    ",\"last\":" + std::to_string(range.last) + ",\"provenance\":";
  AppendJsonString(&out, provenance);
  out += "}\n";
  return out;
}

Result<ReplaceRecord> ParseReplaceRecord(const std::string& text, const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  ReplaceRecord rec;
  uint64_t first = 0, last = 0;
  std::string_view prov;
  if (parser.parse(padded).get(root) || root["first"].get(first) || root["last"].get(last) ||
      root["provenance"].get(prov) || first > last) {
    return Status::Corruption("'" + path + "' is not a valid replace record");
  }
  rec.present = true;
  rec.range = {first, last};
  rec.provenance = std::string(prov);
  return rec;
}

}  // namespace

Table::Table(std::string dir, TableSchema schema, TableOptions options)
    : dir_(std::move(dir)),
      schema_(std::move(schema)),
      options_(options),
      state_(std::make_shared<TableState>()) {}

Table::~Table() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
}

Result<std::shared_ptr<Table>> Table::Create(const std::string& dir, const TableSchema& schema,
                                             const TableOptions& options) {
  MURR_RETURN_IF_ERROR(ValidateTableOptions(options));
  if (PathExists(dir + "/" + kSchemaFile)) {
    return Status::AlreadyExists("table '" + TableName(dir) + "' already exists");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create directory '" + dir + "': " + ec.message());
  std::string json = schema.ToJson();
  MURR_RETURN_IF_ERROR(
      WriteFileAtomically(dir + "/" + kSchemaFile, {{json.data(), json.size()}}, options.fsync));
  return std::shared_ptr<Table>(new Table(dir, schema, options));
}

Result<std::shared_ptr<Table>> Table::Open(const std::string& dir, const TableOptions& options) {
  MURR_RETURN_IF_ERROR(ValidateTableOptions(options));
  std::string json;
  MURR_RETURN_IF_ERROR(ReadFile(dir + "/" + kSchemaFile, &json));
  auto schema = TableSchema::FromJson(json);
  if (!schema.ok()) {
    return Status::Corruption("'" + dir + "/" + kSchemaFile + "': " + schema.status().message());
  }
  std::shared_ptr<Table> table(new Table(dir, *schema, options));
  // The last committed replace: segments before it are the old content, and its own segments
  // may still carry their ".new" name when the commit was interrupted after its record.
  ReplaceRecord replaced;
  const std::string record_path = dir + "/" + std::string(kReplaceFileName);
  if (PathExists(record_path)) {
    std::string text;
    MURR_RETURN_IF_ERROR(ReadFile(record_path, &text));
    MURR_ASSIGN_OR_RETURN(replaced, ParseReplaceRecord(text, record_path));
    table->provenance_ = replaced.provenance;
  }
  MURR_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirectory(dir));
  std::vector<SegmentRange> ranges;
  std::vector<SegmentRange> old_content;
  bool renamed = false;
  for (const DirEntry& entry : entries) {
    const std::string path = dir + "/" + entry.name;
    SegmentRange r;
    if (entry.is_file && ParseNewSegmentFileName(entry.name, &r)) {
      if (replaced.present && replaced.range.Contains(r)) {
        if (::rename(path.c_str(), SegmentPath(dir, r).c_str()) != 0) {
          return ErrnoError("cannot finish the replace of", path);
        }
        renamed = true;
        ranges.push_back(r);
      } else {
        ::unlink(path.c_str());  // a replace that never committed
      }
    } else if (entry.is_file && ParseSegmentFileName(entry.name, &r) && replaced.present &&
               r.last < replaced.range.first) {
      old_content.push_back(r);
    } else if (entry.is_file && IsTableTempFileName(entry.name)) {
      // Murr's own temporary file of a write or compaction that never finished: it was not
      // acknowledged.
      ::unlink(path.c_str());
    } else if (entry.is_file && ParseSegmentFileName(entry.name, &r)) {
      ranges.push_back(r);
    } else if ((entry.name != kSchemaFile && entry.name != kReplaceFileName) || !entry.is_file) {
      spdlog::warn("leaving '{}' alone: it is not a file Murr wrote", path);
    }
  }
  if (renamed && options.fsync) MURR_RETURN_IF_ERROR(SyncDirectory(dir));
  // A compaction that finished but crashed before deleting its inputs leaves segments whose
  // range lies inside the merged one: they are redundant (and Murr's, by their names), and go
  // once the rest has opened (a table that fails to open keeps every file).
  std::vector<SegmentRange> live, covered;
  for (const auto& r : ranges) {
    bool inside = std::any_of(ranges.begin(), ranges.end(),
                              [&](const SegmentRange& o) { return !(o == r) && o.Contains(r); });
    (inside ? covered : live).push_back(r);
  }
  std::sort(live.begin(), live.end(),
            [](const SegmentRange& a, const SegmentRange& b) { return a.last < b.last; });
  for (size_t i = 1; i < live.size(); ++i) {
    if (live[i].first <= live[i - 1].last) {
      return Status::Corruption("segments '" + SegmentPath(dir, live[i - 1]) + "' and '" +
                                SegmentPath(dir, live[i]) + "' overlap");
    }
  }
  auto state = std::make_shared<TableState>();
  for (const auto& r : live) {
    MURR_ASSIGN_OR_RETURN(
        std::shared_ptr<Segment> seg,
        Segment::Open(SegmentPath(dir, r), table->schema_, options.verify_checksums_on_open));
    state->segments.push_back(std::move(seg));
    state->ranges.push_back(r);
    state->new_keys.push_back(std::make_shared<std::atomic<int64_t>>(-1));
    table->next_segment_id_ = r.last + 1;
  }
  for (const auto& r : covered) ::unlink(SegmentPath(dir, r).c_str());
  for (const auto& r : old_content) ::unlink(SegmentPath(dir, r).c_str());
  if (replaced.present) {
    table->next_segment_id_ = std::max(table->next_segment_id_, replaced.range.last + 1);
  }
  table->state_ = std::move(state);
  return table;
}

std::shared_ptr<const TableState> Table::Snapshot() const {
  return state_.load(std::memory_order_acquire);
}

void Table::Publish(std::shared_ptr<const TableState> state) {
  state_.store(std::move(state), std::memory_order_release);
}

TableStats Table::Stats() const {
  auto s = Snapshot();
  TableStats st;
  st.segments = static_cast<int64_t>(s->segments.size());
  for (size_t i = 0; i < s->segments.size(); ++i) {
    st.bytes += static_cast<int64_t>(s->segments[i]->file_size());
    int64_t fresh = s->new_keys[i]->load();
    if (fresh < 0) {
      std::vector<std::shared_ptr<const Segment>> older(s->segments.begin(),
                                                        s->segments.begin() + i);
      fresh = CountNewKeys(*s->segments[i], older);
      s->new_keys[i]->store(fresh);
    }
    st.rows += fresh;
  }
  return st;
}

namespace {

// Checks one batch against the schema and returns, for each schema column, the index of the
// batch column that feeds it (-1 when absent, which means all nulls).
Result<std::vector<int>> MatchBatch(const TableSchema& schema, const std::string& table,
                                    const Batch& b) {
  const auto& cols = schema.columns();
  std::vector<int> map(cols.size(), -1);
  for (size_t f = 0; f < b.fields.size(); ++f) {
    const Field& field = b.fields[f];
    int ci = schema.FindColumn(field.name);
    if (ci < 0) {
      std::string names;
      for (const auto& c : cols) names += (names.empty() ? "" : ", ") + c.name;
      return Status::InvalidArgument("unknown column '" + field.name + "' (table '" + table +
                                     "' has columns " + names + ")");
    }
    if (map[ci] >= 0) {
      return Status::InvalidArgument("column '" + field.name + "' appears twice in the batch");
    }
    const ColumnSchema& cs = cols[ci];
    if (b.columns[f].type == DataType::kBinary && cs.type == DataType::kUtf8) {
      // Bytes without a text annotation (a Parquet BYTE_ARRAY, an Arrow Binary) are accepted as
      // utf8 when every value is valid UTF-8; the column is relabelled, not copied.
      const Column& c = b.columns[f];
      for (int64_t row = 0; row < c.length; ++row) {
        std::string_view v = c.StringValue(row);
        if (c.IsValid(row) && !simdjson::validate_utf8(v.data(), v.size())) {
          return Status::InvalidArgument("column '" + field.name +
                                         "' is binary in the batch and row " + std::to_string(row) +
                                         " is not valid UTF-8, so it "
                                         "cannot go into utf8 column '" +
                                         cs.name + "' of table '" + table + "'");
        }
      }
    } else if (b.columns[f].type != cs.type) {
      return Status::InvalidArgument("column '" + field.name + "' is " +
                                     DataTypeName(b.columns[f].type) + " in the batch but " +
                                     DataTypeName(cs.type) + " in table '" + table + "'");
    }
    if (!cs.nullable && b.columns[f].null_count > 0) {
      int64_t row = 0;
      while (row < b.num_rows && b.columns[f].IsValid(row)) ++row;
      return Status::InvalidArgument("column '" + field.name + "' is not nullable but row " +
                                     std::to_string(row) + " is null");
    }
    map[ci] = static_cast<int>(f);
  }
  for (size_t ci = 0; ci < cols.size(); ++ci) {
    if (map[ci] < 0 && !cols[ci].nullable && b.num_rows > 0) {
      return Status::InvalidArgument("column '" + cols[ci].name +
                                     "' is missing from the batch and is not nullable");
    }
  }
  return map;
}

}  // namespace

namespace {

// Steps 1-3 of a write: validates the batches, merges them into one schema-ordered batch
// without duplicate keys (the last occurrence wins) and builds its key index. Zero rows: *merged
// is left empty.
Status PrepareSegment(const TableSchema& schema, const std::string& name,
                      const std::vector<Batch>& batches, Batch* merged_out,
                      std::vector<IndexSlot>* slots_out) {
  const auto& cols = schema.columns();
  // 1. Validate everything before touching the disk: a rejected write changes nothing.
  std::vector<std::vector<int>> maps;
  int64_t total = 0;
  for (const Batch& b : batches) {
    MURR_RETURN_IF_ERROR(b.Validate());
    MURR_ASSIGN_OR_RETURN(std::vector<int> map, MatchBatch(schema, name, b));
    maps.push_back(std::move(map));
    total += b.num_rows;
  }
  if (total == 0) return Status::OK();
  if (total >= static_cast<int64_t>(kEmptyRow)) {
    return Status::InvalidArgument("a write holds at most 4294967294 rows");
  }

  // 2. One schema-ordered batch. A single batch is used as is (its buffers are borrowed);
  // several are concatenated with the gather kernel.
  Batch merged;
  merged.num_rows = total;
  for (const auto& c : cols) merged.fields.push_back({c.name, c.type, c.nullable, c.timezone});
  if (batches.size() == 1) {
    for (size_t ci = 0; ci < cols.size(); ++ci) {
      int f = maps[0][ci];
      merged.columns.push_back(f >= 0 ? batches[0].columns[f] : NullColumn(cols[ci].type, total));
      merged.columns.back().type = cols[ci].type;  // binary accepted as utf8 (MatchBatch)
    }
  } else {
    std::vector<RowRef> refs;
    refs.reserve(static_cast<size_t>(total));
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      for (int64_t r = 0; r < batches[bi].num_rows; ++r) {
        refs.push_back({static_cast<uint32_t>(bi), static_cast<uint32_t>(r)});
      }
    }
    std::vector<Column> nulls;
    nulls.reserve(batches.size() * cols.size());
    for (size_t ci = 0; ci < cols.size(); ++ci) {
      std::vector<const Column*> sources;
      for (size_t bi = 0; bi < batches.size(); ++bi) {
        int f = maps[bi][ci];
        if (f >= 0) {
          sources.push_back(&batches[bi].columns[f]);
        } else {
          nulls.push_back(NullColumn(cols[ci].type, batches[bi].num_rows));
          sources.push_back(&nulls.back());
        }
      }
      MURR_RETURN_IF_ERROR(CheckListItems(cols[ci], sources, refs.data(), total));
      merged.columns.push_back(GatherColumn(cols[ci].type, sources, refs.data(), total));
    }
  }
  // Utf8 and list columns borrowed from a batch may be slices whose offsets do not start at 0
  // (or whose utf8 items do not); segments store them rebased.
  for (auto& c : merged.columns) {
    if (NeedsRebase(c)) {
      std::vector<RowRef> refs(static_cast<size_t>(c.length));
      for (int64_t r = 0; r < c.length; ++r) refs[r] = {0, static_cast<uint32_t>(r)};
      c = GatherColumn(c.type, {&c}, refs.data(), c.length);
    }
  }

  // 3. Key index; within the write the last occurrence of a key wins.
  std::vector<uint32_t> shadowed;
  std::vector<IndexSlot> slots = BuildKeyIndex(merged.columns[schema.key_index()], &shadowed);
  if (!shadowed.empty()) {
    std::vector<bool> dead(static_cast<size_t>(total), false);
    for (uint32_t r : shadowed) dead[r] = true;
    std::vector<RowRef> refs;
    for (int64_t r = 0; r < total; ++r) {
      if (!dead[r]) refs.push_back({0, static_cast<uint32_t>(r)});
    }
    Batch kept;
    kept.fields = merged.fields;
    kept.num_rows = static_cast<int64_t>(refs.size());
    for (const auto& c : merged.columns) {
      kept.columns.push_back(GatherColumn(c.type, {&c}, refs.data(), kept.num_rows));
    }
    merged = std::move(kept);
    shadowed.clear();
    slots = BuildKeyIndex(merged.columns[schema.key_index()], &shadowed);
  }

  *merged_out = std::move(merged);
  *slots_out = std::move(slots);
  return Status::OK();
}

}  // namespace

struct Table::PendingWrite {
  int64_t rows = 0;
  Status status;
  bool done = false;  // set by CommitStaged, under write_mu_
};

Result<int64_t> Table::Write(const std::vector<Batch>& batches) {
  const std::string name = TableName(dir_);
  Batch merged;
  std::vector<IndexSlot> slots;
  MURR_RETURN_IF_ERROR(PrepareSegment(schema_, name, batches, &merged, &slots));
  if (merged.num_rows == 0) return int64_t{0};

  // 4. Durable segment, then the new state (group commit). The id fixes the write's place among
  // concurrent writes; the file is written and fsynced outside the lock, beside theirs; then the
  // writes whose files are durable are published in id order, one directory fsync for them all.
  uint64_t id;
  {
    std::lock_guard<std::mutex> wlock(write_mu_);
    if (dropped_) return Status::NotFound("table '" + name + "' was dropped");
    id = next_segment_id_++;
    in_flight_.insert(id);
  }
  PendingWrite write;
  write.rows = merged.num_rows;
  Status staged = Segment::Stage(SegmentPath(dir_, SegmentRange{id, id}), schema_, merged, slots,
                                 options_.fsync);
  {
    std::unique_lock<std::mutex> wlock(write_mu_);
    if (!staged.ok()) {
      // The writes after this one no longer wait for it.
      in_flight_.erase(id);
      CommitStaged();
      commit_cv_.notify_all();
      return staged;
    }
    staged_[id] = &write;
    CommitStaged();
    commit_cv_.wait(wlock, [&] { return write.done; });
  }
  MURR_RETURN_IF_ERROR(write.status);
  // The write is durable and visible; compaction (and its failure) cannot undo it.
  ScheduleCompaction();
  return write.rows;
}

void Table::CommitStaged() {
  // The run of staged writes at the front of the writes in flight, in id order.
  std::vector<std::pair<uint64_t, PendingWrite*>> run;
  while (!in_flight_.empty()) {
    auto it = staged_.find(*in_flight_.begin());
    if (it == staged_.end()) break;
    run.push_back(*it);
    in_flight_.erase(in_flight_.begin());
    staged_.erase(it);
  }
  if (run.empty()) return;
  auto finish = [](PendingWrite* w, Status st) {
    w->status = std::move(st);
    w->done = true;
  };
  auto path_of = [&](uint64_t id) { return SegmentPath(dir_, SegmentRange{id, id}); };
  if (dropped_) {
    // Dropped while these were being written: their files go, nothing is published.
    for (auto& [id, w] : run) {
      ::unlink(TempFilePath(path_of(id)).c_str());
      finish(w, Status::NotFound("table '" + TableName(dir_) + "' was dropped"));
    }
    commit_cv_.notify_all();
    return;
  }
  std::vector<std::pair<uint64_t, PendingWrite*>> renamed;
  for (auto& [id, w] : run) {
    Status st = RenameTempFile(path_of(id));
    if (st.ok()) {
      renamed.push_back({id, w});
    } else {
      finish(w, std::move(st));
    }
  }
  if (options_.fsync && !renamed.empty()) {
    Status st = SyncDirectory(dir_);
    if (!st.ok()) {
      // The renames may or may not survive a crash, and the writers are told they failed: take
      // the files back so that a restart cannot resurrect what was never acknowledged.
      for (auto& [id, w] : renamed) {
        ::unlink(path_of(id).c_str());
        finish(w, st);
      }
      (void)SyncDirectory(dir_);
      commit_cv_.notify_all();
      return;
    }
  }
  auto next = std::make_shared<TableState>(*Snapshot());
  bool added = false;
  for (auto& [id, w] : renamed) {
    const std::string path = path_of(id);
    auto seg = Segment::Open(path, schema_, /*verify_checksums=*/false);
    if (!seg.ok()) {
      // Durable but unusable: the write fails, so the file must not come back on a restart.
      RemoveUnpublished(path);
      finish(w, seg.status());
      continue;
    }
    next->segments.push_back(std::move(*seg));
    next->ranges.push_back(SegmentRange{id, id});
    // The first write into an empty table needs no counting.
    next->new_keys.push_back(
        std::make_shared<std::atomic<int64_t>>(next->segments.size() == 1 ? w->rows : -1));
    finish(w, Status::OK());
    added = true;
  }
  if (added) {
    Publish(std::move(next));
    last_write_ = std::chrono::steady_clock::now();
  }
  commit_cv_.notify_all();
}

void Table::RemoveUnpublished(const std::string& path) const {
  ::unlink(path.c_str());
  if (options_.fsync) (void)SyncDirectory(dir_);
}

void Table::ScheduleCompaction() {
  if (!options_.background_compaction) {
    std::lock_guard<std::mutex> c(compact_mu_);
    (void)CompactByPolicy();
    return;
  }
  std::lock_guard<std::mutex> lock(bg_mu_);
  if (bg_stop_) return;
  bg_pending_ = true;
  if (!bg_thread_.joinable()) bg_thread_ = std::thread([this] { CompactionLoop(); });
  bg_cv_.notify_all();
}

void Table::CompactionLoop() {
  std::unique_lock<std::mutex> lock(bg_mu_);
  for (;;) {
    bool idle_merge = false;
    if (options_.idle_compaction_seconds > 0) {
      auto idle = std::chrono::seconds(options_.idle_compaction_seconds);
      if (!bg_cv_.wait_for(lock, idle, [&] { return bg_pending_ || bg_stop_; })) {
        // Quiet for a while: merge everything into one segment, the best layout for reads.
        idle_merge = Snapshot()->segments.size() > 1 &&
                     std::chrono::steady_clock::now() - last_write_.load() >= idle;
        if (!idle_merge) continue;
      }
    } else {
      bg_cv_.wait(lock, [&] { return bg_pending_ || bg_stop_; });
    }
    if (bg_stop_) return;
    bg_pending_ = false;
    bg_running_ = true;
    lock.unlock();
    {
      std::lock_guard<std::mutex> c(compact_mu_);
      // A failed compaction leaves the table as it was (correct, just less compact); the next
      // write tries again. It is logged: a disk that fails merges will soon fail writes too.
      Status st;
      if (idle_merge) {
        auto s = Snapshot();
        if (s->segments.size() > 1) st = Compact(0, s->segments.size());
      } else {
        st = CompactByPolicy();
      }
      if (!st.ok()) {
        spdlog::warn("compaction of table '{}' failed, its segments stay as they are: {}",
                     TableName(dir_), st.ToString());
      }
    }
#if defined(__GLIBC__)
    // A merge allocates and frees about twice the merged rows' size. glibc keeps freed heap (its
    // mmap threshold rises after large frees), which would stay in the server's RSS for good;
    // hand it back to the kernel.
    malloc_trim(0);
#endif
    lock.lock();
    bg_running_ = false;
    bg_cv_.notify_all();
  }
}

void Table::MarkDropped() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  std::lock_guard<std::mutex> c(compact_mu_);
  std::unique_lock<std::mutex> w(write_mu_);
  dropped_ = true;
  // Writes still writing their files finish (and fail) before the folder can go.
  commit_cv_.wait(w, [&] { return in_flight_.empty(); });
}

void Table::WaitForCompactions() {
  std::unique_lock<std::mutex> lock(bg_mu_);
  bg_cv_.wait(lock, [&] { return bg_stop_ || (!bg_pending_ && !bg_running_); });
}

Status Table::CompactByPolicy() {
  for (;;) {
    auto s = Snapshot();
    size_t n = s->segments.size();
    if (n < 2) return Status::OK();
    int t = Tier(s->segments.back()->num_rows());
    size_t run = 0;
    while (run < n && Tier(s->segments[n - 1 - run]->num_rows()) <= t) ++run;
    if (run >= static_cast<size_t>(options_.tier_fan_in)) {
      // Over max_merge_bytes: stop here (the error says so; the table stays as it is).
      MURR_RETURN_IF_ERROR(Compact(n - run, n));
      continue;
    }
    if (n > static_cast<size_t>(options_.max_segments)) return Compact(0, n);
    return Status::OK();
  }
}

Status Table::CompactAll() {
  std::lock_guard<std::mutex> c(compact_mu_);
  auto s = Snapshot();
  if (s->segments.size() < 2) return Status::OK();
  return Compact(0, s->segments.size());
}

// Merges the adjacent segments [first, last) of the current state into one that covers their
// ranges. Built without holding write_mu_ (writes go on meanwhile and only append segments);
// the swap then replaces exactly those segments, found by range. Caller holds compact_mu_.
Status Table::Compact(size_t first, size_t last) {
  if (dropped_) return Status::OK();
  auto s = Snapshot();
  int64_t input_bytes = 0;
  for (size_t i = first; i < last; ++i) {
    input_bytes += static_cast<int64_t>(s->segments[i]->file_size());
  }
  if (input_bytes > options_.max_merge_bytes) {
    if (!merge_limit_logged_.exchange(true)) {
      spdlog::warn(
          "table '{}': a merge of {} segments ({} bytes) is over "
          "storage.max_merge_bytes={}; such merges are skipped",
          TableName(dir_), last - first, input_bytes, options_.max_merge_bytes);
    }
    return Status::ResourceExhausted(
        "merging " + std::to_string(last - first) + " segments of table '" + TableName(dir_) +
        "' would read " + std::to_string(input_bytes) +
        " bytes, over storage.max_merge_bytes=" + std::to_string(options_.max_merge_bytes));
  }
  std::vector<const Segment*> segs;
  for (size_t i = first; i < last; ++i) segs.push_back(s->segments[i].get());
  // Live rows: a row survives unless a newer segment of the range holds its key.
  std::vector<const Column*> key_columns;
  for (const Segment* seg : segs) key_columns.push_back(&seg->keys());
  std::vector<RowRef> refs;
  std::vector<IndexSlot> slots = MergeKeyIndexes(key_columns, &refs);
  Batch merged;
  merged.num_rows = static_cast<int64_t>(refs.size());
  const auto& cols = schema_.columns();
  std::vector<int> all(cols.size());
  for (size_t ci = 0; ci < cols.size(); ++ci) {
    merged.fields.push_back({cols[ci].name, cols[ci].type, cols[ci].nullable, cols[ci].timezone});
    all[ci] = static_cast<int>(ci);
  }
  MURR_ASSIGN_OR_RETURN(merged.columns,
                        GatherColumns(schema_, segs, all, refs.data(), merged.num_rows));
  const SegmentRange range{s->ranges[first].first, s->ranges[last - 1].last};
  const std::string path = SegmentPath(dir_, range);
  MURR_RETURN_IF_ERROR(Segment::Write(path, schema_, merged, slots, options_.fsync));
  auto opened = Segment::Open(path, schema_, /*verify_checksums=*/false);
  if (!opened.ok()) {
    // Never published: left behind it would overlap the segments written after it.
    RemoveUnpublished(path);
    return opened.status();
  }
  std::shared_ptr<Segment> seg = std::move(opened).value();
  {
    std::lock_guard<std::mutex> wlock(write_mu_);
    auto cur = Snapshot();
    // Writes since the snapshot only appended; the merged inputs still sit at [first, last).
    auto next = std::make_shared<TableState>();
    next->segments.assign(cur->segments.begin(), cur->segments.begin() + first);
    next->ranges.assign(cur->ranges.begin(), cur->ranges.begin() + first);
    next->new_keys.assign(cur->new_keys.begin(), cur->new_keys.begin() + first);
    // The merged segment's new keys are its inputs' new keys (known only if all of theirs are).
    int64_t fresh = 0;
    for (size_t i = first; i < last && fresh >= 0; ++i) {
      int64_t v = cur->new_keys[i]->load();
      fresh = v < 0 ? -1 : fresh + v;
    }
    next->segments.push_back(std::move(seg));
    next->ranges.push_back(range);
    next->new_keys.push_back(std::make_shared<std::atomic<int64_t>>(fresh));
    next->segments.insert(next->segments.end(), cur->segments.begin() + last, cur->segments.end());
    next->ranges.insert(next->ranges.end(), cur->ranges.begin() + last, cur->ranges.end());
    next->new_keys.insert(next->new_keys.end(), cur->new_keys.begin() + last, cur->new_keys.end());
    Publish(std::move(next));
  }
  // The merged segment is durable and covers its inputs' ranges, so they are redundant from
  // here on; a crash before they are gone leaves files that the next open deletes. Readers still
  // holding the old state keep their mappings (unlinking a mapped file is safe).
  for (size_t i = first; i < last; ++i) ::unlink(SegmentPath(dir_, s->ranges[i]).c_str());
  return Status::OK();
}

Result<Batch> Table::Read(const std::vector<std::string_view>& keys,
                          const std::vector<std::string>& columns) const {
  absl::InlinedVector<int, kInlineColumns> col_idx;
  col_idx.reserve(columns.size());
  for (const auto& c : columns) {
    int i = schema_.FindColumn(c);
    if (i < 0) {
      return Status::InvalidArgument("unknown column '" + c + "' in table '" + TableName(dir_) +
                                     "'");
    }
    col_idx.push_back(i);
  }
  if (schema_.columns()[schema_.key_index()].type.id != TypeId::kUtf8) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].size() != 8) {
        return Status::InvalidArgument("key " + std::to_string(i) + " of a read of table '" +
                                       TableName(dir_) + "' is not 8 bytes (an integer key)");
      }
    }
  }
  auto s = Snapshot();
  const size_t n = keys.size();
  const size_t nseg = s->segments.size();
  std::vector<RowRef> refs = LookupKeys(s->segments, keys.data(), n);
  Batch out;
  out.num_rows = static_cast<int64_t>(n);
  out.fields.reserve(col_idx.size());
  for (int ci : col_idx) {
    const ColumnSchema& cs = schema_.columns()[ci];
    // Output columns are always nullable: a key that is not in the table reads as nulls.
    out.fields.push_back({cs.name, cs.type, true, cs.timezone});
  }
  absl::InlinedVector<const Segment*, kInlineSegments> segs(nseg);
  for (size_t k = 0; k < nseg; ++k) segs[k] = s->segments[k].get();
  MURR_ASSIGN_OR_RETURN(
      out.columns, GatherColumns(schema_, segs, col_idx, refs.data(), out.num_rows, &out.block));
  return out;
}

std::string Table::provenance() const {
  std::lock_guard<std::mutex> lock(provenance_mu_);
  return provenance_;
}

Result<std::unique_ptr<TableReplacement>> Table::BeginReplace(size_t parts) {
  std::lock_guard<std::mutex> wlock(write_mu_);
  if (dropped_) return Status::NotFound("table '" + TableName(dir_) + "' was dropped");
  uint64_t first = next_segment_id_;
  // An empty replace still takes one number, so that its record names a range.
  next_segment_id_ += std::max<size_t>(parts, 1);
  return std::unique_ptr<TableReplacement>(new TableReplacement(shared_from_this(), first, parts));
}

TableReplacement::TableReplacement(std::shared_ptr<Table> table, uint64_t first, size_t parts)
    : table_(std::move(table)), first_(first), segments_(parts) {}

TableReplacement::~TableReplacement() {
  if (committed_) return;
  bool any = false;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (!segments_[i]) continue;
    SegmentRange r{first_ + i, first_ + i};
    ::unlink((SegmentPath(table_->dir_, r) + std::string(kNewSegmentSuffix)).c_str());
    any = true;
  }
  if (any && table_->options_.fsync) (void)SyncDirectory(table_->dir_);
}

Result<int64_t> TableReplacement::Add(size_t index, const std::vector<Batch>& batches) {
  if (index >= segments_.size()) {
    return Status::Internal("replace part " + std::to_string(index) + " of " +
                            std::to_string(segments_.size()));
  }
  const Table& t = *table_;
  Batch merged;
  std::vector<IndexSlot> slots;
  MURR_RETURN_IF_ERROR(PrepareSegment(t.schema_, TableName(t.dir_), batches, &merged, &slots));
  if (merged.num_rows == 0) return int64_t{0};
  SegmentRange r{first_ + index, first_ + index};
  const std::string path = SegmentPath(t.dir_, r) + std::string(kNewSegmentSuffix);
  MURR_RETURN_IF_ERROR(Segment::Write(path, t.schema_, merged, slots, t.options_.fsync));
  auto seg = Segment::Open(path, t.schema_, /*verify_checksums=*/false);
  if (!seg.ok()) {
    ::unlink(path.c_str());
    return seg.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  segments_[index] = std::move(*seg);
  return merged.num_rows;
}

Status TableReplacement::Commit(std::string provenance) {
  Table& t = *table_;
  std::shared_ptr<const TableState> old;
  {
    // No compaction may publish old segments over the new content, nor a write land between.
    std::lock_guard<std::mutex> c(t.compact_mu_);
    std::unique_lock<std::mutex> w(t.write_mu_);
    // Writes given ids below the replace's are part of the old content: they are published (and
    // then replaced) first, or a restart would count a later publish of theirs as old content.
    t.commit_cv_.wait(w, [&] { return t.in_flight_.empty() || *t.in_flight_.begin() >= first_; });
    if (t.dropped_) return Status::NotFound("table '" + TableName(t.dir_) + "' was dropped");
    const SegmentRange all{first_, first_ + std::max<size_t>(segments_.size(), 1) - 1};
    std::string record = ReplaceRecordJson(all, provenance);
    // The commit point: from here on a restart serves the new content.
    MURR_RETURN_IF_ERROR(WriteFileAtomically(t.dir_ + "/" + std::string(kReplaceFileName),
                                             {{record.data(), record.size()}}, t.options_.fsync));
    committed_ = true;
    auto next = std::make_shared<TableState>();
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (!segments_[i]) continue;
      SegmentRange r{first_ + i, first_ + i};
      const std::string path = SegmentPath(t.dir_, r);
      // A failed rename is finished by the next open (the record covers the ".new" file).
      if (::rename((path + std::string(kNewSegmentSuffix)).c_str(), path.c_str()) != 0) {
        spdlog::warn("{}; the next start finishes it",
                     ErrnoError("cannot rename the new segment", path).message());
      }
      next->segments.push_back(segments_[i]);
      next->ranges.push_back(r);
      next->new_keys.push_back(std::make_shared<std::atomic<int64_t>>(
          next->segments.size() == 1 ? segments_[i]->num_rows() : -1));
    }
    if (t.options_.fsync) (void)SyncDirectory(t.dir_);
    old = t.Snapshot();
    {
      // A status read between the two may pair the new content with the old provenance.
      std::lock_guard<std::mutex> lock(t.provenance_mu_);
      t.Publish(std::move(next));
      t.provenance_ = std::move(provenance);
    }
    t.last_write_ = std::chrono::steady_clock::now();
    // Readers still holding the old state keep their mappings (unlinking a mapped file is
    // safe); a crash before these are gone leaves files the next open deletes (the record).
    for (const SegmentRange& r : old->ranges) ::unlink(SegmentPath(t.dir_, r).c_str());
  }
  t.ScheduleCompaction();
  return Status::OK();
}

}  // namespace murr
