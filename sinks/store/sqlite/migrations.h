#pragma once
// Versioned schema migrations of the SQLite incident store.
//
// The applied versions are rows of `schema_migrations(version, applied_at)`
// (one mechanism only: PRAGMA user_version is not used). A new schema change
// is a new entry appended to the list in migrations.cc with the next version
// number; entries already released are never edited.

#include <span>
#include <string_view>

#include "core/result.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

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
/// BEGIN IMMEDIATE transaction (a concurrent opener waits, then sees them
/// applied). Refuses, and changes nothing, when the database carries a version
/// newer than the list knows: an older binary must not write a newer schema.
core::Status run_migrations(Connection& db, std::span<const Migration> list = migrations());

}  // namespace alertd::sinks::sqlite
