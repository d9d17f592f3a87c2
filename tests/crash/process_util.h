// Test helpers for the crash and fault-injection tests: the Flight port a server prints, a Flight
// DoPut/create client, the fetch reply's JSON read back into cells, the files a cache holds, and
// the environment that runs `murr serve` under the fault shim. Single-threaded objects; use one
// per thread.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/server_process.h"
#include "murr/api/flight/flight.grpc.pb.h"
#include "murr/codec/arrow_ipc.h"

namespace murr::testing {

// DoPut and actions over one channel.
class FlightClient {
 public:
  explicit FlightClient(int port)
      : stub_(arrow::flight::protocol::FlightService::NewStub(grpc::CreateChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()))) {}

  // One DoPut of `batch` into `table`: the whole stream, then the server's answer.
  grpc::Status Put(const std::string& table, const Batch& batch) {
    namespace pb = arrow::flight::protocol;
    auto parts = EncodeArrowIpcStream(batch.fields, {batch});
    if (!parts.ok()) return {grpc::StatusCode::INTERNAL, parts.status().ToString()};
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto stream = stub_->DoPut(&ctx);
    for (size_t i = 0; i < parts->messages.size(); ++i) {
      pb::FlightData d;
      if (i == 0) {
        d.mutable_flight_descriptor()->set_type(pb::FlightDescriptor::PATH);
        d.mutable_flight_descriptor()->add_path(table);
      }
      d.set_data_header(parts->messages[i].metadata);
      std::vector<ConstSlice> slices;
      parts->messages[i].AppendBodySlices(&slices);
      std::string body;
      for (const auto& s : slices) body.append(static_cast<const char*>(s.data), s.size);
      d.set_data_body(std::move(body));
      if (!stream->Write(d)) break;
    }
    stream->WritesDone();
    pb::PutResult result;
    while (stream->Read(&result)) {
    }
    return stream->Finish();
  }

 private:
  std::unique_ptr<arrow::flight::protocol::FlightService::Stub> stub_;
};

// The columns of a JSON fetch reply ({"columns":{"<name>":[<cell>, ...], ...}}): each cell as its
// JSON text (strings unquoted; the tests' strings hold no escapes), nullopt for null.
using Cells = std::map<std::string, std::vector<std::optional<std::string>>>;
inline bool ParseFetchReply(const std::string& body, Cells* out) {
  out->clear();
  size_t p = body.find("{\"columns\":{");
  if (p != 0) return false;
  p += 12;
  while (p < body.size() && body[p] == '"') {
    size_t name_end = body.find('"', p + 1);
    if (name_end == std::string::npos || body.compare(name_end, 3, "\":[") != 0) return false;
    auto& cells = (*out)[body.substr(p + 1, name_end - p - 1)];
    p = name_end + 3;
    while (p < body.size() && body[p] != ']') {
      if (body[p] == '"') {
        size_t end = body.find('"', p + 1);
        if (end == std::string::npos) return false;
        cells.emplace_back(body.substr(p + 1, end - p - 1));
        p = end + 1;
      } else {
        size_t end = body.find_first_of(",]", p);
        if (end == std::string::npos) return false;
        std::string token = body.substr(p, end - p);
        if (token == "null") {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(token);
        }
        p = end;
      }
      if (p < body.size() && body[p] == ',') ++p;
    }
    if (p >= body.size()) return false;
    ++p;  // ']'
    if (p < body.size() && body[p] == ',') ++p;
  }
  return body.compare(p, 2, "}}") == 0 && p + 2 == body.size();
}

// Every path under `dir` (recursively) whose name ends with `suffix`.
inline std::vector<std::string> FilesEndingWith(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() && name.ends_with(suffix)) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The names of the entries of `dir`, sorted.
inline std::vector<std::string> EntryNames(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The environment that runs the server under the fault shim: fail the `after`th call of `op`
// (write, fsync, rename, open) on a path matching `pattern` with `error` (ENOSPC, EIO).
// The shim is not an ASan library and is loaded before the ASan runtime of a sanitized server:
// ASan's check that it comes first is turned off for the child (the shim only forwards calls).
inline std::vector<std::string> FaultEnv(const std::string& op, const std::string& error,
                                         const std::string& pattern, int after = 1) {
  std::string asan = "verify_asan_link_order=0";
  if (const char* inherited = std::getenv("ASAN_OPTIONS"); inherited && *inherited) {
    asan = std::string(inherited) + ":" + asan;
  }
  return {"LD_PRELOAD=" + std::string(MURR_FAULT_SHIM),
          "ASAN_OPTIONS=" + asan,
          "FAULT_OP=" + op,
          "FAULT_ERRNO=" + error,
          "FAULT_PATH=" + pattern,
          "FAULT_AFTER=" + std::to_string(after)};
}

}  // namespace murr::testing
