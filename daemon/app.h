#pragma once
// The composition root: builds every runtime object from the config, runs
// the daemon until SIGINT/SIGTERM, then drains and exits.

#include <string>

#include "config/config.h"

namespace alertd::daemon {

struct RunOptions {
  std::string port_file;        // where to write the bound HOST:PORT, if set
  std::string config_file;      // re-read on reload; empty: the embedded defaults
  bool journal_repair = false;  // skip damaged journal records instead of refusing to start
  std::string listen;           // --listen: overrides http.listen, at start and on every reload
};

/// Runs the daemon; returns the process exit code. Call from the main thread
/// before any other thread exists (it sets the signal mask all threads inherit).
int run_daemon(const config::DaemonConfig& config, const RunOptions& options);

}  // namespace alertd::daemon
