// HttpMetrics: request counters by route and status code, and latency histograms by route, kept
// in relaxed atomics so that recording costs a few uncontended increments on the hot path.
// Rendered in the Prometheus text format by AppendPrometheus. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "murr/api/http/routes.h"

namespace murr::http {

class HttpMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds (Prometheus `le`), +Inf implied.
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  // Status codes counted one by one; any other code is counted as "other".
  static constexpr std::array<int, 12> kCodes = {200, 201, 400, 404, 405, 408,
                                                 409, 411, 413, 415, 500, 503};

  void Record(int route, int status, double seconds);
  // Appends murr_http_requests_total and murr_http_request_duration_seconds.
  void AppendPrometheus(std::string* out) const;

 private:
  struct PerRoute {
    std::array<std::atomic<uint64_t>, kCodes.size() + 1> requests{};
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last: +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };
  std::array<PerRoute, kNumRoutes> routes_;
};

}  // namespace murr::http
