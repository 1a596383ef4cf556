// The audit chain's anchor outside the database and its key, on every
// backend with an SQL shell (store_conformance.h): the anchor follows each
// commit, a log cut at its end with its head rewritten to match is
// truncation (it verified ok before the anchor), a deleted anchor is
// reported and not rewritten, an anchor behind the database is fine, verify
// is incremental, re_anchor_audit records itself, and audit.key makes
// HMAC-SHA256 entries that another key or no key cannot pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "sinks/store/audit_anchor.h"
#include "sinks/store/audit_chain.h"
#include "sinks/store/quarantine.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {

namespace {
const std::string kKey = "0123456789abcdef0123456789abcdef";
}  // namespace

void StoreAnchorTest::SetUp() {
  StoreTest::SetUp();
  if (!GetParam().sql_shell) GTEST_SKIP() << GetParam().name << " has no anchor to test";
  dir_ = std::make_unique<TempDir>();
  anchor_path_ = dir_->file("anchor/audit.anchor");
  reopen_audited();
}

void StoreAnchorTest::reopen_audited(const std::string& key) {
  key_ = key;
  store_.reset();
  store_ = db_->open_audited(4, AuditSettings{.key = key, .anchor_file = anchor_path_});
  ASSERT_NE(store_, nullptr);
}

void StoreAnchorTest::apply_three_batches() {
  apply_ok({make_update(make_incident(1), {make_member("A", 1)},
                        {make_audit("INC-1", "create", 1), make_audit("INC-1", "member_added", 2)}),
            make_update(make_incident(2), {}, {make_audit("INC-2", "create", 3)})});
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "acknowledge", 4)})});
  apply_ok({make_update(make_incident(3), {}, {make_audit("INC-3", "create", 5)}),
            make_update(make_incident(2), {},
                        {make_audit("INC-2", "member_added", 6),
                         make_audit("INC-2", "status_change", 7)})});
}

AuditVerification StoreAnchorTest::verify_ok(bool full) {
  auto v = store_->verify_audit({.full = full});
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : AuditVerification{};
}

void StoreAnchorTest::tamper(const std::string& sql) {
  auto off = db_->disable_audit_triggers();
  ASSERT_TRUE(off.ok()) << off.error().message;
  auto st = db_->exec(sql);
  ASSERT_TRUE(st.ok()) << sql << ": " << st.error().message;
}

std::optional<AuditChainHead> StoreAnchorTest::anchor() {
  // The anchor is written by a thread of its own; closing the store writes
  // what is pending. Then the store is opened again as it was.
  store_.reset();
  auto file = read_anchor_file(anchor_path_, "");
  reopen_audited(key_);
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
  if (!file.ok() || !*file) return std::nullopt;
  return (*file)->head;
}

std::vector<core::AuditEntry> StoreAnchorTest::entries() {
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

TEST_P(StoreAnchorTest, AnchorFollowsEveryCommit) {
  // A new chain is anchored at open, at seq 0.
  ASSERT_TRUE(anchor().has_value());
  EXPECT_EQ(anchor()->seq, 0);
  apply_three_batches();
  const auto all = entries();
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(anchor()->seq, 7);
  EXPECT_EQ(anchor()->hash, all.back().hash);
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.status, "ok");
  EXPECT_EQ(v.anchor_seq, 7);
  EXPECT_EQ(v.head_seq, 7);
}

// The finding of issue 13: cut the newest entries and rewrite audit_head to
// match. The chain and its head agree; the anchor does not.
TEST_P(StoreAnchorTest, CutLogWithRewrittenHeadIsTruncation) {
  apply_three_batches();
  tamper(
      "DELETE FROM audit_log WHERE seq > 5; "
      "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)");
  reopen_audited();
  auto v = verify_ok(true);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "truncated");
  EXPECT_EQ(v.broken_seq, 6);
  EXPECT_EQ(v.entries, 5);
  EXPECT_EQ(v.anchor_seq, 7);
  EXPECT_TRUE(v.reason.starts_with("truncated: ")) << v.reason;
  // Later commits leave the anchor where it was: the evidence stays.
  apply_ok({make_update(make_incident(3), {},
                        {make_audit("INC-3", "resolve", 8), make_audit("INC-3", "close", 9),
                         make_audit("INC-3", "comment", 10)})});
  EXPECT_EQ(anchor()->seq, 7);
  v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "anchor_mismatch");
  EXPECT_EQ(v.broken_seq, 7);
}

// Within one process the verified position alone shows a cut, even on a
// store without an anchor file.
TEST_P(StoreAnchorTest, CutBelowTheVerifiedPositionIsTruncationWithoutAnAnchor) {
  reopen();  // no anchor_file
  apply_three_batches();
  EXPECT_TRUE(verify_ok().ok);
  tamper(
      "DELETE FROM audit_log WHERE seq > 5; "
      "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "truncated");
  EXPECT_EQ(v.broken_seq, 6);
}

TEST_P(StoreAnchorTest, DeletedAnchorIsMissingAndNotRewritten) {
  apply_three_batches();
  store_.reset();  // writes the pending anchor first
  std::filesystem::remove(anchor_path_);
  reopen_audited();
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "anchor_missing");
  EXPECT_EQ(v.broken_seq, std::nullopt);
  EXPECT_EQ(v.entries, 7);
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 8)})});
  EXPECT_FALSE(std::filesystem::exists(anchor_path_));
  EXPECT_EQ(verify_ok().status, "anchor_missing");
}

// A crash after the commit and before the anchor's write: behind is fine.
TEST_P(StoreAnchorTest, AnchorBehindTheDatabaseVerifies) {
  apply_three_batches();
  const auto all = entries();
  store_.reset();
  ASSERT_TRUE(write_anchor_file(anchor_path_, {3, all[2].hash}, "").ok());
  reopen_audited();
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.anchor_seq, 3);
  // ... and the next commit moves it on.
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 8)})});
  EXPECT_EQ(anchor()->seq, 8);
}

TEST_P(StoreAnchorTest, AnchorNamingAnotherEntryIsMismatch) {
  apply_three_batches();
  store_.reset();
  ASSERT_TRUE(write_anchor_file(anchor_path_, {5, std::string(64, 'a')}, "").ok());
  reopen_audited();
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "anchor_mismatch");
  EXPECT_EQ(v.broken_seq, 5);
}

TEST_P(StoreAnchorTest, VerifyIsIncrementalAndFullFindsOldEdits) {
  apply_three_batches();
  auto v = verify_ok();
  EXPECT_EQ(v.checked, 7);
  EXPECT_TRUE(v.full);
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 8)})});
  v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.checked, 1);
  EXPECT_FALSE(v.full);
  EXPECT_EQ(v.entries, 8);
  tamper("UPDATE audit_log SET detail = '{}' WHERE seq = 2");
  EXPECT_TRUE(verify_ok().ok);  // the documented trade-off
  v = verify_ok(true);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 2);
  EXPECT_TRUE(v.reason.starts_with("content_mismatch: ")) << v.reason;
  // Once a full walk found the break, the next calls report it too.
  EXPECT_EQ(verify_ok().broken_seq, 2);
}

// An edit of the last verified entry itself is seen without a full walk.
TEST_P(StoreAnchorTest, RewrittenVerifiedEntryIsFoundIncrementally) {
  apply_three_batches();
  EXPECT_TRUE(verify_ok().ok);
  tamper("UPDATE audit_log SET hash = '" + std::string(64, 'b') + "' WHERE seq = 7");
  auto v = verify_ok();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 7);
  EXPECT_TRUE(v.full);
}

TEST_P(StoreAnchorTest, ReAnchorRecordsItselfAndMovesTheAnchor) {
  apply_three_batches();
  tamper(
      "DELETE FROM audit_log WHERE seq > 5; "
      "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)");
  reopen_audited();
  EXPECT_EQ(verify_ok().status, "truncated");
  auto chain_only = store_->verify_audit({.full = true, .ignore_anchor = true});
  ASSERT_TRUE(chain_only.ok());
  EXPECT_TRUE(chain_only->ok) << chain_only->reason;
  core::AuditEntry entry = make_audit("audit-anchor", "re_anchor", 9);
  entry.detail = R"({"from":{"seq":7},"to":{"seq":5}})";
  auto seq = store_->re_anchor_audit(entry);
  ASSERT_TRUE(seq.ok()) << seq.error().message;
  EXPECT_EQ(*seq, 6);
  EXPECT_EQ(anchor()->seq, 6);
  auto v = verify_ok();
  EXPECT_TRUE(v.ok) << v.reason;
  auto recorded = store_->timeline("audit-anchor");
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->size(), 1u);
  EXPECT_EQ((*recorded)[0].action, "re_anchor");
  EXPECT_EQ((*recorded)[0].seq, 6);
  // The anchor moves with commits again.
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 10)})});
  EXPECT_EQ(anchor()->seq, 7);
}

// Every write that appends entries moves the anchor, not only apply(): a
// silence, a quarantined update.
TEST_P(StoreAnchorTest, OtherWritesMoveTheAnchorToo) {
  apply_three_batches();
  auto created = store_->create_silence(
      make_silence({"service=\"db\""}, 1'767'225'600'000, 4'102'444'800'000));
  ASSERT_TRUE(created.ok()) << created.error().message;
  const core::Error refused{"store_limit", "too long"};
  ASSERT_TRUE(
      store_->quarantine(quarantine_record(make_update(make_incident(4)), refused, at_ms(9))).ok());
  EXPECT_EQ(anchor()->seq, 9);
  EXPECT_TRUE(verify_ok().ok);
}

// `alertd audit re-anchor` run beside a writer (or a second process): the
// writer's next entries chain after the other's, not over them.
TEST_P(StoreAnchorTest, EntriesOfAnotherWriterAreChainedAfter) {
  apply_three_batches();
  auto other = db_->open_audited(2, AuditSettings{.anchor_file = dir_->file("other.anchor")});
  ASSERT_NE(other, nullptr);
  auto seq = other->re_anchor_audit(make_audit("audit-anchor", "re_anchor", 8));
  ASSERT_TRUE(seq.ok()) << seq.error().message;
  EXPECT_EQ(*seq, 8);
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 9)})});
  other.reset();
  auto v = verify_ok(true);
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 9);
}

TEST_P(StoreAnchorTest, KeyMakesHmacEntriesAfterTheShaOnes) {
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "create", 1)})});
  reopen_audited(kKey);
  apply_three_batches();
  const auto all = entries();
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[0].hash.size(), 64u);
  AuditHasher hasher(kKey);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(is_hmac_hash(all[i].hash)) << all[i].hash;
    EXPECT_EQ(all[i].hash, *hasher.hash(all[i].prev_hash, all[i].seq, all[i]));
  }
  auto v = verify_ok(true);
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 8);
  EXPECT_EQ(anchor()->seq, 8);  // written (closing the store waits for it)
  auto signed_anchor = read_anchor_file(anchor_path_, kKey);
  ASSERT_TRUE(signed_anchor.ok()) << signed_anchor.error().message;
  EXPECT_TRUE((*signed_anchor)->authenticated);
}

TEST_P(StoreAnchorTest, NoKeyOrAnotherKeyCannotPassHmacEntries) {
  reopen_audited(kKey);
  apply_three_batches();
  reopen_audited();
  auto v = verify_ok(true);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "key_required");
  EXPECT_EQ(v.broken_seq, 1);

  reopen_audited("another key, also long enough");
  v = verify_ok(true);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "broken");
  EXPECT_EQ(v.broken_seq, 1);
  EXPECT_NE(v.reason.find("audit.key"), std::string::npos) << v.reason;
  // The anchor's mac fails too: with a sound chain it would be anchor_invalid,
  // and the writer holds the anchor instead of re-signing it with this key.
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "resolve", 8)})});
  EXPECT_EQ(anchor()->seq, 7);
  EXPECT_FALSE(read_anchor_file(anchor_path_, "another key, also long enough").ok());
}

}  // namespace
}  // namespace alertd::sinks::testing
