// The Redis backends of murr_compare against a real redis-server: write a small workload, read it
// back (missing and repeated keys included) and check every value bit for bit.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/compare/backend.h"
#include "bench/compare/process.h"
#include "bench/compare/workload.h"
#include "common/test_util.h"

namespace murr::compare {
namespace {

using Factory = std::function<std::unique_ptr<Backend>(const Workload&)>;

struct RedisCase {
  std::string name;
  Factory make;
};

class RedisBackendTest : public ::testing::TestWithParam<RedisCase> {
 protected:
  void SetUp() override {
    if (!FindProgram({"/usr/bin/redis-server", "/usr/local/bin/redis-server"}).ok()) {
      GTEST_SKIP() << "redis-server is not installed";
    }
    w_.rows = 100;
    w_.columns = 10;
    w_.seed = 42;
    backend_ = GetParam().make(w_);
    ASSERT_EQ(backend_->name(), GetParam().name);
    Status st = backend_->Start(w_, dir_.path());
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  void TearDown() override {
    if (backend_ != nullptr) backend_->Stop();
  }

  // Checks `out` against the workload for `keys` (decimal row numbers, or keys no row has).
  void ExpectRows(const std::vector<std::string>& keys, const ReadResult& out) {
    ASSERT_EQ(out.columns.size(), static_cast<size_t>(w_.columns));
    ASSERT_EQ(out.found.size(), keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      char* end = nullptr;
      long long row = std::strtoll(keys[i].c_str(), &end, 10);
      bool exists = !keys[i].empty() && *end == '\0' && row >= 0 && row < w_.rows;
      EXPECT_EQ(out.found[i], exists ? 1 : 0) << "key " << keys[i];
      for (int c = 0; c < w_.columns; ++c) {
        ASSERT_EQ(out.columns[c].size(), keys.size());
        float want = exists ? ValueOf(w_.seed, row, c) : 0.0f;
        // Bit for bit: the value must survive the round trip exactly.
        EXPECT_EQ(std::memcmp(&out.columns[c][i], &want, sizeof(float)), 0)
            << "key " << keys[i] << " column " << c << ": got " << out.columns[c][i] << ", want "
            << want;
      }
    }
  }

  Workload w_;
  murr::testing::TempDir dir_;
  std::unique_ptr<Backend> backend_;
};

TEST_P(RedisBackendTest, WritesAndReadsBackEveryValue) {
  EXPECT_EQ(backend_->version().rfind("Redis ", 0), 0u) << backend_->version();
  EXPECT_GT(backend_->server_pid(), 0);
  EXPECT_FALSE(backend_->description().empty());

  Status st = backend_->Write(MakeBatch(w_, 0, w_.rows));
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = backend_->Finish();
  ASSERT_TRUE(st.ok()) << st.ToString();

  auto client = backend_->Connect();
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  int fd = (*client)->socket_fd();
  ASSERT_GE(fd, 0);
  int nodelay = 0;
  socklen_t len = sizeof(nodelay);
  ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0) << std::strerror(errno);
  EXPECT_NE(nodelay, 0);

  ReadResult out;
  std::vector<std::string> keys = {"0", "99", "no-such-key", "42", "42", "7", "100"};
  st = (*client)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(keys, out);

  // Every row, then a smaller read on the same client and result (both reused).
  std::vector<std::string> all;
  for (int64_t r = w_.rows - 1; r >= 0; --r) all.push_back(KeyOf(r));
  st = (*client)->Read(all, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(all, out);
  keys = {"no-such-key", "3"};
  st = (*client)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(keys, out);

  // No keys: an empty answer, no error.
  st = (*client)->Read({}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(out.found.empty());

  // A second client reads the same.
  auto other = backend_->Connect();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  keys = {"5", "5", "no-such-key"};
  st = (*other)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(keys, out);
}

TEST_P(RedisBackendTest, WrongShapedRowIsCorruptionAndClientStaysUsable) {
  ASSERT_TRUE(backend_->Write(MakeBatch(w_, 0, w_.rows)).ok());
  // A row of 3 columns: a 12-byte blob, or a hash with only col_0..col_2.
  DataBatch bad;
  bad.first_row = w_.rows;
  bad.keys = {"short"};
  bad.columns = {{1.0f}, {2.0f}, {3.0f}};
  Status st = backend_->Write(bad);
  ASSERT_TRUE(st.ok()) << st.ToString();

  auto client = backend_->Connect();
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ReadResult out;
  st = (*client)->Read({"1", "short", "2"}, &out);
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("'short'"), std::string::npos) << st.ToString();

  // The connection is still in step with its commands.
  std::vector<std::string> keys = {"2", "1"};
  st = (*client)->Read(keys, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectRows(keys, out);
}

TEST_P(RedisBackendTest, StopTwiceIsFine) {
  pid_t pid = backend_->server_pid();
  ASSERT_GT(pid, 0);
  backend_->Stop();
  EXPECT_EQ(backend_->server_pid(), -1);
  EXPECT_NE(kill(pid, 0), 0) << "redis-server " << pid << " still runs after Stop";
  backend_->Stop();
  // And the destructor after that.
  backend_.reset();
}

INSTANTIATE_TEST_SUITE_P(Redis, RedisBackendTest,
                         ::testing::Values(RedisCase{"redis-blob", MakeRedisBlobBackend},
                                           RedisCase{"redis-feast", MakeRedisFeastBackend}),
                         [](const ::testing::TestParamInfo<RedisCase>& info) {
                           return info.param.name == "redis-blob" ? std::string("Blob")
                                                                  : std::string("Feast");
                         });

}  // namespace
}  // namespace murr::compare
