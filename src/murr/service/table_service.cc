#include "murr/service/table_service.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <iterator>
#include <map>
#include <new>
#include <shared_mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "murr/core/file_util.h"
#include "murr/core/json_util.h"
#include "murr/service/cache_dir.h"

namespace murr {

struct TableService::Catalog {
  using TableMap = std::map<std::string, std::shared_ptr<Table>, std::less<>>;
  // Guards the maps only: held for a lookup or an insert/erase, never across table I/O.
  // Create and drop are serialized by ddl_mu.
  mutable std::shared_mutex mu;
  std::map<std::string, std::shared_ptr<Table>> tables;
  // A copy of `tables` for the read path, published after every change (under mu): a read
  // finds its table with one atomic load and no lock that DDL holds.
  std::atomic<std::shared_ptr<const TableMap>> view{std::make_shared<const TableMap>()};
  void Publish() { view.store(std::make_shared<const TableMap>(tables.begin(), tables.end())); }
  std::map<std::string, QuarantinedTable> quarantined;
  std::mutex ddl_mu;
  // Tables fed by a source; fixed after Open. Destroyed first (their threads call back in).
  std::map<std::string, const SourceSpec*> sourced;
  std::map<std::string, std::unique_ptr<TableSync>> syncs;
};

TableService::TableService(ServiceOptions options)
    : options_(std::move(options)), catalog_(std::make_unique<Catalog>()) {}

TableService::~TableService() {
  // Stop the sync threads before anything they call into goes.
  if (catalog_) catalog_->syncs.clear();
}

Status TableService::ValidateTableName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return Status::InvalidArgument("invalid table name: must be 1..128 characters, got " +
                                   std::to_string(name.size()));
  }
  if (name[0] == '.') {
    return Status::InvalidArgument("invalid table name '" + std::string(name) +
                                   "': must not start with '.'");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("invalid table name: only A-Z a-z 0-9 _ . - are allowed");
    }
  }
  return Status::OK();
}

std::string TableService::UniquePath(const std::string& dir, const std::string& base) const {
  for (uint64_t n = 1;; ++n) {
    std::string path = dir + "/" + base + "." + std::to_string(n);
    if (!PathExists(path)) return path;
  }
}

namespace {

// Runs `f`, turning an exception (an allocation failure, a std::filesystem error) into a Status:
// nothing thrown below the service crosses it.
// `what` is the text, or a callable that makes it (so that the read path builds no message
// unless something was thrown).
template <class W, class F>
auto Guarded(W&& what, F&& f) -> decltype(f()) {
  auto text = [&]() -> std::string {
    if constexpr (std::is_invocable_v<W>) {
      return what();
    } else {
      return std::string(what);
    }
  };
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(text() + ": out of memory");
  } catch (const std::exception& e) {
    return Status::Internal(text() + ": " + e.what());
  }
}

// Finishes what an interrupted create or drop left: Murr's files go, anything else stays.
void CleanUpOwnFolder(const std::string& path) {
  auto kept = RemoveTableFolder(path);
  if (!kept.ok()) {
    spdlog::warn("cannot clean up '{}': {}", path, kept.status().message());
  } else if (!kept->empty()) {
    spdlog::warn("'{}' holds {} entries Murr did not create (first: '{}'); they are left in place",
                 path, kept->size(), kept->front());
  }
}

std::string UtcStamp() {
  time_t now = ::time(nullptr);
  struct tm tm;
  ::gmtime_r(&now, &tm);
  char buf[32];
  ::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

Result<std::unique_ptr<TableService>> TableService::Open(ServiceOptions options) {
  return Guarded("open the cache", [&] { return OpenImpl(std::move(options)); });
}

Result<std::unique_ptr<TableService>> TableService::OpenImpl(ServiceOptions options) {
  if (options.cache_dir.empty()) return Status::InvalidArgument("cache_dir is empty");
  MURR_RETURN_IF_ERROR(ValidateTableOptions(options.table));
  std::error_code ec;
  std::filesystem::create_directories(options.cache_dir, ec);
  if (ec) {
    return Status::IOError("cannot create cache_dir '" + options.cache_dir + "': " + ec.message());
  }
  MURR_RETURN_IF_ERROR(
      ClaimCacheDir(options.cache_dir, options.adopt_cache_dir, options.table.fsync));
  std::unique_ptr<TableService> svc(new TableService(std::move(options)));
  const std::string& root = svc->options_.cache_dir;
  MURR_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirectory(root));
  for (const DirEntry& entry : entries) {
    const std::string& name = entry.name;
    const std::string path = root + "/" + name;
    if (name == kCacheMarkerName || (name == kQuarantineDirName && entry.is_dir)) continue;
    if (entry.is_dir && (name.starts_with(kCreatingPrefix) || name.starts_with(kDroppedPrefix))) {
      CleanUpOwnFolder(path);  // a create that never finished or a drop that was interrupted
      continue;
    }
    if (entry.is_dir && ValidateTableName(name).ok() && PathExists(path + "/table.json")) {
      auto table = Table::Open(path, svc->options_.table);
      if (table.ok()) {
        svc->catalog_->tables.emplace(name, std::move(*table));
        svc->catalog_->Publish();
      } else {
        svc->Quarantine(name, table.status());
      }
      continue;
    }
    spdlog::warn("leaving '{}' alone: it is not a Murr table", path);
    svc->foreign_entries_.push_back(path);
  }
  MURR_RETURN_IF_ERROR(svc->StartSources());
  return svc;
}

Status TableService::StartSources() {
  for (const SourceSpec& spec : options_.sources) {
    const std::string& name = spec.table;
    MURR_RETURN_IF_ERROR(ValidateTableName(name).WithContext("tables." + name));
    if (!catalog_->sourced.emplace(name, &spec).second) {
      return Status::InvalidArgument("tables." + name + ": declared twice");
    }
    // A quarantined copy of a source's table is not needed: the source has the data. Its files
    // stay where quarantine moved them; the table loads itself again.
    if (catalog_->quarantined.erase(name)) {
      spdlog::warn("table '{}' was quarantined; it loads itself again from {}", name, spec.url);
    }
    auto it = catalog_->tables.find(name);
    if (it != catalog_->tables.end() && spec.schema && !(it->second->schema() == *spec.schema)) {
      // The configured columns changed: the cached copy no longer fits; it is a cache of the
      // source, so it goes and the table loads again.
      spdlog::warn(
          "table '{}': the cached copy's schema differs from tables.{}.columns; "
          "dropping the cached copy to load it again from {}",
          name, name, spec.url);
      MURR_RETURN_IF_ERROR(DropTableImpl(name));
    }
    if (spec.schema && !catalog_->tables.count(name)) {
      // Known columns: the table exists (empty) at once, so it lists before its first load.
      MURR_RETURN_IF_ERROR(CreateTableImpl(name, *spec.schema));
    }
  }
  for (const SourceSpec& spec : options_.sources) {
    const std::string name = spec.table;
    MURR_ASSIGN_OR_RETURN(auto opened, OpenSourceStore(spec.url, &options_.s3));
    TableSync::Catalog hooks;
    hooks.get = [this, name]() -> Result<std::shared_ptr<Table>> {
      std::shared_lock lock(catalog_->mu);
      auto t = catalog_->tables.find(name);
      if (t == catalog_->tables.end()) return Status::NotFound("table '" + name + "' not found");
      return t->second;
    };
    hooks.create = [this, name](const TableSchema& schema) -> Result<std::shared_ptr<Table>> {
      MURR_RETURN_IF_ERROR(
          Guarded("create table '" + name + "'", [&] { return CreateTableImpl(name, schema); }));
      std::shared_lock lock(catalog_->mu);
      return catalog_->tables.at(name);
    };
    catalog_->syncs.emplace(
        name,
        std::make_unique<TableSync>(spec, std::move(opened.first), std::move(opened.second),
                                    std::move(hooks), options_.load, options_.sync_in_background));
  }
  return Status::OK();
}

Status TableService::RefuseIfSourced(const std::string& name, std::string_view what) const {
  auto it = catalog_->sourced.find(name);
  if (it == catalog_->sourced.end()) return Status::OK();
  return Status::FailedPrecondition(
      "table '" + name + "' is loaded from " + it->second->url + " (configuration tables." + name +
      ") and cannot be " + std::string(what) +
      " through the API: write a new partition to the source instead");
}

std::vector<std::pair<std::string, SyncStatus>> TableService::SyncStatuses() const {
  std::vector<std::pair<std::string, SyncStatus>> out;
  for (const auto& [name, sync] : catalog_->syncs) out.emplace_back(name, sync->status());
  return out;
}

Status TableService::CheckSourceNow(const std::string& name) {
  auto it = catalog_->syncs.find(name);
  if (it == catalog_->syncs.end()) {
    return Status::NotFound("table '" + name + "' has no source");
  }
  return it->second->CheckNow();
}

void TableService::Quarantine(const std::string& name, const Status& why) {
  const std::string& root = options_.cache_dir;
  const std::string qdir = root + "/" + std::string(kQuarantineDirName);
  const std::string from = root + "/" + name;
  QuarantinedTable q{name, why.ToString(), from};
  if (::mkdir(qdir.c_str(), 0755) != 0 && errno != EEXIST) {
    spdlog::error("cannot create '{}': {}; table '{}' stays where it is", qdir,
                  ErrnoError("mkdir", qdir).message(), name);
  } else {
    std::string to = UniquePath(qdir, name + "." + UtcStamp());
    if (::rename(from.c_str(), to.c_str()) == 0) {
      q.moved_to = to;
      if (options_.table.fsync) {
        (void)SyncDirectory(root);
        (void)SyncDirectory(qdir);
      }
    } else {
      spdlog::error("{}; table '{}' stays where it is",
                    ErrnoError("cannot move the table to", to).message(), name);
    }
  }
  spdlog::error(
      "table '{}' is QUARANTINED and answers 503: {}. Its files are in '{}' (never deleted). "
      "Every other table serves; drop the table to clear it.",
      name, q.reason, q.moved_to);
  std::unique_lock lock(catalog_->mu);
  catalog_->quarantined[name] = std::move(q);
}

Status TableService::CreateTableImpl(const std::string& name, const TableSchema& schema) {
  MURR_RETURN_IF_ERROR(ValidateTableName(name));
  std::lock_guard<std::mutex> ddl(catalog_->ddl_mu);
  {
    std::shared_lock lock(catalog_->mu);
    if (catalog_->tables.count(name)) {
      return Status::AlreadyExists("table '" + name + "' already exists");
    }
    if (catalog_->quarantined.count(name)) {
      return Status::AlreadyExists("table '" + name +
                                   "' already exists and is quarantined; drop it first");
    }
  }
  const std::string& root = options_.cache_dir;
  const std::string dir = root + "/" + name;
  if (PathExists(dir)) {
    return Status::AlreadyExists("cannot create table '" + name + "': '" + dir +
                                 "' already exists and is not a Murr table (Murr leaves it "
                                 "alone); move it away or choose another name");
  }
  // The table is built under a staging name and renamed into place once table.json is durable,
  // so that a folder named like a table is always a whole table.
  const std::string staging = root + "/" + std::string(kCreatingPrefix) + name;
  if (PathExists(staging)) {
    MURR_ASSIGN_OR_RETURN(std::vector<std::string> kept, RemoveTableFolder(staging));
    if (!kept.empty()) {
      return Status::IOError("cannot create table '" + name + "': '" + staging +
                             "' holds files Murr did not create; move them away");
    }
  }
  if (Status st = Table::Create(staging, schema, options_.table).status(); !st.ok()) {
    // A failed create leaves nothing behind (the staging folder holds only Murr's files).
    (void)RemoveTableFolder(staging);
    return st;
  }
  if (::rename(staging.c_str(), dir.c_str()) != 0) {
    Status st = ErrnoError("cannot move the new table into place at", dir);
    (void)RemoveTableFolder(staging);
    return st;
  }
  if (options_.table.fsync) {
    if (Status st = SyncDirectory(root); !st.ok()) {
      // The rename may or may not survive a crash, and the caller is told the create failed:
      // take the table back, so that neither this process (which would refuse the name as a
      // foreign folder) nor a restart (which would open it) sees a table never acknowledged.
      if (::rename(dir.c_str(), staging.c_str()) == 0) (void)RemoveTableFolder(staging);
      (void)SyncDirectory(root);
      return st;
    }
  }
  MURR_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, Table::Open(dir, options_.table));
  std::unique_lock lock(catalog_->mu);
  catalog_->tables.emplace(name, std::move(table));
  catalog_->Publish();
  return Status::OK();
}

Status TableService::DropTableImpl(const std::string& name) {
  MURR_RETURN_IF_ERROR(ValidateTableName(name));
  std::lock_guard<std::mutex> ddl(catalog_->ddl_mu);
  std::shared_ptr<Table> table;
  {
    std::unique_lock lock(catalog_->mu);
    if (catalog_->quarantined.erase(name)) return Status::OK();
    auto it = catalog_->tables.find(name);
    if (it == catalog_->tables.end()) return Status::NotFound("table '" + name + "' not found");
    table = std::move(it->second);
    catalog_->tables.erase(it);
    catalog_->Publish();
  }
  // No write or compaction of the old table touches the folder from here on. Renaming the
  // folder makes the drop durable and frees the name at once; its files are then removed. Readers
  // still holding the table keep their mappings.
  table->MarkDropped();
  const std::string& root = options_.cache_dir;
  const std::string dropped = UniquePath(root, std::string(kDroppedPrefix) + name);
  if (::rename(table->dir().c_str(), dropped.c_str()) != 0) {
    return ErrnoError("cannot drop table '" + name + "': cannot rename", table->dir());
  }
  if (options_.table.fsync) MURR_RETURN_IF_ERROR(SyncDirectory(root));
  CleanUpOwnFolder(dropped);
  return Status::OK();
}

Status TableService::CreateTable(const std::string& name, const TableSchema& schema) {
  MURR_RETURN_IF_ERROR(RefuseIfSourced(name, "created"));
  return Guarded("create table '" + name + "'", [&] { return CreateTableImpl(name, schema); });
}

Status TableService::DropTable(const std::string& name) {
  MURR_RETURN_IF_ERROR(RefuseIfSourced(name, "dropped"));
  return Guarded("drop table '" + name + "'", [&] { return DropTableImpl(name); });
}

Result<std::shared_ptr<Table>> TableService::GetTable(const std::string& name) const {
  {
    std::shared_ptr<const Catalog::TableMap> view = catalog_->view.load();
    auto it = view->find(name);
    if (it != view->end()) return it->second;
  }
  std::shared_lock lock(catalog_->mu);
  auto it = catalog_->tables.find(name);
  if (it != catalog_->tables.end()) return it->second;
  auto q = catalog_->quarantined.find(name);
  if (q != catalog_->quarantined.end()) {
    return Status::Unavailable("table '" + name + "' is quarantined: " + q->second.reason +
                               " (its files were moved to '" + q->second.moved_to +
                               "'; drop the table to clear it)");
  }
  lock.unlock();
  MURR_RETURN_IF_ERROR(ValidateTableName(name));
  return Status::NotFound("table '" + name + "' not found");
}

std::vector<TableInfo> TableService::ListTables() const {
  std::vector<std::pair<std::string, std::shared_ptr<Table>>> tables;
  {
    std::shared_lock lock(catalog_->mu);
    tables.assign(catalog_->tables.begin(), catalog_->tables.end());
  }
  // Stats may count keys (once per segment); never under the catalog lock.
  std::vector<TableInfo> out;
  out.reserve(tables.size());
  for (const auto& [name, table] : tables) {
    out.push_back({name, table->schema(), table->Stats()});
  }
  return out;
}

std::vector<QuarantinedTable> TableService::QuarantinedTables() const {
  std::vector<QuarantinedTable> out;
  std::shared_lock lock(catalog_->mu);
  for (const auto& [name, q] : catalog_->quarantined) out.push_back(q);
  return out;
}

Result<TableStatus> TableService::GetStatus(const std::string& name) const {
  TableStatus st;
  st.name = name;
  {
    std::shared_lock lock(catalog_->mu);
    auto q = catalog_->quarantined.find(name);
    if (q != catalog_->quarantined.end()) {
      st.quarantined = true;
      st.quarantine = q->second;
      return st;
    }
  }
  if (auto sync = catalog_->syncs.find(name); sync != catalog_->syncs.end()) {
    st.has_source = true;
    st.sync = sync->second->status();
    // A table whose schema comes from its files does not exist before its first load.
    auto table = GetTable(name);
    if (table.ok()) st.stats = (*table)->Stats();
    return st;
  }
  MURR_ASSIGN_OR_RETURN(auto table, GetTable(name));
  st.stats = table->Stats();
  return st;
}

Result<TableSchema> TableService::GetSchema(const std::string& name) const {
  MURR_ASSIGN_OR_RETURN(auto table, GetTable(name));
  return table->schema();
}

Result<TableStats> TableService::GetStats(const std::string& name) const {
  MURR_ASSIGN_OR_RETURN(auto table, GetTable(name));
  return table->Stats();
}

Result<int64_t> TableService::Write(const std::string& name, const std::vector<Batch>& batches) {
  MURR_ASSIGN_OR_RETURN(auto table, GetTable(name));
  MURR_RETURN_IF_ERROR(RefuseIfSourced(name, "written"));
  return Guarded("write to table '" + name + "'", [&] { return table->Write(batches); });
}

Result<Batch> TableService::Read(const std::string& name, const ReadKeys& keys,
                                 const std::vector<std::string>& columns) const {
  MURR_ASSIGN_OR_RETURN(auto table, GetTable(name));
  const TableSchema& schema = table->schema();
  std::vector<std::string_view> key_bytes;
  std::vector<uint64_t> ints;
  MURR_RETURN_IF_ERROR(
      keys.ToKeyBytes(schema.columns()[schema.key_index()].type, name, &key_bytes, &ints));
  return Guarded([&] { return "read table '" + name + "'"; },
                 [&] { return table->Read(key_bytes, columns); });
}

std::string TableStatusJson(const TableStatus& status) {
  std::string body = "{\"table\":";
  AppendJsonString(&body, status.name);
  if (status.quarantined) {
    body.append(",\"state\":\"quarantined\",\"reason\":");
    AppendJsonString(&body, status.quarantine.reason);
    body.append(",\"moved_to\":");
    AppendJsonString(&body, status.quarantine.moved_to);
  } else {
    fmt::format_to(std::back_inserter(body),
                   ",\"state\":\"serving\",\"rows\":{},\"segments\":{},\"bytes\":{}",
                   status.stats.rows, status.stats.segments, status.stats.bytes);
  }
  if (status.has_source) {
    const SyncStatus& s = status.sync;
    // Times as RFC 3339 UTC strings, null for never.
    auto time = [&](const char* field, int64_t ms) {
      fmt::format_to(std::back_inserter(body), ",\"{}\":", field);
      if (ms <= 0) {
        body.append("null");
        return;
      }
      time_t secs = static_cast<time_t>(ms / 1000);
      struct tm tm;
      ::gmtime_r(&secs, &tm);
      char buf[40];
      size_t n = ::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
      fmt::format_to(std::back_inserter(body), "\"{}.{:03d}Z\"", std::string_view(buf, n),
                     static_cast<int>(ms % 1000));
    };
    body.append(",\"source\":");
    AppendJsonString(&body, s.source);
    body.append(",\"partition\":");
    if (s.partition.empty()) {
      body.append("null");
    } else {
      AppendJsonString(&body, s.partition);
    }
    fmt::format_to(std::back_inserter(body), ",\"partition_rows\":{}", s.partition_rows);
    time("loaded_at", s.loaded_at_ms);
    time("last_check", s.last_check_ms);
    time("next_check", s.next_check_ms);
    body.append(",\"last_error\":");
    if (s.last_error.empty()) {
      body.append("null");
    } else {
      AppendJsonString(&body, s.last_error);
    }
    fmt::format_to(std::back_inserter(body),
                   ",\"loading\":{},\"loads\":{},\"failures\":{},\"bytes_downloaded\":{}",
                   s.loading, s.loads, s.failures, s.bytes_downloaded);
  }
  body.push_back('}');
  return body;
}

}  // namespace murr
