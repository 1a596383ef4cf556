#pragma once
// Which keys of a config file a reload cannot apply: they shape threads,
// sockets, files and queues made at start-up. A reload names each one that
// changed ("restart needed for: http.threads, store.postgres"), in its
// answer and its log, so nothing in the file is ignored silently. Every
// other key (rules, correlation, incidents, limits, auth) is applied.

#include <string>
#include <vector>

#include "config/config.h"

namespace alertd::config {

/// The restart-only keys whose value differs between `running` and `loaded`, in file order.
std::vector<std::string> restart_needed(const DaemonConfig& running, const DaemonConfig& loaded);

}  // namespace alertd::config
