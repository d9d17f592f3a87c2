// http_bench: fetch latency over the HTTP API, end to end through the socket. Starts an
// in-process HttpServer on a temporary cache (or talks to a running server with --port), loads
// a table of --rows keys x --columns float32 columns with one Arrow write, then times fetches of
// --keys random keys with Arrow replies on keep-alive connections (--connections threads).
//   http_bench [--rows 1000000] [--keys 1000] [--columns 10] [--requests 5000]
//              [--connections 1] [--port P (use a running server; the table is created there)]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/compare/http_client.h"
#include "bench/float_table.h"
#include "murr/api/http/http_server.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/columnar/column.h"
#include "murr/config/config.h"
#include "murr/service/table_service.h"

namespace {

struct Args {
  int64_t rows = 1000000;
  int keys = 1000;
  int columns = 10;
  int requests = 5000;
  int connections = 1;
  int port = 0;
};

// One keep-alive connection through the harness's HTTP client. Request returns the status (0 on
// an I/O error) and copies the body into *body.
class Client {
 public:
  explicit Client(int port) : http_(Connect(port)) {}

  int Request(const std::string& method, const std::string& target, const std::string& headers,
              const std::string& payload, std::string* body) {
    auto status = http_.Request(method, target, headers, payload);
    if (!status.ok()) return 0;
    body->assign(http_.body());
    return *status;
  }

 private:
  static murr::compare::HttpClient Connect(int port) {
    auto c = murr::compare::HttpClient::Connect(port);
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(c).value();
  }

  murr::compare::HttpClient http_;
};

using murr::bench::FloatTableKey;

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    long long v = std::atoll(argv[i + 1]);
    if (k == "--rows")
      a.rows = v;
    else if (k == "--keys")
      a.keys = static_cast<int>(v);
    else if (k == "--columns")
      a.columns = static_cast<int>(v);
    else if (k == "--requests")
      a.requests = static_cast<int>(v);
    else if (k == "--connections")
      a.connections = static_cast<int>(v);
    else if (k == "--port")
      a.port = static_cast<int>(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }

  std::unique_ptr<murr::TableService> service;
  std::unique_ptr<murr::http::HttpServer> server;
  std::string cache_dir;
  int port = a.port;
  if (port == 0) {
    cache_dir =
        (std::filesystem::temp_directory_path() / ("murr-http-bench-" + std::to_string(getpid())))
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
    auto started = murr::http::HttpServer::Start(hc, service.get());
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n", started.status().ToString().c_str());
      return 1;
    }
    server = std::move(started).value();
    port = server->port();
  }

  // Load: one Arrow write of rows x columns float32.
  Client setup(port);
  std::string body;
  std::string schema = murr::bench::FloatTableSchemaJson(a.columns);
  setup.Request("DELETE", "/api/v1/table/http_bench", "", "", &body);
  if (setup.Request("PUT", "/api/v1/table/http_bench", "Content-Type: application/json\r\n", schema,
                    &body) != 201) {
    std::fprintf(stderr, "create: %s\n", body.c_str());
    return 1;
  }
  murr::Batch batch = murr::bench::FloatTableBatch(a.rows, a.columns);
  auto t0 = std::chrono::steady_clock::now();
  int st = setup.Request("PUT", "/api/v1/table/http_bench/write",
                         "Content-Type: application/vnd.apache.arrow.stream\r\n",
                         murr::WriteArrowIpcStream(batch), &body);
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (st != 200) {
    std::fprintf(stderr, "write: %d %s\n", st, body.c_str());
    return 1;
  }
  std::printf("loaded %lld rows x %d float32 columns in %.2f s (%s)\n",
              static_cast<long long>(a.rows), a.columns, load_s, body.c_str());

  std::string columns = "[";
  for (int c = 0; c < a.columns; ++c) columns += (c ? ",\"f" : "\"f") + std::to_string(c) + "\"";
  columns += "]";
  std::atomic<int> failures{0};
  std::vector<std::vector<double>> latencies(a.connections);
  std::atomic<size_t> reply_bytes{0};
  auto run_start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < a.connections; ++t) {
    threads.emplace_back([&, t] {
      Client c(port);
      std::mt19937_64 r(100 + t);
      std::string reply;
      int n = a.requests / a.connections;
      for (int i = 0; i < n + 20; ++i) {  // the first 20 warm up
        std::string req = "{\"keys\":[";
        for (int k = 0; k < a.keys; ++k) {
          req += (k ? ",\"" : "\"") + FloatTableKey(static_cast<int64_t>(r() % a.rows)) + "\"";
        }
        req += "],\"columns\":" + columns + "}";
        auto s = std::chrono::steady_clock::now();
        int code = c.Request("POST", "/api/v1/table/http_bench/fetch",
                             "Content-Type: application/json\r\n"
                             "Accept: application/vnd.apache.arrow.stream\r\n",
                             req, &reply);
        double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count();
        if (code != 200) {
          ++failures;
          continue;
        }
        if (i == 0 && t == 0) {
          auto read = murr::ReadArrowIpcStream(murr::Buffer::Copy(reply.data(), reply.size()));
          if (!read.ok() || read->empty() || (*read)[0].num_rows != a.keys) {
            std::fprintf(stderr, "bad reply\n");
            ++failures;
          }
        }
        if (i >= 20) {
          latencies[t].push_back(us);
          reply_bytes += reply.size();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  double sum = 0;
  for (double v : all) sum += v;
  std::printf(
      "fetch %d random keys x %d float32 columns, Arrow reply (%zu bytes), %d connection(s):\n"
      "  requests %zu  p50 %.0f us  p99 %.0f us  mean %.0f us  %.0f req/s  failures %d\n",
      a.keys, a.columns, all.empty() ? size_t{0} : reply_bytes.load() / all.size(), a.connections,
      all.size(), Percentile(all, 0.5), Percentile(all, 0.99), all.empty() ? 0 : sum / all.size(),
      static_cast<double>(all.size()) / wall, failures.load());

  if (server) {
    server->Shutdown();
    server->Wait();
    server.reset();
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(cache_dir, ec);
  }
  return failures.load() == 0 ? 0 : 1;
}
