#include "murr/service/table_service.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "common/batch_util.h"
#include "common/test_util.h"

namespace murr {
namespace {

using testing::TempDir;

TableSchema Schema() {
  return TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"x", DataType::kFloat32, true}})
      .value();
}

Batch OneRow(const std::string& key, float x) {
  Batch b;
  b.fields = {{"id", DataType::kUtf8, false}, {"x", DataType::kFloat32, true}};
  ColumnBuilder k(DataType::kUtf8), v(DataType::kFloat32);
  (void)k.AppendString(key);
  v.Append<float>(x);
  b.columns = {k.Finish(), v.Finish()};
  b.num_rows = 1;
  return b;
}

ServiceOptions At(const std::string& dir) {
  ServiceOptions o;
  o.cache_dir = dir;
  return o;
}

std::unique_ptr<TableService> OpenService(const std::string& dir) {
  ServiceOptions o;
  o.cache_dir = dir;
  auto s = TableService::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(TableServiceTest, CreateListSchemaWriteReadDrop) {
  TempDir dir;
  auto svc = OpenService(dir.path());
  ASSERT_TRUE(svc->CreateTable("feats", Schema()).ok());
  EXPECT_EQ(svc->CreateTable("feats", Schema()).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(svc->CreateTable("a.b-c_1", Schema()).ok());
  auto list = svc->ListTables();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "a.b-c_1");
  EXPECT_EQ(list[1].name, "feats");
  EXPECT_EQ(svc->GetSchema("feats").value(), Schema());
  EXPECT_EQ(svc->GetSchema("nope").status().code(), StatusCode::kNotFound);

  auto n = svc->Write("feats", {OneRow("u1", 0.5f), OneRow("u2", 1.5f)});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  auto out = svc->Read("feats", {"u2", "zz", "u1"}, {"x"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->columns[0].Value<float>(0), 1.5f);
  EXPECT_TRUE(out->columns[0].IsNull(1));
  EXPECT_EQ(out->columns[0].Value<float>(2), 0.5f);
  EXPECT_EQ(svc->GetStats("feats")->rows, 2);
  EXPECT_EQ(svc->Write("nope", {OneRow("a", 1)}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(svc->Read("nope", {"a"}, {"x"}).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(svc->DropTable("feats").ok());
  EXPECT_EQ(svc->DropTable("feats").code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir / "feats"));
  EXPECT_EQ(svc->ListTables().size(), 1u);
  // A dropped name can be created again, empty.
  ASSERT_TRUE(svc->CreateTable("feats", Schema()).ok());
  EXPECT_EQ(svc->GetStats("feats")->rows, 0);
}

TEST(TableServiceTest, AWriterHoldingADroppedTableCannotWriteIntoItsSuccessor) {
  TempDir dir;
  auto svc = OpenService(dir.path());
  ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
  auto old_table = svc->GetTable("t").value();  // e.g. a request in flight during the drop
  ASSERT_TRUE(svc->DropTable("t").ok());
  ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
  auto late = old_table->Write({OneRow("ghost", 1)});
  EXPECT_EQ(late.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(svc->GetStats("t")->segments, 0);
  auto out = svc->Read("t", {"ghost"}, {"x"}).value();
  EXPECT_TRUE(out.columns[0].IsNull(0));
}

TEST(TableServiceTest, TablesSurviveRestart) {
  TempDir dir;
  {
    auto svc = OpenService(dir.path());
    ASSERT_TRUE(svc->CreateTable("t1", Schema()).ok());
    ASSERT_TRUE(svc->Write("t1", {OneRow("k", 2.25f)}).ok());
  }
  auto svc = OpenService(dir.path());
  auto out = svc->Read("t1", {"k"}, {"x", "id"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->columns[0].Value<float>(0), 2.25f);
  EXPECT_EQ(out->columns[1].StringValue(0), "k");
}

TEST(TableServiceTest, InvalidTableNamesNeverEscapeTheCacheDir) {
  TempDir dir;
  auto svc = OpenService(dir / "cache");
  std::vector<std::string> bads = {"",
                                   ".",
                                   "..",
                                   ".hidden",
                                   "../x",
                                   "a/b",
                                   "a b",
                                   "é",
                                   "x\\y",
                                   std::string(129, 'a'),
                                   std::string("a\0b", 3)};
  for (const std::string& bad : bads) {
    Status st = svc->CreateTable(bad, Schema());
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_EQ(svc->DropTable(bad).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(svc->GetSchema(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(svc->CreateTable(std::string(128, 'a'), Schema()).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
}

namespace fs = std::filesystem;

std::string SegmentOf(const std::string& table_dir) {
  std::string seg;
  for (auto& e : fs::directory_iterator(table_dir)) {
    if (e.path().extension() == ".seg") seg = e.path();
  }
  return seg;
}

// Everything under `root` as "relative/path=contents" lines, for before/after comparisons.
std::string Tree(const std::string& root) {
  std::vector<std::string> lines;
  for (auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    lines.push_back(e.is_regular_file() ? rel + "=" + testing::ReadFileToString(e.path()) : rel);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

TEST(TableServiceTest, ForeignFilesSurviveStartCreateWriteCompactDropAndRestart) {
  TempDir dir;
  OpenService(dir.path());  // marks the directory as Murr's
  ASSERT_TRUE(fs::exists(dir / ".murr-cache"));
  fs::create_directories(dir / "myphotos/2026");
  testing::WriteStringToFile(dir / "myphotos/important.txt", "keep me");
  testing::WriteStringToFile(dir / "myphotos/2026/a.seg", "not a segment");
  testing::WriteStringToFile(dir / "notes.txt", "mine");
  fs::create_directories(dir / ".hidden");
  testing::WriteStringToFile(dir / ".hidden/x.tmp", "mine too");
  const std::string foreign = Tree(dir.path());
  {
    ServiceOptions o;
    o.cache_dir = dir.path();
    o.table.background_compaction = false;
    o.table.tier_fan_in = 2;
    auto svc = TableService::Open(o).value();
    EXPECT_EQ(svc->foreign_entries().size(), 3u);  // .hidden, myphotos, notes.txt
    EXPECT_EQ(svc->CreateTable("myphotos", Schema()).code(), StatusCode::kAlreadyExists);
    ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
    testing::WriteStringToFile(dir / "t/README.user", "a user's file inside a table folder");
    for (int i = 0; i < 8; ++i)
      ASSERT_TRUE(svc->Write("t", {OneRow("k" + std::to_string(i), i)}).ok());
    ASSERT_TRUE(svc->GetTable("t").value()->CompactAll().ok());
    EXPECT_EQ(svc->GetStats("t")->segments, 1);
  }
  auto svc = OpenService(dir.path());
  EXPECT_EQ(svc->Read("t", {"k7"}, {"x"})->columns[0].Value<float>(0), 7.0f);
  ASSERT_TRUE(svc->DropTable("t").ok());
  // The drop removed Murr's files; the user's file stays, in the renamed folder.
  EXPECT_FALSE(fs::exists(dir / "t"));
  EXPECT_EQ(testing::ReadFileToString(dir / ".murr-dropped.t.1/README.user"),
            "a user's file inside a table folder");
  svc.reset();
  svc = OpenService(dir.path());
  EXPECT_TRUE(svc->ListTables().empty());
  fs::remove_all(dir / ".murr-dropped.t.1");
  EXPECT_EQ(Tree(dir.path()), foreign);
}

TEST(TableServiceTest, NonEmptyUnmarkedDirectoryIsRefusedUnlessAdopted) {
  TempDir dir;
  fs::create_directories(dir / "myphotos");
  testing::WriteStringToFile(dir / "myphotos/important.txt", "keep me");
  ServiceOptions o;
  o.cache_dir = dir.path();
  auto refused = TableService::Open(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("is not a Murr cache"), std::string::npos);
  EXPECT_NE(refused.status().message().find("'myphotos'"), std::string::npos);
  EXPECT_NE(refused.status().message().find("storage.adopt_cache_dir: true"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / ".murr-cache"));

  o.adopt_cache_dir = true;
  auto svc = TableService::Open(o);
  ASSERT_TRUE(svc.ok()) << svc.status().ToString();
  EXPECT_TRUE(fs::exists(dir / ".murr-cache"));
  EXPECT_EQ(testing::ReadFileToString(dir / "myphotos/important.txt"), "keep me");
  // Once marked, the directory opens without the option.
  svc->reset();
  EXPECT_TRUE(TableService::Open(At(dir.path())).ok());
}

TEST(TableServiceTest, ACacheWrittenBeforeTheMarkerIsRecognised) {
  TempDir dir;
  {
    auto svc = OpenService(dir.path());
    ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
    ASSERT_TRUE(svc->Write("t", {OneRow("k", 3)}).ok());
  }
  fs::remove(dir / ".murr-cache");
  auto svc = OpenService(dir.path());
  EXPECT_TRUE(fs::exists(dir / ".murr-cache"));
  EXPECT_EQ(svc->Read("t", {"k"}, {"x"})->columns[0].Value<float>(0), 3.0f);
}

TEST(TableServiceTest, UnfinishedCreateOrDropIsCleanedUpOnStartKeepingForeignFiles) {
  TempDir dir;
  OpenService(dir.path());
  fs::create_directories(dir / ".murr-creating.half");
  testing::WriteStringToFile(dir / ".murr-creating.half/table.json.tmp", "{");
  fs::create_directories(dir / ".murr-dropped.gone.1");
  testing::WriteStringToFile(
      dir / ".murr-dropped.gone.1/00000000000000000001-00000000000000000001.seg", "junk");
  testing::WriteStringToFile(dir / ".murr-dropped.gone.1/table.json", "{}");
  fs::create_directories(dir / ".murr-dropped.mixed.1");
  testing::WriteStringToFile(dir / ".murr-dropped.mixed.1/table.json", "{}");
  testing::WriteStringToFile(dir / ".murr-dropped.mixed.1/user.txt", "keep");
  fs::create_directories(dir / "half");  // a folder named like a table, without table.json
  testing::WriteStringToFile(dir / "half/00000000000000000001-00000000000000000001.seg", "x");
  auto svc = OpenService(dir.path());
  EXPECT_TRUE(svc->ListTables().empty());
  EXPECT_FALSE(fs::exists(dir / ".murr-creating.half"));
  EXPECT_FALSE(fs::exists(dir / ".murr-dropped.gone.1"));
  EXPECT_FALSE(fs::exists(dir / ".murr-dropped.mixed.1/table.json"));
  EXPECT_EQ(testing::ReadFileToString(dir / ".murr-dropped.mixed.1/user.txt"), "keep");
  EXPECT_EQ(testing::ReadFileToString(dir / "half/00000000000000000001-00000000000000000001.seg"),
            "x");
  EXPECT_EQ(svc->foreign_entries(), std::vector<std::string>{dir / "half"});
}

// Builds a cache with tables "bad" and "good" (one segment each), then lets `damage` spoil
// "bad"; the service must open, quarantine "bad" and serve "good".
void ExpectOnlyTheDamagedTableIsQuarantined(
    const std::function<void(const std::string& bad_dir)>& damage, const std::string& reason) {
  TempDir dir;
  {
    auto svc = OpenService(dir.path());
    ASSERT_TRUE(svc->CreateTable("bad", Schema()).ok());
    ASSERT_TRUE(svc->CreateTable("good", Schema()).ok());
    ASSERT_TRUE(svc->Write("bad", {OneRow("k", 1)}).ok());
    ASSERT_TRUE(svc->Write("good", {OneRow("k", 2)}).ok());
  }
  damage(dir / "bad");
  auto opened = TableService::Open(At(dir.path()));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& svc = *opened;
  EXPECT_EQ(svc->Read("good", {"k"}, {"x"})->columns[0].Value<float>(0), 2.0f);
  ASSERT_TRUE(svc->Write("good", {OneRow("k2", 3)}).ok());
  auto read = svc->Read("bad", {"k"}, {"x"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(read.status().message().find("table 'bad' is quarantined"), std::string::npos);
  EXPECT_NE(read.status().message().find(reason), std::string::npos) << read.status().message();
  EXPECT_EQ(svc->Write("bad", {OneRow("k", 1)}).status().code(), StatusCode::kUnavailable);
  auto status = svc->GetStatus("bad").value();
  EXPECT_TRUE(status.quarantined);
  ASSERT_EQ(svc->QuarantinedTables().size(), 1u);
  EXPECT_EQ(svc->QuarantinedTables()[0].name, "bad");
  // Moved aside whole, never deleted.
  EXPECT_FALSE(fs::exists(dir / "bad"));
  EXPECT_EQ(status.quarantine.moved_to.rfind(dir / ".murr-quarantine/bad.", 0), 0u);
  EXPECT_TRUE(fs::exists(status.quarantine.moved_to + "/table.json"));
  EXPECT_FALSE(svc->GetStatus("good")->quarantined);
  EXPECT_EQ(svc->GetStatus("good")->stats.rows, 2);
  EXPECT_EQ(svc->CreateTable("bad", Schema()).code(), StatusCode::kAlreadyExists);
  // Dropping forgets it; the name can be used again, and the quarantined copy stays.
  ASSERT_TRUE(svc->DropTable("bad").ok());
  EXPECT_EQ(svc->GetStatus("bad").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(svc->CreateTable("bad", Schema()).ok());
  EXPECT_TRUE(fs::exists(status.quarantine.moved_to + "/table.json"));
  // A restart serves everything that is left.
  svc.reset();
  auto again = OpenService(dir.path());
  EXPECT_TRUE(again->QuarantinedTables().empty());
  EXPECT_EQ(again->ListTables().size(), 2u);
}

TEST(TableServiceTest, TruncatedSegmentQuarantinesOnlyItsTable) {
  ExpectOnlyTheDamagedTableIsQuarantined(
      [](const std::string& d) {
        std::string seg = SegmentOf(d);
        std::string bytes = testing::ReadFileToString(seg);
        testing::WriteStringToFile(seg, bytes.substr(0, bytes.size() - 5));
      },
      "Corruption");
}

TEST(TableServiceTest, FlippedByteQuarantinesOnlyItsTable) {
  ExpectOnlyTheDamagedTableIsQuarantined(
      [](const std::string& d) {
        std::string seg = SegmentOf(d);
        std::string bytes = testing::ReadFileToString(seg);
        // The stored value 1.0f of key "k": a flip there must be caught by its checksum.
        size_t at = bytes.find(std::string("\x00\x00\x80\x3f", 4));
        ASSERT_NE(at, std::string::npos);
        bytes[at + 3] ^= 0x40;
        testing::WriteStringToFile(seg, bytes);
      },
      "Corruption");
}

TEST(TableServiceTest, ZeroLengthSegmentQuarantinesOnlyItsTable) {
  ExpectOnlyTheDamagedTableIsQuarantined(
      [](const std::string& d) { testing::WriteStringToFile(SegmentOf(d), ""); }, "Corruption");
}

TEST(TableServiceTest, CorruptTableJsonQuarantinesOnlyItsTable) {
  ExpectOnlyTheDamagedTableIsQuarantined(
      [](const std::string& d) { testing::WriteStringToFile(d + "/table.json", "{\"key\": 7"); },
      "table.json");
}

TEST(TableServiceTest, OverlappingSegmentsQuarantineOnlyTheirTable) {
  ExpectOnlyTheDamagedTableIsQuarantined(
      [](const std::string& d) {
        std::string seg = SegmentOf(d);  // 1-1
        fs::copy_file(seg, d + "/00000000000000000000-00000000000000000001.seg");
        fs::copy_file(seg, d + "/00000000000000000001-00000000000000000002.seg");
      },
      "overlap");
}

TEST(TableServiceTest, StrayFilesInATableFolderAreLeftAloneAndTheTableServes) {
  TempDir dir;
  {
    auto svc = OpenService(dir.path());
    ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
    ASSERT_TRUE(svc->Write("t", {OneRow("k", 4)}).ok());
  }
  for (std::string name : {"backup.seg", "1-2.seg", "99999999999999999999-99999999999999999999.seg",
                           "notes.tmp", "x.seg.tmp.old"}) {
    testing::WriteStringToFile(dir / "t/" + name, "user data");
  }
  // Names of Murr's own unfinished writes are cleaned up.
  testing::WriteStringToFile(dir / "t/00000000000000000007-00000000000000000007.seg.tmp", "half");
  auto svc = OpenService(dir.path());
  EXPECT_EQ(svc->Read("t", {"k"}, {"x"})->columns[0].Value<float>(0), 4.0f);
  EXPECT_TRUE(svc->QuarantinedTables().empty());
  for (std::string name : {"backup.seg", "1-2.seg", "99999999999999999999-99999999999999999999.seg",
                           "notes.tmp", "x.seg.tmp.old"}) {
    EXPECT_EQ(testing::ReadFileToString(dir / "t/" + name), "user data") << name;
  }
  EXPECT_FALSE(fs::exists(dir / "t/00000000000000000007-00000000000000000007.seg.tmp"));
}

TEST(TableServiceTest, OptionsOutOfRangeAreRefusedNamingTheOption) {
  TempDir dir;
  ServiceOptions o;
  o.cache_dir = dir.path();
  o.table.tier_fan_in = 1;
  auto svc = TableService::Open(o);
  ASSERT_FALSE(svc.ok());
  EXPECT_EQ(svc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(svc.status().message().find("tier_fan_in"), std::string::npos);
  o.table.tier_fan_in = 4;
  o.table.max_segments = 0;
  EXPECT_NE(TableService::Open(o).status().message().find("max_segments"), std::string::npos);
  o.table.max_segments = 24;
  o.table.idle_compaction_seconds = -1;
  EXPECT_NE(TableService::Open(o).status().message().find("idle_compaction_seconds"),
            std::string::npos);
}

// A write that hits the file-size limit (the stand-in for a full disk that a test can set up
// without privileges: RLIMIT_FSIZE makes write() fail with EFBIG) fails with NoSpace, leaves no
// file behind, and the table reopens with exactly the acknowledged rows.
TEST(TableServiceTest, AFullDiskFailsTheWriteCleanlyAndTheTableReopens) {
  TempDir dir;
  {
    auto svc = OpenService(dir.path());
    ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
    ASSERT_TRUE(svc->Write("t", {OneRow("small", 1)}).ok());
  }
  const std::string before = Tree(dir.path());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {64 << 10, 64 << 10};
    setrlimit(RLIMIT_FSIZE, &lim);
    auto svc = TableService::Open(At(dir.path()));
    if (!svc.ok()) _exit(10);
    Batch big;
    big.fields = {{"id", DataType::kUtf8, false}, {"x", DataType::kFloat32, true}};
    ColumnBuilder k(DataType::kUtf8), v(DataType::kFloat32);
    for (int i = 0; i < 100000; ++i) {
      (void)k.AppendString("key-" + std::to_string(i));
      v.Append<float>(static_cast<float>(i));
    }
    big.columns = {k.Finish(), v.Finish()};
    big.num_rows = 100000;
    auto w = (*svc)->Write("t", {big});
    if (w.ok()) _exit(11);
    if (w.status().code() != StatusCode::kNoSpace) _exit(12);
    if (w.status().message().find("File too large") == std::string::npos) _exit(13);
    // The failed write left nothing that a reader would see.
    auto r = (*svc)->Read("t", {"key-5", "small"}, {"x"});
    if (!r.ok() || !r->columns[0].IsNull(0) || r->columns[0].Value<float>(1) != 1.0f) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(Tree(dir.path()), before);  // no temporary or partial file left
  auto svc = OpenService(dir.path());
  EXPECT_EQ(svc->GetStats("t")->rows, 1);
}

}  // namespace
}  // namespace murr
