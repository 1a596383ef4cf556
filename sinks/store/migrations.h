#pragma once
// The store's versioned schema, one list for both backends, and the one
// runner that applies it.
//
// A migration is numbered (1, 2, 3, ... with no gaps) and holds its SQL for
// each backend, and optionally a function per backend run after the SQL in
// the same transaction, for what SQL alone cannot do (version 3 hashes the
// audit rows written before the chain existed). The list is in
// migrations.cc; a new schema change is a new entry at its end, with both
// dialects, and entries already released are never edited. Adding a column
// means: its entry in the column table (schema.h) and a migration here.
//
// The applied versions are rows of `schema_migrations(version, applied_at)`;
// the schema version is the highest of them. run_migrations applies every
// pending migration in one transaction that the backend opens so that two
// processes opening one new database cannot both apply it (SQLite: BEGIN
// IMMEDIATE; PostgreSQL: an advisory lock), records each version, and
// refuses, changing nothing, a database whose version is newer than the list
// knows: an older binary must not write a newer schema.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace alertd::sinks {

namespace sqlite {
class Connection;
}  // namespace sqlite
namespace postgres {
class Connection;
}  // namespace postgres

/// One migration as one backend runs it: version, SQL, then the function.
template <typename Db>
struct MigrationStep {
  int version;  // 1, 2, 3, ... strictly increasing
  std::string_view sql;
  core::Status (*then)(Db& db) = nullptr;  // may be null
};

/// One migration of the shared list, with each backend's part.
struct Migration {
  int version;
  MigrationStep<sqlite::Connection> sqlite;
  MigrationStep<postgres::Connection> postgres;
};

/// Every migration this binary knows, in order.
std::span<const Migration> schema_migrations();
/// The highest version in schema_migrations().
int latest_schema_version();

/// What the runner needs of a backend's connection for one run.
template <typename Db>
class MigrationSession {
 public:
  virtual ~MigrationSession() = default;
  virtual Db& db() = 0;
  /// "sqlite store" / "postgres store": names the binary's list in errors.
  virtual std::string_view store_kind() const = 0;
  /// Names the database in errors, e.g. "sqlite store '/var/lib/alertd.db'".
  virtual std::string store_name() const = 0;
  /// What to use instead of a database from a newer binary: "file", "database".
  virtual std::string_view other_database() const = 0;
  /// Ensures schema_migrations exists and opens the transaction, taking the
  /// lock that keeps a concurrent opener out until it ends.
  virtual core::Status begin() = 0;
  /// The highest applied version; 0 for a fresh database.
  virtual core::Result<int> version() = 0;
  virtual core::Status exec(std::string_view sql, const std::string& what) = 0;
  /// Adds `version` to schema_migrations.
  virtual core::Status record(int version, const std::string& what) = 0;
  virtual core::Status commit() = 0;
  /// Ends the transaction, if one is open, without keeping anything.
  virtual void rollback() = 0;
};

/// store_schema unless `versions` is 1, 2, 3, ...
core::Status check_migration_order(std::span<const int> versions, std::string_view store_kind);
/// store_schema: the database's version is newer than this binary's `latest`.
core::Error newer_schema_error(std::string_view store_name, int current, int latest,
                               std::string_view other_database);

/// Applies every migration of `list` newer than the database's version, in
/// one transaction (see the top of this file). On any error, nothing of the
/// run is kept.
template <typename Db>
core::Status run_migrations(MigrationSession<Db>& session,
                            std::span<const MigrationStep<Db>> list) {
  std::vector<int> versions;
  for (const auto& m : list) versions.push_back(m.version);
  if (auto st = check_migration_order(versions, session.store_kind()); !st.ok()) return st;
  const int latest = list.empty() ? 0 : list.back().version;
  core::Status result = session.begin();
  auto current = result.ok() ? session.version() : core::Result<int>(result.error());
  if (!current.ok()) {
    result = current.error();
  } else if (*current > latest) {
    result = newer_schema_error(session.store_name(), *current, latest, session.other_database());
  }
  for (const auto& m : list) {
    if (!result.ok()) break;
    if (m.version <= *current) continue;
    const std::string what = "apply migration " + std::to_string(m.version);
    result = session.exec(m.sql, what);
    if (result.ok() && m.then != nullptr) result = m.then(session.db());
    if (result.ok()) result = session.record(m.version, what);
  }
  if (result.ok()) result = session.commit();
  if (!result.ok()) session.rollback();
  return result;
}

}  // namespace alertd::sinks
