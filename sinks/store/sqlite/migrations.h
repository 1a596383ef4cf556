#pragma once
// The SQLite side of the schema migrations (sinks/store/migrations.h): this
// backend's steps of the shared list, applied by the shared runner in one
// BEGIN IMMEDIATE transaction (a concurrent opener waits, then sees them
// applied). PRAGMA user_version is not used: schema_migrations is the one
// record of what was applied.

#include <span>

#include "core/result.h"
#include "sinks/store/migrations.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

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

}  // namespace alertd::sinks::sqlite
