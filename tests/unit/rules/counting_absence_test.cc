// Absence (heartbeat) rules in CountingStage.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/rules/counting_test_util.h"

namespace alertd::rules {
namespace {

using namespace std::chrono_literals;
using core::AlertChange;
using core::AlertStatus;
using testing::alert;
using ::testing::IsEmpty;
using testing::kT0;
using testing::rule;

RuleSpec watchdog(core::Duration d = 5min) {
  auto r = rule("watchdog", {"alertname=\"Watchdog\""});
  r.absent_for = d;
  r.set = {{"severity", "critical"}};
  return r;
}

core::Alert beat(int seq, AlertStatus status = AlertStatus::firing) {
  return alert({{"alertname", "Watchdog"}, {"prometheus", "p1"}}, seq, status);
}

const core::LabelSet kSyntheticLabels{
    {"alertd_absent", "true"}, {"alertname", "watchdog"}, {"severity", "critical"}};

class AbsenceTest : public testing::CountingFixture {};

TEST_F(AbsenceTest, ArmedAtStartFiresOnlyAfterTheWholeDuration) {
  use_rules({watchdog()});
  EXPECT_EQ(stage_->groups(), 1u);
  clock_.set(kT0 + 5min);
  tick();
  EXPECT_THAT(take_events(), IsEmpty()) << "absent for exactly D is not yet absent";
  clock_.set(kT0 + 5min + 1ns);
  tick();
  auto events = take_events();
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0];
  EXPECT_EQ(e.change, AlertChange::firing);
  EXPECT_EQ(e.at, kT0 + 5min);
  EXPECT_EQ(e.alert.labels, kSyntheticLabels);
  EXPECT_EQ(e.alert.fingerprint, core::fingerprint(kSyntheticLabels));
  EXPECT_EQ(e.alert.annotations.get("summary"),
            "no alert matching {alertname=\"Watchdog\"} for 5m");
  EXPECT_EQ(e.alert.source, "alertd");
  EXPECT_EQ(e.alert.tenant, "default");
  EXPECT_EQ(e.alert.rule, "watchdog");
  EXPECT_EQ(e.alert.status, AlertStatus::firing);
  EXPECT_EQ(e.alert.starts_at, kT0 + 5min);
  EXPECT_EQ(e.alert.received_at, kT0 + 5min);
  EXPECT_EQ(stage_->absent_fired_total(), 1u);
  clock_.advance(1h);
  tick();
  EXPECT_THAT(take_events(), IsEmpty()) << "fires once, not again each tick";
}

TEST_F(AbsenceTest, HeartbeatsAreSwallowedAndReArmTheTimer) {
  use_rules({watchdog()});
  clock_.set(kT0 + 5min);  // exactly at the edge: in time
  EXPECT_THAT(send(beat(1)), IsEmpty());
  clock_.set(kT0 + 5min + 1ns);
  tick();
  EXPECT_THAT(take_events(), IsEmpty());
  clock_.set(kT0 + 10min);
  tick();
  EXPECT_THAT(take_events(), IsEmpty());
  clock_.set(kT0 + 10min + 1ns);
  tick();
  auto events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at, kT0 + 10min);
  EXPECT_EQ(stage_->heartbeats_total(), 1u);
}

TEST_F(AbsenceTest, NextArrivalResolvesTheSyntheticAlert) {
  use_rules({watchdog()});
  clock_.set(kT0 + 6min);
  tick();
  auto fired = take_events();
  ASSERT_EQ(fired.size(), 1u);
  clock_.set(kT0 + 8min);
  EXPECT_THAT(send(beat(1, AlertStatus::resolved)), IsEmpty()) << "a resolved beat counts too";
  auto events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].change, AlertChange::resolved);
  EXPECT_EQ(events[0].at, kT0 + 8min);
  EXPECT_EQ(events[0].alert.status, AlertStatus::resolved);
  EXPECT_EQ(events[0].alert.ends_at, kT0 + 8min);
  EXPECT_EQ(events[0].alert.fingerprint, fired[0].alert.fingerprint);
  EXPECT_EQ(events[0].alert.labels, kSyntheticLabels);
  // Re-armed from the resolving arrival.
  clock_.set(kT0 + 13min + 1ns);
  tick();
  events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at, kT0 + 13min);
}

TEST_F(AbsenceTest, OverdueTimerFiresAtItsOwnTimeEvenWithoutATick) {
  use_rules({watchdog()});
  clock_.set(kT0 + 7min);
  EXPECT_THAT(send(beat(1)), IsEmpty());
  auto events = take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].change, AlertChange::firing);
  EXPECT_EQ(events[0].at, kT0 + 5min);
  EXPECT_EQ(events[1].change, AlertChange::resolved);
  EXPECT_EQ(events[1].at, kT0 + 7min);
}

TEST_F(AbsenceTest, GroupedHeartbeatsFirePerGroupWithTheGroupLabels) {
  auto r = watchdog(1min);
  r.group_by = {"cluster"};
  use_rules({r});
  EXPECT_EQ(stage_->groups(), 0u) << "grouped rules arm at the first arrival";
  auto beat_from = [](std::string cluster, std::string tenant) {
    return alert({{"alertname", "Watchdog"}, {"cluster", std::move(cluster)}}, 0,
                 AlertStatus::firing, std::move(tenant));
  };
  send(beat_from("a", "default"));
  send(beat_from("b", "acme"));
  clock_.advance(1min);
  send(beat_from("a", "default"));
  clock_.advance(1s);
  tick();
  auto events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.labels.get("cluster"), "b");
  EXPECT_EQ(events[0].alert.tenant, "acme");
  EXPECT_EQ(events[0].at, kT0 + 1min);
  EXPECT_EQ(events[0].alert.route_key, route_key("watchdog", "acme", {{"cluster", "b"}}));
}

TEST(AbsenceSharding, OnlyTheOwningShardArmsAnUngroupedRule) {
  auto rules = testing::compile({watchdog()});
  size_t armed = 0;
  std::vector<core::AlertEvent> events;
  uint64_t key = route_key("watchdog", "default", {});
  for (size_t shard = 0; shard < 4; ++shard) {
    CountingStage stage(shard, 4);
    stage.set_rules(rules, kT0, events);
    armed += stage.groups();
    if (stage.groups() == 1) {
      EXPECT_EQ(key % 4, shard);
    }
  }
  EXPECT_EQ(armed, 1u);
}

TEST_F(AbsenceTest, ReloadKeepsUnchangedTimersAndResolvesDroppedOnes) {
  use_rules({watchdog()});
  clock_.set(kT0 + 2min);
  auto same = watchdog();
  same.origin = "moved.yaml:7";
  same.description = "now documented";
  reload({same});
  clock_.set(kT0 + 5min + 1ns);
  tick();
  auto events = take_events();
  ASSERT_EQ(events.size(), 1u) << "the timer armed at start-up kept running";
  EXPECT_EQ(events[0].at, kT0 + 5min);

  clock_.set(kT0 + 6min);
  reload({watchdog(10min)});  // changed: the firing alert is resolved, the timer re-armed
  events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].change, AlertChange::resolved);
  EXPECT_EQ(events[0].at, kT0 + 6min);
  clock_.set(kT0 + 16min + 1ns);
  tick();
  events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at, kT0 + 16min);
  EXPECT_EQ(events[0].alert.annotations.get("summary"),
            "no alert matching {alertname=\"Watchdog\"} for 10m");

  reload({});  // removed
  events = take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].change, AlertChange::resolved);
  EXPECT_EQ(stage_->groups(), 0u);
}

TEST_F(AbsenceTest, TimersFireInTimeOrderWithinOneTick) {
  auto r = watchdog(1min);
  r.group_by = {"cluster"};
  use_rules({r});
  auto beat_from = [](std::string cluster) {
    return alert({{"alertname", "Watchdog"}, {"cluster", std::move(cluster)}});
  };
  send(beat_from("early-renewed"));
  send(beat_from("late"));
  clock_.advance(10s);
  send(beat_from("late"));  // late's queued item is now stale: due at +70s
  clock_.advance(5s);
  send(beat_from("mid"));  // due at +75s
  clock_.advance(40s);
  send(beat_from("early-renewed"));  // due at +115s
  clock_.set(kT0 + 10min);
  tick();
  auto events = take_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].alert.labels.get("cluster"), "late");
  EXPECT_EQ(events[1].alert.labels.get("cluster"), "mid");
  EXPECT_EQ(events[2].alert.labels.get("cluster"), "early-renewed");
  EXPECT_LT(events[0].at, events[1].at);
  EXPECT_LT(events[1].at, events[2].at);
}

TEST_F(AbsenceTest, FullGroupTablePassesHeartbeatsOn) {
  auto r = watchdog(1min);
  r.group_by = {"cluster"};
  use_rules({r}, CountingLimits{1, 10});
  send(alert({{"alertname", "Watchdog"}, {"cluster", "a"}}, 1));
  EXPECT_THAT(send(alert({{"alertname", "Watchdog"}, {"cluster", "b"}}, 2)),
              ::testing::ElementsAre("2"));
  EXPECT_EQ(stage_->groups_refused_total(), 1u);
}

}  // namespace
}  // namespace alertd::rules
