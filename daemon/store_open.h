#pragma once
// Opens the store the config chooses: SQLite (the default) or PostgreSQL.

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "sinks/store/audit_anchor.h"
#include "sinks/store/store.h"

namespace alertd::daemon {

/// Opens the configured store. For PostgreSQL, a server that cannot be
/// reached (reason store_unavailable) is tried again with backoff for up to
/// store.connect_timeout, each failure logged; other errors (a schema newer
/// than this binary, a bad conninfo) fail at once. Gives up early when
/// `stop_requested` returns true (a stop signal during the wait).
core::Result<std::unique_ptr<sinks::Store>> open_configured_store(
    const config::StoreConfig& config, const sinks::AuditSettings& audit,
    const std::function<bool()>& stop_requested);

/// How logs name the configured store: the SQLite path, or PostgreSQL's
/// user@host:port/dbname (never the password).
std::string describe_store(const config::StoreConfig& config);

}  // namespace alertd::daemon
