// Threshold and distinct counting, limits and pass-through of CountingStage.
// Absence/heartbeat tests are in counting_absence_test.cc.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/rules/counting_test_util.h"

namespace alertd::rules {
namespace {

using namespace std::chrono_literals;
using core::AlertStatus;
using testing::alert;
using testing::distinct_rule;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::rule;
using testing::threshold_rule;

core::Alert err(std::string host, int seq, std::string id = "") {
  core::LabelSet labels{{"alertname", "Err"}, {"host", std::move(host)}};
  if (!id.empty()) labels.set("id", id);
  return alert(std::move(labels), seq);
}

core::Alert disk(std::string instance, int seq) {
  core::LabelSet labels{{"alertname", "DiskLatencyHigh"}};
  if (!instance.empty()) labels.set("instance", instance);
  return alert(std::move(labels), seq);
}

class ThresholdTest : public testing::CountingFixture {};

TEST_F(ThresholdTest, ExactlyNWithinTheWindowOpensAndReleasesHeldInOrder) {
  use_rules({threshold_rule(3, 5min)});
  EXPECT_THAT(send(err("h1", 1, "a")), IsEmpty());
  clock_.advance(1min);
  EXPECT_THAT(send(err("h1", 2, "b")), IsEmpty());
  clock_.set(testing::kT0 + 5min);  // the first arrival is exactly W old: still in
  EXPECT_THAT(send(err("h1", 3, "c")), ElementsAre("1", "2", "3"));
  EXPECT_EQ(stage_->held_total(), 2u);
  EXPECT_EQ(stage_->released_total(), 2u);
  // Open: everything passes straight on.
  clock_.advance(1s);
  EXPECT_THAT(send(err("h1", 4, "a")), ElementsAre("4"));
  EXPECT_EQ(passed_[0].rule, "errors");
  EXPECT_NE(passed_[0].route_key, 0u);
}

TEST_F(ThresholdTest, NMinusOneStaysHeld) {
  use_rules({threshold_rule(3, 5min)});
  EXPECT_THAT(send(err("h1", 1, "a")), IsEmpty());
  clock_.advance(4min);
  EXPECT_THAT(send(err("h1", 2, "b")), IsEmpty());
  EXPECT_THAT(send(err("h2", 3, "c")), IsEmpty()) << "another host is another group";
  EXPECT_EQ(stage_->groups(), 2u);
  EXPECT_EQ(stage_->held_total(), 3u);
  EXPECT_TRUE(passed_.empty());
}

TEST_F(ThresholdTest, ArrivalJustOutsideTheWindowDoesNotCount) {
  use_rules({threshold_rule(3, 5min)});
  send(err("h1", 1, "a"));
  clock_.advance(1min);
  send(err("h1", 2, "b"));
  clock_.set(testing::kT0 + 5min + 1ns);  // the first arrival left the window
  EXPECT_THAT(send(err("h1", 3, "c")), IsEmpty());
  clock_.advance(1ns);
  // Three in the window again (2, 3, 4); the first is not released.
  EXPECT_THAT(send(err("h1", 4, "d")), ElementsAre("2", "3", "4"));
}

TEST_F(ThresholdTest, ResendsCountButOnlyTheLatestCopyIsHeld) {
  use_rules({threshold_rule(3, 5min)});
  send(err("h1", 1));
  clock_.advance(1min);
  send(err("h1", 2));
  clock_.advance(1min);
  // The tripping alert supersedes the held copy of its own fingerprint (it
  // takes over its evidence: counting_evidence_test.cc).
  EXPECT_THAT(send(err("h1", 3)), ElementsAre("3"));
  EXPECT_EQ(stage_->released_total(), 1u);
}

TEST_F(ThresholdTest, OpenGroupClosesAfterAQuietWindow) {
  use_rules({threshold_rule(2, 5min)});
  send(err("h1", 1, "a"));
  EXPECT_THAT(send(err("h1", 2, "b")), ElementsAre("1", "2"));
  clock_.advance(5min);  // exactly W since the last arrival: still open
  EXPECT_THAT(send(err("h1", 3, "a")), ElementsAre("3"));
  clock_.advance(5min + 1ns);  // quiet for longer than W: closed, counting starts over
  EXPECT_THAT(send(err("h1", 4, "a")), IsEmpty());
  EXPECT_THAT(send(err("h1", 5, "b")), ElementsAre("4", "5"));
}

TEST_F(ThresholdTest, ResolvedOfAClosedGroupIsDiscardedWithItsHeldCopy) {
  use_rules({threshold_rule(3, 5min)});
  send(err("h1", 1, "x"));
  send(err("h1", 2, "y"));
  auto resolved = err("h1", 3, "x");
  resolved.status = AlertStatus::resolved;
  EXPECT_THAT(send(resolved), IsEmpty());
  EXPECT_EQ(stage_->discarded_total(), 1u);
  // x's firing arrival still counts; its held copy is gone.
  EXPECT_THAT(send(err("h1", 4, "z")), ElementsAre("2", "4"));
  auto resolved_open = err("h1", 5, "y");
  resolved_open.status = AlertStatus::resolved;
  EXPECT_THAT(send(resolved_open), ElementsAre("5")) << "an open group passes resolves";
}

TEST_F(ThresholdTest, ResolvedWithoutAGroupCreatesNone) {
  use_rules({threshold_rule(3, 5min)});
  auto resolved = err("h1", 1, "x");
  resolved.status = AlertStatus::resolved;
  EXPECT_THAT(send(resolved), IsEmpty());
  EXPECT_EQ(stage_->groups(), 0u);
  EXPECT_EQ(stage_->discarded_total(), 1u);
}

TEST_F(ThresholdTest, TickEvictsGroupsIdleForLongerThanTheWindow) {
  use_rules({threshold_rule(2, 5min)});
  send(err("h1", 1, "a"));
  clock_.advance(1min);
  send(err("h2", 2, "a"));
  clock_.set(testing::kT0 + 5min);
  tick();
  EXPECT_EQ(stage_->groups(), 2u);
  clock_.set(testing::kT0 + 5min + 1ns);
  tick();
  EXPECT_EQ(stage_->groups(), 1u);
  EXPECT_EQ(stage_->groups_evicted_total(), 1u);
  clock_.set(testing::kT0 + 6min + 1ns);
  tick();
  EXPECT_EQ(stage_->groups(), 0u);
  EXPECT_TRUE(take_events().empty());
  // Nothing of the evicted state is left: one more arrival does not open.
  EXPECT_THAT(send(err("h1", 3, "b")), IsEmpty());
}

TEST_F(ThresholdTest, TickWorkFollowsDueGroupsNotAllGroups) {
  use_rules({threshold_rule(2, 5min)});
  for (int i = 0; i < 2000; ++i) send(err("h" + std::to_string(i), i));
  clock_.advance(1min);
  send(err("late", 1));
  clock_.advance(5min);
  tick();
  EXPECT_EQ(stage_->groups(), 1u);
  EXPECT_EQ(stage_->last_tick_examined(), 2000u);
  clock_.advance(1min);
  tick();
  EXPECT_EQ(stage_->last_tick_examined(), 1u);
  EXPECT_EQ(stage_->groups(), 0u);
}

TEST_F(ThresholdTest, FullGroupTableFailsOpen) {
  use_rules({threshold_rule(3, 5min)}, CountingLimits{2, 1000});
  send(err("h1", 1));
  send(err("h2", 2));
  EXPECT_THAT(send(err("h3", 3)), ElementsAre("3"));
  EXPECT_EQ(stage_->groups_refused_total(), 1u);
  EXPECT_EQ(stage_->groups(), 2u);
}

TEST_F(ThresholdTest, HeldAlertsAreBounded) {
  use_rules({threshold_rule(6, 5min)}, CountingLimits{100, 3});
  for (int i = 1; i <= 5; ++i) send(err("h1", i, std::to_string(i)));
  EXPECT_EQ(stage_->held_overflow_total(), 2u);
  EXPECT_THAT(send(err("h1", 6, "6")), ElementsAre("3", "4", "5", "6"));
}

TEST_F(ThresholdTest, AlertsWithoutACountingRulePassUnchanged) {
  auto enrich = rule("enrich", {"alertname=\"Other\""});
  enrich.set = {{"team", "x"}};
  use_rules({threshold_rule(3, 5min), enrich});
  EXPECT_THAT(send(alert({{"alertname", "Other"}}, 7)), ElementsAre("7"));
  EXPECT_THAT(send(alert({{"alertname", "Nothing"}}, 8)), ElementsAre("8"));
  // A rule name the current rules do not know (applied before a reload).
  std::vector<core::Alert> pass;
  auto stale = err("h1", 9);
  stale.rule = "gone";
  stage_->process(std::move(stale), clock_.now(), pass, events_);
  ASSERT_EQ(pass.size(), 1u);
  EXPECT_EQ(stage_->groups(), 0u);
}

TEST_F(ThresholdTest, ReloadKeepsUnchangedGroupsAndDropsChangedOnes) {
  use_rules({threshold_rule(3, 5min)});
  send(err("h1", 1, "a"));
  send(err("h1", 2, "b"));
  auto moved = threshold_rule(3, 5min);
  moved.origin = "elsewhere.yaml:40";  // same meaning, other place
  reload({rule("first", {"x=\"y\""}), moved});
  EXPECT_EQ(stage_->groups(), 1u);
  EXPECT_THAT(send(err("h1", 3, "c")), ElementsAre("1", "2", "3"));
  send(err("h2", 4, "a"));
  reload({threshold_rule(4, 5min)});  // changed: counting starts over
  EXPECT_EQ(stage_->groups(), 0u);
  EXPECT_THAT(send(err("h1", 5, "d")), IsEmpty());
  EXPECT_TRUE(take_events().empty());
}

class DistinctTest : public testing::CountingFixture {};

TEST_F(DistinctTest, ExactlyNValuesWithinTheWindowOpen) {
  use_rules({distinct_rule(3, 5min)});
  send(disk("i1", 1));
  clock_.advance(2min);
  send(disk("i2", 2));
  clock_.set(testing::kT0 + 5min);
  EXPECT_THAT(send(disk("i3", 3)), ElementsAre("1", "2", "3"));
}

TEST_F(DistinctTest, NMinusOneValuesStayHeldWithOneAlertPerValue) {
  use_rules({distinct_rule(3, 5min)});
  send(disk("i1", 1));
  send(disk("i2", 2));
  clock_.advance(1min);
  EXPECT_THAT(send(disk("i1", 3)), IsEmpty()) << "a repeated value is not a new one";
  EXPECT_EQ(stage_->held_total(), 3u);
  clock_.advance(1min);
  EXPECT_THAT(send(disk("i3", 4)), ElementsAre("2", "3", "4"));
}

TEST_F(DistinctTest, ValueJustOutsideTheWindowDoesNotCount) {
  use_rules({distinct_rule(3, 5min)});
  send(disk("i1", 1));
  clock_.advance(1min);
  send(disk("i2", 2));
  clock_.set(testing::kT0 + 5min + 1ns);
  EXPECT_THAT(send(disk("i3", 3)), IsEmpty());
  // i1 again, within the window of i2 and i3: three values.
  EXPECT_THAT(send(disk("i1", 4)), ElementsAre("2", "3", "4"));
}

TEST_F(DistinctTest, AlertsWithoutTheLabelAreHeldButNotCounted) {
  use_rules({distinct_rule(2, 5min)});
  EXPECT_THAT(send(disk("", 1)), IsEmpty());
  EXPECT_THAT(send(disk("i1", 2)), IsEmpty());
  auto other = alert({{"alertname", "DiskLatencyHigh"}, {"disk", "sdb"}}, 3);
  EXPECT_THAT(send(other), IsEmpty());
  EXPECT_THAT(send(disk("i2", 4)), ElementsAre("1", "2", "3", "4"));
}

TEST_F(DistinctTest, OpenGroupClosesAfterAQuietWindow) {
  use_rules({distinct_rule(2, 5min)});
  send(disk("i1", 1));
  EXPECT_THAT(send(disk("i2", 2)), ElementsAre("1", "2"));
  clock_.advance(5min);
  EXPECT_THAT(send(disk("i2", 3)), ElementsAre("3"));
  clock_.advance(5min + 1ns);
  EXPECT_THAT(send(disk("i1", 4)), IsEmpty());
}

TEST(CountingDeterminism, SameInputsGiveSameOutputs) {
  auto run = [] {
    auto t = threshold_rule(3, 2min);
    auto d = distinct_rule(2, 1min);
    auto h = rule("hb", {"alertname=\"HB\""});
    h.absent_for = 30s;
    h.group_by = {"host"};
    auto rules = testing::compile({t, d, h});
    CountingStage stage(0, 1);
    std::vector<core::AlertEvent> events;
    std::vector<core::Alert> pass;
    std::vector<std::string> trace;
    auto now = testing::kT0;
    stage.set_rules(rules, now, events);
    for (int i = 0; i < 3000; ++i) {
      now += std::chrono::seconds((i * 7919) % 13);
      core::Alert a;
      switch (i % 3) {
        case 0: a = err("h" + std::to_string(i % 17), i, std::to_string(i % 5)); break;
        case 1: a = disk("i" + std::to_string(i % 4), i); break;
        default: a = alert({{"alertname", "HB"}, {"host", "h" + std::to_string(i % 11)}}, i);
      }
      if (i % 10 == 0) a.status = AlertStatus::resolved;
      if (rules->apply(a)) stage.process(std::move(a), now, pass, events);
      if (i % 50 == 0) stage.tick(now, events);
    }
    for (const auto& p : pass) trace.push_back("pass " + testing::seq_of(p));
    for (const auto& e : events) {
      trace.push_back(std::string(core::to_string(e.alert.status)) + " " +
                      core::fingerprint_hex(e.alert.fingerprint) + " " +
                      core::format_rfc3339(e.at));
    }
    return trace;
  };
  auto first = run();
  EXPECT_GT(first.size(), 100u);
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace alertd::rules
