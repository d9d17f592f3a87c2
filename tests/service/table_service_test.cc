#include "murr/service/table_service.h"

#include <gtest/gtest.h>

#include <filesystem>

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

TEST(TableServiceTest, UnfinishedCreateOrDropIsCleanedUpOnStart) {
  TempDir dir;
  std::filesystem::create_directories(dir / "half");
  testing::WriteStringToFile(dir / "half/00000000000000000001.seg", "junk");
  auto svc = OpenService(dir.path());
  EXPECT_TRUE(svc->ListTables().empty());
  EXPECT_FALSE(std::filesystem::exists(dir / "half"));
}

TEST(TableServiceTest, CorruptSegmentFailsOpenNamingTheTable) {
  TempDir dir;
  {
    auto svc = OpenService(dir.path());
    ASSERT_TRUE(svc->CreateTable("t", Schema()).ok());
    ASSERT_TRUE(svc->Write("t", {OneRow("k", 1)}).ok());
  }
  std::string seg;
  for (auto& e : std::filesystem::directory_iterator(dir / "t")) {
    if (e.path().extension() == ".seg") seg = e.path();
  }
  ASSERT_FALSE(seg.empty());
  std::string bytes = testing::ReadFileToString(seg);
  testing::WriteStringToFile(seg, bytes.substr(0, bytes.size() - 5));
  ServiceOptions o;
  o.cache_dir = dir.path();
  auto svc = TableService::Open(o);
  ASSERT_FALSE(svc.ok());
  EXPECT_EQ(svc.status().code(), StatusCode::kCorruption);
  EXPECT_NE(svc.status().message().find("table 't'"), std::string::npos);
  EXPECT_NE(svc.status().message().find(seg), std::string::npos);
}

}  // namespace
}  // namespace murr
