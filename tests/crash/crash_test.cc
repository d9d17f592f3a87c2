// Crash safety of `murr serve`, with real processes: the server is killed (SIGKILL) at random
// points while HTTP writers, a Flight DoPut writer and compaction (tier_fan_in 2, idle merges
// after 1 s) all run, and restarted on the same cache_dir, round after round. After every restart
// each acknowledged write reads back value for value, each write that was in flight at the kill is
// there whole or not at all, overwritten keys hold the last applied write (last write wins), and
// no table is quarantined. The random choices come from a printed seed (CRASH_TEST_SEED repeats
// them; the kill's exact instant is up to the scheduler).
#include <signal.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "api/server_process.h"
#include "crash/process_util.h"
#include "murr/columnar/column.h"

namespace murr {
namespace {

namespace fs = std::filesystem;
using testing::Cells;
using testing::FlightClient;
using testing::HttpClient;
using testing::HttpReply;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;

constexpr char kSchema[] =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"w":{"dtype":"int64"},)"
    R"("v":{"dtype":"int64"},"s":{"dtype":"utf8"}}})";
// Keys that every write of one writer may overwrite (a writer's writes are sequential, so the
// last applied one is known).
constexpr int kHotKeys = 6;
constexpr size_t kFetchChunk = 4000;

// One write: rows for its own keys (never written again, so "all or nothing" is checkable) and
// for some of its writer's hot keys.
struct Write {
  int64_t id = 0;  // unique over the test
  int own_keys = 0;
  std::vector<int> hot;
};

std::string OwnKey(int64_t id, int j) {
  return "k" + std::to_string(id) + "." + std::to_string(j);
}
std::string HotKey(int writer, int h) {
  return "h" + std::to_string(writer) + "." + std::to_string(h);
}

// The values write `id` gives to its row `slot` (own key j: slot j; hot key h: slot 1000 + h).
struct Row {
  std::string w, v, s;
};
Row RowOf(int64_t id, int slot) {
  return {std::to_string(id), std::to_string(id * 10000 + slot),
          "s" + std::to_string(id) + "." + std::to_string(slot)};
}

struct Writer {
  int index = 0;
  bool flight = false;
  std::string table;
  int64_t next_seq = 0;
  std::vector<Write> applied;      // acknowledged, or in flight and found whole
  std::optional<Write> in_flight;  // sent, no answer when the server died
  std::vector<int64_t> hot_owner = std::vector<int64_t>(kHotKeys, -1);  // last applied write
  std::string error;  // a failure while the server was not being killed
  int64_t acknowledged = 0;
};

void Apply(Writer* w, const Write& wr) {
  for (int h : wr.hot) w->hot_owner[h] = wr.id;
  w->applied.push_back(wr);
}

Write NextWrite(Writer* w, std::mt19937_64& rng) {
  Write wr;
  wr.id = int64_t{w->index} * 1000000 + w->next_seq++;
  wr.own_keys = 1 + static_cast<int>(rng() % 30);
  for (int h = 0; h < kHotKeys; ++h) {
    if (rng() % 3 == 0) wr.hot.push_back(h);
  }
  return wr;
}

std::string WriteJson(const Writer& w, const Write& wr) {
  std::string id, wv, v, s;
  auto add = [&](const std::string& key, int slot) {
    Row r = RowOf(wr.id, slot);
    const char* sep = id.empty() ? "" : ",";
    id += sep + ("\"" + key + "\"");
    wv += sep + r.w;
    v += sep + r.v;
    s += sep + ("\"" + r.s + "\"");
  };
  for (int j = 0; j < wr.own_keys; ++j) add(OwnKey(wr.id, j), j);
  for (int h : wr.hot) add(HotKey(w.index, h), 1000 + h);
  return R"({"columns":{"id":[)" + id + R"(],"w":[)" + wv + R"(],"v":[)" + v + R"(],"s":[)" + s +
         "]}}";
}

Batch WriteBatch(const Writer& w, const Write& wr) {
  ColumnBuilder id(DataType::kUtf8), wv(DataType::kInt64), v(DataType::kInt64), s(DataType::kUtf8);
  auto add = [&](const std::string& key, int slot) {
    Row r = RowOf(wr.id, slot);
    EXPECT_TRUE(id.AppendString(key).ok());
    wv.Append<int64_t>(std::stoll(r.w));
    v.Append<int64_t>(std::stoll(r.v));
    EXPECT_TRUE(s.AppendString(r.s).ok());
  };
  for (int j = 0; j < wr.own_keys; ++j) add(OwnKey(wr.id, j), j);
  for (int h : wr.hot) add(HotKey(w.index, h), 1000 + h);
  Batch b;
  b.num_rows = id.length();
  b.fields = {{"id", DataType::kUtf8, false},
              {"w", DataType::kInt64, true},
              {"v", DataType::kInt64, true},
              {"s", DataType::kUtf8, true}};
  b.columns = {id.Finish(), wv.Finish(), v.Finish(), s.Finish()};
  return b;
}

// Writes until the server dies (`killing` was set before it was killed) or `stop` is set.
void RunWriter(Writer* w, int http_port, int grpc_port, uint64_t seed,
               const std::atomic<bool>& stop, const std::atomic<bool>& killing) {
  std::mt19937_64 rng(seed);
  HttpClient http(http_port);
  std::optional<FlightClient> flight;
  if (w->flight) flight.emplace(grpc_port);
  while (!stop.load()) {
    Write wr = NextWrite(w, rng);
    w->in_flight = wr;
    bool ok = false;
    std::string why;
    if (w->flight) {
      grpc::Status st = flight->Put(w->table, WriteBatch(*w, wr));
      ok = st.ok();
      why = "Flight DoPut: " + std::to_string(st.error_code()) + " " + st.error_message();
    } else {
      HttpReply r = http.Json("PUT", "/api/v1/table/" + w->table + "/write", WriteJson(*w, wr));
      ok = r.status == 200;
      why = "HTTP " + std::to_string(r.status) + " " + r.body;
    }
    if (!ok) {
      if (!killing.load()) w->error = "write " + std::to_string(wr.id) + " failed: " + why;
      return;  // the server is gone: this write stays in flight
    }
    Apply(w, wr);
    w->in_flight.reset();
    ++w->acknowledged;
  }
}

// Fetches columns w, v, s of `keys` from `table`; one Row (or nullopt) per key.
std::vector<std::optional<Row>> Fetch(HttpClient& c, const std::string& table,
                                      const std::vector<std::string>& keys) {
  std::vector<std::optional<Row>> out;
  for (size_t at = 0; at < keys.size(); at += kFetchChunk) {
    std::string body = R"({"keys":[)";
    for (size_t i = at; i < keys.size() && i < at + kFetchChunk; ++i) {
      body += (i == at ? "\"" : ",\"") + keys[i] + "\"";
    }
    body += R"(],"columns":["w","v","s"]})";
    HttpReply r = c.Json("POST", "/api/v1/table/" + table + "/fetch", body);
    Cells cells;
    if (r.status != 200 || !testing::ParseFetchReply(r.body, &cells) || cells["w"].empty() ||
        cells["w"].size() != cells["v"].size() || cells["w"].size() != cells["s"].size()) {
      ADD_FAILURE() << "fetch from '" << table << "' failed: " << r.status << " " << r.body;
      out.resize(keys.size());
      return out;
    }
    for (size_t i = 0; i < cells["w"].size(); ++i) {
      if (!cells["w"][i] && !cells["v"][i] && !cells["s"][i]) {
        out.emplace_back(std::nullopt);
      } else {
        out.push_back(Row{cells["w"][i].value_or("null"), cells["v"][i].value_or("null"),
                          cells["s"][i].value_or("null")});
      }
    }
  }
  return out;
}

std::string Describe(const std::optional<Row>& r) {
  return r ? "{" + r->w + ", " + r->v + ", " + r->s + "}" : "nothing";
}

bool Same(const std::optional<Row>& got, const Row& want) {
  return got && got->w == want.w && got->v == want.v && got->s == want.s;
}

struct Tally {
  int64_t in_flight = 0;          // writes in flight at a kill
  int64_t in_flight_applied = 0;  // ... of which the restart had the whole write
  int64_t failures = 0;
};

// After a restart: the in-flight write is whole or absent (and is applied if whole); every
// applied write reads back value for value; hot keys hold their last applied write.
void Verify(HttpClient& c, Writer* w, int round, Tally* tally) {
  auto fail = [&](const std::string& what) {
    if (++tally->failures <= 20)
      ADD_FAILURE() << "round " << round << ", writer " << w->index << " (table '" << w->table
                    << "'): " << what;
  };
  if (w->in_flight) {
    const Write& wr = *w->in_flight;
    ++tally->in_flight;
    std::vector<std::string> keys;
    for (int j = 0; j < wr.own_keys; ++j) keys.push_back(OwnKey(wr.id, j));
    auto rows = Fetch(c, w->table, keys);
    int present = 0;
    for (int j = 0; j < wr.own_keys; ++j) {
      if (rows[j]) {
        ++present;
        if (!Same(rows[j], RowOf(wr.id, j))) {
          fail("key " + keys[j] + " of the in-flight write holds " + Describe(rows[j]));
        }
      }
    }
    if (present == wr.own_keys) {
      ++tally->in_flight_applied;
      Apply(w, wr);
    } else if (present != 0) {
      fail("the write " + std::to_string(wr.id) + " in flight at the kill is torn: " +
           std::to_string(present) + " of its " + std::to_string(wr.own_keys) + " rows are there");
    }
    w->in_flight.reset();
  }
  std::vector<std::string> keys;
  std::vector<Row> want;
  for (const Write& wr : w->applied) {
    for (int j = 0; j < wr.own_keys; ++j) {
      keys.push_back(OwnKey(wr.id, j));
      want.push_back(RowOf(wr.id, j));
    }
  }
  auto rows = Fetch(c, w->table, keys);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!Same(rows[i], want[i])) {
      fail("acknowledged key " + keys[i] + " holds " + Describe(rows[i]) + ", wrote " +
           Describe(want[i]));
    }
  }
  std::vector<std::string> hot;
  for (int h = 0; h < kHotKeys; ++h) hot.push_back(HotKey(w->index, h));
  auto hot_rows = Fetch(c, w->table, hot);
  for (int h = 0; h < kHotKeys; ++h) {
    int64_t owner = w->hot_owner[h];
    if (owner < 0 ? hot_rows[h].has_value() : !Same(hot_rows[h], RowOf(owner, 1000 + h))) {
      fail("overwritten key " + hot[h] + " holds " + Describe(hot_rows[h]) +
           ", the last applied write was " +
           (owner < 0 ? std::string("none") : Describe(RowOf(owner, 1000 + h))));
    }
  }
}

// Segment files of `dir` that a compaction wrote ("<first>-<last>.seg" with first < last).
int MergedSegments(const std::string& dir) {
  int n = 0;
  for (const std::string& name : testing::EntryNames(dir)) {
    if (name.size() == 45 && name.ends_with(".seg") && name.substr(0, 20) != name.substr(21, 20)) {
      ++n;
    }
  }
  return n;
}

uint64_t Seed() {
  if (const char* s = std::getenv("CRASH_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device()();
}

TEST(MurrCrash, KilledAtRandomPointsItKeepsEveryAcknowledgedWriteAndTearsNone) {
  const uint64_t seed = Seed();
  std::printf("crash test seed: %" PRIu64 " (CRASH_TEST_SEED=%" PRIu64 " repeats it)\n", seed,
              seed);
  std::fflush(stdout);
  RecordProperty("seed", std::to_string(seed));
  // Sanitized builds are several times slower: fewer rounds, the same checks.
  const int rounds = std::getenv("MURR_SANITIZED") ? 10 : 30;
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return lo + static_cast<int>(rng() % (hi - lo + 1)); };

  TempDir dir;
  const std::string cache = dir / "cache";
  const std::string yaml =
      TestConfigYaml(cache) + "  tier_fan_in: 2\n  idle_compaction_seconds: 1\n";
  // Two HTTP writers on tables a and b, and a Flight writer on table a beside the first.
  std::vector<Writer> writers(3);
  for (int i = 0; i < 3; ++i) {
    writers[i].index = i;
    writers[i].flight = i == 2;
    writers[i].table = i == 1 ? "b" : "a";
  }
  Tally tally;
  int merged_seen = 0;

  for (int round = 0; round <= rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " + std::to_string(seed));
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    const int grpc_port = testing::GrpcPort(server.log());
    ASSERT_GT(grpc_port, 0) << server.log();
    HttpClient c(server.port());
    if (round == 0) {
      for (const char* t : {"a", "b"}) {
        ASSERT_EQ(c.Json("PUT", std::string("/api/v1/table/") + t, kSchema).status, 201);
      }
    } else {
      for (const char* t : {"a", "b"}) {
        HttpReply st = c.Send("GET", std::string("/api/v1/table/") + t + "/status");
        EXPECT_NE(st.body.find(R"("state":"serving")"), std::string::npos) << st.body;
      }
      HttpReply m = c.Send("GET", "/metrics");
      EXPECT_NE(m.body.find("murr_tables_quarantined 0\n"), std::string::npos) << m.body;
      EXPECT_FALSE(fs::exists(cache + "/.murr-quarantine")) << server.log();
      // Murr's temporary files of the killed writes and merges are gone once the tables opened.
      EXPECT_EQ(testing::FilesEndingWith(cache, ".tmp"), std::vector<std::string>{});
      for (Writer& w : writers) Verify(c, &w, round, &tally);
      ASSERT_LE(tally.failures, 0) << server.log();
    }
    merged_seen += MergedSegments(cache + "/a") + MergedSegments(cache + "/b");
    if (round == rounds) {
      EXPECT_EQ(server.Stop(), 0) << server.log();
      break;
    }

    std::atomic<bool> stop{false}, killing{false};
    std::vector<std::thread> threads;
    for (Writer& w : writers) {
      threads.emplace_back(RunWriter, &w, server.port(), grpc_port, rng(), std::cref(stop),
                           std::cref(killing));
    }
    if (round % 4 == 3) {
      // A quiet spell: the writers stop, and the kill lands around the idle full merge.
      std::this_thread::sleep_for(std::chrono::milliseconds(uniform(100, 300)));
      stop = true;
      for (auto& t : threads) t.join();
      threads.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(uniform(900, 1500)));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(uniform(20, 400)));
    }
    killing = true;
    EXPECT_EQ(server.Stop(SIGKILL), 128 + SIGKILL);
    for (auto& t : threads) t.join();
    for (const Writer& w : writers) ASSERT_EQ(w.error, "") << server.log();
  }

  int64_t acknowledged = 0, rows = 0;
  for (const Writer& w : writers) {
    acknowledged += w.acknowledged;
    for (const Write& wr : w.applied) rows += wr.own_keys + static_cast<int64_t>(wr.hot.size());
  }
  std::printf("%d kills: %" PRId64 " writes acknowledged, %" PRId64 " in flight at a kill (%" PRId64
              " found whole, the rest absent), %" PRId64 " rows applied, %d merged segments seen\n",
              rounds, acknowledged, tally.in_flight, tally.in_flight_applied, rows, merged_seen);
  // The run must have exercised what it claims to check.
  EXPECT_GT(acknowledged, 0);
  EXPECT_GT(tally.in_flight, 0) << "no kill ever caught a write in flight";
  EXPECT_GT(merged_seen, 0) << "no compaction ever ran";
}

// A kill during the very first start, while the cache marker was being written, leaves only the
// marker's temporary file; the next start must take the directory as Murr's, not as foreign.
TEST(MurrCrash, AKillWhileTheCacheMarkerIsWrittenLeavesACacheThatStarts) {
  TempDir dir;
  const std::string cache = dir / "cache";
  fs::create_directories(cache);
  testing::WriteStringToFile(cache + "/.murr-cache.tmp", "This directory is a Mu");
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(cache))) << server.log();
  EXPECT_EQ(testing::EntryNames(cache), std::vector<std::string>{".murr-cache"});
  HttpClient c(server.port());
  EXPECT_NE(c.Send("GET", "/metrics").body.find("murr_cache_foreign_entries 0\n"),
            std::string::npos);
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

}  // namespace
}  // namespace murr
