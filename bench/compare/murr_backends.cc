// Murr's four read paths in the side-by-side benchmark: the engine in process, the `murr` server
// over HTTP with Arrow or JSON replies, and over Arrow Flight DoGet. The server backends start the
// real `murr` program and load it over HTTP with Arrow IPC bodies, one write per batch. The HTTP
// load and fetch functions (murr_http.h) serve upstream Murr's backend too.
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/compare/backend.h"
#include "bench/compare/http_client.h"
#include "bench/compare/murr_http.h"
#include "bench/compare/process.h"
#include "murr/api/flight/flight.grpc.pb.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/json_columns.h"
#include "murr/columnar/column.h"
#include "murr/service/table_service.h"

namespace murr::compare {
namespace {

namespace pb = arrow::flight::protocol;

constexpr char kTable[] = "features";
// How long the server backends wait for a loaded table to be merged into one segment.
constexpr auto kCompactionWait = std::chrono::minutes(10);

std::string SchemaJson(const Workload& w) {
  std::string s = R"({"key":"key","columns":{"key":{"dtype":"utf8","nullable":false})";
  for (int c = 0; c < w.columns; ++c) s += ",\"" + ColumnName(c) + "\":{\"dtype\":\"float32\"}";
  return s + "}}";
}

Batch ToMurrBatch(const DataBatch& b) {
  Batch batch;
  batch.num_rows = b.num_rows();
  ColumnBuilder keys(DataType::kUtf8);
  keys.Reserve(b.num_rows(), b.num_rows() * 8);
  for (const auto& k : b.keys) (void)keys.AppendString(k);
  batch.fields.push_back({"key", DataType::kUtf8, false});
  batch.columns.push_back(keys.Finish());
  for (size_t c = 0; c < b.columns.size(); ++c) {
    batch.fields.push_back({ColumnName(static_cast<int>(c)), DataType::kFloat32, true});
    batch.columns.push_back(Column{DataType::kFloat32, b.num_rows(), 0, Buffer(),
                                   Buffer::Copy(b.columns[c].data(), b.columns[c].size() * 4),
                                   Buffer()});
  }
  return batch;
}

// Copies a reply batch (the workload's float32 columns, nulls for missing keys) into *out.
Status ToReadResult(const Batch& batch, int columns, size_t num_keys, ReadResult* out) {
  if (batch.columns.size() != static_cast<size_t>(columns) ||
      batch.num_rows != static_cast<int64_t>(num_keys)) {
    return Status::Corruption("murr reply: " + std::to_string(batch.columns.size()) +
                              " columns x " + std::to_string(batch.num_rows) + " rows, expected " +
                              std::to_string(columns) + " x " + std::to_string(num_keys));
  }
  out->Reset(columns, num_keys);
  for (int c = 0; c < columns; ++c) {
    const Column& col = batch.columns[static_cast<size_t>(c)];
    if (col.type != DataType::kFloat32) return Status::Corruption("murr reply: not float32");
    float* dst = out->columns[static_cast<size_t>(c)].data();
    std::memcpy(dst, col.values.data(), num_keys * sizeof(float));
    if (col.null_count > 0) {
      for (size_t i = 0; i < num_keys; ++i) {
        if (col.IsNull(static_cast<int64_t>(i))) dst[i] = 0;
      }
    }
  }
  // A missing key is a row of nulls; a present key has no nulls (the workload writes none).
  const Column& first = batch.columns[0];
  for (size_t i = 0; i < num_keys; ++i) out->found[i] = first.IsValid(static_cast<int64_t>(i));
  return Status::OK();
}

std::vector<std::string> ColumnNames(const Workload& w) {
  std::vector<std::string> names;
  for (int c = 0; c < w.columns; ++c) names.push_back(ColumnName(c));
  return names;
}

// The fetch request: {"keys":[...],"columns":[...]} (Flight tickets also name the table), built
// into a reused string.
void FetchBody(const std::vector<std::string>& keys, const std::string& columns_json,
               bool with_table, std::string* out) {
  out->assign(with_table ? std::string("{\"table\":\"") + kTable + "\",\"keys\":[" : "{\"keys\":[");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('"');
    out->append(keys[i]);  // workload keys are digits: nothing to escape
    out->push_back('"');
  }
  out->append("],\"columns\":").append(columns_json).push_back('}');
}

std::string ColumnsJson(const Workload& w) {
  std::string s = "[";
  for (int c = 0; c < w.columns; ++c) s += (c ? ",\"" : "\"") + ColumnName(c) + "\"";
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// In process

class EngineClient : public Client {
 public:
  EngineClient(TableService* service, std::vector<std::string> columns)
      : service_(service), columns_(std::move(columns)) {}
  Status Read(const std::vector<std::string>& keys, ReadResult* out) override {
    views_.assign(keys.begin(), keys.end());
    MURR_ASSIGN_OR_RETURN(Batch batch, service_->Read(kTable, views_, columns_));
    return ToReadResult(batch, static_cast<int>(columns_.size()), keys.size(), out);
  }

 private:
  TableService* service_;
  std::vector<std::string> columns_;
  std::vector<std::string_view> views_;
};

class EngineBackend : public Backend {
 public:
  explicit EngineBackend(const Workload& w) : w_(w) {}
  std::string name() const override { return "murr-engine"; }
  std::string description() const override {
    return "Murr's engine in the harness's process (TableService::Read), no network";
  }
  std::string version() const override { return std::string("Murr ") + MURR_VERSION; }
  pid_t server_pid() const override { return -1; }

  Status Start(const Workload& w, const std::string& dir) override {
    w_ = w;
    ServiceOptions options;
    options.cache_dir = dir + "/cache";
    options.table.idle_compaction_seconds = 1;
    options.table.fsync = w.murr_durability == "fsync";
    MURR_ASSIGN_OR_RETURN(service_, TableService::Open(options));
    MURR_ASSIGN_OR_RETURN(TableSchema schema, TableSchema::FromJson(SchemaJson(w)));
    return service_->CreateTable(kTable, schema);
  }
  Status Write(const DataBatch& batch) override {
    return service_->Write(kTable, {ToMurrBatch(batch)}).status();
  }
  // Settled when the table is one segment (the idle merge after 1 s without writes).
  Status Settle() override {
    auto deadline = std::chrono::steady_clock::now() + kCompactionWait;
    for (;;) {
      MURR_ASSIGN_OR_RETURN(TableStats stats, service_->GetStats(kTable));
      if (stats.segments <= 1) return Status::OK();
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::IOError("murr-engine: still " + std::to_string(stats.segments) +
                               " segments after the compaction wait");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  Result<std::unique_ptr<Client>> Connect() override {
    return std::unique_ptr<Client>(new EngineClient(service_.get(), ColumnNames(w_)));
  }
  void Stop() override { service_.reset(); }

 private:
  Workload w_;
  std::unique_ptr<TableService> service_;
};

// ---------------------------------------------------------------------------------------------
// The murr server: started from the `murr` program next to this executable.

class MurrServer {
 public:
  Status Start(const Workload& w, const std::string& dir) {
    std::string binary = w.murr_binary;
    if (binary.empty()) {
      char self[4096];
      ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
      if (n <= 0) return Status::IOError("cannot find the murr_compare executable");
      self[n] = '\0';
      binary = (std::filesystem::path(self).parent_path() / "murr").string();
    }
    MURR_ASSIGN_OR_RETURN(binary, FindProgram({binary}));
    std::string config = dir + "/murr.yaml";
    {
      std::ofstream out(config);
      out << "server:\n  http:\n    host: 127.0.0.1\n    port: 0\n"
          << "  grpc:\n    host: 127.0.0.1\n    port: 0\n"
          << "storage:\n  cache_dir: " << dir << "/cache\n  idle_compaction_seconds: 1\n"
          << "  durability: " << w.murr_durability << "\n";
      if (!out) return Status::IOError("cannot write " + config);
    }
    log_ = dir + "/murr.log";
    SpawnOptions so;
    so.argv = {binary, "serve", "--config", config};
    so.log_path = log_;
    // The server reads MURR_* variables strictly; the harness passes none of its own.
    MURR_RETURN_IF_ERROR(child_.Start(so));
    // The ports it chose are in its log: "listening on http://127.0.0.1:P" and "grpc://...:Q".
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (http_port_ == 0 || grpc_port_ == 0) {
      if (!child_.running()) return Status::IOError("murr exited at start:\n" + child_.LogTail());
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::IOError("murr did not report its ports:\n" + child_.LogTail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::ifstream in(log_);
      std::string line;
      while (std::getline(in, line)) {
        http_port_ = http_port_ ? http_port_ : PortAfter(line, "listening on http://");
        grpc_port_ = grpc_port_ ? grpc_port_ : PortAfter(line, "listening on grpc://");
      }
    }
    MURR_ASSIGN_OR_RETURN(HttpClient admin, HttpClient::Connect(http_port_));
    admin_.emplace(std::move(admin));
    return CreateFeatureTable(&*admin_, w, "murr");
  }

  Status Write(const DataBatch& batch) {
    return WriteFeatureBatch(&*admin_, batch, "murr", &body_);
  }

  // Waits until the table is one segment, read from /metrics (murr_table_segments).
  Status WaitCompacted() {
    auto deadline = std::chrono::steady_clock::now() + kCompactionWait;
    const std::string needle = std::string("murr_table_segments{table=\"") + kTable + "\"} ";
    for (;;) {
      MURR_ASSIGN_OR_RETURN(int status, admin_->Request("GET", "/metrics", "", ""));
      if (status != 200) return Status::IOError("murr /metrics: " + std::to_string(status));
      std::string_view m = admin_->body();
      size_t at = m.find(needle);
      if (at == std::string_view::npos) return Status::IOError("murr /metrics: no segment count");
      long segments =
          std::strtol(std::string(m.substr(at + needle.size(), 20)).c_str(), nullptr, 10);
      if (segments <= 1) return Status::OK();
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::IOError("murr: still " + std::to_string(segments) +
                               " segments after the compaction wait");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void Stop() {
    admin_.reset();
    child_.Stop(SIGTERM, std::chrono::seconds(30));
  }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }
  pid_t pid() const { return child_.pid(); }

 private:
  static int PortAfter(const std::string& line, const std::string& marker) {
    size_t at = line.find(marker);
    if (at == std::string::npos) return 0;
    size_t colon = line.find(':', at + marker.size());
    if (colon == std::string::npos) return 0;
    return std::atoi(line.c_str() + colon + 1);
  }

  ChildProcess child_;
  std::string log_;
  int http_port_ = 0;
  int grpc_port_ = 0;
  std::optional<HttpClient> admin_;
  std::string body_;
};

class HttpFetchClient : public Client {
 public:
  HttpFetchClient(HttpClient http, const Workload& w, bool arrow)
      : http_(std::move(http)),
        columns_(w.columns),
        columns_json_(ColumnsJson(w)),
        target_(std::string("/api/v1/table/") + kTable + "/fetch"),
        headers_(arrow ? "Content-Type: application/json\r\n"
                         "Accept: application/vnd.apache.arrow.stream\r\n"
                       : "Content-Type: application/json\r\nAccept: application/json\r\n"),
        arrow_(arrow) {
    if (!arrow) {
      std::string schema = SchemaJson(w);
      json_schema_ = TableSchema::FromJson(schema).value();
    }
  }

  Status Read(const std::vector<std::string>& keys, ReadResult* out) override {
    FetchBody(keys, columns_json_, false, &request_);
    MURR_ASSIGN_OR_RETURN(int status, http_.Request("POST", target_, headers_, request_));
    if (status != 200) return Status::IOError("murr fetch: " + std::string(http_.body()));
    std::string_view body = http_.body();
    if (arrow_) {
      // The IPC reader borrows aligned buffers; the reply sits at an arbitrary offset of the
      // receive buffer, so it is copied once into an aligned Buffer.
      MURR_ASSIGN_OR_RETURN(std::vector<Batch> batches,
                            ReadArrowIpcStream(Buffer::Copy(body.data(), body.size())));
      if (batches.size() != 1) return Status::Corruption("murr reply: expected one batch");
      return ToReadResult(batches[0], columns_, keys.size(), out);
    }
    MURR_ASSIGN_OR_RETURN(Batch batch, ParseJsonColumns(body, *json_schema_));
    return ToReadResult(batch, columns_, keys.size(), out);
  }
  int socket_fd() const override { return http_.fd(); }

 private:
  HttpClient http_;
  int columns_;
  std::string columns_json_;
  std::string target_;
  std::string headers_;
  bool arrow_;
  std::optional<TableSchema> json_schema_;
  std::string request_;
};

// ---------------------------------------------------------------------------------------------
// Arrow Flight DoGet, on a gRPC channel over a socket of our own (so its bytes can be counted).

class FlightClient : public Client {
 public:
  FlightClient(int fd, const Workload& w)
      : fd_(fd), columns_(w.columns), columns_json_(ColumnsJson(w)) {
    grpc::ChannelArguments args;
    channel_ = grpc::CreateCustomInsecureChannelFromFd("murr", fd, args);
    stub_ = pb::FlightService::NewStub(channel_);
  }

  Status Read(const std::vector<std::string>& keys, ReadResult* out) override {
    FetchBody(keys, columns_json_, true, &request_);
    pb::Ticket ticket;
    ticket.set_ticket(request_);
    grpc::ClientContext ctx;
    auto reader = stub_->DoGet(&ctx, ticket);
    IpcStreamDecoder decoder;
    std::optional<Batch> batch;
    std::vector<Batch> batches;
    while (reader->Read(&data_)) {
      // Bodies are copied into aligned Buffers (protobuf strings carry no alignment promise).
      Buffer body = Buffer::Copy(data_.data_body().data(), data_.data_body().size());
      MURR_RETURN_IF_ERROR(decoder.Consume(data_.data_header(), body, &batch));
      if (batch) batches.push_back(std::move(*batch));
      batch.reset();
    }
    grpc::Status st = reader->Finish();
    if (!st.ok()) return Status::IOError("flight DoGet: " + st.error_message());
    if (batches.size() != 1) return Status::Corruption("flight reply: expected one batch");
    return ToReadResult(batches[0], columns_, keys.size(), out);
  }
  int socket_fd() const override { return fd_; }

 private:
  int fd_;
  int columns_;
  std::string columns_json_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::FlightService::Stub> stub_;
  std::string request_;
  pb::FlightData data_;
};

// One backend per read path over the same kind of server: HTTP with Arrow or JSON replies, or
// Flight. Each starts its own server and loads it over HTTP.
enum class ReadPath { kHttpArrow, kHttpJson, kFlight };

class ServerBackend : public Backend {
 public:
  ServerBackend(const Workload& w, ReadPath path) : w_(w), path_(path) {}
  std::string name() const override {
    switch (path_) {
      case ReadPath::kHttpArrow:
        return "murr-http-arrow";
      case ReadPath::kHttpJson:
        return "murr-http-json";
      case ReadPath::kFlight:
        break;
    }
    return "murr-flight";
  }
  std::string description() const override {
    if (path_ == ReadPath::kFlight) {
      return "murr server, Arrow Flight DoGet with a JSON ticket (gRPC)";
    }
    return std::string("murr server, POST /fetch with ") +
           (path_ == ReadPath::kHttpArrow ? "an Arrow IPC reply" : "a JSON reply") +
           " on a keep-alive connection";
  }
  std::string version() const override { return std::string("Murr ") + MURR_VERSION; }
  pid_t server_pid() const override { return server_.pid(); }
  Status Start(const Workload& w, const std::string& dir) override {
    w_ = w;
    return server_.Start(w, dir);
  }
  Status Write(const DataBatch& batch) override { return server_.Write(batch); }
  Status Settle() override { return server_.WaitCompacted(); }
  Result<std::unique_ptr<Client>> Connect() override {
    if (path_ == ReadPath::kFlight) {
      MURR_ASSIGN_OR_RETURN(int fd, ConnectLoopback(server_.grpc_port()));
      return std::unique_ptr<Client>(new FlightClient(fd, w_));
    }
    return ConnectFetchClient(server_.http_port(), w_, path_ == ReadPath::kHttpArrow);
  }
  void Stop() override { server_.Stop(); }

 private:
  Workload w_;
  ReadPath path_;
  MurrServer server_;
};

}  // namespace

Status CreateFeatureTable(HttpClient* admin, const Workload& w, std::string_view server) {
  MURR_ASSIGN_OR_RETURN(int status,
                        admin->Request("PUT", std::string("/api/v1/table/") + kTable,
                                       "Content-Type: application/json\r\n", SchemaJson(w)));
  if (status != 201) {
    return Status::IOError(std::string(server) + " create table: " + std::string(admin->body()));
  }
  return Status::OK();
}

Status WriteFeatureBatch(HttpClient* admin, const DataBatch& batch, std::string_view server,
                         std::string* body) {
  *body = WriteArrowIpcStream(ToMurrBatch(batch));
  MURR_ASSIGN_OR_RETURN(
      int status, admin->Request("PUT", std::string("/api/v1/table/") + kTable + "/write",
                                 "Content-Type: application/vnd.apache.arrow.stream\r\n", *body));
  if (status != 200) {
    return Status::IOError(std::string(server) + " write: " + std::string(admin->body()));
  }
  return Status::OK();
}

Result<std::unique_ptr<Client>> ConnectFetchClient(int port, const Workload& w, bool arrow) {
  MURR_ASSIGN_OR_RETURN(HttpClient http, HttpClient::Connect(port));
  return std::unique_ptr<Client>(new HttpFetchClient(std::move(http), w, arrow));
}

std::unique_ptr<Backend> MakeMurrEngineBackend(const Workload& w) {
  return std::make_unique<EngineBackend>(w);
}
std::unique_ptr<Backend> MakeMurrHttpBackend(const Workload& w, bool arrow_replies) {
  return std::make_unique<ServerBackend>(
      w, arrow_replies ? ReadPath::kHttpArrow : ReadPath::kHttpJson);
}
std::unique_ptr<Backend> MakeMurrFlightBackend(const Workload& w) {
  return std::make_unique<ServerBackend>(w, ReadPath::kFlight);
}

}  // namespace murr::compare
