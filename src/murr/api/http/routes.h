// The HTTP API's routes: an index per route template (used by the router, the metrics and the
// OpenAPI test) and path matching. Pure functions over constant tables; thread-safe.
#pragma once

#include <string_view>

namespace murr::http {

enum Route : int {
  kRouteUnmatched = 0,
  kRouteHealth,      // GET /health
  kRouteOpenApi,     // GET /openapi.json
  kRouteMetrics,     // GET /metrics
  kRouteListTables,  // GET /api/v1/table
  kRouteTable,       // PUT, DELETE /api/v1/table/{name}
  kRouteSchema,      // GET /api/v1/table/{name}/schema
  kRouteFetch,       // POST /api/v1/table/{name}/fetch
  kRouteWrite,       // PUT /api/v1/table/{name}/write
  kRouteStatus,      // GET /api/v1/table/{name}/status
  kNumRoutes,
};

// The route's path template ("/api/v1/table/{name}/fetch"), or "unmatched".
std::string_view RouteTemplate(int route);
// The methods a route answers, as an Allow header value ("PUT, DELETE").
std::string_view RouteMethods(int route);

struct RouteMatch {
  int route = kRouteUnmatched;
  std::string_view table;  // the {name} segment, a view into the matched path
};

// Matches a request target (the query string, if any, is ignored) against the route templates.
RouteMatch MatchRoute(std::string_view target);

}  // namespace murr::http
