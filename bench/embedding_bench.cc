// embedding_bench: read 1,000 random keys x one float32[768] column (3 KiB per row) from a table
// of --rows rows, in one run: the engine (TableService::Read), HTTP with an Arrow reply
// (in-process server, keep-alive), and Redis with one 3 KiB blob per key (MGET). Reports p50/p99
// and the Arrow reply's overhead over the raw vector bytes.
//   embedding_bench [--rows 1000000] [--keys 1000] [--dim 768] [--requests 300]
//                   [--redis /usr/bin/redis-server]
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/compare/http_client.h"
#include "bench/compare/process.h"
#include "bench/float_table.h"
#include "murr/api/http/http_server.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/config/config.h"
#include "murr/service/table_service.h"

namespace {

using murr::bench::Clock;
using murr::bench::Die;
using murr::bench::FloatTableKey;
using murr::bench::Percentile;
using murr::bench::Us;

void Report(const char* what, const std::vector<double>& us, size_t bytes) {
  std::printf("  %-26s p50 %7.0f us  p99 %7.0f us  reply %zu bytes\n", what, Percentile(us, 0.5),
              Percentile(us, 0.99), bytes);
}

// Row i's vector: deterministic, so every backend stores the same bytes.
void Vector(int64_t i, int dim, float* out) {
  std::mt19937 rng(static_cast<uint32_t>(i));
  for (int k = 0; k < dim; ++k) out[k] = static_cast<float>(rng() % 100000) / 1000.0f;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  int keys = 1000, dim = 768, requests = 300;
  std::string redis = "/usr/bin/redis-server";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--rows") {
      rows = std::atoll(argv[i + 1]);
    } else if (k == "--keys") {
      keys = std::atoi(argv[i + 1]);
    } else if (k == "--dim") {
      dim = std::atoi(argv[i + 1]);
    } else if (k == "--requests") {
      requests = std::atoi(argv[i + 1]);
    } else if (k == "--redis") {
      redis = argv[i + 1];
    } else {
      Die("unknown flag " + k);
    }
  }
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("murr-emb-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);

  // ---- Murr: in-process service + HTTP server; load through the engine in chunks.
  murr::ServiceOptions so;
  so.cache_dir = dir + "/cache";
  auto opened = murr::TableService::Open(so);
  if (!opened.ok()) Die(opened.status().ToString());
  std::unique_ptr<murr::TableService> service = std::move(opened).value();
  const std::string type = "float32[" + std::to_string(dim) + "]";
  auto schema = murr::TableSchema::FromJson(
      R"({"key":"key","columns":{"key":{"dtype":"utf8","nullable":false},"emb":{"dtype":")" + type +
      R"("}}})");
  if (!schema.ok()) Die(schema.status().ToString());
  if (auto st = service->CreateTable("emb", *schema); !st.ok()) Die(st.ToString());
  const auto dtype = *murr::ParseDataType(type);
  auto t0 = Clock::now();
  std::vector<float> v(static_cast<size_t>(dim));
  constexpr int64_t kChunk = 100000;
  for (int64_t b = 0; b < rows; b += kChunk) {
    const int64_t n = std::min(kChunk, rows - b);
    murr::ColumnBuilder kb(murr::DataType::kUtf8), eb(dtype);
    kb.Reserve(n, n * 15);
    eb.Reserve(n);
    for (int64_t i = b; i < b + n; ++i) {
      (void)kb.AppendString(FloatTableKey(i));
      Vector(i, dim, v.data());
      eb.AppendFixed(v.data());
    }
    murr::Batch batch;
    batch.num_rows = n;
    batch.fields = {{"key", murr::DataType::kUtf8, false}, {"emb", dtype, true}};
    batch.columns = {kb.Finish(), eb.Finish()};
    auto w = service->Write("emb", {batch});
    if (!w.ok()) Die(w.status().ToString());
  }
  std::printf("loaded %lld rows x %s into Murr in %.1f s\n", static_cast<long long>(rows),
              type.c_str(), std::chrono::duration<double>(Clock::now() - t0).count());
  // Compaction runs in the background; wait until the table is one segment.
  for (int i = 0; i < 600; ++i) {
    auto s = service->GetStats("emb");
    if (s.ok() && s->segments == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  murr::HttpConfig hc;
  hc.endpoint = {"127.0.0.1", 0};
  auto started = murr::http::HttpServer::Start(hc, service.get());
  if (!started.ok()) Die(started.status().ToString());
  std::unique_ptr<murr::http::HttpServer> server = std::move(started).value();

  // ---- Redis: one blob per key.
  murr::compare::ChildProcess redis_proc;
  auto redis_port = murr::compare::FreeLoopbackPort();
  if (!redis_port.ok()) Die(redis_port.status().ToString());
  murr::compare::SpawnOptions ro;
  ro.argv = {redis,
             "--port",
             std::to_string(*redis_port),
             "--bind",
             "127.0.0.1",
             "--dir",
             dir,
             "--save",
             "",
             "--appendonly",
             "no",
             "--protected-mode",
             "no",
             "--daemonize",
             "no"};
  ro.log_path = dir + "/redis.log";
  if (auto st = redis_proc.Start(ro); !st.ok()) Die(st.ToString());
  if (auto st = murr::compare::WaitForPort(*redis_port, &redis_proc, std::chrono::seconds(10));
      !st.ok()) {
    Die(st.ToString());
  }
  redisContext* rc = redisConnect("127.0.0.1", *redis_port);
  if (rc == nullptr || rc->err) Die("redis connect failed");
  t0 = Clock::now();
  const size_t blob = static_cast<size_t>(dim) * 4;
  for (int64_t b = 0; b < rows; b += 1000) {
    const int64_t n = std::min<int64_t>(1000, rows - b);
    for (int64_t i = b; i < b + n; ++i) {
      Vector(i, dim, v.data());
      std::string key = FloatTableKey(i);
      redisAppendCommand(rc, "SET %b %b", key.data(), key.size(), v.data(), blob);
    }
    for (int64_t i = 0; i < n; ++i) {
      void* reply = nullptr;
      if (redisGetReply(rc, &reply) != REDIS_OK) Die("redis SET failed");
      freeReplyObject(reply);
    }
  }
  std::printf("loaded %lld blobs of %zu bytes into Redis in %.1f s\n", static_cast<long long>(rows),
              blob, std::chrono::duration<double>(Clock::now() - t0).count());

  // ---- Reads: the same random key sets for every backend. The HTTP connection opens now: one
  // opened before the Redis load would have outlived the server's idle timeout.
  auto http = murr::compare::HttpClient::Connect(server->port());
  if (!http.ok()) Die(http.status().ToString());
  std::mt19937_64 rng(42);
  std::vector<double> engine_us, http_us, redis_us;
  size_t http_bytes = 0, redis_bytes = 0, engine_check = 0;
  for (int r = 0; r < requests + 10; ++r) {
    std::vector<std::string> ks(static_cast<size_t>(keys));
    for (auto& k : ks) k = FloatTableKey(static_cast<int64_t>(rng() % rows));
    std::vector<std::string_view> views(ks.begin(), ks.end());
    // Engine.
    auto s = Clock::now();
    auto got = service->Read("emb", views, {"emb"});
    double e = Us(s);
    if (!got.ok() || got->num_rows != keys) Die("engine read failed");
    engine_check += got->columns[0].values.data()[0];
    // HTTP, Arrow reply.
    std::string req = "{\"keys\":[";
    for (int k = 0; k < keys; ++k) req += (k ? ",\"" : "\"") + ks[k] + "\"";
    req += "],\"columns\":[\"emb\"]}";
    s = Clock::now();
    auto code = http->Request("POST", "/api/v1/table/emb/fetch",
                              "Content-Type: application/json\r\n"
                              "Accept: application/vnd.apache.arrow.stream\r\n",
                              req);
    double h = Us(s);
    if (!code.ok()) Die("http fetch failed: " + code.status().ToString());
    if (*code != 200) Die("http fetch answered " + std::to_string(*code));
    // Redis MGET.
    std::vector<const char*> args = {"MGET"};
    std::vector<size_t> lens = {4};
    for (const auto& k : ks) {
      args.push_back(k.data());
      lens.push_back(k.size());
    }
    s = Clock::now();
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(rc, static_cast<int>(args.size()), args.data(), lens.data()));
    double rd = Us(s);
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements != static_cast<size_t>(keys)) {
      Die("redis MGET failed");
    }
    size_t rb = 0;
    for (size_t i = 0; i < reply->elements; ++i) rb += reply->element[i]->len;
    freeReplyObject(reply);
    if (r >= 10) {
      engine_us.push_back(e);
      http_us.push_back(h);
      redis_us.push_back(rd);
      http_bytes = http->body().size();
      redis_bytes = rb;
    }
  }
  const size_t raw = static_cast<size_t>(keys) * blob;
  std::printf("read %d random keys x %s of %lld rows, %d requests (check %zu):\n", keys,
              type.c_str(), static_cast<long long>(rows), requests, engine_check % 10);
  Report("engine (TableService::Read)", engine_us, raw);
  Report("HTTP, Arrow reply", http_us, http_bytes);
  Report("Redis blob, MGET", redis_us, redis_bytes);
  std::printf("  Arrow reply = raw vector bytes (%zu) + %zu bytes; HTTP/Redis p50 speed-up %.2fx\n",
              raw, http_bytes - raw, Percentile(redis_us, 0.5) / Percentile(http_us, 0.5));

  redisFree(rc);
  redis_proc.Stop(SIGTERM, std::chrono::seconds(5));
  server->Shutdown();
  server->Wait();
  server.reset();
  service.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
