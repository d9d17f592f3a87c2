// key_type_bench: int64 keys against the same table keyed by their decimal strings (issue 13's
// target: int64-key lookups at least as fast as utf8 ones). Two tables of --rows rows with the
// same --columns float32 columns, one keyed by random int64 ids and one by those ids' decimal
// strings; each request reads --keys random keys x every column, through the engine
// (TableService::Read: an int64 array for the one, string views for the other) and through HTTP
// with an Arrow reply (JSON integers against JSON strings). Reports p50/p99 of each.
//   key_type_bench [--rows 1000000] [--keys 1000] [--columns 4] [--requests 500]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/compare/http_client.h"
#include "murr/api/http/http_server.h"
#include "murr/codec/fetch_request.h"
#include "murr/config/config.h"
#include "murr/service/table_service.h"

namespace {

using murr::bench::Clock;
using murr::bench::Die;
using murr::bench::Percentile;
using murr::bench::Us;

void Report(const char* what, const std::vector<double>& us) {
  std::printf("  %-30s p50 %7.1f us  p99 %7.1f us\n", what, Percentile(us, 0.5),
              Percentile(us, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  int keys = 1000, columns = 4, requests = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--rows") {
      rows = std::atoll(argv[i + 1]);
    } else if (k == "--keys") {
      keys = std::atoi(argv[i + 1]);
    } else if (k == "--columns") {
      columns = std::atoi(argv[i + 1]);
    } else if (k == "--requests") {
      requests = std::atoi(argv[i + 1]);
    } else {
      Die("unknown flag " + k);
    }
  }
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("murr-key-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);
  murr::ServiceOptions so;
  so.cache_dir = dir + "/cache";
  auto opened = murr::TableService::Open(so);
  if (!opened.ok()) Die(opened.status().ToString());
  std::unique_ptr<murr::TableService> service = std::move(opened).value();

  // Random distinct-enough ids (entity ids look like this, not like 0..n-1); the utf8 table's
  // keys are their decimal strings, so both tables hold the same rows under the same keys.
  std::mt19937_64 id_rng(7);
  std::vector<int64_t> ids(static_cast<size_t>(rows));
  for (auto& id : ids) id = static_cast<int64_t>(id_rng() >> 1);
  std::vector<std::string> texts(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) texts[i] = std::to_string(ids[i]);

  std::vector<std::string> col_names;
  std::string value_columns;
  for (int c = 0; c < columns; ++c) {
    col_names.push_back("f" + std::to_string(c));
    value_columns += ",\"f" + std::to_string(c) + "\":{\"dtype\":\"float32\"}";
  }
  for (const char* key_type : {"int64", "utf8"}) {
    const std::string name = std::string("by_") + key_type;
    auto schema =
        murr::TableSchema::FromJson(std::string(R"({"key":"id","columns":{"id":{"dtype":")") +
                                    key_type + R"(","nullable":false})" + value_columns + "}}");
    if (!schema.ok()) Die(schema.status().ToString());
    if (auto st = service->CreateTable(name, *schema); !st.ok()) Die(st.ToString());
    const bool is_int = std::string(key_type) == "int64";
    constexpr int64_t kChunk = 250000;
    std::mt19937_64 rng(1);  // the same values in both tables
    for (int64_t b = 0; b < rows; b += kChunk) {
      const int64_t n = std::min(kChunk, rows - b);
      murr::Batch batch;
      batch.num_rows = n;
      murr::ColumnBuilder kb(is_int ? murr::DataType::kInt64 : murr::DataType::kUtf8);
      kb.Reserve(n, is_int ? 0 : n * 20);
      for (int64_t i = b; i < b + n; ++i) {
        if (is_int) {
          kb.Append<int64_t>(ids[static_cast<size_t>(i)]);
        } else {
          (void)kb.AppendString(texts[static_cast<size_t>(i)]);
        }
      }
      batch.fields.push_back({"id", kb.type(), false});
      batch.columns.push_back(kb.Finish());
      for (int c = 0; c < columns; ++c) {
        murr::ColumnBuilder fb(murr::DataType::kFloat32);
        fb.Reserve(n);
        for (int64_t i = 0; i < n; ++i) fb.Append<float>(static_cast<float>(rng() % 1000) / 7.0f);
        batch.fields.push_back({col_names[c], murr::DataType::kFloat32, true});
        batch.columns.push_back(fb.Finish());
      }
      auto w = service->Write(name, {batch});
      if (!w.ok()) Die(w.status().ToString());
    }
    for (int i = 0; i < 600; ++i) {
      auto s = service->GetStats(name);
      if (s.ok() && s->segments == 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  murr::HttpConfig hc;
  hc.endpoint = {"127.0.0.1", 0};
  auto started = murr::http::HttpServer::Start(hc, service.get());
  if (!started.ok()) Die(started.status().ToString());
  std::unique_ptr<murr::http::HttpServer> server = std::move(started).value();
  auto http = murr::compare::HttpClient::Connect(server->port());
  if (!http.ok()) Die(http.status().ToString());

  std::string cols_json;
  for (int c = 0; c < columns; ++c) cols_json += (c ? ",\"" : "\"") + col_names[c] + "\"";
  std::mt19937_64 rng(42);
  std::vector<double> engine_int, engine_str, http_int, http_str, parse_int, parse_str;
  double check = 0;
  for (int r = 0; r < requests + 20; ++r) {
    std::vector<int64_t> ks(static_cast<size_t>(keys));
    std::vector<std::string_view> views(ks.size());
    std::string req_int = "{\"keys\":[", req_str = "{\"keys\":[";
    for (int k = 0; k < keys; ++k) {
      size_t i = static_cast<size_t>(rng() % static_cast<uint64_t>(rows));
      ks[k] = ids[i];
      views[k] = texts[i];
      req_int += (k ? "," : "") + texts[i];
      req_str += (k ? ",\"" : "\"") + texts[i] + "\"";
    }
    req_int += "],\"columns\":[" + cols_json + "]}";
    req_str += "],\"columns\":[" + cols_json + "]}";
    // Alternate the order so that neither table always reads with a warmer cache.
    auto engine = [&](bool is_int) {
      auto s = Clock::now();
      auto got =
          is_int ? service->Read("by_int64", murr::ReadKeys::Integers(ks.data(), ks.size(), true),
                                 col_names)
                 : service->Read("by_utf8", views, col_names);
      double us = Us(s);
      if (!got.ok() || got->num_rows != keys || got->columns[0].null_count != 0) {
        Die("engine read failed: " + got.status().ToString());
      }
      check += got->columns[0].Value<float>(keys - 1);
      return us;
    };
    auto over_http = [&](bool is_int) {
      auto s = Clock::now();
      auto code = http->Request(
          "POST", is_int ? "/api/v1/table/by_int64/fetch" : "/api/v1/table/by_utf8/fetch",
          "Content-Type: application/json\r\nAccept: application/vnd.apache.arrow.stream\r\n",
          is_int ? req_int : req_str);
      double us = Us(s);
      if (!code.ok() || *code != 200) Die("http fetch failed");
      return us;
    };
    // The request parse and the keys' conversion alone (the part of HTTP that differs).
    auto parse = [&](bool is_int) {
      auto s = Clock::now();
      auto req = murr::FetchRequest::Parse(is_int ? req_int : req_str, 100000);
      std::vector<std::string_view> bytes;
      std::vector<uint64_t> ints;
      if (!req.ok() || !req->read_keys()
                            .ToKeyBytes(is_int ? murr::DataType::kInt64 : murr::DataType::kUtf8,
                                        "t", &bytes, &ints)
                            .ok()) {
        Die("parse failed");
      }
      return Us(s);
    };
    const bool int_first = r % 2 == 0;
    double p1 = parse(int_first), p2 = parse(!int_first);
    double e1 = engine(int_first), e2 = engine(!int_first);
    double h1 = over_http(int_first), h2 = over_http(!int_first);
    if (r < 20) continue;
    (int_first ? engine_int : engine_str).push_back(e1);
    (int_first ? engine_str : engine_int).push_back(e2);
    (int_first ? http_int : http_str).push_back(h1);
    (int_first ? http_str : http_int).push_back(h2);
    (int_first ? parse_int : parse_str).push_back(p1);
    (int_first ? parse_str : parse_int).push_back(p2);
  }
  std::printf("read %d random keys x %d float32 columns of %lld rows, %d requests (check %.0f):\n",
              keys, columns, static_cast<long long>(rows), requests, check);
  Report("engine, int64 keys", engine_int);
  Report("engine, utf8 decimal keys", engine_str);
  Report("HTTP Arrow, int64 keys", http_int);
  Report("HTTP Arrow, utf8 decimal keys", http_str);
  Report("JSON request parse, int64", parse_int);
  Report("JSON request parse, utf8", parse_str);
  std::printf("  p50 utf8/int64: engine %.2fx, HTTP %.2fx\n",
              Percentile(engine_str, 0.5) / Percentile(engine_int, 0.5),
              Percentile(http_str, 0.5) / Percentile(http_int, 0.5));
  server->Shutdown();
  server->Wait();
  server.reset();
  service.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
