#include <gtest/gtest.h>
#include <sqlite3.h>

#include "sinks/store/schema.h"
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
  for (const char* table : {"incidents", "incident_members", "audit_log", "silences",
                            "store_quarantine", "notify_outbox", "notify_told"}) {
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

// A file written by the first release (schema version 1, made here with
// exactly its migration) upgrades on open: old rows read with the new
// columns' defaults, the new fields and silences then round-trip, and the
// upgrade is recorded once.
TEST(SqliteMigrations, UpgradesAVersionOneFile) {
  TempDir dir;
  const auto path = dir.file("v1.db");
  {
    auto db = raw_connection(path);
    ASSERT_TRUE(sqlite::run_migrations(db, sqlite::migrations().first(1)).ok());
    ASSERT_EQ(*sqlite::schema_version(db), 1);
    const char* v1_rows = R"sql(
      INSERT INTO incidents (seq, id, tenant, title, service, status, priority, severity,
        group_key, rule, opened_at, updated_at, last_alert_at, alert_count, firing_count)
      VALUES (1, 'INC-1', 'default', 'old', 'db', 'open', 'P2', 'sev2', '{service="db"}',
        'default', 1767225600000, 1767225600000, 1767225600000, 1, 1);
      INSERT INTO incident_members (incident_seq, fingerprint, labels, annotations, status,
        source, first_seen, last_seen, resolved_at, event_count)
      VALUES (1, '00000000000000ab', '{"alertname":"Old"}', '{}', 'firing', 'prometheus',
        1767225600000, 1767225600000, NULL, 3);
      INSERT INTO audit_log (incident_id, at, actor, action, detail)
      VALUES ('INC-1', 1767225600000, 'alertd', 'create', '{}');
    )sql";
    ASSERT_TRUE(db.exec(v1_rows, "write v1 rows").ok());
    EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'silences'"), 0);
  }

  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto state = store->load_active();
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->incidents.size(), 1u);
  const core::Incident& old = state->incidents[0];
  EXPECT_EQ(old.title, "old");
  EXPECT_EQ(old.priority, core::Priority::P2);
  EXPECT_EQ(old.category, "");
  EXPECT_EQ(old.impact, "low");
  EXPECT_EQ(old.root_service, "");
  EXPECT_FALSE(old.flapping);
  EXPECT_FALSE(old.suppressed);
  ASSERT_EQ(state->members.size(), 1u);
  EXPECT_EQ(state->members[0].second.fingerprint, 0xabu);
  EXPECT_EQ(state->members[0].second.event_count, 3u);
  EXPECT_FALSE(state->members[0].second.flapping);
  EXPECT_EQ(state->members[0].second.suppressed_by, "");
  EXPECT_EQ(store->timeline("INC-1")->size(), 1u);

  // The upgraded file takes the new fields, on the old row and a new one.
  core::Incident updated = old;
  updated.category = "database";
  updated.flapping = true;
  core::Member member = state->members[0].second;
  member.suppressed_by = "silence:SIL-1";
  core::Incident fresh = make_incident(2);
  fresh.suppressed = true;
  fresh.impact = "high";
  std::vector<core::IncidentUpdate> batch = {make_update(updated, {member}), make_update(fresh)};
  ASSERT_TRUE(store->apply(batch).ok());
  auto silence = store->create_silence(
      testing::make_silence({"service=\"db\""}, 1'767'225'600'000, 1'767'229'200'000));
  ASSERT_TRUE(silence.ok()) << silence.error().message;
  EXPECT_EQ(silence->id, "SIL-1");
  store.reset();

  store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto got = store->get("INC-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  testing::expect_same_incident((*got)->incident, updated);
  testing::expect_same_member((*got)->members.at(0), member);
  testing::expect_same_incident((*store->get("INC-2"))->incident, fresh);
  auto kept = store->get_silence("SIL-1");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  testing::expect_same_silence(**kept, *silence);

  auto db = raw_connection(path);
  EXPECT_EQ(*sqlite::schema_version(db), sqlite::latest_schema_version());
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM schema_migrations"),
            sqlite::latest_schema_version());
  auto check = db.query_text("PRAGMA integrity_check", "integrity check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

// A file of the release before the write-ahead journal (schema version 5)
// upgrades on open: its members read as not journaled (journal_pos 0) and
// give no journal marks; members written after carry their position, and
// load_journal_marks reads them through the new partial index.
TEST(SqliteMigrations, UpgradesAVersionFiveFileWithJournalPositions) {
  TempDir dir;
  const auto path = dir.file("v5.db");
  {
    auto db = raw_connection(path);
    ASSERT_TRUE(sqlite::run_migrations(db, sqlite::migrations().first(5)).ok());
    const char* v5_rows = R"sql(
      INSERT INTO incidents (seq, id, tenant, title, service, status, priority, severity,
        group_key, rule, opened_at, updated_at, last_alert_at, alert_count, firing_count)
      VALUES (1, 'INC-1', 'default', 'old', 'db', 'open', 'P2', 'sev2', '{service="db"}',
        'default', 1767225600000, 1767225600000, 1767225600000, 1, 1);
      INSERT INTO incident_members (incident_seq, fingerprint, labels, annotations, status,
        source, first_seen, last_seen, resolved_at, event_count, flapping, suppressed_by)
      VALUES (1, '00000000000000ab', '{"alertname":"Old"}', '{}', 'firing', 'prometheus',
        1767225600000, 1767225600000, NULL, 3, 0, '');
    )sql";
    ASSERT_TRUE(db.exec(v5_rows, "write v5 rows").ok());
  }

  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto state = store->load_active();
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->members.size(), 1u);
  core::Member member = state->members[0].second;
  EXPECT_EQ(member.event_count, 3u);
  EXPECT_EQ(member.journal_pos, 0u);
  auto marks = store->load_journal_marks(0);
  ASSERT_TRUE(marks.ok()) << marks.error().message;
  EXPECT_TRUE(marks->empty());

  member.journal_pos = core::journal_position(12, 4);
  ASSERT_TRUE(store->apply(std::vector{make_update(state->incidents[0], {member})}).ok());
  store.reset();
  store = open_store(path);
  ASSERT_NE(store, nullptr);
  testing::expect_same_member((*store->get("INC-1"))->members.at(0), member);
  marks = store->load_journal_marks(0);
  ASSERT_TRUE(marks.ok()) << marks.error().message;
  EXPECT_EQ(*marks, (std::vector<core::JournalMark>{{"default", 0xab, member.journal_pos}}));

  auto db = raw_connection(path);
  EXPECT_EQ(*sqlite::schema_version(db), sqlite::latest_schema_version());
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM schema_migrations"),
            sqlite::latest_schema_version());
  // The read walks the partial index, not every member.
  auto plan = sqlite::Statement::prepare(
      db, "EXPLAIN QUERY PLAN " + schema::journal_marks_sql(schema::Dialect::sqlite));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  plan->bind_int(1, 0);
  std::string details;
  while (plan->step() == SQLITE_ROW) details += std::string(plan->column_text(3)) + "\n";
  EXPECT_NE(details.find("incident_members_journal_pos"), std::string::npos) << details;
  auto check = db.query_text("PRAGMA integrity_check", "integrity check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
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
