// Escalation policies on a fake clock: steps fire while the incident stays
// unacknowledged, in rounds, stop on acknowledge, and resume after a restart
// from the last message kept; an SLA escalation names its level's schedule.

#include <gtest/gtest.h>

#include "correlator/notify/policy.h"

namespace alertd::correlator {
namespace {

using namespace std::chrono_literals;
using Target = EscalationStep::Target;

const core::TimePoint t0 = *core::parse_rfc3339("2026-01-05T10:00:00Z");

EscalationPolicy checkout() {
  return {
      "checkout", {{Target::schedule, "primary", 5min}, {Target::receiver, "exec-mail", 15min}}, 0};
}

NotifyPolicyConfig config(int repeat = 0) {
  NotifyPolicyConfig c;
  c.group_wait = 10s;
  NotifyRoute route;
  route.receivers = {"slack", "pagerduty"};
  route.escalation_policy = "checkout";
  c.routes = {route};
  c.escalation_policies = {checkout()};
  c.escalation_policies[0].repeat = repeat;
  c.level_schedules = {{2, "secondary"}};
  return c;
}

core::Incident incident() {
  core::Incident i;
  i.id = "INC-1";
  i.priority = core::Priority::P1;
  i.opened_at = t0;
  i.updated_at = t0;
  return i;
}

// "receiver@schedule" or "receiver>person" per intent, "step N" prefixed on steps.
std::vector<std::string> told(const std::vector<NotifyIntent>& out) {
  std::vector<std::string> r;
  for (const auto& i : out) {
    std::string s = i.receiver;
    if (!i.schedule.empty()) s += "@" + i.schedule;
    if (!i.person.empty()) s += ">" + i.person;
    if (i.escalation_step > 0) s = "step " + std::to_string(i.escalation_step) + " " + s;
    r.push_back(s);
  }
  return r;
}

TEST(EscalationSteps, FollowEachOtherInRounds) {
  auto p = checkout();
  p.repeat = 1;
  auto first = next_step(p, t0, t0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->step, 0u);
  EXPECT_EQ(first->at, t0 + 5min);
  auto second = next_step(p, t0, first->at);
  EXPECT_EQ(second->step, 1u);
  EXPECT_EQ(second->at, t0 + 20min);
  auto again = next_step(p, t0, second->at);  // the second round
  EXPECT_EQ(again->round, 1);
  EXPECT_EQ(again->at, t0 + 25min);
  EXPECT_FALSE(next_step(p, t0, t0 + 40min));  // both rounds done
}

TEST(EscalationPolicy, StepsFireWhileUnacknowledged) {
  NotifyPolicy p(config());
  std::vector<NotifyIntent> out;
  auto inc = incident();
  p.observe(inc, nullptr, t0, out);
  p.tick(t0 + 10s, out);
  EXPECT_EQ(told(out), (std::vector<std::string>{"slack", "pagerduty"}));  // the first message
  out.clear();
  p.tick(t0 + 5min, out);
  EXPECT_TRUE(out.empty());
  p.tick(t0 + 5min + 10s, out);  // 5 min after the first message: the schedule's person
  EXPECT_EQ(told(out),
            (std::vector<std::string>{"step 1 slack@primary", "step 1 pagerduty@primary"}));
  EXPECT_EQ(out[0].changes, std::vector<NotifyChange>{NotifyChange::escalation_step});
  EXPECT_EQ(out[0].stage, MessageStage::initial);
  out.clear();
  p.tick(t0 + 20min + 10s, out);  // 15 min later: the receiver itself
  EXPECT_EQ(told(out), (std::vector<std::string>{"step 2 exec-mail"}));
  out.clear();
  p.tick(t0 + 10h, out);
  EXPECT_TRUE(out.empty());  // no repeat: done
}

TEST(EscalationPolicy, AcknowledgeStopsIt) {
  NotifyPolicy p(config(3));
  std::vector<NotifyIntent> out;
  auto inc = incident();
  p.observe(inc, nullptr, t0, out);
  p.tick(t0 + 10s, out);         // the first message
  p.tick(t0 + 5min + 10s, out);  // step 1
  ASSERT_EQ(out.size(), 4u);
  out.clear();
  inc.acknowledged_at = t0 + 6min;
  inc.updated_at = t0 + 6min;
  p.observe(inc, nullptr, t0 + 6min, out);
  EXPECT_EQ(out.at(0).changes.front(), NotifyChange::acknowledged);
  out.clear();
  p.tick(t0 + 10h, out);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(p.next_due());
}

TEST(EscalationPolicy, ARestartResumesAfterTheLastMessageKept) {
  auto inc = incident();
  {
    NotifyPolicy p(config());
    p.restore(inc, {}, NotifyPolicy::told_of(inc), t0 + 5min + 10s);  // step 1 was the last
    EXPECT_EQ(p.next_due(), t0 + 20min + 10s);
    std::vector<NotifyIntent> out;
    p.tick(t0 + 20min + 10s, out);
    EXPECT_EQ(told(out), (std::vector<std::string>{"step 2 exec-mail"}));
  }
  {
    // Down through both steps: only the latest fires, once.
    NotifyPolicy p(config());
    p.restore(inc, {}, NotifyPolicy::told_of(inc), t0 + 10s);
    std::vector<NotifyIntent> out;
    p.tick(t0 + 1h, out);
    EXPECT_EQ(told(out), (std::vector<std::string>{"step 2 exec-mail"}));
  }
}

TEST(EscalationPolicy, AnSlaEscalationNamesTheLevelsSchedule) {
  auto c = config();
  c.escalation_policies.clear();
  NotifyPolicy p(c);
  std::vector<NotifyIntent> out;
  auto inc = incident();
  p.observe(inc, nullptr, t0, out);
  p.tick(t0 + 10s, out);
  out.clear();
  inc.escalation_level = 2;  // the ack SLA breached: L1 -> L2
  inc.status = core::IncidentStatus::escalated;
  inc.updated_at = t0 + 15min;
  p.observe(inc, nullptr, t0 + 15min, out);
  EXPECT_EQ(told(out), (std::vector<std::string>{"slack@secondary", "pagerduty@secondary"}));
  EXPECT_EQ(out.at(0).changes.front(), NotifyChange::escalated);
}

}  // namespace
}  // namespace alertd::correlator
