// Table::BeginReplace: a whole-table replace is invisible until Commit, atomic across a crash
// (the replace.json record is the commit point), and leaves nothing behind when abandoned.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "common/batch_util.h"
#include "common/test_util.h"
#include "murr/table/table.h"
#include "murr/table/table_state.h"

namespace murr {
namespace {

using testing::AllTypesSchema;
using testing::RandomBatch;
using testing::TempDir;
namespace fs = std::filesystem;

TableOptions Opts() {
  TableOptions o;
  o.fsync = false;
  o.background_compaction = false;
  return o;
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

int64_t Present(const Table& t, const std::string& prefix, int64_t n) {
  std::vector<std::string> keys;
  for (int64_t i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  auto b = t.Read(views, {t.schema().key()});
  EXPECT_TRUE(b.ok());
  int64_t found = 0;
  for (int64_t i = 0; i < n; ++i) found += b->columns[0].IsValid(i);
  return found;
}

TEST(TableReplace, InvisibleUntilCommitThenTheWholeContent) {
  TempDir dir;
  std::mt19937_64 rng(1);
  auto schema = AllTypesSchema();
  auto table = Table::Create(dir / "t", schema, Opts()).value();
  ASSERT_TRUE(table->Write({RandomBatch(schema, 100, rng, "old")}).ok());
  ASSERT_TRUE(table->Write({RandomBatch(schema, 50, rng, "old")}).ok());
  auto snapshot = table->Snapshot();
  auto rep = table->BeginReplace(3);
  ASSERT_TRUE(rep.ok());
  ASSERT_TRUE((*rep)->Add(2, {RandomBatch(schema, 30, rng, "new")}).ok());
  ASSERT_TRUE((*rep)->Add(0, {RandomBatch(schema, 70, rng, "new")}).ok());
  EXPECT_EQ(*(*rep)->Add(1, {}), 0);  // an empty part
  EXPECT_EQ(Present(*table, "old", 100), 100);
  EXPECT_EQ(Present(*table, "new", 70), 0);
  ASSERT_TRUE((*rep)->Commit("{\"p\":1}").ok());
  EXPECT_EQ(Present(*table, "old", 100), 0);
  EXPECT_EQ(Present(*table, "new", 70), 70);
  EXPECT_EQ(table->Stats().rows, 70);  // parts 0 and 2 share keys new0..new29
  EXPECT_EQ(table->provenance(), "{\"p\":1}");
  // A reader holding the old snapshot keeps its data though the files are gone.
  EXPECT_EQ(snapshot->segments.size(), 2u);
  EXPECT_EQ(snapshot->segments[0]->num_rows(), 100);
  EXPECT_EQ(Files(dir / "t"),
            (std::vector<std::string>{"00000000000000000003-00000000000000000003.seg",
                                      "00000000000000000005-00000000000000000005.seg",
                                      "replace.json", "table.json"}));
  table.reset();
  auto reopened = Table::Open(dir / "t", Opts());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(Present(**reopened, "new", 70), 70);
  EXPECT_EQ((*reopened)->provenance(), "{\"p\":1}");
  // Later writes and replaces number on from there.
  ASSERT_TRUE((*reopened)->Write({RandomBatch(schema, 5, rng, "w")}).ok());
  EXPECT_EQ(Present(**reopened, "w", 5), 5);
}

TEST(TableReplace, AbandonedReplaceLeavesNothing) {
  TempDir dir;
  std::mt19937_64 rng(2);
  auto schema = AllTypesSchema();
  auto table = Table::Create(dir / "t", schema, Opts()).value();
  ASSERT_TRUE(table->Write({RandomBatch(schema, 10, rng, "old")}).ok());
  auto before = Files(dir / "t");
  {
    auto rep = table->BeginReplace(2);
    ASSERT_TRUE(rep.ok());
    ASSERT_TRUE((*rep)->Add(0, {RandomBatch(schema, 10, rng, "new")}).ok());
    EXPECT_GT(Files(dir / "t").size(), before.size());
  }
  EXPECT_EQ(Files(dir / "t"), before);
  EXPECT_EQ(Present(*table, "old", 10), 10);
  // A batch that does not fit the schema is refused by Add.
  auto rep = table->BeginReplace(1);
  Batch bad = RandomBatch(schema, 3, rng, "x");
  bad.columns.erase(bad.columns.begin() + schema.key_index());
  bad.fields.erase(bad.fields.begin() + schema.key_index());
  EXPECT_FALSE((*rep)->Add(0, {bad}).ok());
}

TEST(TableReplace, CrashAfterTheRecordFinishesTheReplaceOnOpenAndBeforeItKeepsTheOld) {
  TempDir dir;
  std::mt19937_64 rng(3);
  auto schema = AllTypesSchema();
  auto table = Table::Create(dir / "t", schema, Opts()).value();
  ASSERT_TRUE(table->Write({RandomBatch(schema, 10, rng, "old")}).ok());
  auto rep = table->BeginReplace(2);
  ASSERT_TRUE((*rep)->Add(0, {RandomBatch(schema, 8, rng, "new")}).ok());
  ASSERT_TRUE((*rep)->Add(1, {RandomBatch(schema, 9, rng, "new")}).ok());
  // The state a crash leaves before the record: ".seg.new" files, no replace.json.
  fs::copy(dir / "t", dir / "before", fs::copy_options::recursive);
  // ... and after the record but before the renames.
  fs::copy(dir / "t", dir / "after", fs::copy_options::recursive);
  testing::WriteStringToFile(dir / "after/replace.json",
                             "{\"first\":2,\"last\":3,\"provenance\":\"p\"}\n");
  rep->reset();
  auto before = Table::Open(dir / "before", Opts());
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(Present(**before, "old", 10), 10);
  EXPECT_EQ(Present(**before, "new", 9), 0);
  for (const auto& f : Files(dir / "before")) EXPECT_FALSE(f.ends_with(".new")) << f;
  auto after = Table::Open(dir / "after", Opts());
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Present(**after, "old", 10), 0);
  EXPECT_EQ(Present(**after, "new", 9), 9);
  EXPECT_EQ((*after)->provenance(), "p");
  EXPECT_EQ(Files(dir / "after"),
            (std::vector<std::string>{"00000000000000000002-00000000000000000002.seg",
                                      "00000000000000000003-00000000000000000003.seg",
                                      "replace.json", "table.json"}));
  // A damaged record is corruption (the table is quarantined, its files kept).
  testing::WriteStringToFile(dir / "after/replace.json", "{\"first\":");
  EXPECT_EQ(Table::Open(dir / "after", Opts()).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace murr
