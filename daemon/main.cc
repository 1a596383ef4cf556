// alertd command line: thin; the daemon is app.cc, the offline commands
// are in commands/.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/app.h"
#include "daemon/commands/audit.h"
#include "daemon/commands/check_config.h"
#include "daemon/commands/replay.h"
#include "daemon/commands/test_rules.h"
#include "daemon/version.h"

namespace {

constexpr const char* kUsage = R"(usage:
  alertd [--config FILE] [--listen HOST:PORT] [--port-file FILE] [--journal-repair]
      Run the daemon. Without --config it runs on embedded defaults:
      HTTP on 127.0.0.1:9880, SQLite store at ./data/alertd.db, journal in
      ./data/journal. --journal-repair starts past damaged journal records,
      skipping and counting them (docs/operations.md).
  alertd replay [--config FILE] [--stats] INPUT.ndjson
      Run the rules and correlator over a file of generic events, with the
      clock driven by the events' timestamps; print one JSON line per incident.
  alertd check-config FILE
      Validate a configuration file with the rule and topology files it
      names; print every error as FILE:LINE: reason. Exit 1 on errors.
  alertd test-rules FILE...
      Run rule unit tests (docs/rules.md, "Testing rules"). Exit 1 when a
      test fails, 2 when a test file is invalid.
  alertd audit re-anchor [--config FILE] [--reason TEXT]
      After a deliberate restore of the store from a backup (daemon stopped):
      verify the audit chain in the store, record the step as an audit entry
      and write the anchor file from the store's head (docs/operations.md).
  alertd print-default-config
      Print the embedded default configuration.
  alertd version
)";

struct Args {
  std::string command = "run";
  std::string config_file;
  std::string listen;
  std::string port_file;
  bool stats = false;
  bool journal_repair = false;
  std::string reason;  // audit re-anchor --reason
  std::vector<std::string> positional;
};

// Returns false (after printing why) on a usage error.
bool parse_args(int argc, char** argv, Args& args) {
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') args.command = argv[i++];
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= argc) {
        std::cerr << "alertd: " << a << " needs a value\n";
        return false;
      }
      into = argv[++i];
      return true;
    };
    if (a == "--config" || a == "-c") {
      if (!value(args.config_file)) return false;
    } else if (a == "--listen") {
      if (!value(args.listen)) return false;
    } else if (a == "--port-file") {
      if (!value(args.port_file)) return false;
    } else if (a == "--reason") {
      if (!value(args.reason)) return false;
    } else if (a == "--stats") {
      args.stats = true;
    } else if (a == "--journal-repair") {
      args.journal_repair = true;
    } else if (a == "--help" || a == "-h") {
      args.command = "help";
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "alertd: unknown option " << a << "\n" << kUsage;
      return false;
    } else {
      args.positional.push_back(a);
    }
  }
  return true;
}

alertd::core::Result<alertd::config::DaemonConfig> load(const std::string& file) {
  if (file.empty()) {
    return alertd::config::parse_config(alertd::config::embedded_default_config(),
                                        "<embedded defaults>");
  }
  return alertd::config::load_config_file(file);
}

// The commands that need no daemon config; nullopt for the others.
std::optional<int> run_config_free_command(const Args& args) {
  using namespace alertd::daemon;
  if (args.command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (args.command == "version") {
    std::cout << "alertd " << kVersion << " (" << kRevision << ")\n";
    return 0;
  }
  if (args.command == "print-default-config") {
    std::cout << alertd::config::embedded_default_config();
    return 0;
  }
  if (args.command == "check-config") {
    if (args.positional.size() != 1) {
      std::cerr << "usage: alertd check-config FILE\n";
      return 2;
    }
    return check_config(args.positional[0], std::cout, std::cerr);
  }
  if (args.command == "test-rules") {
    if (args.positional.empty()) {
      std::cerr << "usage: alertd test-rules FILE...\n";
      return 2;
    }
    return run_rule_tests(args.positional, std::cout, std::cerr);
  }

  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace alertd::daemon;
  Args args;
  if (!parse_args(argc, argv, args)) return 2;
  // Logs go to stderr; stdout is for command output (replay writes incidents there).
  spdlog::set_default_logger(spdlog::stderr_color_mt("alertd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  if (auto done = run_config_free_command(args)) return *done;

  auto config = load(args.config_file);
  if (!config) {
    std::cerr << "alertd: " << config.error().message << "\n";
    return 1;
  }
  if (args.command == "replay") {
    if (args.positional.size() != 1) {
      std::cerr << "usage: alertd replay [--config FILE] INPUT.ndjson\n";
      return 2;
    }
    ReplayStats stats;
    int rc = run_replay(*config, args.positional[0], std::cout, std::cerr, &stats);
    if (rc == 0 && args.stats) {
      std::cerr << "replayed " << stats.events << " events into " << stats.incidents
                << " incidents in " << stats.seconds << " s ("
                << (stats.seconds > 0 ? static_cast<double>(stats.events) / stats.seconds : 0)
                << " events/s)\n";
    }
    return rc;
  }
  if (args.command == "audit") {
    if (args.positional.size() != 1) {
      std::cerr << "usage: alertd audit re-anchor [--config FILE] [--reason TEXT]\n";
      return 2;
    }
    return run_audit_command(*config, args.positional[0], args.reason, std::cout, std::cerr);
  }
  if (args.command != "run" || !args.positional.empty()) {
    std::cerr << "alertd: unknown command\n" << kUsage;
    return 2;
  }
  if (!args.listen.empty()) config->http.listen = args.listen;
  return run_daemon(*config,
                    RunOptions{args.port_file, args.config_file, args.journal_repair, args.listen});
}
