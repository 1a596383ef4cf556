// The ITIL lifecycle state machine on its own (correlator/lifecycle/lifecycle.h):
// milestones, the audit entry each command writes, priority updates and
// their SLA due times, incidents opened by hand, and the pure SLA clock.

#include <string>
#include <vector>

#include "lifecycle_test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;

// ---- milestones -------------------------------------------------------------

TEST(LifecycleMilestones, AcknowledgedAtIsTheFirstAcknowledgeOnly) {
  Machine m;
  core::Incident inc = incident_in(S::open);
  inc.next_escalation_at = kT0 + 30min;
  auto ack = command(A::acknowledge, "alice");
  ack.at = kT0 + 10min;
  ASSERT_EQ(m.run(inc, ack).verdict, core::Verdict::done);
  EXPECT_EQ(inc.acknowledged_at, kT0 + 10min);
  EXPECT_EQ(inc.assignee, "alice");
  EXPECT_TRUE(m.milestones.acknowledged);
  EXPECT_EQ(inc.next_escalation_at, core::kNoTime);  // someone owns it: the ladder stops

  auto esc = command(A::escalate);
  esc.at = kT0 + 20min;
  ASSERT_EQ(m.run(inc, esc).verdict, core::Verdict::done);
  EXPECT_FALSE(m.milestones.acknowledged);

  auto again = command(A::acknowledge, "bob");
  again.at = kT0 + 30min;
  ASSERT_EQ(m.run(inc, again).verdict, core::Verdict::done);
  EXPECT_EQ(inc.acknowledged_at, kT0 + 10min);
  EXPECT_EQ(inc.assignee, "bob");  // escalating cleared the assignee
  EXPECT_FALSE(m.milestones.acknowledged);

  auto assign = command(A::assign);
  assign.at = kT0 + 40min;
  ASSERT_EQ(m.run(inc, assign).verdict, core::Verdict::done);
  EXPECT_EQ(inc.acknowledged_at, kT0 + 10min);
  EXPECT_FALSE(m.milestones.acknowledged);
}

TEST(LifecycleMilestones, AssignCountsAsTheFirstAcknowledge) {
  Machine m;
  core::Incident inc = incident_in(S::open);
  ASSERT_EQ(m.run(inc, command(A::assign)).verdict, core::Verdict::done);
  EXPECT_EQ(inc.acknowledged_at, kNow);
  EXPECT_TRUE(m.milestones.acknowledged);
  EXPECT_EQ(inc.team, "L2");
  EXPECT_EQ(inc.escalation_level, 2);
  EXPECT_TRUE(m.milestones.escalations.empty());  // assigning is not escalating

  auto ack = command(A::acknowledge, "zoe");
  inc.status = S::escalated;
  ack.at = kNow + 1min;
  ASSERT_EQ(m.run(inc, ack).verdict, core::Verdict::done);
  EXPECT_EQ(inc.assignee, "bob");  // acknowledging keeps an assignee
  EXPECT_EQ(inc.acknowledged_at, kNow);
  EXPECT_FALSE(m.milestones.acknowledged);
}

TEST(LifecycleMilestones, ResolveAndReopen) {
  Machine m;
  core::Incident inc = incident_in(S::escalated);
  inc.next_escalation_at = kNow + 10min;
  ASSERT_EQ(m.run(inc, command(A::resolve, "bob")).verdict, core::Verdict::done);
  EXPECT_TRUE(m.milestones.resolved);
  EXPECT_EQ(inc.resolved_by, "bob");
  EXPECT_EQ(inc.next_escalation_at, core::kNoTime);
  EXPECT_EQ(next_sla_due(inc), core::kNoTime);  // resolved: the clocks stop

  auto reopen = command(A::reopen, "carol");
  reopen.at = kNow + 1h;
  ASSERT_EQ(m.run(inc, reopen).verdict, core::Verdict::done);
  EXPECT_FALSE(m.milestones.any());
  EXPECT_EQ(inc.status, S::in_progress);
  EXPECT_EQ(inc.resolved_at, core::kNoTime);
  EXPECT_TRUE(inc.resolved_by.empty());
  EXPECT_TRUE(inc.resolution.empty());
  EXPECT_EQ(inc.acknowledged_at, kT0 + 5min);  // kept: it was acknowledged before
}

// ---- audit ------------------------------------------------------------------

TEST(LifecycleAudit, AssignRecordsEveryFieldDeltaAndTheIdentity) {
  Machine m;
  core::Incident inc = incident_in(S::open);
  auto c = command(A::assign, "ops-token");
  c.on_behalf_of = "alice";
  c.authenticated = true;
  ASSERT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  ASSERT_EQ(m.audit.size(), 1u);
  const auto& e = m.audit[0];
  EXPECT_EQ(e.actor, "ops-token");
  EXPECT_EQ(e.action, "assign");
  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(e.detail).get_object();
  EXPECT_EQ(str(o["on_behalf_of"]), "alice");
  EXPECT_TRUE(o["authenticated"].get_bool().value());
  simdjson::dom::object changes = o["changes"].get_object();
  EXPECT_EQ(changes.size(), 5u) << e.detail;
  EXPECT_EQ(str(changes["status"]["from"]), "open");
  EXPECT_EQ(str(changes["status"]["to"]), "in_progress");
  EXPECT_EQ(str(changes["team"]["from"]), "");
  EXPECT_EQ(str(changes["team"]["to"]), "L2");
  EXPECT_EQ(str(changes["assignee"]["to"]), "bob");
  EXPECT_EQ(str(changes["escalation_level"]["from"]), "L1");
  EXPECT_EQ(str(changes["escalation_level"]["to"]), "L2");
  EXPECT_TRUE(changes["acknowledged_at"]["from"].is_null());
  EXPECT_EQ(str(changes["acknowledged_at"]["to"]), core::format_rfc3339(kNow));
}

TEST(LifecycleAudit, NotesGoUnderTheirNameAndTheOpenApiIsUnauthenticated) {
  struct Case {
    S status;
    A action;
    std::string key, value;
  };
  const Case cases[] = {
      {S::open, A::escalate, "reason", "needs the database team"},
      {S::resolved, A::reopen, "reason", "came back"},
      {S::open, A::comment, "text", "looking"},
      {S::open, A::resolve, "summary", "rolled back"},
      {S::resolved, A::close, "notes", "done"},
  };
  for (const auto& tc : cases) {
    Machine m;
    core::Incident inc = incident_in(tc.status);
    ASSERT_EQ(m.run(inc, command(tc.action)).verdict, core::Verdict::done);
    ASSERT_EQ(m.audit.size(), 1u);
    simdjson::dom::parser parser;
    simdjson::dom::object o = parser.parse(m.audit[0].detail).get_object();
    EXPECT_EQ(str(o[tc.key]), tc.value) << m.audit[0].detail;
    EXPECT_EQ(o["on_behalf_of"].error(), simdjson::NO_SUCH_FIELD);
    EXPECT_FALSE(o["authenticated"].get_bool().value());
  }
  // A comment changes nothing but the time.
  Machine m;
  core::Incident inc = incident_in(S::open);
  ASSERT_EQ(m.run(inc, command(A::comment)).verdict, core::Verdict::done);
  EXPECT_EQ(m.audit[0].detail, R"({"changes":{},"text":"looking","authenticated":false})");
}

TEST(LifecycleAudit, ChangesDetailOfNothingIsEmpty) {
  core::Incident inc = incident_in(S::escalated);
  EXPECT_EQ(changes_detail(inc, inc), R"({"changes":{}})");
  EXPECT_EQ(changes_detail(inc, inc, {{"reason", ""}, {"via", "t"}}),
            R"({"changes":{},"via":"t"})");
}

// ---- update -----------------------------------------------------------------

TEST(LifecycleUpdate, PriorityChangeRecomputesDueTimesFromOpenedAt) {
  Machine m;
  core::Incident inc = incident_in(S::open, Priority::P3);
  EXPECT_EQ(inc.ack_due_at, kT0 + 4h);
  EXPECT_EQ(inc.resolve_due_at, kT0 + 72h);
  auto c = command(A::update);
  c.title.reset();
  c.priority = Priority::P1;
  c.justification = "customers affected";
  ASSERT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  EXPECT_EQ(inc.priority, Priority::P1);
  EXPECT_TRUE(inc.priority_manual);
  EXPECT_EQ(inc.ack_due_at, kT0 + 15min);
  EXPECT_EQ(inc.resolve_due_at, kT0 + 4h);
  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(m.audit.at(0).detail).get_object();
  EXPECT_EQ(str(o["justification"]), "customers affected");
  EXPECT_EQ(str(o["changes"]["priority"]["from"]), "P3");
  EXPECT_EQ(str(o["changes"]["priority"]["to"]), "P1");
  EXPECT_EQ(str(o["changes"]["ack_due_at"]["from"]), core::format_rfc3339(kT0 + 4h));
  EXPECT_EQ(str(o["changes"]["ack_due_at"]["to"]), core::format_rfc3339(kT0 + 15min));
  EXPECT_EQ(str(o["changes"]["resolve_due_at"]["to"]), core::format_rfc3339(kT0 + 4h));
}

TEST(LifecycleUpdate, AStoppedClockKeepsItsDueTimeForTheRecord) {
  Machine m;
  core::Incident inc = incident_in(S::in_progress, Priority::P3);  // acknowledged at 5m
  auto c = command(A::update);
  c.priority = Priority::P2;
  ASSERT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  EXPECT_EQ(inc.ack_due_at, kT0 + 4h);      // acknowledged within the target it had then
  EXPECT_EQ(inc.resolve_due_at, kT0 + 8h);  // still running: the new target

  core::Incident resolved = incident_in(S::resolved, Priority::P3);
  c.priority = Priority::P2;
  ASSERT_EQ(m.run(resolved, c).verdict, core::Verdict::done);
  EXPECT_EQ(resolved.priority, Priority::P2);
  EXPECT_EQ(resolved.ack_due_at, kT0 + 4h);
  EXPECT_EQ(resolved.resolve_due_at, kT0 + 72h);
}

TEST(LifecycleUpdate, ImpactAndUrgencyDerivePriorityFromTheMatrix) {
  Machine m;
  core::Incident inc = incident_in(S::open, Priority::P4);
  inc.severity = "sev4";
  inc.impact = "low";
  auto c = command(A::update);
  c.title.reset();
  c.urgency = "High";  // a person's word for sev2
  ASSERT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  EXPECT_EQ(inc.urgency, "sev2");
  EXPECT_EQ(inc.priority, Priority::P3);  // sev2 x low
  EXPECT_TRUE(inc.priority_manual);
  EXPECT_EQ(inc.ack_due_at, kT0 + 4h);

  c.urgency.reset();
  c.impact = "high";
  ASSERT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  EXPECT_EQ(inc.priority, Priority::P1);  // sev2 x high
  EXPECT_EQ(inc.ack_due_at, kT0 + 15min);

  c.priority = Priority::P2;  // an explicit priority wins over the matrix
  c.impact = "low";
  ASSERT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  EXPECT_EQ(inc.priority, Priority::P2);
  EXPECT_EQ(inc.impact, "low");
}

TEST(LifecycleUpdate, TitleOnlyLeavesPriorityToTheAlerts) {
  Machine m;
  core::Incident inc = incident_in(S::open, Priority::P3);
  ASSERT_EQ(m.run(inc, command(A::update)).verdict, core::Verdict::done);
  EXPECT_EQ(inc.title, "new title");
  EXPECT_FALSE(inc.priority_manual);
  EXPECT_EQ(inc.ack_due_at, kT0 + 4h);
  EXPECT_EQ(m.audit.at(0).detail,
            R"({"changes":{"title":{"from":"","to":"new title"}},"authenticated":false})");
}

// ---- create -----------------------------------------------------------------

TEST(LifecycleCreate, UserReportOpensWithItsOwnGroupAndSlaClocks) {
  core::LifecycleCommand c;
  c.action = A::create;
  c.actor = "alice";
  c.role = Role::responder;
  c.tenant = "team-a";
  c.on_behalf_of = "desk";
  c.authenticated = true;
  c.at = kT0;
  c.title = "Checkout is slow";
  c.service = "checkout";
  c.category = "performance";
  c.urgency = "high";
  c.impact = "medium";
  std::vector<core::AuditEntry> audit;
  core::Incident inc = create_incident(c, 7, LifecyclePolicy{}, PriorityMatrix{}, audit);
  EXPECT_EQ(inc.id, "INC-7");
  EXPECT_EQ(inc.seq, 7);
  EXPECT_EQ(inc.tenant, "team-a");
  EXPECT_EQ(inc.status, S::open);
  EXPECT_EQ(inc.detection_source, "user_report");
  EXPECT_EQ(inc.rule, "user_report");
  EXPECT_EQ(inc.group_key, "user_report:INC-7");
  EXPECT_EQ(inc.urgency, "sev2");
  EXPECT_EQ(inc.severity, "sev2");
  EXPECT_EQ(inc.priority, Priority::P2);  // sev2 x medium
  EXPECT_TRUE(inc.priority_manual);
  EXPECT_EQ(inc.opened_at, kT0);
  EXPECT_EQ(inc.ack_due_at, kT0 + 1h);
  EXPECT_EQ(inc.resolve_due_at, kT0 + 8h);
  EXPECT_EQ(next_sla_due(inc), kT0 + 1h);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "create");
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(audit[0].incident_id, "INC-7");
  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(audit[0].detail).get_object();
  EXPECT_EQ(str(o["on_behalf_of"]), "desk");
  EXPECT_TRUE(o["authenticated"].get_bool().value());
  EXPECT_EQ(str(o["changes"]["title"]["to"]), "Checkout is slow");
  EXPECT_EQ(str(o["changes"]["service"]["to"]), "checkout");
  EXPECT_EQ(str(o["changes"]["priority"]["to"]), "P2");
  EXPECT_EQ(o["changes"]["status"].error(), simdjson::NO_SUCH_FIELD);  // born open

  // Without impact, urgency or priority the matrix's defaults apply and the
  // alerts may not move it later (it has none).
  core::LifecycleCommand bare;
  bare.action = A::create;
  bare.at = kT0;
  bare.title = "Printer on fire";
  core::Incident plain = create_incident(bare, 8, LifecyclePolicy{}, PriorityMatrix{}, audit);
  EXPECT_EQ(plain.priority, Priority::P4);  // sev3 x low
  EXPECT_FALSE(plain.priority_manual);
  EXPECT_EQ(plain.ack_due_at, kT0 + 24h);
}

// ---- the SLA clock, pure ----------------------------------------------------

TEST(LifecycleSlaClock, NextDueFollowsTheClocksThatStillRun) {
  core::Incident inc = incident_in(S::open, Priority::P1);
  EXPECT_EQ(next_sla_due(inc), kT0 + 15min);
  inc.ack_breached = true;
  EXPECT_EQ(next_sla_due(inc), kT0 + 4h);
  inc.next_escalation_at = kT0 + 30min;
  EXPECT_EQ(next_sla_due(inc), kT0 + 30min);
  inc.acknowledged_at = kT0 + 20min;  // acknowledged: only the resolve clock runs
  EXPECT_EQ(next_sla_due(inc), kT0 + 4h);
  inc.resolve_breached = true;
  EXPECT_EQ(next_sla_due(inc), core::kNoTime);
}

TEST(LifecycleSlaClock, NothingHappensBeforeTheDueTime) {
  core::Incident inc = incident_in(S::open, Priority::P1);
  std::vector<core::AuditEntry> audit;
  core::Milestones ms;
  EXPECT_FALSE(run_sla_clock(inc, kT0 + 15min - 1ns, LifecyclePolicy{}, audit, ms));
  EXPECT_TRUE(audit.empty());
  EXPECT_TRUE(run_sla_clock(inc, kT0 + 15min, LifecyclePolicy{}, audit, ms));
  EXPECT_EQ(audit.size(), 3u);  // sla_breach, escalate, notify
  EXPECT_FALSE(run_sla_clock(inc, kT0 + 15min, LifecyclePolicy{}, audit, ms));
  EXPECT_EQ(audit.size(), 3u);
}

TEST(LifecycleSlaClock, WithoutRepeatEscalationTheLadderStopsAfterTheBreach) {
  LifecyclePolicy policy;
  policy.repeat_escalation = false;
  core::Incident inc = incident_in(S::open, Priority::P1);
  std::vector<core::AuditEntry> audit;
  core::Milestones ms;
  EXPECT_TRUE(run_sla_clock(inc, kT0 + 15min, policy, audit, ms));
  EXPECT_EQ(inc.team, "L2");
  EXPECT_EQ(inc.next_escalation_at, core::kNoTime);
  EXPECT_EQ(next_sla_due(inc), kT0 + 4h);
}

}  // namespace
}  // namespace alertd::correlator
