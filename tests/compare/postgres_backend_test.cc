// The PostgreSQL backends against a real server: start (initdb + postgres in a temporary folder),
// load two batches by COPY, build the key, read back, stop. Skipped when PostgreSQL is not
// installed.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/compare/backend.h"
#include "bench/compare/workload.h"
#include "common/test_util.h"

namespace murr::compare {
namespace {

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

bool PostgresInstalled() {
  std::error_code ec;
  return std::filesystem::exists("/usr/lib/postgresql", ec);
}

Workload SmallWorkload() {
  Workload w;
  w.rows = 100;
  w.columns = 10;
  w.batch_rows = 60;
  w.read_keys = 10;
  return w;
}

// Checks *out against the workload: rows[i] is the row of the i-th key read, or -1 for a key
// the store must not have.
void ExpectRows(const Workload& w, const std::vector<int64_t>& rows, const ReadResult& out) {
  ASSERT_EQ(out.found.size(), rows.size());
  ASSERT_EQ(out.columns.size(), static_cast<size_t>(w.columns));
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(out.found[i], rows[i] >= 0 ? 1 : 0) << "key #" << i;
    for (int c = 0; c < w.columns; ++c) {
      ASSERT_EQ(out.columns[c].size(), rows.size());
      float want = rows[i] >= 0 ? ValueOf(w.seed, rows[i], c) : 0.0f;
      EXPECT_EQ(Bits(out.columns[c][i]), Bits(want)) << "key #" << i << " column " << c;
    }
  }
}

class PostgresBackendTest : public ::testing::TestWithParam<bool> {};

TEST_P(PostgresBackendTest, LoadsAndReadsBackEveryValueExactly) {
  if (!PostgresInstalled()) GTEST_SKIP() << "PostgreSQL is not installed";
  const bool bytea = GetParam();
  const Workload w = SmallWorkload();
  murr::testing::TempDir dir;
  auto backend = MakePostgresBackend(w, bytea);
  EXPECT_EQ(backend->name(), bytea ? "pg-bytea" : "pg-real");
  EXPECT_FALSE(backend->description().empty());

  Status started = backend->Start(w, dir.path());
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(backend->version().rfind("PostgreSQL ", 0), 0u) << backend->version();
  EXPECT_GT(backend->server_pid(), 0);

  Status st = backend->Write(MakeBatch(w, 0, 60));
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = backend->Write(MakeBatch(w, 60, 40));
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = backend->Finish();
  ASSERT_TRUE(st.ok()) << st.ToString();

  auto client = backend->Connect();
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  int fd = (*client)->socket_fd();
  ASSERT_GE(fd, 0);
  int nodelay = 0;
  socklen_t len = sizeof(nodelay);
  ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
  EXPECT_NE(nodelay, 0);

  // Both batches, a missing key, a repeated key (asked three times), the batch boundary.
  std::vector<int64_t> rows = {5, -1, 70, 5, 99, 0, 59, 60, 5};
  std::vector<std::string> keys;
  for (int64_t r : rows) keys.push_back(r >= 0 ? KeyOf(r) : "no-such-key");
  ReadResult out;
  st = (*client)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(w, rows, out);

  // Every row, reusing the client and the result; then keys the array literal must escape.
  rows.clear();
  keys.clear();
  for (int64_t r = 99; r >= 0; --r) {
    rows.push_back(r);
    keys.push_back(KeyOf(r));
  }
  st = (*client)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(w, rows, out);

  rows = {-1, 3, -1, -1};
  keys = {"a\"b", KeyOf(3), "back\\slash", "{1,2}"};
  st = (*client)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(w, rows, out);

  st = (*client)->Read({}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(out.found.empty());

  // A second client has its own session and prepared statement.
  auto other = backend->Connect();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  st = (*other)->Read({KeyOf(42)}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(w, {42}, out);

  backend->Stop();
  backend->Stop();
  // Reads after Stop fail as I/O errors, not crashes.
  EXPECT_FALSE((*client)->Read({KeyOf(1)}, &out).ok());
}

INSTANTIATE_TEST_SUITE_P(Layouts, PostgresBackendTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Bytea" : "Real");
                         });

TEST(PostgresBackendStartTest, MissingProgramsAreAClearError) {
  Workload w = SmallWorkload();
  w.postgres_bin_dir = "/nonexistent/postgresql/bin";
  murr::testing::TempDir dir;
  auto backend = MakePostgresBackend(w, /*bytea_layout=*/true);
  Status st = backend->Start(w, dir.path());
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/postgresql/bin"), std::string::npos) << st.message();
  backend->Stop();
}

}  // namespace
}  // namespace murr::compare
