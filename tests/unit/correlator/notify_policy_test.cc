// The notify policy on a fake timeline: group_wait, one message per state
// change (never per alert), suppression with send_resolved, routes and
// schedules, reminders, reopening, the memory bound and a restore.

#include <gtest/gtest.h>

#include "correlator/notify/policy.h"

namespace alertd::correlator {
namespace {

using namespace std::chrono_literals;
using core::IncidentStatus;

const core::TimePoint t0 = *core::parse_rfc3339("2026-01-05T10:00:00Z");

NotifyPolicyConfig config() {
  NotifyPolicyConfig c;
  c.group_wait = 10s;
  NotifyRoute pages;
  pages.match = {*core::Matcher::parse(R"(priority=~"P1|P2")")};
  pages.receivers = {"pagerduty", "slack-quiet"};
  pages.continue_matching = true;
  NotifyRoute all;
  all.receivers = {"slack"};
  all.schedule = "primary";
  all.audience = Audience::stakeholders;
  c.routes = {pages, all};
  c.no_send_resolved = {"slack-quiet"};
  return c;
}

core::Incident incident(std::string id = "INC-1") {
  core::Incident i;
  i.id = std::move(id);
  i.priority = core::Priority::P1;
  i.service = "checkout";
  i.opened_at = t0;
  i.updated_at = t0;
  return i;
}

std::vector<std::string> receivers(const std::vector<NotifyIntent>& out) {
  std::vector<std::string> r;
  for (const auto& i : out)
    r.push_back(i.schedule.empty() ? i.receiver : i.receiver + "@" + i.schedule);
  return r;
}

TEST(NotifyPolicy, FirstAlertsWaitTogetherThenOneMessagePerChange) {
  NotifyPolicy p(config());
  std::vector<NotifyIntent> out;
  auto inc = incident();
  const core::LabelSet labels{{"alertname", "CheckoutDown"}};
  p.observe(inc, &labels, t0, out);
  inc.alert_count = 2;  // a second alert joins within group_wait
  p.observe(inc, nullptr, t0 + 5s, out);
  p.tick(t0 + 9s, out);
  EXPECT_TRUE(out.empty());
  p.tick(t0 + 10s, out);
  EXPECT_EQ(receivers(out),
            (std::vector<std::string>{"pagerduty", "slack-quiet", "slack@primary"}));
  EXPECT_EQ(out[0].stage, MessageStage::initial);
  EXPECT_EQ(out[0].changes, std::vector<NotifyChange>{NotifyChange::opened});
  EXPECT_EQ(out[2].audience, Audience::stakeholders);

  out.clear();
  inc.alert_count = 7;  // members alone are no message
  p.observe(inc, nullptr, t0 + 20s, out);
  EXPECT_TRUE(out.empty());
  inc.acknowledged_at = t0 + 1min;
  inc.assignee = "alice";
  inc.priority = core::Priority::P2;
  p.observe(inc, nullptr, t0 + 1min, out);
  ASSERT_EQ(out.size(), 3u);  // one message for the three changes, to each receiver
  EXPECT_EQ(out[0].changes,
            (std::vector<NotifyChange>{NotifyChange::priority_changed, NotifyChange::acknowledged,
                                       NotifyChange::assigned}));
  EXPECT_EQ(out[0].stage, MessageStage::update);

  out.clear();
  inc.status = IncidentStatus::resolved;
  p.observe(inc, nullptr, t0 + 2min, out);
  EXPECT_EQ(receivers(out), (std::vector<std::string>{"pagerduty", "slack@primary"}));
  EXPECT_EQ(out[0].stage, MessageStage::resolution);  // slack-quiet: send_resolved off

  out.clear();
  inc.status = IncidentStatus::closed;
  p.observe(inc, nullptr, t0 + 1h, out);
  EXPECT_EQ(out.at(0).changes, std::vector<NotifyChange>{NotifyChange::closed});
  EXPECT_EQ(p.tracked(), 0u);
}

TEST(NotifyPolicy, ResolvedWithinGroupWaitIsNeverTold) {
  NotifyPolicy p(config());
  std::vector<NotifyIntent> out;
  auto inc = incident();
  p.observe(inc, nullptr, t0, out);
  inc.status = IncidentStatus::resolved;
  p.observe(inc, nullptr, t0 + 3s, out);
  p.tick(t0 + 1h, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(p.tracked(), 0u);
  EXPECT_FALSE(p.next_due());
}

TEST(NotifyPolicy, SuppressedIsNotToldButItsEndIs) {
  NotifyPolicy p(config());
  std::vector<NotifyIntent> out;
  auto inc = incident();
  inc.suppressed = true;
  p.observe(inc, nullptr, t0, out);
  p.tick(t0 + 10s, out);
  EXPECT_TRUE(out.empty());
  inc.suppressed = false;  // the silence ended: told now
  p.observe(inc, nullptr, t0 + 5min, out);
  EXPECT_EQ(out.size(), 3u);
  out.clear();
  inc.suppressed = true;
  inc.priority = core::Priority::P3;
  p.observe(inc, nullptr, t0 + 6min, out);
  EXPECT_TRUE(out.empty());
  inc.status = IncidentStatus::resolved;
  p.observe(inc, nullptr, t0 + 7min, out);
  EXPECT_EQ(receivers(out), (std::vector<std::string>{"slack@primary"}));  // P3 now
  EXPECT_EQ(out[0].stage, MessageStage::resolution);
}

TEST(NotifyPolicy, RemindersUntilAcknowledgedAndReopening) {
  auto c = config();
  c.repeat_interval = 1h;
  c.routes.pop_back();  // only the page route
  NotifyPolicy p(c);
  std::vector<NotifyIntent> out;
  auto inc = incident();
  p.observe(inc, nullptr, t0, out);
  p.tick(t0 + 10s, out);
  out.clear();
  EXPECT_EQ(p.next_due(), t0 + 10s + 1h);
  p.tick(t0 + 10s + 1h, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].changes, std::vector<NotifyChange>{NotifyChange::reminder});
  out.clear();
  inc.acknowledged_at = t0 + 2h;
  p.observe(inc, nullptr, t0 + 2h, out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(p.next_due());  // acknowledged: no more reminders
  out.clear();
  inc.status = IncidentStatus::resolved;
  p.observe(inc, nullptr, t0 + 3h, out);
  out.clear();
  inc.status = IncidentStatus::open;
  p.observe(inc, nullptr, t0 + 4h, out);
  EXPECT_EQ(out.at(0).changes, std::vector<NotifyChange>{NotifyChange::reopened});
}

TEST(NotifyPolicy, NoRouteNoMessageAndTheMemoryBound) {
  auto c = config();
  c.routes = {};
  c.max_tracked = 2;
  NotifyPolicy p(c);
  std::vector<NotifyIntent> out;
  auto a = incident("INC-1");
  p.observe(a, nullptr, t0, out);
  p.tick(t0 + 10s, out);
  EXPECT_TRUE(out.empty());
  a.status = IncidentStatus::resolved;
  p.observe(a, nullptr, t0 + 1min, out);
  p.observe(incident("INC-2"), nullptr, t0 + 2min, out);
  p.observe(incident("INC-3"), nullptr, t0 + 3min, out);
  EXPECT_EQ(p.tracked(), 2u);
  EXPECT_EQ(p.forgotten_total(), 1u);  // the resolved one went first
}

TEST(NotifyPolicy, RestoredIncidentsKeepTheirPlace) {
  auto c = config();
  c.repeat_interval = 30min;
  NotifyPolicy p(c);
  std::vector<NotifyIntent> out;
  p.restore(incident("INC-1"), {}, NotifyPolicy::told_of(incident("INC-1")), t0 + 1min);
  p.restore(incident("INC-2"), {}, std::nullopt, core::kNoTime);
  EXPECT_EQ(p.next_due(), t0 + 10s);  // INC-2 was never told: its first message is due
  p.tick(t0 + 10s, out);
  EXPECT_EQ(out.at(0).incident_id, "INC-2");
  out.clear();
  p.tick(t0 + 31min, out);    // reminders in due order: INC-2's (30m10s), INC-1's (31m)
  ASSERT_EQ(out.size(), 6u);  // three receivers each
  EXPECT_EQ(out.at(0).incident_id, "INC-2");
  EXPECT_EQ(out.at(3).incident_id, "INC-1");
  EXPECT_EQ(out.at(3).changes, std::vector<NotifyChange>{NotifyChange::reminder});
}

// A change committed just before a crash, its message not yet enqueued: the
// restored told state is the one before it, so observing the incident again
// tells the change once.
TEST(NotifyPolicy, AChangeCommittedBeforeACrashIsToldAfterTheRestore) {
  NotifyPolicy p(config());
  auto before = incident();
  auto now = before;
  now.acknowledged_at = t0 + 2min;
  now.assignee = "alice";
  p.restore(now, {}, NotifyPolicy::told_of(before), t0 + 10s);
  std::vector<NotifyIntent> out;
  p.observe(now, nullptr, t0 + 3min, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].changes.front(), NotifyChange::acknowledged);
  EXPECT_EQ(out[0].stage, MessageStage::update);
  out.clear();
  p.observe(now, nullptr, t0 + 4min, out);
  EXPECT_TRUE(out.empty());  // told once
}

TEST(NotifyPolicy, ChangeNames) {
  EXPECT_EQ(to_string(NotifyChange::priority_changed), "priority_changed");
  EXPECT_EQ(to_string(NotifyChange::reminder), "reminder");
  EXPECT_EQ(to_string(MessageStage::resolution), "resolution");
}

}  // namespace
}  // namespace alertd::correlator
