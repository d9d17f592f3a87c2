#include "murr/table/table.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "murr/columnar/gather.h"
#include "murr/core/file_util.h"
#include "murr/segment/segment.h"
#include "murr/table/table_state.h"

namespace murr {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSchemaFile = "table.json";

std::string SegmentPath(const std::string& dir, uint64_t id) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020" PRIu64 ".seg", id);
  return dir + "/" + name;
}

std::string TableName(const std::string& dir) { return fs::path(dir).filename().string(); }

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
  if (type == DataType::kUtf8) {
    c.values = Buffer::Allocate(static_cast<size_t>(n + 1) * 4);
    c.data = Buffer::Allocate(0);
  } else if (type == DataType::kBool) {
    c.values = Buffer::Allocate(BitmapBytes(n));
  } else {
    c.values = Buffer::Allocate(static_cast<size_t>(n) * FixedWidth(type));
  }
  return c;
}

// Number of keys of `seg` that none of `older` holds.
int64_t CountNewKeys(const Segment& seg, const std::vector<std::shared_ptr<const Segment>>& older) {
  const Column& keys = seg.keys();
  if (older.empty()) return keys.length;
  int64_t fresh = 0;
  for (int64_t r = 0; r < keys.length; ++r) {
    std::string_view k = keys.StringValue(r);
    uint64_t h = HashKey(k);
    bool found = false;
    for (auto it = older.rbegin(); it != older.rend() && !found; ++it) {
      found = (*it)->index().Find(k, h) >= 0;
    }
    fresh += !found;
  }
  return fresh;
}

}  // namespace

Table::Table(std::string dir, TableSchema schema, TableOptions options)
    : dir_(std::move(dir)), schema_(std::move(schema)), options_(options),
      state_(std::make_shared<TableState>()) {}

Table::~Table() = default;

Result<std::shared_ptr<Table>> Table::Create(const std::string& dir, const TableSchema& schema,
                                             const TableOptions& options) {
  std::error_code ec;
  if (fs::exists(dir + "/" + kSchemaFile, ec)) {
    return Status::AlreadyExists("table '" + TableName(dir) + "' already exists");
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create directory '" + dir + "': " + ec.message());
  std::string json = schema.ToJson();
  MURR_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + kSchemaFile, {{json.data(), json.size()}},
                                           options.fsync));
  return std::shared_ptr<Table>(new Table(dir, schema, options));
}

Result<std::shared_ptr<Table>> Table::Open(const std::string& dir, const TableOptions& options) {
  std::string json;
  MURR_RETURN_IF_ERROR(ReadFile(dir + "/" + kSchemaFile, &json));
  auto schema = TableSchema::FromJson(json);
  if (!schema.ok()) {
    return Status::Corruption("'" + dir + "/" + kSchemaFile + "': " + schema.status().message());
  }
  std::shared_ptr<Table> table(new Table(dir, *schema, options));
  std::vector<std::pair<uint64_t, std::string>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.ends_with(".tmp")) {
      // A write or compaction that never finished: it was not acknowledged.
      fs::remove(entry.path(), ec);
      continue;
    }
    if (!name.ends_with(".seg")) continue;
    std::string stem = name.substr(0, name.size() - 4);
    if (stem.empty() || stem.size() > 20 ||
        !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Status::Corruption("unexpected segment file name '" + entry.path().string() + "'");
    }
    files.emplace_back(std::stoull(stem), entry.path().string());
  }
  if (ec) return Status::IOError("cannot list '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  auto state = std::make_shared<TableState>();
  for (const auto& [id, path] : files) {
    MURR_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg,
                          Segment::Open(path, table->schema_, options.verify_checksums_on_open));
    state->rows += CountNewKeys(*seg, state->segments);
    state->segments.push_back(std::move(seg));
    state->segment_ids.push_back(id);
    table->next_segment_id_ = id + 1;
  }
  table->state_ = std::move(state);
  return table;
}

std::shared_ptr<const TableState> Table::Snapshot() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return state_;
}

void Table::Publish(std::shared_ptr<const TableState> state) {
  std::lock_guard<std::mutex> lock(state_mu_);
  state_ = std::move(state);
}

TableStats Table::Stats() const {
  auto s = Snapshot();
  TableStats st;
  st.rows = s->rows;
  st.segments = static_cast<int64_t>(s->segments.size());
  for (const auto& seg : s->segments) st.bytes += static_cast<int64_t>(seg->file_size());
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
    if (b.columns[f].type != cs.type) {
      return Status::InvalidArgument(
          "column '" + field.name + "' is " + std::string(DataTypeName(b.columns[f].type)) +
          " in the batch but " + std::string(DataTypeName(cs.type)) + " in table '" + table + "'");
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

Result<int64_t> Table::Write(const std::vector<Batch>& batches) {
  const std::string name = TableName(dir_);
  const auto& cols = schema_.columns();
  // 1. Validate everything before touching the disk: a rejected write changes nothing.
  std::vector<std::vector<int>> maps;
  int64_t total = 0;
  for (const Batch& b : batches) {
    MURR_RETURN_IF_ERROR(b.Validate());
    MURR_ASSIGN_OR_RETURN(std::vector<int> map, MatchBatch(schema_, name, b));
    maps.push_back(std::move(map));
    total += b.num_rows;
  }
  if (total == 0) return int64_t{0};
  if (total >= static_cast<int64_t>(kEmptyRow)) {
    return Status::InvalidArgument("a write holds at most 4294967294 rows");
  }

  // 2. One schema-ordered batch. A single batch is used as is (its buffers are borrowed);
  // several are concatenated with the gather kernel.
  Batch merged;
  merged.num_rows = total;
  for (const auto& c : cols) merged.fields.push_back({c.name, c.type, c.nullable});
  if (batches.size() == 1) {
    for (size_t ci = 0; ci < cols.size(); ++ci) {
      int f = maps[0][ci];
      merged.columns.push_back(f >= 0 ? batches[0].columns[f] : NullColumn(cols[ci].type, total));
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
      merged.columns.push_back(GatherColumn(cols[ci].type, sources, refs.data(), total));
    }
  }
  // Utf8 columns borrowed from a batch may be slices whose offsets do not start at 0.
  for (auto& c : merged.columns) {
    if (c.type == DataType::kUtf8 && c.length > 0 && c.offsets()[0] != 0) {
      std::vector<RowRef> refs(static_cast<size_t>(c.length));
      for (int64_t r = 0; r < c.length; ++r) refs[r] = {0, static_cast<uint32_t>(r)};
      c = GatherColumn(c.type, {&c}, refs.data(), c.length);
    }
  }

  // 3. Key index; within the write the last occurrence of a key wins.
  std::vector<uint32_t> shadowed;
  std::vector<IndexSlot> slots = BuildKeyIndex(merged.columns[schema_.key_index()], &shadowed);
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
    slots = BuildKeyIndex(merged.columns[schema_.key_index()], &shadowed);
  }

  // 4. Durable segment, then the new state.
  std::lock_guard<std::mutex> wlock(write_mu_);
  uint64_t id = next_segment_id_++;
  std::string path = SegmentPath(dir_, id);
  MURR_RETURN_IF_ERROR(Segment::Write(path, schema_, merged, slots, options_.fsync));
  auto seg = Segment::Open(path, schema_, /*verify_checksums=*/false);
  if (!seg.ok()) return seg.status();
  auto old = Snapshot();
  auto next = std::make_shared<TableState>(*old);
  next->rows += CountNewKeys(**seg, old->segments);
  next->segments.push_back(std::move(*seg));
  next->segment_ids.push_back(id);
  Publish(std::move(next));
  // The write is durable and visible; compaction failure does not undo it.
  (void)MaybeCompact();
  return merged.num_rows;
}

Status Table::MaybeCompact() {
  for (;;) {
    auto s = Snapshot();
    size_t n = s->segments.size();
    if (n < 2) return Status::OK();
    int t = Tier(s->segments.back()->num_rows());
    size_t run = 0;
    while (run < n && Tier(s->segments[n - 1 - run]->num_rows()) <= t) ++run;
    if (run >= static_cast<size_t>(options_.tier_fan_in)) {
      MURR_RETURN_IF_ERROR(Compact(n - run, n));
      continue;
    }
    if (n > static_cast<size_t>(options_.max_segments)) return Compact(0, n);
    return Status::OK();
  }
}

Status Table::CompactAll() {
  std::lock_guard<std::mutex> wlock(write_mu_);
  auto s = Snapshot();
  if (s->segments.size() < 2) return Status::OK();
  return Compact(0, s->segments.size());
}

// Merges segments [first, last) — always a suffix of the state, so the merged segment takes the
// newest id and the order of the others is unchanged. Caller holds write_mu_.
Status Table::Compact(size_t first, size_t last) {
  auto s = Snapshot();
  std::vector<const Segment*> segs;
  for (size_t i = first; i < last; ++i) segs.push_back(s->segments[i].get());
  // Live rows: a row survives unless a newer segment of the range holds its key.
  std::vector<RowRef> refs;
  for (size_t i = 0; i < segs.size(); ++i) {
    const Column& keys = segs[i]->keys();
    for (int64_t r = 0; r < keys.length; ++r) {
      bool shadowed = false;
      if (i + 1 < segs.size()) {
        std::string_view k = keys.StringValue(r);
        uint64_t h = HashKey(k);
        for (size_t j = i + 1; j < segs.size() && !shadowed; ++j) {
          shadowed = segs[j]->index().Find(k, h) >= 0;
        }
      }
      if (!shadowed) refs.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(r)});
    }
  }
  Batch merged;
  merged.num_rows = static_cast<int64_t>(refs.size());
  const auto& cols = schema_.columns();
  for (size_t ci = 0; ci < cols.size(); ++ci) {
    merged.fields.push_back({cols[ci].name, cols[ci].type, cols[ci].nullable});
    std::vector<const Column*> sources;
    for (const Segment* seg : segs) sources.push_back(&seg->column(static_cast<int>(ci)));
    merged.columns.push_back(GatherColumn(cols[ci].type, sources, refs.data(), merged.num_rows));
  }
  std::vector<uint32_t> shadowed;
  std::vector<IndexSlot> slots = BuildKeyIndex(merged.columns[schema_.key_index()], &shadowed);
  if (!shadowed.empty()) return Status::Internal("compaction produced duplicate keys");
  uint64_t id = next_segment_id_++;
  std::string path = SegmentPath(dir_, id);
  MURR_RETURN_IF_ERROR(Segment::Write(path, schema_, merged, slots, options_.fsync));
  MURR_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg, Segment::Open(path, schema_, false));
  auto next = std::make_shared<TableState>();
  next->segments.assign(s->segments.begin(), s->segments.begin() + first);
  next->segment_ids.assign(s->segment_ids.begin(), s->segment_ids.begin() + first);
  next->rows = s->rows;  // compaction never changes the set of live keys
  next->segments.push_back(std::move(seg));
  next->segment_ids.push_back(id);
  Publish(std::move(next));
  // The merged segment is durable and newest, so the old files are redundant from here on; a
  // crash before they are gone leaves them shadowed, never wrong. Readers still holding the old
  // state keep their mappings (unlinking a mapped file is safe).
  std::error_code ec;
  for (size_t i = first; i < last; ++i) fs::remove(SegmentPath(dir_, s->segment_ids[i]), ec);
  return Status::OK();
}

Result<Batch> Table::Read(const std::vector<std::string_view>& keys,
                          const std::vector<std::string>& columns) const {
  std::vector<int> col_idx;
  col_idx.reserve(columns.size());
  for (const auto& c : columns) {
    int i = schema_.FindColumn(c);
    if (i < 0) {
      return Status::InvalidArgument("unknown column '" + c + "' in table '" + TableName(dir_) +
                                     "'");
    }
    col_idx.push_back(i);
  }
  auto s = Snapshot();
  const size_t n = keys.size();
  const size_t nseg = s->segments.size();
  std::vector<RowRef> refs(n, RowRef{kMissingSource, 0});
  if (nseg > 0) {
    std::vector<uint64_t> hashes(n);
    const KeyIndexView& newest = s->segments.back()->index();
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = HashKey(keys[i]);
      newest.Prefetch(hashes[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = nseg; k-- > 0;) {
        int64_t row = s->segments[k]->index().Find(keys[i], hashes[i]);
        if (row >= 0) {
          refs[i] = RowRef{static_cast<uint32_t>(k), static_cast<uint32_t>(row)};
          break;
        }
      }
    }
  }
  Batch out;
  out.num_rows = static_cast<int64_t>(n);
  std::vector<const Column*> sources(nseg);
  for (int ci : col_idx) {
    const ColumnSchema& cs = schema_.columns()[ci];
    // Output columns are always nullable: a key that is not in the table reads as nulls.
    out.fields.push_back({cs.name, cs.type, true});
    for (size_t k = 0; k < nseg; ++k) sources[k] = &s->segments[k]->column(ci);
    out.columns.push_back(GatherColumn(cs.type, sources, refs.data(), out.num_rows));
  }
  return out;
}

}  // namespace murr
