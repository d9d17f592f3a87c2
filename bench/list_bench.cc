// list_bench: read --keys random keys x one int64[] column (the last --items item ids a user
// clicked: each row holds 1..2*items-1 items, --items on average) from a table of --rows rows
// through the engine (TableService::Read, the list gather), and encode the reply as Arrow IPC.
// Reports p50/p99 and the reply's bytes over the raw item bytes.
//   list_bench [--rows 1000000] [--keys 1000] [--items 50] [--requests 300]
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

#include "bench_util.h"
#include "float_table.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/service/table_service.h"

namespace {

using murr::bench::Clock;
using murr::bench::Die;
using murr::bench::FloatTableKey;
using murr::bench::Percentile;
using murr::bench::Us;

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  int keys = 1000, items = 50, requests = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--rows") {
      rows = std::atoll(argv[i + 1]);
    } else if (k == "--keys") {
      keys = std::atoi(argv[i + 1]);
    } else if (k == "--items") {
      items = std::atoi(argv[i + 1]);
    } else if (k == "--requests") {
      requests = std::atoi(argv[i + 1]);
    } else {
      Die("unknown flag " + k);
    }
  }
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("murr-list-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);
  murr::ServiceOptions so;
  so.cache_dir = dir + "/cache";
  auto opened = murr::TableService::Open(so);
  if (!opened.ok()) Die(opened.status().ToString());
  std::unique_ptr<murr::TableService> service = std::move(opened).value();
  auto schema = murr::TableSchema::FromJson(
      R"({"key":"key","columns":{"key":{"dtype":"utf8","nullable":false},)"
      R"("clicks":{"dtype":"int64[]"}}})");
  if (!schema.ok()) Die(schema.status().ToString());
  if (auto st = service->CreateTable("lists", *schema); !st.ok()) Die(st.ToString());
  const murr::DataType type = murr::DataType::List(murr::TypeId::kInt64);
  auto t0 = Clock::now();
  constexpr int64_t kChunk = 100000;
  for (int64_t b = 0; b < rows; b += kChunk) {
    const int64_t n = std::min(kChunk, rows - b);
    murr::ColumnBuilder kb(murr::DataType::kUtf8), lb(type);
    kb.Reserve(n, n * 15);
    for (int64_t i = b; i < b + n; ++i) {
      (void)kb.AppendString(FloatTableKey(i));
      const int64_t len = 1 + (i * 2654435761u) % (2 * items - 1);
      for (int64_t k = 0; k < len; ++k) lb.items().Append<int64_t>(i * 1000 + k);
      if (!lb.AppendListEnd().ok()) Die("too many items");
    }
    murr::Batch batch;
    batch.num_rows = n;
    batch.fields = {{"key", murr::DataType::kUtf8, false}, {"clicks", type, true}};
    batch.columns = {kb.Finish(), lb.Finish()};
    auto w = service->Write("lists", {batch});
    if (!w.ok()) Die(w.status().ToString());
  }
  std::printf("loaded %lld rows x int64[] (~%d items) in %.1f s\n", static_cast<long long>(rows),
              items, std::chrono::duration<double>(Clock::now() - t0).count());
  for (int i = 0; i < 600; ++i) {
    auto s = service->GetStats("lists");
    if (s.ok() && s->segments == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  std::mt19937_64 rng(42);
  std::vector<double> read_us, encode_us;
  size_t reply_bytes = 0, raw_bytes = 0, check = 0;
  for (int r = 0; r < requests + 10; ++r) {
    std::vector<std::string> ks(static_cast<size_t>(keys));
    for (auto& k : ks) k = FloatTableKey(static_cast<int64_t>(rng() % rows));
    std::vector<std::string_view> views(ks.begin(), ks.end());
    auto s = Clock::now();
    auto got = service->Read("lists", views, {"clicks"});
    double e = Us(s);
    if (!got.ok() || got->num_rows != keys) Die("engine read failed");
    s = Clock::now();
    auto parts = murr::EncodeArrowIpcStream(*got);
    double enc = Us(s);
    if (!parts.ok()) Die(parts.status().ToString());
    const murr::Column& c = got->columns[0];
    check += static_cast<size_t>(c.items().Value<int64_t>(c.ListEnd(keys - 1) - 1));
    if (r >= 10) {
      read_us.push_back(e);
      encode_us.push_back(enc);
      reply_bytes = parts->WireSize();
      raw_bytes = static_cast<size_t>(c.items().length) * 8 + static_cast<size_t>(keys + 1) * 4;
    }
  }
  std::printf("read %d random keys x int64[] of %lld rows, %d requests (check %zu):\n", keys,
              static_cast<long long>(rows), requests, check % 10);
  std::printf("  engine (TableService::Read) p50 %7.0f us  p99 %7.0f us\n",
              Percentile(read_us, 0.5), Percentile(read_us, 0.99));
  std::printf("  Arrow IPC encode            p50 %7.0f us  p99 %7.0f us\n",
              Percentile(encode_us, 0.5), Percentile(encode_us, 0.99));
  std::printf("  Arrow reply %zu bytes = items + offsets (%zu) + %zu bytes\n", reply_bytes,
              raw_bytes, reply_bytes - raw_bytes);
  service.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
