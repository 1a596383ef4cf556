#include "correlator/correlator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "core/time.h"
#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace std::chrono_literals;
using core::AlertChange;
using core::AlertStatus;
using core::IncidentStatus;
using core::IncidentUpdate;
using core::Priority;
using core::TimePoint;

using testing::actions;
using testing::kT0;
using testing::make_alert;
using testing::render;

core::AlertEvent event(AlertChange change, core::Alert alert, TimePoint at) {
  return core::AlertEvent{change, std::move(alert), at};
}

std::string fp_detail(const core::LabelSet& labels) {
  return R"({"fingerprint":")" + core::fingerprint_hex(core::fingerprint(labels)) + R"("})";
}

class CorrelatorTest : public ::testing::Test {
 protected:
  std::vector<IncidentUpdate> fire(core::LabelSet labels, TimePoint at,
                                   std::string tenant = "default") {
    return apply(event(AlertChange::firing, make_alert(std::move(labels), std::move(tenant)), at));
  }
  std::vector<IncidentUpdate> resolve(core::LabelSet labels, TimePoint at,
                                      TimePoint ends_at = core::kNoTime) {
    auto a = make_alert(std::move(labels));
    a.status = AlertStatus::resolved;
    a.ends_at = ends_at;
    return apply(event(AlertChange::resolved, std::move(a), at));
  }
  std::vector<IncidentUpdate> apply(core::AlertEvent e) {
    std::vector<IncidentUpdate> out;
    correlator_.apply(std::move(e), out);
    return out;
  }

  Correlator correlator_{CorrelatorConfig{}};
};

const core::LabelSet kLatency{
    {"alertname", "HighLatency"}, {"service", "checkout"}, {"severity", "warning"}};
const core::LabelSet kErrors{
    {"alertname", "HighErrorRate"}, {"service", "checkout"}, {"severity", "critical"}};
const core::LabelSet kPayments{{"alertname", "HighLatency"}, {"service", "payments"}};

TEST_F(CorrelatorTest, FirstAlertOpensIncident) {
  auto a = make_alert(kLatency);
  a.annotations = core::LabelSet{{"summary", "Checkout p99 above 2s"}};
  a.received_mono_ns = 777;
  auto out = apply(event(AlertChange::firing, std::move(a), kT0));
  ASSERT_EQ(out.size(), 1u);
  const auto& u = out[0];
  const auto& inc = u.incident;
  EXPECT_EQ(inc.id, "INC-1");
  EXPECT_EQ(inc.seq, 1);
  EXPECT_EQ(inc.tenant, "default");
  EXPECT_EQ(inc.title, "Checkout p99 above 2s (checkout)");
  EXPECT_EQ(inc.service, "checkout");
  EXPECT_EQ(inc.status, IncidentStatus::open);
  EXPECT_EQ(inc.severity, "sev3");
  // Matrix default: urgency sev3 x impact low (one service, no host) = P4.
  EXPECT_EQ(inc.impact, "low");
  EXPECT_EQ(inc.priority, Priority::P4);
  EXPECT_EQ(inc.group_key, R"({service="checkout"})");
  EXPECT_EQ(inc.rule, "default");
  EXPECT_EQ(inc.opened_at, kT0);
  EXPECT_EQ(inc.updated_at, kT0);
  EXPECT_EQ(inc.last_alert_at, kT0);
  EXPECT_EQ(inc.resolved_at, core::kNoTime);
  EXPECT_EQ(inc.alert_count, 1u);
  EXPECT_EQ(inc.firing_count, 1u);
  EXPECT_EQ(u.received_mono_ns, 777);

  ASSERT_EQ(u.members.size(), 1u);
  const auto& m = u.members[0];
  EXPECT_EQ(m.fingerprint, core::fingerprint(kLatency));
  EXPECT_EQ(m.labels, kLatency);
  EXPECT_EQ(m.annotations.get("summary"), "Checkout p99 above 2s");
  EXPECT_EQ(m.source, "prometheus");
  EXPECT_EQ(m.status, AlertStatus::firing);
  EXPECT_EQ(m.first_seen, kT0);
  EXPECT_EQ(m.last_seen, kT0);
  EXPECT_EQ(m.event_count, 1u);

  ASSERT_EQ(u.audit.size(), 2u);
  EXPECT_EQ(u.audit[0].incident_id, "INC-1");
  EXPECT_EQ(u.audit[0].action, "create");
  EXPECT_EQ(u.audit[0].actor, "alertd");
  EXPECT_EQ(u.audit[0].at, kT0);
  EXPECT_EQ(u.audit[0].detail,
            R"j({"title":"Checkout p99 above 2s (checkout)","service":"checkout",)j"
            R"j("priority":"P4","group_key":"{service=\"checkout\"}"})j");
  EXPECT_EQ(u.audit[1].action, "member_added");
  EXPECT_EQ(u.audit[1].detail, fp_detail(kLatency));
  EXPECT_EQ(correlator_.active_incidents(), 1u);
  EXPECT_EQ(correlator_.incidents_created_total(), 1u);
}

// Shards hand over their batches independently: a later batch may carry an
// earlier time. An incident's updated_at never moves back before what it
// already shows (seen live: updated_at 1 ms before opened_at).
TEST_F(CorrelatorTest, UpdatedAtNeverMovesBackWhenShardsDeliverOutOfOrder) {
  fire({{"alertname", "QueueBacklog"}, {"service", "orders"}, {"queue", "q1"}}, kT0 + 1ms);
  auto out = fire({{"alertname", "QueueBacklog"}, {"service", "orders"}, {"queue", "q2"}}, kT0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.alert_count, 2u);
  EXPECT_EQ(out[0].incident.opened_at, kT0 + 1ms);
  EXPECT_EQ(out[0].incident.updated_at, kT0 + 1ms);
}

TEST_F(CorrelatorTest, TitleFallsBackToAlertnameAndOmitsMissingService) {
  auto out = fire({{"alertname", "DiskFull"}, {"instance", "db-1"}}, kT0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.title, "DiskFull");
  EXPECT_EQ(out[0].incident.service, "");
  EXPECT_EQ(fire(kLatency, kT0)[0].incident.title, "HighLatency (checkout)");
}

TEST_F(CorrelatorTest, AlertsOfOneServiceJoinOneIncident) {
  fire(kLatency, kT0);
  auto out = fire(kErrors, kT0 + 1min);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.id, "INC-1");
  EXPECT_EQ(out[0].incident.alert_count, 2u);
  EXPECT_EQ(out[0].incident.firing_count, 2u);
  EXPECT_EQ(out[0].incident.last_alert_at, kT0 + 1min);
  ASSERT_EQ(out[0].members.size(), 1u);  // only the member that changed
  EXPECT_EQ(out[0].members[0].labels, kErrors);
  EXPECT_EQ(actions(out[0]), (std::vector<std::string>{"member_added", "priority_change"}));
  EXPECT_EQ(out[0].audit[0].detail, fp_detail(kErrors));

  auto other = fire(kPayments, kT0 + 2min);
  EXPECT_EQ(other[0].incident.id, "INC-2");
  EXPECT_EQ(other[0].incident.group_key, R"({service="payments"})");
  EXPECT_EQ(correlator_.active_incidents(), 2u);
}

TEST_F(CorrelatorTest, FallsBackToAlertnameWithoutService) {
  auto a = fire({{"alertname", "DiskFull"}, {"instance", "db-1"}}, kT0);
  auto b = fire({{"alertname", "DiskFull"}, {"instance", "db-2"}}, kT0 + 1s);
  auto c = fire({{"alertname", "NodeDown"}, {"instance", "db-1"}}, kT0 + 2s);
  EXPECT_EQ(a[0].incident.group_key, R"({alertname="DiskFull"})");
  EXPECT_EQ(b[0].incident.id, a[0].incident.id);
  EXPECT_EQ(c[0].incident.id, "INC-2");
}

TEST_F(CorrelatorTest, AlertsWithNeitherLabelShareTheEmptyKey) {
  auto a = fire({{"instance", "db-1"}}, kT0);
  auto b = fire({{"instance", "db-2"}}, kT0 + 1s);
  EXPECT_EQ(a[0].incident.group_key, "{}");
  EXPECT_EQ(b[0].incident.id, "INC-1");
}

TEST_F(CorrelatorTest, ExactlyGroupWindowLaterJoins) {
  fire(kLatency, kT0);
  auto out = fire(kErrors, kT0 + 10min);
  EXPECT_EQ(out[0].incident.id, "INC-1");
  // The window runs from the last new member: another 10m later still joins.
  auto third = fire({{"alertname", "Third"}, {"service", "checkout"}}, kT0 + 20min);
  EXPECT_EQ(third[0].incident.id, "INC-1");
}

TEST_F(CorrelatorTest, OneNanosecondPastGroupWindowOpensNewIncident) {
  fire(kLatency, kT0);
  auto out = fire(kErrors, kT0 + 10min + 1ns);
  EXPECT_EQ(out[0].incident.id, "INC-2");
  EXPECT_EQ(actions(out[0]), (std::vector<std::string>{"create", "member_added"}));
  // Later alerts join the newest incident of the group.
  EXPECT_EQ(fire({{"alertname", "Third"}, {"service", "checkout"}}, kT0 + 11min)[0].incident.id,
            "INC-2");
  EXPECT_EQ(correlator_.active_incidents(), 2u);
}

TEST_F(CorrelatorTest, ResendOfFiringAlertIsOneMember) {
  fire(kLatency, kT0);
  auto out = fire(kLatency, kT0 + 30s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.alert_count, 1u);
  EXPECT_EQ(out[0].incident.firing_count, 1u);
  EXPECT_TRUE(out[0].audit.empty());
  ASSERT_EQ(out[0].members.size(), 1u);
  EXPECT_EQ(out[0].members[0].event_count, 2u);
  EXPECT_EQ(out[0].members[0].last_seen, kT0 + 30s);
  EXPECT_EQ(out[0].members[0].first_seen, kT0);
  EXPECT_EQ(correlator_.active_members(), 1u);
}

TEST_F(CorrelatorTest, SeparateTenantsNeverMerge) {
  auto a = fire(kLatency, kT0, "team-a");
  auto b = fire(kLatency, kT0 + 1s, "team-b");
  EXPECT_EQ(a[0].incident.id, "INC-1");
  EXPECT_EQ(b[0].incident.id, "INC-2");
  EXPECT_EQ(b[0].incident.tenant, "team-b");
  EXPECT_EQ(correlator_.active_members(), 2u);  // same labels, two tenants: two alerts
}

TEST_F(CorrelatorTest, PartialResolveKeepsIncidentOpen) {
  fire(kLatency, kT0);
  fire(kPayments, kT0);
  fire(kErrors, kT0 + 1min);
  auto out = resolve(kErrors, kT0 + 5min, kT0 + 4min);
  ASSERT_EQ(out.size(), 1u);
  const auto& u = out[0];
  EXPECT_EQ(u.incident.status, IncidentStatus::open);
  EXPECT_EQ(u.incident.firing_count, 1u);
  EXPECT_EQ(u.incident.alert_count, 2u);
  EXPECT_EQ(u.incident.updated_at, kT0 + 5min);
  ASSERT_EQ(u.members.size(), 1u);
  EXPECT_EQ(u.members[0].status, AlertStatus::resolved);
  EXPECT_EQ(u.members[0].resolved_at, kT0 + 4min);  // the alert's ends_at
  // The critical member left: priority drops back to the warning's P4 (low impact).
  EXPECT_EQ(actions(u), (std::vector<std::string>{"member_resolved", "priority_change"}));
  EXPECT_EQ(u.audit[0].detail, fp_detail(kErrors));
  EXPECT_EQ(u.audit[1].detail, R"({"from":"P2","to":"P4","impact":"low","urgency":"sev3"})");
  EXPECT_EQ(u.incident.priority, Priority::P4);
  EXPECT_EQ(correlator_.active_incidents(), 2u);
}

TEST_F(CorrelatorTest, AllMembersResolvedResolvesIncident) {
  fire(kLatency, kT0);
  fire(kErrors, kT0 + 1min);
  resolve(kLatency, kT0 + 5min);
  auto out = resolve(kErrors, kT0 + 6min);
  ASSERT_EQ(out.size(), 1u);
  const auto& u = out[0];
  EXPECT_EQ(u.incident.id, "INC-1");
  EXPECT_EQ(u.incident.status, IncidentStatus::resolved);
  EXPECT_EQ(u.incident.resolved_at, kT0 + 6min);
  EXPECT_EQ(u.incident.updated_at, kT0 + 6min);
  EXPECT_EQ(u.incident.firing_count, 0u);
  ASSERT_EQ(u.members.size(), 1u);
  EXPECT_EQ(u.members[0].resolved_at, kT0 + 6min);  // no ends_at: the event time
  ASSERT_EQ(actions(u), (std::vector<std::string>{"member_resolved", "status_change"}));
  EXPECT_EQ(u.audit[1].detail, R"({"from":"open","to":"resolved"})");
  EXPECT_EQ(u.audit[1].at, kT0 + 6min);
  EXPECT_EQ(correlator_.active_incidents(), 0u);
  EXPECT_EQ(correlator_.active_members(), 0u);
}

TEST_F(CorrelatorTest, MemberRefiresInOpenIncident) {
  fire(kLatency, kT0);
  fire(kPayments, kT0);
  fire(kErrors, kT0 + 1min);
  resolve(kErrors, kT0 + 2min);
  auto out = fire(kErrors, kT0 + 3min);
  ASSERT_EQ(out.size(), 1u);
  const auto& u = out[0];
  EXPECT_EQ(u.incident.id, "INC-1");
  EXPECT_EQ(u.incident.alert_count, 2u);
  EXPECT_EQ(u.incident.firing_count, 2u);
  EXPECT_EQ(u.incident.last_alert_at, kT0 + 3min);
  EXPECT_EQ(actions(u), (std::vector<std::string>{"member_refired", "priority_change"}));
  EXPECT_EQ(u.audit[0].detail, fp_detail(kErrors));
  EXPECT_EQ(u.audit[1].detail, R"({"from":"P4","to":"P2","impact":"low","urgency":"sev1"})");
  ASSERT_EQ(u.members.size(), 1u);
  EXPECT_EQ(u.members[0].status, AlertStatus::firing);
  EXPECT_EQ(u.members[0].resolved_at, core::kNoTime);
  EXPECT_EQ(u.members[0].event_count, 3u);
}

TEST_F(CorrelatorTest, RefireAfterIncidentResolvedOpensNewIncident) {
  // With flap damping on (the default) this re-fire would reopen INC-1
  // instead (see flap tests); off, a resolved incident is forgotten at once.
  CorrelatorConfig config;
  config.flap.transitions = 0;
  correlator_ = Correlator(config);
  fire(kLatency, kT0);
  resolve(kLatency, kT0 + 1min);
  auto out = fire(kLatency, kT0 + 2min);  // well inside the old group window
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.id, "INC-2");
  EXPECT_EQ(out[0].incident.status, IncidentStatus::open);
  EXPECT_EQ(actions(out[0]), (std::vector<std::string>{"create", "member_added"}));
  EXPECT_EQ(correlator_.incidents_created_total(), 2u);
}

TEST_F(CorrelatorTest, LeaseExpiryResolvesMemberFromMemory) {
  auto fired = make_alert(kLatency);
  fired.annotations = core::LabelSet{{"summary", "slow"}};
  apply(event(AlertChange::firing, std::move(fired), kT0));
  // What the shard emits when a lease runs out: fingerprint and tenant only.
  core::Alert expired;
  expired.fingerprint = core::fingerprint(kLatency);
  expired.status = AlertStatus::resolved;
  expired.ends_at = kT0 + 4min;
  auto out = apply(event(AlertChange::resolved, std::move(expired), kT0 + 4min + 1s));
  ASSERT_EQ(out.size(), 1u);
  const auto& m = out[0].members.at(0);
  EXPECT_EQ(m.labels, kLatency);
  EXPECT_EQ(m.annotations.get("summary"), "slow");
  EXPECT_EQ(m.source, "prometheus");
  EXPECT_EQ(m.resolved_at, kT0 + 4min);
  EXPECT_EQ(m.last_seen, kT0);  // nothing was received at expiry
  EXPECT_EQ(m.event_count, 1u);
  EXPECT_EQ(out[0].incident.status, IncidentStatus::resolved);
  EXPECT_EQ(out[0].incident.resolved_at, kT0 + 4min + 1s);
  EXPECT_EQ(out[0].received_mono_ns, 0);
}

TEST_F(CorrelatorTest, UnknownResolveIsCountedAndIgnored) {
  EXPECT_TRUE(resolve(kLatency, kT0).empty());
  EXPECT_EQ(correlator_.orphan_resolves_total(), 1u);
  fire(kLatency, kT0);
  resolve(kLatency, kT0 + 1s);
  EXPECT_TRUE(resolve(kLatency, kT0 + 2s).empty());  // incident gone with its members
  EXPECT_EQ(correlator_.orphan_resolves_total(), 2u);
}

TEST_F(CorrelatorTest, TouchUpdatesMemberWithoutAudit) {
  fire(kLatency, kT0);
  auto a = make_alert(kLatency);
  a.received_mono_ns = 99;
  auto out = apply(event(AlertChange::touch, std::move(a), kT0 + 1min));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].audit.empty());
  EXPECT_EQ(out[0].received_mono_ns, 99);
  ASSERT_EQ(out[0].members.size(), 1u);
  EXPECT_EQ(out[0].members[0].labels, kLatency);
  EXPECT_EQ(out[0].members[0].last_seen, kT0 + 1min);
  EXPECT_EQ(out[0].members[0].event_count, 2u);
  EXPECT_EQ(out[0].incident.last_alert_at, kT0);  // a touch does not extend the window

  EXPECT_TRUE(apply(event(AlertChange::touch, make_alert(kPayments), kT0)).empty());
  EXPECT_EQ(correlator_.orphan_touches_total(), 1u);
  EXPECT_EQ(correlator_.active_incidents(), 1u);
}

TEST_F(CorrelatorTest, TouchKeepsLatestAnnotationsForLaterSnapshots) {
  auto first = make_alert(kLatency);
  first.annotations = core::LabelSet{{"summary", "p99 2.1s"}};
  apply(event(AlertChange::firing, std::move(first), kT0));
  auto touch = make_alert(kLatency);
  touch.annotations = core::LabelSet{{"summary", "p99 3.4s"}};
  auto touched = apply(event(AlertChange::touch, std::move(touch), kT0 + 1min));
  EXPECT_EQ(touched.at(0).members.at(0).annotations.get("summary"), "p99 3.4s");
  EXPECT_EQ(touched[0].members[0].source, "prometheus");
  EXPECT_EQ(touched[0].members[0].first_seen, kT0);

  core::Alert expired;  // lease expiry: the snapshot comes from memory
  expired.fingerprint = core::fingerprint(kLatency);
  expired.status = AlertStatus::resolved;
  auto out = apply(event(AlertChange::resolved, std::move(expired), kT0 + 5min));
  EXPECT_EQ(out.at(0).members.at(0).annotations.get("summary"), "p99 3.4s");
  EXPECT_EQ(out[0].members[0].labels, kLatency);
  EXPECT_EQ(out[0].members[0].event_count, 2u);
}

TEST_F(CorrelatorTest, PriorityFollowsWorstFiringSeverity) {
  // One service, no hosts: impact low throughout, so the matrix's low column.
  auto first = fire(kLatency, kT0);  // warning
  EXPECT_EQ(first[0].incident.priority, Priority::P4);
  EXPECT_EQ(first[0].incident.severity, "sev3");
  auto info = fire({{"alertname", "Info"}, {"service", "checkout"}, {"severity", "info"}}, kT0);
  EXPECT_EQ(actions(info[0]), std::vector<std::string>{"member_added"});  // P4 stays
  EXPECT_EQ(info[0].incident.priority, Priority::P4);

  auto high = fire({{"alertname", "Err"}, {"service", "checkout"}, {"severity", "page"}}, kT0);
  ASSERT_EQ(actions(high[0]), (std::vector<std::string>{"member_added", "priority_change"}));
  EXPECT_EQ(high[0].audit[1].detail, R"({"from":"P4","to":"P3","impact":"low","urgency":"sev2"})");
  EXPECT_EQ(high[0].incident.priority, Priority::P3);
  EXPECT_EQ(high[0].incident.severity, "sev2");

  auto crit = fire(kErrors, kT0);
  EXPECT_EQ(crit[0].audit[1].detail, R"({"from":"P3","to":"P2","impact":"low","urgency":"sev1"})");
  EXPECT_EQ(crit[0].incident.severity, "sev1");
}

TEST_F(CorrelatorTest, IncidentOpenedByCriticalAlertOnOneServiceIsP2) {
  // Matrix default: sev1 x low impact = P2 (P1 needs medium or high impact).
  auto out = fire(kErrors, kT0);
  EXPECT_EQ(out[0].incident.priority, Priority::P2);
  EXPECT_EQ(out[0].incident.severity, "sev1");
  EXPECT_NE(out[0].audit[0].detail.find(R"("priority":"P2")"), std::string::npos);
  EXPECT_EQ(actions(out[0]), (std::vector<std::string>{"create", "member_added"}));
}

TEST_F(CorrelatorTest, EveryUpdateCarriesReceiptTime) {
  auto a = make_alert(kLatency);
  a.received_mono_ns = 1001;
  auto out = apply(event(AlertChange::firing, std::move(a), kT0));
  EXPECT_EQ(out.at(0).received_mono_ns, 1001);
  auto b = make_alert(kLatency);
  b.status = AlertStatus::resolved;
  b.received_mono_ns = 1002;
  out = apply(event(AlertChange::resolved, std::move(b), kT0 + 1s));
  EXPECT_EQ(out.at(0).received_mono_ns, 1002);
}

core::ActiveState restored_state() {
  core::ActiveState state;
  core::Incident inc;
  inc.id = "INC-7";
  inc.seq = 7;
  inc.title = "HighLatency (checkout)";
  inc.service = "checkout";
  inc.group_key = R"({service="checkout"})";
  inc.rule = "default";
  inc.priority = Priority::P2;  // kErrors is critical, on one service: sev1 x low
  inc.severity = "sev1";
  inc.opened_at = kT0 - 5min;
  inc.updated_at = kT0 - 4min;
  inc.last_alert_at = kT0 - 4min;
  inc.alert_count = 2;
  inc.firing_count = 2;
  state.incidents.push_back(inc);
  for (const auto* labels : {&kLatency, &kErrors}) {
    core::Member m;
    m.fingerprint = core::fingerprint(*labels);
    m.labels = *labels;
    m.source = "prometheus";
    m.first_seen = kT0 - 5min;
    m.last_seen = kT0 - 4min;
    m.event_count = 3;
    state.members.emplace_back("INC-7", std::move(m));
  }
  state.max_seq = 9;  // INC-8 and INC-9 were resolved before the restart
  return state;
}

TEST_F(CorrelatorTest, RestoreKeepsMembershipAndContinuesSequence) {
  correlator_.restore(restored_state());
  EXPECT_EQ(correlator_.active_incidents(), 1u);
  EXPECT_EQ(correlator_.active_members(), 2u);

  auto resent = fire(kLatency, kT0);  // the shard forgot it too: arrives as firing
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].incident.id, "INC-7");
  EXPECT_EQ(resent[0].incident.alert_count, 2u);
  EXPECT_TRUE(resent[0].audit.empty());
  EXPECT_EQ(resent[0].members.at(0).event_count, 4u);

  auto joined = fire({{"alertname", "Third"}, {"service", "checkout"}}, kT0 + 1min);
  EXPECT_EQ(joined[0].incident.id, "INC-7");  // inside the restored group window
  EXPECT_EQ(joined[0].incident.alert_count, 3u);

  auto fresh = fire(kPayments, kT0 + 1min);
  EXPECT_EQ(fresh[0].incident.id, "INC-10");
  EXPECT_EQ(fresh[0].incident.seq, 10);
}

TEST_F(CorrelatorTest, RestoredIncidentResolvesWhenItsMembersResolve) {
  correlator_.restore(restored_state());
  auto first = resolve(kLatency, kT0);
  EXPECT_EQ(first.at(0).incident.id, "INC-7");
  EXPECT_EQ(first[0].incident.status, IncidentStatus::open);
  EXPECT_EQ(first[0].members.at(0).labels, kLatency);
  auto second = resolve(kErrors, kT0 + 1s);
  EXPECT_EQ(second.at(0).incident.status, IncidentStatus::resolved);
  EXPECT_EQ(actions(second[0]), (std::vector<std::string>{"member_resolved", "status_change"}));
  EXPECT_EQ(correlator_.active_incidents(), 0u);
  EXPECT_EQ(correlator_.orphan_resolves_total(), 0u);
}

TEST_F(CorrelatorTest, RestoreSkipsInactiveIncidentsButKeepsTheirSequence) {
  core::ActiveState state;
  core::Incident done;
  done.id = "INC-12";
  done.seq = 12;
  done.status = IncidentStatus::resolved;
  state.incidents.push_back(done);
  correlator_.restore(std::move(state));
  EXPECT_EQ(correlator_.active_incidents(), 0u);
  EXPECT_EQ(fire(kLatency, kT0)[0].incident.id, "INC-13");
}

}  // namespace
}  // namespace alertd::correlator
