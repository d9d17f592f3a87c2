#include "murr/api/http/router.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "murr/api/http/openapi.h"
#include "murr/api/http/routes.h"
#include "murr/codec/arrow_ipc.h"
#include "murr/codec/fetch_request.h"
#include "murr/codec/json_columns.h"
#include "murr/codec/parquet_reader.h"
#include "murr/core/json_util.h"

namespace murr::http {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kArrowStream = "application/vnd.apache.arrow.stream";
constexpr std::string_view kParquet = "application/vnd.apache.parquet";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "Application/JSON; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view header) {
  std::string_view t = header.substr(0, header.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return Lower(t);
}

// MediaType(header) == media (lower case) without allocating.
bool MediaTypeIs(std::string_view header, std::string_view media) {
  std::string_view t = header.substr(0, header.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.size() != media.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t[i])) != media[i]) return false;
  }
  return true;
}

// Case-insensitive substring test without allocating (media types are case-insensitive).
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && std::tolower(static_cast<unsigned char>(haystack[i + j])) ==
                                    std::tolower(static_cast<unsigned char>(needle[j]))) {
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

std::string_view BodyText(const HttpRequest& request) {
  return std::string_view(reinterpret_cast<const char*>(request.body.data()), request.body.size());
}

HttpResponse JsonResponse(int http_status, std::string body) {
  HttpResponse r;
  r.status = http_status;
  r.body = std::move(body);
  return r;
}

HttpResponse StatusResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status), status.message());
}

// Bodies that can only be JSON (create, fetch) also accept a missing Content-Type and curl's
// default for -d (application/x-www-form-urlencoded), which says nothing about the body.
bool AcceptsJsonBody(const HttpRequest& request) {
  if (request.content_type.empty()) return true;
  return MediaTypeIs(request.content_type, kJson) ||
         MediaTypeIs(request.content_type, "application/x-www-form-urlencoded");
}

HttpResponse UnsupportedMediaType(const HttpRequest& request, std::string_view expected) {
  return ErrorResponse(415, fmt::format("unsupported Content-Type '{}': expected {}",
                                        request.content_type, expected));
}

// An Arrow reply goes to the socket as scatter-gather slices: the gathered columns referenced
// (one slice when the read gathered them into one block, Batch::block), the pieces shorter than
// kCopyArrowPiecesBelow (message prefixes, metadata, padding, small buffers) copied together.
// Every slice walked through Beast's serializer and Asio's buffer sequences costs hundreds of
// instructions, so a reply that is still more than kMaxArrowReplySlices slices (columns
// gathered one by one: a utf8 column, a list) is copied whole up to kCopyArrowReplyBytes, and
// so is any reply shorter than kCopyArrowPiecesBelow.
constexpr size_t kCopyArrowPiecesBelow = 4096;
constexpr size_t kMaxArrowReplySlices = 8;
constexpr size_t kCopyArrowReplyBytes = 256 * 1024;

// Keeps an encoded Arrow stream (and the batch its slices point into) alive while it is written.
struct ArrowReply {
  Batch batch;
  IpcStreamParts parts;
  std::string copied;  // the short pieces (CoalesceSlices)
};

}  // namespace

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnimplemented:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kNoSpace:
      return 507;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(int http_status, std::string_view message) {
  HttpResponse r;
  r.status = http_status;
  r.body.reserve(message.size() + 16);
  r.body.append("{\"error\":");
  AppendJsonString(&r.body, message);
  r.body.append("}");
  r.error = std::string(message);
  return r;
}

HttpResponse Router::Handle(const HttpRequest& request) const {
  return Handle(request, MatchRoute(request.target));
}

HttpResponse Router::Handle(const HttpRequest& request, const RouteMatch& match) const {
  HttpResponse response;
  try {
    std::string_view method = request.method;
    std::string table(match.table);
    if (auto refused = Authorize(request, match.route)) {
      response = std::move(*refused);
    } else if (match.route == kRouteUnmatched) {
      std::string_view path = request.target.substr(0, request.target.find('?'));
      response = ErrorResponse(404, fmt::format("no route for '{}'", path));
    } else if (match.route == kRouteTable && method == "PUT") {
      response = CreateTable(table, request);
    } else if (match.route == kRouteTable && method == "DELETE") {
      response = DropTable(table);
    } else if (match.route != kRouteTable && method == RouteMethods(match.route)) {
      switch (match.route) {
        case kRouteHealth:
          response.content_type = "text/plain; charset=utf-8";
          response.body = "OK";
          break;
        case kRouteOpenApi:
          response.body = std::string(OpenApiDocument());
          break;
        case kRouteMetrics:
          response = Metrics();
          break;
        case kRouteListTables:
          response = ListTables();
          break;
        case kRouteSchema:
          response = GetSchema(table);
          break;
        case kRouteStatus:
          response = GetStatus(table);
          break;
        case kRouteFetch:
          response = Fetch(table, request);
          break;
        case kRouteWrite:
          response = Write(table, request);
          break;
        default:
          response = ErrorResponse(500, "route without a handler");
          break;
      }
    } else {
      response =
          ErrorResponse(405, fmt::format("method {} is not allowed on {} (allowed: {})", method,
                                         RouteTemplate(match.route), RouteMethods(match.route)));
      response.allow = std::string(RouteMethods(match.route));
    }
  } catch (const std::bad_alloc&) {
    response = ErrorResponse(503,
                             "the server is out of memory for this request; retry later or "
                             "send a smaller one");
  } catch (const std::exception& e) {
    response = ErrorResponse(500, fmt::format("internal error: {}", e.what()));
  }
  response.route = match.route;
  return response;
}

std::optional<HttpResponse> Router::Authorize(const HttpRequest& request, int route) const {
  const AccessControl& access = options_.access;
  if (!access.enabled()) return std::nullopt;
  if ((route == kRouteHealth && access.open_health) ||
      (route == kRouteMetrics && access.open_metrics)) {
    return std::nullopt;
  }
  AccessScope needed = request.method == "GET" || (route == kRouteFetch && request.method == "POST")
                           ? AccessScope::kRead
                           : AccessScope::kWrite;
  switch (access.tokens->Check(request.authorization, needed)) {
    case TokenAuth::Verdict::kAllowed:
      return std::nullopt;
    case TokenAuth::Verdict::kUnauthenticated: {
      HttpResponse r = ErrorResponse(401, TokenAuth::kUnauthenticatedMessage);
      r.www_authenticate = "Bearer realm=\"murr\"";
      return r;
    }
    case TokenAuth::Verdict::kForbidden:
      return ErrorResponse(403, TokenAuth::kForbiddenMessage);
  }
  return ErrorResponse(500, "unknown access verdict");
}

HttpResponse Router::ListTables() const {
  std::string body = "{";
  bool first = true;
  for (const TableInfo& info : service_->ListTables()) {
    if (!first) body.push_back(',');
    first = false;
    AppendJsonString(&body, info.name);
    body.push_back(':');
    body.append(info.schema.ToJson());
  }
  body.push_back('}');
  return JsonResponse(200, std::move(body));
}

HttpResponse Router::CreateTable(const std::string& name, const HttpRequest& request) const {
  Status st = TableService::ValidateTableName(name);
  if (!st.ok()) return StatusResponse(st);
  if (!AcceptsJsonBody(request)) return UnsupportedMediaType(request, kJson);
  Result<TableSchema> schema = TableSchema::FromJson(BodyText(request));
  if (!schema.ok()) {
    return ErrorResponse(400, "invalid table schema: " + schema.status().message());
  }
  st = service_->CreateTable(name, *schema);
  if (!st.ok()) return StatusResponse(st);
  std::string body = "{\"created\":";
  AppendJsonString(&body, name);
  body.push_back('}');
  return JsonResponse(201, std::move(body));
}

HttpResponse Router::DropTable(const std::string& name) const {
  Status st = TableService::ValidateTableName(name);
  if (st.ok()) st = service_->DropTable(name);
  if (!st.ok()) return StatusResponse(st);
  std::string body = "{\"dropped\":";
  AppendJsonString(&body, name);
  body.push_back('}');
  return JsonResponse(200, std::move(body));
}

HttpResponse Router::GetSchema(const std::string& name) const {
  Status st = TableService::ValidateTableName(name);
  if (!st.ok()) return StatusResponse(st);
  Result<TableSchema> schema = service_->GetSchema(name);
  if (!schema.ok()) return StatusResponse(schema.status());
  return JsonResponse(200, schema->ToJson());
}

HttpResponse Router::Fetch(const std::string& name, const HttpRequest& request) const {
  Status st = TableService::ValidateTableName(name);
  if (!st.ok()) return StatusResponse(st);
  if (!AcceptsJsonBody(request)) return UnsupportedMediaType(request, kJson);
  Result<FetchRequest> fetch =
      FetchRequest::Parse(BodyText(request), static_cast<size_t>(options_.max_fetch_keys));
  if (!fetch.ok()) return ErrorResponse(400, "invalid fetch request: " + fetch.status().message());
  if (!fetch->table().empty() && fetch->table() != name) {
    return ErrorResponse(400, fmt::format("the body names table '{}' but the path names '{}'",
                                          fetch->table(), name));
  }
  Result<Batch> batch = service_->Read(name, fetch->read_keys(), fetch->columns());
  if (!batch.ok()) return StatusResponse(batch.status());

  HttpResponse response;
  if (ContainsIgnoreCase(request.accept, kArrowStream)) {
    Result<IpcStreamParts> parts = EncodeArrowIpcStream(*batch);
    if (!parts.ok()) return StatusResponse(parts.status().WithContext("encoding the reply"));
    response.content_type = kArrowStream;
    const size_t size = parts->WireSize();
    if (size < kCopyArrowPiecesBelow) {
      response.body = parts->Concatenate();  // a short reply: one string, nothing to keep
    } else {
      auto reply = std::make_shared<ArrowReply>();
      reply->batch = std::move(batch).value();
      reply->parts = std::move(parts).value();
      response.slices =
          CoalesceSlices(reply->parts.Slices(), kCopyArrowPiecesBelow, &reply->copied);
      if (response.slices.size() > kMaxArrowReplySlices && size <= kCopyArrowReplyBytes) {
        response.slices.clear();
        response.body = reply->parts.Concatenate();
      } else {
        response.owner = std::move(reply);
      }
    }
  } else {
    // One allocation for typical replies: ~12 bytes per value plus the names.
    response.body.reserve(64 + static_cast<size_t>(batch->num_rows) * batch->columns.size() * 12);
    AppendJsonColumns(*batch, &response.body);
  }
  return response;
}

HttpResponse Router::Write(const std::string& name, const HttpRequest& request) const {
  Status st = TableService::ValidateTableName(name);
  if (st.ok()) st = service_->CheckWritable(name);
  if (!st.ok()) return StatusResponse(st);
  std::string media = MediaType(request.content_type);
  std::vector<Batch> batches;
  if (media == kJson) {
    Result<TableSchema> schema = service_->GetSchema(name);
    if (!schema.ok()) return StatusResponse(schema.status());
    Result<Batch> batch = ParseJsonColumns(BodyText(request), *schema);
    if (!batch.ok()) return ErrorResponse(400, "invalid JSON columns: " + batch.status().message());
    batches.push_back(std::move(batch).value());
  } else if (media == kArrowStream) {
    Result<std::vector<Batch>> read = ReadArrowIpcStream(request.body);
    if (!read.ok()) {
      return ErrorResponse(HttpStatusFor(read.status()),
                           "invalid Arrow IPC stream: " + read.status().message());
    }
    batches = std::move(read).value();
  } else if (media == kParquet) {
    ParquetReadOptions parquet;
    parquet.max_output_bytes = static_cast<int64_t>(
        std::min<uint64_t>(options_.max_decoded_bytes, std::numeric_limits<int64_t>::max()));
    // The table's types say how a LIST column is read (a fixed-size list such as float32[768]).
    Result<TableSchema> schema = service_->GetSchema(name);
    if (!schema.ok()) return StatusResponse(schema.status());
    Result<Batch> batch = ReadParquet(request.body, {}, parquet, schema->columns());
    if (!batch.ok()) {
      return ErrorResponse(HttpStatusFor(batch.status()),
                           "invalid Parquet file: " + batch.status().message());
    }
    batches.push_back(std::move(batch).value());
  } else {
    return UnsupportedMediaType(request,
                                fmt::format("{}, {} or {}", kJson, kArrowStream, kParquet));
  }
  Result<int64_t> rows = service_->Write(name, batches);
  if (!rows.ok()) return StatusResponse(rows.status());
  return JsonResponse(200, fmt::format("{{\"rows\":{}}}", *rows));
}

HttpResponse Router::GetStatus(const std::string& name) const {
  Result<TableStatus> st = service_->GetStatus(name);
  if (!st.ok()) return StatusResponse(st.status());
  return JsonResponse(200, TableStatusJson(*st));
}

HttpResponse Router::Metrics() const {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string& out = response.body;
  metrics_->AppendPrometheus(&out);
  std::vector<TableInfo> tables = service_->ListTables();
  out.append("# HELP murr_tables Tables in the cache.\n# TYPE murr_tables gauge\n");
  fmt::format_to(std::back_inserter(out), "murr_tables {}\n", tables.size());
  struct Gauge {
    const char* name;
    const char* help;
    int64_t TableStats::*field;
  };
  const Gauge gauges[] = {
      {"murr_table_rows", "Distinct keys in a table.", &TableStats::rows},
      {"murr_table_segments", "Segment files of a table.", &TableStats::segments},
      {"murr_table_bytes", "Bytes of a table's segment files on disk.", &TableStats::bytes},
  };
  for (const Gauge& g : gauges) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} gauge\n", g.name, g.help,
                   g.name);
    for (const TableInfo& t : tables) {
      fmt::format_to(std::back_inserter(out), "{}{{table=\"{}\"}} {}\n", g.name, t.name,
                     t.stats.*g.field);
    }
  }
  std::vector<QuarantinedTable> quarantined = service_->QuarantinedTables();
  out.append(
      "# HELP murr_tables_quarantined Tables that could not be opened and answer 503.\n"
      "# TYPE murr_tables_quarantined gauge\n");
  fmt::format_to(std::back_inserter(out), "murr_tables_quarantined {}\n", quarantined.size());
  out.append(
      "# HELP murr_table_quarantined 1 for each quarantined table.\n"
      "# TYPE murr_table_quarantined gauge\n");
  for (const QuarantinedTable& q : quarantined) {
    fmt::format_to(std::back_inserter(out), "murr_table_quarantined{{table=\"{}\"}} 1\n", q.name);
  }
  std::vector<std::pair<std::string, SyncStatus>> syncs = service_->SyncStatuses();
  struct SyncGauge {
    const char* name;
    const char* type;
    const char* help;
    std::function<double(const SyncStatus&)> value;
  };
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const SyncGauge sync_gauges[] = {
      {"murr_sync_loads_total", "counter", "Partitions loaded from a table's source.",
       [](const SyncStatus& s) { return static_cast<double>(s.loads); }},
      {"murr_sync_failures_total", "counter",
       "Failed checks or loads of a table's source (the table keeps serving).",
       [](const SyncStatus& s) { return static_cast<double>(s.failures); }},
      {"murr_sync_bytes_downloaded_total", "counter", "Bytes downloaded from a table's source.",
       [](const SyncStatus& s) { return static_cast<double>(s.bytes_downloaded); }},
      {"murr_sync_last_load_seconds", "gauge", "Duration of the last load of a table's source.",
       [](const SyncStatus& s) { return s.last_load_seconds; }},
      {"murr_sync_partition_age_seconds", "gauge",
       "Seconds since the partition a table serves was loaded (-1 before the first load).",
       [now_ms](const SyncStatus& s) {
         return s.loaded_at_ms > 0 ? static_cast<double>(now_ms - s.loaded_at_ms) / 1000 : -1.0;
       }},
      {"murr_sync_error", "gauge", "1 when the last check of a table's source failed.",
       [](const SyncStatus& s) { return s.last_error.empty() ? 0.0 : 1.0; }},
  };
  for (const SyncGauge& g : sync_gauges) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", g.name, g.help, g.name,
                   g.type);
    for (const auto& [name, s] : syncs) {
      fmt::format_to(std::back_inserter(out), "{}{{table=\"{}\"}} {}\n", g.name, name, g.value(s));
    }
  }
  out.append(
      "# HELP murr_cache_foreign_entries Entries of cache_dir that are not Murr's (left alone).\n"
      "# TYPE murr_cache_foreign_entries gauge\n");
  fmt::format_to(std::back_inserter(out), "murr_cache_foreign_entries {}\n",
                 service_->foreign_entries().size());
  return response;
}

}  // namespace murr::http
