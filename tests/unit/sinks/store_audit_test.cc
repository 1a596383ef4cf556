// The audit trail's hash chain, on every backend (see store_conformance.h):
// written by apply(), checked by verify_audit(), tampered with by plain SQL
// as someone with full access to the database would (after disabling the
// append-only triggers). Both backends report a break at the same seq with
// the same reason token.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "sinks/store/audit_chain.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {

void StoreAuditTest::apply_three_batches() {
  apply_ok({make_update(make_incident(1), {make_member("A", 1)},
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

AuditVerification StoreAuditTest::verify_ok() {
  auto v = store_->verify_audit();
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : AuditVerification{};
}

void StoreAuditTest::tamper(const std::string& sql) {
  auto off = db_->disable_audit_triggers();
  ASSERT_TRUE(off.ok()) << off.error().message;
  auto st = db_->exec(sql);
  ASSERT_TRUE(st.ok()) << sql << ": " << st.error().message;
}

std::vector<core::AuditEntry> StoreAuditTest::all_entries() {
  std::vector<core::AuditEntry> all;
  for (const char* id : {"INC-1", "INC-2", "INC-3"}) {
    auto t = store_->timeline(id);
    EXPECT_TRUE(t.ok());
    if (t.ok()) all.insert(all.end(), t->begin(), t->end());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return all;
}

namespace {

TEST_P(StoreAuditTest, ChainOverBatchesVerifies) {
  auto empty = verify_ok();
  EXPECT_TRUE(empty.ok) << empty.reason;
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
  EXPECT_EQ(count("SELECT seq FROM audit_head WHERE id = 1"), 7);
}

// Batches without audit entries leave the chain and its head alone.
TEST_P(StoreAuditTest, BatchesWithoutEntriesKeepTheHead) {
  apply_three_batches();
  const std::string head = verify_ok().head_hash;
  apply_ok({make_update(make_incident(1), {make_member("B", 9)})});
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 7);
  EXPECT_EQ(v.head_hash, head);
}

// More entries than one read page or backfill chunk (1,000): the whole log is
// walked, and a break past the first page is found at its seq.
TEST_P(StoreAuditTest, LongChainsVerifyAcrossPages) {
  ALERTD_NEEDS_SQL_SHELL();
  std::vector<core::AuditEntry> entries;
  for (int i = 1; i <= 2500; ++i) entries.push_back(make_audit("INC-1", "member_added", i));
  apply_ok({make_update(make_incident(1), {}, entries)});
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 2501)})});
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 2501);

  tamper("UPDATE audit_log SET detail = '{}' WHERE seq = 2100");
  // Entry 2100 was verified above: only a full walk hashes it again.
  auto full = store_->verify_audit({.full = true});
  ASSERT_TRUE(full.ok());
  v = *full;
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 2100);
  EXPECT_EQ(v.entries, 2099);
  EXPECT_TRUE(v.reason.starts_with("content_mismatch: ")) << v.reason;
}

// The head is found again at open: entries appended after a restart continue the chain.
TEST_P(StoreAuditTest, ChainContinuesAfterReopen) {
  apply_three_batches();
  const std::string head = verify_ok().head_hash;
  reopen();
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "resolve", 8)})});
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 8);
  const auto t = *store_->timeline("INC-3");
  EXPECT_EQ(t.back().seq, 8);
  EXPECT_EQ(t.back().prev_hash, head);
}

TEST_P(StoreAuditTest, EditedRowIsReportedAtItsSeq) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  tamper("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4");
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

// Re-hashing an edited row is not enough: the next row's link breaks.
TEST_P(StoreAuditTest, RehashedRowBreaksTheNextLink) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  core::AuditEntry edited = all_entries().at(3);
  edited.actor = "mallory";
  const std::string hash = *AuditHasher().hash(edited.prev_hash, 4, edited);
  tamper("UPDATE audit_log SET actor = 'mallory', hash = '" + hash + "' WHERE seq = 4");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 5);
  EXPECT_EQ(v.broken_incident_id, "INC-3");
  EXPECT_TRUE(v.reason.starts_with("link_mismatch: ")) << v.reason;
}

TEST_P(StoreAuditTest, DeletedMiddleRowIsReported) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  tamper("DELETE FROM audit_log WHERE seq = 3");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 3);
  EXPECT_EQ(v.entries, 2);
  EXPECT_TRUE(v.reason.starts_with("seq_gap: ")) << v.reason;
}

TEST_P(StoreAuditTest, TruncatedTailIsReportedThroughTheHead) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  tamper("DELETE FROM audit_log WHERE seq >= 6");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 6);
  EXPECT_EQ(v.entries, 5);
  EXPECT_TRUE(v.reason.starts_with("tail_missing: ")) << v.reason;
  EXPECT_NE(v.reason.find("head is entry 7"), std::string::npos) << v.reason;
}

// After the end of the log was tampered with, a restarted store still
// appends (the next seq is free) and the break stays reported.
TEST_P(StoreAuditTest, AppendsAfterTamperingAtTheEndAndStillReportsIt) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  tamper("DELETE FROM audit_log WHERE seq = 7");
  reopen();
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "resolve", 8)})});
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 7);
  EXPECT_TRUE(v.reason.starts_with("seq_gap: ")) << v.reason;

  // A row added by plain SQL at the next seq: the store continues after it.
  tamper(
      "INSERT INTO audit_log (seq, incident_id, at, actor, action, detail) "
      "VALUES (9, 'INC-3', NULL, 'mallory', 'close', '{}')");
  reopen();
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "close", 10)})});
  EXPECT_EQ(count("SELECT MAX(seq) FROM audit_log"), 10);
  EXPECT_EQ(count("SELECT seq FROM audit_head WHERE id = 1"), 10);
}

// A correctly chained row added outside the store shows against the head.
TEST_P(StoreAuditTest, RowsBeyondTheHeadAreReported) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  core::AuditEntry extra = make_audit("INC-3", "close", 8);
  const std::string prev = all_entries().back().hash;
  const std::string hash = *AuditHasher().hash(prev, 8, extra);
  tamper(
      "INSERT INTO audit_log (seq, incident_id, at, actor, action, detail, prev_hash, hash) "
      "VALUES (8, 'INC-3', 8, 'alertd', 'close', '" +
      extra.detail + "', '" + prev + "', '" + hash + "')");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 8);
  EXPECT_EQ(v.entries, 7);
  EXPECT_TRUE(v.reason.starts_with("beyond_head: ")) << v.reason;
}

// The head row names the last entry but not its hash.
TEST_P(StoreAuditTest, HeadWithAnotherHashIsReported) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  tamper("UPDATE audit_head SET hash = '" + std::string(kAuditGenesisHash) + "' WHERE id = 1");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 7);
  EXPECT_TRUE(v.reason.starts_with("head_mismatch: ")) << v.reason;
}

TEST_P(StoreAuditTest, MissingHeadRowIsReported) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_three_batches();
  tamper("DELETE FROM audit_head");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(v.reason.starts_with("head_missing: ")) << v.reason;
}

// A batch that fails leaves no rows and the head where it was: the retry
// numbers and chains its entries again from there, with no gap and no
// broken link.
TEST_P(StoreAuditTest, FailedBatchKeepsTheHeadConsistent) {
  apply_ok({make_update(make_incident(10), {}, {make_audit("INC-10", "create", 1)})});
  const std::string head = verify_ok().head_hash;
  core::Incident clash = make_incident(2);
  clash.id = "INC-10";  // the UNIQUE id refuses the third update
  std::vector<core::IncidentUpdate> batch = {
      make_update(make_incident(1), {}, {make_audit("INC-1", "create", 2)}),
      make_update(make_incident(10), {}, {make_audit("INC-10", "update", 3)}),
      make_update(clash, {}, {make_audit("INC-2", "create", 4)}),
  };
  ASSERT_FALSE(apply(batch).ok());
  ASSERT_FALSE(apply(batch).ok());  // a failed retry changes nothing either
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 1);
  EXPECT_EQ(v.head_hash, head);
  EXPECT_EQ(count("SELECT seq FROM audit_head WHERE id = 1"), 1);

  batch[2].incident.id = "INC-2";
  apply_ok(batch);
  v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 4);
  EXPECT_EQ(count("SELECT MAX(seq) FROM audit_log"), 4);
  EXPECT_EQ(count("SELECT seq FROM audit_head WHERE id = 1"), 4);
  EXPECT_EQ(store_->timeline("INC-1")->front().prev_hash, head);
}

// A verification beside a writer sees one commit: never rows beyond the
// head it read, never a head beyond the rows.
TEST_P(StoreAuditTest, VerifyBesideAWriterSeesOneCommit) {
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 40; ++i) {
      std::vector<core::IncidentUpdate> batch = {make_update(
          make_incident(i % 5 + 1), {},
          {make_audit(core::incident_id(i % 5 + 1), "touch", i), make_audit("INC-1", "x", i)})};
      auto st = store_->apply(batch);
      EXPECT_TRUE(st.ok()) << st.error().message;
    }
    done = true;
  });
  int64_t last = 0;
  while (!done) {
    auto v = verify_ok();
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(v.entries % 2, 0);  // whole batches only
    EXPECT_GE(v.entries, last);
    last = v.entries;
  }
  writer.join();
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 80);
}

}  // namespace
}  // namespace alertd::sinks::testing
