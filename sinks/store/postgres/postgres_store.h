#pragma once
// The PostgreSQL implementation of sinks::Store: the same schema and
// behaviour as the SQLite store, on a server several daemons or tools can
// reach. See sinks/README.md.
//
// One writer connection serves apply() and the other writes (silences,
// problems, retention), one at a time under a mutex (one transaction per
// batch, one statement per table); a small pool of reader connections serves
// the read calls beside it. A lost
// connection fails the call with reason store_unavailable; the next call on
// that connection reconnects and checks the schema again.

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "sinks/store/audit_anchor.h"
#include "sinks/store/store.h"

namespace alertd::sinks {

struct PostgresOptions {
  std::string conninfo;         // libpq "key=value ..." or postgresql:// URI; may hold a password
  size_t read_connections = 4;  // 1..64; read calls beyond this many wait for a free one
  AuditSettings audit;          // the chain's key and anchor (sinks/store/audit_anchor.h)
};

/// Connects the writer and the readers and runs the schema migrations.
/// Errors name the server (user@host:port/dbname, never the password);
/// reason store_unavailable when the server cannot be reached (worth retrying),
/// store_open or store_schema when retrying cannot help.
core::Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options);

/// How messages name the server of a conninfo, without its password:
/// "postgres store 'user@host:port/dbname'".
core::Result<std::string> describe_postgres_target(const std::string& conninfo);

}  // namespace alertd::sinks
