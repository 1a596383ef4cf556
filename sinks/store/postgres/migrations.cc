#include "sinks/store/postgres/migrations.h"

#include <string>
#include <vector>

namespace alertd::sinks::postgres {

namespace {

// The key of the advisory lock that serializes migrations within a database
// ("alertd" in ASCII, 0x616c65727464; any constant no other application uses).
constexpr std::string_view kLockKey = "107118186361956";

/// One run of the shared runner on a PostgreSQL connection.
class Session final : public MigrationSession<Connection> {
 public:
  explicit Session(Connection& db) : db_(db) {}
  Connection& db() override { return db_; }
  std::string_view store_kind() const override { return "postgres store"; }
  std::string store_name() const override { return db_.target().name; }
  std::string_view other_database() const override { return "database"; }

  core::Status begin() override {
    // The lock first: a second opener waits here until the first commits,
    // then finds the table and every version in place.
    const std::string begin = "BEGIN; SELECT pg_advisory_xact_lock(" + std::string(kLockKey) + ")";
    if (auto st = exec(begin, "lock for migrations"); !st.ok()) return st;
    return exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        "create schema_migrations");
  }
  core::Result<int> version() override { return schema_version(db_); }
  core::Status exec(std::string_view sql, const std::string& what) override {
    return core::status_of(db_.exec(std::string(sql), what));
  }
  core::Status record(int version, const std::string& what) override {
    params_.clear();
    params_.int64(version);
    return core::status_of(
        db_.query("INSERT INTO schema_migrations (version) VALUES ($1)", params_, what));
  }
  core::Status commit() override { return exec("COMMIT", "commit migrations"); }
  void rollback() override { db_.rollback(); }

 private:
  Connection& db_;
  Params params_;
};

}  // namespace

std::span<const Migration> migrations() {
  static const std::vector<Migration> steps = [] {
    std::vector<Migration> out;
    for (const auto& m : schema_migrations()) out.push_back(m.postgres);
    return out;
  }();
  return steps;
}

int latest_schema_version() {
  return sinks::latest_schema_version();
}

core::Result<int> schema_version(Connection& db) {
  auto rows =
      db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "read schema version");
  if (!rows.ok()) return rows.error();
  return static_cast<int>(rows->int64(0, 0));
}

core::Status run_migrations(Connection& db, std::span<const Migration> list) {
  Session session(db);
  return sinks::run_migrations(session, list);
}

}  // namespace alertd::sinks::postgres
