// The SQLite store's schema version 3: a file written before the audit
// trail's hash chain existed gets it on open. The chain itself is tested on
// every backend by the conformance suite (store_audit_test.cc).

#include <gtest/gtest.h>

#include "sinks/store/audit_chain.h"
#include "sinks/store/sqlite/migrations.h"
#include "store_test_util.h"

namespace alertd::sinks {
namespace {

using namespace testing;  // NOLINT: the helpers of store_test_util.h

// A file written before the chain existed (schema version 2, made here with
// exactly its migrations) gets every old row hashed in seq order on open, in
// chunks, and the update trigger back.
TEST(SqliteAuditMigration, BackfillsAVerifyingChainFromVersionTwo) {
  TempDir dir;
  const auto path = dir.file("v2.db");
  constexpr int64_t kOldRows = 2500;  // more than one backfill chunk
  {
    auto db = raw_connection(path);
    ASSERT_TRUE(sqlite::run_migrations(db, sqlite::migrations().first(2)).ok());
    const std::string rows =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(kOldRows) +
        ") INSERT INTO audit_log (incident_id, at, actor, action, detail) "
        "SELECT 'INC-' || (i % 7 + 1), CASE WHEN i % 10 = 0 THEN NULL ELSE 1767225600000 + i END, "
        "'alertd', 'member_added', '{\"i\":' || i || '}' FROM n;";
    ASSERT_TRUE(db.exec(rows, "write v2 audit rows").ok());
  }

  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto v = store->verify_audit();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, kOldRows);

  auto t = store->timeline("INC-1");
  ASSERT_TRUE(t.ok());
  ASSERT_FALSE(t->empty());
  EXPECT_EQ(t->front().hash.size(), 64u);

  // New entries chain onto the backfilled head.
  core::IncidentUpdate u =
      make_update(make_incident(1), {}, {make_audit("INC-1", "status_change", 1)});
  ASSERT_TRUE(store->apply({&u, 1}).ok());
  v = store->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, kOldRows + 1);

  // The append-only trigger is back.
  auto db = raw_connection(path);
  auto update = db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1", "tamper");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().message.find("append-only"), std::string::npos);
  EXPECT_EQ(count_rows(db, "SELECT MAX(version) FROM schema_migrations"),
            sqlite::latest_schema_version());
}

TEST(SqliteAuditMigration, EmptyVersionTwoLogGetsAGenesisHead) {
  TempDir dir;
  const auto path = dir.file("v2.db");
  {
    auto db = raw_connection(path);
    ASSERT_TRUE(sqlite::run_migrations(db, sqlite::migrations().first(2)).ok());
  }
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto v = store->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 0);
  EXPECT_EQ(v->head_hash, kAuditGenesisHash);
}

}  // namespace
}  // namespace alertd::sinks
