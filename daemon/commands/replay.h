#pragma once
// `alertd replay`: runs the same decoder, shard stage and correlator as the
// daemon over an NDJSON file of generic events, single-threaded, with the
// clock driven by each event's own timestamp. Deterministic: the same input
// always prints the same incidents.

#include <iosfwd>
#include <string>

#include "config/config.h"

namespace alertd::daemon {

struct ReplayStats {
  size_t events = 0;
  size_t incidents = 0;
  double seconds = 0;
};

/// Replays `input_path`, printing one JSON line per incident to `out` (in id
/// order). Returns the exit code; errors (unreadable file, bad line with its
/// number) go to `err`.
int run_replay(const config::DaemonConfig& config, const std::string& input_path, std::ostream& out,
               std::ostream& err, ReplayStats* stats = nullptr);

}  // namespace alertd::daemon
