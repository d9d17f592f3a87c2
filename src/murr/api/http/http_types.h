// Transport-neutral HTTP request and response values exchanged between the Beast server
// (http_server.cc, the only code that sees sockets) and the Router (routes to TableService calls).
// Plain values; a request is read by one thread at a time, a response handed over whole.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "murr/columnar/buffer.h"
#include "murr/core/file_util.h"

namespace murr::http {

struct HttpRequest {
  std::string_view method;         // "GET", "PUT", ...
  std::string_view target;         // path and query, as sent
  std::string_view content_type;   // the Content-Type header, empty when absent
  std::string_view accept;         // the Accept header, empty when absent
  std::string_view authorization;  // the Authorization header, empty when absent
  Buffer body;                     // the whole body, 64-byte aligned, owned by its Buffer
};

struct HttpResponse {
  int status = 200;
  // A static media type (the router's constants): never owned, so a reply allocates nothing
  // for it.
  std::string_view content_type = "application/json";
  // The Allow header (405 replies).
  std::string allow;
  // The WWW-Authenticate header (401 replies).
  std::string www_authenticate;
  // The body, unless `slices` is non-empty.
  std::string body;
  // A scatter-gather body: the bytes of `slices` in order, pointing into memory that `owner`
  // keeps alive (an encoded Arrow stream and the batch it references). Written without a copy.
  std::vector<ConstSlice> slices;
  std::shared_ptr<const void> owner;
  // Route index (Router::RouteName) for metrics and logs.
  int route = 0;
  // The error message of an error reply (for the error log), empty otherwise.
  std::string error;

  size_t BodySize() const {
    if (slices.empty()) return body.size();
    size_t n = 0;
    for (const ConstSlice& s : slices) n += s.size;
    return n;
  }
};

}  // namespace murr::http
