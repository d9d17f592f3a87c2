#include "bench/compare/runner.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "bench/compare/process.h"

namespace murr::compare {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double>* v, double p) {
  if (v->empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(v->size() - 1) + 0.5);
  std::nth_element(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(i), v->end());
  return (*v)[i];
}

LatencyStats Summarize(std::vector<double> us) {
  LatencyStats s;
  s.reads = static_cast<int>(us.size());
  if (us.empty()) return s;
  double sum = 0;
  for (double v : us) sum += v;
  s.mean_us = sum / static_cast<double>(us.size());
  s.p50_us = Percentile(&us, 0.50);
  s.p90_us = Percentile(&us, 0.90);
  s.p99_us = Percentile(&us, 0.99);
  return s;
}

// `n` keys drawn uniformly from the workload's rows.
void DrawKeys(const Workload& w, std::mt19937_64* rng, int n, std::vector<std::string>* keys) {
  keys->resize(static_cast<size_t>(n));
  std::uniform_int_distribution<int64_t> row(0, w.rows - 1);
  for (auto& k : *keys) k = KeyOf(row(*rng));
}

// Timed reads of `keys_per_read` keys: `warmup` untimed first. Every answer is checked.
Result<std::vector<double>> TimedReads(Client* client, const Workload& w, uint64_t stream,
                                       int keys_per_read, int warmup, int reads) {
  std::mt19937_64 rng(w.seed * 1000003 + stream);
  std::vector<std::string> keys;
  ReadResult result;
  std::vector<double> us;
  us.reserve(static_cast<size_t>(reads));
  for (int i = 0; i < warmup + reads; ++i) {
    DrawKeys(w, &rng, keys_per_read, &keys);
    auto start = Clock::now();
    Status st = client->Read(keys, &result);
    auto end = Clock::now();
    MURR_RETURN_IF_ERROR(st);
    MURR_RETURN_IF_ERROR(CheckAnswer(w, keys, result));
    if (i >= warmup) us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  return us;
}

uint64_t OwnMemory() {
  return TreeMemoryBytes(getpid());
}

}  // namespace

Status CheckAnswer(const Workload& w, const std::vector<std::string>& keys,
                   const ReadResult& result) {
  if (result.found.size() != keys.size() ||
      result.columns.size() != static_cast<size_t>(w.columns)) {
    return Status::Corruption("answer has " + std::to_string(result.found.size()) + " rows x " +
                              std::to_string(result.columns.size()) + " columns, expected " +
                              std::to_string(keys.size()) + " x " + std::to_string(w.columns));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    int64_t row = -1;
    const std::string& k = keys[i];
    auto [p, ec] = std::from_chars(k.data(), k.data() + k.size(), row);
    bool exists = ec == std::errc() && p == k.data() + k.size() && row >= 0 && row < w.rows &&
                  KeyOf(row) == k;
    if (static_cast<bool>(result.found[i]) != exists) {
      return Status::Corruption("key '" + k + "' is " + (result.found[i] ? "found" : "missing") +
                                ", expected " + (exists ? "found" : "missing"));
    }
    if (!exists) continue;
    for (int c = 0; c < w.columns; ++c) {
      float got = result.columns[static_cast<size_t>(c)][i];
      float want = ValueOf(w.seed, row, c);
      if (std::memcmp(&got, &want, sizeof(float)) != 0) {
        return Status::Corruption("key '" + k + "' " + ColumnName(c) + " is " +
                                  std::to_string(got) + ", expected " + std::to_string(want));
      }
    }
  }
  return Status::OK();
}

BackendReport RunBackend(Backend* backend, const Workload& w, const std::string& dir,
                         std::FILE* log) {
  BackendReport r;
  r.name = backend->name();
  r.description = backend->description();
  auto say = [&](const char* fmt, auto... args) {
    if (log == nullptr) return;
    std::fprintf(log, "[%s] ", r.name.c_str());
    std::fprintf(log, fmt, args...);
    std::fputc('\n', log);
    std::fflush(log);
  };
  auto fail = [&](const Status& st) {
    r.error = st.ToString();
    say("FAILED: %s", r.error.c_str());
    backend->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return r;
  };

  if (backend->optional()) {
    r.skipped = backend->SkipReason();
    if (!r.skipped.empty()) {
      say("skipped: %s", r.skipped.c_str());
      return r;
    }
  }

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Status::IOError("cannot create " + dir + ": " + ec.message()));
  uint64_t memory_before = OwnMemory();
  if (Status st = backend->Start(w, dir); !st.ok()) return fail(st);
  r.version = backend->version();
  r.in_process = backend->server_pid() < 0;
  say("started %s", r.version.c_str());

  // Load: batches are generated outside the timed section.
  double load = 0;
  for (int64_t first = 0; first < w.rows; first += w.batch_rows) {
    DataBatch batch = MakeBatch(w, first, std::min(w.batch_rows, w.rows - first));
    auto start = Clock::now();
    Status st = backend->Write(batch);
    load += std::chrono::duration<double>(Clock::now() - start).count();
    if (!st.ok()) return fail(st);
  }
  {
    auto start = Clock::now();
    Status st = backend->Finish();
    load += std::chrono::duration<double>(Clock::now() - start).count();
    if (!st.ok()) return fail(st);
  }
  r.load_seconds = load;
  r.rows_per_second = static_cast<double>(w.rows) / load;
  say("loaded %lld rows in %.2f s (%.0f rows/s)", static_cast<long long>(w.rows), load,
      r.rows_per_second);
  {
    auto start = Clock::now();
    Status st = backend->Settle();
    r.settle_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!st.ok()) return fail(st);
    if (r.settle_seconds > 0.01) say("settled in %.2f s", r.settle_seconds);
  }

  // Latency: one client, read_keys keys per read.
  auto client = backend->Connect();
  if (!client.ok()) return fail(client.status());
  SocketBytes before = SocketByteCounts((*client)->socket_fd());
  auto us = TimedReads(client->get(), w, 1, w.read_keys, w.warmup_reads, w.reads);
  if (!us.ok()) return fail(us.status());
  SocketBytes after = SocketByteCounts((*client)->socket_fd());
  double total_reads = w.warmup_reads + w.reads;
  r.request_bytes = static_cast<double>(after.sent - before.sent) / total_reads;
  r.reply_bytes = static_cast<double>(after.received - before.received) / total_reads;
  r.latency = Summarize(std::move(us).value());
  say("%d keys per read: p50 %.0f us, p90 %.0f us, p99 %.0f us; %.0f B sent, %.0f B received",
      w.read_keys, r.latency.p50_us, r.latency.p90_us, r.latency.p99_us, r.request_bytes,
      r.reply_bytes);

  if (r.in_process) {
    uint64_t now = OwnMemory();
    r.memory_bytes = now > memory_before ? now - memory_before : 0;
  } else {
    r.memory_bytes = TreeMemoryBytes(backend->server_pid());
  }
  say("memory %.1f MiB", static_cast<double>(r.memory_bytes) / (1 << 20));

  // Sweep: keys per read.
  for (int n : w.sweep) {
    if (n > w.rows) continue;
    int warmup = std::min(w.warmup_reads, std::max(3, w.sweep_reads / 10));
    auto s = TimedReads(client->get(), w, 100 + static_cast<uint64_t>(n), n, warmup, w.sweep_reads);
    if (!s.ok()) return fail(s.status());
    r.sweep.emplace_back(n, Summarize(std::move(s).value()));
    say("sweep %d keys: p50 %.0f us", n, r.sweep.back().second.p50_us);
  }
  client->reset();

  // Throughput: `clients` connections reading read_keys keys in a loop. The first answer of each
  // client is checked (checking all would load the client side, which shares the CPU).
  if (w.throughput_seconds > 0) {
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < w.clients; ++i) {
      auto c = backend->Connect();
      if (!c.ok()) return fail(c.status());
      clients.push_back(std::move(c).value());
    }
    std::atomic<bool> go{false}, stop{false};
    std::atomic<int64_t> done{0};
    std::vector<Status> errors(clients.size());
    std::vector<std::thread> threads;
    for (size_t t = 0; t < clients.size(); ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(w.seed * 7919 + t);
        std::vector<std::string> keys;
        ReadResult result;
        bool checked = false;
        while (!go.load()) std::this_thread::yield();
        while (!stop.load(std::memory_order_relaxed)) {
          DrawKeys(w, &rng, w.read_keys, &keys);
          Status st = clients[t]->Read(keys, &result);
          if (st.ok() && !checked) {
            st = CheckAnswer(w, keys, result);
            checked = true;
          }
          if (!st.ok()) {
            errors[t] = st;
            return;
          }
          done.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    auto start = Clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(w.throughput_seconds));
    stop = true;
    for (auto& th : threads) th.join();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (const auto& e : errors) {
      if (!e.ok()) return fail(e);
    }
    r.throughput_reads = static_cast<double>(done.load()) / seconds;
    say("%d clients: %.0f reads/s", w.clients, r.throughput_reads);
  }

  backend->Stop();
  std::filesystem::remove_all(dir, ec);
  return r;
}

std::string DescribeMachine() {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  long long mem_kb = 0;
  std::ifstream meminfo("/proc/meminfo");
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemTotal:", 0) == 0) mem_kb = std::atoll(line.c_str() + 9);
  }
  struct utsname u {};
  uname(&u);
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%s, %u cores, %.0f GiB, Linux %s", cpu.c_str(),
                std::thread::hardware_concurrency(), static_cast<double>(mem_kb) / (1 << 20),
                u.release);
  return buf;
}

}  // namespace murr::compare
