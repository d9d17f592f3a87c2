// Failure handling of `murr serve` on a failing disk, with real processes: the server runs under
// the fault shim (fault_shim.cc, LD_PRELOAD), which makes one chosen open, write, fsync, rename
// or directory fsync fail with ENOSPC or EIO — in a segment write, in the table.json write of a
// create, in the directory fsync after a segment's or a new table's rename, in a compaction, and
// under a Flight DoPut. Each time the client gets a clear error (ENOSPC 507 / RESOURCE_EXHAUSTED,
// EIO 500 / INTERNAL) naming the file and the errno, nothing is acknowledged and nothing is left
// half-written (no .tmp, no orphan segment, no folder of a failed create), the server keeps
// serving, and a restart without the shim opens every table (none quarantined) with exactly the
// acknowledged rows.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "api/server_process.h"
#include "crash/process_util.h"
#include "murr/columnar/column.h"

namespace murr {
namespace {

namespace fs = std::filesystem;
using testing::EntryNames;
using testing::FaultEnv;
using testing::FilesEndingWith;
using testing::HttpClient;
using testing::HttpReply;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;

constexpr char kSchema[] =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"n":{"dtype":"int64"}}})";
constexpr char kShimLine[] = "fault_shim: failing ";

std::string SegmentName(int first, int last) {
  char name[64];
  std::snprintf(name, sizeof(name), "%020d-%020d.seg", first, last);
  return name;
}

std::string WriteBody(const std::vector<std::string>& keys, const std::vector<int>& values) {
  std::string ids, ns;
  for (size_t i = 0; i < keys.size(); ++i) {
    ids += (i ? ",\"" : "\"") + keys[i] + "\"";
    ns += (i ? "," : "") + std::to_string(values[i]);
  }
  return R"({"columns":{"id":[)" + ids + R"(],"n":[)" + ns + "]}}";
}

HttpReply Write(HttpClient& c, const std::string& table, const std::vector<std::string>& keys,
                const std::vector<int>& values) {
  return c.Json("PUT", "/api/v1/table/" + table + "/write", WriteBody(keys, values));
}

// The JSON of column n for `keys` of table t, e.g. [1,2,null].
std::string FetchN(HttpClient& c, const std::vector<std::string>& keys) {
  std::string body = R"({"keys":[)";
  for (size_t i = 0; i < keys.size(); ++i) body += (i ? ",\"" : "\"") + keys[i] + "\"";
  HttpReply r = c.Json("POST", "/api/v1/table/t/fetch", body + R"(],"columns":["n"]})");
  const std::string prefix = R"({"columns":{"n":)";
  if (r.status != 200 || r.body.rfind(prefix, 0) != 0)
    return "HTTP " + std::to_string(r.status) + " " + r.body;
  return r.body.substr(prefix.size(), r.body.size() - prefix.size() - 2);
}

int ErrnoOf(const std::string& name) {
  return name == "ENOSPC" ? ENOSPC : EIO;
}

// What the server answers when `op` fails with `error` in the atomic write of `file` (through
// `file`.tmp, renamed to `file`): the call, the file and the errno's text.
std::string FailureMessage(const std::string& op, const std::string& file,
                           const std::string& error) {
  std::string what;
  if (op == "open") what = "cannot create '" + file + ".tmp'";
  if (op == "write") what = "cannot write '" + file + ".tmp'";
  if (op == "fsync") what = "cannot fsync '" + file + ".tmp'";
  if (op == "rename") what = "cannot rename into place '" + file + "'";
  return what + ": " + std::strerror(ErrnoOf(error));
}
// ENOSPC is a full disk: 507. Any other I/O error is the server's: 500.
int HttpStatusOf(const std::string& error) {
  return error == "ENOSPC" ? 507 : 500;
}

bool WaitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(MURR_FAULT_SHIM)) << "the fault shim was not built: " << MURR_FAULT_SHIM;
  }

  // A restart without the shim: table t opens (not quarantined) and holds `rows` distinct keys;
  // column n of `keys` reads `expected`.
  void ExpectReopens(const std::string& yaml, int rows, const std::vector<std::string>& keys,
                     const std::string& expected) {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir_.path(), yaml)) << server.log();
    HttpClient c(server.port());
    HttpReply st = c.Send("GET", "/api/v1/table/t/status");
    EXPECT_NE(st.body.find(R"("state":"serving","rows":)" + std::to_string(rows) + ","),
              std::string::npos)
        << st.body;
    EXPECT_NE(c.Send("GET", "/metrics").body.find("murr_tables_quarantined 0\n"),
              std::string::npos);
    EXPECT_EQ(FetchN(c, keys), expected);
    EXPECT_EQ(server.Stop(), 0) << server.log();
    EXPECT_FALSE(fs::exists(cache_ + "/.murr-quarantine"));
  }

  TempDir dir_;
  const std::string cache_ = dir_ / "cache";
  const std::string yaml_ = TestConfigYaml(cache_);
};

// (call that fails, errno)
class SegmentWriteFault
    : public FaultTest,
      public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {};

TEST_P(SegmentWriteFault, FailsTheWriteClearlyLeavesNothingAndKeepsServing) {
  const auto& [op, error] = GetParam();
  const std::string seg1 = cache_ + "/t/" + SegmentName(1, 1);
  const std::string seg2 = cache_ + "/t/" + SegmentName(2, 2);
  // open, write and fsync act on the temporary file, rename names the segment it makes.
  const std::string pattern = op == "rename" ? "*/cache/t/*.seg" : "*/cache/t/*.seg.tmp";
  const std::string message = FailureMessage(op, seg2, error);
  {
    ServerProcess server;
    // The first segment write passes, the second fails.
    ASSERT_TRUE(server.Start(dir_.path(), yaml_, FaultEnv(op, error, pattern, 2))) << server.log();
    HttpClient c(server.port());
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    ASSERT_EQ(Write(c, "t", {"a", "b"}, {1, 2}).status, 200);
    HttpReply r = Write(c, "t", {"c", "d"}, {3, 4});
    EXPECT_EQ(r.status, HttpStatusOf(error)) << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
    EXPECT_NE(server.log().find(kShimLine), std::string::npos) << server.log();
    // Nothing of the failed write is on disk, and nothing of it is visible.
    EXPECT_EQ(FilesEndingWith(cache_, ".tmp"), std::vector<std::string>{});
    EXPECT_EQ(FilesEndingWith(cache_ + "/t", ".seg"), std::vector<std::string>{seg1});
    EXPECT_EQ(FetchN(c, {"a", "b", "c", "d"}), "[1,2,null,null]");
    // The disk works again: the next write is acknowledged.
    ASSERT_EQ(Write(c, "t", {"e"}, {5}).status, 200);
    EXPECT_EQ(FetchN(c, {"a", "b", "c", "d", "e"}), "[1,2,null,null,5]");
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ExpectReopens(yaml_, 3, {"a", "b", "c", "d", "e"}, "[1,2,null,null,5]");
}

INSTANTIATE_TEST_SUITE_P(EveryCallAndErrno, SegmentWriteFault,
                         ::testing::Combine(::testing::Values("open", "write", "fsync", "rename"),
                                            ::testing::Values("ENOSPC", "EIO")));

// storage.durability: none never fsyncs: a server whose every fsync would fail with EIO still
// acknowledges writes, and they read back after a restart (a clean stop: the page cache holds
// them; a power loss is what this mode gives up).
TEST_F(FaultTest, DurabilityNoneNeverFsyncs) {
  const std::string yaml = yaml_ + "  durability: none\n";
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir_.path(), yaml, FaultEnv("fsync", "EIO", "*", 1))) << server.log();
    HttpClient c(server.port());
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    ASSERT_EQ(Write(c, "t", {"a", "b"}, {1, 2}).status, 200);
    ASSERT_EQ(Write(c, "t", {"b", "c"}, {20, 3}).status, 200);
    EXPECT_EQ(FetchN(c, {"a", "b", "c"}), "[1,20,3]");
    EXPECT_EQ(server.log().find(kShimLine), std::string::npos) << "an fsync was called";
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ExpectReopens(yaml, 3, {"a", "b", "c"}, "[1,20,3]");
  // The same fault with the default durability fails the first create.
  ServerProcess durable;
  ASSERT_TRUE(durable.Start(dir_.path(), yaml_, FaultEnv("fsync", "EIO", "*", 1))) << durable.log();
  HttpClient c(durable.port());
  EXPECT_EQ(c.Json("PUT", "/api/v1/table/u", kSchema).status, 500);
  EXPECT_NE(durable.log().find(kShimLine), std::string::npos) << durable.log();
  EXPECT_EQ(durable.Stop(), 0) << durable.log();
}

class CreateFault : public FaultTest,
                    public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {};

TEST_P(CreateFault, FailsTheCreateClearlyLeavesNoFolderAndKeepsServing) {
  const auto& [op, error] = GetParam();
  const std::string schema_file = cache_ + "/.murr-creating.t/table.json";
  const std::string pattern = op == "rename" ? "*/table.json" : "*/table.json.tmp";
  const std::string message = FailureMessage(op, schema_file, error);
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir_.path(), yaml_, FaultEnv(op, error, pattern))) << server.log();
    HttpClient c(server.port());
    HttpReply r = c.Json("PUT", "/api/v1/table/t", kSchema);
    EXPECT_EQ(r.status, HttpStatusOf(error)) << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
    EXPECT_NE(server.log().find(kShimLine), std::string::npos) << server.log();
    // No table folder, no staging folder, no temporary file.
    EXPECT_EQ(EntryNames(cache_), std::vector<std::string>{".murr-cache"});
    EXPECT_EQ(c.Send("GET", "/api/v1/table/t/status").status, 404);
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    ASSERT_EQ(Write(c, "t", {"a"}, {1}).status, 200);
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ExpectReopens(yaml_, 1, {"a"}, "[1]");
}

INSTANTIATE_TEST_SUITE_P(EveryCallAndErrno, CreateFault,
                         ::testing::Combine(::testing::Values("open", "write", "fsync", "rename"),
                                            ::testing::Values("ENOSPC", "EIO")));

class DirectoryFsyncFault : public FaultTest, public ::testing::WithParamInterface<std::string> {};

// The segment is renamed into place, then the directory fsync fails: the rename may not be
// durable, so the write fails and the segment is taken back — a restart must not resurrect it.
TEST_P(DirectoryFsyncFault, AfterASegmentRenameTheWriteIsTakenBack) {
  const std::string error = GetParam();
  const std::string seg1 = cache_ + "/t/" + SegmentName(1, 1);
  const std::string seg3 = cache_ + "/t/" + SegmentName(3, 3);
  {
    ServerProcess server;
    // The first write's directory fsync passes, the second's fails.
    ASSERT_TRUE(server.Start(dir_.path(), yaml_, FaultEnv("fsync", error, "*/cache/t", 2)))
        << server.log();
    HttpClient c(server.port());
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    ASSERT_EQ(Write(c, "t", {"a", "b"}, {1, 2}).status, 200);
    HttpReply r = Write(c, "t", {"c", "d"}, {3, 4});
    EXPECT_EQ(r.status, HttpStatusOf(error)) << r.body;
    EXPECT_NE(
        r.body.find("cannot fsync directory '" + cache_ + "/t': " + std::strerror(ErrnoOf(error))),
        std::string::npos)
        << r.body;
    EXPECT_EQ(FilesEndingWith(cache_, ".tmp"), std::vector<std::string>{});
    EXPECT_EQ(FilesEndingWith(cache_ + "/t", ".seg"), std::vector<std::string>{seg1});
    EXPECT_EQ(FetchN(c, {"a", "c"}), "[1,null]");
    ASSERT_EQ(Write(c, "t", {"e"}, {5}).status, 200);
    EXPECT_EQ(FilesEndingWith(cache_ + "/t", ".seg"), (std::vector<std::string>{seg1, seg3}));
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ExpectReopens(yaml_, 3, {"a", "b", "c", "d", "e"}, "[1,2,null,null,5]");
}

// The new table's folder is renamed into place, then the cache directory's fsync fails: the
// create fails, and the folder is taken back — the name stays free in this process and the table
// does not appear after a restart.
TEST_P(DirectoryFsyncFault, AfterACreateRenameTheTableIsTakenBack) {
  {
    ServerProcess claim;  // marks the cache, which fsyncs cache_dir once
    ASSERT_TRUE(claim.Start(dir_.path(), yaml_)) << claim.log();
    EXPECT_EQ(claim.Stop(), 0);
  }
  const std::string error = GetParam();
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir_.path(), yaml_, FaultEnv("fsync", error, "*/cache")))
        << server.log();
    HttpClient c(server.port());
    HttpReply r = c.Json("PUT", "/api/v1/table/t", kSchema);
    EXPECT_EQ(r.status, HttpStatusOf(error)) << r.body;
    EXPECT_NE(
        r.body.find("cannot fsync directory '" + cache_ + "': " + std::strerror(ErrnoOf(error))),
        std::string::npos)
        << r.body;
    EXPECT_EQ(EntryNames(cache_), std::vector<std::string>{".murr-cache"});
    EXPECT_EQ(c.Send("GET", "/api/v1/table/t/status").status, 404);
    // Still serving: another create goes through.
    EXPECT_EQ(c.Json("PUT", "/api/v1/table/u", kSchema).status, 201);
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir_.path(), yaml_)) << server.log();
  HttpClient c(server.port());
  EXPECT_EQ(c.Send("GET", "/api/v1/table/t/status").status, 404);
  EXPECT_NE(c.Send("GET", "/api/v1/table/u/status").body.find(R"("state":"serving")"),
            std::string::npos);
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  ASSERT_EQ(Write(c, "t", {"a"}, {1}).status, 200);
  EXPECT_EQ(FetchN(c, {"a"}), "[1]");
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

INSTANTIATE_TEST_SUITE_P(EveryErrno, DirectoryFsyncFault, ::testing::Values("ENOSPC", "EIO"));

class CompactionFault : public FaultTest,
                        public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {
};

// With tier_fan_in 2 the second write makes a compaction merge segments 1 and 2; that merge
// fails. The table keeps both segments and reads as before; the next write's merge succeeds.
TEST_P(CompactionFault, LeavesTheTableReadableAndTheNextMergeSucceeds) {
  const auto& [op, error] = GetParam();
  const std::string merged = cache_ + "/t/" + SegmentName(1, 2);
  std::vector<std::string> env;
  if (op == "directory fsync") {
    env = FaultEnv("fsync", error, "*/cache/t", 3);  // after the two writes' own
  } else {
    env = FaultEnv(op, error,
                   op == "rename" ? "*/" + SegmentName(1, 2) : "*/" + SegmentName(1, 2) + ".tmp");
  }
  const std::string yaml = yaml_ + "  tier_fan_in: 2\n";
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir_.path(), yaml, env)) << server.log();
    HttpClient c(server.port());
    ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
    ASSERT_EQ(Write(c, "t", {"a", "b"}, {1, 2}).status, 200);
    ASSERT_EQ(Write(c, "t", {"b", "c"}, {20, 3}).status, 200);
    const std::string warning = "compaction of table 't' failed";
    ASSERT_TRUE(WaitFor([&] { return server.log().find(warning) != std::string::npos; }))
        << server.log();
    std::string log = server.log();
    EXPECT_NE(log.find(kShimLine), std::string::npos) << log;
    std::string line = log.substr(log.find(warning));
    line = line.substr(0, line.find('\n'));
    EXPECT_NE(line.find(std::strerror(ErrnoOf(error))), std::string::npos) << line;
    EXPECT_NE(line.find(cache_ + "/t"), std::string::npos) << line;
    // As it was before the merge: two segments, every row readable, nothing left of the merge.
    EXPECT_NE(c.Send("GET", "/api/v1/table/t/status").body.find(R"("rows":3,"segments":2,)"),
              std::string::npos);
    EXPECT_EQ(FetchN(c, {"a", "b", "c"}), "[1,20,3]");
    EXPECT_EQ(FilesEndingWith(cache_, ".tmp"), std::vector<std::string>{});
    EXPECT_FALSE(fs::exists(merged));
    // The next write's merge goes through (the fault fired once).
    ASSERT_EQ(Write(c, "t", {"d"}, {4}).status, 200);
    ASSERT_TRUE(WaitFor([&] {
      return c.Send("GET", "/api/v1/table/t/status").body.find(R"("segments":1,)") !=
             std::string::npos;
    })) << c.Send("GET", "/api/v1/table/t/status").body;
    EXPECT_EQ(FetchN(c, {"a", "b", "c", "d"}), "[1,20,3,4]");
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ExpectReopens(yaml, 4, {"a", "b", "c", "d"}, "[1,20,3,4]");
}

INSTANTIATE_TEST_SUITE_P(EveryCall, CompactionFault,
                         ::testing::Values(std::tuple<std::string, std::string>{"write", "ENOSPC"},
                                           std::tuple<std::string, std::string>{"write", "EIO"},
                                           std::tuple<std::string, std::string>{"fsync", "EIO"},
                                           std::tuple<std::string, std::string>{"rename", "EIO"},
                                           std::tuple<std::string, std::string>{"directory fsync",
                                                                                "EIO"}));

class FlightFault : public FaultTest, public ::testing::WithParamInterface<std::string> {};

// Flight DoPut reports a failed segment write with its gRPC code: RESOURCE_EXHAUSTED for a full
// disk, INTERNAL for an I/O error, and the same message as HTTP.
TEST_P(FlightFault, ADoPutWhoseSegmentCannotBeWrittenFailsWithTheErrno) {
  const std::string error = GetParam();
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir_.path(), yaml_, FaultEnv("write", error, "*/cache/t/*.seg.tmp")))
      << server.log();
  int grpc_port = testing::GrpcPort(server.log());
  ASSERT_GT(grpc_port, 0) << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  ColumnBuilder id(DataType::kUtf8), n(DataType::kInt64);
  ASSERT_TRUE(id.AppendString("a").ok());
  n.Append<int64_t>(1);
  Batch batch;
  batch.num_rows = 1;
  batch.fields = {{"id", DataType::kUtf8, false}, {"n", DataType::kInt64, true}};
  batch.columns = {id.Finish(), n.Finish()};
  testing::FlightClient flight(grpc_port);
  grpc::Status st = flight.Put("t", batch);
  EXPECT_EQ(st.error_code(),
            error == "ENOSPC" ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::INTERNAL)
      << st.error_message();
  EXPECT_NE(st.error_message().find("cannot write '" + cache_ + "/t/" + SegmentName(1, 1) +
                                    ".tmp': " + std::strerror(ErrnoOf(error))),
            std::string::npos)
      << st.error_message();
  EXPECT_EQ(FetchN(c, {"a"}), "[null]");
  EXPECT_TRUE(flight.Put("t", batch).ok());
  EXPECT_EQ(FetchN(c, {"a"}), "[1]");
  EXPECT_EQ(FilesEndingWith(cache_, ".tmp"), std::vector<std::string>{});
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

INSTANTIATE_TEST_SUITE_P(EveryErrno, FlightFault, ::testing::Values("ENOSPC", "EIO"));

}  // namespace
}  // namespace murr
