#include "murr/config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>

#include <yaml-cpp/yaml.h>

#include "murr/core/json_util.h"

extern char** environ;

namespace murr {
namespace {

// Variables of the project's own scripts that share the prefix but are not configuration.
constexpr std::string_view kToolVariables[] = {"MURR_SKIP_NPM",   "MURR_SKIP_PIP",
                                               "MURR_SANITIZED",  "MURR_BINARY",
                                               "MURR_PYTHON_DIR", "MURR_PURE_PYTHON"};

// Timeouts above a day are a typo, and keep every duration far from overflow.
constexpr int64_t kMaxTimeoutMs = int64_t{24} * 3600 * 1000;

Result<int64_t> ParseInteger(std::string_view key, std::string_view text, int64_t min,
                             int64_t max) {
  int64_t v = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (text.empty() || ec != std::errc() || ptr != last) {
    return Status::InvalidArgument(std::string(key) + ": expected an integer, got '" +
                                   std::string(text) + "'");
  }
  if (v < min || v > max) {
    return Status::InvalidArgument(std::string(key) + ": " + std::to_string(v) +
                                   " is out of range " + std::to_string(min) + ".." +
                                   std::to_string(max));
  }
  return v;
}

Result<bool> ParseBool(std::string_view key, std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return Status::InvalidArgument(std::string(key) + ": expected true or false, got '" +
                                 std::string(text) + "'");
}

Result<std::string> ParseNonEmpty(std::string_view key, std::string_view text) {
  if (text.empty()) return Status::InvalidArgument(std::string(key) + ": must not be empty");
  return std::string(text);
}

struct KeyDef {
  ConfigKey key;
  std::function<Status(Config*, std::string_view)> set;
  std::function<std::string(const Config&)> get;
};

std::string EnvName(std::string_view path) {
  std::string env = "MURR_";
  for (char c : path) {
    env.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return env;
}

std::vector<KeyDef> BuildKeyDefs() {
  std::vector<KeyDef> defs;
  auto add_string = [&](std::string path, std::string description, std::string* (*field)(Config*)) {
    KeyDef def;
    def.key = {path, EnvName(path), "string", std::move(description)};
    def.set = [path, field](Config* c, std::string_view text) -> Status {
      MURR_ASSIGN_OR_RETURN(*field(c), ParseNonEmpty(path, text));
      return Status::OK();
    };
    def.get = [field](const Config& c) { return *field(const_cast<Config*>(&c)); };
    defs.push_back(std::move(def));
  };
  auto add_int = [&](std::string path, std::string description, int64_t min, int64_t max,
                     std::function<void(Config*, int64_t)> set,
                     std::function<int64_t(const Config&)> get) {
    KeyDef def;
    def.key = {path, EnvName(path), "integer", std::move(description)};
    def.set = [path, min, max, set](Config* c, std::string_view text) -> Status {
      MURR_ASSIGN_OR_RETURN(int64_t v, ParseInteger(path, text, min, max));
      set(c, v);
      return Status::OK();
    };
    def.get = [get](const Config& c) { return std::to_string(get(c)); };
    defs.push_back(std::move(def));
  };
  auto add_bool = [&](std::string path, std::string description,
                      std::function<void(Config*, bool)> set,
                      std::function<bool(const Config&)> get) {
    KeyDef def;
    def.key = {path, EnvName(path), "boolean", std::move(description)};
    def.set = [path, set](Config* c, std::string_view text) -> Status {
      MURR_ASSIGN_OR_RETURN(bool v, ParseBool(path, text));
      set(c, v);
      return Status::OK();
    };
    def.get = [get](const Config& c) { return std::string(get(c) ? "true" : "false"); };
    defs.push_back(std::move(def));
  };

  add_string("server.http.host", "address the HTTP API listens on (default 0.0.0.0)",
             [](Config* c) { return &c->http.endpoint.host; });
  add_int(
      "server.http.port", "HTTP port, 0..65535; 0 picks a free port (default 8080)", 0, 65535,
      [](Config* c, int64_t v) { c->http.endpoint.port = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.http.endpoint.port}; });
  add_int(
      "server.http.max_body_bytes", "largest request body in bytes (default 1073741824 = 1 GiB)", 1,
      std::numeric_limits<int64_t>::max(),
      [](Config* c, int64_t v) { c->http.max_body_bytes = static_cast<uint64_t>(v); },
      [](const Config& c) { return static_cast<int64_t>(c.http.max_body_bytes); });
  add_int(
      "server.http.max_decoded_bytes",
      "largest decoded size of one Parquet write, checked before decoding (default 8589934592 = "
      "8 GiB)",
      1, std::numeric_limits<int64_t>::max(),
      [](Config* c, int64_t v) { c->http.max_decoded_bytes = static_cast<uint64_t>(v); },
      [](const Config& c) { return static_cast<int64_t>(c.http.max_decoded_bytes); });
  add_int(
      "server.http.max_fetch_keys", "most keys in one fetch request (default 100000)", 1,
      std::numeric_limits<int64_t>::max(),
      [](Config* c, int64_t v) { c->http.max_fetch_keys = static_cast<uint64_t>(v); },
      [](const Config& c) { return static_cast<int64_t>(c.http.max_fetch_keys); });
  add_int(
      "server.http.header_timeout_ms",
      "milliseconds to receive a request's headers after its first byte (default 10000)", 1,
      kMaxTimeoutMs, [](Config* c, int64_t v) { c->http.header_timeout_ms = v; },
      [](const Config& c) { return c.http.header_timeout_ms; });
  add_int(
      "server.http.idle_timeout_ms",
      "milliseconds a keep-alive connection may wait for its next request (default 60000)", 1,
      kMaxTimeoutMs, [](Config* c, int64_t v) { c->http.idle_timeout_ms = v; },
      [](const Config& c) { return c.http.idle_timeout_ms; });
  add_int(
      "server.http.io_timeout_ms",
      "milliseconds to read one request body or write one response (default 300000)", 1,
      kMaxTimeoutMs, [](Config* c, int64_t v) { c->http.io_timeout_ms = v; },
      [](const Config& c) { return c.http.io_timeout_ms; });
  add_int(
      "server.http.shutdown_timeout_ms",
      "milliseconds requests in flight get to finish after SIGINT/SIGTERM (default 30000)", 1,
      kMaxTimeoutMs, [](Config* c, int64_t v) { c->http.shutdown_timeout_ms = v; },
      [](const Config& c) { return c.http.shutdown_timeout_ms; });
  add_int(
      "server.http.worker_threads", "threads serving HTTP; 0 = one per hardware thread (default 0)",
      0, 1024, [](Config* c, int64_t v) { c->http.worker_threads = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.http.worker_threads}; });
  add_int(
      "server.http.work_threads",
      "threads running writes, create, drop and listings, apart from fetches (default 2)", 1, 1024,
      [](Config* c, int64_t v) { c->http.work_threads = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.http.work_threads}; });
  add_int(
      "server.http.max_queued_work",
      "slow requests that may wait for a work thread before new ones get 503 (default 64)", 1,
      1000000, [](Config* c, int64_t v) { c->http.max_queued_work = static_cast<uint64_t>(v); },
      [](const Config& c) { return static_cast<int64_t>(c.http.max_queued_work); });
  add_bool(
      "server.http.access_log", "log one line per request (default false)",
      [](Config* c, bool v) { c->http.access_log = v; },
      [](const Config& c) { return c.http.access_log; });
  add_int(
      "server.http.max_connections",
      "most connections open at once; past it accepting pauses (default 10000)", 1, 1000000,
      [](Config* c, int64_t v) { c->http.max_connections = v; },
      [](const Config& c) { return c.http.max_connections; });
  add_int(
      "server.http.max_target_bytes", "longest request target (path and query) (default 8192)", 16,
      16384, [](Config* c, int64_t v) { c->http.max_target_bytes = v; },
      [](const Config& c) { return c.http.max_target_bytes; });
  add_int(
      "server.http.max_header_count", "most header fields in one request (default 100)", 1, 10000,
      [](Config* c, int64_t v) { c->http.max_header_count = v; },
      [](const Config& c) { return c.http.max_header_count; });
  add_string("server.tls.cert_file",
             "PEM certificate chain; with key_file, HTTP and Flight serve TLS only (default: none)",
             [](Config* c) { return &c->http.tls.cert_file; });
  add_string("server.tls.key_file", "PEM private key of server.tls.cert_file (default: none)",
             [](Config* c) { return &c->http.tls.key_file; });
  add_string("server.grpc.host", "address the Arrow Flight API listens on (default 0.0.0.0)",
             [](Config* c) { return &c->grpc.host; });
  add_int(
      "server.grpc.port", "Arrow Flight port, 0..65535; 0 picks a free port (default 8081)", 0,
      65535, [](Config* c, int64_t v) { c->grpc.port = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.grpc.port}; });
  add_int(
      "server.grpc.stream_timeout_ms",
      "milliseconds a Flight stream may last before it is cancelled (default 300000)", 1,
      kMaxTimeoutMs, [](Config* c, int64_t v) { c->grpc_stream_timeout_ms = v; },
      [](const Config& c) { return c.grpc_stream_timeout_ms; });
  {
    // A secret: the effective configuration shows how many entries it has, never the text.
    KeyDef def;
    def.key = {"auth.tokens", EnvName("auth.tokens"), "string",
               "bearer tokens, 'read:<token>,write:<token>,...'; none = no authentication "
               "(default: none)"};
    def.set = [](Config* c, std::string_view text) -> Status {
      c->auth.tokens = std::string(text);
      return Status::OK();
    };
    def.get = [](const Config& c) {
      if (c.auth.tokens.empty()) return std::string();
      size_t n =
          1 + static_cast<size_t>(std::count(c.auth.tokens.begin(), c.auth.tokens.end(), ','));
      return "(" + std::to_string(n) + " redacted)";
    };
    defs.push_back(std::move(def));
  }
  add_string("auth.tokens_file", "file of 'scope:token' lines (default: none)",
             [](Config* c) { return &c->auth.tokens_file; });
  add_bool(
      "auth.open_health", "GET /health answers without a token (default true)",
      [](Config* c, bool v) { c->auth.open_health = v; },
      [](const Config& c) { return c.auth.open_health; });
  add_bool(
      "auth.open_metrics", "GET /metrics answers without a token (default false)",
      [](Config* c, bool v) { c->auth.open_metrics = v; },
      [](const Config& c) { return c.auth.open_metrics; });
  {
    KeyDef def;
    def.key = {"storage.durability", EnvName("storage.durability"), "string",
               "fsync (every write is on disk before it is acknowledged) or none (left to the "
               "kernel; faster, may lose recent writes on power loss) (default fsync)"};
    def.set = [](Config* c, std::string_view text) -> Status {
      if (text == "fsync") {
        c->durable = true;
      } else if (text == "none") {
        c->durable = false;
      } else {
        return Status::InvalidArgument("storage.durability: expected fsync or none, got '" +
                                       std::string(text) + "'");
      }
      return Status::OK();
    };
    def.get = [](const Config& c) { return std::string(c.durable ? "fsync" : "none"); };
    defs.push_back(std::move(def));
  }
  add_string("storage.cache_dir",
             "directory of the tables (default: first writable of ./murr, /var/lib/murr/murr, "
             "/data/murr, $TMPDIR/murr)",
             [](Config* c) { return &c->cache_dir; });
  add_int(
      "storage.idle_compaction_seconds",
      "seconds without writes after which a table is merged into one segment; 0 = never "
      "(default 30)",
      0, 86400, [](Config* c, int64_t v) { c->idle_compaction_seconds = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.idle_compaction_seconds}; });
  add_bool(
      "storage.adopt_cache_dir",
      "use a non-empty cache_dir that is not marked as Murr's; what Murr did not create in it "
      "stays untouched (default false)",
      [](Config* c, bool v) { c->adopt_cache_dir = v; },
      [](const Config& c) { return c.adopt_cache_dir; });
  add_int(
      "storage.tier_fan_in",
      "segments of one size tier that compaction merges into one, 2..64 (default 4)", 2, 64,
      [](Config* c, int64_t v) { c->tier_fan_in = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.tier_fan_in}; });
  add_int(
      "storage.max_segments",
      "segments of a table above which all are merged into one, 2..1024 (default 24)", 2, 1024,
      [](Config* c, int64_t v) { c->max_segments = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.max_segments}; });
  add_int(
      "storage.max_merge_bytes",
      "largest compaction, in bytes of its input segments; bounds compaction's memory "
      "(default 4294967296 = 4 GiB)",
      1, std::numeric_limits<int64_t>::max(), [](Config* c, int64_t v) { c->max_merge_bytes = v; },
      [](const Config& c) { return c.max_merge_bytes; });
  add_bool(
      "storage.verify_checksums_on_open",
      "verify every segment checksum at start-up (default true)",
      [](Config* c, bool v) { c->verify_checksums_on_open = v; },
      [](const Config& c) { return c.verify_checksums_on_open; });
  {
    // May carry credentials in its userinfo part in theory; shown as given (it should not).
    KeyDef def;
    def.key = {"s3.endpoint", EnvName("s3.endpoint"), "string",
               "endpoint of an S3-compatible store, e.g. http://127.0.0.1:9000 (default: AWS, "
               "https://s3.<region>.amazonaws.com)"};
    def.set = [](Config* c, std::string_view text) -> Status {
      if (!text.empty() && !text.starts_with("http://") && !text.starts_with("https://")) {
        return Status::InvalidArgument(
            "s3.endpoint: expected http://host[:port] or "
            "https://host[:port], got '" +
            std::string(text) + "'");
      }
      c->s3.endpoint = std::string(text);
      return Status::OK();
    };
    def.get = [](const Config& c) { return c.s3.endpoint; };
    defs.push_back(std::move(def));
  }
  add_string("s3.region", "region of the S3 sources, signed into every request (default us-east-1)",
             [](Config* c) { return &c->s3.region; });
  add_bool(
      "s3.path_style",
      "path-style addressing (endpoint/bucket/key), which most S3-compatible stores need; false "
      "= virtual-host style (default false)",
      [](Config* c, bool v) { c->s3.path_style = v; },
      [](const Config& c) { return c.s3.path_style; });
  add_bool(
      "s3.anonymous",
      "send unsigned requests (public buckets) instead of looking for credentials "
      "(default false)",
      [](Config* c, bool v) { c->s3.anonymous = v; },
      [](const Config& c) { return c.s3.anonymous; });
  add_int(
      "sync.download_threads",
      "objects a load from a source downloads and decodes at once; bounds its memory (default 2)",
      1, 256, [](Config* c, int64_t v) { c->sync_download_threads = static_cast<int>(v); },
      [](const Config& c) { return int64_t{c.sync_download_threads}; });
  return defs;
}

const std::vector<KeyDef>& KeyDefs() {
  static const std::vector<KeyDef> defs = BuildKeyDefs();
  return defs;
}

const KeyDef* FindByPath(std::string_view path) {
  for (const KeyDef& d : KeyDefs()) {
    if (d.key.path == path) return &d;
  }
  return nullptr;
}

bool IsSection(std::string_view path) {
  std::string prefix = std::string(path) + ".";
  for (const KeyDef& d : KeyDefs()) {
    if (d.key.path.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

std::string NodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
    case YAML::NodeType::Undefined:
      return "a value";
  }
  return "a value";
}

// The YAML subtree as JSON text (for `columns`, which has a TableSchema's JSON form).
void YamlToJson(const YAML::Node& node, std::string* out) {
  if (node.IsMap()) {
    out->push_back('{');
    bool first = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(out, it->first.Scalar());
      out->push_back(':');
      YamlToJson(it->second, out);
    }
    out->push_back('}');
  } else if (node.IsSequence()) {
    out->push_back('[');
    for (size_t i = 0; i < node.size(); ++i) {
      if (i) out->push_back(',');
      YamlToJson(node[i], out);
    }
    out->push_back(']');
  } else if (node.IsNull()) {
    out->append("null");
  } else {
    const std::string& s = node.Scalar();
    bool plain = node.Tag() != "!" && (s == "true" || s == "false");
    if (plain) {
      out->append(s);
    } else {
      AppendJsonString(out, s);
    }
  }
}

// Raw fields of one `tables` entry before validation (columns kept as JSON text).
struct RawTable {
  std::string name;
  std::string source, key, columns_json, marker = "_SUCCESS", poll = "60";
  bool has_columns = false;
};

Status SetTableField(RawTable* t, std::string_view field, std::string value, bool is_json) {
  const std::string path = "tables." + t->name + "." + std::string(field);
  if (field == "source") {
    t->source = std::move(value);
  } else if (field == "key") {
    t->key = std::move(value);
  } else if (field == "marker") {
    t->marker = std::move(value);
  } else if (field == "poll_seconds") {
    t->poll = std::move(value);
  } else if (field == "columns") {
    if (!is_json) return Status::InvalidArgument(path + ": expected a mapping of columns");
    t->columns_json = std::move(value);
    t->has_columns = true;
  } else {
    return Status::InvalidArgument("unknown configuration key '" + path +
                                   "' (a table has source, key, columns, poll_seconds, marker)");
  }
  return Status::OK();
}

Status ApplyTablesYaml(const YAML::Node& node, std::vector<RawTable>* tables) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) {
    return Status::InvalidArgument("'tables' must be a mapping of table names, got " +
                                   NodeKind(node));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) return Status::InvalidArgument("table names must be plain names");
    RawTable t;
    t.name = it->first.Scalar();
    // A copy: it->second lives in a proxy that dies with the expression.
    const YAML::Node body = it->second;
    if (!body.IsMap()) {
      return Status::InvalidArgument("tables." + t.name + " must be a mapping, got " +
                                     NodeKind(body));
    }
    for (auto f = body.begin(); f != body.end(); ++f) {
      std::string field = f->first.Scalar();
      if (field == "columns") {
        if (!f->second.IsMap()) {
          return Status::InvalidArgument("tables." + t.name +
                                         ".columns: expected a mapping of columns, got " +
                                         NodeKind(f->second));
        }
        std::string json;
        YamlToJson(f->second, &json);
        MURR_RETURN_IF_ERROR(SetTableField(&t, field, std::move(json), true));
      } else {
        if (!f->second.IsScalar() && field != "columns") {
          return Status::InvalidArgument("tables." + t.name + "." + field +
                                         ": expected a value, got " + NodeKind(f->second));
        }
        MURR_RETURN_IF_ERROR(SetTableField(&t, field, f->second.Scalar(), false));
      }
    }
    tables->push_back(std::move(t));
  }
  return Status::OK();
}

Status FinishTables(std::vector<RawTable> raw, Config* config) {
  std::sort(raw.begin(), raw.end(),
            [](const RawTable& a, const RawTable& b) { return a.name < b.name; });
  for (RawTable& t : raw) {
    const std::string base = "tables." + t.name;
    TableSourceConfig out;
    out.name = t.name;
    if (t.source.empty()) return Status::InvalidArgument(base + ".source: must be set");
    if (!t.source.starts_with("file:///") && !t.source.starts_with("s3://")) {
      return Status::InvalidArgument(base +
                                     ".source: expected file:///path/ or "
                                     "s3://bucket/prefix/, got '" +
                                     t.source + "'");
    }
    out.source = t.source;
    if (!out.source.ends_with("/")) out.source += "/";
    if (t.key.empty()) return Status::InvalidArgument(base + ".key: must be set");
    out.key = t.key;
    if (t.marker.empty() || t.marker.find('/') != std::string::npos) {
      return Status::InvalidArgument(base + ".marker: must be an object name without '/'");
    }
    out.marker = t.marker;
    {
      double v = 0;
      auto [ptr, ec] = std::from_chars(t.poll.data(), t.poll.data() + t.poll.size(), v);
      if (t.poll.empty() || ec != std::errc() || ptr != t.poll.data() + t.poll.size() ||
          !(v >= 0.05 && v <= 86400)) {
        return Status::InvalidArgument(base +
                                       ".poll_seconds: expected a number of seconds in "
                                       "0.05..86400, got '" +
                                       t.poll + "'");
      }
      out.poll_seconds = v;
    }
    if (t.has_columns) {
      std::string json = "{\"key\":";
      AppendJsonString(&json, t.key);
      json += ",\"columns\":" + t.columns_json + "}";
      auto schema = TableSchema::FromJson(json);
      if (!schema.ok())
        return Status::InvalidArgument(base + ".columns: " + schema.status().message());
      out.schema = std::move(schema).value();
    }
    config->tables.push_back(std::move(out));
  }
  return Status::OK();
}

// MURR_TABLES_<NAME>_<FIELD>: NAME is a table of the file in upper case with '.' and '-' as
// '_', or else a new table named NAME in lower case.
Status ApplyTableEnv(const std::string& var, const std::string& value, std::vector<RawTable>* t) {
  static const std::pair<std::string_view, std::string_view> kFields[] = {
      {"_POLL_SECONDS", "poll_seconds"},
      {"_SOURCE", "source"},
      {"_KEY", "key"},
      {"_MARKER", "marker"},
      {"_COLUMNS", "columns"}};
  std::string_view rest = std::string_view(var).substr(std::string_view("MURR_TABLES_").size());
  for (const auto& [suffix, field] : kFields) {
    if (!rest.ends_with(suffix) || rest.size() == suffix.size()) continue;
    std::string_view upper = rest.substr(0, rest.size() - suffix.size());
    RawTable* target = nullptr;
    for (RawTable& r : *t) {
      if (EnvName(r.name).substr(5) == upper) target = &r;
    }
    if (!target) {
      RawTable fresh;
      for (char ch : upper) {
        fresh.name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      }
      t->push_back(std::move(fresh));
      target = &t->back();
    }
    if (field == "columns") {
      // JSON text of the columns mapping.
      return SetTableField(target, field, value, true);
    }
    return SetTableField(target, field, value, false);
  }
  return Status::InvalidArgument("unknown environment variable " + var +
                                 " (table variables are MURR_TABLES_<NAME>_SOURCE, _KEY, "
                                 "_COLUMNS, _POLL_SECONDS, _MARKER)");
}

Status ApplyYaml(const YAML::Node& node, const std::string& path, Config* config,
                 std::vector<RawTable>* tables) {
  if (path == "tables") return ApplyTablesYaml(node, tables);
  if (!path.empty()) {
    if (const KeyDef* def = FindByPath(path)) {
      if (!node.IsScalar()) {
        std::string article = def->key.type == "integer" ? "an " : "a ";
        return Status::InvalidArgument(path + ": expected " + article + def->key.type + ", got " +
                                       NodeKind(node));
      }
      return def->set(config, node.Scalar());
    }
  }
  if (!path.empty() && !IsSection(path)) {
    return Status::InvalidArgument("unknown configuration key '" + path + "'");
  }
  if (node.IsNull()) return Status::OK();  // an empty section
  if (!node.IsMap()) {
    return Status::InvalidArgument(
        (path.empty() ? std::string("the configuration file") : "'" + path + "'") +
        " must be a mapping, got " + NodeKind(node));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      return Status::InvalidArgument("configuration keys must be plain names" +
                                     (path.empty() ? std::string() : " (under '" + path + "')"));
    }
    std::string child = path.empty() ? it->first.Scalar() : path + "." + it->first.Scalar();
    MURR_RETURN_IF_ERROR(ApplyYaml(it->second, child, config, tables));
  }
  return Status::OK();
}

Status ApplyFile(const std::string& file, Config* config, std::vector<RawTable>* tables) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument("cannot read configuration file '" + file +
                                   "': " + std::strerror(errno));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("configuration file '" + file + "': " + e.what());
  }
  try {
    return ApplyYaml(root, "", config, tables).WithContext("configuration file '" + file + "'");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("configuration file '" + file + "': " + e.what());
  }
}

// Configuration given as text (the Python package's dict, as JSON, which is YAML); errors name
// `origin`.
Status ApplyText(std::string_view text, const std::string& origin, Config* config,
                 std::vector<RawTable>* tables) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return ApplyYaml(root, "", config, tables).WithContext(origin);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin + ": " + e.what());
  }
}

Status ProbeWritable(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create '" + dir + "': " + ec.message());
  std::string probe = dir + "/.murr-write-probe-" + std::to_string(getpid());
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write in '" + dir + "': " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::OK();
}

}  // namespace

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> out;
    for (const KeyDef& d : KeyDefs()) out.push_back(d.key);
    return out;
  }();
  return keys;
}

namespace {

Result<Config> ApplyEnvironment(Config config, std::vector<RawTable> tables,
                                const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [name, value] : env) {
    if (name.rfind("MURR_", 0) != 0) continue;
    if (name.rfind("MURR_TABLES_", 0) == 0) {
      MURR_RETURN_IF_ERROR(ApplyTableEnv(name, value, &tables));
      continue;
    }
    if (std::find(std::begin(kToolVariables), std::end(kToolVariables), name) !=
        std::end(kToolVariables)) {
      continue;
    }
    const KeyDef* def = nullptr;
    for (const KeyDef& d : KeyDefs()) {
      if (d.key.env == name) def = &d;
    }
    if (!def) {
      return Status::InvalidArgument("unknown environment variable " + name +
                                     " (MURR_* variables name configuration keys, e.g. "
                                     "MURR_SERVER_HTTP_PORT for server.http.port)");
    }
    MURR_RETURN_IF_ERROR(def->set(&config, value).WithContext("environment variable " + name));
  }
  MURR_RETURN_IF_ERROR(FinishTables(std::move(tables), &config));
  if (config.http.tls.cert_file.empty() != config.http.tls.key_file.empty()) {
    return Status::InvalidArgument(
        "server.tls.cert_file and server.tls.key_file must be set together (TLS needs both)");
  }
  return config;
}

}  // namespace

Result<Config> LoadConfig(const std::string& file,
                          const std::vector<std::pair<std::string, std::string>>& env) {
  Config config;
  std::vector<RawTable> tables;
  if (!file.empty()) MURR_RETURN_IF_ERROR(ApplyFile(file, &config, &tables));
  return ApplyEnvironment(std::move(config), std::move(tables), env);
}

Result<Config> LoadConfigText(std::string_view text, const std::string& origin,
                              const std::vector<std::pair<std::string, std::string>>& env) {
  Config config;
  std::vector<RawTable> tables;
  MURR_RETURN_IF_ERROR(ApplyText(text, origin, &config, &tables));
  return ApplyEnvironment(std::move(config), std::move(tables), env);
}

std::vector<std::pair<std::string, std::string>> ProcessEnvironment() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("MURR_", 0) != 0) continue;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

Status ResolveCacheDir(Config* config) {
  if (!config->cache_dir.empty()) {
    std::string dir = std::filesystem::absolute(config->cache_dir).lexically_normal().string();
    Status st = ProbeWritable(dir);
    if (!st.ok()) return Status::InvalidArgument("storage.cache_dir: " + st.message());
    config->cache_dir = dir;
    return Status::OK();
  }
  std::error_code ec;
  std::vector<std::string> candidates;
  candidates.push_back((std::filesystem::current_path(ec) / "murr").string());
  candidates.push_back("/var/lib/murr/murr");
  candidates.push_back("/data/murr");
  candidates.push_back((std::filesystem::temp_directory_path(ec) / "murr").string());
  std::string tried;
  for (const std::string& dir : candidates) {
    Status st = ProbeWritable(dir);
    if (st.ok()) {
      config->cache_dir = std::filesystem::path(dir).lexically_normal().string();
      return Status::OK();
    }
    tried += (tried.empty() ? "" : "; ") + st.message();
  }
  return Status::InvalidArgument("storage.cache_dir: no default directory is writable (" + tried +
                                 "); set storage.cache_dir or MURR_STORAGE_CACHE_DIR");
}

std::string DescribeConfig(const Config& config) {
  std::string out;
  for (const KeyDef& d : KeyDefs()) {
    if (!out.empty()) out += ' ';
    out += d.key.path + "=" + d.get(config);
  }
  for (const TableSourceConfig& t : config.tables) {
    out += " tables." + t.name + "=" + t.source;
  }
  return out;
}

}  // namespace murr
