// Concurrent writers into one table (Table::Write's group commit): each writes and fsyncs its
// own segment file beside the others, and the writes are published in segment-id order with one
// directory fsync per run. Every acknowledged write is visible when Write returns, survives a
// reopen, and a key written by several writers reads as the same one write before and after the
// reopen; a drop or a whole-table replace in the middle of the writes leaves no stray file.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/test_util.h"
#include "murr/table/table.h"
#include "murr/table/table_state.h"

namespace murr {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

TableSchema Schema() {
  return TableSchema::Make("id", {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}})
      .value();
}

// Rows key -> value.
Batch Rows(const std::vector<std::pair<std::string, int64_t>>& rows) {
  Batch b;
  b.fields = {{"id", DataType::kUtf8, false}, {"v", DataType::kInt64, false}};
  ColumnBuilder k(DataType::kUtf8), v(DataType::kInt64);
  for (const auto& [key, value] : rows) {
    (void)k.AppendString(key);
    v.Append<int64_t>(value);
  }
  b.columns = {k.Finish(), v.Finish()};
  b.num_rows = static_cast<int64_t>(rows.size());
  return b;
}

// The value of each key (-1 when absent).
std::vector<int64_t> ReadValues(const Table& table, const std::vector<std::string>& keys) {
  std::vector<std::string_view> views(keys.begin(), keys.end());
  auto out = table.Read(views, {"v"});
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  std::vector<int64_t> values;
  if (!out.ok()) return values;
  for (int64_t i = 0; i < out->num_rows; ++i) {
    values.push_back(out->columns[0].IsNull(i) ? -1 : out->columns[0].Value<int64_t>(i));
  }
  return values;
}

std::vector<std::string> FilesEndingWith(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(suffix)) out.push_back(name);
  }
  return out;
}

TEST(GroupCommitTest, ConcurrentDurableWritersAllLandInOneOrderThatSurvivesAReopen) {
  TempDir dir;
  TableOptions opts;  // fsync on: the path group commit is for
  opts.background_compaction = false;
  opts.tier_fan_in = 1 << 20;  // keep every write's segment: the order is what is checked
  opts.max_segments = 1 << 20;
  auto table = Table::Create(dir / "t", Schema(), opts).value();
  constexpr int kWriters = 6, kWrites = 15;
  std::atomic<int> failures{0}, unseen{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kWrites; ++i) {
        const int64_t value = w * 1000 + i;
        const std::string own = "w" + std::to_string(w) + "-" + std::to_string(i);
        // Every write also sets the shared key: the last published write wins it.
        auto n = table->Write({Rows({{own, value}, {"shared", value}})});
        if (!n.ok() || *n != 2) {
          ++failures;
          continue;
        }
        // Acknowledged means visible: this thread reads its own write back at once.
        if (ReadValues(*table, {own}) != std::vector<int64_t>{value}) ++unseen;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(unseen.load(), 0);

  std::vector<std::string> keys = {"shared"};
  std::vector<int64_t> expected = {-2};  // filled below
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kWrites; ++i) {
      keys.push_back("w" + std::to_string(w) + "-" + std::to_string(i));
      expected.push_back(w * 1000 + i);
    }
  }
  std::vector<int64_t> before = ReadValues(*table, keys);
  ASSERT_EQ(before.size(), keys.size());
  // The shared key holds the value of the newest segment's write, and that segment holds it.
  auto state = table->Snapshot();
  ASSERT_EQ(state->segments.size(), static_cast<size_t>(kWriters * kWrites));
  for (size_t k = 1; k < state->ranges.size(); ++k) {
    EXPECT_LT(state->ranges[k - 1].last, state->ranges[k].first) << "published out of id order";
  }
  const Segment& newest = *state->segments.back();
  const Column newest_values = newest.ReadColumn(1);
  for (int64_t r = 0; r < newest.keys().length; ++r) {
    if (newest.keys().KeyBytes(r) == "shared") expected[0] = newest_values.Value<int64_t>(r);
  }
  ASSERT_GE(expected[0], 0);
  EXPECT_EQ(before, expected);
  EXPECT_EQ(FilesEndingWith(dir / "t", ".tmp"), std::vector<std::string>{});

  table.reset();
  auto reopened = Table::Open(dir / "t", opts).value();
  EXPECT_EQ(ReadValues(*reopened, keys), expected);
  EXPECT_EQ(reopened->Snapshot()->segments.size(), static_cast<size_t>(kWriters * kWrites));
}

TEST(GroupCommitTest, DropDuringConcurrentWritesLeavesNoFileBehind) {
  int mixed = 0;  // rounds in which the drop came while writes were going on
  for (int round = 0; round < 5; ++round) {
    TempDir dir;
    TableOptions opts;
    opts.background_compaction = false;
    opts.tier_fan_in = 1 << 20;  // every acknowledged write stays one segment file
    opts.max_segments = 1 << 20;
    auto table = Table::Create(dir / "t", Schema(), opts).value();
    std::atomic<int> ok{0}, dropped{0}, other{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < 40; ++i) {
          auto n = table->Write({Rows({{"k" + std::to_string(w * 100 + i), i}})});
          if (n.ok()) {
            ++ok;
          } else if (n.status().code() == StatusCode::kNotFound) {
            ++dropped;
          } else {
            ++other;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 5 * round));
    table->MarkDropped();
    // Once MarkDropped returns nothing writes into the folder any more: what is there now is all
    // there will be, and no write in flight left a temporary file.
    std::set<std::string> at_drop;
    for (const auto& e : fs::directory_iterator(dir / "t")) {
      at_drop.insert(e.path().filename().string());
    }
    for (auto& t : threads) t.join();
    std::set<std::string> after;
    for (const auto& e : fs::directory_iterator(dir / "t")) {
      after.insert(e.path().filename().string());
    }
    EXPECT_EQ(after, at_drop) << "round " << round;
    EXPECT_EQ(FilesEndingWith(dir / "t", ".tmp"), std::vector<std::string>{}) << round;
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(ok.load() + dropped.load(), 160);
    // Every acknowledged write is one published segment file, and no other segment file exists.
    EXPECT_EQ(FilesEndingWith(dir / "t", ".seg").size(), static_cast<size_t>(ok.load()))
        << "round " << round;
    EXPECT_EQ(table->Snapshot()->segments.size(), static_cast<size_t>(ok.load()));
    mixed += ok.load() > 0 && dropped.load() > 0;
  }
  EXPECT_GT(mixed, 0);
}

TEST(GroupCommitTest, AReplaceCommittedDuringConcurrentWritesReopensAsItServed) {
  TempDir dir;
  TableOptions opts;
  opts.background_compaction = false;
  auto table = Table::Create(dir / "t", Schema(), opts).value();
  ASSERT_TRUE(table->Write({Rows({{"old", 1}})}).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; !stop.load(); ++i) {
        if (!table->Write({Rows({{"w" + std::to_string(w) + "-" + std::to_string(i), i}})}).ok()) {
          ++failures;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto replace = table->BeginReplace(1);
  ASSERT_TRUE(replace.ok()) << replace.status().ToString();
  ASSERT_TRUE((*replace)->Add(0, {Rows({{"new", 2}})}).ok());
  ASSERT_TRUE((*replace)->Commit("part-1").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // What the table served before the reopen is what it serves after: every key of every
  // segment, in the same segments.
  auto served = table->Snapshot();
  std::vector<std::string> keys;
  for (const auto& seg : served->segments) {
    for (int64_t r = 0; r < seg->keys().length; ++r) keys.emplace_back(seg->keys().KeyBytes(r));
  }
  keys.push_back("old");
  const std::vector<int64_t> before = ReadValues(*table, keys);
  EXPECT_EQ(before.back(), -1) << "the old content is gone";
  EXPECT_EQ(ReadValues(*table, {"new"}), std::vector<int64_t>{2});
  std::vector<SegmentRange> ranges = served->ranges;
  served.reset();
  table.reset();
  auto reopened = Table::Open(dir / "t", opts).value();
  EXPECT_EQ(ReadValues(*reopened, keys), before);
  ASSERT_EQ(reopened->Snapshot()->ranges.size(), ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_TRUE(reopened->Snapshot()->ranges[i] == ranges[i]) << i;
  }
  EXPECT_EQ(FilesEndingWith(dir / "t", ".tmp"), std::vector<std::string>{});
}

}  // namespace
}  // namespace murr
