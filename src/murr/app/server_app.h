// ServerApp: the whole Murr server — the table service over cache_dir, the HTTP API and the
// Arrow Flight API — started from one Config and stopped as one. The `murr` program runs it until
// a signal; the Python package (murr.server.MurrServer) runs it inside a Python process.
// Start and Stop are called from one thread; the servers run on their own threads.
#pragma once

#include <memory>
#include <string>

#include "murr/config/config.h"
#include "murr/core/status.h"
#include "murr/core/token_auth.h"
#include "murr/service/table_service.h"

namespace murr {

namespace http {
class HttpServer;
}
namespace flight {
class FlightServer;
}

class ServerApp {
 public:
  // Why Start failed: the configuration (nothing was started; `murr` exits 2) or starting
  // (the cache could not be opened, a port could not be bound; `murr` exits 1).
  enum class FailurePhase { kConfig, kStart };

  // Resolves cache_dir (ResolveCacheDir), loads the tokens, opens the cache and starts both
  // servers; ports 0 pick free ports. On failure nothing keeps running; *phase says which
  // phase failed when non-null. Logs the same start-up lines as `murr serve`.
  static Result<std::unique_ptr<ServerApp>> Start(Config config, FailurePhase* phase = nullptr);
  ~ServerApp();  // Stop(config.http.shutdown_timeout_ms)

  const Config& config() const { return config_; }
  // The bound addresses (the real ports when the config asked for 0).
  const std::string& http_host() const;
  int http_port() const;
  const std::string& flight_host() const;
  int flight_port() const;
  bool tls() const { return config_.http.tls.enabled(); }
  TableService* service() const { return service_.get(); }

  // Stops accepting, lets requests in flight finish (Flight within grace_ms), then closes the
  // cache. Idempotent.
  void Stop(int64_t grace_ms);
  void Stop() { Stop(config_.http.shutdown_timeout_ms); }

 private:
  ServerApp() = default;

  Config config_;
  TokenAuth tokens_;
  std::unique_ptr<TableService> service_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<flight::FlightServer> flight_;
};

// ServiceOptions for the configuration's storage keys (shared by the server and LocalMurr).
ServiceOptions ServiceOptionsFromConfig(const Config& config);

}  // namespace murr
