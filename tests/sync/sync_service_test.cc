// TableService with tables fed by file:// sources (issue 12): discovery, atomic replace,
// failures that keep the current version serving, restart, replicas, writers.
#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "murr/core/file_util.h"
#include "sync/sync_test.h"

namespace murr {
namespace {

using murr::testing::ReadServed;
using murr::testing::ServesVersion;
using murr::testing::TempDir;
using murr::testing::WaitFor;
using murr::testing::WritePartition;
namespace fs = std::filesystem;

SourceSpec Spec(const std::string& source_dir, double poll = 3600) {
  SourceSpec s;
  s.table = "feat";
  s.url = "file://" + source_dir + "/";
  s.key = "id";
  s.poll_seconds = poll;  // tests drive checks with CheckSourceNow unless they want polling
  return s;
}

std::unique_ptr<TableService> OpenService(const std::string& cache, const SourceSpec& spec) {
  ServiceOptions o;
  o.cache_dir = cache;
  o.table.fsync = false;
  o.sources.push_back(spec);
  // Polling tests poll; the others drive every check themselves (CheckSourceNow).
  o.sync_in_background = spec.poll_seconds < 60;
  auto svc = TableService::Open(o);
  EXPECT_TRUE(svc.ok()) << svc.status().ToString();
  return svc.ok() ? std::move(*svc) : nullptr;
}

SyncStatus StatusOf(const TableService& svc) {
  auto st = svc.GetStatus("feat");
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  return st.ok() ? st->sync : SyncStatus{};
}

TEST(SyncService, FirstLoadServesTheNewestCompletePartitionAndRefusesWrites) {
  TempDir src, cache;
  WritePartition(src / "dt=2026-11-29", "pyarrow", 50, 2, 1);
  WritePartition(src / "dt=2026-11-30", "pyarrow", 50, 2, 2);
  WritePartition(src / "dt=2026-12-01", "pyarrow", 50, 2, 3, "--no-marker");
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  auto served = ReadServed(*svc, "feat", 50);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_TRUE(ServesVersion(*served, 2));
  SyncStatus s = StatusOf(*svc);
  EXPECT_EQ(s.partition, "dt=2026-11-30");
  EXPECT_EQ(s.partition_rows, 50);
  EXPECT_EQ(s.loads, 1);
  EXPECT_GT(s.bytes_downloaded, 0);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_GT(s.loaded_at_ms, 0);
  // The schema came from the files.
  auto schema = svc->GetSchema("feat");
  ASSERT_TRUE(schema.ok());
  ASSERT_EQ(schema->columns().size(), 3u);
  EXPECT_EQ(schema->columns()[0].name, "id");
  EXPECT_FALSE(schema->columns()[0].nullable);
  EXPECT_EQ(schema->columns()[1].type, DataType::kFloat64);
  EXPECT_EQ(schema->columns()[2].type, DataType::kInt64);
  EXPECT_EQ(svc->ListTables().size(), 1u);
  // Writes, create and drop: 409 (FailedPrecondition) naming the source.
  auto w = svc->Write("feat", {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(w.status().message().find("file://" + src.path()), std::string::npos);
  EXPECT_EQ(svc->DropTable("feat").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(svc->CreateTable("feat", *schema).code(), StatusCode::kFailedPrecondition);
}

TEST(SyncService, ConfiguredColumnsListBeforeTheFirstLoadAndLoadOnlyThose) {
  TempDir src, cache;
  WritePartition(src / "p1", "pyarrow", 20, 1, 1);
  SourceSpec spec = Spec(src.path());
  auto schema =
      TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"x", DataType::kFloat64, true}});
  ASSERT_TRUE(schema.ok());
  spec.schema = *schema;
  spec.poll_seconds = 3600;
  auto svc = OpenService(cache.path(), spec);
  ASSERT_TRUE(svc);
  // The table exists at once (the first background check may or may not have run yet).
  auto listed = svc->GetSchema("feat");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, *schema);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  std::vector<std::string_view> keys = {"k3", "nope"};
  auto b = svc->Read("feat", keys, {"x"});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->columns[0].Value<double>(0), 1e6 + 3);
  EXPECT_TRUE(b->columns[0].IsNull(1));
  EXPECT_FALSE(svc->Read("feat", keys, {"n"}).ok());  // not a column of the table
}

TEST(SyncService, NewerPartitionIsServedWithinAPollWhileReadsNeverFailOrMix) {
  TempDir src, cache;
  WritePartition(src / "0001", "pyarrow", 2000, 3, 1);
  auto svc = OpenService(cache.path(), Spec(src.path(), 0.1));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(WaitFor([&] { return StatusOf(*svc).partition == "0001"; }));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0}, failures{0}, mixed{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        auto s = ReadServed(*svc, "feat", 2000);
        if (!s.ok()) {
          ++failures;
        } else if (!ServesVersion(*s, 1) && !ServesVersion(*s, 2)) {
          ++mixed;
        }
        ++reads;
      }
    });
  }
  WritePartition(src / "0002", "pyarrow", 2000, 3, 2);  // the marker comes last
  auto marked = std::chrono::steady_clock::now();
  bool swapped = WaitFor([&] { return StatusOf(*svc).partition == "0002"; });
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - marked).count();
  // Keep reading a little after the swap.
  int64_t at_swap = reads.load();
  WaitFor([&] { return reads.load() > at_swap + 20; }, 10);
  stop = true;
  for (auto& r : readers) r.join();
  ASSERT_TRUE(swapped) << StatusOf(*svc).last_error;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_GT(reads.load(), 20);
  SyncStatus s = StatusOf(*svc);
  // Served within poll_seconds plus the load (plus scheduling slack on a loaded machine).
  EXPECT_LT(took, 0.1 + s.last_load_seconds + 5.0);
  auto served = ReadServed(*svc, "feat", 2000);
  ASSERT_TRUE(served.ok());
  EXPECT_TRUE(ServesVersion(*served, 2));
  EXPECT_EQ(s.loads, 2);
  // The old version's segments are gone from the table folder.
  auto st = svc->GetStats("feat");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->rows, 2000);
  int segs = 0;
  for (const auto& e : fs::directory_iterator(cache / "feat")) {
    segs += e.path().extension() == ".seg";
  }
  EXPECT_EQ(segs, st->segments);
}

TEST(SyncService, PartitionsWithoutMarkerAndOlderOnesAddedLaterAreIgnored) {
  TempDir src, cache;
  WritePartition(src / "dt=2", "pyarrow", 10, 1, 2);
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  WritePartition(src / "dt=1", "pyarrow", 10, 1, 1);                 // older, complete
  WritePartition(src / "dt=3", "pyarrow", 10, 1, 3, "--no-marker");  // newer, incomplete
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  EXPECT_EQ(StatusOf(*svc).partition, "dt=2");
  EXPECT_EQ(StatusOf(*svc).loads, 1);
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 10), 2));
  murr::testing::WriteStringToFile(src / "dt=3/_SUCCESS", "");
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  EXPECT_EQ(StatusOf(*svc).partition, "dt=3");
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 10), 3));
}

// A bad partition keeps the current one serving, is reported, and a newer one supersedes it.
void ExpectBadPartitionKeepsServing(const std::string& flags, const std::string& corrupt_file,
                                    const std::string& expect_in_error) {
  TempDir src, cache;
  WritePartition(src / "dt=1", "pyarrow", 30, 2, 1);
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  WritePartition(src / "dt=2", "pyarrow", 30, 2, 2, flags);
  if (!corrupt_file.empty()) {
    // Truncated in the middle: the footer is gone.
    fs::resize_file(src / ("dt=2/" + corrupt_file),
                    fs::file_size(src / ("dt=2/" + corrupt_file)) / 2);
  }
  Status st = svc->CheckSourceNow("feat");
  EXPECT_FALSE(st.ok());
  SyncStatus s = StatusOf(*svc);
  EXPECT_EQ(s.partition, "dt=1");
  EXPECT_EQ(s.failures, 1);
  EXPECT_EQ(s.failed_partition, "dt=2");
  EXPECT_NE(s.last_error.find(expect_in_error), std::string::npos) << s.last_error;
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 30), 1));
  // Unchanged, the bad partition is not tried again before its backoff.
  EXPECT_TRUE(svc->CheckSourceNow("feat").ok());
  EXPECT_EQ(StatusOf(*svc).failures, 1);
  // A newer complete partition supersedes it.
  WritePartition(src / "dt=3", "pyarrow", 30, 2, 3);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  s = StatusOf(*svc);
  EXPECT_EQ(s.partition, "dt=3");
  EXPECT_TRUE(s.last_error.empty());
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 30), 3));
}

TEST(SyncService, CorruptParquetKeepsTheOldVersionServing) {
  ExpectBadPartitionKeepsServing("", "part-00001.parquet", "dt=2/part-00001.parquet");
}

TEST(SyncService, MissingKeyColumnKeepsTheOldVersionServing) {
  ExpectBadPartitionKeepsServing("--drop-id", "", "'id'");
}

TEST(SyncService, ChangedColumnTypeKeepsTheOldVersionServing) {
  ExpectBadPartitionKeepsServing("--x-type string", "", "'x'");
}

TEST(SyncService, UnmappableColumnIsAnErrorNamingIt) {
  TempDir src, cache;
  WritePartition(src / "dt=1", "pyarrow", 10, 1, 1, "--unmappable");
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  EXPECT_FALSE(svc->CheckSourceNow("feat").ok());
  SyncStatus s = StatusOf(*svc);
  EXPECT_NE(s.last_error.find("'nested'"), std::string::npos) << s.last_error;
  EXPECT_TRUE(s.partition.empty());
  EXPECT_EQ(svc->GetSchema("feat").status().code(), StatusCode::kNotFound);
}

TEST(SyncService, RestartServesTheStoredVersionAtOnceEvenWithTheSourceGone) {
  TempDir src, cache;
  WritePartition(src / "dt=1", "pyarrow", 40, 2, 1);
  {
    auto svc = OpenService(cache.path(), Spec(src.path()));
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  }
  {
    // Same source: serves at once, downloads nothing.
    auto svc = OpenService(cache.path(), Spec(src.path()));
    ASSERT_TRUE(svc);
    EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 1));
    EXPECT_EQ(StatusOf(*svc).partition, "dt=1");
    ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
    SyncStatus s = StatusOf(*svc);
    EXPECT_EQ(s.loads, 0);
    EXPECT_EQ(s.bytes_downloaded, 0);
  }
  fs::remove_all(src.path());
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 1));
  EXPECT_FALSE(svc->CheckSourceNow("feat").ok());
  SyncStatus s = StatusOf(*svc);
  EXPECT_EQ(s.partition, "dt=1");
  EXPECT_FALSE(s.last_error.empty());
  EXPECT_GT(s.next_check_ms, 0);
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 1));
}

TEST(SyncService, RewrittenPartitionIsLoadedAgain) {
  TempDir src, cache;
  WritePartition(src / "dt=1", "pyarrow", 10, 1, 1);
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  fs::remove_all(src / "dt=1");
  WritePartition(src / "dt=1", "pyarrow", 10, 1, 7);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  EXPECT_EQ(StatusOf(*svc).loads, 2);
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 10), 7));
}

TEST(SyncService, TwoServicesOnOneSourceConverge) {
  TempDir src, cache_a, cache_b;
  WritePartition(src / "dt=1", "pyarrow", 25, 1, 1);
  auto a = OpenService(cache_a.path(), Spec(src.path(), 0.1));
  auto b = OpenService(cache_b.path(), Spec(src.path(), 0.1));
  ASSERT_TRUE(a && b);
  WritePartition(src / "dt=2", "pyarrow", 25, 2, 2);
  ASSERT_TRUE(WaitFor(
      [&] { return StatusOf(*a).partition == "dt=2" && StatusOf(*b).partition == "dt=2"; }));
  EXPECT_TRUE(ServesVersion(*ReadServed(*a, "feat", 25), 2));
  EXPECT_TRUE(ServesVersion(*ReadServed(*b, "feat", 25), 2));
}

class SyncWriters : public ::testing::TestWithParam<std::string> {};

// Embeddings in Parquet are LISTs: pyarrow records the fixed size in its ARROW:schema
// metadata, which the inferred schema uses; a DuckDB-written file has no such metadata, and the
// configured schema says the size.
void ExpectEmbeddings(const TableService& svc, int rows, int n) {
  std::vector<std::string> names;
  for (int i = 0; i < rows; ++i) names.push_back("k" + std::to_string(i));
  std::vector<std::string_view> keys(names.begin(), names.end());
  auto b = svc.Read("feat", keys, {"e"});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const Column& e = b->columns[0];
  ASSERT_EQ(e.type, DataType::FixedSizeList(TypeId::kFloat32, n));
  for (int r = 0; r < rows; ++r) {
    ASSERT_EQ(e.IsNull(r), r % 10 == 9) << r;
    if (e.IsNull(r)) continue;
    for (int k = 0; k < n; ++k) {
      ASSERT_EQ(e.Value<float>(static_cast<int64_t>(r) * n + k),
                static_cast<float>(r + static_cast<double>(k) / n))
          << r << " " << k;
    }
  }
}

TEST(SyncService, PyarrowEmbeddingsInferAFixedSizeListFromTheArrowSchema) {
  TempDir src, cache;
  WritePartition(src / "p1", "pyarrow", 40, 2, 1, "--embedding 16");
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  auto schema = svc->GetSchema("feat");
  ASSERT_TRUE(schema.ok());
  ASSERT_EQ(schema->columns().size(), 4u);
  EXPECT_EQ(schema->columns()[3].type, DataType::FixedSizeList(TypeId::kFloat32, 16));
  ExpectEmbeddings(*svc, 40, 16);
}

TEST(SyncService, DuckDBEmbeddingsLoadIntoTheConfiguredFixedSizeList) {
  TempDir src, cache;
  WritePartition(src / "p1", "duckdb", 40, 2, 1, "--embedding 16");
  SourceSpec spec = Spec(src.path());
  auto schema = TableSchema::Make(
      "id",
      {{"id", DataType::kUtf8, false}, {"e", DataType::FixedSizeList(TypeId::kFloat32, 16), true}});
  ASSERT_TRUE(schema.ok());
  spec.schema = *schema;
  auto svc = OpenService(cache.path(), spec);
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok());
  ExpectEmbeddings(*svc, 40, 16);
}

TEST_P(SyncWriters, PartitionWrittenByAnotherImplementationLoads) {
  TempDir src, cache;
  WritePartition(src / "dt=1", GetParam(), 300, 3, 4, "--floats 2 --compression snappy");
  auto svc = OpenService(cache.path(), Spec(src.path()));
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok()) << StatusOf(*svc).last_error;
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 300), 4));
  std::vector<std::string_view> keys = {"k299", "k0"};
  auto b = svc->Read("feat", keys, {"f1"});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->columns[0].type, DataType::kFloat32);
  EXPECT_EQ(b->columns[0].Value<float>(0), 299.0f + 1);
  EXPECT_EQ(b->columns[0].Value<float>(1), 1.0f);
  EXPECT_EQ(StatusOf(*svc).partition_rows, 300);
}

// An integer key (decision 0024) from each writer: pyarrow int64, DuckDB UBIGINT, Polars int64.
TEST(SyncService, IntegerKeyPartitionsLoad) {
  struct Case {
    const char* writer;
    const char* id_type;
  };
  for (Case c : {Case{"pyarrow", "int64"}, Case{"duckdb", "uint64"}, Case{"polars", "int64"}}) {
    SCOPED_TRACE(std::string(c.writer) + " " + c.id_type);
    TempDir src, cache;
    WritePartition(src / "dt=1", c.writer, 200, 2, 3, std::string("--id-type ") + c.id_type);
    auto svc = OpenService(cache.path(), Spec(src.path()));
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->CheckSourceNow("feat").ok()) << StatusOf(*svc).last_error;
    auto schema = svc->GetSchema("feat");
    ASSERT_TRUE(schema.ok());
    EXPECT_EQ(DataTypeName(schema->columns()[schema->key_index()].type), c.id_type);
    // Rows 199, 0 and one id that is not there, as JSON would send them.
    const bool is_signed = std::string(c.id_type) == "int64";
    auto id = [&](int64_t row) {
      return is_signed ? static_cast<uint64_t>(row * 7 - 1000) : (uint64_t{1} << 63) + row;
    };
    std::vector<KeyToken> keys;
    for (int64_t row : {199, 0, 5000}) {
      uint64_t v = id(row);
      keys.push_back({is_signed || static_cast<int64_t>(v) >= 0 ? KeyToken::Kind::kInt64
                                                                : KeyToken::Kind::kUInt64,
                      v, ""});
    }
    auto b = svc->Read("feat", ReadKeys::Tokens(keys), {"x", "id"});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->columns[0].Value<double>(0), 3e6 + 199);
    EXPECT_EQ(b->columns[0].Value<double>(1), 3e6);
    EXPECT_TRUE(b->columns[0].IsNull(2));
    EXPECT_EQ(b->columns[1].Value<uint64_t>(0), id(199));
    EXPECT_EQ(StatusOf(*svc).partition_rows, 200);
  }
}

INSTANTIATE_TEST_SUITE_P(Writers, SyncWriters, ::testing::Values("pyarrow", "duckdb", "polars"));

}  // namespace
}  // namespace murr
