// flight_bench: fetch latency through Arrow Flight DoGet, next to the HTTP API's Arrow fetch in
// the same run. Starts an in-process TableService with both servers on loopback (or talks to a
// running `murr` with --grpc-port/--http-port), loads --rows keys x --columns float32 columns
// with one write, then times --requests fetches of --keys random keys on one connection each:
// first over HTTP (Arrow reply), then over Flight (DoGet with a JSON ticket). The same keys are
// asked in both phases. Each reply is decoded once to check its row count.
//   flight_bench [--rows 1000000] [--keys 1000] [--columns 10] [--requests 5000]
//                [--grpc-port P --http-port Q (use a running server; the table is created there)]
//                [--only http|flight (time one API only, e.g. to count its context switches)]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "bench/compare/http_client.h"
#include "bench/float_table.h"
#include "murr/api/flight/flight.grpc.pb.h"
#include "murr/api/flight/flight_server.h"
#include "murr/api/http/http_server.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/columnar/column.h"
#include "murr/config/config.h"
#include "murr/service/table_service.h"

namespace {

namespace pb = arrow::flight::protocol;

constexpr char kTable[] = "flight_bench";
constexpr int kWarmup = 20;

struct Args {
  int64_t rows = 1000000;
  int keys = 1000;
  int columns = 10;
  int requests = 5000;
  int grpc_port = 0;
  int http_port = 0;
  std::string only;  // "", "http" or "flight"
};

using murr::bench::FloatTableKey;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

void Report(const char* what, const std::vector<double>& us, size_t bytes, int failures) {
  double sum = 0;
  for (double v : us) sum += v;
  std::printf(
      "  %-7s requests %zu  p50 %.0f us  p99 %.0f us  mean %.0f us  reply %zu bytes  "
      "failures %d\n",
      what, us.size(), Percentile(us, 0.5), Percentile(us, 0.99),
      us.empty() ? 0 : sum / static_cast<double>(us.size()), bytes, failures);
}

int64_t RowsOf(const std::vector<pb::FlightData>& messages) {
  murr::IpcStreamDecoder decoder;
  int64_t rows = 0;
  for (const auto& m : messages) {
    std::optional<murr::Batch> batch;
    auto body = murr::Buffer::Copy(m.data_body().data(), m.data_body().size());
    if (!decoder.Consume(m.data_header(), body, &batch).ok()) return -1;
    if (batch) rows += batch->num_rows;
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--only") {
      a.only = argv[i + 1];
      if (a.only != "http" && a.only != "flight") {
        std::fprintf(stderr, "--only takes http or flight\n");
        return 2;
      }
      continue;
    }
    long long v = std::atoll(argv[i + 1]);
    if (k == "--rows") {
      a.rows = v;
    } else if (k == "--keys") {
      a.keys = static_cast<int>(v);
    } else if (k == "--columns") {
      a.columns = static_cast<int>(v);
    } else if (k == "--requests") {
      a.requests = static_cast<int>(v);
    } else if (k == "--grpc-port") {
      a.grpc_port = static_cast<int>(v);
    } else if (k == "--http-port") {
      a.http_port = static_cast<int>(v);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if ((a.grpc_port == 0) != (a.http_port == 0)) {
    std::fprintf(stderr, "--grpc-port and --http-port go together\n");
    return 2;
  }

  std::unique_ptr<murr::TableService> service;
  std::unique_ptr<murr::http::HttpServer> http_server;
  std::unique_ptr<murr::flight::FlightServer> flight_server;
  std::string cache_dir;
  if (a.grpc_port == 0) {
    cache_dir =
        (std::filesystem::temp_directory_path() / ("murr-flight-bench-" + std::to_string(getpid())))
            .string();
    murr::ServiceOptions so;
    so.cache_dir = cache_dir;
    auto opened = murr::TableService::Open(so);
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      return 1;
    }
    service = std::move(opened).value();
    murr::HttpConfig hc;
    hc.endpoint = {"127.0.0.1", 0};
    auto http = murr::http::HttpServer::Start(hc, service.get());
    murr::flight::FlightOptions fo;
    fo.endpoint = {"127.0.0.1", 0};
    auto flight = murr::flight::FlightServer::Start(fo, service.get());
    if (!http.ok() || !flight.ok()) {
      std::fprintf(stderr, "cannot start: %s %s\n", http.status().ToString().c_str(),
                   flight.status().ToString().c_str());
      return 1;
    }
    http_server = std::move(http).value();
    flight_server = std::move(flight).value();
    a.http_port = http_server->port();
    a.grpc_port = flight_server->port();
  }

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(a.grpc_port),
                                     grpc::InsecureChannelCredentials());
  auto stub = pb::FlightService::NewStub(channel);

  // Load through Flight: create_table, then one DoPut of rows x columns float32.
  std::string schema = murr::bench::FloatTableSchemaJson(a.columns);
  for (const char* type : {"drop_table", "create_table"}) {
    grpc::ClientContext ctx;
    pb::Action action;
    action.set_type(type);
    action.set_body(std::string(type) == "drop_table"
                        ? std::string(kTable)
                        : R"({"name":")" + std::string(kTable) + R"(","schema":)" + schema + "}");
    auto reader = stub->DoAction(&ctx, action);
    pb::Result r;
    while (reader->Read(&r)) {
    }
    grpc::Status st = reader->Finish();
    if (!st.ok() && std::string(type) == "create_table") {
      std::fprintf(stderr, "create_table: %s\n", st.error_message().c_str());
      return 1;
    }
  }
  murr::Batch batch = murr::bench::FloatTableBatch(a.rows, a.columns);
  auto t0 = std::chrono::steady_clock::now();
  {
    auto parts = murr::EncodeArrowIpcStream(batch, size_t{3} << 20);
    if (!parts.ok()) {
      std::fprintf(stderr, "%s\n", parts.status().ToString().c_str());
      return 1;
    }
    grpc::ClientContext ctx;
    auto stream = stub->DoPut(&ctx);
    for (size_t i = 0; i < parts->messages.size(); ++i) {
      const murr::IpcMessage& msg = parts->messages[i];
      pb::FlightData d;
      if (i == 0) {
        d.mutable_flight_descriptor()->set_type(pb::FlightDescriptor::PATH);
        d.mutable_flight_descriptor()->add_path(kTable);
      }
      d.set_data_header(msg.metadata);
      std::vector<murr::ConstSlice> body;
      msg.AppendBodySlices(&body);
      std::string* out = d.mutable_data_body();
      for (const auto& s : body) out->append(static_cast<const char*>(s.data), s.size);
      stream->Write(d);
    }
    stream->WritesDone();
    pb::PutResult result;
    std::string written;
    while (stream->Read(&result)) written = result.app_metadata();
    grpc::Status st = stream->Finish();
    if (!st.ok()) {
      std::fprintf(stderr, "DoPut: %s\n", st.error_message().c_str());
      return 1;
    }
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("loaded %lld rows x %d float32 columns through DoPut in %.2f s (%s)\n",
                static_cast<long long>(a.rows), a.columns, load_s, written.c_str());
  }

  // The same request bodies for both APIs: {"keys": [...], "columns": [...]} (+ "table").
  std::string columns = "[";
  for (int c = 0; c < a.columns; ++c) columns += (c ? ",\"f" : "\"f") + std::to_string(c) + "\"";
  columns += "]";
  std::mt19937_64 r(100);
  std::vector<std::string> bodies;
  for (int i = 0; i < a.requests + kWarmup; ++i) {
    std::string req = "{\"keys\":[";
    for (int k = 0; k < a.keys; ++k) {
      req += (k ? ",\"" : "\"") + FloatTableKey(static_cast<int64_t>(r() % a.rows)) + "\"";
    }
    req += "],\"columns\":" + columns;
    bodies.push_back(std::move(req));
  }

  std::printf("fetch %d random keys x %d float32 columns, Arrow replies, one connection each:\n",
              a.keys, a.columns);
  if (a.only != "flight") {
    auto connected = murr::compare::HttpClient::Connect(a.http_port);
    if (!connected.ok()) {
      std::fprintf(stderr, "%s\n", connected.status().ToString().c_str());
      return 1;
    }
    murr::compare::HttpClient http = std::move(connected).value();
    std::vector<double> us;
    int failures = 0;
    size_t bytes = 0;
    std::string target = "/api/v1/table/" + std::string(kTable) + "/fetch";
    for (int i = 0; i < static_cast<int>(bodies.size()); ++i) {
      std::string body = bodies[i] + "}";
      auto s = std::chrono::steady_clock::now();
      auto status = http.Request("POST", target,
                                 "Content-Type: application/json\r\n"
                                 "Accept: application/vnd.apache.arrow.stream\r\n",
                                 body);
      int code = status.ok() ? *status : 0;
      std::string_view reply = http.body();
      double t =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count();
      if (code != 200) {
        ++failures;
        continue;
      }
      if (i == 0) {
        auto read = murr::ReadArrowIpcStream(murr::Buffer::Copy(reply.data(), reply.size()));
        if (!read.ok() || read->empty() || (*read)[0].num_rows != a.keys) ++failures;
      }
      if (i >= kWarmup) us.push_back(t);
      bytes = reply.size();
    }
    Report("HTTP", us, bytes, failures);
  }
  if (a.only != "http") {
    std::vector<double> us;
    int failures = 0;
    size_t bytes = 0;
    std::vector<pb::FlightData> messages;
    for (int i = 0; i < static_cast<int>(bodies.size()); ++i) {
      pb::Ticket ticket;
      ticket.set_ticket(bodies[i] + ",\"table\":\"" + kTable + "\"}");
      messages.clear();
      auto s = std::chrono::steady_clock::now();
      grpc::ClientContext ctx;
      auto reader = stub->DoGet(&ctx, ticket);
      pb::FlightData d;
      while (reader->Read(&d)) messages.push_back(std::move(d));
      grpc::Status st = reader->Finish();
      double t =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count();
      if (!st.ok()) {
        ++failures;
        continue;
      }
      if (i == 0 && RowsOf(messages) != a.keys) ++failures;
      if (i >= kWarmup) us.push_back(t);
      bytes = 0;
      for (const auto& m : messages) bytes += m.ByteSizeLong();
    }
    Report("Flight", us, bytes, failures);
  }

  if (flight_server) {
    flight_server->Shutdown(0);
    flight_server.reset();
    http_server->Shutdown();
    http_server->Wait();
    http_server.reset();
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(cache_dir, ec);
  }
  return 0;
}
