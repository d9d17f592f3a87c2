#include "murr/api/http/metrics.h"

#include <fmt/format.h>

namespace murr::http {

void HttpMetrics::Record(int route, int status, double seconds) {
  if (route < 0 || route >= kNumRoutes) route = kRouteUnmatched;
  PerRoute& r = routes_[route];
  size_t code = kCodes.size();
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == status) code = i;
  }
  r.requests[code].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  r.buckets[b].fetch_add(1, std::memory_order_relaxed);
  r.count.fetch_add(1, std::memory_order_relaxed);
  r.sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void HttpMetrics::AppendPrometheus(std::string* out) const {
  out->append(
      "# HELP murr_http_requests_total HTTP requests answered, by route template and status.\n"
      "# TYPE murr_http_requests_total counter\n");
  for (int route = 0; route < kNumRoutes; ++route) {
    const PerRoute& r = routes_[route];
    for (size_t i = 0; i <= kCodes.size(); ++i) {
      uint64_t n = r.requests[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::string code = i < kCodes.size() ? std::to_string(kCodes[i]) : "other";
      fmt::format_to(std::back_inserter(*out),
                     "murr_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n",
                     RouteTemplate(route), code, n);
    }
  }
  out->append(
      "# HELP murr_http_request_duration_seconds Time from a request's headers to its reply "
      "written, by route template.\n"
      "# TYPE murr_http_request_duration_seconds histogram\n");
  for (int route = 0; route < kNumRoutes; ++route) {
    const PerRoute& r = routes_[route];
    uint64_t count = r.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string_view name = RouteTemplate(route);
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += r.buckets[b].load(std::memory_order_relaxed);
      std::string le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : "+Inf";
      fmt::format_to(std::back_inserter(*out),
                     "murr_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                     name, le, cumulative);
    }
    fmt::format_to(std::back_inserter(*out),
                   "murr_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n"
                   "murr_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                   name, static_cast<double>(r.sum_ns.load(std::memory_order_relaxed)) / 1e9, name,
                   cumulative);
  }
}

}  // namespace murr::http
