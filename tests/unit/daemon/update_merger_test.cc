#include "daemon/update_merger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace alertd::daemon {
namespace {

core::Member member(uint64_t fp, uint64_t event_count) {
  core::Member m;
  m.fingerprint = fp;
  m.labels = core::LabelSet{{"fp", std::to_string(fp)}};
  m.event_count = event_count;
  return m;
}

core::AuditEntry audit(std::string action) {
  core::AuditEntry e;
  e.action = std::move(action);
  return e;
}

core::IncidentUpdate update(int64_t seq, std::string title, std::vector<core::Member> members,
                            std::vector<std::string> actions, int64_t mono = 0) {
  core::IncidentUpdate u;
  u.incident.seq = seq;
  u.incident.id = core::incident_id(seq);
  u.incident.title = std::move(title);
  u.members = std::move(members);
  for (auto& a : actions) u.audit.push_back(audit(std::move(a)));
  u.received_mono_ns = mono;
  return u;
}

std::vector<uint64_t> fingerprints(const core::IncidentUpdate& u) {
  std::vector<uint64_t> out;
  for (const auto& m : u.members) out.push_back(m.fingerprint);
  return out;
}

std::vector<std::string> actions(const core::IncidentUpdate& u) {
  std::vector<std::string> out;
  for (const auto& a : u.audit) out.push_back(a.action);
  return out;
}

TEST(UpdateMergerTest, LatestIncidentSnapshotWins) {
  UpdateMerger merger;
  EXPECT_TRUE(merger.empty());
  auto first = update(1, "first", {}, {});
  first.incident.alert_count = 1;
  merger.add(std::move(first));
  EXPECT_FALSE(merger.empty());
  auto second = update(1, "second", {}, {});
  second.incident.status = core::IncidentStatus::resolved;
  second.incident.alert_count = 3;
  merger.add(std::move(second));

  auto out = merger.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.seq, 1);
  EXPECT_EQ(out[0].incident.title, "second");
  EXPECT_EQ(out[0].incident.status, core::IncidentStatus::resolved);
  EXPECT_EQ(out[0].incident.alert_count, 3u);
}

TEST(UpdateMergerTest, MembersMergeByFingerprintInFirstSeenOrder) {
  UpdateMerger merger;
  merger.add(update(1, "a", {member(30, 1), member(10, 1)}, {}));
  merger.add(update(1, "a", {member(20, 1), member(30, 2)}, {}));
  merger.add(update(1, "a", {member(10, 5), member(40, 1), member(30, 3)}, {}));
  auto out = merger.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(fingerprints(out[0]), (std::vector<uint64_t>{30, 10, 20, 40}));
  // The latest snapshot of each member is kept.
  std::vector<uint64_t> counts;
  for (const auto& m : out[0].members) counts.push_back(m.event_count);
  EXPECT_EQ(counts, (std::vector<uint64_t>{3, 5, 1, 1}));
  EXPECT_EQ(out[0].members[0].labels, (core::LabelSet{{"fp", "30"}}));
}

TEST(UpdateMergerTest, AuditAppendsInOrder) {
  UpdateMerger merger;
  merger.add(update(1, "a", {}, {"create", "member_added"}));
  merger.add(update(2, "b", {}, {"create"}));
  merger.add(update(1, "a", {}, {"member_added", "priority_change"}));
  merger.add(update(1, "a", {}, {}));
  merger.add(update(1, "a", {}, {"member_resolved"}));
  auto out = merger.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(actions(out[0]), (std::vector<std::string>{"create", "member_added", "member_added",
                                                       "priority_change", "member_resolved"}));
  EXPECT_EQ(actions(out[1]), (std::vector<std::string>{"create"}));
}

TEST(UpdateMergerTest, KeepAuditFalseDropsAudit) {
  UpdateMerger merger(/*keep_audit=*/false);
  merger.add(update(1, "a", {member(1, 1)}, {"create", "member_added"}));
  merger.add(update(1, "b", {member(2, 1)}, {"member_added"}));
  auto out = merger.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].audit.empty());
  EXPECT_EQ(out[0].incident.title, "b");
  EXPECT_EQ(fingerprints(out[0]), (std::vector<uint64_t>{1, 2}));
}

TEST(UpdateMergerTest, OldestReceiptIsKept) {
  UpdateMerger merger;
  merger.add(update(1, "a", {}, {}, 500));
  merger.add(update(1, "a", {}, {}, 300));
  merger.add(update(1, "a", {}, {}, 0));  // unknown: does not count as oldest
  merger.add(update(1, "a", {}, {}, 900));
  // An incident first seen without a receipt time takes the first known one.
  merger.add(update(2, "b", {}, {}, 0));
  merger.add(update(2, "b", {}, {}, 700));
  merger.add(update(2, "b", {}, {}, 800));
  auto out = merger.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].received_mono_ns, 300);
  EXPECT_EQ(out[1].received_mono_ns, 700);
}

TEST(UpdateMergerTest, IncidentsKeepFirstAppearanceOrder) {
  UpdateMerger merger;
  merger.add(update(5, "e", {}, {}));
  merger.add(update(2, "b", {}, {}));
  merger.add(update(9, "i", {}, {}));
  merger.add(update(5, "e2", {}, {}));
  merger.add(update(2, "b2", {}, {}));
  auto out = merger.take();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].incident.seq, 5);
  EXPECT_EQ(out[0].incident.title, "e2");
  EXPECT_EQ(out[1].incident.seq, 2);
  EXPECT_EQ(out[1].incident.title, "b2");
  EXPECT_EQ(out[2].incident.seq, 9);
}

TEST(UpdateMergerTest, TakeClears) {
  UpdateMerger merger;
  merger.add(update(1, "a", {member(1, 1), member(2, 1)}, {"create"}, 100));
  auto first = merger.take();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(merger.empty());
  EXPECT_TRUE(merger.take().empty());

  // The same incident after take() starts afresh: no old members, audit or receipt.
  merger.add(update(1, "a", {member(2, 9), member(3, 1)}, {"member_added"}, 400));
  auto second = merger.take();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(fingerprints(second[0]), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(second[0].members[0].event_count, 9u);
  EXPECT_EQ(actions(second[0]), (std::vector<std::string>{"member_added"}));
  EXPECT_EQ(second[0].received_mono_ns, 400);
}

}  // namespace
}  // namespace alertd::daemon
