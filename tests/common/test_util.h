// Helpers shared by the test binaries: temporary directories, files, subprocesses (node).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace murr::testing {

// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "murr-test-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    if (!p) std::abort();
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteStringToFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Runs `command` through /bin/sh, returns its exit code and fills *output with its stdout.
inline int RunCommand(const std::string& command, std::string* output) {
  FILE* f = popen(command.c_str(), "r");
  if (!f) return -1;
  char buf[65536];
  size_t n;
  if (output) output->clear();
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
    if (output) output->append(buf, n);
  }
  int rc = pclose(f);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string SourceDir() {
  return MURR_SOURCE_DIR;
}
inline std::string BinaryDir() {
  return MURR_BINARY_DIR;
}
// The committed test data (tests/fixtures). A test whose fixture is missing fails: read files
// with ReadFixture / check with ASSERT_TRUE(std::filesystem::exists(...)), never skip.
inline std::string FixturesDir() {
  return SourceDir() + "/tests/fixtures";
}

// Runs `node tests/interop/<script> args...` with the pinned packages of tests/interop, returning
// the exit code; stdout goes to *output. stderr passes through to the test log.
inline int RunNodeScript(const std::string& script, const std::string& args, std::string* output) {
  std::string cmd = "cd '" + SourceDir() + "/tests/interop' && node '" + script + "' " + args;
  return RunCommand(cmd, output);
}

}  // namespace murr::testing
