// TableService: the catalog of tables under one cache_dir — create, drop, list, schema, write,
// read. It is the only thing the API layers (HTTP, Flight) call, and knows no transport.
// Thread-safe: any number of concurrent readers; writes to one table are serialized, writes to
// different tables run in parallel; readers never wait for a writer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "murr/columnar/column.h"
#include "murr/core/schema.h"
#include "murr/core/status.h"
#include "murr/table/table.h"

namespace murr {

struct ServiceOptions {
  // Directory holding one folder per table. Created if missing.
  std::string cache_dir;
  // Tuning of every table opened by this service.
  TableOptions table;
};

struct TableInfo {
  std::string name;
  TableSchema schema;
  TableStats stats;
};

class TableService {
 public:
  // Opens cache_dir and every table in it. A table folder that fails to open is an error that
  // names it (the cache can be rebuilt: delete the folder).
  static Result<std::unique_ptr<TableService>> Open(ServiceOptions options);
  ~TableService();

  // Table names: [A-Za-z0-9_.-], 1..128 chars, no leading dot. Anything else: InvalidArgument.
  static Status ValidateTableName(std::string_view name);

  Status CreateTable(const std::string& name, const TableSchema& schema);  // AlreadyExists
  Status DropTable(const std::string& name);                               // NotFound
  // Every table, sorted by name.
  std::vector<TableInfo> ListTables() const;
  Result<TableSchema> GetSchema(const std::string& name) const;
  Result<TableStats> GetStats(const std::string& name) const;
  // All batches become one durable segment, or nothing changes. Returns rows written.
  Result<int64_t> Write(const std::string& name, const std::vector<Batch>& batches);
  // Rows in `keys` order (nulls for missing keys), `columns` in request order with the table's
  // types. An unknown column is InvalidArgument.
  Result<Batch> Read(const std::string& name, const std::vector<std::string_view>& keys,
                     const std::vector<std::string>& columns) const;
  // The table itself, for callers that hold it across several calls (benchmarks, Flight).
  Result<std::shared_ptr<Table>> GetTable(const std::string& name) const;

  const std::string& cache_dir() const { return options_.cache_dir; }

 private:
  explicit TableService(ServiceOptions options);
  struct Catalog;

  ServiceOptions options_;
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace murr
