#include "murr/sync/partition_loader.h"

#include <algorithm>
#include <mutex>
#include <thread>

namespace murr {

Result<std::vector<std::string>> ListPartitions(ObjectStore& store, const std::string& prefix) {
  MURR_ASSIGN_OR_RETURN(ListPage page, ListAll(store, prefix, "/"));
  std::vector<std::string> names;
  for (const std::string& p : page.common_prefixes) {
    if (p.size() <= prefix.size() + 1 || p.compare(0, prefix.size(), prefix) != 0) continue;
    names.push_back(p.substr(prefix.size(), p.size() - prefix.size() - 1));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::optional<std::string>> NewestCompletePartition(ObjectStore& store,
                                                           const std::string& prefix,
                                                           const std::string& marker,
                                                           const std::string& at_least) {
  MURR_ASSIGN_OR_RETURN(std::vector<std::string> names, ListPartitions(store, prefix));
  for (size_t i = names.size(); i-- > 0;) {
    if (names[i] < at_least) break;
    auto head = store.Head(prefix + names[i] + "/" + marker);
    if (head.ok()) return std::optional<std::string>(names[i]);
    if (head.status().code() != StatusCode::kNotFound) return head.status();
  }
  return std::optional<std::string>();
}

Result<std::vector<ObjectMeta>> PartitionObjects(ObjectStore& store, const std::string& prefix,
                                                 const std::string& partition) {
  MURR_ASSIGN_OR_RETURN(ListPage page, ListAll(store, prefix + partition + "/", ""));
  std::vector<ObjectMeta> out;
  for (ObjectMeta& o : page.objects) {
    if (o.key.ends_with(".parquet")) out.push_back(std::move(o));
  }
  return out;
}

Result<TableSchema> InferSchema(const Buffer& file, const std::string& key) {
  MURR_ASSIGN_OR_RETURN(ParquetFileInfo info, InspectParquet(file));
  std::vector<ColumnSchema> columns;
  for (const ParquetColumnInfo& c : info.columns) {
    if (!c.supported.ok()) {
      return Status::InvalidArgument("column '" + c.name + "' (" + c.physical_type +
                                     ") cannot be mapped to a Murr type: " + c.supported.message() +
                                     "; list the columns to load under the table's 'columns'");
    }
    columns.push_back({c.name, c.field.type, c.name != key});
  }
  return TableSchema::Make(key, std::move(columns));
}

namespace {

Result<int64_t> LoadOne(ObjectStore& store, const ObjectMeta& meta, size_t index,
                        const TableSchema& schema, TableReplacement& replacement,
                        const LoadOptions& options, LoadCounters* counters,
                        std::optional<Buffer> bytes) {
  if (meta.size > options.max_object_bytes) {
    return Status::ResourceExhausted("it is " + std::to_string(meta.size) +
                                     " bytes, over the limit of " +
                                     std::to_string(options.max_object_bytes));
  }
  if (!bytes) {
    MURR_ASSIGN_OR_RETURN(Buffer got, GetObject(store, meta, options.range_bytes));
    if (counters) counters->bytes_downloaded += static_cast<int64_t>(got.size());
    bytes = std::move(got);
  }
  // Only the table's columns are decoded; a column the table has and the file lacks becomes
  // nulls (or an error naming it when it is not nullable: the key).
  MURR_ASSIGN_OR_RETURN(ParquetFileInfo info, InspectParquet(*bytes));
  std::vector<std::string> wanted;
  for (const ParquetColumnInfo& c : info.columns) {
    if (schema.FindColumn(c.name) >= 0) wanted.push_back(c.name);
  }
  if (wanted.empty()) {
    return Status::InvalidArgument("it has none of the table's columns (key '" + schema.key() +
                                   "')");
  }
  MURR_ASSIGN_OR_RETURN(Batch batch,
                        ReadParquet(*bytes, wanted, options.parquet, schema.columns()));
  bytes.reset();  // the raw bytes go before the segment is built
  return replacement.Add(index, {batch});
}

}  // namespace

Result<int64_t> LoadObjects(ObjectStore& store, const std::vector<ObjectMeta>& objects,
                            const TableSchema& schema, TableReplacement& replacement,
                            const LoadOptions& options, LoadCounters* counters,
                            std::optional<Buffer> first) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int64_t> rows{0};
  std::mutex mu;
  Status error;
  auto work = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= objects.size() || failed.load()) return;
      std::optional<Buffer> pre;
      if (i == 0 && first) pre = std::move(first);
      Result<int64_t> r = [&]() -> Result<int64_t> {
        try {
          return LoadOne(store, objects[i], i, schema, replacement, options, counters,
                         std::move(pre));
        } catch (const std::bad_alloc&) {
          return Status::ResourceExhausted("out of memory");
        }
      }();
      if (!r.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) {
          error = r.status().WithContext("object '" + objects[i].key + "' of " + store.Describe());
        }
        return;
      }
      rows += *r;
    }
  };
  int n = std::max(1, std::min<int>(options.download_threads, static_cast<int>(objects.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (failed) return error;
  return rows.load();
}

}  // namespace murr
