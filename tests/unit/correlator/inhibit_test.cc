#include "correlator/suppression/inhibit.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::IncidentStatus;

InhibitRule crit_mutes_warn() {
  return InhibitRule{"crit-mutes-warn",
                     matchers({R"(severity="critical")"}),
                     matchers({R"(severity=~"warning|info")"}),
                     {"service"}};
}

MemberKey key(const core::LabelSet& l, uint32_t tenant = 0) {
  return MemberKey{core::fingerprint(l), tenant};
}

const core::LabelSet kCrit{{"alertname", "ApiDown"}, {"service", "api"}, {"severity", "critical"}};
const core::LabelSet kWarn{{"alertname", "ApiSlow"}, {"service", "api"}, {"severity", "warning"}};
const core::LabelSet kInfo{{"alertname", "ApiNote"}, {"service", "api"}, {"severity", "info"}};
const core::LabelSet kOtherWarn{
    {"alertname", "DbSlow"}, {"service", "db"}, {"severity", "warning"}};

TEST(Inhibitor, SourceMutesTargetsWithEqualLabelsOnly) {
  Inhibitor inh({crit_mutes_warn()});
  std::vector<MemberKey> affected;
  inh.add(key(kWarn), kWarn, affected);
  inh.add(key(kOtherWarn), kOtherWarn, affected);
  EXPECT_TRUE(affected.empty());
  EXPECT_EQ(inh.muting_rule(key(kWarn), kWarn), nullptr);
  inh.add(key(kCrit), kCrit, affected);
  EXPECT_EQ(affected, std::vector<MemberKey>{key(kWarn)});  // only its bucket
  ASSERT_NE(inh.muting_rule(key(kWarn), kWarn), nullptr);
  EXPECT_EQ(inh.muting_rule(key(kWarn), kWarn)->name, "crit-mutes-warn");
  EXPECT_EQ(inh.muting_rule(key(kOtherWarn), kOtherWarn), nullptr);
  EXPECT_EQ(inh.muting_rule(key(kWarn, 1), kWarn), nullptr);  // another tenant

  affected.clear();
  inh.remove(key(kCrit), kCrit, affected);
  EXPECT_EQ(affected, std::vector<MemberKey>{key(kWarn)});
  EXPECT_EQ(inh.muting_rule(key(kWarn), kWarn), nullptr);
  inh.remove(key(kWarn), kWarn, affected);
  inh.remove(key(kOtherWarn), kOtherWarn, affected);
  EXPECT_EQ(inh.buckets(), 0u);  // empty buckets are dropped
}

TEST(Inhibitor, SecondSourceChangesNothingAndMissingLabelsAreEmpty) {
  Inhibitor inh({crit_mutes_warn()});
  std::vector<MemberKey> affected;
  core::LabelSet warn_no_service{{"alertname", "X"}, {"severity", "warning"}};
  core::LabelSet crit_no_service{{"alertname", "Y"}, {"severity", "critical"}};
  inh.add(key(warn_no_service), warn_no_service, affected);
  inh.add(key(crit_no_service), crit_no_service, affected);
  EXPECT_EQ(affected.size(), 1u);  // "" == "" as in Alertmanager
  core::LabelSet crit2{{"alertname", "Z"}, {"severity", "critical"}};
  affected.clear();
  inh.add(key(crit2), crit2, affected);
  EXPECT_TRUE(affected.empty());  // already muted
  inh.remove(key(crit_no_service), crit_no_service, affected);
  EXPECT_TRUE(affected.empty());  // crit2 still mutes it
  EXPECT_NE(inh.muting_rule(key(warn_no_service), warn_no_service), nullptr);
}

TEST(Inhibitor, AlertMatchingBothSidesIsNotMutedByItselfOrItsLikes) {
  // Source: any critical; target: anything of team=web; equal cluster.
  InhibitRule rule{
      "both", matchers({R"(severity="critical")"}), matchers({R"(team="web")"}), {"cluster"}};
  Inhibitor inh({rule});
  core::LabelSet a{
      {"alertname", "A"}, {"cluster", "eu"}, {"severity", "critical"}, {"team", "web"}};
  core::LabelSet b{
      {"alertname", "B"}, {"cluster", "eu"}, {"severity", "critical"}, {"team", "web"}};
  core::LabelSet src{
      {"alertname", "S"}, {"cluster", "eu"}, {"severity", "critical"}, {"team", "db"}};
  std::vector<MemberKey> affected;
  inh.add(key(a), a, affected);
  EXPECT_EQ(inh.muting_rule(key(a), a), nullptr);  // not by itself
  inh.add(key(b), b, affected);
  EXPECT_EQ(inh.muting_rule(key(a), a), nullptr);  // nor by another two-sided alert
  EXPECT_TRUE(affected.empty());
  inh.add(key(src), src, affected);  // a source-only alert mutes both
  std::sort(affected.begin(), affected.end(),
            [](auto& x, auto& y) { return x.fingerprint < y.fingerprint; });
  EXPECT_EQ(affected.size(), 2u);
  EXPECT_NE(inh.muting_rule(key(a), a), nullptr);
  EXPECT_NE(inh.muting_rule(key(b), b), nullptr);
  EXPECT_TRUE(inh.classify(a).source && inh.classify(a).target);
  EXPECT_FALSE(inh.classify(src).target);
}

CorrelatorConfig inhibit_config() {
  CorrelatorConfig cfg;
  cfg.inhibit.push_back(crit_mutes_warn());
  return cfg;
}

TEST(CorrelatorInhibit, TargetStaysOnItsIncidentMarkedUntilTheLastSourceResolves) {
  Driver d{inhibit_config()};
  d.fire(kWarn, kT0);
  auto src = d.fire(kCrit, kT0 + 1min);  // same service: same incident
  ASSERT_EQ(src.size(), 1u);
  EXPECT_EQ(actions(src[0]),
            (std::vector<std::string>{"member_added", "suppressed", "priority_change"}));
  EXPECT_EQ(member_in(src, kWarn)->suppressed_by, "inhibit:crit-mutes-warn");
  EXPECT_EQ(member_in(src, kCrit)->suppressed_by, "");
  EXPECT_FALSE(src[0].incident.suppressed);  // the source itself fires unmuted
  EXPECT_EQ(d.c.counters().inhibited_members, 1u);

  core::LabelSet crit2{{"alertname", "ApiErrors"}, {"service", "api"}, {"severity", "critical"}};
  d.fire(crit2, kT0 + 2min);
  auto first_gone = d.resolve(kCrit, kT0 + 3min);
  EXPECT_EQ(find_audit(first_gone, "unsuppressed"), nullptr);  // crit2 still mutes it
  auto last_gone = d.resolve(crit2, kT0 + 4min);
  const auto* un = find_audit(last_gone, "unsuppressed");
  ASSERT_NE(un, nullptr);
  EXPECT_NE(un->detail.find(R"("was":"inhibit:crit-mutes-warn")"), std::string::npos);
  EXPECT_EQ(member_in(last_gone, kWarn)->suppressed_by, "");
  EXPECT_EQ(d.c.counters().inhibited_members, 0u);
}

TEST(CorrelatorInhibit, MutesAcrossIncidentsAndLeavesOthersUntouched) {
  CorrelatorConfig cfg = inhibit_config();
  cfg.group_by = {"alertname"};  // every alert its own incident
  Driver d{cfg};
  d.fire(kWarn, kT0);       // INC-1
  d.fire(kOtherWarn, kT0);  // INC-2: another service
  d.fire(kInfo, kT0);       // INC-3
  auto src = d.fire(kCrit, kT0 + 1min);
  // The source's own incident first, then the muted targets in incident order.
  EXPECT_EQ(all_actions(src), (std::vector<std::string>{"INC-4:create", "INC-4:member_added",
                                                        "INC-1:suppressed", "INC-3:suppressed"}));
  EXPECT_TRUE(src[1].incident.suppressed);
  EXPECT_EQ(src[1].members.at(0).labels, kWarn);
  EXPECT_EQ(src[1].received_mono_ns, 0);
  // A target arriving while the source fires is muted as it is added.
  core::LabelSet late{{"alertname", "ApiLate"}, {"service", "api"}, {"severity", "warning"}};
  auto added = d.fire(late, kT0 + 2min);
  EXPECT_EQ(actions(added.at(0)),
            (std::vector<std::string>{"create", "member_added", "suppressed"}));
  EXPECT_TRUE(added[0].incident.suppressed);
}

TEST(CorrelatorInhibit, LeaseExpiryOfSourceUnmutesFromStoredLabels) {
  Driver d{inhibit_config()};
  d.fire(kWarn, kT0);
  d.fire(kCrit, kT0);
  core::Alert expired;  // what a shard sends at lease expiry: no labels
  expired.fingerprint = core::fingerprint(kCrit);
  expired.status = core::AlertStatus::resolved;
  auto out = d.apply(core::AlertChange::resolved, std::move(expired), kT0 + 5min);
  ASSERT_NE(find_audit(out, "unsuppressed"), nullptr);
}

// ---- settle ----------------------------------------------------------------

TEST(CorrelatorSettle, TargetIsHeldUntilSettleEndSoItsInhibitorCanArrive) {
  Driver d{inhibit_config()};
  d.c.start(kT0);
  EXPECT_TRUE(d.fire(kWarn, kT0 + 1s).empty());  // held: nothing created
  EXPECT_EQ(d.c.counters().held_alerts, 1u);
  EXPECT_EQ(d.c.active_incidents(), 0u);
  auto src = d.fire(kCrit, kT0 + 5s);  // sources apply at once
  EXPECT_EQ(actions(src.at(0)), (std::vector<std::string>{"create", "member_added"}));
  EXPECT_EQ(d.c.next_due(), kT0 + 30s);
  EXPECT_TRUE(d.tick(kT0 + 30s - 1ns).empty());
  auto released = d.tick(kT0 + 30s);
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].incident.id, "INC-1");  // joined the source's incident, muted
  EXPECT_EQ(actions(released[0]), (std::vector<std::string>{"member_added", "suppressed"}));
  EXPECT_EQ(released[0].members.at(0).first_seen, kT0 + 1s);  // its own time
  EXPECT_EQ(d.c.counters().held_released_total, 1u);
  EXPECT_EQ(d.c.counters().held_alerts, 0u);
  // Settled: targets apply at once now.
  auto later = d.fire(kInfo, kT0 + 31s);
  EXPECT_FALSE(later.empty());
}

TEST(CorrelatorSettle, HeldAlertResolvedBeforeReleaseNeverCreatesAnything) {
  Driver d{inhibit_config()};
  d.c.start(kT0);
  d.fire(kWarn, kT0 + 1s);
  d.touch(kWarn, kT0 + 2s);
  EXPECT_TRUE(d.resolve(kWarn, kT0 + 3s).empty());
  EXPECT_EQ(d.c.counters().held_resolved_total, 1u);
  EXPECT_TRUE(d.tick(kT0 + 1min).empty());
  EXPECT_EQ(d.c.incidents_created_total(), 0u);
  EXPECT_EQ(d.c.orphan_resolves_total(), 0u);
}

TEST(CorrelatorSettle, TouchesOfHeldAlertsMoveLastSeenAndLateEventsReleaseFirst) {
  Driver d{inhibit_config()};
  d.c.start(kT0);
  d.fire(kWarn, kT0 + 1s);
  EXPECT_TRUE(d.touch(kWarn, kT0 + 20s).empty());
  // An event after the settle end releases the held alerts first, in order.
  auto out = d.fire(kOtherWarn, kT0 + 40s);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].incident.id, "INC-1");
  EXPECT_EQ(out[0].members.back().last_seen, kT0 + 20s);
  EXPECT_EQ(out[0].members.back().event_count, 2u);
  EXPECT_EQ(out[1].incident.id, "INC-2");
}

TEST(CorrelatorSettle, BoundedQueueAppliesAtOnceWhenFull) {
  CorrelatorConfig cfg = inhibit_config();
  cfg.max_held = 1;
  Driver d{cfg};
  d.c.start(kT0);
  EXPECT_TRUE(d.fire(kWarn, kT0).empty());
  EXPECT_FALSE(d.fire(kOtherWarn, kT0).empty());
  EXPECT_EQ(d.c.counters().held_overflow_total, 1u);
  EXPECT_EQ(d.c.counters().held_total, 1u);
}

TEST(CorrelatorSettle, NoInhibitRulesOrZeroSettleMeansNoHold) {
  Driver plain{CorrelatorConfig{}};
  plain.c.start(kT0);
  EXPECT_FALSE(plain.fire(kWarn, kT0).empty());
  CorrelatorConfig cfg = inhibit_config();
  cfg.settle = core::Duration::zero();
  Driver zero{cfg};
  zero.c.start(kT0);
  EXPECT_FALSE(zero.fire(kWarn, kT0).empty());
}

TEST(CorrelatorSettle, ReconfigureStartsANewSettlePeriodAndReevaluates) {
  Driver d{CorrelatorConfig{}};
  d.fire(kWarn, kT0);
  d.fire(kCrit, kT0);
  // Adding the rule on reload mutes the warning that fires next to a critical.
  auto out = d.reconfigure(inhibit_config(), kT0 + 1min);
  ASSERT_NE(find_audit(out, "suppressed"), nullptr);
  EXPECT_EQ(d.c.counters().inhibited_members, 1u);
  EXPECT_TRUE(d.fire(kOtherWarn, kT0 + 1min + 10s).empty());  // held: settling again
  EXPECT_FALSE(d.tick(kT0 + 1min + 30s).empty());
  // Removing it un-mutes.
  auto back = d.reconfigure(CorrelatorConfig{}, kT0 + 2min);
  ASSERT_NE(find_audit(back, "unsuppressed"), nullptr);
  EXPECT_EQ(d.c.counters().inhibited_members, 0u);
}

}  // namespace
}  // namespace alertd::correlator
