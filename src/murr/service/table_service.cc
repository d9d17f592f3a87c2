#include "murr/service/table_service.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <shared_mutex>

#include <unistd.h>

#include <cerrno>

#include "murr/core/file_util.h"

namespace murr {
namespace fs = std::filesystem;

struct TableService::Catalog {
  // Guards the map only: held for a lookup or an insert/erase, never across table I/O on the
  // read path. Create and drop are serialized by ddl_mu.
  mutable std::shared_mutex mu;
  std::map<std::string, std::shared_ptr<Table>> tables;
  std::mutex ddl_mu;
};

TableService::TableService(ServiceOptions options)
    : options_(std::move(options)), catalog_(std::make_unique<Catalog>()) {}

TableService::~TableService() = default;

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

Result<std::unique_ptr<TableService>> TableService::Open(ServiceOptions options) {
  if (options.cache_dir.empty()) return Status::InvalidArgument("cache_dir is empty");
  std::error_code ec;
  fs::create_directories(options.cache_dir, ec);
  if (ec) {
    return Status::IOError("cannot create cache_dir '" + options.cache_dir + "': " + ec.message());
  }
  std::unique_ptr<TableService> svc(new TableService(std::move(options)));
  const std::string& root = svc->options_.cache_dir;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    if (!ValidateTableName(name).ok()) continue;  // not ours
    if (!fs::exists(entry.path() / "table.json")) {
      // A create that never finished or a drop that was interrupted: nothing acknowledged.
      fs::remove_all(entry.path(), ec);
      continue;
    }
    auto table = Table::Open(entry.path().string(), svc->options_.table);
    if (!table.ok()) return table.status().WithContext("cannot open table '" + name + "'");
    svc->catalog_->tables.emplace(name, std::move(*table));
  }
  if (ec) return Status::IOError("cannot list cache_dir '" + root + "': " + ec.message());
  return svc;
}

Status TableService::CreateTable(const std::string& name, const TableSchema& schema) {
  MURR_RETURN_IF_ERROR(ValidateTableName(name));
  std::lock_guard<std::mutex> ddl(catalog_->ddl_mu);
  {
    std::shared_lock lock(catalog_->mu);
    if (catalog_->tables.count(name)) {
      return Status::AlreadyExists("table '" + name + "' already exists");
    }
  }
  std::string dir = options_.cache_dir + "/" + name;
  std::error_code ec;
  fs::remove_all(dir, ec);  // leftovers of an unfinished create or drop
  MURR_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, Table::Create(dir, schema, options_.table));
  std::unique_lock lock(catalog_->mu);
  catalog_->tables.emplace(name, std::move(table));
  return Status::OK();
}

Status TableService::DropTable(const std::string& name) {
  MURR_RETURN_IF_ERROR(ValidateTableName(name));
  std::lock_guard<std::mutex> ddl(catalog_->ddl_mu);
  std::shared_ptr<Table> table;
  {
    std::unique_lock lock(catalog_->mu);
    auto it = catalog_->tables.find(name);
    if (it == catalog_->tables.end()) return Status::NotFound("table '" + name + "' not found");
    table = std::move(it->second);
    catalog_->tables.erase(it);
  }
  // No write or compaction of the old table touches the folder from here on. Removing
  // table.json first makes the drop durable; the rest is garbage collected now or on the next
  // start. Readers still holding the table keep their mappings.
  table->MarkDropped();
  std::string dir = table->dir();
  if (::unlink((dir + "/table.json").c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("cannot remove", dir + "/table.json");
  }
  if (options_.table.fsync) MURR_RETURN_IF_ERROR(SyncDirectory(dir));
  std::error_code ec;
  fs::remove_all(dir, ec);
  return Status::OK();
}

Result<std::shared_ptr<Table>> TableService::GetTable(const std::string& name) const {
  std::shared_lock lock(catalog_->mu);
  auto it = catalog_->tables.find(name);
  if (it == catalog_->tables.end()) {
    lock.unlock();
    MURR_RETURN_IF_ERROR(ValidateTableName(name));
    return Status::NotFound("table '" + name + "' not found");
  }
  return it->second;
}

std::vector<TableInfo> TableService::ListTables() const {
  std::vector<TableInfo> out;
  std::shared_lock lock(catalog_->mu);
  for (const auto& [name, table] : catalog_->tables) {
    out.push_back({name, table->schema(), table->Stats()});
  }
  return out;
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
  return table->Write(batches);
}

Result<Batch> TableService::Read(const std::string& name, const std::vector<std::string_view>& keys,
                                 const std::vector<std::string>& columns) const {
  MURR_ASSIGN_OR_RETURN(auto table, GetTable(name));
  return table->Read(keys, columns);
}

}  // namespace murr
