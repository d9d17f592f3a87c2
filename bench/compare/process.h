// Child servers for the side-by-side benchmark: start a program with its output in a log file
// (optionally as another user, for PostgreSQL which refuses to run as root), wait for its port,
// stop it, and read how much memory a process tree holds.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "murr/core/status.h"

namespace murr::compare {

struct SpawnOptions {
  std::vector<std::string> argv;       // argv[0] is the program's path
  std::string log_path;                // stdout and stderr go here (appended)
  std::vector<std::string> extra_env;  // "NAME=value", added to this process's environment
  std::string run_as_user;             // when non-empty and we are root: setuid to this user
  // Variables of this process's environment whose name starts with one of these are not passed
  // on (upstream Murr reads every MURR_* variable as configuration and refuses unknown ones).
  std::vector<std::string> drop_env_prefixes;
};

// A started program. The destructor kills it (SIGKILL) if it still runs.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  Status Start(const SpawnOptions& options);
  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal`, waits up to `timeout`, then SIGKILLs. Returns the exit status text.
  void Stop(int signal, std::chrono::milliseconds timeout);
  // The last `max_bytes` of the log, for error messages.
  std::string LogTail(size_t max_bytes = 2000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// A loopback TCP port that was free a moment ago (bind to 0, read it, close).
Result<int> FreeLoopbackPort();
// Waits until 127.0.0.1:`port` accepts a connection, `child` dies (error with its log tail), or
// `timeout` passes.
Status WaitForPort(int port, ChildProcess* child, std::chrono::milliseconds timeout);
// A connected, TCP_NODELAY loopback socket to `port`, or an error.
Result<int> ConnectLoopback(int port);

// Memory held by `root` and all its descendants: the sum of their proportional set sizes
// (/proc/<pid>/smaps_rollup Pss), so memory shared between them counts once.
uint64_t TreeMemoryBytes(pid_t root);
// CPU time (user + system, all threads) that process `pid` has used so far, in seconds; -1 when
// it cannot be read (/proc/<pid>/stat).
double ProcessCpuSeconds(pid_t pid);

// Payload bytes sent and received on a TCP socket so far (TCP_INFO bytes_acked / bytes_received).
struct SocketBytes {
  uint64_t sent = 0;
  uint64_t received = 0;
};
SocketBytes SocketByteCounts(int fd);

// The last `max_bytes` of a file (a server's log, for error messages); empty if unreadable.
std::string FileTail(const std::string& path, size_t max_bytes = 2000);

// The first of `candidates` that exists and is executable, else NotFound naming them all.
Result<std::string> FindProgram(const std::vector<std::string>& candidates);
// Runs a program to completion (as SpawnOptions says), returning its exit code.
Result<int> RunToCompletion(const SpawnOptions& options, std::chrono::milliseconds timeout);

}  // namespace murr::compare
