// `murr`: the server program. `murr serve [--config FILE]` (serve is the default command) loads
// the configuration (defaults < YAML file < MURR_* environment), opens the cache and serves the
// HTTP API until SIGINT or SIGTERM, then stops accepting, finishes the requests in flight and
// exits 0.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "murr/app/server_app.h"
#include "murr/config/config.h"

#ifndef MURR_VERSION
#define MURR_VERSION "0.0.0"
#endif

namespace {

// Exit codes: 2 for a configuration error (nothing started), 1 for a failure to start.
constexpr int kExitConfig = 2;
constexpr int kExitStart = 1;

int Serve(const std::string& config_file) {
  murr::Result<murr::Config> loaded = murr::LoadConfig(config_file, murr::ProcessEnvironment());
  if (!loaded.ok()) {
    spdlog::error("configuration error: {}", loaded.status().message());
    return kExitConfig;
  }

  // Worker threads inherit this mask, so the signals reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A file-size limit (ulimit -f) then fails the write with EFBIG (507) instead of killing us.
  signal(SIGXFSZ, SIG_IGN);

  murr::ServerApp::FailurePhase phase = murr::ServerApp::FailurePhase::kStart;
  auto app = murr::ServerApp::Start(std::move(loaded).value(), &phase);
  if (!app.ok()) {
    if (phase == murr::ServerApp::FailurePhase::kConfig) {
      spdlog::error("configuration error: {}", app.status().message());
      return kExitConfig;
    }
    spdlog::error("{}", app.status().message());
    return kExitStart;
  }

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}: no new connections; finishing requests in flight",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  // A second signal while requests drain exits at once: every write is atomic on disk, so an
  // interrupted one simply did not happen.
  std::thread([signals] {
    int again = 0;
    sigwait(&signals, &again);
    spdlog::warn("second signal: exiting without waiting");
    spdlog::default_logger()->flush();
    std::_Exit(1);
  }).detach();
  (*app)->Stop();
  app->reset();
  spdlog::info("murr stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("murr");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);

  CLI::App app{"murr: a columnar cache for ML features", "murr"};
  app.set_version_flag("--version", "murr " MURR_VERSION);
  std::string config_file;
  app.add_option("-c,--config", config_file,
                 "YAML configuration file (keys: docs/api.md; MURR_* variables override it)");
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP API (the default command)");
  serve->fallthrough();
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  return Serve(config_file);
}
