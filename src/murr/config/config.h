// Config: every tunable of the `murr` process in one struct, with its default and the reason for
// it, and the loader that overlays a YAML file and MURR_* environment variables on the defaults.
// Loading is strict: an unknown key, an unknown MURR_* variable, a value of the wrong type or out
// of range is an error that names the key. Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "murr/core/schema.h"
#include "murr/core/status.h"

namespace murr {

struct EndpointConfig {
  std::string host;
  // 0 asks the kernel for a free port (tests); the server prints the port it got.
  int port = 0;
};

// TLS from PEM files: both set, or neither (plaintext). Served by HTTP and Arrow Flight alike.
struct TlsConfig {
  std::string cert_file;  // the certificate chain, leaf first
  std::string key_file;   // its private key
  bool enabled() const { return !cert_file.empty(); }
};

// Bearer tokens (TokenAuth). No token at all means no authentication.
struct AuthConfig {
  // "read:<token>,write:<token>,...". A secret: never logged (DescribeConfig redacts it).
  std::string tokens;
  // A file of "scope:token" lines; keeps tokens out of the config and the environment.
  std::string tokens_file;
  // Whether GET /health answers without a token: load balancers probe it without credentials.
  bool open_health = true;
  // Whether GET /metrics answers without a token. Off: it names every table.
  bool open_metrics = false;
};

struct HttpConfig {
  EndpointConfig endpoint{"0.0.0.0", 8080};
  // Largest request body accepted. A write is one whole batch held in memory, so this bounds
  // the memory one request can take; 1 GiB fits a Parquet partition of a few million rows.
  // A declared Content-Length above it is refused (413) before the body is read.
  uint64_t max_body_bytes = uint64_t{1} << 30;
  // Largest decoded size of one Parquet write body (fixed-width values and string offsets the
  // file's footer claims), checked before anything is allocated. A compressed 1 GiB file may
  // claim tens of GiB; 8 GiB keeps one write well inside a server's memory.
  uint64_t max_decoded_bytes = uint64_t{8} << 30;
  // Most keys in one fetch. Inference asks for hundreds to a few thousand; 100,000 keeps one
  // reply's memory bounded (x columns x width) while leaving room for batch scoring jobs.
  uint64_t max_fetch_keys = 100000;
  // Time allowed to receive a request's headers once its first byte arrived. Headers are small;
  // 10 s is generous for any real client and closes slow-loris connections.
  int64_t header_timeout_ms = 10000;
  // Time a keep-alive connection may sit idle between requests. Clients pool connections; 60 s
  // is above common pool idle settings (so they close first) and frees abandoned sockets.
  int64_t idle_timeout_ms = 60000;
  // Time allowed to read one request body or write one response. 1 GiB at ~30 MB/s fits; a
  // stalled peer cannot pin a worker's connection forever.
  int64_t io_timeout_ms = 300000;
  // On SIGINT/SIGTERM, requests in flight get this long to finish before the process exits.
  // A write is durable before it is acknowledged, so cutting it short never tears a table.
  int64_t shutdown_timeout_ms = 30000;
  // Threads running the server's event loop, the fetches and the other quick requests.
  // 0 means one per hardware thread.
  int worker_threads = 0;
  // Threads running the slow requests (writes: decode + fsync; create, drop, listings), so that
  // a fetch never waits behind them. It also bounds how many writes hold their decoded batch in
  // memory at once. 2 keeps a disk busy while a second write decodes.
  int work_threads = 2;
  // Slow requests allowed to wait for a work thread; past it they are answered 503 at once
  // rather than piling up bodies in memory.
  uint64_t max_queued_work = 64;
  // One log line per request (method, target, status, bytes, microseconds). Off by default: at
  // tens of thousands of requests per second the log would cost more than the requests.
  bool access_log = false;
  // Most connections open at once; past it the server stops accepting (new clients wait in the
  // kernel's backlog) until one closes. Each costs a socket and a read buffer; 10,000 is far
  // above what an inference fleet keeps open to one worker, far below the descriptor limit.
  int64_t max_connections = 10000;
  // Limits on a request's head, on top of the 16 KiB for all headers together: real targets are
  // a few dozen bytes and real requests carry about ten headers.
  int64_t max_target_bytes = 8192;
  int64_t max_header_count = 100;
  TlsConfig tls;
};

// A table fed by a source (YAML `tables: {<name>: {...}}`; see docs/api.md).
struct TableSourceConfig {
  std::string name;
  std::string source;  // file:///path/ or s3://bucket/prefix/
  std::string key;
  // From `columns` (the form of a TableSchema's columns); none: every column of the files.
  std::optional<TableSchema> schema;
  // Seconds between checks of the source: a partition lands hourly or daily, and one listing a
  // minute per worker costs nothing. Fractions allowed (down to 0.05, for tests).
  double poll_seconds = 60;
  std::string marker = "_SUCCESS";  // what Spark and Hadoop write into a finished partition
};

// How S3 sources are reached (S3Options).
struct S3Config {
  std::string endpoint;  // empty: AWS
  std::string region = "us-east-1";
  bool path_style = false;
  bool anonymous = false;
};

struct Config {
  // Tables loaded from sources, in name order.
  std::vector<TableSourceConfig> tables;
  S3Config s3;
  // Objects a load downloads and decodes at once (LoadOptions::download_threads).
  int sync_download_threads = 2;
  HttpConfig http;
  AuthConfig auth;
  // Arrow Flight (gRPC) endpoint; served by the Flight API layer.
  EndpointConfig grpc{"0.0.0.0", 8081};
  // A Flight stream (DoPut or DoGet) that has not finished after this long is cancelled, so a
  // stalled client cannot hold a gRPC thread and a write's memory forever (like io_timeout_ms).
  int64_t grpc_stream_timeout_ms = 300000;
  // Directory holding the tables. Empty means the first writable of <cwd>/murr,
  // /var/lib/murr/murr, /data/murr, <tmp>/murr (see ResolveCacheDir).
  std::string cache_dir;
  // Seconds without writes after which a table's segments are merged into one; 0 = never
  // (TableOptions::idle_compaction_seconds).
  int idle_compaction_seconds = 30;
  // fsync every segment and directory before a write is acknowledged (true: "fsync"), or leave
  // it to the kernel ("none": faster writes; a power loss may lose the last seconds of writes,
  // never tear a table, since files are still written whole and renamed). A cache can choose;
  // the default stays durable.
  bool durable = true;
  // Use a non-empty cache_dir that is not marked as Murr's (its other entries stay untouched).
  // Off by default, so that a typo in cache_dir cannot point Murr at a user's data.
  bool adopt_cache_dir = false;
  // Compaction tiering and segment cap (TableOptions::tier_fan_in, max_segments).
  int tier_fan_in = 4;
  int max_segments = 24;
  // Verify every checksum of every segment at start-up (TableOptions::verify_checksums_on_open).
  bool verify_checksums_on_open = true;
  // Largest merge in bytes of input segments (TableOptions::max_merge_bytes).
  int64_t max_merge_bytes = int64_t{4} << 30;
};

// One configuration key: its dotted path in the YAML file ("server.http.port"), the environment
// variable that overrides it ("MURR_SERVER_HTTP_PORT"), its type and a one-line description.
struct ConfigKey {
  std::string path;
  std::string env;
  std::string type;  // "string", "integer", "boolean"
  std::string description;
};

// Every key, in documentation order.
const std::vector<ConfigKey>& ConfigKeys();

// Loads the configuration: defaults, then the YAML file at `file` (skipped when empty), then
// every variable of `env` whose name starts with "MURR_". Errors (InvalidArgument) name the key
// or variable: unknown keys, wrong types, ports outside 0..65535, non-positive limits, an
// unreadable or malformed file. Does not touch cache_dir on disk (see ResolveCacheDir).
Result<Config> LoadConfig(const std::string& file,
                          const std::vector<std::pair<std::string, std::string>>& env);

// The same from YAML (or JSON) text instead of a file; errors are prefixed with `origin`
// ("the configuration"). An empty text is the defaults.
Result<Config> LoadConfigText(std::string_view text, const std::string& origin,
                              const std::vector<std::pair<std::string, std::string>>& env);

// The MURR_* variables of the current process environment.
std::vector<std::pair<std::string, std::string>> ProcessEnvironment();

// Fills an empty cache_dir with the first writable default and checks that the directory can be
// created and written (a file is created and removed). An error names storage.cache_dir.
Status ResolveCacheDir(Config* config);

// The effective configuration as one line of "key=value" pairs, for the start-up log.
std::string DescribeConfig(const Config& config);

}  // namespace murr
