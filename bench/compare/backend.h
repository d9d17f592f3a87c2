// The interface each store in the side-by-side benchmark implements (see docs/benchmarks.md).
// A Backend owns a server (or, for Murr in process, the engine) for one run: Start it in an empty
// folder, Write the workload's batches, Finish, Settle, Connect clients, Stop. The runner times
// Write + Finish for ingestion and Client::Read for latency; Read must leave the whole answer
// decoded into columns, as a model's client would need it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/compare/workload.h"
#include "murr/core/status.h"

namespace murr::compare {

// One read's answer: columns[c][i] is column c of the i-th requested key; found[i] is 0 when the
// store has no row for that key (its column values are then 0).
struct ReadResult {
  std::vector<std::vector<float>> columns;
  std::vector<uint8_t> found;
  // Sizes the result for `num_columns` x `num_keys`, zero-filled, keeping capacity.
  void Reset(int num_columns, size_t num_keys);
};

class Client {
 public:
  virtual ~Client() = default;
  // Reads every workload column of `keys`, in the order given, into *out (Reset by the callee).
  // Missing keys are found = 0, not errors. Errors are I/O or protocol failures.
  virtual Status Read(const std::vector<std::string>& keys, ReadResult* out) = 0;
  // The connected TCP socket, for the runner's byte counts (TCP_INFO); -1 when in process.
  virtual int socket_fd() const { return -1; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Short stable name used in reports and the `backends` list, e.g. "redis-blob".
  virtual std::string name() const = 0;
  // One line on the layout and read path, e.g. "SET key <40 bytes>; one MGET".
  virtual std::string description() const = 0;
  // An optional backend's program is not installed by scripts/install-deps (upstream Murr comes
  // from `make bench-deps`): when it is absent the runner skips the backend with a note instead
  // of failing, and `make test` leaves it out. A required backend whose server is missing fails.
  virtual bool optional() const { return false; }
  // Why an optional backend cannot run on this machine and how to fix that; empty when it can.
  virtual std::string SkipReason() const { return ""; }
  // Starts the server with its data in `dir` (an empty folder the backend owns until Stop), and
  // creates whatever schema the workload needs.
  virtual Status Start(const Workload& w, const std::string& dir) = 0;
  // Writes one batch of rows. Called in order, rows never repeat.
  virtual Status Write(const DataBatch& batch) = 0;
  // After the last Write: whatever the store needs before it can serve reads as designed
  // (PostgreSQL: the primary key and statistics). Timed as part of ingestion.
  virtual Status Finish() { return Status::OK(); }
  // After Finish: waits for background maintenance the store does by itself to settle (Murr:
  // the merge into one segment), so that reads are measured in the steady state. Timed and
  // reported on its own, not part of ingestion: the data is readable before it.
  virtual Status Settle() { return Status::OK(); }
  // A new client with its own connection; safe to use from one thread while others use theirs.
  virtual Result<std::unique_ptr<Client>> Connect() = 0;
  // The server's main process (its children count too), or -1 when the store runs in process.
  virtual pid_t server_pid() const = 0;
  // The server's version, e.g. "Redis 7.0.15" (after Start).
  virtual std::string version() const = 0;
  // Stops the server and removes nothing (the runner removes `dir`). Safe to call twice.
  virtual void Stop() = 0;
};

// Every backend, in the report's order. Each is constructed but not started.
std::vector<std::unique_ptr<Backend>> AllBackends(const Workload& w);

// Factories, one per store (defined in murr_backends.cc, redis_backends.cc, postgres_backends.cc,
// upstream_backend.cc).
std::unique_ptr<Backend> MakeMurrEngineBackend(const Workload& w);
std::unique_ptr<Backend> MakeMurrHttpBackend(const Workload& w, bool arrow_replies);
std::unique_ptr<Backend> MakeMurrFlightBackend(const Workload& w);
std::unique_ptr<Backend> MakeRedisBlobBackend(const Workload& w);
std::unique_ptr<Backend> MakeRedisFeastBackend(const Workload& w);
std::unique_ptr<Backend> MakePostgresBackend(const Workload& w, bool bytea_layout);
// Upstream Murr, the Rust `murr` 0.2.1 from crates.io (upstream_backend.cc, decision 0025).
std::unique_ptr<Backend> MakeUpstreamMurrBackend(const Workload& w);

}  // namespace murr::compare
