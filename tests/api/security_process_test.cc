// `murr serve` facing untrusted networks: bearer tokens on HTTP and Flight (scopes, open routes,
// tokens never logged), TLS on both (with a CA the test generates), and the connection limits
// (max connections, target and header limits, a trickling body, a client that never reads, a
// stalled Flight stream).
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/server_process.h"
#include "common/batch_util.h"
#include "murr/api/flight/flight.grpc.pb.h"
#include "murr/api/flight/flight_wire.h"
#include "murr/codec/arrow_ipc.h"

namespace murr {
namespace {

namespace pb = arrow::flight::protocol;
using testing::HttpClient;
using testing::HttpReply;
using testing::ReadFileToString;
using testing::RunCommand;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestConfigYaml;
using testing::WriteStringToFile;

constexpr char kSchema[] =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"n":{"dtype":"int64"}}})";
constexpr char kReadToken[] = "read-token-0123456789";
constexpr char kWriteToken[] = "write-token-0123456789";
constexpr char kFileToken[] = "file-write-token-abcdef";

HttpReply Authed(HttpClient& c, const std::string& method, const std::string& target,
                 const std::string& body, const std::string& token) {
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return c.Send(method, target, body, headers);
}

grpc::Status FlightAction(pb::FlightService::Stub* stub, const std::string& token,
                          const std::string& type, const std::string& body) {
  grpc::ClientContext ctx;
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  pb::Action action;
  action.set_type(type);
  action.set_body(body);
  auto reader = stub->DoAction(&ctx, action);
  pb::Result r;
  while (reader->Read(&r)) {
  }
  return reader->Finish();
}

grpc::Status FlightGetSchema(pb::FlightService::Stub* stub, const std::string& token,
                             const std::string& table) {
  grpc::ClientContext ctx;
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  pb::FlightDescriptor d;
  d.set_type(pb::FlightDescriptor::PATH);
  d.add_path(table);
  pb::SchemaResult result;
  return stub->GetSchema(&ctx, d, &result);
}

// A DoPut into `table` of one row ("k", 7), or with rows > 0 of the rows (str(i), i).
// `sent`, when given, is set once the whole stream is sent.
grpc::Status FlightPut(pb::FlightService::Stub* stub, const std::string& token,
                       const std::string& table, int rows = 0, std::atomic<bool>* sent = nullptr) {
  grpc::ClientContext ctx;
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  auto stream = stub->DoPut(&ctx);
  std::vector<Field> fields = {{"id", DataType::kUtf8, false}, {"n", DataType::kInt64, true}};
  ColumnBuilder k(DataType::kUtf8), n(DataType::kInt64);
  if (rows == 0) {
    (void)k.AppendString("k");
    n.Append<int64_t>(7);
  }
  for (int i = 0; i < rows; ++i) {
    (void)k.AppendString(std::to_string(i));
    n.Append<int64_t>(i);
  }
  Batch b;
  b.fields = fields;
  b.columns = {k.Finish(), n.Finish()};
  b.num_rows = rows == 0 ? 1 : rows;
  auto parts = EncodeArrowIpcStream(b, size_t{1} << 20);
  if (!parts.ok()) return {grpc::StatusCode::INTERNAL, "encode"};
  bool first = true;
  for (const IpcMessage& msg : parts->messages) {
    pb::FlightData data;
    if (first) {
      data.mutable_flight_descriptor()->set_type(pb::FlightDescriptor::PATH);
      data.mutable_flight_descriptor()->add_path(table);
      first = false;
    }
    data.set_data_header(msg.metadata);
    std::vector<ConstSlice> body;
    msg.AppendBodySlices(&body);
    std::string bytes;
    for (const auto& s : body) bytes.append(static_cast<const char*>(s.data), s.size);
    data.set_data_body(bytes);
    if (!stream->Write(data)) break;
  }
  stream->WritesDone();
  if (sent) *sent = true;
  pb::PutResult result;
  while (stream->Read(&result)) {
  }
  return stream->Finish();
}

TEST(MurrSecurity, BearerTokensGuardHttpAndFlight) {
  TempDir dir;
  WriteStringToFile(dir / "tokens",
                    std::string("# written by the test\n\nwrite:") + kFileToken + "\n");
  std::string yaml = TestConfigYaml(dir / "cache") + "auth:\n  tokens: read:" + kReadToken +
                     ",write:" + kWriteToken + "\n  tokens_file: " + (dir / "tokens") + "\n";
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
  HttpClient c(server.port());

  // No token, a wrong one, a malformed header: 401 with a challenge.
  HttpReply r = Authed(c, "GET", "/api/v1/table", "", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"murr\"");
  EXPECT_NE(r.body.find("Authorization: Bearer <token>"), std::string::npos) << r.body;
  EXPECT_EQ(Authed(c, "GET", "/api/v1/table", "", "read-token-0123456788").status, 401);
  EXPECT_EQ(c.Send("GET", "/api/v1/table", "", {{"Authorization", kReadToken}}).status, 401);
  EXPECT_EQ(c.Send("GET", "/api/v1/table", "", {{"Authorization", "Basic abc"}}).status, 401);
  // The scheme is case-insensitive.
  EXPECT_EQ(
      c.Send("GET", "/api/v1/table", "", {{"Authorization", std::string("bearer ") + kReadToken}})
          .status,
      200);
  // Health is open by default, metrics is not.
  EXPECT_EQ(c.Send("GET", "/health").status, 200);
  EXPECT_EQ(c.Send("GET", "/metrics").status, 401);
  EXPECT_EQ(Authed(c, "GET", "/metrics", "", kReadToken).status, 200);

  // A read token reads; it cannot create, write or drop (403).
  EXPECT_EQ(Authed(c, "PUT", "/api/v1/table/t", kSchema, kReadToken).status, 403);
  ASSERT_EQ(Authed(c, "PUT", "/api/v1/table/t", kSchema, kWriteToken).status, 201);
  EXPECT_EQ(
      Authed(c, "PUT", "/api/v1/table/t/write", R"({"columns":{"id":["a"],"n":[1]}})", kReadToken)
          .status,
      403);
  EXPECT_EQ(
      Authed(c, "PUT", "/api/v1/table/t/write", R"({"columns":{"id":["a"],"n":[1]}})", kFileToken)
          .status,
      200);
  r = Authed(c, "POST", "/api/v1/table/t/fetch", R"({"keys":["a"],"columns":["n"]})", kReadToken);
  EXPECT_EQ(r.body, R"({"columns":{"n":[1]}})");
  EXPECT_EQ(
      Authed(c, "POST", "/api/v1/table/t/fetch", R"({"keys":["a"],"columns":["n"]})", "").status,
      401);
  EXPECT_EQ(Authed(c, "GET", "/api/v1/table/t/status", "", kReadToken).status, 200);
  EXPECT_EQ(Authed(c, "DELETE", "/api/v1/table/t", "", kReadToken).status, 403);

  // Flight: the same tokens in the `authorization` metadata.
  int grpc_port = testing::ListeningPort(server.log(), "grpc://");
  ASSERT_GT(grpc_port, 0) << server.log();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                     grpc::InsecureChannelCredentials());
  auto stub = pb::FlightService::NewStub(channel);
  EXPECT_EQ(FlightGetSchema(stub.get(), "", "t").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(FlightGetSchema(stub.get(), "nope-nope-nope-nope", "t").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(FlightGetSchema(stub.get(), kReadToken, "t").ok());
  grpc::Status put = FlightPut(stub.get(), kReadToken, "t");
  EXPECT_EQ(put.error_code(), grpc::StatusCode::PERMISSION_DENIED) << put.error_message();
  put = FlightPut(stub.get(), kWriteToken, "t");
  EXPECT_TRUE(put.ok()) << put.error_message();
  EXPECT_EQ(FlightAction(stub.get(), kReadToken, "drop_table", "t").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  r = Authed(c, "POST", "/api/v1/table/t/fetch", R"({"keys":["k"],"columns":["n"]})", kReadToken);
  EXPECT_EQ(r.body, R"({"columns":{"n":[7]}})");
  EXPECT_TRUE(FlightAction(stub.get(), kWriteToken, "drop_table", "t").ok());

  // No token text ever reaches the log.
  EXPECT_EQ(server.Stop(), 0);
  std::string log = server.log();
  for (const char* token : {kReadToken, kWriteToken, kFileToken}) {
    EXPECT_EQ(log.find(token), std::string::npos) << token;
  }
  EXPECT_NE(log.find("auth.tokens=(2 redacted)"), std::string::npos) << log;
}

TEST(MurrSecurity, OpenRoutesAndBadTokenFilesAreConfigurable) {
  TempDir dir;
  std::string yaml = TestConfigYaml(dir / "cache") + "auth:\n  tokens: read:" + kReadToken +
                     "\n  open_health: false\n  open_metrics: true\n";
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(dir.path(), yaml)) << server.log();
    HttpClient c(server.port());
    EXPECT_EQ(c.Send("GET", "/health").status, 401);
    EXPECT_EQ(c.Send("GET", "/metrics").status, 200);
    EXPECT_EQ(server.Stop(), 0);
  }
  // A short token is a configuration error (exit 2) that does not echo the entry.
  std::string out;
  WriteStringToFile(dir / "bad.yaml",
                    TestConfigYaml(dir / "cache") + "auth:\n  tokens: write:short-secret\n");
  EXPECT_EQ(testing::RunMurr({"serve", "--config", dir / "bad.yaml"}, {}, dir.path(), &out), 2);
  EXPECT_NE(out.find("auth.tokens entry 1: a token must be 16 to 4096 characters long"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("short-secret"), std::string::npos) << out;
  WriteStringToFile(dir / "bad2.yaml", TestConfigYaml(dir / "cache") +
                                           "auth:\n  tokens_file: " + (dir / "missing") + "\n");
  EXPECT_EQ(testing::RunMurr({"serve", "--config", dir / "bad2.yaml"}, {}, dir.path(), &out), 2);
  EXPECT_NE(out.find("auth.tokens_file"), std::string::npos) << out;
}

// A CA, and a server certificate for 127.0.0.1 signed by it, made with the openssl command.
struct TestPki {
  explicit TestPki(const std::string& dir)
      : ca(dir + "/ca.pem"), cert(dir + "/server.pem"), key(dir + "/server.key") {
    std::string d = "'" + dir + "'";
    std::string script =
        "set -e; cd " + d +
        "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj /CN=murr-test-ca 2>/dev/null"
        "; openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=127.0.0.1 2>/dev/null"
        "; printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf"
        "; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile ext.cnf 2>/dev/null";
    ok = RunCommand(script, nullptr) == 0;
  }
  std::string ca, cert, key;
  bool ok = false;
};

TEST(MurrSecurity, TlsServesHttpAndFlightWithTheConfiguredCertificate) {
  TempDir dir;
  TestPki pki(dir.path());
  ASSERT_TRUE(pki.ok) << "openssl could not make the test certificates";
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      dir.path(), TestConfigYaml(dir / "cache"),
      {"MURR_SERVER_TLS_CERT_FILE=" + pki.cert, "MURR_SERVER_TLS_KEY_FILE=" + pki.key}))
      << server.log();
  EXPECT_NE(server.log().find("murr listening on https://"), std::string::npos) << server.log();
  std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  std::string out;
  ASSERT_EQ(RunCommand("curl -sS --cacert '" + pki.ca +
                           "' -X PUT -H 'Content-Type: "
                           "application/json' --data '" +
                           kSchema + "' " + base + "/api/v1/table/t",
                       &out),
            0);
  EXPECT_EQ(out, R"({"created":"t"})");
  ASSERT_EQ(RunCommand("curl -sS --cacert '" + pki.ca +
                           "' -X PUT -H 'Content-Type: "
                           "application/json' --data '{\"columns\":{\"id\":[\"a\"],\"n\":[5]}}' " +
                           base + "/api/v1/table/t/write",
                       &out),
            0);
  EXPECT_EQ(out, R"({"rows":1})");
  ASSERT_EQ(RunCommand("curl -sS --cacert '" + pki.ca +
                           "' --data "
                           "'{\"keys\":[\"a\"],\"columns\":[\"n\"]}' " +
                           base + "/api/v1/table/t/fetch",
                       &out),
            0);
  EXPECT_EQ(out, R"({"columns":{"n":[5]}})");
  // Without the CA the certificate is not trusted; plain HTTP gets no HTTP reply.
  EXPECT_NE(RunCommand("curl -sS -o /dev/null " + base + "/health 2>/dev/null", &out), 0);
  HttpClient plain(server.port());
  EXPECT_EQ(plain.Send("GET", "/health").status, 0);

  int grpc_port = testing::ListeningPort(server.log(), "grpc+tls://");
  ASSERT_GT(grpc_port, 0) << server.log();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileToString(pki.ca);
  auto secure = pb::FlightService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port), grpc::SslCredentials(ssl)));
  grpc::Status st = FlightGetSchema(secure.get(), "", "t");
  EXPECT_TRUE(st.ok()) << st.error_message();
  auto insecure = pb::FlightService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  pb::FlightDescriptor d;
  d.set_type(pb::FlightDescriptor::PATH);
  d.add_path("t");
  pb::SchemaResult result;
  EXPECT_FALSE(insecure->GetSchema(&ctx, d, &result).ok());
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrSecurity, AMismatchedKeyIsAConfigurationError) {
  TempDir dir;
  TestPki pki(dir.path());
  ASSERT_TRUE(pki.ok);
  std::string out;
  WriteStringToFile(dir / "c.yaml", TestConfigYaml(dir / "cache"));
  int code = testing::RunMurr(
      {"serve", "--config", dir / "c.yaml"},
      {"MURR_SERVER_TLS_CERT_FILE=" + pki.cert, "MURR_SERVER_TLS_KEY_FILE=" + (dir / "ca.key")},
      dir.path(), &out);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("server.tls.key_file"), std::string::npos) << out;
}

// A raw socket with a small receive buffer (a client that reads slowly or not at all).
int ConnectRaw(int port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until EOF or error (or `limit` seconds); returns the bytes read, -1 if still open.
int64_t ReadUntilClosed(int fd, int limit_seconds) {
  int64_t total = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_seconds);
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return total;
    total += n;
  }
  return -1;
}

TEST(MurrLimits, RequestHeadLimitsAndConnectionCap) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      dir.path(), TestConfigYaml(dir / "cache", {"max_connections: 2", "max_header_count: 5",
                                                 "max_target_bytes: 64"})))
      << server.log();
  {
    HttpClient c(server.port());
    HttpReply r = c.Send("GET", "/api/v1/table/" + std::string(60, 'a') + "/schema");
    EXPECT_EQ(r.status, 414) << r.body;
    EXPECT_NE(r.body.find("server.http.max_target_bytes"), std::string::npos);
  }
  {
    HttpClient c(server.port());
    HttpReply r =
        c.Send("GET", "/health", "", {{"A", "1"}, {"B", "2"}, {"C", "3"}, {"D", "4"}, {"E", "5"}});
    EXPECT_EQ(r.status, 431) << r.body;
    EXPECT_NE(r.body.find("server.http.max_header_count"), std::string::npos);
  }
  // Two connections held open: a third is accepted by the kernel but not served until one of
  // them closes.
  HttpClient a(server.port()), b(server.port());
  ASSERT_EQ(a.Send("GET", "/health").status, 200);
  ASSERT_EQ(b.Send("GET", "/health").status, 200);
  int third = ConnectRaw(server.port());
  ASSERT_GE(third, 0);
  std::string req = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(::send(third, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  pollfd p{third, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 500), 0) << "served beyond server.http.max_connections";
  a.Close();
  ASSERT_EQ(::poll(&p, 1, 10000), 1) << "not served after a connection closed";
  char buf[256];
  ssize_t n = ::recv(third, buf, sizeof(buf), 0);
  ASSERT_GT(n, 12);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 200");
  ::close(third);
  EXPECT_NE(server.log().find("accepting paused"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrLimits, ATricklingBodyAndAClientThatNeverReadsAreDropped) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache", {"io_timeout_ms: 500",
                                                                      "max_body_bytes: 67108864"})))
      << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t",
                   R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
                   R"("s":{"dtype":"utf8"}}})")
                .status,
            201);
  // 2,000 rows of 8 KiB strings: a 16 MiB fetch reply.
  std::string ids, ss, keys;
  for (int i = 0; i < 2000; ++i) {
    std::string k = "\"k" + std::to_string(i) + "\"";
    ids += (i ? "," : "") + k;
    keys += (i ? "," : "") + k;
    ss += (i ? "," : "") + std::string("\"") + std::string(8192, 'x') + "\"";
  }
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t/write",
                   R"({"columns":{"id":[)" + ids + R"(],"s":[)" + ss + "]}}")
                .status,
            200);

  // A body that trickles in one byte every 100 ms is cut off by the I/O timeout.
  int slow = ConnectRaw(server.port());
  std::string head =
      "PUT /api/v1/table/t/write HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\nContent-Length: 100\r\n\r\n";
  ASSERT_EQ(::send(slow, head.data(), head.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(head.size()));
  int sent = 0;
  for (; sent < 100; ++sent) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pollfd p{slow, POLLIN, 0};
    if (::poll(&p, 1, 0) == 1) break;  // the server closed the connection
    if (::send(slow, "{", 1, MSG_NOSIGNAL) != 1) break;
  }
  EXPECT_LT(sent, 100) << "the trickling body was never cut off";
  ::close(slow);

  // A client that asks for 16 MiB and never reads is dropped: reading later gets a part of the
  // reply, then the end of the connection.
  int deaf = ConnectRaw(server.port(), 4096);
  std::string fetch = R"({"keys":[)" + keys + R"(],"columns":["s"]})";
  std::string req =
      "POST /api/v1/table/t/fetch HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(fetch.size()) + "\r\n\r\n" + fetch;
  ASSERT_EQ(::send(deaf, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  int64_t got = ReadUntilClosed(deaf, 20);
  ::close(deaf);
  EXPECT_GE(got, 0) << "the connection was never closed";
  EXPECT_LT(got, int64_t{16} << 20);

  // A client that starts reading late gets the whole reply: what the socket does not take at
  // once is written as the client reads.
  HttpReply whole = c.Json("POST", "/api/v1/table/t/fetch", fetch);
  ASSERT_EQ(whole.status, 200);
  ASSERT_GT(whole.body.size(), size_t{16000000});
  int slow_reader = ConnectRaw(server.port());
  std::string slow_req =
      "POST /api/v1/table/t/fetch HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(fetch.size()) + "\r\n\r\n" + fetch;
  ASSERT_EQ(::send(slow_reader, slow_req.data(), slow_req.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(slow_req.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string received;
  std::vector<char> chunk(65536);
  for (ssize_t n; (n = ::recv(slow_reader, chunk.data(), chunk.size(), 0)) > 0;) {
    received.append(chunk.data(), static_cast<size_t>(n));
  }
  ::close(slow_reader);
  size_t body_at = received.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos) << received.substr(0, 200);
  EXPECT_EQ(received.substr(0, 12), "HTTP/1.1 200");
  EXPECT_TRUE(received.substr(body_at + 4) == whole.body)
      << received.size() - body_at - 4 << " body bytes against " << whole.body.size();

  // The server goes on serving.
  HttpClient after(server.port());
  EXPECT_EQ(after.Send("GET", "/health").status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MurrLimits, AStalledFlightStreamIsCancelled) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache"),
                           {"MURR_SERVER_GRPC_STREAM_TIMEOUT_MS=500"}))
      << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  int grpc_port = testing::ListeningPort(server.log(), "grpc://");
  auto stub = pb::FlightService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto stream = stub->DoPut(&ctx);
  pb::FlightData first;
  first.mutable_flight_descriptor()->set_type(pb::FlightDescriptor::PATH);
  first.mutable_flight_descriptor()->add_path("t");
  ASSERT_TRUE(stream->Write(first));
  // ... and then nothing: the server cancels the call after the stream timeout.
  pb::PutResult result;
  auto started = std::chrono::steady_clock::now();
  while (stream->Read(&result)) {
  }
  grpc::Status st = stream->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::CANCELLED) << st.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_NE(server.log().find("server.grpc.stream_timeout_ms=500"), std::string::npos);
  EXPECT_EQ(c.Send("GET", "/health").status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// With one I/O thread, a fetch sent while a large write is being decoded and stored is answered
// before the write: the write runs on the work pool, not on the thread the fetch needs.
TEST(MurrLimits, AFetchNeverWaitsBehindAWrite) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      dir.path(),
      TestConfigYaml(dir / "cache", {"worker_threads: 1", "max_body_bytes: 268435456"})))
      << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t/write", R"({"columns":{"id":["a"],"n":[1]}})").status,
            200);
  // 1.5M rows (about 40 MB of JSON): decoding, indexing and writing it takes far longer than a
  // fetch.
  std::string body = R"({"columns":{"id":[)";
  for (int i = 0; i < 1500000; ++i) body += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  body += R"(],"n":[)";
  for (int i = 0; i < 1500000; ++i) body += (i ? "," : "") + std::to_string(i);
  body += "]}}";
  int writer = ConnectRaw(server.port());
  std::string req =
      "PUT /api/v1/table/t/write HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = ::send(writer, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    off += static_cast<size_t>(n);
  }
  // Let the server finish receiving the body (loopback: milliseconds) and start on the write.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  HttpReply r = c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["a"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[1]}})");
  pollfd p{writer, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "the write finished before the fetch was answered";
  ASSERT_EQ(::poll(&p, 1, 120000), 1);
  char buf[64];
  ASSERT_GT(::recv(writer, buf, sizeof(buf), 0), 12);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 200");
  ::close(writer);
  r = c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["1499999"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[1499999]}})");
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// A Parquet body is refused from its footer's claims, before anything is decoded, when it
// would decode to more than server.http.max_decoded_bytes.
TEST(MurrLimits, AParquetBodyOverTheDecodedLimitIs413) {
  TempDir dir;
  const std::string file =
      testing::SourceDir() + "/fuzz/corpus/parquet/wasm_UNCOMPRESSED_V1_plain.parquet";
  const std::string parquet = ReadFileToString(file);
  ASSERT_GT(parquet.size(), 100u) << "missing fixture " << file;
  ServerProcess server;
  ASSERT_TRUE(server.Start(dir.path(), TestConfigYaml(dir / "cache", {"max_decoded_bytes: 64"})))
      << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  HttpReply r = c.Send("PUT", "/api/v1/table/t/write", parquet,
                       {{"Content-Type", "application/vnd.apache.parquet"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("more than the output limit of 64 bytes"), std::string::npos) << r.body;
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace murr

namespace murr {
namespace {

// Flight runs each RPC on its own gRPC thread: a DoGet sent while a large DoPut is being stored
// is answered before the DoPut completes.
TEST(MurrLimits, AFlightDoGetNeverWaitsBehindADoPut) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(
      server.Start(dir.path(), TestConfigYaml(dir / "cache", {"max_body_bytes: 268435456"})))
      << server.log();
  HttpClient c(server.port());
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t", kSchema).status, 201);
  ASSERT_EQ(c.Json("PUT", "/api/v1/table/t/write", R"({"columns":{"id":["a"],"n":[1]}})").status,
            200);
  auto channel = [&] {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    args.SetMaxSendMessageSize(-1);
    return grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(testing::ListeningPort(server.log(), "grpc://")),
        grpc::InsecureChannelCredentials(), args);
  };
  auto put_stub = pb::FlightService::NewStub(channel());
  auto get_stub = pb::FlightService::NewStub(channel());
  std::atomic<bool> sent{false}, done{false};
  grpc::Status put_status;
  std::thread writer([&] {
    put_status = FlightPut(put_stub.get(), "", "t", 1500000, &sent);
    done = true;
  });
  while (!sent) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  grpc::ClientContext ctx;
  pb::Ticket ticket;
  ticket.set_ticket(R"({"table": "t", "keys": ["a"], "columns": ["n"]})");
  auto reader = get_stub->DoGet(&ctx, ticket);
  pb::FlightData data;
  int messages = 0;
  while (reader->Read(&data)) ++messages;
  grpc::Status get_status = reader->Finish();
  bool put_done_at_get = done;
  writer.join();
  EXPECT_TRUE(get_status.ok()) << get_status.error_message();
  EXPECT_EQ(messages, 2);  // the schema, then one batch
  EXPECT_FALSE(put_done_at_get) << "the DoPut finished before the DoGet was answered";
  EXPECT_TRUE(put_status.ok()) << put_status.error_message();
  HttpReply r = c.Json("POST", "/api/v1/table/t/fetch", R"({"keys":["1499999"],"columns":["n"]})");
  EXPECT_EQ(r.body, R"({"columns":{"n":[1499999]}})");
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace murr
