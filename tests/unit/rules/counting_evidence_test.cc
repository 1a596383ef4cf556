// The evidence CountingStage puts on the alerts a threshold or distinct rule
// releases: counted_since, counted_events and rule_events (rules/README.md).

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
using testing::kT0;
using testing::rule;
using testing::threshold_rule;

// One fingerprint per id on host h1.
core::Alert err(std::string id, int seq) {
  return alert({{"alertname", "Err"}, {"host", "h1"}, {"id", std::move(id)}}, seq);
}

core::Alert disk(std::string instance, int seq, std::string extra = "") {
  core::LabelSet labels{{"alertname", "DiskLatencyHigh"}};
  if (!instance.empty()) labels.set("instance", instance);
  if (!extra.empty()) labels.set("disk", extra);
  return alert(std::move(labels), seq);
}

struct Evidence {
  core::TimePoint since;
  uint32_t events;
  uint32_t rule_events;
  friend bool operator==(const Evidence&, const Evidence&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Evidence& e) {
    return os << "{since " << (e.since == core::kNoTime ? "none" : core::format_rfc3339(e.since))
              << ", events " << e.events << ", rule_events " << e.rule_events << "}";
  }
};

Evidence evidence(const core::Alert& a) {
  return {a.counted_since, a.counted_events, a.rule_events};
}

const Evidence kNone{core::kNoTime, 0, 0};

class EvidenceTest : public testing::CountingFixture {
 protected:
  const core::Alert& passed(size_t i) { return passed_.at(i); }
};

TEST_F(EvidenceTest, HeldResendsOfOneFingerprintCountFromTheFirstArrival) {
  use_rules({threshold_rule(4, 5min)});
  send(err("a", 1));
  clock_.advance(1min);
  send(err("a", 2));
  clock_.advance(1min);
  EXPECT_THAT(send(err("a", 3)), IsEmpty());
  clock_.advance(1min);
  EXPECT_THAT(send(err("b", 4)), ElementsAre("3", "4"));
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0, 3, 0})) << "the latest copy, counted 3 times";
  EXPECT_EQ(evidence(passed(1)), (Evidence{kT0 + 3min, 1, 4})) << "it took 4 arrivals";
}

TEST_F(EvidenceTest, TrippingAlertMergesTheHeldCopyOfItsFingerprint) {
  use_rules({threshold_rule(3, 5min)});
  send(err("a", 1));
  clock_.advance(1min);
  send(err("a", 2));
  clock_.advance(1min);
  EXPECT_THAT(send(err("a", 3)), ElementsAre("3")) << "one alert, not the held copy and itself";
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0, 3, 3}));
  EXPECT_EQ(stage_->held_total(), 2u);
  EXPECT_EQ(stage_->released_total(), 1u);
}

TEST_F(EvidenceTest, ArrivalsThatLeftTheWindowNoLongerCount) {
  use_rules({threshold_rule(4, 5min)});
  send(err("a", 1));
  clock_.advance(1min);
  send(err("a", 2));
  clock_.advance(1min);
  send(err("a", 3));
  clock_.set(kT0 + 5min + 30s);  // a's first arrival left the window
  EXPECT_THAT(send(err("b", 4)), IsEmpty()) << "3 in the window";
  clock_.advance(10s);
  EXPECT_THAT(send(err("c", 5)), ElementsAre("3", "4", "5"));
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0 + 1min, 2, 0})) << "its second arrival is first now";
  EXPECT_EQ(evidence(passed(1)), (Evidence{kT0 + 5min + 30s, 1, 0}));
  EXPECT_EQ(evidence(passed(2)), (Evidence{kT0 + 5min + 40s, 1, 4}));
}

TEST_F(EvidenceTest, RuleEventsCountArrivalsWhoseCopiesWerePushedOut) {
  use_rules({threshold_rule(6, 5min)}, CountingLimits{100, 3});
  for (int i = 1; i <= 5; ++i) {
    send(err(std::to_string(i), i));
    clock_.advance(10s);
  }
  EXPECT_EQ(stage_->held_overflow_total(), 2u);
  EXPECT_THAT(send(err("6", 6)), ElementsAre("3", "4", "5", "6"));
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0 + 20s, 1, 0}));
  EXPECT_EQ(evidence(passed(2)), (Evidence{kT0 + 40s, 1, 0}));
  EXPECT_EQ(evidence(passed(3)), (Evidence{kT0 + 50s, 1, 6}));
}

TEST_F(EvidenceTest, EvidenceTimesAreBoundedByTheHeldLimit) {
  use_rules({threshold_rule(6, 5min)}, CountingLimits{100, 3});
  for (int i = 1; i <= 4; ++i) {  // a at 0, 1m, 2m, 3m: keeps the latest 3
    send(err("a", i));
    clock_.advance(1min);
  }
  send(err("b", 5));  // 4 times in all: a, the entry with the most, forgets 1m
  clock_.advance(1min);
  EXPECT_THAT(send(err("c", 6)), ElementsAre("4", "5", "6"));
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0 + 2min, 2, 0}));
  EXPECT_EQ(evidence(passed(1)), (Evidence{kT0 + 4min, 1, 0}));
  EXPECT_EQ(evidence(passed(2)), (Evidence{kT0 + 5min, 1, 6})) << "rule_events is exact";
  EXPECT_EQ(stage_->held_overflow_total(), 0u);
}

TEST_F(EvidenceTest, ResolveDiscardsTheHeldCopyWithItsEvidence) {
  use_rules({threshold_rule(3, 5min)});
  send(err("a", 1));
  clock_.advance(1min);
  send(err("a", 2));
  auto resolved = err("a", 3);
  resolved.status = AlertStatus::resolved;
  EXPECT_THAT(send(resolved), IsEmpty());
  clock_.advance(1min);
  EXPECT_THAT(send(err("a", 4)), ElementsAre("4")) << "a's firing arrivals still count";
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0 + 2min, 1, 3}));
}

TEST_F(EvidenceTest, OpenGroupAndUngatedAlertsCarryNoEvidence) {
  auto other = rule("enrich", {"alertname=\"Other\""});
  other.set = {{"team", "x"}};
  use_rules({threshold_rule(2, 5min), other});
  send(err("a", 1));
  EXPECT_THAT(send(err("b", 2)), ElementsAre("1", "2"));
  clock_.advance(1min);
  EXPECT_THAT(send(err("a", 3)), ElementsAre("3"));
  EXPECT_EQ(evidence(passed(2)), kNone);
  EXPECT_THAT(send(alert({{"alertname", "Other"}}, 4)), ElementsAre("4"));
  EXPECT_EQ(evidence(passed(3)), kNone);
  auto resolved = err("b", 5);
  resolved.status = AlertStatus::resolved;
  EXPECT_THAT(send(resolved), ElementsAre("5"));
  EXPECT_EQ(evidence(passed(4)), kNone);
  // Quiet for longer than the window: closed; the next trip counts afresh.
  clock_.advance(5min + 1ns);
  send(err("a", 6));
  clock_.advance(1s);
  EXPECT_THAT(send(err("a", 7)), ElementsAre("7"));
  EXPECT_EQ(evidence(passed(5)), (Evidence{kT0 + 6min + 1ns, 2, 2}));
}

TEST_F(EvidenceTest, DistinctCountsArrivalsPerValueAndValuesForTheRule) {
  use_rules({distinct_rule(3, 5min)});
  send(disk("i1", 1));
  clock_.advance(1min);
  send(disk("i1", 2, "sdb"));  // another alert of the same value: the entry keeps its evidence
  clock_.advance(1min);
  send(disk("i2", 3));
  clock_.advance(30s);
  send(disk("", 4));  // no value: held, with its own arrivals
  clock_.advance(30s);
  EXPECT_THAT(send(disk("i3", 5)), ElementsAre("2", "3", "4", "5"));
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0, 2, 0}));
  EXPECT_EQ(passed(0).labels.get("disk"), "sdb") << "the latest alert of the value";
  EXPECT_EQ(evidence(passed(1)), (Evidence{kT0 + 2min, 1, 0}));
  EXPECT_EQ(evidence(passed(2)), (Evidence{kT0 + 2min + 30s, 1, 0}));
  EXPECT_EQ(evidence(passed(3)), (Evidence{kT0 + 3min, 1, 3})) << "3 values";
}

TEST_F(EvidenceTest, DistinctEvidenceSlidesWithTheWindow) {
  use_rules({distinct_rule(3, 5min)});
  send(disk("i1", 1));
  clock_.advance(4min);
  send(disk("i1", 2));
  send(disk("i1", 3));
  clock_.set(kT0 + 5min + 1ns);  // the first i1 left the window; i1 is still in it
  send(disk("i2", 4));
  EXPECT_THAT(send(disk("i3", 5)), ElementsAre("3", "4", "5"));
  EXPECT_EQ(evidence(passed(0)), (Evidence{kT0 + 4min, 2, 0}));
  EXPECT_EQ(evidence(passed(2)), (Evidence{kT0 + 5min + 1ns, 1, 3}));
}

}  // namespace
}  // namespace alertd::rules
