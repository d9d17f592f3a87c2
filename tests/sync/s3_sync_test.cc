// S3Store and S3 sources against moto's S3 server on loopback, started by the test, with
// authentication enforced (INITIAL_NO_AUTH_ACTION_COUNT=3: only the IAM set-up is unsigned), so
// that every request Murr signs is checked by botocore's SigV4 code inside moto.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cstdlib>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "murr/objstore/s3_store.h"
#include "sync/sync_test.h"

namespace murr {
namespace {

using murr::testing::Python;
using murr::testing::ReadServed;
using murr::testing::RunCommand;
using murr::testing::ServesVersion;
using murr::testing::SourceDir;
using murr::testing::TempDir;
using murr::testing::WaitFor;
using murr::testing::WritePartition;

constexpr char kBucket[] = "murr-test";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

std::string Fixture(const std::string& args) {
  std::string out;
  std::string cmd = "'" + Python() + "' '" + SourceDir() + "/tests/sync/s3_fixture.py' " + args;
  int rc = RunCommand(cmd, &out);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  return out;
}

class S3Sync : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    port_ = FreePort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setenv("INITIAL_NO_AUTH_ACTION_COUNT", "3", 1);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      std::string bin = SourceDir() + "/.venv/bin/moto_server";
      std::string p = std::to_string(port_);
      ::execl(bin.c_str(), bin.c_str(), "-H", "127.0.0.1", "-p", p.c_str(), nullptr);
      ::_exit(127);
    }
    endpoint_ = "http://127.0.0.1:" + std::to_string(port_);
    ASSERT_TRUE(WaitFor([] { return Accepts(port_); }, 60)) << "moto_server did not start";
    std::istringstream keys(Fixture("setup " + endpoint_ + " " + kBucket));
    keys >> key_ >> secret_;
    ASSERT_FALSE(secret_.empty());
    ::setenv("AWS_ACCESS_KEY_ID", key_.c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", secret_.c_str(), 1);
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  static S3Options Options() {
    S3Options o;
    o.endpoint = endpoint_;
    o.path_style = true;
    return o;
  }
  static std::shared_ptr<CredentialProvider> Creds(const std::string& key,
                                                   const std::string& secret) {
    return EnvCredentials([key, secret](const std::string& n) -> std::optional<std::string> {
      if (n == "AWS_ACCESS_KEY_ID") return key;
      if (n == "AWS_SECRET_ACCESS_KEY") return secret;
      return std::nullopt;
    });
  }
  // Writes a partition locally with `writer` and uploads it under <prefix><name>/.
  static void Upload(const std::string& prefix, const std::string& name, int rows, int files,
                     int version) {
    TempDir local;
    WritePartition(local / name, "pyarrow", rows, files, version);
    Fixture("put " + endpoint_ + " " + key_ + " " + secret_ + " " + kBucket + " " + prefix + name +
            "/ " + (local / name));
  }
  std::unique_ptr<TableService> Service(const std::string& cache, const std::string& prefix,
                                        S3Options s3, bool background = false) {
    ServiceOptions o;
    o.cache_dir = cache;
    o.table.fsync = false;
    SourceSpec spec;
    spec.table = "feat";
    spec.url = std::string("s3://") + kBucket + "/" + prefix;
    spec.key = "id";
    spec.poll_seconds = background ? 0.2 : 3600;
    o.sources.push_back(spec);
    o.s3 = s3;
    o.sync_in_background = background;
    auto svc = TableService::Open(o);
    EXPECT_TRUE(svc.ok()) << svc.status().ToString();
    return svc.ok() ? std::move(*svc) : nullptr;
  }
  static SyncStatus StatusOf(const TableService& svc) { return svc.GetStatus("feat")->sync; }

  static inline int port_ = 0;
  static inline pid_t pid_ = -1;
  static inline std::string endpoint_, key_, secret_;
};

TEST_F(S3Sync, StoreListsHeadsAndReadsRangesWithSignedRequests) {
  Upload("store/", "p1", 10, 2, 1);
  S3Store store(kBucket, Options(), Creds(key_, secret_));
  auto page = store.List("store/", "/", "", 1000);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"store/p1/"}));
  auto all = ListAll(store, "store/p1/", "");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->objects.size(), 3u);
  EXPECT_EQ(all->objects[2].key, "store/p1/part-00001.parquet");
  auto head = store.Head("store/p1/part-00001.parquet");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, all->objects[2].size);
  EXPECT_EQ(head->etag, all->objects[2].etag);
  auto whole = GetObject(store, *head, 100);  // ranged GETs of 100 bytes
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->size(), static_cast<size_t>(head->size));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(whole->data()), 4), "PAR1");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(whole->data()) + head->size - 4, 4), "PAR1");
  EXPECT_EQ(store.Head("store/p1/nothing").status().code(), StatusCode::kNotFound);
  // A stale ETag: the store refuses (If-Match).
  EXPECT_FALSE(store.GetRange(head->key, 0, 4, "\"0123456789abcdef0123456789abcdef\"").ok());
  // One key per page: the continuation token is followed.
  auto p1 = store.List("store/p1/", "", "", 1);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->objects.size(), 1u);
  EXPECT_FALSE(p1->next_token.empty());
}

// Accepts one connection on a free loopback port, returns the request's head and answers an
// empty listing.
class OneShotServer {
 public:
  OneShotServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 1);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      char buf[8192];
      while (head_.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof(buf));
        if (n <= 0) break;
        head_.append(buf, static_cast<size_t>(n));
      }
      std::string body = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\nConnection: close\r\n\r\n" + body;
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
    });
  }
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::string Head() {
    if (thread_.joinable()) thread_.join();
    return head_;
  }
  // The value of header `name` (lower case) in the request.
  std::string Header(const std::string& name) {
    std::string lower = head_;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return "";
    size_t start = head_.find_first_not_of(' ', at + name.size() + 3);
    return head_.substr(start, head_.find("\r\n", start) - start);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::string head_;
  std::thread thread_;
};

TEST_F(S3Sync, OurSignatureEqualsBotocoresForTheSameRequest) {
  OneShotServer server;
  S3Options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  o.path_style = true;
  o.region = "eu-west-3";
  S3Store store("bucket-1", o, Creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
  // Query parameters that need encoding and sorting.
  ASSERT_TRUE(store.List("dt=2026/a b+c/", "/", "tok/en=1", 7).ok());
  server.Head();
  std::string auth = server.Header("authorization");
  std::string date = server.Header("x-amz-date");
  ASSERT_FALSE(auth.empty());
  ASSERT_FALSE(date.empty());
  std::string head = server.Head();
  std::string target = head.substr(4, head.find(' ', 4) - 4);  // "GET <target> HTTP/1.1"
  std::string url = o.endpoint + target;
  std::string botocore =
      Fixture("sign x AKIDEXAMPLE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY eu-west-3 '" + url +
              "' " + date);
  while (!botocore.empty() && (botocore.back() == '\n' || botocore.back() == '\r')) {
    botocore.pop_back();
  }
  EXPECT_EQ(auth, botocore) << url;
}

TEST_F(S3Sync, AWrongSignatureIsRefusedWith403) {
  S3Store store(kBucket, Options(), Creds(key_, secret_ + "x"));
  auto page = store.List("", "/", "", 10);
  ASSERT_FALSE(page.ok());
  EXPECT_NE(page.status().message().find("HTTP 403"), std::string::npos)
      << page.status().ToString();
  EXPECT_EQ(page.status().message().find(secret_), std::string::npos);  // never the secret
  S3Store unknown(kBucket, Options(), Creds("AKIAUNKNOWNUNKNOWN00", "whatever"));
  EXPECT_FALSE(unknown.List("", "/", "", 10).ok());
}

TEST_F(S3Sync, ASourceLoadsSwapsAndSurvivesA403AndStorageDown) {
  TempDir cache;
  Upload("feat/", "dt=1", 40, 2, 1);
  auto svc = Service(cache.path(), "feat/", Options());
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok()) << StatusOf(*svc).last_error;
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 1));
  Upload("feat/", "dt=2", 40, 3, 2);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok()) << StatusOf(*svc).last_error;
  EXPECT_EQ(StatusOf(*svc).partition, "dt=2");
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 2));
  svc.reset();
  // 403 (a bad secret): the stored version serves, status says why.
  ::setenv("AWS_SECRET_ACCESS_KEY", (secret_ + "x").c_str(), 1);
  svc = Service(cache.path(), "feat/", Options());
  ASSERT_TRUE(svc);
  EXPECT_FALSE(svc->CheckSourceNow("feat").ok());
  ::setenv("AWS_SECRET_ACCESS_KEY", secret_.c_str(), 1);
  EXPECT_NE(StatusOf(*svc).last_error.find("403"), std::string::npos) << StatusOf(*svc).last_error;
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 2));
  svc.reset();
  // Storage down (nothing listens): same.
  S3Options down = Options();
  down.endpoint = "http://127.0.0.1:" + std::to_string(FreePort());
  svc = Service(cache.path(), "feat/", down);
  ASSERT_TRUE(svc);
  EXPECT_FALSE(svc->CheckSourceNow("feat").ok());
  EXPECT_NE(StatusOf(*svc).last_error.find("cannot list"), std::string::npos)
      << StatusOf(*svc).last_error;
  EXPECT_EQ(StatusOf(*svc).partition, "dt=2");
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 40), 2));
}

TEST_F(S3Sync, APartitionOf1500ObjectsPaginatesAndLoadsWhole) {
  TempDir cache;
  auto t0 = std::chrono::steady_clock::now();
  Fixture("bulk " + endpoint_ + " " + key_ + " " + secret_ + " " + kBucket + " bulk/dt=1/ 1500 3");
  auto t1 = std::chrono::steady_clock::now();
  auto svc = Service(cache.path(), "bulk/", Options());
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->CheckSourceNow("feat").ok()) << StatusOf(*svc).last_error;
  auto t2 = std::chrono::steady_clock::now();
  std::printf("upload %.2f s, load %.2f s\n", std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  SyncStatus s = StatusOf(*svc);
  EXPECT_EQ(s.partition, "dt=1");
  EXPECT_EQ(s.partition_rows, 1500);
  EXPECT_TRUE(ServesVersion(*ReadServed(*svc, "feat", 1500), 3));
}

TEST_F(S3Sync, TwoWorkersPollingOneBucketConverge) {
  TempDir a_cache, b_cache;
  Upload("conv/", "0001", 20, 1, 1);
  auto a = Service(a_cache.path(), "conv/", Options(), true);
  auto b = Service(b_cache.path(), "conv/", Options(), true);
  ASSERT_TRUE(a && b);
  Upload("conv/", "0002", 20, 2, 2);
  ASSERT_TRUE(WaitFor([&] {
    return StatusOf(*a).partition == "0002" && StatusOf(*b).partition == "0002";
  })) << StatusOf(*a).last_error
      << StatusOf(*b).last_error;
  EXPECT_TRUE(ServesVersion(*ReadServed(*a, "feat", 20), 2));
  EXPECT_TRUE(ServesVersion(*ReadServed(*b, "feat", 20), 2));
}

}  // namespace
}  // namespace murr
