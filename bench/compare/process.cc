#include "bench/compare/process.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace murr::compare {
namespace {

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Text of a wait status: "exit 0", "signal 9".
std::string ExitText(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// fork + exec with the output in a log file. Everything the child needs is prepared before fork
// (the parent has threads: only async-signal-safe calls between fork and exec).
Result<pid_t> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return Status::InvalidArgument("spawn: empty argv");
  std::vector<std::string> envs;
  for (char** e = environ; e && *e; ++e) {
    std::string_view var(*e);
    bool drop = false;
    for (const auto& prefix : options.drop_env_prefixes) drop |= var.rfind(prefix, 0) == 0;
    if (!drop) envs.emplace_back(var);
  }
  for (const auto& e : options.extra_env) envs.push_back(e);
  std::vector<char*> argv, envp;
  std::vector<std::string> argv_s = options.argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);

  bool switch_user = !options.run_as_user.empty() && geteuid() == 0;
  uid_t uid = 0;
  gid_t gid = 0;
  if (switch_user) {
    struct passwd* pw = getpwnam(options.run_as_user.c_str());
    if (pw == nullptr) return Status::NotFound("no user '" + options.run_as_user + "'");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  int log_fd = ::open(options.log_path.empty() ? "/dev/null" : options.log_path.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::IOError(Errno("open " + options.log_path));
  if (switch_user && fchown(log_fd, uid, gid) != 0) {
    ::close(log_fd);
    return Status::IOError(Errno("chown " + options.log_path));
  }
  pid_t pid = fork();
  if (pid < 0) {
    ::close(log_fd);
    return Status::IOError(Errno("fork"));
  }
  if (pid == 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    if (switch_user) {
      if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(126);
    }
    // The server dies with the harness (set after setuid, which clears it).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(log_fd);
  return pid;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGKILL, std::chrono::milliseconds(2000));
}

Status ChildProcess::Start(const SpawnOptions& options) {
  if (pid_ > 0) return Status::Internal("ChildProcess started twice");
  log_path_ = options.log_path;
  MURR_ASSIGN_OR_RETURN(pid_, Spawn(options));
  return Status::OK();
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

std::string ChildProcess::LogTail(size_t max_bytes) const {
  return FileTail(log_path_, max_bytes);
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(Errno("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Status st = Status::IOError(Errno("bind a free port"));
    ::close(fd);
    return st;
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<int> ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(Errno("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Status st = Status::IOError(Errno("connect 127.0.0.1:" + std::to_string(port)));
    ::close(fd);
    return st;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

Status WaitForPort(int port, ChildProcess* child, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto fd = ConnectLoopback(port);
    if (fd.ok()) {
      ::close(*fd);
      return Status::OK();
    }
    if (child != nullptr && !child->running()) {
      return Status::IOError("server exited before listening on port " + std::to_string(port) +
                             "; its log:\n" + child->LogTail());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::IOError("nothing listens on port " + std::to_string(port) + " after " +
                             std::to_string(timeout.count()) + " ms" +
                             (child ? "; the server's log:\n" + child->LogTail() : ""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace {

// Parent pid of every process, from /proc/<pid>/stat (the field after the parenthesised name).
std::multimap<pid_t, pid_t> ChildrenByParent() {
  std::multimap<pid_t, pid_t> children;
  DIR* d = opendir("/proc");
  if (d == nullptr) return children;
  while (struct dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    children.emplace(static_cast<pid_t>(ppid), static_cast<pid_t>(pid));
  }
  closedir(d);
  return children;
}

uint64_t PssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key;
  uint64_t kb = 0;
  while (in >> key) {
    if (key == "Pss:") {
      in >> kb;
      return kb * 1024;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

uint64_t TreeMemoryBytes(pid_t root) {
  if (root <= 0) return 0;
  auto children = ChildrenByParent();
  uint64_t total = 0;
  std::vector<pid_t> todo = {root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    total += PssBytes(p);
    auto [lo, hi] = children.equal_range(p);
    for (auto it = lo; it != hi; ++it) todo.push_back(it->second);
  }
  return total;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  // After the parenthesised name (field 2): state (3) ... cmajflt (13), utime (14), stime (15).
  std::istringstream rest(line.substr(close + 1));
  std::string skipped;
  for (int field = 3; field <= 13; ++field) rest >> skipped;
  unsigned long long utime = 0, stime = 0;
  if (!(rest >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

SocketBytes SocketByteCounts(int fd) {
  SocketBytes b;
  if (fd < 0) return b;
  struct tcp_info info {};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0) {
    b.sent = info.tcpi_bytes_acked;
    b.received = info.tcpi_bytes_received;
  }
  return b;
}

Result<std::string> FindProgram(const std::vector<std::string>& candidates) {
  std::string tried;
  for (const auto& c : candidates) {
    if (c.find('/') == std::string::npos) {
      // A bare name: look along PATH.
      const char* path = std::getenv("PATH");
      std::istringstream dirs(path ? path : "");
      std::string dir;
      while (std::getline(dirs, dir, ':')) {
        std::string full = (dir.empty() ? "." : dir) + "/" + c;
        if (::access(full.c_str(), X_OK) == 0) return full;
      }
    } else if (::access(c.c_str(), X_OK) == 0) {
      return c;
    }
    tried += (tried.empty() ? "" : ", ") + c;
  }
  return Status::NotFound("program not found (tried " + tried + ")");
}

Result<int> RunToCompletion(const SpawnOptions& options, std::chrono::milliseconds timeout) {
  MURR_ASSIGN_OR_RETURN(pid_t pid, Spawn(options));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return Status::IOError(options.argv[0] + " ended with " + ExitText(status));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return Status::IOError(options.argv[0] + " did not finish within " +
                             std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace murr::compare
