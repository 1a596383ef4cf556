#pragma once
// The SQLite implementation of sinks::Store (the embedded default).
//
// One read-write connection serves apply() (one transaction per batch, with
// prepared statements reused across batches); a small pool of read-only
// connections serves list/get/timeline/load_active beside it. WAL mode lets
// those readers run while the writer writes. See sinks/README.md.

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "sinks/store/audit_anchor.h"
#include "sinks/store/store.h"

namespace alertd::sinks {

struct SqliteOptions {
  std::string path;             // the database file; created, with parent folders, if missing
  int busy_timeout_ms = 5000;   // how long a call waits for another connection's lock
  size_t read_connections = 4;  // 1..64; read calls beyond this many wait for a free one
  AuditSettings audit;          // the chain's key and anchor (sinks/store/audit_anchor.h)
};

/// Opens (creating the file and its parent folders if missing), sets WAL mode,
/// synchronous=NORMAL and foreign keys, runs the schema migrations and
/// prepares the statements. Errors name the path and SQLite's message; a
/// database written by a newer alertd (newer schema) is refused.
core::Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace alertd::sinks
