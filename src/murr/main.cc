// `murr`: the server program. `murr serve [--config FILE]` (serve is the default command) loads
// the configuration (defaults < YAML file < MURR_* environment), opens the cache and serves the
// HTTP API until SIGINT or SIGTERM, then stops accepting, finishes the requests in flight and
// exits 0.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "murr/api/flight/flight_server.h"
#include "murr/api/http/http_server.h"
#include "murr/config/config.h"
#include "murr/service/table_service.h"

#ifndef MURR_VERSION
#define MURR_VERSION "0.0.0"
#endif

namespace {

// Exit codes: 2 for a configuration error (nothing started), 1 for a failure to start.
constexpr int kExitConfig = 2;
constexpr int kExitStart = 1;

int Serve(const std::string& config_file) {
  murr::Result<murr::Config> loaded = murr::LoadConfig(config_file, murr::ProcessEnvironment());
  if (!loaded.ok()) {
    spdlog::error("configuration error: {}", loaded.status().message());
    return kExitConfig;
  }
  murr::Config config = std::move(loaded).value();
  murr::Status st = murr::ResolveCacheDir(&config);
  if (!st.ok()) {
    spdlog::error("configuration error: {}", st.message());
    return kExitConfig;
  }
  spdlog::info("murr {} starting with {}", MURR_VERSION, murr::DescribeConfig(config));

  murr::ServiceOptions service_options;
  service_options.cache_dir = config.cache_dir;
  service_options.adopt_cache_dir = config.adopt_cache_dir;
  service_options.table.idle_compaction_seconds = config.idle_compaction_seconds;
  service_options.table.tier_fan_in = config.tier_fan_in;
  service_options.table.max_segments = config.max_segments;
  service_options.table.verify_checksums_on_open = config.verify_checksums_on_open;
  service_options.table.max_merge_bytes = config.max_merge_bytes;
  service_options.table.fsync = config.durable;
  for (const murr::TableSourceConfig& t : config.tables) {
    murr::SourceSpec spec;
    spec.table = t.name;
    spec.url = t.source;
    spec.key = t.key;
    spec.schema = t.schema;
    spec.poll_seconds = t.poll_seconds;
    spec.marker = t.marker;
    service_options.sources.push_back(std::move(spec));
  }
  service_options.s3.endpoint = config.s3.endpoint;
  service_options.s3.region = config.s3.region;
  service_options.s3.path_style = config.s3.path_style;
  service_options.s3.anonymous = config.s3.anonymous;
  service_options.load.download_threads = config.sync_download_threads;
  auto service = murr::TableService::Open(service_options);
  if (!service.ok()) {
    spdlog::error("cannot open the cache: {}", service.status().ToString());
    return kExitStart;
  }

  // Worker threads inherit this mask, so the signals reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A file-size limit (ulimit -f) then fails the write with EFBIG (507) instead of killing us.
  signal(SIGXFSZ, SIG_IGN);

  auto tokens = murr::TokenAuth::Load(config.auth.tokens, config.auth.tokens_file);
  if (!tokens.ok()) {
    spdlog::error("configuration error: {}", tokens.status().message());
    return kExitConfig;
  }
  murr::AccessControl access{&*tokens, config.auth.open_health, config.auth.open_metrics};
  if (access.enabled()) {
    spdlog::info("authentication on: {} bearer token(s); /health {}, /metrics {}", tokens->size(),
                 access.open_health ? "open" : "needs a token",
                 access.open_metrics ? "open" : "needs a token");
  }
  auto server = murr::http::HttpServer::Start(config.http, service->get(), access);
  if (!server.ok()) {
    spdlog::error("cannot start the HTTP server: {}", server.status().message());
    return kExitStart;
  }
  // Arrow Flight (gRPC) on server.grpc, sharing the service; up before the HTTP line (which
  // tests wait for) is printed.
  murr::flight::FlightOptions flight_options;
  flight_options.endpoint = config.grpc;
  flight_options.max_fetch_keys = config.http.max_fetch_keys;
  flight_options.max_write_bytes = config.http.max_body_bytes;
  flight_options.stream_timeout_ms = config.grpc_stream_timeout_ms;
  flight_options.tls = config.http.tls;
  flight_options.access = access;
  auto flight = murr::flight::FlightServer::Start(flight_options, service->get());
  if (!flight.ok()) {
    spdlog::error("cannot start the Arrow Flight server: {}", flight.status().message());
    return kExitStart;
  }
  spdlog::info("murr Arrow Flight listening on {}://{}:{}",
               config.http.tls.enabled() ? "grpc+tls" : "grpc", (*flight)->host(),
               (*flight)->port());

  for (const murr::QuarantinedTable& q : (*service)->QuarantinedTables()) {
    spdlog::error("serving without quarantined table '{}' (503 until dropped): {}", q.name,
                  q.reason);
  }
  spdlog::info("murr listening on {}://{}:{} (cache_dir {})",
               config.http.tls.enabled() ? "https" : "http", (*server)->host(), (*server)->port(),
               config.cache_dir);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}: no new connections; finishing requests in flight",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  // A second signal while requests drain exits at once: every write is atomic on disk, so an
  // interrupted one simply did not happen.
  std::thread([signals] {
    int again = 0;
    sigwait(&signals, &again);
    spdlog::warn("second signal: exiting without waiting");
    spdlog::default_logger()->flush();
    std::_Exit(1);
  }).detach();
  (*server)->Shutdown();
  (*flight)->Shutdown(config.http.shutdown_timeout_ms);
  (*server)->Wait();
  server->reset();
  flight->reset();
  service->reset();
  spdlog::info("murr stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("murr");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);

  CLI::App app{"murr: a columnar cache for ML features", "murr"};
  app.set_version_flag("--version", "murr " MURR_VERSION);
  std::string config_file;
  app.add_option("-c,--config", config_file,
                 "YAML configuration file (keys: docs/api.md; MURR_* variables override it)");
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP API (the default command)");
  serve->fallthrough();
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  return Serve(config_file);
}
