// Per-rule grouping, category, impact, restore of the new member fields,
// reconfigure and the bounds on kept state.

#include <gtest/gtest.h>

#include "correlator/grouping.h"
#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::IncidentStatus;
using core::Priority;

TEST(GroupingPolicy, RuleGroupByPrefixesTheRuleName) {
  GroupingPolicy policy({"service"}, {"alertname"},
                        {{"splunk-high-error-rate", {"host"}}, {"empty-list", {}}});
  core::LabelSet labels{{"host", "a"}, {"service", "web"}, {"search_name", "High Error Rate"}};
  EXPECT_EQ(policy.group_key(labels, "splunk-high-error-rate"),
            R"(splunk-high-error-rate{host="a"})");
  EXPECT_EQ(policy.group_key({{"service", "web"}}, "splunk-high-error-rate"),
            "splunk-high-error-rate{}");
  EXPECT_EQ(policy.group_key(labels, "empty-list"), R"({service="web"})");  // default policy
  EXPECT_EQ(policy.group_key(labels, "unknown"), R"({service="web"})");
  EXPECT_EQ(policy.group_key(labels, ""), R"({service="web"})");
  EXPECT_TRUE(policy.has_rule_grouping("splunk-high-error-rate"));
  EXPECT_FALSE(policy.has_rule_grouping("empty-list"));
}

TEST(CorrelatorRules, PerRuleGroupingAndIncidentRule) {
  CorrelatorConfig cfg;
  cfg.rule_group_by = {{"splunk-high-error-rate", {"host"}}};
  Driver d{cfg};
  core::LabelSet a{{"host", "a"}, {"service", "web"}, {"search_name", "X"}};
  core::LabelSet a2{{"host", "a"}, {"service", "api"}, {"search_name", "Y"}};
  core::LabelSet b{{"host", "b"}, {"service", "web"}, {"search_name", "X"}};
  auto first = d.fire(a, kT0, "default", "splunk-high-error-rate");
  EXPECT_EQ(first.at(0).incident.group_key, R"(splunk-high-error-rate{host="a"})");
  EXPECT_EQ(first[0].incident.rule, "splunk-high-error-rate");
  EXPECT_EQ(d.fire(a2, kT0, "default", "splunk-high-error-rate").at(0).incident.id, "INC-1");
  EXPECT_EQ(d.fire(b, kT0, "default", "splunk-high-error-rate").at(0).incident.id, "INC-2");
  // A rule without its own group_by: the default policy, but the rule is named.
  auto other =
      d.fire({{"alertname", "Z"}, {"service", "web"}}, kT0, "default", "cloudtrail-errors");
  EXPECT_EQ(other.at(0).incident.group_key, R"({service="web"})");
  EXPECT_EQ(other[0].incident.rule, "cloudtrail-errors");
  auto none = d.fire({{"alertname", "Z"}, {"service", "db"}}, kT0);
  EXPECT_EQ(none.at(0).incident.rule, "default");
}

TEST(CorrelatorRules, CategoryIsTheFirstNonEmptyOne) {
  Driver d{CorrelatorConfig{}};
  auto first = d.fire({{"alertname", "A"}, {"service", "s"}, {"category", ""}}, kT0);
  EXPECT_EQ(first.at(0).incident.category, "");
  auto second = d.fire({{"alertname", "B"}, {"service", "s"}, {"category", "security"}}, kT0);
  EXPECT_EQ(second.at(0).incident.category, "security");
  auto third = d.fire({{"alertname", "C"}, {"service", "s"}, {"category", "software"}}, kT0);
  EXPECT_EQ(third.at(0).incident.category, "security");
}

TEST(CorrelatorPriority, ImpactGrowsWithHostsAndIsAudited) {
  CorrelatorConfig cfg;
  cfg.group_by = {"alertname"};
  Driver d{cfg};
  auto on = [](const char* instance) {
    return core::LabelSet{
        {"alertname", "DiskLatencyHigh"}, {"instance", instance}, {"severity", "critical"}};
  };
  EXPECT_EQ(d.fire(on("h1"), kT0).at(0).incident.priority, Priority::P2);  // sev1 x low
  d.fire(on("h2"), kT0);
  auto third = d.fire(on("h3"), kT0);  // 3 hosts: medium
  ASSERT_NE(find_audit(third, "priority_change"), nullptr);
  EXPECT_EQ(find_audit(third, "priority_change")->detail,
            R"({"from":"P2","to":"P1","impact":"medium","urgency":"sev1"})");
  EXPECT_EQ(third.at(0).incident.impact, "medium");
  core::LabelSet host{{"alertname", "DiskLatencyHigh"}, {"host", "h1"}, {"instance", "other"}};
  d.fire(host, kT0);  // `host` wins over `instance`: h1 again, no new host
  EXPECT_EQ(d.incident("INC-1").impact, "medium");
}

TEST(CorrelatorPriority, CustomMatrixApplies) {
  CorrelatorConfig cfg;
  cfg.priority.matrix[2] = {Priority::P1, Priority::P1, Priority::P1};  // every sev3 is P1
  Driver d{cfg};
  EXPECT_EQ(d.fire({{"alertname", "A"}, {"severity", "warning"}}, kT0).at(0).incident.priority,
            Priority::P1);
}

core::ActiveState restored_with_flags() {
  core::ActiveState state;
  core::Incident inc;
  inc.id = "INC-3";
  inc.seq = 3;
  inc.group_key = R"({service="db"})";
  inc.priority = Priority::P4;
  inc.severity = "sev3";
  inc.opened_at = kT0 - 5min;
  inc.last_alert_at = kT0 - 5min;
  state.incidents.push_back(inc);
  core::Member m;
  m.labels = {{"alertname", "DiskFull"}, {"service", "db"}};
  m.fingerprint = core::fingerprint(m.labels);
  m.first_seen = kT0 - 5min;
  m.last_seen = kT0 - 5min;
  m.flapping = true;
  m.suppressed_by = "silence:SIL-OLD";
  state.members.emplace_back("INC-3", m);
  state.max_seq = 3;
  return state;
}

TEST(CorrelatorRestore, KeepsFlagsThenReEvaluatesThem) {
  Driver d{CorrelatorConfig{}};
  d.c.restore(restored_with_flags());
  EXPECT_EQ(d.c.counters().silenced_members, 1u);
  EXPECT_EQ(d.c.counters().flapping_members, 1u);
  EXPECT_TRUE(d.incident("INC-3").suppressed);
  EXPECT_TRUE(d.incident("INC-3").flapping);
  EXPECT_EQ(d.member("INC-3", {{"alertname", "DiskFull"}, {"service", "db"}}).suppressed_by,
            "silence:SIL-OLD");
  // The store has no such silence any more: lifted when the set arrives.
  auto lifted = d.silences({}, kT0);
  EXPECT_EQ(all_actions(lifted), std::vector<std::string>{"INC-3:unsuppressed"});
  EXPECT_FALSE(lifted.at(0).incident.suppressed);
  // Flapping without history ends one window after start().
  d.c.start(kT0);
  EXPECT_EQ(d.c.next_due(), kT0 + 15min + 1ns);
  auto cleared = d.tick(kT0 + 15min + 1ns);
  EXPECT_EQ(all_actions(cleared), std::vector<std::string>{"INC-3:flapping_end"});
  EXPECT_EQ(d.c.counters().flapping_members, 0u);
}

TEST(CorrelatorRestore, SilenceReasonsWaitForTheFirstSilenceSet) {
  CorrelatorConfig cfg;
  cfg.maintenance.push_back(
      MaintenanceWindow{"never-now", matchers({R"(service="x")"}), *parse_cron("0 3 * * *"), 1h});
  Driver d{cfg};
  d.c.restore(restored_with_flags());
  d.c.start(kT0 + 12h);
  // The first tick evaluates the maintenance windows; the restored silence
  // reason is not judged before the silences are known.
  EXPECT_TRUE(d.tick(kT0 + 12h).empty());
  core::Silence still;
  still.id = "SIL-OLD";
  still.matchers = {R"(alertname="DiskFull")"};
  still.starts_at = kT0;
  still.ends_at = kT0 + 24h;
  EXPECT_TRUE(d.silences({still}, kT0 + 12h).empty());  // the same reason: no change
  EXPECT_EQ(d.c.counters().silenced_members, 1u);
}

TEST(CorrelatorReconfigure, MatrixTopologyAndGroupingChangeInPlace) {
  Driver d{CorrelatorConfig{}};
  d.fire({{"alertname", "A"}, {"service", "api"}, {"severity", "warning"}}, kT0);
  d.fire({{"alertname", "B"}, {"service", "db"}, {"severity", "warning"}}, kT0);
  CorrelatorConfig next;
  next.priority.matrix[2] = {Priority::P2, Priority::P2, Priority::P2};
  next.topology.services = {{"api", {"db"}}};
  auto out = d.reconfigure(next, kT0 + 1min);
  EXPECT_EQ(all_actions(out),
            (std::vector<std::string>{"INC-1:root_service", "INC-1:priority_change",
                                      "INC-2:root_service", "INC-2:priority_change"}));
  EXPECT_EQ(out.at(0).incident.root_service, "api");
  EXPECT_EQ(out[0].audit[0].detail, R"({"from":"","to":"api"})");
  EXPECT_EQ(out[0].audit[1].detail, R"({"from":"P4","to":"P2","impact":"low","urgency":"sev3"})");
  // Incidents stay; new alerts use the new topology.
  EXPECT_EQ(d.c.active_incidents(), 2u);
  // api depends on db: it joins the newest incident rooted at db or at itself.
  auto joined = d.fire({{"alertname", "C"}, {"service", "api"}}, kT0 + 2min);
  EXPECT_EQ(joined.at(0).incident.id, "INC-2");
  EXPECT_EQ(d.c.config().priority.matrix[2][0], Priority::P2);
}

TEST(CorrelatorBounds, RecentlyResolvedAreCapped) {
  CorrelatorConfig cfg;
  cfg.max_recent_resolved = 1;
  Driver d{cfg};
  core::LabelSet a{{"alertname", "A"}, {"service", "a"}};
  core::LabelSet b{{"alertname", "B"}, {"service", "b"}};
  d.fire(a, kT0);
  d.fire(b, kT0);
  d.resolve(a, kT0 + 1min);
  d.resolve(b, kT0 + 2min);  // evicts INC-1, the oldest
  EXPECT_EQ(d.c.counters().recent_resolved, 1u);
  EXPECT_EQ(d.c.counters().evicted_resolved_total, 1u);
  EXPECT_EQ(d.fire(a, kT0 + 3min).at(0).incident.id, "INC-3");
  EXPECT_EQ(d.fire(b, kT0 + 3min).at(0).incident.id, "INC-2");  // reopened
}

TEST(CorrelatorBounds, ResolvedIncidentTouchesAndResolvesAreOrphans) {
  Driver d{CorrelatorConfig{}};
  core::LabelSet a{{"alertname", "A"}};
  d.fire(a, kT0);
  d.resolve(a, kT0 + 1min);
  EXPECT_TRUE(d.touch(a, kT0 + 2min).empty());
  EXPECT_TRUE(d.resolve(a, kT0 + 2min).empty());
  EXPECT_EQ(d.c.orphan_touches_total(), 1u);
  EXPECT_EQ(d.c.orphan_resolves_total(), 1u);
  EXPECT_EQ(d.c.active_members(), 0u);
}

// The counting stage's evidence (rules/README.md) as the correlator keeps it.
TEST(CorrelatorThreshold, EvidenceBecomesFirstSeenEventCountAndATimelineEntry) {
  Driver d{CorrelatorConfig{}};
  auto held = make_alert({{"alertname", "Errors"}, {"host", "web-1"}, {"n", "1"}});
  held.rule = "burst";
  held.counted_since = kT0;  // held since then, released when the rule tripped
  held.counted_events = 3;
  auto tripping = make_alert({{"alertname", "Errors"}, {"host", "web-1"}, {"n", "2"}});
  tripping.rule = "burst";
  tripping.counted_since = kT0 + 4min;
  tripping.counted_events = 1;
  tripping.rule_events = 4;
  auto first = d.apply(core::AlertChange::firing, held, kT0 + 4min);
  EXPECT_EQ(find_audit(first, "threshold_met"), nullptr);  // not the alert that tripped it
  auto out = d.apply(core::AlertChange::firing, tripping, kT0 + 4min);
  const auto* met = find_audit(out, "threshold_met");
  ASSERT_NE(met, nullptr);
  EXPECT_EQ(met->detail, R"({"rule":"burst","events":4,"fingerprint":")" +
                             core::fingerprint_hex(tripping.fingerprint) + R"("})");
  auto m = d.member("INC-1", held.labels);
  EXPECT_EQ(m.first_seen, kT0);
  EXPECT_EQ(m.event_count, 3u);
  EXPECT_EQ(d.incident("INC-1").opened_at, kT0 + 4min);  // it opened when the rule tripped
}

}  // namespace
}  // namespace alertd::correlator
