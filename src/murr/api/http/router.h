// Router: the HTTP API's request handling without any socket code. Matches a request to a route,
// turns it into TableService calls and turns their Status into an HTTP status and a JSON error.
// Thread-safe: Handle may run on every worker thread at once (TableService is thread-safe and
// the router holds no mutable state besides the metrics' atomics).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "murr/api/http/http_types.h"
#include "murr/api/http/metrics.h"
#include "murr/api/http/routes.h"
#include "murr/core/status.h"
#include "murr/core/token_auth.h"
#include "murr/service/table_service.h"

namespace murr::http {

struct RouterOptions {
  // Most keys accepted in one fetch (HttpConfig::max_fetch_keys).
  uint64_t max_fetch_keys = 100000;
  // Largest decoded size of a Parquet write (HttpConfig::max_decoded_bytes).
  uint64_t max_decoded_bytes = uint64_t{8} << 30;
  // Bearer tokens and the routes open without one.
  AccessControl access;
};

// The HTTP status for a Status code: InvalidArgument and Unimplemented 400, NotFound 404,
// AlreadyExists 409, ResourceExhausted 413, Unavailable 503, NoSpace 507, everything else 500.
int HttpStatusFor(const Status& status);

// A {"error": "..."} reply.
HttpResponse ErrorResponse(int http_status, std::string_view message);

class Router {
 public:
  Router(TableService* service, HttpMetrics* metrics, RouterOptions options)
      : service_(service), metrics_(metrics), options_(options) {}

  HttpResponse Handle(const HttpRequest& request) const;
  // The same, for a caller that already matched the route (`match` is MatchRoute(target)).
  HttpResponse Handle(const HttpRequest& request, const RouteMatch& match) const;
  // A 401/403 reply when `access` refuses the request for `route`, nullopt when it may go on.
  std::optional<HttpResponse> Authorize(const HttpRequest& request, int route) const;

 private:
  HttpResponse ListTables() const;
  HttpResponse CreateTable(const std::string& name, const HttpRequest& request) const;
  HttpResponse DropTable(const std::string& name) const;
  HttpResponse GetSchema(const std::string& name) const;
  HttpResponse GetStatus(const std::string& name) const;
  HttpResponse Fetch(const std::string& name, const HttpRequest& request) const;
  HttpResponse Write(const std::string& name, const HttpRequest& request) const;
  HttpResponse Metrics() const;

  TableService* service_;
  HttpMetrics* metrics_;
  RouterOptions options_;
};

}  // namespace murr::http
