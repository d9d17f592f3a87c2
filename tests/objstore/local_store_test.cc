// LocalStore: the folder ObjectStore. Listing semantics follow S3's ListObjectsV2; nothing
// reaches outside the root.
#include <filesystem>

#include <gtest/gtest.h>

#include "common/test_util.h"
#include "murr/objstore/local_store.h"

namespace murr {
namespace {

using murr::testing::TempDir;
using murr::testing::WriteStringToFile;
namespace fs = std::filesystem;

TEST(LocalStore, ListsWithADelimiterInByteOrderAndPaginates) {
  TempDir root;
  fs::create_directories(root / "p/a");
  fs::create_directories(root / "p/b-c");
  WriteStringToFile(root / "p/a/1.parquet", "one");
  WriteStringToFile(root / "p/a/2.parquet", "two!");
  WriteStringToFile(root / "p/b-c/x", "");
  WriteStringToFile(root / "p/top", "t");
  WriteStringToFile(root / "pq", "q");
  LocalStore store(root.path() + "/");
  auto page = store.List("p/", "/", "", 1000);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"p/a/", "p/b-c/"}));
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "p/top");
  EXPECT_EQ(page->objects[0].size, 1);
  EXPECT_TRUE(page->next_token.empty());
  // A prefix that is not a folder boundary matches names.
  page = store.List("p", "/", "", 1000);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"p/"}));
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "pq");
  // No delimiter: every key below, one per page here.
  std::vector<std::string> keys;
  std::string token;
  int pages = 0;
  do {
    auto p = store.List("p/", "", token, 1);
    ASSERT_TRUE(p.ok());
    for (const auto& o : p->objects) keys.push_back(o.key);
    token = p->next_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(keys, (std::vector<std::string>{"p/a/1.parquet", "p/a/2.parquet", "p/b-c/x", "p/top"}));
  auto all = ListAll(store, "p/", "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->objects.size(), 4u);
  // An absent prefix is an empty listing; a missing root is an error (storage down).
  page = store.List("nothing/", "/", "", 1000);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty() && page->common_prefixes.empty());
  LocalStore gone(root / "missing");
  EXPECT_FALSE(gone.List("", "/", "", 1000).ok());
}

TEST(LocalStore, HeadAndRangesCheckSizeAndEtag) {
  TempDir root;
  WriteStringToFile(root / "obj", "0123456789");
  LocalStore store(root.path());
  auto meta = store.Head("obj");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->size, 10);
  auto r = store.GetRange("obj", 2, 5, meta->etag);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r->data()), r->size()), "23456");
  EXPECT_FALSE(store.GetRange("obj", 8, 5, "").ok());  // past the end
  EXPECT_EQ(store.Head("nope").status().code(), StatusCode::kNotFound);
  auto whole = GetObject(store, *meta, 3);  // four ranges
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(whole->data()), whole->size()), "0123456789");
  // Replaced since it was listed: the ETag no longer matches.
  fs::remove(root / "obj");
  WriteStringToFile(root / "obj", "abcdefghijk");
  EXPECT_FALSE(store.GetRange("obj", 0, 5, meta->etag).ok());
}

TEST(LocalStore, KeysAndLinksCannotLeaveTheRoot) {
  TempDir outside, root;
  WriteStringToFile(outside / "secret", "s");
  fs::create_directories(root / "p");
  fs::create_symlink(outside / "secret", root / "p/link.parquet");
  fs::create_directory_symlink(outside.path(), root / "p/dirlink");
  LocalStore store(root.path());
  auto page = store.List("p/", "", "", 1000);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());  // links are not objects
  page = store.List("p/", "/", "", 1000);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->common_prefixes.empty());
  EXPECT_FALSE(store.Head("p/link.parquet").ok());
  EXPECT_FALSE(store.Head("p/dirlink/secret").ok());
  EXPECT_FALSE(store.GetRange("p/dirlink/secret", 0, 1, "").ok());
  for (const char* bad : {"../secret", "p/../../secret", "/etc/passwd", "p//x", "p/./x", ""}) {
    EXPECT_EQ(store.Head(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(store.List("../", "/", "", 10).ok());
  EXPECT_TRUE(IsSafeKey("dt=2026-11-30/part-0.parquet"));
  EXPECT_TRUE(IsSafeKey("dt=1/"));
  EXPECT_FALSE(IsSafeKey("a\\b"));
}

}  // namespace
}  // namespace murr
