// murr_soak: a long mixed read/write run against the real `murr serve` (`make soak`). Starts the
// server (or uses a running one with --port), loads a table of --rows keys with 10 float32
// columns, then runs --connections keep-alive connections of 1,000-key fetches (Arrow or JSON
// replies) mixed with small overwriting writes for --seconds. Every read is checked against what
// was written: the values of a key are a function of (key, write sequence), column f0 carries
// the sequence, and each key is written by one connection only, so a read must see a sequence
// between the last one acknowledged before it started and the last one sent before it ended.
// Every --interval seconds it prints requests/s, errors, latencies and the server's memory
// (/proc/<pid>/status VmRSS split into anonymous and file-backed pages, smaps_rollup Pss).
//
// The verdict: zero errors, and RSS flat: at most --max-rss-growth from the first --window
// seconds after --warmup to the last --window seconds. RSS is compared by its floor (the lowest
// sample) in each window, because it is a sawtooth: file-backed RSS rises with every small
// segment that writes add (each is mapped and its records and index faulted in) and falls when
// compaction merges them and unmaps the old files, while a merge briefly holds the segment it
// builds on the heap. One sample against one sample measures where in that cycle each fell;
// floors measure what stays. The single-sample comparison is printed too. Exits 1 on failure, 2
// when the run could not be set up.
//
//   murr_soak [--seconds 600] [--rows 1000000] [--connections 32] [--port P --pid PID]
//             [--write-fraction 0.1] [--write-rows 100] [--read-keys 1000] [--warmup 60]
//             [--interval 10] [--window 120] [--max-rss-growth 0.10] [--murr PATH] [--dir DIR]
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/compare/http_client.h"
#include "bench/compare/process.h"
#include "bench/float_table.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/columnar/column.h"

namespace murr::soak {
namespace {

using compare::HttpClient;
using Clock = std::chrono::steady_clock;

constexpr int kColumns = 10;
constexpr char kTable[] = "soak";
constexpr uint32_t kSeqLimit = 1u << 24;  // sequences are exact in a float32

struct Options {
  int seconds = 600;
  int64_t rows = 1000000;
  int connections = 32;
  int port = 0;  // 0: start a server
  pid_t pid = 0;
  double write_fraction = 0.1;
  int write_rows = 100;
  int read_keys = 1000;
  int warmup = 60;
  int interval = 10;
  int window = 120;
  double max_rss_growth = 0.10;
  std::string murr;
  std::string dir;
};

// Column c of key `key` after its write number `seq` (0 = the initial load). f0 is the sequence
// itself, so that a reader can tell which write it sees; the others mix key, sequence and column
// (all below 2^24, exact in float32).
float Value(int64_t key, uint32_t seq, int c) {
  if (c == 0) return static_cast<float>(seq);
  uint64_t v = static_cast<uint64_t>(key) * 2654435761u + uint64_t{seq} * 40503u + c * 977u;
  return static_cast<float>(v % kSeqLimit);
}

Batch MakeBatch(const std::vector<int64_t>& keys, const std::vector<uint32_t>& seqs) {
  Batch batch;
  batch.num_rows = static_cast<int64_t>(keys.size());
  ColumnBuilder kb(DataType::kUtf8);
  kb.Reserve(batch.num_rows, batch.num_rows * 15);
  for (int64_t k : keys) (void)kb.AppendString(bench::FloatTableKey(k));
  batch.fields.push_back({"key", DataType::kUtf8, false});
  batch.columns.push_back(kb.Finish());
  for (int c = 0; c < kColumns; ++c) {
    ColumnBuilder b(DataType::kFloat32);
    b.Reserve(batch.num_rows);
    for (size_t i = 0; i < keys.size(); ++i) b.Append<float>(Value(keys[i], seqs[i], c));
    batch.fields.push_back({"f" + std::to_string(c), DataType::kFloat32, true});
    batch.columns.push_back(b.Finish());
  }
  return batch;
}

// The write sequences of every key: `sent` is raised before a write is sent, `acked` after its
// 200. Key k is written only by connection k % connections, so each key's writes are ordered.
struct KeyState {
  explicit KeyState(int64_t rows) : sent(rows), acked(rows) {}
  std::vector<std::atomic<uint32_t>> sent;
  std::vector<std::atomic<uint32_t>> acked;
};

// One interval's measurements of one connection (the reporter takes them every interval).
struct Samples {
  std::mutex mu;
  std::vector<double> read_us, write_us;
  uint64_t requests = 0;
  uint64_t http_errors = 0, io_errors = 0, wrong_values = 0;
  std::string first_error;
};

double Percentile(std::vector<double>* v, double p) {
  if (v->empty()) return 0;
  size_t i = std::min(v->size() - 1, static_cast<size_t>(p * static_cast<double>(v->size())));
  std::nth_element(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(i), v->end());
  return (*v)[i];
}

struct Memory {
  uint64_t rss_kb = 0, anon_kb = 0, file_kb = 0, shmem_kb = 0, pss_kb = 0;
};

uint64_t FieldKb(const std::string& text, const char* name) {
  size_t at = text.find(name);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + std::strlen(name), nullptr, 10);
}

Memory ReadMemory(pid_t pid) {
  Memory m;
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::string status = slurp("/proc/" + std::to_string(pid) + "/status");
  m.rss_kb = FieldKb(status, "VmRSS:");
  m.anon_kb = FieldKb(status, "RssAnon:");
  m.file_kb = FieldKb(status, "RssFile:");
  m.shmem_kb = FieldKb(status, "RssShmem:");
  m.pss_kb = FieldKb(slurp("/proc/" + std::to_string(pid) + "/smaps_rollup"), "Pss:");
  return m;
}

class Worker {
 public:
  Worker(int id, const Options& o, KeyState* keys, int port, std::atomic<bool>* stop)
      : id_(id), o_(o), keys_(keys), port_(port), stop_(stop), rng_(1000 + id) {
    for (int64_t k = id; k < o.rows; k += o.connections) own_.push_back(k);
    columns_json_ = "[";
    for (int c = 0; c < kColumns; ++c) {
      columns_json_ += (c ? ",\"f" : "\"f") + std::to_string(c) + "\"";
    }
    columns_json_ += "]";
  }

  Samples& samples() { return samples_; }

  void Run() {
    std::uniform_real_distribution<double> coin(0, 1);
    while (!stop_->load(std::memory_order_relaxed)) {
      if (!http_) {
        auto c = HttpClient::Connect(port_);
        if (!c.ok()) {
          Fail(&Samples::io_errors, c.status().ToString());
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        http_.emplace(std::move(c).value());
      }
      if (!own_.empty() && coin(rng_) < o_.write_fraction) {
        DoWrite();
      } else {
        DoRead(coin(rng_) < 0.5);
      }
    }
  }

 private:
  void Fail(uint64_t Samples::*counter, const std::string& what) {
    std::lock_guard<std::mutex> lock(samples_.mu);
    ++(samples_.*counter);
    if (samples_.first_error.empty()) samples_.first_error = what;
  }
  void Record(std::vector<double> Samples::*list, Clock::time_point start) {
    double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    std::lock_guard<std::mutex> lock(samples_.mu);
    (samples_.*list).push_back(us);
    ++samples_.requests;
  }

  void DoWrite() {
    std::vector<int64_t> keys;
    std::vector<uint32_t> seqs;
    std::uniform_int_distribution<size_t> pick(0, own_.size() - 1);
    const size_t n = std::min<size_t>(static_cast<size_t>(o_.write_rows), own_.size());
    while (keys.size() < n) {
      int64_t k = own_[pick(rng_)];
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
      keys.push_back(k);
    }
    for (int64_t k : keys) {
      uint32_t s = keys_->sent[k].load() + 1;
      if (s >= kSeqLimit) s = keys_->sent[k].load();  // never reached in a soak's duration
      seqs.push_back(s);
      keys_->sent[k].store(s);
    }
    std::string body = WriteArrowIpcStream(MakeBatch(keys, seqs));
    auto start = Clock::now();
    auto status = http_->Request("PUT", std::string("/api/v1/table/") + kTable + "/write",
                                 "Content-Type: application/vnd.apache.arrow.stream\r\n", body);
    if (!status.ok()) {
      http_.reset();  // the write may or may not have happened; sent[] already covers it
      return Fail(&Samples::io_errors, "write: " + status.status().ToString());
    }
    if (*status != 200) {
      return Fail(&Samples::http_errors,
                  "write: " + std::to_string(*status) + " " + std::string(http_->body()));
    }
    Record(&Samples::write_us, start);
    for (size_t i = 0; i < keys.size(); ++i) keys_->acked[keys[i]].store(seqs[i]);
  }

  void DoRead(bool arrow) {
    std::uniform_int_distribution<int64_t> pick(0, o_.rows - 1);
    std::vector<int64_t> keys(static_cast<size_t>(o_.read_keys));
    std::vector<uint32_t> low(keys.size());
    std::string body = "{\"keys\":[";
    for (size_t i = 0; i < keys.size(); ++i) {
      keys[i] = pick(rng_);
      low[i] = keys_->acked[keys[i]].load();
      body += (i ? ",\"" : "\"") + bench::FloatTableKey(keys[i]) + "\"";
    }
    body += "],\"columns\":" + columns_json_ + "}";
    auto start = Clock::now();
    auto status = http_->Request(
        "POST", std::string("/api/v1/table/") + kTable + "/fetch",
        arrow ? "Content-Type: application/json\r\nAccept: application/vnd.apache.arrow.stream\r\n"
              : "Content-Type: application/json\r\n",
        body);
    if (!status.ok()) {
      http_.reset();
      return Fail(&Samples::io_errors, "read: " + status.status().ToString());
    }
    if (*status != 200) {
      return Fail(&Samples::http_errors,
                  "read: " + std::to_string(*status) + " " + std::string(http_->body()));
    }
    Record(&Samples::read_us, start);
    // Decode (part of a client's cost, but after the latency is taken) and check.
    std::vector<std::vector<float>> values(kColumns);
    std::string why = arrow ? DecodeArrow(&values) : DecodeJson(&values);
    if (why.empty()) why = Check(keys, low, values);
    if (!why.empty())
      Fail(&Samples::wrong_values, std::string(arrow ? "arrow" : "json") + ": " + why);
  }

  std::string DecodeArrow(std::vector<std::vector<float>>* values) {
    std::string_view b = http_->body();
    auto batches = ReadArrowIpcStream(Buffer::Copy(b.data(), b.size()));
    if (!batches.ok()) return batches.status().ToString();
    for (const Batch& batch : *batches) {
      if (batch.columns.size() != kColumns) return "wrong number of columns";
      for (int c = 0; c < kColumns; ++c) {
        const Column& col = batch.columns[c];
        if (col.type != DataType::kFloat32) return "column is not float32";
        for (int64_t r = 0; r < col.length; ++r) {
          if (col.IsNull(r)) return "null value for a present key";
          (*values)[c].push_back(col.Value<float>(r));
        }
      }
    }
    return "";
  }

  std::string DecodeJson(std::vector<std::vector<float>>* values) {
    std::string_view b = http_->body();
    simdjson::padded_string padded(b.data(), b.size());
    simdjson::dom::element root;
    if (json_.parse(padded).get(root) != simdjson::SUCCESS) return "reply is not JSON";
    simdjson::dom::object columns;
    if (root["columns"].get_object().get(columns) != simdjson::SUCCESS) return "no columns";
    for (int c = 0; c < kColumns; ++c) {
      simdjson::dom::array arr;
      if (columns["f" + std::to_string(c)].get_array().get(arr) != simdjson::SUCCESS) {
        return "column f" + std::to_string(c) + " missing";
      }
      for (simdjson::dom::element v : arr) {
        double d;
        if (v.get_double().get(d) != simdjson::SUCCESS) return "non-number value";
        (*values)[c].push_back(static_cast<float>(d));
      }
    }
    return "";
  }

  std::string Check(const std::vector<int64_t>& keys, const std::vector<uint32_t>& low,
                    const std::vector<std::vector<float>>& values) {
    for (int c = 0; c < kColumns; ++c) {
      if (values[c].size() != keys.size()) {
        return "column f" + std::to_string(c) + " has " + std::to_string(values[c].size()) +
               " values for " + std::to_string(keys.size()) + " keys";
      }
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      const float f0 = values[0][i];
      const uint32_t high = keys_->sent[keys[i]].load();
      const uint32_t seq = static_cast<uint32_t>(f0);
      if (static_cast<float>(seq) != f0 || seq < low[i] || seq > high) {
        return "key " + bench::FloatTableKey(keys[i]) + " shows write " + std::to_string(f0) +
               ", expected one of " + std::to_string(low[i]) + ".." + std::to_string(high);
      }
      for (int c = 1; c < kColumns; ++c) {
        if (values[c][i] != Value(keys[i], seq, c)) {
          return "key " + bench::FloatTableKey(keys[i]) + " column f" + std::to_string(c) +
                 " is not write " + std::to_string(seq) + "'s value";
        }
      }
    }
    return "";
  }

  int id_;
  const Options& o_;
  KeyState* keys_;
  int port_;
  std::atomic<bool>* stop_;
  std::mt19937_64 rng_;
  std::vector<int64_t> own_;  // keys this connection writes
  std::string columns_json_;
  std::optional<HttpClient> http_;
  simdjson::dom::parser json_;
  Samples samples_;
};

// Starts `murr serve` on free loopback ports with its cache under `dir`; fills *port.
Status StartServer(const Options& o, const std::string& dir, compare::ChildProcess* child,
                   int* port) {
  std::string binary = o.murr;
  if (binary.empty()) {
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return Status::IOError("cannot find the murr_soak executable");
    self[n] = '\0';
    binary = (std::filesystem::path(self).parent_path() / "murr").string();
  }
  MURR_ASSIGN_OR_RETURN(binary, compare::FindProgram({binary}));
  MURR_ASSIGN_OR_RETURN(*port, compare::FreeLoopbackPort());
  MURR_ASSIGN_OR_RETURN(int grpc_port, compare::FreeLoopbackPort());
  std::string config = dir + "/murr.yaml";
  {
    std::ofstream out(config);
    out << "server:\n  http:\n    host: 127.0.0.1\n    port: " << *port
        << "\n  grpc:\n    host: 127.0.0.1\n    port: " << grpc_port
        << "\nstorage:\n  cache_dir: " << dir << "/cache\n";
    if (!out) return Status::IOError("cannot write " + config);
  }
  compare::SpawnOptions so;
  so.argv = {binary, "serve", "--config", config};
  so.log_path = dir + "/murr.log";
  MURR_RETURN_IF_ERROR(child->Start(so));
  return compare::WaitForPort(*port, child, std::chrono::seconds(60));
}

Status Load(int port, const Options& o) {
  MURR_ASSIGN_OR_RETURN(HttpClient admin, HttpClient::Connect(port));
  std::string schema = bench::FloatTableSchemaJson(kColumns);
  MURR_ASSIGN_OR_RETURN(int status, admin.Request("PUT", std::string("/api/v1/table/") + kTable,
                                                  "Content-Type: application/json\r\n", schema));
  if (status != 201) return Status::IOError("create table: " + std::string(admin.body()));
  constexpr int64_t kLoadBatch = 100000;
  for (int64_t begin = 0; begin < o.rows; begin += kLoadBatch) {
    std::vector<int64_t> keys;
    for (int64_t k = begin; k < std::min(o.rows, begin + kLoadBatch); ++k) keys.push_back(k);
    std::string body = WriteArrowIpcStream(MakeBatch(keys, std::vector<uint32_t>(keys.size(), 0)));
    MURR_ASSIGN_OR_RETURN(
        status, admin.Request("PUT", std::string("/api/v1/table/") + kTable + "/write",
                              "Content-Type: application/vnd.apache.arrow.stream\r\n", body));
    if (status != 200) return Status::IOError("load: " + std::string(admin.body()));
  }
  return Status::OK();
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = a.rfind("--", 0) == 0 && a != "--help" ? next() : nullptr;
    if (a == "--help" || !v) {
      std::fprintf(stderr,
                   "usage: murr_soak [--seconds N] [--rows N] [--connections N] [--port P "
                   "--pid PID]\n  [--write-fraction F] [--write-rows N] [--read-keys N] "
                   "[--warmup S] [--interval S]\n  [--window S] [--max-rss-growth F] [--murr PATH] "
                   "[--dir DIR]\n");
      return false;
    }
    if (a == "--seconds")
      o->seconds = std::atoi(v);
    else if (a == "--rows")
      o->rows = std::atoll(v);
    else if (a == "--connections")
      o->connections = std::atoi(v);
    else if (a == "--port")
      o->port = std::atoi(v);
    else if (a == "--pid")
      o->pid = static_cast<pid_t>(std::atoi(v));
    else if (a == "--write-fraction")
      o->write_fraction = std::atof(v);
    else if (a == "--write-rows")
      o->write_rows = std::atoi(v);
    else if (a == "--read-keys")
      o->read_keys = std::atoi(v);
    else if (a == "--warmup")
      o->warmup = std::atoi(v);
    else if (a == "--interval")
      o->interval = std::atoi(v);
    else if (a == "--window")
      o->window = std::atoi(v);
    else if (a == "--max-rss-growth")
      o->max_rss_growth = std::atof(v);
    else if (a == "--murr")
      o->murr = v;
    else if (a == "--dir")
      o->dir = v;
    else {
      std::fprintf(stderr, "murr_soak: unknown option %s\n", a.c_str());
      return false;
    }
  }
  if (o->seconds <= 0 || o->rows <= 0 || o->connections <= 0 || o->read_keys <= 0 ||
      o->write_rows <= 0 || o->interval <= 0 || o->window <= 0 || o->warmup < 0 ||
      o->write_fraction < 0 || o->write_fraction > 1) {
    std::fprintf(stderr, "murr_soak: option out of range\n");
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return 2;
  compare::ChildProcess child;
  std::string dir = o.dir;
  bool own_dir = false;
  int port = o.port;
  pid_t pid = o.pid;
  if (port == 0) {
    if (dir.empty()) {
      std::string templ = (std::filesystem::temp_directory_path() / "murr-soak-XXXXXX").string();
      if (::mkdtemp(templ.data()) == nullptr) return std::perror("mkdtemp"), 2;
      dir = templ;
      own_dir = true;
    }
    Status st = StartServer(o, dir, &child, &port);
    if (!st.ok()) {
      std::fprintf(stderr, "murr_soak: cannot start murr: %s\n", st.ToString().c_str());
      return 2;
    }
    pid = child.pid();
  }
  std::printf("murr_soak: server on port %d (pid %d), %" PRId64
              " rows x %d float32, %d "
              "connections, %.0f%% writes of %d rows, %d-key reads (half Arrow, half JSON), %d s\n",
              port, static_cast<int>(pid), o.rows, kColumns, o.connections, o.write_fraction * 100,
              o.write_rows, o.read_keys, o.seconds);
  auto load_start = Clock::now();
  if (Status st = Load(port, o); !st.ok()) {
    std::fprintf(stderr, "murr_soak: loading failed: %s\n", st.ToString().c_str());
    return 2;
  }
  std::printf("loaded in %.1f s; server memory %s\n",
              std::chrono::duration<double>(Clock::now() - load_start).count(),
              pid ? (std::to_string(ReadMemory(pid).rss_kb / 1024) + " MiB RSS").c_str()
                  : "not sampled (no --pid)");

  KeyState keys(o.rows);
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < o.connections; ++i) {
    workers.push_back(std::make_unique<Worker>(i, o, &keys, port, &stop));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->Run(); });

  std::printf("%8s %9s %7s %9s %9s %9s %9s %9s %9s %9s\n", "elapsed", "req/s", "errors", "read_p50",
              "read_p99", "write_p99", "rss_MiB", "anon_MiB", "file_MiB", "pss_MiB");
  const auto start = Clock::now();
  uint64_t total_requests = 0, http_errors = 0, io_errors = 0, wrong = 0;
  std::string first_error;
  std::vector<double> interval_p99;
  std::vector<double> all_read, all_write;
  std::vector<std::pair<int, Memory>> memory;  // (elapsed s, sample)
  for (int t = o.interval; t <= o.seconds; t += o.interval) {
    std::this_thread::sleep_until(start + std::chrono::seconds(t));
    std::vector<double> read, write;
    uint64_t requests = 0;
    for (auto& w : workers) {
      Samples& s = w->samples();
      std::lock_guard<std::mutex> lock(s.mu);
      read.insert(read.end(), s.read_us.begin(), s.read_us.end());
      write.insert(write.end(), s.write_us.begin(), s.write_us.end());
      requests += s.requests;
      http_errors += s.http_errors;
      io_errors += s.io_errors;
      wrong += s.wrong_values;
      if (first_error.empty()) first_error = s.first_error;
      s.read_us.clear();
      s.write_us.clear();
      s.requests = s.http_errors = s.io_errors = s.wrong_values = 0;
      s.first_error.clear();
    }
    total_requests += requests;
    all_read.insert(all_read.end(), read.begin(), read.end());
    all_write.insert(all_write.end(), write.begin(), write.end());
    const double p99 = Percentile(&read, 0.99);
    interval_p99.push_back(p99);
    Memory m = pid ? ReadMemory(pid) : Memory{};
    memory.emplace_back(t, m);
    std::printf("%7ds %9.0f %7" PRIu64 " %7.2fms %7.2fms %7.2fms %9.1f %9.1f %9.1f %9.1f\n", t,
                static_cast<double>(requests) / o.interval, http_errors + io_errors + wrong,
                Percentile(&read, 0.5) / 1000, p99 / 1000, Percentile(&write, 0.99) / 1000,
                m.rss_kb / 1024.0, m.anon_kb / 1024.0, m.file_kb / 1024.0, m.pss_kb / 1024.0);
    std::fflush(stdout);
    if (pid && !child.running() && o.port == 0) {
      first_error = first_error.empty() ? "the server exited" : first_error;
      ++io_errors;
      break;
    }
  }
  stop = true;
  for (auto& t : threads) t.join();

  std::printf("\n== murr_soak verdict\n");
  std::printf("requests: %" PRIu64 " (%.0f/s); reads %zu, writes %zu\n", total_requests,
              static_cast<double>(total_requests) / o.seconds, all_read.size(), all_write.size());
  std::printf("errors: %" PRIu64 " (HTTP status %" PRIu64 ", I/O %" PRIu64 ", wrong values %" PRIu64
              ")%s%s\n",
              http_errors + io_errors + wrong, http_errors, io_errors, wrong,
              first_error.empty() ? "" : "; first: ", first_error.c_str());
  std::vector<double> p99s = interval_p99;
  std::printf(
      "read latency over the run: p50 %.2f ms, p99 %.2f ms; median of the %zu interval "
      "p99s %.2f ms; write p99 %.2f ms\n",
      Percentile(&all_read, 0.5) / 1000, Percentile(&all_read, 0.99) / 1000, p99s.size(),
      Percentile(&p99s, 0.5) / 1000, Percentile(&all_write, 0.99) / 1000);
  bool pass = http_errors + io_errors + wrong == 0;
  // The first sample at or after the warm-up, the last sample, and the floors of the windows.
  const int end = memory.empty() ? 0 : memory.back().first;
  const Memory* warm = nullptr;
  int warm_t = 0;
  const Memory* warm_floor = nullptr;
  const Memory* end_floor = nullptr;
  for (const auto& [t, m] : memory) {
    if (t < o.warmup) continue;
    if (!warm) {
      warm = &m;
      warm_t = t;
    }
    if (t <= o.warmup + o.window && (!warm_floor || m.rss_kb < warm_floor->rss_kb)) warm_floor = &m;
    if (t > end - o.window && (!end_floor || m.rss_kb < end_floor->rss_kb)) end_floor = &m;
  }
  auto growth = [](uint64_t from, uint64_t to) {
    return from ? static_cast<double>(to) / static_cast<double>(from) - 1 : 0.0;
  };
  auto mib = [](uint64_t kb) { return static_cast<double>(kb) / 1024.0; };
  if (pid && warm && warm_floor && end_floor) {
    const Memory& last = memory.back().second;
    std::printf(
        "server RSS, one sample each: %.1f MiB at %d s (anon %.1f, file %.1f), %.1f MiB "
        "at %d s (anon %.1f, file %.1f): %+.1f%%\n",
        mib(warm->rss_kb), warm_t, mib(warm->anon_kb), mib(warm->file_kb), mib(last.rss_kb), end,
        mib(last.anon_kb), mib(last.file_kb), growth(warm->rss_kb, last.rss_kb) * 100);
    const double g = growth(warm_floor->rss_kb, end_floor->rss_kb);
    const bool flat = g <= o.max_rss_growth;
    std::printf(
        "server RSS floors: %.1f MiB in %d..%d s (anon %.1f, file %.1f), %.1f MiB in the "
        "last %d s (anon %.1f, file %.1f): %+.1f%% (limit %+.0f%%) %s; heap (anon) "
        "%+.1f%%, mapped segments (file) %+.1f%%\n",
        mib(warm_floor->rss_kb), o.warmup, o.warmup + o.window, mib(warm_floor->anon_kb),
        mib(warm_floor->file_kb), mib(end_floor->rss_kb), o.window, mib(end_floor->anon_kb),
        mib(end_floor->file_kb), g * 100, o.max_rss_growth * 100, flat ? "flat" : "GROWING",
        growth(warm_floor->anon_kb, end_floor->anon_kb) * 100,
        growth(warm_floor->file_kb, end_floor->file_kb) * 100);
    uint64_t peak = 0;
    for (const auto& [t, m] : memory) peak = std::max(peak, m.rss_kb);
    std::printf("server RSS peak: %.1f MiB\n", mib(peak));
    pass = pass && flat;
  } else {
    std::printf("server RSS: not checked (%s)\n",
                pid ? "the run ended before the warm-up" : "no --pid for a running server");
    if (pid) pass = false;
  }
  std::printf("verdict: %s\n", pass ? "PASS" : "FAIL");
  if (o.port == 0) {
    child.Stop(SIGTERM, std::chrono::seconds(30));
    if (own_dir) std::filesystem::remove_all(dir);
  }
  return pass ? 0 : 1;
}

}  // namespace
}  // namespace murr::soak

int main(int argc, char** argv) {
  return murr::soak::Main(argc, argv);
}
