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

Status ApplyYaml(const YAML::Node& node, const std::string& path, Config* config) {
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
    MURR_RETURN_IF_ERROR(ApplyYaml(it->second, child, config));
  }
  return Status::OK();
}

Status ApplyFile(const std::string& file, Config* config) {
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
    return ApplyYaml(root, "", config).WithContext("configuration file '" + file + "'");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("configuration file '" + file + "': " + e.what());
  }
}

// Configuration given as text (the Python package's dict, as JSON, which is YAML); errors name
// `origin`.
Status ApplyText(std::string_view text, const std::string& origin, Config* config) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return ApplyYaml(root, "", config).WithContext(origin);
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

Result<Config> ApplyEnvironment(Config config,
                                const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [name, value] : env) {
    if (name.rfind("MURR_", 0) != 0) continue;
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
  if (!file.empty()) MURR_RETURN_IF_ERROR(ApplyFile(file, &config));
  return ApplyEnvironment(std::move(config), env);
}

Result<Config> LoadConfigText(std::string_view text, const std::string& origin,
                              const std::vector<std::pair<std::string, std::string>>& env) {
  Config config;
  MURR_RETURN_IF_ERROR(ApplyText(text, origin, &config));
  return ApplyEnvironment(std::move(config), env);
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
  return out;
}

}  // namespace murr
