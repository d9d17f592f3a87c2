#include "murr/api/http/routes.h"

namespace murr::http {
namespace {

struct RouteDef {
  std::string_view path;
  std::string_view methods;
};

constexpr RouteDef kRoutes[kNumRoutes] = {
    {"unmatched", ""},
    {"/health", "GET"},
    {"/openapi.json", "GET"},
    {"/metrics", "GET"},
    {"/api/v1/table", "GET"},
    {"/api/v1/table/{name}", "PUT, DELETE"},
    {"/api/v1/table/{name}/schema", "GET"},
    {"/api/v1/table/{name}/fetch", "POST"},
    {"/api/v1/table/{name}/write", "PUT"},
    {"/api/v1/table/{name}/status", "GET"},
};

constexpr std::string_view kTablePrefix = "/api/v1/table/";

}  // namespace

std::string_view RouteTemplate(int route) {
  return route >= 0 && route < kNumRoutes ? kRoutes[route].path : kRoutes[0].path;
}

std::string_view RouteMethods(int route) {
  return route >= 0 && route < kNumRoutes ? kRoutes[route].methods : kRoutes[0].methods;
}

RouteMatch MatchRoute(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  RouteMatch m;
  if (path == "/health") {
    m.route = kRouteHealth;
  } else if (path == "/openapi.json") {
    m.route = kRouteOpenApi;
  } else if (path == "/metrics") {
    m.route = kRouteMetrics;
  } else if (path == "/api/v1/table") {
    m.route = kRouteListTables;
  } else if (path.substr(0, kTablePrefix.size()) == kTablePrefix) {
    std::string_view rest = path.substr(kTablePrefix.size());
    size_t slash = rest.find('/');
    std::string_view name = rest.substr(0, slash);
    if (name.empty()) return m;
    if (slash == std::string_view::npos) {
      m.route = kRouteTable;
    } else {
      std::string_view action = rest.substr(slash + 1);
      if (action == "schema") {
        m.route = kRouteSchema;
      } else if (action == "fetch") {
        m.route = kRouteFetch;
      } else if (action == "write") {
        m.route = kRouteWrite;
      } else if (action == "status") {
        m.route = kRouteStatus;
      } else {
        return m;
      }
    }
    m.table = name;
  }
  return m;
}

}  // namespace murr::http
