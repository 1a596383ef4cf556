// The audit trail's hash chain in the SQLite store: written by apply(),
// checked by verify_audit(), tampered with by plain SQL as someone with
// access to the file would (dropping the append-only triggers first).

#include <gtest/gtest.h>

#include "sinks/store/audit_chain.h"
#include "sinks/store/sqlite/migrations.h"
#include "store_test_util.h"

namespace alertd::sinks {
namespace {

using namespace testing;  // NOLINT: the helpers of store_test_util.h

class SqliteAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("alertd.db");
    store_ = open_store(path_);
    ASSERT_NE(store_, nullptr);
  }

  void apply_ok(const std::vector<core::IncidentUpdate>& batch) {
    auto st = store_->apply(batch);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  /// Three batches, 7 audit entries over incidents 1..3.
  void apply_three_batches() {
    apply_ok(
        {make_update(make_incident(1), {make_member("A", 1)},
                     {make_audit("INC-1", "create", 1), make_audit("INC-1", "member_added", 2)}),
         make_update(make_incident(2), {}, {make_audit("INC-2", "create", 3)})});
    core::AuditEntry ack = make_audit("INC-1", "acknowledge", 4);
    ack.actor = "alice@example.com";
    ack.at = core::kNoTime;  // an entry without a time chains too
    apply_ok({make_update(make_incident(1), {}, {ack})});
    apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "create", 5)}),
              make_update(make_incident(2), {},
                          {make_audit("INC-2", "member_added", 6),
                           make_audit("INC-2", "status_change", 7)})});
  }

  AuditVerification verify_ok() {
    auto v = store_->verify_audit();
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
    return v.ok() ? *v : AuditVerification{};
  }

  /// Runs SQL on a second connection, as the sqlite3 shell would.
  void tamper(const std::string& sql) {
    auto db = raw_connection(path_);
    auto st = db.exec(sql, "tamper");
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  std::vector<core::AuditEntry> all_entries() {
    std::vector<core::AuditEntry> all;
    for (const char* id : {"INC-1", "INC-2", "INC-3"}) {
      auto t = store_->timeline(id);
      EXPECT_TRUE(t.ok());
      if (t.ok()) all.insert(all.end(), t->begin(), t->end());
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return all;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<IncidentStore> store_;
};

TEST_F(SqliteAuditTest, ChainOverBatchesVerifies) {
  auto empty = verify_ok();
  EXPECT_TRUE(empty.ok);
  EXPECT_EQ(empty.entries, 0);
  EXPECT_EQ(empty.head_hash, kAuditGenesisHash);

  apply_three_batches();
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 7);

  // The timeline carries the chain: seqs 1..7, each prev_hash the hash before it.
  const auto entries = all_entries();
  ASSERT_EQ(entries.size(), 7u);
  std::string prev(kAuditGenesisHash);
  AuditHasher hasher;
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(entries[i].prev_hash, prev);
    EXPECT_EQ(entries[i].hash, *hasher.hash(prev, entries[i].seq, entries[i]));
    EXPECT_EQ(entries[i].hash.size(), 64u);
    prev = entries[i].hash;
  }
  EXPECT_EQ(v.head_hash, prev);
}

// The head is loaded at open: entries appended after a restart continue the chain.
TEST_F(SqliteAuditTest, ChainContinuesAfterReopen) {
  apply_three_batches();
  const std::string head = verify_ok().head_hash;
  store_.reset();
  store_ = open_store(path_);
  ASSERT_NE(store_, nullptr);
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "resolve", 8)})});
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 8);
  const auto t = *store_->timeline("INC-3");
  EXPECT_EQ(t.back().seq, 8);
  EXPECT_EQ(t.back().prev_hash, head);
}

TEST_F(SqliteAuditTest, EditedRowIsReportedAtItsSeq) {
  apply_three_batches();
  tamper(
      "DROP TRIGGER audit_log_no_update;"
      "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4;");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  ASSERT_TRUE(v.broken_seq.has_value());
  EXPECT_EQ(*v.broken_seq, 4);
  EXPECT_EQ(v.broken_incident_id, "INC-1");
  EXPECT_EQ(v.entries, 3);
  EXPECT_TRUE(v.reason.starts_with("content_mismatch: ")) << v.reason;

  // The store goes on writing; the break stays reported.
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 9)})});
  v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 4);
}

TEST_F(SqliteAuditTest, DeletedMiddleRowIsReported) {
  apply_three_batches();
  tamper("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 3);
  EXPECT_EQ(v.entries, 2);
  EXPECT_TRUE(v.reason.starts_with("seq_gap: ")) << v.reason;
}

TEST_F(SqliteAuditTest, TruncatedTailIsReportedThroughTheHead) {
  apply_three_batches();
  tamper("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 6;");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 6);
  EXPECT_EQ(v.entries, 5);
  EXPECT_TRUE(v.reason.starts_with("tail_missing: ")) << v.reason;
  EXPECT_NE(v.reason.find("head is entry 7"), std::string::npos) << v.reason;
}

// After the end of the log was tampered with, a restarted store still
// appends (the next seq is free) and the break stays reported.
TEST_F(SqliteAuditTest, AppendsAfterTamperingAtTheEndAndStillReportsIt) {
  apply_three_batches();
  tamper("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 7;");
  store_.reset();
  store_ = open_store(path_);
  ASSERT_NE(store_, nullptr);
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "resolve", 8)})});
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 7);
  EXPECT_TRUE(v.reason.starts_with("seq_gap: ")) << v.reason;

  // A row added by plain SQL at the next seq: the store continues after it.
  tamper(
      "INSERT INTO audit_log (seq, incident_id, at, actor, action, detail) "
      "VALUES (9, 'INC-3', NULL, 'mallory', 'close', '{}');");
  store_.reset();
  store_ = open_store(path_);
  ASSERT_NE(store_, nullptr);
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "close", 10)})});
  auto db = raw_connection(path_);
  EXPECT_EQ(count_rows(db, "SELECT MAX(seq) FROM audit_log"), 10);
}

TEST_F(SqliteAuditTest, MissingHeadRowIsReported) {
  apply_three_batches();
  tamper("DELETE FROM audit_head;");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(v.reason.starts_with("head_missing: ")) << v.reason;
}

// A batch that fails after appending audit entries leaves no rows and the
// in-memory head where it was: the retry numbers and chains them again from
// there, with no gap and no broken link.
TEST_F(SqliteAuditTest, RollbackKeepsTheHeadConsistent) {
  apply_ok({make_update(make_incident(10), {}, {make_audit("INC-10", "create", 1)})});
  core::Incident clash = make_incident(2);
  clash.id = "INC-10";  // the UNIQUE id refuses the third update
  std::vector<core::IncidentUpdate> batch = {
      make_update(make_incident(1), {}, {make_audit("INC-1", "create", 2)}),
      make_update(make_incident(10), {}, {make_audit("INC-10", "update", 3)}),
      make_update(clash, {}, {make_audit("INC-2", "create", 4)}),
  };
  ASSERT_FALSE(store_->apply(batch).ok());
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 1);

  batch[2].incident.id = "INC-2";
  apply_ok(batch);
  v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 4);
  auto db = raw_connection(path_);
  EXPECT_EQ(count_rows(db, "SELECT MAX(seq) FROM audit_log"), 4);
  EXPECT_EQ(count_rows(db, "SELECT seq FROM audit_head"), 4);
}

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
