#include "murr/app/server_app.h"

#include <spdlog/spdlog.h>

#include "murr/api/flight/flight_server.h"
#include "murr/api/http/http_server.h"

#ifndef MURR_VERSION
#define MURR_VERSION "0.0.0"
#endif

namespace murr {

ServiceOptions ServiceOptionsFromConfig(const Config& config) {
  ServiceOptions options;
  options.cache_dir = config.cache_dir;
  options.adopt_cache_dir = config.adopt_cache_dir;
  options.table.idle_compaction_seconds = config.idle_compaction_seconds;
  options.table.tier_fan_in = config.tier_fan_in;
  options.table.max_segments = config.max_segments;
  options.table.verify_checksums_on_open = config.verify_checksums_on_open;
  options.table.max_merge_bytes = config.max_merge_bytes;
  options.table.fsync = config.durable;
  for (const TableSourceConfig& t : config.tables) {
    SourceSpec spec;
    spec.table = t.name;
    spec.url = t.source;
    spec.key = t.key;
    spec.schema = t.schema;
    spec.poll_seconds = t.poll_seconds;
    spec.marker = t.marker;
    options.sources.push_back(std::move(spec));
  }
  options.s3.endpoint = config.s3.endpoint;
  options.s3.region = config.s3.region;
  options.s3.path_style = config.s3.path_style;
  options.s3.anonymous = config.s3.anonymous;
  options.load.download_threads = config.sync_download_threads;
  return options;
}

Result<std::unique_ptr<ServerApp>> ServerApp::Start(Config config, FailurePhase* phase) {
  auto fail = [phase](FailurePhase p, Status st) {
    if (phase) *phase = p;
    return st;
  };
  std::unique_ptr<ServerApp> app(new ServerApp());
  Status st = ResolveCacheDir(&config);
  if (!st.ok()) return fail(FailurePhase::kConfig, st);
  spdlog::info("murr {} starting with {}", MURR_VERSION, DescribeConfig(config));
  auto tokens = TokenAuth::Load(config.auth.tokens, config.auth.tokens_file);
  if (!tokens.ok()) return fail(FailurePhase::kConfig, tokens.status());
  app->config_ = std::move(config);
  app->tokens_ = std::move(tokens).value();
  const Config& c = app->config_;

  auto service = TableService::Open(ServiceOptionsFromConfig(c));
  if (!service.ok()) {
    return fail(FailurePhase::kStart, service.status().WithContext("cannot open the cache"));
  }
  app->service_ = std::move(service).value();

  AccessControl access{&app->tokens_, c.auth.open_health, c.auth.open_metrics};
  if (access.enabled()) {
    spdlog::info("authentication on: {} bearer token(s); /health {}, /metrics {}",
                 app->tokens_.size(), access.open_health ? "open" : "needs a token",
                 access.open_metrics ? "open" : "needs a token");
  }
  auto http = http::HttpServer::Start(c.http, app->service_.get(), access);
  if (!http.ok()) {
    return fail(FailurePhase::kStart, http.status().WithContext("cannot start the HTTP server"));
  }
  app->http_ = std::move(http).value();

  // Arrow Flight (gRPC) on server.grpc, sharing the service; up before the HTTP line (which
  // tests wait for) is logged.
  flight::FlightOptions flight_options;
  flight_options.endpoint = c.grpc;
  flight_options.max_fetch_keys = c.http.max_fetch_keys;
  flight_options.max_write_bytes = c.http.max_body_bytes;
  flight_options.stream_timeout_ms = c.grpc_stream_timeout_ms;
  flight_options.tls = c.http.tls;
  flight_options.access = access;
  auto flight = flight::FlightServer::Start(flight_options, app->service_.get());
  if (!flight.ok()) {
    app->Stop(0);
    return fail(FailurePhase::kStart,
                flight.status().WithContext("cannot start the Arrow Flight server"));
  }
  app->flight_ = std::move(flight).value();
  spdlog::info("murr Arrow Flight listening on {}://{}:{}", app->tls() ? "grpc+tls" : "grpc",
               app->flight_->host(), app->flight_->port());

  for (const QuarantinedTable& q : app->service_->QuarantinedTables()) {
    spdlog::error("serving without quarantined table '{}' (503 until dropped): {}", q.name,
                  q.reason);
  }
  spdlog::info("murr listening on {}://{}:{} (cache_dir {})", app->tls() ? "https" : "http",
               app->http_->host(), app->http_->port(), c.cache_dir);
  return app;
}

ServerApp::~ServerApp() {
  Stop();
}

const std::string& ServerApp::http_host() const {
  return http_->host();
}
int ServerApp::http_port() const {
  return http_->port();
}
const std::string& ServerApp::flight_host() const {
  return flight_->host();
}
int ServerApp::flight_port() const {
  return flight_->port();
}

void ServerApp::Stop(int64_t grace_ms) {
  if (http_) http_->Shutdown();
  if (flight_) flight_->Shutdown(grace_ms);
  if (http_) http_->Wait();
  http_.reset();
  flight_.reset();
  service_.reset();
}

}  // namespace murr
