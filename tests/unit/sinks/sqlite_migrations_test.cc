#include <gtest/gtest.h>

#include "sinks/store/sqlite/migrations.h"
#include "store_test_util.h"

namespace alertd::sinks {
namespace {

using testing::count_rows;
using testing::make_incident;
using testing::make_update;
using testing::open_store;
using testing::raw_connection;
using testing::TempDir;

TEST(SqliteMigrations, ListIsContiguousFromOne) {
  int expected = 1;
  for (const auto& m : sqlite::migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_EQ(sqlite::latest_schema_version(), expected - 1);
}

TEST(SqliteMigrations, FreshDatabaseRecordsEachVersionOnce) {
  TempDir dir;
  const auto path = dir.file("a.db");
  ASSERT_NE(open_store(path), nullptr);
  auto db = raw_connection(path);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM schema_migrations"),
            sqlite::latest_schema_version());
  EXPECT_EQ(count_rows(db, "SELECT MAX(version) FROM schema_migrations"),
            sqlite::latest_schema_version());
  for (const char* table : {"incidents", "incident_members", "audit_log"}) {
    EXPECT_EQ(count_rows(db, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = "
                                         "'table' AND name = '") +
                                 table + "'"),
              1)
        << table;
  }
}

TEST(SqliteMigrations, ReopenIsIdempotentAndKeepsData) {
  TempDir dir;
  const auto path = dir.file("a.db");
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    core::IncidentUpdate u = make_update(make_incident(7));
    ASSERT_TRUE(store->apply({&u, 1}).ok());
  }
  for (int i = 0; i < 3; ++i) {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    auto got = store->get("INC-7");
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->has_value());
  }
  auto db = raw_connection(path);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM schema_migrations"),
            sqlite::latest_schema_version());
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM incidents"), 1);
}

TEST(SqliteMigrations, RefusesDatabaseFromNewerBinary) {
  TempDir dir;
  const auto path = dir.file("future.db");
  ASSERT_NE(open_store(path), nullptr);
  {
    auto db = raw_connection(path);
    const int future = sqlite::latest_schema_version() + 1;
    ASSERT_TRUE(db.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(future) +
                            ", '2099-01-01T00:00:00Z')",
                        "stamp")
                    .ok());
  }
  auto store = open_sqlite_store(SqliteOptions{path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().reason, "store_schema");
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
}

// Future migrations are appended to the list; an existing database at the
// old version gets only the new ones.
TEST(SqliteMigrations, AppendedMigrationAppliesOnceOnExistingDatabase) {
  TempDir dir;
  const auto path = dir.file("a.db");
  ASSERT_NE(open_store(path), nullptr);
  std::vector<sqlite::Migration> list(sqlite::migrations().begin(), sqlite::migrations().end());
  const int next = sqlite::latest_schema_version() + 1;
  list.push_back({next, "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);"});

  auto db = raw_connection(path);
  ASSERT_TRUE(sqlite::run_migrations(db, list).ok());
  ASSERT_TRUE(sqlite::run_migrations(db, list).ok());  // second run: nothing to do
  auto version = sqlite::schema_version(db);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, next);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM extra"), 1);
}

TEST(SqliteMigrations, FailedMigrationChangesNothing) {
  TempDir dir;
  const auto path = dir.file("a.db");
  ASSERT_NE(open_store(path), nullptr);
  std::vector<sqlite::Migration> list(sqlite::migrations().begin(), sqlite::migrations().end());
  const int next = sqlite::latest_schema_version() + 1;
  list.push_back({next, "CREATE TABLE half (x INTEGER); SELECT no_such_function();"});

  auto db = raw_connection(path);
  auto st = sqlite::run_migrations(db, list);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("no_such_function"), std::string::npos) << st.error().message;
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(*sqlite::schema_version(db), sqlite::latest_schema_version());
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'"), 0);
}

TEST(SqliteMigrations, RefusesListWithGap) {
  TempDir dir;
  auto db = raw_connection(dir.file("a.db"));
  const sqlite::Migration list[] = {{1, "CREATE TABLE a (x)"}, {3, "CREATE TABLE b (x)"}};
  auto st = sqlite::run_migrations(db, list);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_schema");
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'"), 0);
}

}  // namespace
}  // namespace alertd::sinks
