// The SQLite backend: its TestDb for the conformance suite
// (store_conformance.h), and what only SQLite has: WAL, the busy timeout, how
// opening a file fails.
#include "sinks/store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "schema_check.h"
#include "store_conformance.h"
#include "store_test_util.h"

namespace alertd::sinks {
namespace {

using namespace testing;  // NOLINT: the helpers of store_test_util.h

/// A database file in a fresh temporary folder (under a missing subfolder,
/// which opening creates).
class SqliteTestDb final : public TestDb {
 public:
  SqliteTestDb() : path_(dir_.file("data/alertd.db")) {}
  std::unique_ptr<Store> open(size_t read_connections) override {
    return open_store(path_, read_connections);
  }
  std::unique_ptr<Store> open_audited(size_t read_connections,
                                      const AuditSettings& audit) override {
    auto store = open_sqlite_store(
        SqliteOptions{.path = path_, .read_connections = read_connections, .audit = audit});
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
  }
  core::Status exec(const std::string& sql) override {
    auto db = raw_connection(path_);
    return db.exec(sql, "test sql");
  }
  core::Result<int64_t> query_int(const std::string& sql) override {
    auto db = raw_connection(path_);
    return db.query_int(sql, "test query");
  }
  std::string name_in_errors() const override { return path_; }
  core::Status check_integrity() override {
    auto db = raw_connection(path_);
    auto check = db.query_text("PRAGMA integrity_check", "integrity check");
    if (!check.ok()) return check.error();
    if (*check != "ok") return core::Error{"store_corrupt", *check};
    return {};
  }
  core::Status disable_audit_triggers() override {
    return exec(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;");
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
};

const Backend kSqlite{"Sqlite", [] { return std::make_unique<SqliteTestDb>(); }};

}  // namespace

namespace testing {
ALERTD_INSTANTIATE_STORE_SUITES(Sqlite, kSqlite);
}  // namespace testing

namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("data/alertd.db");
    store_ = open_store(path_);
    ASSERT_NE(store_, nullptr);
  }
  core::Status apply(const std::vector<core::IncidentUpdate>& batch) {
    return store_->apply(batch);
  }
  void apply_ok(const std::vector<core::IncidentUpdate>& batch) {
    testing::apply_ok(*store_, batch);
  }
  IncidentDetail get_ok(const std::string& id) { return testing::get_ok(*store_, id); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, CreatesParentFolderAndUsesWal) {
  EXPECT_TRUE(std::filesystem::exists(path_));
  auto db = raw_connection(path_);
  auto mode = db.query_text("PRAGMA journal_mode", "mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(*mode, "wal");
}

// WAL: readers see the last commit while another connection holds the write
// lock; apply() waits at most busy_timeout for that lock, then reports
// store_busy and can be retried.
TEST_F(SqliteStoreTest, ReadersRunBesideALockedWriterAndApplyRetries) {
  store_.reset();
  store_ = open_store(path_, 2, /*busy_timeout_ms=*/0);
  ASSERT_NE(store_, nullptr);
  apply_ok({make_update(make_incident(1))});

  auto other = raw_connection(path_);
  ASSERT_TRUE(
      other.exec("BEGIN IMMEDIATE; UPDATE incidents SET title = 'uncommitted'", "lock").ok());
  EXPECT_EQ(get_ok("INC-1").incident.title, "incident 1");
  auto page = store_->list(IncidentFilter{});
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->incidents.size(), 1u);

  std::vector<core::IncidentUpdate> batch = {
      make_update(make_incident(2), {make_member("A", 1)}, {make_audit("INC-2", "create", 1)})};
  auto st = apply(batch);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_busy");

  ASSERT_TRUE(other.exec("ROLLBACK", "unlock").ok());
  apply_ok(batch);
  EXPECT_EQ(get_ok("INC-2").members.size(), 1u);
  EXPECT_EQ(store_->timeline("INC-2")->size(), 1u);
}

// --- opening ---

TEST(SqliteOpen, ErrorsNameThePathAndSqlitesMessage) {
  TempDir dir;
  const auto junk = dir.file("junk.db");
  std::ofstream(junk) << "this is not a database, just text long enough to have a header....";
  auto store = open_sqlite_store(SqliteOptions{junk});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(junk), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a database"), std::string::npos)
      << store.error().message;
}

TEST(SqliteOpen, ParentThatIsAFileIsReported) {
  TempDir dir;
  const auto file = dir.file("plain");
  std::ofstream(file) << "x";
  auto store = open_sqlite_store(SqliteOptions{file + "/sub/alertd.db"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().reason, "store_open");
  EXPECT_NE(store.error().message.find(file), std::string::npos) << store.error().message;
}

TEST(SqliteOpen, RefusesPathsThatCannotBeShared) {
  for (const char* path : {"", ":memory:", "file:x.db?mode=memory"}) {
    auto store = open_sqlite_store(SqliteOptions{path});
    ASSERT_FALSE(store.ok()) << path;
    EXPECT_EQ(store.error().reason, "store_open");
  }
}

TEST(SqliteOpen, CreatesNestedParentFolders) {
  TempDir dir;
  const auto path = dir.file("a/b/c/alertd.db");
  auto store = open_sqlite_store(SqliteOptions{path});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(SqliteSchema, ColumnTableMatchesTheMigratedTables) {
  TempDir dir;
  const auto path = dir.file("s.db");
  ASSERT_NE(open_store(path), nullptr);
  auto db = raw_connection(path);
  SchemaCheck(schema::Dialect::sqlite, [&](const std::string& sql) {
    return count_rows(db, sql);
  }).expect_all_tables();
}

TEST(SqliteStore, PingIsAlwaysOk) {
  TempDir dir;
  auto store = open_store(dir.file("p.db"));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->ping().ok());
}

}  // namespace
}  // namespace alertd::sinks
