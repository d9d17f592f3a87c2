// The HTTP API that Murr's server and upstream Murr (the Rust `murr` 0.2.1, decision 0025) share,
// as the benchmark uses it: PUT /api/v1/table/features with the table's schema, PUT .../write with
// an Arrow IPC stream per batch, POST .../fetch with {"keys":[...],"columns":[...]} answered as
// Arrow IPC or JSON. Both servers' backends load and read through these (murr_backends.cc).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "bench/compare/backend.h"
#include "bench/compare/http_client.h"
#include "bench/compare/workload.h"
#include "murr/core/status.h"

namespace murr::compare {

// Creates the workload's table ("features": utf8 key "key", float32 col_0..); the server answers
// 201. `server` names it in errors ("murr", "upstream murr").
Status CreateFeatureTable(HttpClient* admin, const Workload& w, std::string_view server);
// Writes one batch as an Arrow IPC stream (built into *body, reused); the server answers 200.
Status WriteFeatureBatch(HttpClient* admin, const DataBatch& batch, std::string_view server,
                         std::string* body);
// A client on its own keep-alive connection to 127.0.0.1:`port` that reads every workload column
// with POST /fetch, asking for an Arrow IPC reply (`arrow`) or JSON, and decodes it into columns.
Result<std::unique_ptr<Client>> ConnectFetchClient(int port, const Workload& w, bool arrow);

}  // namespace murr::compare
