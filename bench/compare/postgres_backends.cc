// The PostgreSQL backends of the side-by-side benchmark: a private server started with initdb +
// postgres in the run's folder, loaded with binary COPY, read with one prepared
// `SELECT ... WHERE key = ANY($1)` per request, results in binary format.
//
//   pg-bytea  features(key text PRIMARY KEY, v bytea)   v = the columns as little-endian float32
//   pg-real   features(key text PRIMARY KEY, col_0 real, ..., col_<n-1> real)
//
// The table is created without its primary key; Finish() adds it and runs VACUUM ANALYZE, so the
// load time the runner measures (Write + Finish) includes building the index.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <absl/hash/hash.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/compare/backend.h"
#include "bench/compare/process.h"

namespace murr::compare {
namespace {

namespace fs = std::filesystem;

constexpr char kReadStatement[] = "murr_read";
constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kInitdbTimeout = std::chrono::seconds(120);
constexpr auto kStopTimeout = std::chrono::seconds(10);

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// libpq's messages end with a newline; drop it so they read well inside ours.
std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs one statement that returns no rows (or whose rows we ignore) and checks its status.
Status Exec(PGconn* conn, const std::string& sql) {
  ResultPtr res(PQexec(conn, sql.c_str()));
  ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return Status::IOError("postgres: " + sql + ": " +
                           Trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn)));
  }
  return Status::OK();
}

// "15" -> {15}, "9.6" -> {9, 6}; empty when the name is not a version number.
std::vector<int> ParseVersion(const std::string& name) {
  std::vector<int> parts;
  std::istringstream in(name);
  std::string part;
  while (std::getline(in, part, '.')) {
    if (part.empty() || part.size() > 6 ||
        !std::all_of(part.begin(), part.end(), [](unsigned char ch) { return std::isdigit(ch); })) {
      return {};
    }
    parts.push_back(std::stoi(part));
  }
  return parts;
}

// The folder holding initdb and postgres: the workload's setting, else the newest
// /usr/lib/postgresql/<version>/bin (Debian's layout).
Result<std::string> FindBinDir(const Workload& w) {
  if (!w.postgres_bin_dir.empty()) return w.postgres_bin_dir;
  const fs::path root = "/usr/lib/postgresql";
  std::vector<int> best_version;
  std::string best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    std::vector<int> v = ParseVersion(entry.path().filename().string());
    fs::path bin = entry.path() / "bin";
    if (v.empty() || !fs::exists(bin / "postgres", ec)) continue;
    if (best.empty() || v > best_version) {
      best_version = v;
      best = bin.string();
    }
  }
  if (best.empty()) {
    return Status::NotFound("no PostgreSQL under " + root.string() +
                            "/<version>/bin (install postgresql or set postgres_bin_dir)");
  }
  return best;
}

// chown -R `dir` to `user` (PostgreSQL refuses to run as root, so its files belong to `user`).
Status ChownTree(const std::string& dir, const std::string& user) {
  struct passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return Status::NotFound("no user '" + user + "' to run PostgreSQL as");
  auto chown_one = [&](const fs::path& p) -> Status {
    if (lchown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status::IOError("chown " + p.string() + ": " + std::strerror(errno));
    }
    return Status::OK();
  };
  MURR_RETURN_IF_ERROR(chown_one(dir));
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    MURR_RETURN_IF_ERROR(chown_one(entry.path()));
  }
  if (ec) return Status::IOError("chown -R " + dir + ": " + ec.message());
  return Status::OK();
}

// Big-endian (network order) 16/32-bit writes for the binary COPY stream.
void PutBE16(std::string* out, int16_t v) {
  uint16_t be = htons(static_cast<uint16_t>(v));
  out->append(reinterpret_cast<const char*>(&be), 2);
}
void PutBE32(std::string* out, uint32_t v) {
  uint32_t be = htonl(v);
  out->append(reinterpret_cast<const char*>(&be), 4);
}
uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}
float BitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// A float4 in binary result format: its IEEE bits, big-endian.
float ReadFloatBE(const char* p) {
  uint32_t be;
  std::memcpy(&be, p, 4);
  return BitsFloat(ntohl(be));
}
// A float32 of the bytea layout: IEEE bits, little-endian (independent of the host's order).
float ReadFloatLE(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return BitsFloat(uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 |
                   uint32_t{b[3]} << 24);
}
void PutFloatLE(std::string* out, float f) {
  uint32_t bits = FloatBits(f);
  char b[4] = {static_cast<char>(bits), static_cast<char>(bits >> 8), static_cast<char>(bits >> 16),
               static_cast<char>(bits >> 24)};
  out->append(b, 4);
}

class PostgresClient : public Client {
 public:
  PostgresClient(ConnPtr conn, int columns, bool bytea_layout)
      : conn_(std::move(conn)), columns_(columns), bytea_layout_(bytea_layout) {}

  int socket_fd() const override { return PQsocket(conn_.get()); }

  Status Read(const std::vector<std::string>& keys, ReadResult* out) override {
    out->Reset(columns_, keys.size());
    if (keys.empty()) return Status::OK();
    BuildArrayLiteral(keys);
    IndexKeys(keys);

    const char* params[1] = {param_.c_str()};
    ResultPtr res(PQexecPrepared(conn_.get(), kReadStatement, 1, params, /*paramLengths=*/nullptr,
                                 /*paramFormats=*/nullptr, /*resultFormat=*/1));
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
      return Status::IOError("postgres read: " + Trimmed(res ? PQresultErrorMessage(res.get())
                                                             : PQerrorMessage(conn_.get())));
    }
    const int expected_fields = bytea_layout_ ? 2 : 1 + columns_;
    if (PQnfields(res.get()) != expected_fields) {
      return Status::Corruption("postgres read: " + std::to_string(PQnfields(res.get())) +
                                " result columns, expected " + std::to_string(expected_fields));
    }
    const int rows = PQntuples(res.get());
    for (int r = 0; r < rows; ++r) {
      std::string_view key(PQgetvalue(res.get(), r, 0),
                           static_cast<size_t>(PQgetlength(res.get(), r, 0)));
      int32_t pos = Find(keys, key);
      if (pos < 0) {
        return Status::Corruption("postgres read: unrequested key '" + std::string(key) + "'");
      }
      MURR_RETURN_IF_ERROR(CheckRow(res.get(), r));
      // Every request position holding this key (a key may be asked twice).
      for (; pos >= 0; pos = next_[pos]) {
        out->found[pos] = 1;
        for (int c = 0; c < columns_; ++c) {
          out->columns[c][pos] = bytea_layout_ ? ReadFloatLE(PQgetvalue(res.get(), r, 1) + 4 * c)
                                               : ReadFloatBE(PQgetvalue(res.get(), r, 1 + c));
        }
      }
    }
    return Status::OK();
  }

 private:
  // The text form of a text[] parameter: {"k1","k2",...}, with " and \ escaped.
  void BuildArrayLiteral(const std::vector<std::string>& keys) {
    param_.clear();
    param_.push_back('{');
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) param_.push_back(',');
      param_.push_back('"');
      for (char ch : keys[i]) {
        if (ch == '"' || ch == '\\') param_.push_back('\\');
        param_.push_back(ch);
      }
      param_.push_back('"');
    }
    param_.push_back('}');
  }

  // Indexes the request: an open-addressing table of the first position of each distinct key
  // (linear probing, reused between reads so a read allocates nothing once warm), and next_[i]
  // chaining the later positions of a repeated key.
  void IndexKeys(const std::vector<std::string>& keys) {
    size_t want = 16;
    while (want < 2 * keys.size()) want *= 2;
    slots_.assign(want, -1);
    mask_ = want - 1;
    next_.assign(keys.size(), -1);
    for (size_t i = 0; i < keys.size(); ++i) {
      for (size_t s = absl::Hash<std::string_view>{}(keys[i]) & mask_;; s = (s + 1) & mask_) {
        int32_t head = slots_[s];
        if (head < 0) {
          slots_[s] = static_cast<int32_t>(i);
          break;
        }
        if (keys[head] == keys[i]) {
          // A repeat: link it right after the head (O(1); the chain's order does not matter).
          next_[i] = next_[head];
          next_[head] = static_cast<int32_t>(i);
          break;
        }
      }
    }
  }

  // The first request position of `key`, or -1.
  int32_t Find(const std::vector<std::string>& keys, std::string_view key) const {
    for (size_t s = absl::Hash<std::string_view>{}(key)&mask_;; s = (s + 1) & mask_) {
      int32_t head = slots_[s];
      if (head < 0 || keys[head] == key) return head;
    }
  }

  // The value fields of row `r` are non-null and as long as their types say.
  Status CheckRow(const PGresult* res, int r) const {
    if (bytea_layout_) {
      if (PQgetisnull(res, r, 1) || PQgetlength(res, r, 1) != 4 * columns_) {
        return Status::Corruption("postgres read: v of row " + std::to_string(r) + " has " +
                                  std::to_string(PQgetlength(res, r, 1)) + " bytes, expected " +
                                  std::to_string(4 * columns_));
      }
      return Status::OK();
    }
    for (int c = 0; c < columns_; ++c) {
      if (PQgetisnull(res, r, 1 + c) || PQgetlength(res, r, 1 + c) != 4) {
        return Status::Corruption("postgres read: " + ColumnName(c) + " of row " +
                                  std::to_string(r) + " is not a 4-byte float4");
      }
    }
    return Status::OK();
  }

  ConnPtr conn_;
  int columns_;
  bool bytea_layout_;
  // Reused between reads.
  std::string param_;
  std::vector<int32_t> slots_;
  std::vector<int32_t> next_;
  size_t mask_ = 0;
};

class PostgresBackend : public Backend {
 public:
  PostgresBackend(const Workload& w, bool bytea_layout)
      : columns_(w.columns), bytea_layout_(bytea_layout) {}
  ~PostgresBackend() override { Stop(); }

  std::string name() const override { return bytea_layout_ ? "pg-bytea" : "pg-real"; }

  std::string description() const override {
    std::string layout =
        bytea_layout_
            ? "features(key text, v bytea = " + std::to_string(columns_) + " LE float32)"
            : "features(key text, " + ColumnName(0) + " .. " + ColumnName(columns_ - 1) + " real)";
    return layout +
           "; binary COPY per batch, PRIMARY KEY + VACUUM ANALYZE after the load (timed); "
           "one prepared SELECT ... WHERE key = ANY($1), binary results";
  }

  Status Start(const Workload& w, const std::string& dir) override {
    if (child_.pid() > 0) return Status::Internal(name() + ": started twice");
    columns_ = w.columns;
    MURR_ASSIGN_OR_RETURN(std::string bin_dir, FindBinDir(w));
    MURR_ASSIGN_OR_RETURN(std::string initdb, FindProgram({bin_dir + "/initdb"}));
    MURR_ASSIGN_OR_RETURN(std::string postgres, FindProgram({bin_dir + "/postgres"}));
    const std::string data_dir = dir + "/data";

    // PostgreSQL refuses to run as root: when we are root, its folder and programs belong to the
    // `postgres` user instead.
    std::string user;
    if (geteuid() == 0) {
      user = "postgres";
      MURR_RETURN_IF_ERROR(ChownTree(dir, user));
      MURR_RETURN_IF_ERROR(CheckWritableAs(dir, user));
    }

    SpawnOptions init;
    // --locale=C: byte-order collation for the text key, independent of this machine's locale.
    init.argv = {initdb, "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"};
    init.argv.insert(init.argv.end(), {"--locale=C", "--no-sync"});
    init.log_path = dir + "/initdb.log";
    init.run_as_user = user;
    MURR_ASSIGN_OR_RETURN(int rc, RunToCompletion(init, kInitdbTimeout));
    if (rc != 0) {
      return Status::IOError("initdb exited with " + std::to_string(rc) + "; its log:\n" +
                             FileTail(init.log_path));
    }

    MURR_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    // The Unix socket goes into `dir` unless its path would pass the 107-byte limit; we connect
    // over TCP anyway.
    std::string socket_dir = dir.size() + sizeof("/.s.PGSQL.65535") <= 107 ? dir : "";
    SpawnOptions server;
    server.argv = {postgres, "-D", data_dir, "-p", std::to_string(port_), "-k", socket_dir};
    // A throwaway server: no durability (the runner never crashes it), a cache that holds the
    // 10M-row table, memory to sort the primary key's index in one pass, and sessions for the
    // throughput phase's clients.
    for (const char* setting : {"listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off",
                                "full_page_writes=off", "shared_buffers=1GB",
                                "maintenance_work_mem=1GB", "max_connections=100"}) {
      server.argv.insert(server.argv.end(), {"-c", setting});
    }
    server.log_path = dir + "/postgres.log";
    server.run_as_user = user;
    MURR_RETURN_IF_ERROR(child_.Start(server));
    MURR_RETURN_IF_ERROR(WaitForPort(port_, &child_, kStartTimeout));
    MURR_ASSIGN_OR_RETURN(conn_, ConnectWithRetry());

    // The version, from the server itself: "15.18 (Debian 15.18-0+deb12u1)" -> "PostgreSQL 15.18".
    {
      ResultPtr res(PQexec(conn_.get(), "SHOW server_version"));
      if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1) {
        return Status::IOError("postgres: SHOW server_version: " +
                               Trimmed(PQerrorMessage(conn_.get())));
      }
      std::string v = PQgetvalue(res.get(), 0, 0);
      version_ = "PostgreSQL " + v.substr(0, v.find(' '));
    }

    std::string ddl = "CREATE TABLE features (key text NOT NULL, ";
    if (bytea_layout_) {
      ddl += "v bytea NOT NULL";
    } else {
      for (int c = 0; c < columns_; ++c) {
        ddl += (c > 0 ? ", " : "") + ColumnName(c) + " real NOT NULL";
      }
    }
    ddl += ")";
    return Exec(conn_.get(), ddl);
  }

  Status Write(const DataBatch& batch) override {
    if (!conn_) return Status::Internal(name() + ": Write before Start");
    {
      ResultPtr res(PQexec(conn_.get(), "COPY features FROM STDIN (FORMAT binary)"));
      if (PQresultStatus(res.get()) != PGRES_COPY_IN) {
        return Status::IOError("postgres: COPY: " + Trimmed(PQerrorMessage(conn_.get())));
      }
    }
    // Binary COPY: signature, flags, header extension length; per row a field count and
    // (length, bytes) per field; all integers big-endian; a -1 field count ends the stream.
    copy_buf_.clear();
    static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // + its terminating NUL: 11 bytes
    copy_buf_.append(kSignature, sizeof(kSignature));
    PutBE32(&copy_buf_, 0);
    PutBE32(&copy_buf_, 0);
    const int16_t fields = static_cast<int16_t>(bytea_layout_ ? 2 : 1 + columns_);
    constexpr size_t kFlushBytes = 1 << 20;
    for (int64_t i = 0; i < batch.num_rows(); ++i) {
      const std::string& key = batch.keys[i];
      PutBE16(&copy_buf_, fields);
      PutBE32(&copy_buf_, static_cast<uint32_t>(key.size()));
      copy_buf_.append(key);
      if (bytea_layout_) {
        PutBE32(&copy_buf_, static_cast<uint32_t>(4 * columns_));
        for (int c = 0; c < columns_; ++c) PutFloatLE(&copy_buf_, batch.columns[c][i]);
      } else {
        for (int c = 0; c < columns_; ++c) {
          PutBE32(&copy_buf_, 4);
          PutBE32(&copy_buf_, FloatBits(batch.columns[c][i]));
        }
      }
      if (copy_buf_.size() >= kFlushBytes) {
        MURR_RETURN_IF_ERROR(PutCopyData());
      }
    }
    PutBE16(&copy_buf_, -1);
    MURR_RETURN_IF_ERROR(PutCopyData());
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) {
      return Status::IOError("postgres: COPY end: " + Trimmed(PQerrorMessage(conn_.get())));
    }
    // The COPY's own result, then the end of results.
    Status status;
    while (PGresult* raw = PQgetResult(conn_.get())) {
      ResultPtr res(raw);
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && status.ok()) {
        status = Status::IOError("postgres: COPY: " + Trimmed(PQresultErrorMessage(raw)));
      }
    }
    return status;
  }

  Status Finish() override {
    if (!conn_) return Status::Internal(name() + ": Finish before Start");
    MURR_RETURN_IF_ERROR(Exec(conn_.get(), "ALTER TABLE features ADD PRIMARY KEY (key)"));
    return Exec(conn_.get(), "VACUUM ANALYZE features");
  }

  Result<std::unique_ptr<Client>> Connect() override {
    if (!conn_) return Status::Internal(name() + ": Connect before Start");
    ConnPtr conn(PQconnectdb(ConnInfo().c_str()));
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return Status::IOError("postgres: connect: " + Trimmed(PQerrorMessage(conn.get())));
    }
    // libpq sets TCP_NODELAY on TCP connections already; make sure of it.
    int one = 1;
    if (setsockopt(PQsocket(conn.get()), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
      return Status::IOError(std::string("postgres: TCP_NODELAY: ") + std::strerror(errno));
    }
    std::string sql = "SELECT key, ";
    if (bytea_layout_) {
      sql += "v";
    } else {
      for (int c = 0; c < columns_; ++c) sql += (c > 0 ? ", " : "") + ColumnName(c);
    }
    sql += " FROM features WHERE key = ANY($1::text[])";
    ResultPtr res(PQprepare(conn.get(), kReadStatement, sql.c_str(), 1, nullptr));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return Status::IOError(
          "postgres: prepare " + sql + ": " +
          Trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn.get())));
    }
    return std::unique_ptr<Client>(
        std::make_unique<PostgresClient>(std::move(conn), columns_, bytea_layout_));
  }

  pid_t server_pid() const override { return child_.pid() > 0 ? child_.pid() : -1; }
  std::string version() const override { return version_; }

  void Stop() override {
    conn_.reset();
    // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and checkpoints.
    child_.Stop(SIGINT, kStopTimeout);
  }

 private:
  std::string ConnInfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) +
           " user=postgres dbname=postgres connect_timeout=10";
  }

  // The port accepts before the server takes sessions ("the database system is starting up"):
  // retry until it does, the server dies, or the start timeout passes.
  Result<ConnPtr> ConnectWithRetry() {
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
      ConnPtr conn(PQconnectdb(ConnInfo().c_str()));
      if (PQstatus(conn.get()) == CONNECTION_OK) return conn;
      std::string error = Trimmed(PQerrorMessage(conn.get()));
      if (!child_.running()) {
        return Status::IOError("postgres exited while starting (" + error + "); its log:\n" +
                               child_.LogTail());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::IOError("postgres did not accept sessions within " +
                               std::to_string(kStartTimeout.count()) + " s (" + error +
                               "); its log:\n" + child_.LogTail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // `user` can reach and write `dir` (every parent traversable): checked by running `test -w`
  // as that user, so the answer is the kernel's, not a guess from mode bits.
  static Status CheckWritableAs(const std::string& dir, const std::string& user) {
    MURR_ASSIGN_OR_RETURN(std::string test, FindProgram({"/usr/bin/test", "/bin/test"}));
    SpawnOptions check;
    check.argv = {test, "-w", dir};
    check.run_as_user = user;
    MURR_ASSIGN_OR_RETURN(int rc, RunToCompletion(check, std::chrono::seconds(10)));
    if (rc != 0) {
      return Status::IOError("user '" + user + "' cannot write " + dir +
                             " (PostgreSQL does not run as root; every parent folder must be "
                             "traversable by that user)");
    }
    return Status::OK();
  }

  // Sends the COPY bytes gathered so far. On failure, ends the COPY (as failed) so the session
  // is usable again, and returns the error.
  Status PutCopyData() {
    if (PQputCopyData(conn_.get(), copy_buf_.data(), static_cast<int>(copy_buf_.size())) != 1) {
      Status error =
          Status::IOError("postgres: COPY data: " + Trimmed(PQerrorMessage(conn_.get())));
      if (PQputCopyEnd(conn_.get(), "client aborted the COPY") == 1) {
        while (PGresult* res = PQgetResult(conn_.get())) PQclear(res);
      }
      return error;
    }
    copy_buf_.clear();
    return Status::OK();
  }

  int columns_;
  bool bytea_layout_;
  ChildProcess child_;
  int port_ = -1;
  ConnPtr conn_;  // the loader's session (Start, Write, Finish)
  std::string version_;
  std::string copy_buf_;
};

}  // namespace

std::unique_ptr<Backend> MakePostgresBackend(const Workload& w, bool bytea_layout) {
  return std::make_unique<PostgresBackend>(w, bytea_layout);
}

}  // namespace murr::compare
