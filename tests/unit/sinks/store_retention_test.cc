// Retention on every backend (see store_conformance.h): purge_closed deletes
// only closed incidents closed before the cutoff, oldest first and at most
// `limit`, hands them to the archiver first (whose failure deletes nothing),
// audits each deletion, keeps the audit trail and problem links, and never
// lets an id be handed out again.
#include <gtest/gtest.h>

#include "correlator/problems/recurrence.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {

namespace {
constexpr int64_t kBase = 1'767'225'600'000;
}  // namespace

void StoreRetentionTest::closed_incident(int64_t seq, int64_t closed_ms) {
  core::Incident inc = make_incident(seq);
  inc.status = core::IncidentStatus::closed;
  inc.resolved_at = at_ms(closed_ms - 1000);
  inc.closed_at = at_ms(closed_ms);
  inc.alert_count = 1;
  apply_ok({make_update(inc, {make_member("A" + std::to_string(seq), closed_ms - 5000)},
                        {make_audit(inc.id, "close", closed_ms)})});
}

size_t StoreRetentionTest::purge(int64_t before_ms, size_t limit, const Archiver& archive) {
  auto n = store_->purge_closed(at_ms(before_ms), limit, at_ms(kBase + 1'000'000), archive);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? *n : 0;
}

namespace {

bool exists(Store& store, const std::string& id) {
  auto got = store.get(id);
  EXPECT_TRUE(got.ok());
  return got.ok() && got->has_value();
}

TEST_P(StoreRetentionTest, DeletesOnlyClosedIncidentsClosedBeforeTheCutoffOldestFirst) {
  closed_incident(1, kBase + 300);
  closed_incident(2, kBase + 100);
  closed_incident(3, kBase + 200);
  closed_incident(4, kBase + 900);  // closed after the cutoff
  core::Incident resolved = make_incident(5);
  resolved.status = core::IncidentStatus::resolved;
  resolved.resolved_at = at_ms(kBase);
  apply_ok({make_update(resolved)});
  apply_ok({make_update(make_incident(6))});

  EXPECT_EQ(purge(kBase + 500, 2), 2u);  // INC-2 and INC-3: the oldest closed
  EXPECT_FALSE(exists(*store_, "INC-2"));
  EXPECT_FALSE(exists(*store_, "INC-3"));
  EXPECT_TRUE(exists(*store_, "INC-1"));
  EXPECT_EQ(purge(kBase + 500, 2), 1u);  // INC-1
  EXPECT_EQ(purge(kBase + 500, 2), 0u);
  EXPECT_FALSE(exists(*store_, "INC-1"));
  for (const char* kept : {"INC-4", "INC-5", "INC-6"}) EXPECT_TRUE(exists(*store_, kept)) << kept;
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members"), 1);  // INC-4's

  // The trail stays: each purged incident's close and its purge entry.
  auto t = store_->timeline("INC-2");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[1].action, "purge");
  EXPECT_EQ((*t)[1].actor, "alertd");
  EXPECT_NE((*t)[1].detail.find("\"archived\":false"), std::string::npos);
  auto v = store_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 4 + 3);
  auto check = db_->check_integrity();
  EXPECT_TRUE(check.ok()) << check.error().message;
}

TEST_P(StoreRetentionTest, TheArchiverSeesIncidentsWithMembersBeforeTheyGo) {
  closed_incident(1, kBase + 100);
  closed_incident(2, kBase + 200);
  std::vector<IncidentDetail> archived;
  auto archive = [&](std::span<const IncidentDetail> batch) {
    archived.insert(archived.end(), batch.begin(), batch.end());
    return core::Status();
  };
  EXPECT_EQ(purge(kBase + 500, 10, archive), 2u);
  ASSERT_EQ(archived.size(), 2u);
  EXPECT_EQ(archived[0].incident.id, "INC-1");
  EXPECT_EQ(archived[0].incident.status, core::IncidentStatus::closed);
  EXPECT_EQ(ns(archived[0].incident.closed_at), ns(at_ms(kBase + 100)));
  ASSERT_EQ(archived[0].members.size(), 1u);
  expect_same_member(archived[0].members[0], make_member("A1", kBase + 100 - 5000));
  EXPECT_EQ(archived[1].incident.id, "INC-2");
  auto t = store_->timeline("INC-1");
  ASSERT_TRUE(t.ok());
  EXPECT_NE(t->back().detail.find("\"archived\":true"), std::string::npos);
}

TEST_P(StoreRetentionTest, AFailedArchiveDeletesNothing) {
  closed_incident(1, kBase + 100);
  const auto entries = count("SELECT COUNT(*) FROM audit_log");
  auto n = store_->purge_closed(at_ms(kBase + 500), 10, at_ms(kBase + 1000),
                                [](std::span<const IncidentDetail>) {
                                  return core::Status(core::Error{"archive_failed", "disk full"});
                                });
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().reason, "archive_failed");
  EXPECT_TRUE(exists(*store_, "INC-1"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), entries);
  // The chain's head was not moved by the rolled-back entries.
  apply_ok({make_update(make_incident(2), {}, {make_audit("INC-2", "create", kBase)})});
  auto v = store_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
}

TEST_P(StoreRetentionTest, IdsAreNeverHandedOutAgain) {
  apply_ok({make_update(make_incident(1))});
  closed_incident(7, kBase + 100);  // the highest seq
  EXPECT_EQ(purge(kBase + 500, 10), 1u);
  reopen();
  auto state = store_->load_active();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->max_seq, 7);
  closed_incident(3, kBase + 100);  // a lower seq purged later keeps the floor
  EXPECT_EQ(purge(kBase + 500, 10), 1u);
  state = store_->load_active();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->max_seq, 7);
}

TEST_P(StoreRetentionTest, AProblemKeepsTheLinksOfPurgedIncidents) {
  const std::string key = "{service=\"db\"}";
  std::vector<core::OpenedIncident> opened;
  for (int64_t seq = 1; seq <= 3; ++seq) {
    core::Incident inc = make_incident(seq);
    inc.group_key = key;
    apply_ok({make_update(inc)});
    opened.push_back(
        core::OpenedIncident{inc.seq, inc.id, inc.tenant, key, inc.title, inc.opened_at});
  }
  auto links =
      store_->link_recurring(opened, core::ProblemPolicy{},
                             correlator::recurrence_check(core::ProblemPolicy{}, at_ms(kBase)));
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 1u);
  core::Incident first = make_incident(1);
  first.group_key = key;
  first.status = core::IncidentStatus::closed;
  first.closed_at = at_ms(kBase);
  apply_ok({make_update(first)});
  EXPECT_EQ(purge(kBase + 1, 10), 1u);

  auto d = store_->get_problem((*links)[0].problem_id);
  ASSERT_TRUE(d.ok() && d->has_value());
  const auto& incidents = (*d)->incidents;
  ASSERT_EQ(incidents.size(), 3u);
  EXPECT_EQ(incidents[0].id, "INC-1");
  EXPECT_FALSE(incidents[0].incident.has_value());  // purged
  EXPECT_TRUE(incidents[1].incident.has_value());
  EXPECT_EQ((*d)->problem.incident_count, 3u);
}

}  // namespace
}  // namespace alertd::sinks::testing
