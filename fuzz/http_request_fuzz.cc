// Fuzzes HTTP request handling: the input is raw HTTP/1.1 bytes (one or more pipelined
// requests), parsed with Beast's request parser under the server's header limit and a body
// limit, and every parsed request is handed to Router::Handle over a TableService on a temporary
// cache_dir set up once (tables "t" and "p" with a few rows, so that fetch, write, schema,
// status and drop run real code). State changed by an input (writes, drops, new tables) is put
// back after it, so inputs replay the same way. Properties: no crash, no leak, no UB, no hang,
// no exception out of Handle; every reply has a status of 2xx/4xx/503/507 (500 is an internal
// error: a bug), an error reply is a JSON {"error": "..."} body, a JSON success reply parses
// and an Arrow reply reads back as an Arrow IPC stream.
#include <simdjson.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "murr/api/http/metrics.h"
#include "murr/api/http/router.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/json_columns.h"
#include "murr/core/schema.h"
#include "murr/service/table_service.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// The server's header limit (http_server.cc kHeaderLimit); bodies are capped far below the
// server's default so that an input cannot ask for much memory.
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kBodyLimit = 1 << 20;
constexpr int kMaxRequestsPerInput = 16;

// "t": a small table of every kind of column. "p": the columns of fuzz/corpus/parquet's arrow-rs
// (wasm_*) files, so that a Parquet write of those seeds is accepted (the DuckDB files carry a
// DECIMAL column, which Murr refuses).
constexpr std::string_view kTableT =
    R"({"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},)"
    R"("x":{"dtype":"float32"},"n":{"dtype":"int64"},"s":{"dtype":"utf8"},"b":{"dtype":"bool"}}})";
constexpr std::string_view kRowsT =
    R"({"columns":{"id":["a","b",""],"x":[1.5,null,-0.0],"n":[1,2,null],"s":["x","",null],)"
    R"("b":[true,false,null]}})";
constexpr std::string_view kTableP =
    R"({"key":"k","columns":{"k":{"dtype":"utf8","nullable":false},"s":{"dtype":"utf8"},)"
    R"("b":{"dtype":"bool"},"i16":{"dtype":"int16"},"u64":{"dtype":"uint64"},)"
    R"("f":{"dtype":"float64"}}})";
constexpr std::string_view kRowsP =
    R"({"columns":{"k":["key-1"],"s":["alpha"],"b":[true],"i16":[-2],)"
    R"("u64":[18446744073709551615],"f":[0.25]}})";

struct Fixture {
  std::string dir;
  std::unique_ptr<murr::TableService> service;
  murr::http::HttpMetrics metrics;
  std::unique_ptr<murr::http::Router> router;
  murr::TableStats baseline_t, baseline_p;
};

void CreateAndFill(murr::TableService* service, const std::string& name, std::string_view schema,
                   std::string_view rows) {
  murr::Result<murr::TableSchema> s = murr::TableSchema::FromJson(schema);
  FUZZ_CHECK(s.ok(), s.status().ToString());
  murr::Status st = service->CreateTable(name, *s);
  FUZZ_CHECK(st.ok(), st.ToString());
  murr::Result<murr::Batch> b = murr::ParseJsonColumns(rows, *s);
  FUZZ_CHECK(b.ok(), b.status().ToString());
  murr::Result<int64_t> n = service->Write(name, {*b});
  FUZZ_CHECK(n.ok(), n.status().ToString());
}

Fixture& GetFixture() {
  static Fixture* f = [] {
    auto* fx = new Fixture();
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    fx->dir = base + "/murr-http-fuzz-XXXXXX";
    if (::mkdtemp(fx->dir.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    static std::string cleanup_dir = fx->dir;
    std::atexit([] { std::filesystem::remove_all(cleanup_dir); });
    murr::ServiceOptions options;
    options.cache_dir = fx->dir + "/cache";
    options.table.background_compaction = false;  // deterministic: compaction inline
    options.table.idle_compaction_seconds = 0;
    options.table.fsync = false;
    auto service = murr::TableService::Open(options);
    FUZZ_CHECK(service.ok(), service.status().ToString());
    fx->service = std::move(service).value();
    CreateAndFill(fx->service.get(), "t", kTableT, kRowsT);
    CreateAndFill(fx->service.get(), "p", kTableP, kRowsP);
    fx->baseline_t = fx->service->GetStats("t").value();
    fx->baseline_p = fx->service->GetStats("p").value();
    murr::http::RouterOptions ro;
    ro.max_fetch_keys = 1000;
    ro.max_decoded_bytes = 16 << 20;
    fx->router = std::make_unique<murr::http::Router>(fx->service.get(), &fx->metrics, ro);
    return fx;
  }();
  return *f;
}

bool SameStats(const murr::TableStats& a, const murr::TableStats& b) {
  return a.rows == b.rows && a.segments == b.segments && a.bytes == b.bytes;
}

// Puts the cache back as the fixture made it: drops every other table, and drops and refills
// "t" and "p" when an input changed them.
void Restore(Fixture& fx) {
  for (const murr::TableInfo& info : fx.service->ListTables()) {
    if (info.name == "t" && SameStats(info.stats, fx.baseline_t)) continue;
    if (info.name == "p" && SameStats(info.stats, fx.baseline_p)) continue;
    murr::Status st = fx.service->DropTable(info.name);
    FUZZ_CHECK(st.ok(), st.ToString());
  }
  if (!fx.service->GetSchema("t").ok()) CreateAndFill(fx.service.get(), "t", kTableT, kRowsT);
  if (!fx.service->GetSchema("p").ok()) CreateAndFill(fx.service.get(), "p", kTableP, kRowsP);
}

void CheckResponse(const murr::http::HttpResponse& r) {
  FUZZ_CHECK(r.status >= 200 && r.status <= 599, "status " + std::to_string(r.status));
  FUZZ_CHECK(r.status != 500, "internal error: " + r.body);
  static simdjson::dom::parser* parser = new simdjson::dom::parser();
  if (r.status >= 400) {
    FUZZ_CHECK(r.content_type == "application/json",
               "error reply is " + std::string(r.content_type));
    FUZZ_CHECK(!r.error.empty(), "error reply without a message");
    simdjson::dom::element root;
    FUZZ_CHECK(parser->parse(r.body).get(root) == simdjson::SUCCESS, "error body: " + r.body);
    std::string_view message;
    FUZZ_CHECK(root["error"].get_string().get(message) == simdjson::SUCCESS,
               "error body without an error string: " + r.body);
    if (r.status == 405) FUZZ_CHECK(!r.allow.empty(), "405 without Allow");
    return;
  }
  if (r.content_type == "application/json") {
    simdjson::dom::element root;
    FUZZ_CHECK(parser->parse(r.body).get(root) == simdjson::SUCCESS, "JSON reply: " + r.body);
  } else if (r.content_type == "application/vnd.apache.arrow.stream") {
    std::string bytes = r.body;
    for (const murr::ConstSlice& s : r.slices) {
      bytes.append(static_cast<const char*>(s.data), s.size);
    }
    auto batches = murr::ReadArrowIpcStream(murr::Buffer::Copy(bytes.data(), bytes.size()));
    FUZZ_CHECK(batches.ok(), "Arrow reply does not read: " + batches.status().ToString());
  }
}

std::string_view View(beast::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& fx = GetFixture();
  boost::asio::const_buffer rest(data, size);
  for (int i = 0; i < kMaxRequestsPerInput && rest.size() > 0; ++i) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done() && rest.size() > 0) {
      size_t used = parser.put(rest, ec);
      rest += used;
      if (ec == bhttp::error::need_more) {
        if (used == 0) break;  // a partial element at the end of the input
        ec = {};
        continue;
      }
      if (ec) break;
    }
    if (!parser.is_done() && (!ec || ec == bhttp::error::need_more)) {
      ec = {};
      parser.put_eof(ec);  // a body delimited by the end of the input (or truncated)
    }
    if (ec || !parser.is_done()) break;  // the server answers 400/413/431 and closes
    const auto& msg = parser.get();
    murr::http::HttpRequest request;
    request.method = View(msg.method_string());
    request.target = View(msg.target());
    request.content_type = View(msg[bhttp::field::content_type]);
    request.accept = View(msg[bhttp::field::accept]);
    // The server receives bodies into a 64-byte aligned Buffer; so does this.
    request.body = murr::Buffer::Copy(msg.body().data(), msg.body().size());
    murr::http::HttpResponse response = fx.router->Handle(request);
    // FUZZ_VERBOSE=1 shows what each request got (for writing seeds).
    static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
    if (verbose) {
      std::fprintf(stderr, "  %.*s %.*s -> %d %.200s\n", static_cast<int>(request.method.size()),
                   request.method.data(), static_cast<int>(request.target.size()),
                   request.target.data(), response.status,
                   response.slices.empty() ? response.body.c_str() : "(slices)");
    }
    CheckResponse(response);
    if (!msg.keep_alive()) break;
  }
  Restore(fx);
  return 0;
}
