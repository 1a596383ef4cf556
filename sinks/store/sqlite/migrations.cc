#include "sinks/store/sqlite/migrations.h"

#include <string>
#include <vector>

namespace alertd::sinks::sqlite {

namespace {

/// One run of the shared runner on a SQLite connection.
class Session final : public MigrationSession<Connection> {
 public:
  explicit Session(Connection& db) : db_(db) {}
  Connection& db() override { return db_; }
  std::string_view store_kind() const override { return "sqlite store"; }
  std::string store_name() const override { return "sqlite store '" + db_.path() + "'"; }
  std::string_view other_database() const override { return "file"; }

  core::Status begin() override {
    if (auto st = db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
                           "create schema_migrations");
        !st.ok()) {
      return st;
    }
    // IMMEDIATE takes the write lock before reading the version, so two
    // processes opening the same new file cannot both apply migration 1.
    return db_.exec("BEGIN IMMEDIATE", "begin migrations");
  }
  core::Result<int> version() override { return schema_version(db_); }
  core::Status exec(std::string_view sql, const std::string& what) override {
    return db_.exec(sql, what);
  }
  core::Status record(int version, const std::string& what) override {
    if (!record_.valid()) {
      auto stmt = Statement::prepare(db_,
                                     "INSERT INTO schema_migrations (version, applied_at) "
                                     "VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
      if (!stmt.ok()) return stmt.error();
      record_ = std::move(*stmt);
    }
    ResetGuard guard(record_);
    record_.bind_int(1, version);
    return record_.run(what);
  }
  core::Status commit() override { return db_.exec("COMMIT", "commit migrations"); }
  void rollback() override {
    if (db_.in_transaction()) (void)db_.exec("ROLLBACK", "rollback migrations");
  }

 private:
  Connection& db_;
  Statement record_;
};

}  // namespace

std::span<const Migration> migrations() {
  static const std::vector<Migration> steps = [] {
    std::vector<Migration> out;
    for (const auto& m : schema_migrations()) out.push_back(m.sqlite);
    return out;
  }();
  return steps;
}

int latest_schema_version() {
  return sinks::latest_schema_version();
}

core::Result<int> schema_version(Connection& db) {
  auto v = db.query_int("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                        "read schema version");
  if (!v.ok()) return v.error();
  return static_cast<int>(*v);
}

core::Status run_migrations(Connection& db, std::span<const Migration> list) {
  Session session(db);
  return sinks::run_migrations(session, list);
}

}  // namespace alertd::sinks::sqlite
