// TableSync over a store that misbehaves during a load, and the pieces of the loader.
#include <atomic>
#include <filesystem>

#include <gtest/gtest.h>

#include "murr/objstore/local_store.h"
#include "murr/sync/partition_loader.h"
#include "murr/sync/table_sync.h"
#include "sync/sync_test.h"

namespace murr {
namespace {

using murr::testing::TempDir;
using murr::testing::WritePartition;
namespace fs = std::filesystem;

// A folder store that deletes `victim` when the first object is read.
class DeletingStore : public ObjectStore {
 public:
  DeletingStore(std::string root, std::string victim) : inner_(root), victim_(std::move(victim)) {}
  Result<ListPage> List(const std::string& p, const std::string& d, const std::string& t,
                        int m) override {
    return inner_.List(p, d, t, m);
  }
  Result<ObjectMeta> Head(const std::string& key) override { return inner_.Head(key); }
  Result<Buffer> GetRange(const std::string& key, int64_t off, int64_t len,
                          const std::string& etag) override {
    if (armed_ && !fired_.exchange(true)) fs::remove(victim_);
    return inner_.GetRange(key, off, len, etag);
  }
  std::string Describe() const override { return inner_.Describe(); }
  std::atomic<bool> armed_{false};

 private:
  LocalStore inner_;
  std::string victim_;
  std::atomic<bool> fired_{false};
};

TEST(TableSync, AnObjectDeletedDuringTheLoadKeepsTheOldVersion) {
  TempDir src, cache;
  WritePartition(src / "dt=1", "pyarrow", 30, 3, 1);
  WritePartition(src / "dt=2", "pyarrow", 30, 3, 2);
  // dt=2 starts incomplete so that dt=1 loads first.
  fs::remove(src / "dt=2/_SUCCESS");
  auto store = std::make_unique<DeletingStore>(src.path(), src / "dt=2/part-00002.parquet");
  DeletingStore* raw = store.get();
  TableOptions topt;
  topt.fsync = false;
  topt.background_compaction = false;
  std::shared_ptr<Table> table;
  TableSync::Catalog catalog;
  catalog.get = [&]() -> Result<std::shared_ptr<Table>> {
    if (!table) return Status::NotFound("no table");
    return table;
  };
  catalog.create = [&](const TableSchema& schema) -> Result<std::shared_ptr<Table>> {
    MURR_ASSIGN_OR_RETURN(table, Table::Create(cache / "feat", schema, topt));
    return table;
  };
  SourceSpec spec;
  spec.table = "feat";
  spec.url = "file://" + src.path() + "/";
  spec.key = "id";
  LoadOptions lopt;
  lopt.download_threads = 1;
  TableSync sync(spec, std::move(store), "", catalog, lopt, /*background=*/false);
  ASSERT_TRUE(sync.CheckNow().ok()) << sync.status().last_error;
  EXPECT_EQ(sync.status().partition, "dt=1");
  murr::testing::WriteStringToFile(src / "dt=2/_SUCCESS", "");
  raw->armed_ = true;
  Status st = sync.CheckNow();
  EXPECT_FALSE(st.ok());
  SyncStatus s = sync.status();
  EXPECT_EQ(s.partition, "dt=1");
  EXPECT_NE(s.last_error.find("dt=2/part-00002.parquet"), std::string::npos) << s.last_error;
  std::vector<std::string_view> keys = {"k0", "k29"};
  auto b = table->Read(keys, {"n"});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->columns[0].Value<int64_t>(0), 1);
  EXPECT_EQ(b->columns[0].Value<int64_t>(1), 1);
  // Nothing of the failed load stays in the table folder.
  for (const auto& e : fs::directory_iterator(cache / "feat")) {
    EXPECT_NE(e.path().extension(), ".new") << e.path();
  }
}

TEST(PartitionLoader, PartitionsAreDirectSubPrefixesInByteOrder) {
  TempDir src;
  for (const char* p : {"dt=2026-11-30", "dt=2026-11-29", "dt=2026-12-01", "000123"}) {
    fs::create_directories(src / p);
  }
  murr::testing::WriteStringToFile(src / "README", "not a partition");
  fs::create_directories(src / "dt=2026-11-30/nested");
  LocalStore store(src.path());
  auto names = ListPartitions(store, "");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"000123", "dt=2026-11-29", "dt=2026-11-30",
                                              "dt=2026-12-01"}));
  murr::testing::WriteStringToFile(src / "dt=2026-11-29/_SUCCESS", "");
  murr::testing::WriteStringToFile(src / "dt=2026-11-30/DONE", "");
  auto newest = NewestCompletePartition(store, "", "_SUCCESS", "");
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->value_or("none"), "dt=2026-11-29");
  newest = NewestCompletePartition(store, "", "DONE", "");
  EXPECT_EQ(newest->value_or("none"), "dt=2026-11-30");
  newest = NewestCompletePartition(store, "", "_SUCCESS", "dt=2026-11-30");
  ASSERT_TRUE(newest.ok());
  EXPECT_FALSE(newest->has_value());
}

}  // namespace
}  // namespace murr
