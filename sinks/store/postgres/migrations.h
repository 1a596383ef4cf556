#pragma once
// Versioned schema migrations of the PostgreSQL incident store: the same
// tables, columns, indexes and versions as the SQLite store's
// (sinks/store/sqlite/migrations.cc), in PostgreSQL's dialect.
//
// The applied versions are rows of `schema_migrations(version, applied_at)`,
// as in SQLite. A new schema change is a new entry appended to the list in
// migrations.cc with the next version number (the SQLite list gets the same
// version); entries already released are never edited.

#include <span>
#include <string_view>

#include "core/result.h"
#include "sinks/store/postgres/pg_conn.h"

namespace alertd::sinks::postgres {

struct Migration {
  int version;  // 1, 2, 3, ... strictly increasing
  std::string_view sql;
  // Runs after `sql`, in the same transaction, for what SQL alone cannot do
  // (version 3 hashes the existing audit rows). May be null.
  core::Status (*then)(Connection& db) = nullptr;
};

/// The migrations this binary knows, in order.
std::span<const Migration> migrations();

/// The highest version in migrations().
int latest_schema_version();

/// The highest applied version; 0 for a fresh database.
core::Result<int> schema_version(Connection& db);

/// Applies every migration newer than the database's version, all in one
/// transaction that first takes a transaction-level advisory lock, so two
/// daemons starting on one new database do not both apply them (the second
/// waits, then finds nothing to do). Refuses, and changes nothing, when the
/// database carries a version newer than the list knows. Runs at open and
/// after every reconnect.
core::Status run_migrations(Connection& db, std::span<const Migration> list = migrations());

}  // namespace alertd::sinks::postgres
