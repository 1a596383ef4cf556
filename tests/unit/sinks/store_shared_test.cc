// Scale-out (issue 16): several alertd instances on one store. A shared
// store (PostgreSQL) numbers incidents for all of them from reserved blocks
// and lets one incident hold each group within its window: a second
// instance opening the same group is joined into the first's incident. A
// store only one instance writes (SQLite, the fake) says it is not shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

constexpr auto kWindow = std::chrono::minutes(5);
const std::string kGroup = "{service=\"checkout\"}";

// An update opening incident `seq` for group `key` with one member, as the
// correlator's open_incident() emits it.
core::IncidentUpdate opening(int64_t seq, const std::string& alertname,
                             const std::string& key = kGroup, int64_t at = 1'767'225'600'000) {
  core::Incident inc = make_incident(seq);
  inc.group_key = key;
  inc.opened_at = inc.updated_at = inc.last_alert_at = at_ms(at);
  inc.alert_count = inc.firing_count = 1;
  auto update = make_update(inc, {make_member(alertname, at)}, {make_audit(inc.id, "create", at)});
  update.group_window = kWindow;
  return update;
}

#define ALERTD_NEEDS_SHARED_STORE()                                        \
  if (!store_->shared()) {                                                 \
    GTEST_SKIP() << GetParam().name << " is written by one instance only"; \
  }

TEST_P(StoreSharedTest, AStoreOfOneInstanceReservesNothingAndJoinsNothing) {
  if (store_->shared()) GTEST_SKIP() << GetParam().name << " is shared";
  auto reserved = store_->reserve_incident_seqs(16);
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.error().reason, "store_unsupported");
  apply_ok({opening(1, "a")});
  apply_ok({opening(2, "b")});  // the same group: this store does not claim groups
  EXPECT_TRUE(store_->take_group_joins().empty());
  EXPECT_EQ(get_ok("INC-2").members.size(), 1u);
}

TEST_P(StoreSharedTest, InstancesReserveDisjointBlocksAboveEveryStoredSeq) {
  ALERTD_NEEDS_SHARED_STORE();
  apply_ok({make_update(make_incident(40))});  // numbered before blocks existed
  auto other = db_->open(2);
  ASSERT_NE(other, nullptr);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    Store& store = i % 2 == 0 ? *store_ : *other;
    auto first = store.reserve_incident_seqs(8);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_GT(*first, 40);
    for (int64_t seq = *first; seq < *first + 8; ++seq) {
      EXPECT_TRUE(seen.insert(seq).second) << "seq " << seq << " handed out twice";
    }
  }
  apply_ok({make_update(make_incident(5000))});  // written by an instance of an older version
  auto after = other->reserve_incident_seqs(1);
  ASSERT_TRUE(after.ok());
  EXPECT_GT(*after, 5000);
  EXPECT_FALSE(store_->reserve_incident_seqs(0).ok());
}

TEST_P(StoreSharedTest, SecondOpenerOfAGroupIsJoinedIntoTheFirst) {
  ALERTD_NEEDS_SHARED_STORE();
  auto other = db_->open(2);
  ASSERT_NE(other, nullptr);
  apply_ok({opening(10, "first")});
  // The other instance opens the same group a minute later, inside the window.
  testing::apply_ok(*other, {opening(20, "second", kGroup, 1'767'225'660'000)});
  auto joins = other->take_group_joins();
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[0].opened_seq, 20);
  EXPECT_EQ(joins[0].joined_id, "INC-10");
  EXPECT_TRUE(other->take_group_joins().empty());
  EXPECT_TRUE(store_->take_group_joins().empty());

  auto got = store_->get("INC-20");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value()) << "the joined incident is never stored";
  auto holder = get_ok("INC-10");
  EXPECT_EQ(holder.members.size(), 2u);
  EXPECT_EQ(holder.incident.alert_count, 2u);
  EXPECT_EQ(holder.incident.firing_count, 2u);
  EXPECT_EQ(holder.incident.last_alert_at, at_ms(1'767'225'660'000));
  auto timeline = store_->timeline("INC-10");
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_EQ((*timeline)[1].action, "group_joined");
  EXPECT_NE((*timeline)[1].detail.find("\"joined_seq\":20"), std::string::npos);

  // Later updates of the joined incident go to the holder too.
  auto later = make_update(make_incident(20), {make_member("third", 1'767'225'670'000)},
                           {make_audit("INC-20", "member_added", 1'767'225'670'000)});
  testing::apply_ok(*other, {later});
  EXPECT_EQ(get_ok("INC-10").incident.alert_count, 3u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE incident_id = 'INC-20'"), 0);
  auto verified = store_->verify_audit();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->status;
}

TEST_P(StoreSharedTest, AHolderResolvedOrPastItsWindowLetsTheGroupGo) {
  ALERTD_NEEDS_SHARED_STORE();
  auto resolved = opening(1, "a");
  apply_ok({resolved});
  resolved.incident.status = core::IncidentStatus::resolved;
  resolved.group_window = {};
  apply_ok({make_update(resolved.incident)});
  apply_ok({opening(2, "b", kGroup, 1'767'225'610'000)});
  // Ten minutes after incident 2's last alert: its 5-minute window is over.
  apply_ok({opening(3, "c", kGroup, 1'767'226'210'000)});
  EXPECT_TRUE(store_->take_group_joins().empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 3);
  // Incident 3 holds the group now: a fourth opener inside its window joins it.
  apply_ok({opening(4, "d", kGroup, 1'767'226'220'000)});
  auto joins = store_->take_group_joins();
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[0].joined_id, "INC-3");
}

TEST_P(StoreSharedTest, ARetriedOpeningKeepsItsOwnClaim) {
  ALERTD_NEEDS_SHARED_STORE();
  const auto open = opening(7, "a");
  apply_ok({open});
  apply_ok({open});  // a COMMIT whose answer was lost, retried
  EXPECT_TRUE(store_->take_group_joins().empty());
  EXPECT_EQ(get_ok("INC-7").members.size(), 1u);
}

TEST_P(StoreSharedTest, InstancesOpeningTheSameGroupsAtOnceOpenEachOnce) {
  ALERTD_NEEDS_SHARED_STORE();
  constexpr int kGroups = 40;
  auto other = db_->open(2);
  ASSERT_NE(other, nullptr);
  std::vector<GroupJoin> joins[2];
  std::string errors[2];
  auto run = [&](Store& store, int instance) {
    for (int g = 0; g < kGroups; ++g) {
      auto first = store.reserve_incident_seqs(1);
      if (!first.ok()) return void(errors[instance] = first.error().message);
      const std::string key = "{service=\"s" + std::to_string(g) + "\"}";
      const std::vector<core::IncidentUpdate> batch{
          opening(*first, "i" + std::to_string(instance), key)};
      auto st = store.apply(batch);
      if (!st.ok()) return void(errors[instance] = st.error().message);
    }
    joins[instance] = store.take_group_joins();
  };
  std::thread a(run, std::ref(*store_), 0), b(run, std::ref(*other), 1);
  a.join();
  b.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  EXPECT_EQ(joins[0].size() + joins[1].size(), static_cast<size_t>(kGroups));
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), kGroups);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT group_key) FROM incidents"), kGroups);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members"), 2 * kGroups);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents WHERE alert_count <> 2"), 0);
}

}  // namespace
}  // namespace alertd::sinks::testing
