// FlightServer: the Arrow Flight (gRPC) front of a TableService, served by gRPC's synchronous
// server next to the HTTP API in the same process. DoGet takes a JSON ticket
// {"table", "keys", "columns"} and streams a Schema then record batches (each gRPC message under
// 4 MiB, column buffers sent by reference, not copied); DoPut writes a whole stream as one
// atomic write; GetFlightInfo/GetSchema/ListFlights describe tables; actions create_table and
// drop_table. The protocol itself: flight.proto; the API: docs/api.md, "Arrow Flight".
// This header keeps gRPC out of its includers. Thread-safe: RPCs run concurrently on gRPC's
// threads; Shutdown may be called from any thread, once or more.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "murr/config/config.h"
#include "murr/core/status.h"
#include "murr/core/token_auth.h"
#include "murr/service/table_service.h"

namespace murr::flight {

struct FlightOptions {
  // Where to listen (server.grpc); port 0 picks a free port.
  EndpointConfig endpoint{"0.0.0.0", 8081};
  // Most keys in one DoGet ticket (the HTTP API's server.http.max_fetch_keys).
  uint64_t max_fetch_keys = 100000;
  // Most bytes one DoPut stream may carry, all messages together; it bounds the memory of one
  // write like the HTTP body limit does (server.http.max_body_bytes). Also the largest single
  // gRPC message accepted (capped at 2 GiB - 1 by gRPC).
  uint64_t max_write_bytes = uint64_t{1} << 30;
  // Largest gRPC message a DoGet reply is split to stay within: gRPC clients refuse messages
  // over 4 MiB unless configured otherwise. A single row larger than this is still sent whole.
  size_t max_reply_message_bytes = size_t{4} << 20;
  // An RPC still running after this long is cancelled (server.grpc.stream_timeout_ms).
  int64_t stream_timeout_ms = 300000;
  // TLS (server.tls) and bearer tokens (auth.*), as for HTTP.
  TlsConfig tls;
  AccessControl access;
};

class FlightServer {
 public:
  // Binds options.endpoint and starts serving. `service` must outlive the server.
  static Result<std::unique_ptr<FlightServer>> Start(const FlightOptions& options,
                                                     TableService* service);
  // Shuts down (if not yet) without a grace period.
  ~FlightServer();

  // The host as configured and the port actually bound.
  const std::string& host() const;
  int port() const;

  // Stops accepting RPCs, lets those in flight finish for up to `grace_ms`, cancels the rest and
  // returns when all are done.
  void Shutdown(int64_t grace_ms);

 private:
  struct Impl;
  explicit FlightServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace murr::flight
