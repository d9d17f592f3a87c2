// HttpServer: the HTTP/1.1 front of a TableService (Boost.Beast on Asio: a fixed pool of worker
// threads, each running its own io_context; a connection stays on one). Keep-alive connections,
// header/idle/io timeouts, a body limit enforced from the declared Content-Length before any body
// byte is read, and a graceful shutdown: stop accepting, close idle connections, let requests in
// flight finish.
// Thread-safe: Shutdown may be called from any thread (a signal-waiting thread), once or more.
#pragma once

#include <memory>
#include <string>

#include "murr/config/config.h"
#include "murr/core/status.h"
#include "murr/core/token_auth.h"
#include "murr/service/table_service.h"

namespace murr::http {

class HttpServer {
 public:
  // Binds config.endpoint (port 0: a free port) and starts the worker threads. `service` must
  // outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpConfig& config, TableService* service,
                                                   const AccessControl& access = {});
  // Shuts down (if not yet) and waits.
  ~HttpServer();

  // The host as configured and the port actually bound.
  const std::string& host() const;
  int port() const;

  // Stops accepting, closes idle keep-alive connections and lets every request in flight finish
  // (its reply carries Connection: close). Returns at once.
  void Shutdown();
  // Blocks until Shutdown was called and every connection closed (or shutdown_timeout_ms passed
  // since Shutdown), then stops and joins the workers.
  void Wait();

 private:
  template <class Stream>
  friend class Session;
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace murr::http
