#include "murr/api/flight/flight_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/method_handler.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "murr/api/flight/flight.grpc.pb.h"
#include "murr/api/flight/flight.pb.h"
#include "murr/api/flight/flight_wire.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/fetch_request.h"
#include "murr/core/file_util.h"
#include "murr/core/json_util.h"

namespace murr::flight {
namespace {

namespace pb = arrow::flight::protocol;

// Index of DoGet among the service's methods (their order in flight.proto).
constexpr int kDoGetMethodIndex = 5;

// Pieces of a reply smaller than this are copied into one slice with their neighbours; larger
// ones (column buffers) are referenced. Referencing costs an allocation and a slice header.
constexpr size_t kCopyBelowBytes = 1024;

constexpr char kTicketForm[] = R"({"table": "<name>", "keys": [...], "columns": [...]})";

grpc::Status ToGrpc(const Status& st) {
  switch (st.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, st.message()};
    case StatusCode::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, st.message()};
    case StatusCode::kAlreadyExists:
      return {grpc::StatusCode::ALREADY_EXISTS, st.message()};
    case StatusCode::kUnimplemented:
      return {grpc::StatusCode::UNIMPLEMENTED, st.message()};
    case StatusCode::kResourceExhausted:
    case StatusCode::kNoSpace:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, st.message()};
    case StatusCode::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, st.message()};
    case StatusCode::kFailedPrecondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, st.message()};
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      break;
  }
  spdlog::error("flight: {}", st.ToString());
  return {grpc::StatusCode::INTERNAL, st.ToString()};
}

// Runs an RPC body, answering an exception (an allocation failure building a reply or decoding
// a stream) with RESOURCE_EXHAUSTED / INTERNAL instead of letting it reach gRPC's thread.
template <class F>
grpc::Status Guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED, "out of memory"};
  } catch (const std::exception& e) {
    spdlog::error("flight: {}", e.what());
    return {grpc::StatusCode::INTERNAL, e.what()};
  }
}

grpc::Status ShuttingDown() {
  return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down"};
}

grpc::Status InvalidArgument(std::string message) {
  return {grpc::StatusCode::INVALID_ARGUMENT, std::move(message)};
}

// The table a descriptor names: type PATH with exactly one element.
Result<std::string> TableFromDescriptor(const pb::FlightDescriptor& d) {
  if (d.type() != pb::FlightDescriptor::PATH) {
    return Status::InvalidArgument(
        "the flight descriptor must be of type PATH with one element, the table name (got type " +
        pb::FlightDescriptor::DescriptorType_Name(d.type()) + ")");
  }
  if (d.path_size() != 1) {
    return Status::InvalidArgument(
        "the flight descriptor's path must have exactly one element, the table name (got " +
        std::to_string(d.path_size()) + ")");
  }
  return d.path(0);
}

std::vector<Field> FieldsOf(const TableSchema& schema) {
  std::vector<Field> fields;
  fields.reserve(schema.columns().size());
  for (const ColumnSchema& c : schema.columns())
    fields.push_back({c.name, c.type, c.nullable, c.timezone});
  return fields;
}

// An encapsulated IPC Schema message: continuation marker, length, flatbuffer, padding.
std::string EncapsulatedSchema(const TableSchema& schema) {
  IpcMessage msg = EncodeSchemaMessage(FieldsOf(schema));
  std::array<uint8_t, 8> prefix;
  std::vector<ConstSlice> slices;
  msg.AppendSlices(&prefix, &slices);
  std::string out;
  out.reserve(msg.WireSize());
  for (const ConstSlice& s : slices) out.append(static_cast<const char*>(s.data), s.size);
  return out;
}

void FillFlightInfo(const std::string& name, const TableSchema& schema, const TableStats& stats,
                    pb::FlightInfo* info) {
  info->set_schema(EncapsulatedSchema(schema));
  pb::FlightDescriptor* d = info->mutable_flight_descriptor();
  d->set_type(pb::FlightDescriptor::PATH);
  d->add_path(name);
  // No endpoints: a table is read by key, so a ticket is built by the client from its keys.
  info->set_total_records(stats.rows);
  info->set_total_bytes(stats.bytes);
  // The table's schema in Murr's JSON form (key column, dtypes), for clients that build tickets.
  info->set_app_metadata(schema.ToJson());
}

// Keeps a DoGet reply's memory (the read batch and the messages that slice it) alive until gRPC
// has sent the last slice that references it.
struct ReplyMemory {
  Batch batch;
  IpcStreamParts parts;
};

void ReleaseReplyMemory(void* p) {
  delete static_cast<std::shared_ptr<const ReplyMemory>*>(p);
}

// One FlightData message as a ByteBuffer: the protobuf framing and the flatbuffer header copied,
// body buffers referenced (small ones and padding copied along with their neighbours).
grpc::ByteBuffer FlightDataBuffer(const IpcMessage& msg,
                                  const std::shared_ptr<const ReplyMemory>& memory) {
  std::string prefix;
  AppendFlightDataPrefix(msg.metadata, {}, static_cast<size_t>(msg.body_length), &prefix);
  std::vector<ConstSlice> pieces{{prefix.data(), prefix.size()}};
  msg.AppendBodySlices(&pieces);
  std::string copied;
  const std::vector<ConstSlice> merged = CoalesceSlices(pieces, kCopyBelowBytes, &copied);
  std::vector<grpc::Slice> slices;
  slices.reserve(merged.size());
  for (const ConstSlice& s : merged) {
    if (PointsInto(s, copied) || PointsInto(s, prefix)) {
      slices.emplace_back(s.data, s.size);  // gRPC copies it: these strings are ours
    } else {
      slices.emplace_back(const_cast<void*>(s.data), s.size, &ReleaseReplyMemory,
                          new std::shared_ptr<const ReplyMemory>(memory));
    }
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

std::string RowsWrittenJson(int64_t rows) {
  return "{\"rows\":" + std::to_string(rows) + "}";
}

std::string NameReplyJson(std::string_view key, std::string_view name) {
  std::string out = "{\"";
  out.append(key);
  out.append("\":");
  AppendJsonString(&out, name);
  out.append("}");
  return out;
}

// create_table's body: {"name": "<table>", "schema": <TableSchema JSON>}.
Result<std::pair<std::string, TableSchema>> ParseCreateTable(std::string_view body) {
  constexpr char kForm[] =
      R"(expected {"name": "<table>", "schema": {"key": ..., "columns": ...}})";
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    return Status::InvalidArgument(std::string("create_table: the body is not valid JSON (") +
                                   simdjson::error_message(err) + "); " + kForm);
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    return Status::InvalidArgument(std::string("create_table: the body must be a JSON object; ") +
                                   kForm);
  }
  std::optional<std::string> name;
  std::optional<std::string> schema_json;
  for (auto field : obj) {
    if (field.key == "name") {
      std::string_view v;
      if (field.value.get_string().get(v)) {
        return Status::InvalidArgument("create_table: \"name\" must be a string");
      }
      name = std::string(v);
    } else if (field.key == "schema") {
      if (!field.value.is_object()) {
        return Status::InvalidArgument("create_table: \"schema\" must be an object; " +
                                       std::string(kForm));
      }
      schema_json = simdjson::minify(field.value);
    } else {
      return Status::InvalidArgument("create_table: unknown field \"" + std::string(field.key) +
                                     "\"; " + kForm);
    }
  }
  if (!name || !schema_json) {
    return Status::InvalidArgument(std::string("create_table: \"") + (name ? "schema" : "name") +
                                   "\" is missing; " + kForm);
  }
  MURR_ASSIGN_OR_RETURN(TableSchema schema, TableSchema::FromJson(*schema_json));
  return std::make_pair(std::move(*name), std::move(schema));
}

class FlightServiceImpl final : public pb::FlightService::Service {
 public:
  FlightServiceImpl(const FlightOptions& options, TableService* service)
      : options_(options), service_(service) {
    // DoGet replies are serialized by hand into ByteBuffers that reference the column buffers
    // (no protobuf copy of the data): swap the generated typed handler for one writing bytes.
    MarkMethodStreamed(
        kDoGetMethodIndex,
        new grpc::internal::SplitServerStreamingHandler<pb::Ticket, grpc::ByteBuffer>(
            [this](grpc::ServerContext* context,
                   grpc::ServerSplitStreamer<pb::Ticket, grpc::ByteBuffer>* stream) {
              return Guarded([&] { return DoGetRaw(context, stream); });
            }));
  }

  // Counts an RPC as in flight for its lifetime and puts it under the stream deadline; refuses
  // RPCs that start once draining began, and those the bearer token does not allow.
  class RpcScope {
   public:
    RpcScope(FlightServiceImpl* service, grpc::ServerContext* context, AccessScope needed)
        : service_(service), context_(context) {
      ++service_->active_;
      if (service_->draining_) {
        refusal_ = ShuttingDown();
        return;
      }
      if (service_->options_.access.enabled()) {
        std::string_view authorization;
        auto it = context->client_metadata().find("authorization");
        if (it != context->client_metadata().end()) {
          authorization = std::string_view(it->second.data(), it->second.size());
        }
        switch (service_->options_.access.tokens->Check(authorization, needed)) {
          case TokenAuth::Verdict::kAllowed:
            break;
          case TokenAuth::Verdict::kUnauthenticated:
            refusal_ = {grpc::StatusCode::UNAUTHENTICATED,
                        std::string(TokenAuth::kUnauthenticatedMessage) +
                            " (gRPC metadata 'authorization')"};
            return;
          case TokenAuth::Verdict::kForbidden:
            refusal_ = {grpc::StatusCode::PERMISSION_DENIED,
                        std::string(TokenAuth::kForbiddenMessage)};
            return;
        }
      }
      service_->Track(context_);
    }
    ~RpcScope() {
      if (refusal_.ok()) service_->Untrack(context_);
      --service_->active_;
    }
    RpcScope(const RpcScope&) = delete;
    RpcScope& operator=(const RpcScope&) = delete;
    bool admitted() const { return refusal_.ok(); }
    const grpc::Status& refusal() const { return refusal_; }

   private:
    FlightServiceImpl* service_;
    grpc::ServerContext* context_;
    grpc::Status refusal_;
  };

  // Cancels every RPC that has run longer than the stream timeout (a stalled client). Called
  // every few hundred milliseconds by the server's watchdog thread.
  void CancelOverdue() {
    auto now = std::chrono::steady_clock::now();
    auto limit = std::chrono::milliseconds(options_.stream_timeout_ms);
    std::lock_guard<std::mutex> lock(tracked_mu_);
    for (auto& [context, started] : tracked_) {
      if (now - started > limit) {
        spdlog::warn("flight: cancelling an RPC from {} after server.grpc.stream_timeout_ms={}",
                     context->peer(), options_.stream_timeout_ms);
        context->TryCancel();
        started = now + std::chrono::hours(24 * 365);  // cancel once
      }
    }
  }

  // Refuses new RPCs; RPCs in flight go on (see FlightServer::Shutdown).
  void StartDraining() { draining_ = true; }
  int active() const { return active_; }

  grpc::Status Handshake(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<pb::HandshakeResponse, pb::HandshakeRequest>*) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    return {grpc::StatusCode::UNIMPLEMENTED,
            "Handshake is not supported: when auth.tokens is set, send the metadata "
            "'authorization: Bearer <token>' with every call; otherwise no authentication is "
            "needed"};
  }

  grpc::Status ListFlights(grpc::ServerContext* context, const pb::Criteria* criteria,
                           grpc::ServerWriter<pb::FlightInfo>* writer) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    // A non-empty expression is a table name prefix.
    const std::string& prefix = criteria->expression();
    for (const TableInfo& t : service_->ListTables()) {
      if (t.name.compare(0, prefix.size(), prefix) != 0) continue;
      pb::FlightInfo info;
      FillFlightInfo(t.name, t.schema, t.stats, &info);
      if (!writer->Write(info)) return {grpc::StatusCode::CANCELLED, "the client went away"};
    }
    return grpc::Status::OK;
  }

  grpc::Status GetFlightInfo(grpc::ServerContext* context, const pb::FlightDescriptor* descriptor,
                             pb::FlightInfo* info) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    auto name = TableFromDescriptor(*descriptor);
    if (!name.ok()) return ToGrpc(name.status());
    auto schema = service_->GetSchema(*name);
    if (!schema.ok()) return ToGrpc(schema.status());
    auto stats = service_->GetStats(*name);
    if (!stats.ok()) return ToGrpc(stats.status());
    FillFlightInfo(*name, *schema, *stats, info);
    return grpc::Status::OK;
  }

  grpc::Status PollFlightInfo(grpc::ServerContext* context, const pb::FlightDescriptor*,
                              pb::PollInfo*) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    return {grpc::StatusCode::UNIMPLEMENTED,
            "PollFlightInfo is not supported: Murr answers GetFlightInfo at once"};
  }

  grpc::Status GetSchema(grpc::ServerContext* context, const pb::FlightDescriptor* descriptor,
                         pb::SchemaResult* result) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    auto name = TableFromDescriptor(*descriptor);
    if (!name.ok()) return ToGrpc(name.status());
    auto schema = service_->GetSchema(*name);
    if (!schema.ok()) return ToGrpc(schema.status());
    result->set_schema(EncapsulatedSchema(*schema));
    return grpc::Status::OK;
  }

  grpc::Status DoPut(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<pb::PutResult, pb::FlightData>* stream) override {
    return Guarded([&] { return DoPutImpl(context, stream); });
  }

  grpc::Status DoPutImpl(grpc::ServerContext* context,
                         grpc::ServerReaderWriter<pb::PutResult, pb::FlightData>* stream) {
    RpcScope scope(this, context, AccessScope::kWrite);
    if (!scope.admitted()) return scope.refusal();
    pb::FlightData data;
    if (!stream->Read(&data)) {
      return InvalidArgument(
          "DoPut received no message: the first FlightData must carry the descriptor (PATH "
          "[table]) and the Arrow Schema message");
    }
    if (!data.has_flight_descriptor()) {
      return InvalidArgument(
          "the first FlightData of a DoPut must carry the flight descriptor PATH [table]");
    }
    auto name = TableFromDescriptor(data.flight_descriptor());
    if (!name.ok()) return ToGrpc(name.status());
    if (auto schema = service_->GetSchema(*name); !schema.ok()) return ToGrpc(schema.status());

    IpcStreamDecoder decoder;
    std::vector<Batch> batches;
    uint64_t total_bytes = 0;
    int64_t index = 0;
    do {
      total_bytes += data.data_header().size() + data.data_body().size();
      if (total_bytes > options_.max_write_bytes) {
        return {grpc::StatusCode::RESOURCE_EXHAUSTED,
                "the DoPut stream exceeds the write limit of " +
                    std::to_string(options_.max_write_bytes) +
                    " bytes (server.http.max_body_bytes): split it into several DoPut calls"};
      }
      if (data.data_header().empty()) {
        if (!data.data_body().empty()) {
          return InvalidArgument("DoPut message " + std::to_string(index) +
                                 " has a data_body but no data_header");
        }
      } else {
        auto owner = std::make_shared<std::string>(std::move(*data.mutable_data_body()));
        Buffer body(reinterpret_cast<const uint8_t*>(owner->data()), owner->size(), owner);
        std::optional<Batch> batch;
        Status st = decoder.Consume(data.data_header(), body, &batch);
        if (!st.ok()) return ToGrpc(st.WithContext("DoPut message " + std::to_string(index)));
        if (batch) batches.push_back(std::move(*batch));
      }
      ++index;
      data.Clear();
    } while (stream->Read(&data));
    // A stream that ends because the client cancelled or the connection dropped is not a whole
    // write: nothing of it is applied.
    if (context->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the DoPut was cancelled"};
    if (!decoder.has_schema()) {
      return InvalidArgument(
          "the DoPut stream carried no Arrow Schema message (FlightData.data_header)");
    }
    int64_t rows = 0;
    if (!batches.empty()) {
      auto written = service_->Write(*name, batches);
      if (!written.ok()) return ToGrpc(written.status());
      rows = *written;
    }
    pb::PutResult result;
    result.set_app_metadata(RowsWrittenJson(rows));
    stream->Write(result);
    return grpc::Status::OK;
  }

  grpc::Status DoExchange(grpc::ServerContext* context,
                          grpc::ServerReaderWriter<pb::FlightData, pb::FlightData>*) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    return {grpc::StatusCode::UNIMPLEMENTED,
            "DoExchange is not supported: use DoGet to read and DoPut to write"};
  }

  grpc::Status DoAction(grpc::ServerContext* context, const pb::Action* action,
                        grpc::ServerWriter<pb::Result>* writer) override {
    RpcScope scope(this, context, AccessScope::kWrite);
    if (!scope.admitted()) return scope.refusal();
    pb::Result result;
    if (action->type() == "create_table") {
      auto parsed = ParseCreateTable(action->body());
      if (!parsed.ok()) return ToGrpc(parsed.status());
      Status st = service_->CreateTable(parsed->first, parsed->second);
      if (!st.ok()) return ToGrpc(st);
      result.set_body(NameReplyJson("created", parsed->first));
    } else if (action->type() == "drop_table") {
      const std::string& name = action->body();
      Status st = service_->DropTable(name);
      if (!st.ok()) return ToGrpc(st);
      result.set_body(NameReplyJson("dropped", name));
    } else {
      return {grpc::StatusCode::UNIMPLEMENTED,
              "unknown action '" + action->type() +
                  "': Murr's actions are create_table and drop_table (see ListActions)"};
    }
    writer->Write(result);
    return grpc::Status::OK;
  }

  grpc::Status ListActions(grpc::ServerContext* context, const pb::Empty*,
                           grpc::ServerWriter<pb::ActionType>* writer) override {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    pb::ActionType create;
    create.set_type("create_table");
    create.set_description(
        R"(Creates a table. Body: {"name": "<table>", "schema": {"key": "<key column>", )"
        R"("columns": {"<name>": {"dtype": "float32", "nullable": true}, ...}}}. )"
        R"(Result: {"created": "<table>"}.)");
    pb::ActionType drop;
    drop.set_type("drop_table");
    drop.set_description(
        R"(Drops a table and its data. Body: the table name (UTF-8). Result: {"dropped": "<table>"}.)");
    writer->Write(create);
    writer->Write(drop);
    return grpc::Status::OK;
  }

 private:
  grpc::Status DoGetRaw(grpc::ServerContext* context,
                        grpc::ServerSplitStreamer<pb::Ticket, grpc::ByteBuffer>* stream) {
    RpcScope scope(this, context, AccessScope::kRead);
    if (!scope.admitted()) return scope.refusal();
    pb::Ticket ticket;
    if (!stream->Read(&ticket)) return InvalidArgument("DoGet received no ticket");
    auto request = FetchRequest::Parse(ticket.ticket(), options_.max_fetch_keys);
    if (!request.ok()) {
      return InvalidArgument("invalid ticket: " + request.status().message() + "; expected " +
                             kTicketForm);
    }
    if (request->table().empty()) {
      return InvalidArgument(std::string("the ticket names no table; expected ") + kTicketForm);
    }
    auto batch = service_->Read(request->table(), request->read_keys(), request->columns());
    if (!batch.ok()) return ToGrpc(batch.status());

    // Body budget per message: the limit minus the flatbuffer header (which grows with the
    // column count) and the protobuf framing.
    size_t header_bound = 1024 + 128 * batch->fields.size();
    size_t budget = options_.max_reply_message_bytes > 2 * header_bound
                        ? options_.max_reply_message_bytes - header_bound
                        : options_.max_reply_message_bytes / 2;
    auto memory = std::make_shared<ReplyMemory>();
    memory->batch = std::move(*batch);
    auto parts = EncodeArrowIpcStream(memory->batch, budget);
    if (!parts.ok()) return ToGrpc(parts.status());
    memory->parts = std::move(*parts);
    std::shared_ptr<const ReplyMemory> shared = memory;
    // The last message is written as such: gRPC holds it back and sends it in one write with
    // the status, when this function has returned. It is serialized (its slices referenced)
    // before Write returns, so the ByteBuffer may go. The others are plain writes: a corked
    // one would not complete until something else is sent.
    const std::vector<IpcMessage>& messages = shared->parts.messages;
    for (size_t i = 0; i < messages.size(); ++i) {
      grpc::WriteOptions options;
      if (i + 1 == messages.size()) options.set_last_message();
      if (!stream->Write(FlightDataBuffer(messages[i], shared), options)) {
        return {grpc::StatusCode::CANCELLED, "the client went away"};
      }
    }
    return grpc::Status::OK;
  }

  void Track(grpc::ServerContext* context) {
    std::lock_guard<std::mutex> lock(tracked_mu_);
    tracked_.emplace(context, std::chrono::steady_clock::now());
  }
  void Untrack(grpc::ServerContext* context) {
    std::lock_guard<std::mutex> lock(tracked_mu_);
    tracked_.erase(context);
  }

  FlightOptions options_;
  TableService* service_;
  std::atomic<int> active_{0};
  std::atomic<bool> draining_{false};
  std::mutex tracked_mu_;  // held for an insert, an erase or a watchdog pass: never across I/O
  std::unordered_map<grpc::ServerContext*, std::chrono::steady_clock::time_point> tracked_;
};

std::string ListenAddress(const EndpointConfig& endpoint) {
  const std::string& h = endpoint.host;
  bool ipv6 = h.find(':') != std::string::npos && h.front() != '[';
  return (ipv6 ? "[" + h + "]" : h) + ":" + std::to_string(endpoint.port);
}

}  // namespace

struct FlightServer::Impl {
  FlightOptions options;
  int port = 0;
  std::unique_ptr<FlightServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  bool shut_down = false;
  std::mutex mu;
  // The stream-timeout watchdog.
  std::mutex watchdog_mu;
  std::condition_variable watchdog_cv;
  bool watchdog_stop = false;
  std::thread watchdog;
};

Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  Status st = ReadFile(tls.key_file, &pair.private_key);
  if (!st.ok()) return Status::InvalidArgument("server.tls.key_file: " + st.message());
  st = ReadFile(tls.cert_file, &pair.cert_chain);
  if (!st.ok()) return Status::InvalidArgument("server.tls.cert_file: " + st.message());
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(options);
}

Result<std::unique_ptr<FlightServer>> FlightServer::Start(const FlightOptions& options,
                                                          TableService* service) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->service = std::make_unique<FlightServiceImpl>(options, service);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server would share the port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<uint64_t>(options.max_write_bytes, INT_MAX)));
  std::string address = ListenAddress(options.endpoint);
  MURR_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                        ServerCredentials(options.tls));
  builder.AddListeningPort(address, credentials, &impl->port);
  builder.RegisterService(impl->service.get());
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return Status::IOError(
        "cannot listen on " + address +
        " for Arrow Flight (server.grpc): address in use or not available" +
        (options.tls.enabled() ? ", or the TLS certificate and key do not match" : ""));
  }
  Impl* raw = impl.get();
  raw->watchdog = std::thread([raw] {
    auto period = std::chrono::milliseconds(
        std::clamp<int64_t>(raw->options.stream_timeout_ms / 4, 10, 1000));
    std::unique_lock<std::mutex> lock(raw->watchdog_mu);
    while (!raw->watchdog_cv.wait_for(lock, period, [raw] { return raw->watchdog_stop; })) {
      raw->service->CancelOverdue();
    }
  });
  return std::unique_ptr<FlightServer>(new FlightServer(std::move(impl)));
}

FlightServer::FlightServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FlightServer::~FlightServer() {
  Shutdown(0);
  impl_->server.reset();
}

const std::string& FlightServer::host() const {
  return impl_->options.endpoint.host;
}
int FlightServer::port() const {
  return impl_->port;
}

void FlightServer::Shutdown(int64_t grace_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  // gRPC's own graceful shutdown also waits for idle client connections to go away, which
  // clients may hold open for long: refuse new RPCs, wait for those in flight, then close all.
  impl_->service->StartDraining();
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(grace_ms, 0));
  while (impl_->service->active() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl_->server->Shutdown(std::chrono::system_clock::now());
  impl_->server->Wait();
  {
    std::lock_guard<std::mutex> w(impl_->watchdog_mu);
    impl_->watchdog_stop = true;
  }
  impl_->watchdog_cv.notify_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
}

}  // namespace murr::flight
