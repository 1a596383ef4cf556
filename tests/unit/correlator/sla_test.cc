// The SLA clock and lifecycle commands on the Correlator, driven by the
// times of its events and ticks (the fake clock): breaches, the escalation
// ladder, priority changes, restart recovery and commands on incidents the
// correlator holds or has let go.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/lifecycle.h"
#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::IncidentStatus;
using core::Priority;
using core::Role;
using A = core::LifecycleAction;
using Kind = CommandOutcome::Kind;

const core::LabelSet kDb{{"alertname", "DbDown"}, {"service", "db"}, {"severity", "critical"}};
const core::LabelSet kDbSlow{{"alertname", "DbSlow"}, {"service", "db"}, {"severity", "critical"}};
const core::LabelSet kDbWarn{{"alertname", "DbLag"}, {"service", "db"}, {"severity", "warning"}};

// Every sev1 alert is a P1, whatever its impact.
CorrelatorConfig sla_config() {
  CorrelatorConfig cfg;
  cfg.priority.matrix[0] = {Priority::P1, Priority::P1, Priority::P1};
  return cfg;
}

core::LifecycleCommand cmd(A action, std::string id, core::TimePoint at,
                           std::string actor = "alice", Role role = Role::responder) {
  core::LifecycleCommand c;
  c.reply = std::make_shared<core::CommandReply>();  // tells one command's update from another's
  c.action = action;
  c.incident_id = std::move(id);
  c.actor = std::move(actor);
  c.role = role;
  c.at = at;
  return c;
}

struct Ran {
  CommandOutcome outcome;
  std::vector<core::IncidentUpdate> updates;
};

Ran run(Driver& d, const core::LifecycleCommand& c) {
  Ran r;
  r.outcome = d.c.command(c, r.updates);
  return r;
}

std::vector<const core::AuditEntry*> entries(const std::vector<core::IncidentUpdate>& updates,
                                             std::string_view action) {
  std::vector<const core::AuditEntry*> out;
  for (const auto& u : updates) {
    for (const auto& a : u.audit) {
      if (a.action == action) out.push_back(&a);
    }
  }
  return out;
}

core::Milestones milestones(const std::vector<core::IncidentUpdate>& updates) {
  core::Milestones m;
  for (const auto& u : updates) m.merge(u.milestones);
  return m;
}

std::string breach_detail(std::string_view kind, core::TimePoint due) {
  return R"({"kind":")" + std::string(kind) + R"(","due_at":")" + core::format_rfc3339(due) +
         R"("})";
}

// What the store would hold: the last version of every incident and member
// the correlator emitted, and every audit entry and milestone.
struct Store {
  std::map<std::string, core::Incident> incidents;
  std::map<std::string, std::map<uint64_t, core::Member>> members;
  std::vector<core::IncidentUpdate> history;

  void absorb(const std::vector<core::IncidentUpdate>& updates) {
    for (const auto& u : updates) {
      incidents[u.incident.id] = u.incident;
      for (const auto& m : u.members) members[u.incident.id][m.fingerprint] = m;
      history.push_back(u);
    }
  }
  core::ActiveState active() const {
    core::ActiveState s;
    for (const auto& [id, inc] : incidents) {
      s.max_seq = std::max(s.max_seq, inc.seq);
      if (!core::is_active(inc.status)) continue;
      s.incidents.push_back(inc);
      if (auto it = members.find(id); it != members.end()) {
        for (const auto& [fp, m] : it->second) s.members.emplace_back(id, m);
      }
    }
    return s;
  }
};

// A correlator started after a restart from what the store holds.
Driver restarted(const Store& store, core::TimePoint now, CorrelatorConfig cfg = sla_config()) {
  Driver d{std::move(cfg)};
  d.c.restore(store.active());
  d.c.start(now);
  return d;
}

// ---- the clock --------------------------------------------------------------

TEST(SlaClock, AckBreachRunsOnceExactlyAtTheDueTime) {
  Driver d{sla_config()};
  auto opened = d.fire(kDb, kT0);
  const core::Incident& inc = opened.at(0).incident;
  EXPECT_EQ(inc.priority, Priority::P1);
  EXPECT_EQ(inc.ack_due_at, kT0 + 15min);
  EXPECT_EQ(inc.resolve_due_at, kT0 + 4h);
  EXPECT_EQ(d.c.next_due(), kT0 + 15min);

  EXPECT_TRUE(d.tick(kT0 + 15min - 1ns).empty());
  auto due = d.tick(kT0 + 15min);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(actions(due[0]), (std::vector<std::string>{"sla_breach", "escalate", "notify"}));
  for (const auto& a : due[0].audit) {
    EXPECT_EQ(a.at, kT0 + 15min);
    EXPECT_EQ(a.actor, "alertd");
  }
  EXPECT_EQ(due[0].audit[0].detail, breach_detail("acknowledge", kT0 + 15min));
  const std::string& escalate = due[0].audit[1].detail;
  EXPECT_NE(escalate.find(R"("status":{"from":"open","to":"escalated"})"), std::string::npos)
      << escalate;
  EXPECT_NE(escalate.find(R"("team":{"from":"","to":"L2"})"), std::string::npos);
  EXPECT_NE(escalate.find(R"("escalation_level":{"from":"L1","to":"L2"})"), std::string::npos);
  EXPECT_NE(escalate.find(R"("reason":"acknowledge SLA breached")"), std::string::npos);
  EXPECT_EQ(due[0].audit[2].detail, R"({"to":"L2","reason":"acknowledge SLA breached"})");
  EXPECT_TRUE(due[0].milestones.ack_breach);
  EXPECT_FALSE(due[0].milestones.resolve_breach);
  EXPECT_EQ(due[0].milestones.escalations, std::vector<std::string>{"L2"});
  EXPECT_TRUE(due[0].incident.ack_breached);
  EXPECT_EQ(due[0].incident.status, IncidentStatus::escalated);
  EXPECT_EQ(due[0].incident.next_escalation_at, kT0 + 30min);

  EXPECT_TRUE(d.tick(kT0 + 15min).empty());
  EXPECT_TRUE(d.tick(kT0 + 30min - 1ns).empty());
}

TEST(SlaClock, UnacknowledgedItClimbsTheLadderEveryAckTargetThenStops) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);
  Store log;
  for (auto t : {15min, 30min, 45min, 60min, 239min}) log.absorb(d.tick(kT0 + t));
  auto m = milestones(log.history);
  EXPECT_EQ(m.escalations, (std::vector<std::string>{"L2", "L3", "incident_manager"}));
  EXPECT_EQ(entries(log.history, "sla_breach").size(), 1u);
  auto notes = entries(log.history, "notify");
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[1]->at, kT0 + 30min);
  EXPECT_EQ(notes[1]->detail, R"({"to":"L3","reason":"still unacknowledged"})");
  EXPECT_EQ(notes[2]->at, kT0 + 45min);
  EXPECT_EQ(notes[2]->detail, R"({"to":"incident_manager","reason":"still unacknowledged"})");
  core::Incident inc = d.incident("INC-1");
  EXPECT_EQ(inc.escalation_level, core::kTopEscalationLevel);
  EXPECT_EQ(inc.next_escalation_at, core::kNoTime);
  EXPECT_EQ(d.c.next_due(), kT0 + 4h);

  // The resolve breach is its own event; at the top of the ladder it only notifies the record.
  auto late = d.tick(kT0 + 4h);
  EXPECT_EQ(all_actions(late), std::vector<std::string>{"INC-1:sla_breach"});
  EXPECT_EQ(late.at(0).audit[0].detail, breach_detail("resolve", kT0 + 4h));
  EXPECT_TRUE(late[0].milestones.resolve_breach);
  EXPECT_FALSE(late[0].milestones.ack_breach);
  EXPECT_TRUE(late[0].incident.resolve_breached);
  EXPECT_TRUE(d.tick(kT0 + 10h).empty());
  EXPECT_FALSE(d.c.next_due().has_value());
}

TEST(SlaClock, OneLateTickRunsEachStepAtItsOwnDueTime) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);
  auto late = d.tick(kT0 + 2h);
  std::vector<core::TimePoint> at;
  for (const auto* e : entries(late, "escalate")) at.push_back(e->at);
  EXPECT_EQ(at, (std::vector<core::TimePoint>{kT0 + 15min, kT0 + 30min, kT0 + 45min}));
  EXPECT_EQ(entries(late, "sla_breach").size(), 1u);
  EXPECT_EQ(late.at(0).incident.team, "incident_manager");
}

TEST(SlaClock, AcknowledgingStopsTheLadder) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);
  d.tick(kT0 + 15min);  // breached: with L2 now
  auto ack = run(d, cmd(A::acknowledge, "INC-1", kT0 + 20min));
  ASSERT_EQ(ack.outcome.kind, Kind::pending);
  ASSERT_EQ(ack.updates.size(), 1u);
  EXPECT_TRUE(ack.updates[0].milestones.acknowledged);
  EXPECT_EQ(ack.updates[0].replies.size(), 1u);
  EXPECT_EQ(ack.updates[0].incident.next_escalation_at, core::kNoTime);
  EXPECT_EQ(d.c.next_due(), kT0 + 4h);
  EXPECT_TRUE(d.tick(kT0 + 30min).empty());
  EXPECT_TRUE(d.tick(kT0 + 3h).empty());

  // Still unresolved at 4h: the resolve breach escalates one rung and counts once.
  auto late = d.tick(kT0 + 4h);
  EXPECT_EQ(all_actions(late),
            (std::vector<std::string>{"INC-1:sla_breach", "INC-1:escalate", "INC-1:notify"}));
  EXPECT_EQ(late.at(0).audit[0].detail, breach_detail("resolve", kT0 + 4h));
  EXPECT_TRUE(late[0].milestones.resolve_breach);
  EXPECT_FALSE(late[0].milestones.ack_breach);
  EXPECT_EQ(late[0].milestones.escalations, std::vector<std::string>{"L3"});
  EXPECT_TRUE(d.tick(kT0 + 5h).empty());
}

TEST(SlaClock, AcknowledgedInTimeOnlyTheResolveClockRuns) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);
  ASSERT_EQ(run(d, cmd(A::acknowledge, "INC-1", kT0 + 5min)).outcome.kind, Kind::pending);
  EXPECT_TRUE(d.tick(kT0 + 15min).empty());
  EXPECT_TRUE(d.tick(kT0 + 4h - 1ns).empty());
  auto late = d.tick(kT0 + 4h);
  EXPECT_EQ(entries(late, "sla_breach").size(), 1u);
  auto m = milestones(late);
  EXPECT_TRUE(m.resolve_breach);
  EXPECT_FALSE(m.ack_breach);
  EXPECT_EQ(m.escalations, std::vector<std::string>{"L2"});
  EXPECT_FALSE(late.at(0).incident.ack_breached);
  EXPECT_TRUE(d.tick(kT0 + 8h).empty());
}

TEST(SlaClock, PriorityRaisedPastItsDueTimeBreachesAtTheNextTick) {
  Driver d{sla_config()};
  auto opened = d.fire(kDbWarn, kT0);
  EXPECT_EQ(opened.at(0).incident.priority, Priority::P4);
  EXPECT_EQ(opened[0].incident.ack_due_at, kT0 + 24h);

  auto patch = cmd(A::update, "INC-1", kT0 + 50min);
  patch.priority = Priority::P1;
  patch.justification = "customers affected";
  auto r = run(d, patch);
  ASSERT_EQ(r.outcome.kind, Kind::pending);
  ASSERT_EQ(r.updates.size(), 1u);
  EXPECT_EQ(actions(r.updates[0]), std::vector<std::string>{"update"});
  EXPECT_EQ(r.updates[0].incident.ack_due_at, kT0 + 15min);
  EXPECT_EQ(r.updates[0].incident.resolve_due_at, kT0 + 4h);

  // The acknowledge target is already missed: the breach is recorded when
  // it became one (the change), and the ladder climbs one rung from there,
  // not three rungs back-dated to before the change.
  auto next = d.tick(kT0 + 51min);
  auto breaches = entries(next, "sla_breach");
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0]->at, kT0 + 50min);
  EXPECT_EQ(breaches[0]->detail, breach_detail("acknowledge", kT0 + 15min));
  EXPECT_EQ(milestones(next).escalations, std::vector<std::string>{"L2"});
  EXPECT_EQ(next.at(0).incident.next_escalation_at, kT0 + 65min);
  EXPECT_TRUE(d.tick(kT0 + 65min - 1ns).empty());
  EXPECT_EQ(milestones(d.tick(kT0 + 65min)).escalations, std::vector<std::string>{"L3"});
}

TEST(SlaClock, ReopenedByAnAlertAfterItsDueTimeBreachesAtTheReopen) {
  Driver d{sla_config()};  // flap damping on: a re-fire within 15m reopens
  d.fire(kDb, kT0);
  d.resolve(kDb, kT0 + 5min);  // before the acknowledge target: no breach
  EXPECT_TRUE(d.tick(kT0 + 15min).empty());
  auto reopened = d.fire(kDb, kT0 + 19min);
  EXPECT_EQ(entries(reopened, "reopened").size(), 1u);
  EXPECT_TRUE(entries(reopened, "sla_breach").empty());
  auto next = d.tick(kT0 + 19min);
  auto breaches = entries(next, "sla_breach");
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0]->at, kT0 + 19min);
  EXPECT_EQ(breaches[0]->detail, breach_detail("acknowledge", kT0 + 15min));
}

TEST(SlaClock, PriorityLoweredPushesTheBreachOut) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);  // P1: acknowledge by 15m
  auto patch = cmd(A::update, "INC-1", kT0 + 10min);
  patch.priority = Priority::P3;
  ASSERT_EQ(run(d, patch).outcome.kind, Kind::pending);
  EXPECT_TRUE(d.tick(kT0 + 4h - 1ns).empty());
  auto due = d.tick(kT0 + 4h);
  ASSERT_EQ(entries(due, "sla_breach").size(), 1u);
  EXPECT_EQ(entries(due, "sla_breach")[0]->detail, breach_detail("acknowledge", kT0 + 4h));
}

TEST(SlaClock, AManualPriorityIsNotReDerivedByNewAlerts) {
  // Without a person's word, a sev1 alert joining raises the priority and its clocks.
  Driver derived{sla_config()};
  derived.fire(kDbWarn, kT0);
  auto joined = derived.fire(kDb, kT0 + 2min);
  EXPECT_EQ(entries(joined, "priority_change").size(), 1u);
  EXPECT_EQ(joined.at(0).incident.priority, Priority::P1);
  EXPECT_EQ(joined[0].incident.ack_due_at, kT0 + 15min);

  Driver d{sla_config()};
  d.fire(kDbWarn, kT0);
  auto patch = cmd(A::update, "INC-1", kT0 + 1min);
  patch.priority = Priority::P3;
  auto r = run(d, patch);
  ASSERT_EQ(r.outcome.kind, Kind::pending);
  EXPECT_TRUE(r.updates.at(0).incident.priority_manual);
  auto later = d.fire(kDb, kT0 + 2min);
  EXPECT_TRUE(entries(later, "priority_change").empty());
  EXPECT_EQ(later.at(0).incident.id, "INC-1");
  EXPECT_EQ(later[0].incident.priority, Priority::P3);
  EXPECT_EQ(later[0].incident.ack_due_at, kT0 + 4h);
  EXPECT_TRUE(d.tick(kT0 + 15min).empty());
}

TEST(SlaClock, ClockOffStillShowsDueTimesButNeverBreaches) {
  auto cfg = sla_config();
  cfg.lifecycle.sla_clock = false;
  Driver d{cfg};
  auto opened = d.fire(kDb, kT0);
  EXPECT_EQ(opened.at(0).incident.ack_due_at, kT0 + 15min);
  EXPECT_EQ(opened[0].incident.resolve_due_at, kT0 + 4h);
  EXPECT_FALSE(d.c.next_due().has_value());
  EXPECT_TRUE(d.tick(kT0 + 10h).empty());
  core::Incident inc = d.incident("INC-1");
  EXPECT_FALSE(inc.ack_breached);
  EXPECT_FALSE(inc.resolve_breached);
  EXPECT_EQ(inc.status, IncidentStatus::open);
}

TEST(SlaClock, TargetsPerPriorityComeFromTheConfig) {
  auto cfg = sla_config();
  cfg.lifecycle.sla[0] = {5min, 1h};
  cfg.lifecycle.sla[3] = {2h, 3h};
  Driver d{cfg};
  auto opened = d.fire(kDb, kT0);
  EXPECT_EQ(opened.at(0).incident.ack_due_at, kT0 + 5min);
  EXPECT_EQ(opened[0].incident.resolve_due_at, kT0 + 1h);
  auto p4 = d.fire({{"alertname", "Disk"}, {"service", "files"}, {"severity", "warning"}}, kT0);
  EXPECT_EQ(p4.at(0).incident.priority, Priority::P4);
  EXPECT_EQ(p4[0].incident.ack_due_at, kT0 + 2h);
  EXPECT_TRUE(d.tick(kT0 + 5min - 1ns).empty());
  auto due = d.tick(kT0 + 5min);
  EXPECT_EQ(all_actions(due),
            (std::vector<std::string>{"INC-1:sla_breach", "INC-1:escalate", "INC-1:notify"}));
  EXPECT_EQ(due.at(0).incident.next_escalation_at, kT0 + 10min);
}

// ---- restart recovery -------------------------------------------------------

TEST(SlaRestore, ABreachThatFellDueWhileDownRunsAtTheFirstTick) {
  Store store;
  {
    Driver before{sla_config()};
    store.absorb(before.fire(kDb, kT0));
    store.absorb(before.tick(kT0 + 10min));
  }  // down from 10m to 20m
  Driver after = restarted(store, kT0 + 20min);
  EXPECT_EQ(after.c.next_due(), kT0 + 15min);
  auto first = after.tick(kT0 + 20min);
  auto breaches = entries(first, "sla_breach");
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0]->detail, breach_detail("acknowledge", kT0 + 15min));
  EXPECT_TRUE(milestones(first).ack_breach);
  EXPECT_EQ(milestones(first).escalations, std::vector<std::string>{"L2"});
  EXPECT_EQ(first.at(0).incident.next_escalation_at, kT0 + 30min);
  EXPECT_EQ(first[0].incident.alert_count, 1u);
  EXPECT_TRUE(after.tick(kT0 + 21min).empty());
}

TEST(SlaRestore, ARecordedBreachDoesNotRunAgainAndTheLadderContinues) {
  Store store;
  {
    Driver before{sla_config()};
    store.absorb(before.fire(kDb, kT0));
    store.absorb(before.tick(kT0 + 15min));
  }
  ASSERT_TRUE(store.incidents.at("INC-1").ack_breached);
  Driver after = restarted(store, kT0 + 20min);
  EXPECT_EQ(after.c.next_due(), kT0 + 30min);
  EXPECT_TRUE(after.tick(kT0 + 20min).empty());
  auto next = after.tick(kT0 + 30min);
  EXPECT_TRUE(entries(next, "sla_breach").empty());
  EXPECT_FALSE(milestones(next).ack_breach);
  EXPECT_EQ(milestones(next).escalations, std::vector<std::string>{"L3"});
}

TEST(SlaRestore, NoBreachMissedOrDoubledAcrossRestarts) {
  Store store;
  {
    Driver d{sla_config()};
    store.absorb(d.fire(kDb, kT0));
    store.absorb(d.tick(kT0 + 14min));
  }
  // Each restart runs a few ticks, then goes down again.
  const std::vector<std::vector<core::Duration>> lives = {
      {15min}, {16min, 31min}, {50min}, {5h}, {10h}};
  for (const auto& ticks : lives) {
    Driver d = restarted(store, kT0 + ticks.front());
    for (auto t : ticks) store.absorb(d.tick(kT0 + t));
  }
  auto breaches = entries(store.history, "sla_breach");
  ASSERT_EQ(breaches.size(), 2u);
  EXPECT_EQ(breaches[0]->detail, breach_detail("acknowledge", kT0 + 15min));
  EXPECT_EQ(breaches[1]->detail, breach_detail("resolve", kT0 + 4h));
  EXPECT_EQ(milestones(store.history).escalations,
            (std::vector<std::string>{"L2", "L3", "incident_manager"}));
  const core::Incident& last = store.incidents.at("INC-1");
  EXPECT_TRUE(last.ack_breached);
  EXPECT_TRUE(last.resolve_breached);
  EXPECT_EQ(last.next_escalation_at, core::kNoTime);
}

// ---- commands on the Correlator ---------------------------------------------

TEST(CorrelatorCommand, IncidentsItDoesNotHoldAreForTheStore) {
  Driver d{sla_config()};
  for (const char* id : {"INC-99", "bogus", ""}) {
    auto r = run(d, cmd(A::comment, id, kT0));
    EXPECT_EQ(r.outcome.kind, Kind::not_held) << id;
    EXPECT_TRUE(r.updates.empty());
  }
}

TEST(CorrelatorCommand, ResolvedByItsAlertsThenClosedByAPersonKeepsBoth) {
  Driver d{sla_config()};  // flap damping on: the resolved incident is kept for a while
  d.fire(kDb, kT0);
  auto resolved = d.resolve(kDb, kT0 + 10min);
  ASSERT_EQ(resolved.at(0).incident.status, IncidentStatus::resolved);
  EXPECT_EQ(resolved[0].incident.resolved_by, "alertd");
  EXPECT_TRUE(resolved[0].milestones.resolved);
  EXPECT_EQ(d.c.active_incidents(), 0u);

  auto by_responder = cmd(A::close, "INC-1", kT0 + 20min, "bob");
  by_responder.review = "reviewed";
  auto refused = run(d, by_responder);
  EXPECT_EQ(refused.outcome.kind, Kind::answered);
  EXPECT_EQ(refused.outcome.result.verdict, core::Verdict::forbidden);
  EXPECT_TRUE(refused.updates.empty());

  auto close = cmd(A::close, "INC-1", kT0 + 20min, "dave", Role::incident_manager);
  close.review = "reviewed";
  auto closed = run(d, close);
  ASSERT_EQ(closed.outcome.kind, Kind::pending);
  ASSERT_EQ(closed.updates.size(), 1u);
  const core::Incident& inc = closed.updates[0].incident;
  EXPECT_EQ(inc.status, IncidentStatus::closed);
  EXPECT_EQ(inc.resolved_at, kT0 + 10min);
  EXPECT_EQ(inc.resolved_by, "alertd");
  EXPECT_EQ(inc.closed_at, kT0 + 20min);
  EXPECT_EQ(inc.closed_by, "dave");
  EXPECT_EQ(closed.updates[0].replies,
            std::vector<std::shared_ptr<core::CommandReply>>{close.reply});
  EXPECT_EQ(d.c.counters().recent_resolved, 0u);  // closed is final: forgotten

  EXPECT_EQ(run(d, cmd(A::comment, "INC-1", kT0 + 30min)).outcome.kind, Kind::not_held);
  auto again = d.fire(kDb, kT0 + 31min);  // the same alert opens a new incident
  EXPECT_EQ(again.at(0).incident.id, "INC-2");
}

TEST(CorrelatorCommand, ResolvingByCommandLetsTheIncidentGo) {
  for (bool flap : {false, true}) {
    SCOPED_TRACE(flap ? "flap damping on" : "flap damping off");
    auto cfg = sla_config();
    if (!flap) cfg.flap.transitions = 0;
    Driver d{cfg};
    d.fire(kDb, kT0);
    auto c = cmd(A::resolve, "INC-1", kT0 + 5min);
    c.text = "failed over";
    auto r = run(d, c);
    ASSERT_EQ(r.outcome.kind, Kind::pending);
    ASSERT_EQ(r.updates.size(), 1u);
    EXPECT_EQ(r.updates[0].incident.status, IncidentStatus::resolved);
    EXPECT_EQ(r.updates[0].incident.resolved_by, "alice");
    EXPECT_TRUE(r.updates[0].milestones.resolved);
    EXPECT_EQ(r.updates[0].replies, std::vector<std::shared_ptr<core::CommandReply>>{c.reply});
    EXPECT_EQ(d.c.active_incidents(), 0u);
    EXPECT_EQ(d.c.counters().recent_resolved, flap ? 1u : 0u);

    auto next = d.fire(kDbSlow, kT0 + 6min);  // same group, within the window
    EXPECT_EQ(next.at(0).incident.id, "INC-2");
    // INC-1's clock stopped with it: only INC-2 breaches.
    EXPECT_TRUE(d.tick(kT0 + 21min - 1ns).empty());
    auto updates = d.tick(kT0 + 21min);
    auto due = entries(updates, "sla_breach");
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0]->incident_id, "INC-2");
  }
}

TEST(CorrelatorCommand, ReopeningAParkedIncidentReactivatesIt) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);
  d.resolve(kDb, kT0 + 2min);
  ASSERT_EQ(d.c.counters().recent_resolved, 1u);
  auto c = cmd(A::reopen, "INC-1", kT0 + 4min, "bob");
  c.reason = "users still see errors";
  auto r = run(d, c);
  ASSERT_EQ(r.outcome.kind, Kind::pending);
  ASSERT_EQ(r.updates.size(), 1u);
  EXPECT_EQ(actions(r.updates[0]), std::vector<std::string>{"reopen"});
  EXPECT_EQ(r.updates[0].incident.status, IncidentStatus::open);
  EXPECT_TRUE(r.updates[0].incident.resolved_by.empty());
  EXPECT_EQ(r.updates[0].incident.resolved_at, core::kNoTime);
  EXPECT_EQ(d.c.active_incidents(), 1u);
  EXPECT_EQ(d.c.counters().recent_resolved, 0u);

  auto joined = d.fire(kDbSlow, kT0 + 5min);  // its group finds it again
  EXPECT_EQ(joined.at(0).incident.id, "INC-1");
  EXPECT_EQ(actions(joined[0]), std::vector<std::string>{"member_added"});
  auto due = d.tick(kT0 + 15min);  // and its SLA clock runs again
  EXPECT_EQ(entries(due, "sla_breach").size(), 1u);
}

TEST(CorrelatorCommand, RefusalsAreAnsweredAtOnceAndChangeNothing) {
  Driver d{sla_config()};
  d.fire(kDb, kT0);
  auto other = cmd(A::acknowledge, "INC-1", kT0 + 1min);
  other.tenant = "team-b";
  auto viewer = cmd(A::acknowledge, "INC-1", kT0 + 1min, "vic", Role::viewer);
  auto illegal = cmd(A::close, "INC-1", kT0 + 1min, "dave", Role::incident_manager);
  auto bad = cmd(A::assign, "INC-1", kT0 + 1min);
  bad.team = "dba";
  using core::Verdict;
  const std::pair<core::LifecycleCommand, Verdict> cases[] = {{other, Verdict::not_found},
                                                              {viewer, Verdict::forbidden},
                                                              {illegal, Verdict::conflict},
                                                              {bad, Verdict::invalid}};
  for (const auto& [c, verdict] : cases) {
    auto r = run(d, c);
    EXPECT_EQ(r.outcome.kind, Kind::answered);
    EXPECT_EQ(r.outcome.result.verdict, verdict);
    EXPECT_TRUE(r.updates.empty());
  }
  core::Incident inc = d.incident("INC-1");
  EXPECT_EQ(inc.status, IncidentStatus::open);
  EXPECT_EQ(inc.acknowledged_at, core::kNoTime);
  EXPECT_EQ(inc.updated_at, kT0);
  EXPECT_EQ(run(d, illegal).outcome.result.allowed,
            (std::vector<std::string>{"acknowledge", "assign", "escalate", "resolve", "comment",
                                      "update"}));
}

TEST(CorrelatorCommand, CreateOpensAUserReportThatAlertsNeverJoin) {
  Driver d{sla_config()};
  auto c = cmd(A::create, "", kT0);
  c.title = "Database unreachable from the office";
  c.service = "db";
  c.priority = Priority::P1;
  auto r = run(d, c);
  ASSERT_EQ(r.outcome.kind, Kind::pending);
  EXPECT_EQ(r.outcome.result.verdict, core::Verdict::created);
  ASSERT_EQ(r.updates.size(), 1u);
  const core::Incident& inc = r.updates[0].incident;
  EXPECT_EQ(inc.id, "INC-1");
  EXPECT_EQ(inc.status, IncidentStatus::open);
  EXPECT_EQ(inc.detection_source, "user_report");
  EXPECT_EQ(inc.ack_due_at, kT0 + 15min);
  EXPECT_EQ(r.updates[0].replies, std::vector<std::shared_ptr<core::CommandReply>>{c.reply});
  EXPECT_EQ(actions(r.updates[0]), std::vector<std::string>{"create"});
  EXPECT_EQ(d.c.incidents_created_total(), 1u);

  auto alert = d.fire(kDb, kT0 + 1min);  // same service, but alerts group by their own key
  EXPECT_EQ(alert.at(0).incident.id, "INC-2");
  auto due = d.tick(kT0 + 15min);
  ASSERT_EQ(entries(due, "sla_breach").size(), 1u);
  EXPECT_EQ(entries(due, "sla_breach")[0]->incident_id, "INC-1");
}

}  // namespace
}  // namespace alertd::correlator
