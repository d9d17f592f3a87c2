// The two Redis backends of the side-by-side benchmark, both over hiredis against a redis-server
// child started in the run's folder (no persistence, loopback only):
//   redis-blob:  SET <key> <columns x little-endian float32>; a read is one MGET of all keys.
//   redis-feast: HSET <key> col_0 <4 bytes> col_1 <4 bytes> ...; a read is one HMGET per key, all
//                pipelined (the layout Feast's Redis online store uses, one hash per entity).
// Writes are pipelined per batch: append every command, then read every reply.
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <bit>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/compare/backend.h"
#include "bench/compare/process.h"
#include "bench/compare/workload.h"

namespace murr::compare {
namespace {

// Values travel as the float's own bytes, which must then be little-endian.
static_assert(std::endian::native == std::endian::little, "values are sent as native float bytes");
constexpr size_t kValueBytes = sizeof(float);
static_assert(kValueBytes == 4);

// Connect and I/O timeouts: generous, only there to turn a hung server into an error.
constexpr timeval kConnectTimeout{5, 0};
constexpr timeval kIoTimeout{120, 0};

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const {
    if (c != nullptr) redisFree(c);
  }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

// An error of the connection itself (after which hiredis considers the context unusable).
Status ContextError(const redisContext* c, std::string_view what) {
  return Status::IOError("redis: " + std::string(what) + ": " +
                         (c->errstr[0] != '\0' ? std::string(c->errstr) : "connection error"));
}

Status ErrorReply(const redisReply* r, std::string_view what) {
  return Status::IOError("redis: " + std::string(what) + ": " + std::string(r->str, r->len));
}

Result<ContextPtr> ConnectRedis(int port) {
  ContextPtr ctx(redisConnectWithTimeout("127.0.0.1", port, kConnectTimeout));
  if (ctx == nullptr) return Status::IOError("redis: cannot allocate a connection context");
  if (ctx->err != 0) {
    return ContextError(ctx.get(), "connecting to 127.0.0.1:" + std::to_string(port));
  }
  if (redisSetTimeout(ctx.get(), kIoTimeout) != REDIS_OK) {
    return ContextError(ctx.get(), "setting the socket timeout");
  }
  // hiredis sets TCP_NODELAY on TCP connections itself; set it again so the latency numbers never
  // depend on the hiredis version (small pipelined requests must not wait for Nagle).
  int one = 1;
  if (setsockopt(ctx->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    return Status::IOError("redis: setting TCP_NODELAY: " + std::string(std::strerror(errno)));
  }
  return ctx;
}

// One blocking command; an error reply becomes an IOError with its text.
Result<ReplyPtr> Command(redisContext* c, int argc, const char** argv, const size_t* argvlen,
                         std::string_view what) {
  ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(c, argc, argv, argvlen)));
  if (r == nullptr) return ContextError(c, what);
  if (r->type == REDIS_REPLY_ERROR) return ErrorReply(r.get(), what);
  return r;
}

Result<ReplyPtr> Command(redisContext* c, const std::vector<std::string>& args,
                         std::string_view what) {
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  return Command(c, static_cast<int>(argv.size()), argv.data(), argvlen.data(), what);
}

// Reads `n` pipelined replies, calling on_reply(i, reply) for each that is not an error reply.
// Every reply is read even after a failure, so the connection stays in step with its commands;
// the first failure (error reply or on_reply's Status) is returned. A broken connection returns
// at once: hiredis cannot read from it anymore.
template <typename OnReply>
Status ReadPipelinedReplies(redisContext* c, size_t n, std::string_view what, OnReply on_reply) {
  Status first_error;
  for (size_t i = 0; i < n; ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK) return ContextError(c, what);
    ReplyPtr r(static_cast<redisReply*>(raw));
    if (!first_error.ok()) continue;
    if (r->type == REDIS_REPLY_ERROR) {
      first_error = ErrorReply(r.get(), what);
    } else {
      first_error = on_reply(i, r.get());
    }
  }
  return first_error;
}

// The reply to SET (+OK) or HSET (the number of new fields).
Status CheckWriteReply(const redisReply* r, const std::string& key) {
  if (r->type == REDIS_REPLY_INTEGER) return Status::OK();
  if (r->type == REDIS_REPLY_STATUS && std::string_view(r->str, r->len) == "OK") {
    return Status::OK();
  }
  return Status::IOError("redis: unexpected reply (type " + std::to_string(r->type) +
                         ") writing key '" + key + "'");
}

// "redis_version:7.0.15" from the text of INFO server.
std::string ParseRedisVersion(std::string_view info) {
  constexpr std::string_view kField = "redis_version:";
  size_t pos = info.find(kField);
  if (pos == std::string_view::npos) return "Redis (unknown version)";
  pos += kField.size();
  size_t end = info.find_first_of("\r\n", pos);
  return "Redis " + std::string(info.substr(pos, end == std::string_view::npos ? end : end - pos));
}

// redis-server: the workload's path if given, else the first on PATH, /usr/bin, /usr/local/bin.
Result<std::string> FindRedisServer(const Workload& w) {
  if (!w.redis_server.empty()) return FindProgram({w.redis_server});
  return FindProgram({"redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server"});
}

// The server side both layouts share: start, stop, version, one connection for the writes.
class RedisBackendBase : public Backend {
 public:
  explicit RedisBackendBase(const Workload& w) : w_(w) {}
  ~RedisBackendBase() override { Stop(); }

  Status Start(const Workload& w, const std::string& dir) override {
    if (started_) return Status::Internal(name() + ": started twice");
    w_ = w;
    MURR_ASSIGN_OR_RETURN(std::string program, FindRedisServer(w));
    MURR_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    SpawnOptions options;
    // A plain in-memory cache: no RDB snapshots, no AOF, no memory limit, in the foreground.
    // clang-format off
    options.argv = {program,
                    "--port", std::to_string(port_),
                    "--bind", "127.0.0.1",
                    "--dir", dir,
                    "--save", "",  // an empty argument: no snapshot rules
                    "--appendonly", "no",
                    "--protected-mode", "no",
                    "--daemonize", "no"};
    // clang-format on
    options.log_path = dir + "/redis.log";
    MURR_RETURN_IF_ERROR(child_.Start(options));
    started_ = true;
    Status st = Connected(port_);
    if (!st.ok()) {
      Stop();
      return st.WithContext(name());
    }
    return Status::OK();
  }

  Result<std::unique_ptr<Client>> Connect() override {
    if (!started_) return Status::Internal(name() + ": Connect before Start");
    MURR_ASSIGN_OR_RETURN(ContextPtr ctx, ConnectRedis(port_));
    return NewClient(std::move(ctx));
  }

  pid_t server_pid() const override { return started_ ? child_.pid() : -1; }
  std::string version() const override { return version_; }

  void Stop() override {
    writer_.reset();
    if (!started_) return;
    started_ = false;
    // Without persistence configured, SIGTERM makes redis-server exit at once, saving nothing.
    child_.Stop(SIGTERM, std::chrono::seconds(5));
  }

 protected:
  // A client of this layout on its own connection.
  virtual std::unique_ptr<Client> NewClient(ContextPtr ctx) const = 0;

  // Appends `n` commands (append(i) appends the i-th) to the write connection, then reads and
  // checks every reply. The batch goes out as one pipeline.
  template <typename Append>
  Status WritePipelined(const DataBatch& batch, Append append) {
    if (writer_ == nullptr) return Status::Internal(name() + ": Write before Start");
    const size_t n = batch.keys.size();
    for (size_t i = 0; i < n; ++i) {
      if (append(i) != REDIS_OK) return ContextError(writer_.get(), "appending a write");
    }
    return ReadPipelinedReplies(writer_.get(), n, "write", [&](size_t i, const redisReply* r) {
      return CheckWriteReply(r, batch.keys[i]);
    });
  }

  Workload w_;
  ContextPtr writer_;

 private:
  // After the child started: waits for its port, connects the writer, reads the version.
  Status Connected(int port) {
    MURR_RETURN_IF_ERROR(WaitForPort(port, &child_, std::chrono::seconds(10)));
    MURR_ASSIGN_OR_RETURN(writer_, ConnectRedis(port));
    MURR_ASSIGN_OR_RETURN(ReplyPtr info, Command(writer_.get(), {"INFO", "server"}, "INFO server"));
    if (info->type != REDIS_REPLY_STRING)
      return Status::IOError("redis: INFO server: not a string");
    version_ = ParseRedisVersion(std::string_view(info->str, info->len));
    return Status::OK();
  }

  ChildProcess child_;
  bool started_ = false;
  int port_ = -1;
  std::string version_;
};

// ---- redis-blob: SET key <row bytes>; one MGET per read ----

class RedisBlobClient : public Client {
 public:
  RedisBlobClient(ContextPtr ctx, int columns) : ctx_(std::move(ctx)), columns_(columns) {}

  Status Read(const std::vector<std::string>& keys, ReadResult* out) override {
    out->Reset(columns_, keys.size());
    if (keys.empty()) return Status::OK();  // MGET needs at least one key
    // MGET k1 k2 ...: the argument arrays are members, so a read allocates only in hiredis.
    argv_.resize(keys.size() + 1);
    argvlen_.resize(keys.size() + 1);
    argv_[0] = "MGET";
    argvlen_[0] = 4;
    for (size_t i = 0; i < keys.size(); ++i) {
      argv_[i + 1] = keys[i].data();
      argvlen_[i + 1] = keys[i].size();
    }
    MURR_ASSIGN_OR_RETURN(ReplyPtr r, Command(ctx_.get(), static_cast<int>(argv_.size()),
                                              argv_.data(), argvlen_.data(), "MGET"));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != keys.size()) {
      return Status::IOError("redis: MGET of " + std::to_string(keys.size()) +
                             " keys: unexpected reply");
    }
    const size_t row_bytes = kValueBytes * static_cast<size_t>(columns_);
    for (size_t i = 0; i < keys.size(); ++i) {
      const redisReply* v = r->element[i];
      if (v->type == REDIS_REPLY_NIL) continue;  // found[i] stays 0
      if (v->type != REDIS_REPLY_STRING || v->len != row_bytes) {
        return Status::Corruption("redis-blob: key '" + keys[i] + "' holds " +
                                  std::to_string(v->len) + " bytes, expected " +
                                  std::to_string(row_bytes));
      }
      for (int c = 0; c < columns_; ++c) {
        std::memcpy(&out->columns[c][i], v->str + kValueBytes * c, kValueBytes);
      }
      out->found[i] = 1;
    }
    return Status::OK();
  }

  int socket_fd() const override { return ctx_->fd; }

 private:
  ContextPtr ctx_;
  int columns_;
  std::vector<const char*> argv_;
  std::vector<size_t> argvlen_;
};

class RedisBlobBackend : public RedisBackendBase {
 public:
  using RedisBackendBase::RedisBackendBase;

  std::string name() const override { return "redis-blob"; }
  std::string description() const override {
    return "SET key <" + std::to_string(kValueBytes * w_.columns) + "-byte blob>; one MGET";
  }

  Status Write(const DataBatch& batch) override {
    const int columns = static_cast<int>(batch.columns.size());
    row_.resize(kValueBytes * columns);
    return WritePipelined(batch, [&](size_t i) {
      for (int c = 0; c < columns; ++c) {
        std::memcpy(row_.data() + kValueBytes * c, &batch.columns[c][i], kValueBytes);
      }
      const char* argv[3] = {"SET", batch.keys[i].data(), row_.data()};
      const size_t argvlen[3] = {3, batch.keys[i].size(), row_.size()};
      // hiredis copies the arguments into its output buffer, so row_ can be reused at once.
      return redisAppendCommandArgv(writer_.get(), 3, argv, argvlen);
    });
  }

 protected:
  std::unique_ptr<Client> NewClient(ContextPtr ctx) const override {
    return std::make_unique<RedisBlobClient>(std::move(ctx), w_.columns);
  }

 private:
  std::string row_;  // one row's value bytes, reused
};

// ---- redis-feast: HSET key col_0 <4 bytes> ...; one pipelined HMGET per key per read ----

class RedisFeastClient : public Client {
 public:
  RedisFeastClient(ContextPtr ctx, int columns) : ctx_(std::move(ctx)), columns_(columns) {
    // HMGET <key> col_0 ... col_<n-1>: only the key (argv_[1]) changes between commands.
    fields_.reserve(columns);
    for (int c = 0; c < columns; ++c) fields_.push_back(ColumnName(c));
    argv_ = {"HMGET", nullptr};
    argvlen_ = {5, 0};
    for (const std::string& f : fields_) {
      argv_.push_back(f.data());
      argvlen_.push_back(f.size());
    }
  }

  Status Read(const std::vector<std::string>& keys, ReadResult* out) override {
    out->Reset(columns_, keys.size());
    const int argc = static_cast<int>(argv_.size());
    for (const std::string& key : keys) {
      argv_[1] = key.data();
      argvlen_[1] = key.size();
      if (redisAppendCommandArgv(ctx_.get(), argc, argv_.data(), argvlen_.data()) != REDIS_OK) {
        return ContextError(ctx_.get(), "appending HMGET");
      }
    }
    return ReadPipelinedReplies(
        ctx_.get(), keys.size(), "HMGET",
        [&](size_t i, const redisReply* r) { return Decode(keys[i], i, r, out); });
  }

  int socket_fd() const override { return ctx_->fd; }

 private:
  // One HMGET reply into row i: all fields nil is a missing key; some nil is a torn row.
  Status Decode(const std::string& key, size_t i, const redisReply* r, ReadResult* out) const {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != static_cast<size_t>(columns_)) {
      return Status::IOError("redis: HMGET '" + key + "': unexpected reply");
    }
    int present = 0;
    for (int c = 0; c < columns_; ++c) {
      const redisReply* v = r->element[c];
      if (v->type == REDIS_REPLY_NIL) continue;
      if (v->type != REDIS_REPLY_STRING || v->len != kValueBytes) {
        return Status::Corruption("redis-feast: key '" + key + "' field " + fields_[c] + " holds " +
                                  std::to_string(v->len) + " bytes, expected " +
                                  std::to_string(kValueBytes));
      }
      std::memcpy(&out->columns[c][i], v->str, kValueBytes);
      ++present;
    }
    if (present == 0) return Status::OK();  // found[i] stays 0
    if (present != columns_) {
      return Status::Corruption("redis-feast: key '" + key + "' has " + std::to_string(present) +
                                " of " + std::to_string(columns_) + " fields");
    }
    out->found[i] = 1;
    return Status::OK();
  }

  ContextPtr ctx_;
  int columns_;
  std::vector<std::string> fields_;  // owns what argv_[2..] points to
  std::vector<const char*> argv_;
  std::vector<size_t> argvlen_;
};

class RedisFeastBackend : public RedisBackendBase {
 public:
  using RedisBackendBase::RedisBackendBase;

  std::string name() const override { return "redis-feast"; }
  std::string description() const override {
    return "HSET key col_0..col_" + std::to_string(w_.columns - 1) +
           " (4 bytes each); pipelined HMGET per key";
  }

  Status Write(const DataBatch& batch) override {
    const int columns = static_cast<int>(batch.columns.size());
    // HSET <key> col_0 <v0> col_1 <v1> ...; the values point straight at the batch's floats.
    if (fields_.size() != static_cast<size_t>(columns)) {
      fields_.clear();
      for (int c = 0; c < columns; ++c) fields_.push_back(ColumnName(c));
    }
    argv_.assign(2 + 2 * columns, nullptr);
    argvlen_.assign(2 + 2 * columns, 0);
    argv_[0] = "HSET";
    argvlen_[0] = 4;
    for (int c = 0; c < columns; ++c) {
      argv_[2 + 2 * c] = fields_[c].data();
      argvlen_[2 + 2 * c] = fields_[c].size();
      argvlen_[3 + 2 * c] = kValueBytes;
    }
    return WritePipelined(batch, [&](size_t i) {
      argv_[1] = batch.keys[i].data();
      argvlen_[1] = batch.keys[i].size();
      for (int c = 0; c < columns; ++c) {
        argv_[3 + 2 * c] = reinterpret_cast<const char*>(&batch.columns[c][i]);
      }
      return redisAppendCommandArgv(writer_.get(), static_cast<int>(argv_.size()), argv_.data(),
                                    argvlen_.data());
    });
  }

 protected:
  std::unique_ptr<Client> NewClient(ContextPtr ctx) const override {
    return std::make_unique<RedisFeastClient>(std::move(ctx), w_.columns);
  }

 private:
  std::vector<std::string> fields_;
  std::vector<const char*> argv_;
  std::vector<size_t> argvlen_;
};

}  // namespace

std::unique_ptr<Backend> MakeRedisBlobBackend(const Workload& w) {
  return std::make_unique<RedisBlobBackend>(w);
}

std::unique_ptr<Backend> MakeRedisFeastBackend(const Workload& w) {
  return std::make_unique<RedisFeastBackend>(w);
}

}  // namespace murr::compare
