// Test helpers for the API tests: runs the real `murr` binary as a child process (own config file,
// own environment, output captured to a log file) and reads the port it prints; a small blocking
// HTTP/1.1 client over a TCP socket (keep-alive, raw bytes when a test needs them).
// Single-threaded objects; use one per thread.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/test_util.h"

extern char** environ;

namespace murr::testing {

inline std::string MurrBinary() {
  return BinaryDir() + "/murr";
}

// Runs murr with `args` and `env` (added to this process's environment without its MURR_*
// variables; an entry of `env` replaces an inherited variable of the same name), output to
// `log_path`. Returns the pid.
// A non-zero `file_size_limit` sets RLIMIT_FSIZE in the child (a full disk, without privileges).
inline pid_t SpawnMurr(const std::vector<std::string>& args, const std::vector<std::string>& env,
                       const std::string& log_path, long file_size_limit = 0) {
  std::vector<std::string> envs;
  auto overridden = [&](const char* var) {
    for (const auto& e : env) {
      size_t eq = e.find('=');
      if (eq != std::string::npos && std::strncmp(var, e.c_str(), eq + 1) == 0) return true;
    }
    return false;
  };
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "MURR_", 5) != 0 && !overridden(*e)) envs.emplace_back(*e);
  }
  for (const auto& e : env) envs.push_back(e);
  std::vector<std::string> argv_s = {MurrBinary()};
  for (const auto& a : args) argv_s.push_back(a);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    if (file_size_limit > 0) {
      struct rlimit lim = {static_cast<rlim_t>(file_size_limit),
                           static_cast<rlim_t>(file_size_limit)};
      setrlimit(RLIMIT_FSIZE, &lim);
    }
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout`; returns its exit code, 128 + signal if killed, or -1 on timeout.
inline int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Runs murr to completion (a command that exits: --help, a bad config). Returns the exit code
// and fills *output with stdout + stderr.
inline int RunMurr(const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const std::string& dir, std::string* output) {
  std::string log = dir + "/run-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
                    ".log";
  pid_t pid = SpawnMurr(args, env, log);
  int code = WaitForExit(pid, std::chrono::seconds(60));
  if (code == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  *output = ReadFileToString(log);
  return code;
}

// The port of the "listening on <scheme><host>:<port>" log line (scheme "grpc://",
// "grpc+tls://", "http://"), or 0 when the log has none.
inline int ListeningPort(const std::string& log, const std::string& scheme) {
  const std::string marker = "listening on " + scheme;
  size_t at = log.find(marker);
  if (at == std::string::npos) return 0;
  size_t end = log.find_first_of(" \n", at + marker.size());
  if (end == std::string::npos) return 0;
  size_t colon = log.rfind(':', end);
  return std::atoi(log.c_str() + colon + 1);
}

// The Arrow Flight port of a plaintext server's log, or 0.
inline int GrpcPort(const std::string& log) {
  return ListeningPort(log, "grpc://");
}

// The YAML of a test server: loopback, free ports (HTTP and gRPC), the given cache_dir, extra
// lines under server.http (each "key: value").
inline std::string TestConfigYaml(const std::string& cache_dir,
                                  const std::vector<std::string>& http_lines = {}) {
  std::string y = "server:\n  http:\n    host: 127.0.0.1\n    port: 0\n";
  for (const auto& l : http_lines) y += "    " + l + "\n";
  // Arrow Flight (gRPC) listens too: a free loopback port, so that test servers never collide.
  y += "  grpc:\n    host: 127.0.0.1\n    port: 0\n";
  y += "storage:\n  cache_dir: " + cache_dir + "\n";
  return y;
}

// A running `murr serve`, stopped (SIGTERM) on destruction.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess() {
    if (pid_ > 0) Stop(SIGKILL);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Writes `yaml` to <dir>/murr-N.yaml, starts `murr <args> --config it`, waits for the
  // "listening on" line. False (with the log in log()) if it exits or never listens.
  bool Start(const std::string& dir, const std::string& yaml,
             const std::vector<std::string>& env = {}, std::vector<std::string> args = {"serve"},
             long file_size_limit = 0) {
    static int counter = 0;
    ++counter;
    std::string base = dir + "/murr-" + std::to_string(::getpid()) + "-" + std::to_string(counter);
    log_path_ = base + ".log";
    std::string config = base + ".yaml";
    WriteStringToFile(config, yaml);
    args.push_back("--config");
    args.push_back(config);
    pid_ = SpawnMurr(args, env, log_path_, file_size_limit);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      // "murr listening on http://<host>:<port> ..." (https:// with TLS)
      std::string text = log();
      size_t at = text.find("murr listening on http");
      size_t scheme_end = at == std::string::npos ? at : text.find("://", at);
      if (scheme_end != std::string::npos) {
        size_t end = text.find_first_of(" \n", scheme_end + 3);
        if (end != std::string::npos) {
          size_t colon = text.rfind(':', end);
          port_ = std::atoi(text.c_str() + colon + 1);
          return port_ > 0;
        }
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Sends `sig` and waits for the exit; returns the exit code (128 + signal if killed by one).
  int Stop(int sig = SIGTERM) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int code = WaitForExit(pid_, std::chrono::seconds(60));
    if (code == -1) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    return code;
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadFileToString(log_path_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

struct HttpReply {
  int status = 0;                              // 0: no reply (connection failed or closed)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking HTTP/1.1 client on one keep-alive connection (reconnects when it was closed).
class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  ~HttpClient() { Close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  bool Connect() {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval tv{30, 0};  // a hung server fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return false;
    }
    ++connects_;
    buffered_.clear();
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool connected() const { return fd_ >= 0; }
  // How many TCP connections this client opened.
  int connects() const { return connects_; }

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "PUT" || method == "POST") {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n";
    req += body;
    if (fd_ < 0 && !Connect()) return {};
    if (!SendRaw(req)) {
      // The server may have closed an idle connection: retry once on a fresh one.
      if (!Connect() || !SendRaw(req)) return {};
    }
    HttpReply r = ReadReply();
    if (r.status == 0 && buffered_.empty()) {
      // Closed before any byte of the reply (idle close raced with the send): retry once.
      if (!Connect() || !SendRaw(req)) return {};
      r = ReadReply();
    }
    return r;
  }

  HttpReply Json(const std::string& method, const std::string& target, const std::string& body) {
    return Send(method, target, body, {{"Content-Type", "application/json"}});
  }

  bool SendRaw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one reply (Content-Length framed, or until close). status 0 if the connection closed
  // before a whole reply arrived.
  HttpReply ReadReply() {
    HttpReply r;
    size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return r;
    }
    std::string head = buffered_.substr(0, end);
    buffered_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return r;
    int status = std::atoi(status_line.c_str() + 9);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = colon + 1;
        while (v < line.size() && line[v] == ' ') ++v;
        r.headers[name] = line.substr(v);
      }
      pos = e + 2;
    }
    if (status == 100) return ReadReply();
    auto cl = r.headers.find("content-length");
    if (cl != r.headers.end()) {
      size_t length = std::stoull(cl->second);
      while (buffered_.size() < length) {
        if (!Fill()) return HttpReply{};
      }
      r.body = buffered_.substr(0, length);
      buffered_.erase(0, length);
    } else {
      while (Fill()) {
      }
      r.body = std::move(buffered_);
      buffered_.clear();
    }
    r.status = status;
    if (r.header("connection") == "close") Close();
    return r;
  }

  // True if the server closes the connection (EOF or reset) within `timeout` with no more data.
  bool WaitForClose(std::chrono::milliseconds timeout) {
    if (fd_ < 0) return true;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n <= 0) {
      Close();
      return true;
    }
    buffered_.push_back(c);
    return false;
  }

 private:
  bool Fill() {
    if (fd_ < 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      Close();
      return false;
    }
    buffered_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int port_;
  int fd_ = -1;
  int connects_ = 0;
  std::string buffered_;
};

}  // namespace murr::testing
