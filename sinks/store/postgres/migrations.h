#pragma once
// The PostgreSQL side of the schema migrations (sinks/store/migrations.h):
// this backend's steps of the shared list (the same versions as SQLite's, in
// PostgreSQL's dialect), applied by the shared runner in one transaction that
// first takes a transaction-level advisory lock, so two daemons starting on
// one new database do not both apply them (the second waits, then finds
// nothing to do). Runs at open and after every reconnect.

#include <span>

#include "core/result.h"
#include "sinks/store/migrations.h"
#include "sinks/store/postgres/pg_conn.h"

namespace alertd::sinks::postgres {

using Migration = MigrationStep<Connection>;

/// This backend's step of every migration of sinks::schema_migrations(), in order.
std::span<const Migration> migrations();

/// The highest version in migrations().
int latest_schema_version();

/// The highest applied version; 0 for a fresh database.
core::Result<int> schema_version(Connection& db);

/// Applies every migration newer than the database's version (see
/// sinks::run_migrations). Refuses, and changes nothing, a database whose
/// version is newer than the list knows.
core::Status run_migrations(Connection& db, std::span<const Migration> list = migrations());

}  // namespace alertd::sinks::postgres
