#include "correlator/lifecycle/sla_clock.h"

#include "core/json_writer.h"
#include "correlator/audit.h"

namespace alertd::correlator {

using core::IncidentStatus;

namespace {

// One rung up the ladder, audited and notified. No-op at the top.
void clock_escalate(core::Incident& inc, core::TimePoint at, std::string_view why,
                    std::vector<core::AuditEntry>& audit, core::Milestones& m) {
  if (inc.escalation_level >= core::kTopEscalationLevel) return;
  const core::Incident before = inc;
  escalate_to(inc, core::escalation_team(inc.escalation_level + 1), m);
  inc.updated_at = at;
  audit.push_back(audit_entry(inc, at, "escalate", changes_detail(before, inc, {{"reason", why}})));
  std::string detail;
  core::JsonWriter w(detail);
  w.begin_object().field("to", inc.team).field("reason", why).end_object();
  audit.push_back(audit_entry(inc, at, "notify", std::move(detail)));
}

}  // namespace

void escalate_to(core::Incident& inc, std::string_view team, core::Milestones& m) {
  inc.team = team;
  if (int level = core::escalation_level(team); level != 0) inc.escalation_level = level;
  inc.assignee.clear();  // the new team picks it up
  inc.status = IncidentStatus::escalated;
  m.escalations.emplace_back(team);
}

void set_sla_due(core::Incident& inc, const LifecyclePolicy& policy) {
  if (inc.opened_at == core::kNoTime) return;
  const auto& t = policy.targets(inc.priority);
  // A stopped clock was met or missed against the target it had then: a
  // later priority change must not rewrite that record.
  if (inc.acknowledged_at == core::kNoTime || inc.ack_due_at == core::kNoTime) {
    inc.ack_due_at = inc.opened_at + t.acknowledge;
  }
  if (inc.resolved_at == core::kNoTime || inc.resolve_due_at == core::kNoTime) {
    inc.resolve_due_at = inc.opened_at + t.resolve;
  }
}

core::TimePoint next_sla_due(const core::Incident& inc) {
  if (!core::is_active(inc.status)) return core::kNoTime;
  core::TimePoint next = core::TimePoint::max();
  auto consider = [&](core::TimePoint t) {
    if (t != core::kNoTime && t < next) next = t;
  };
  if (inc.acknowledged_at == core::kNoTime && !inc.ack_breached) consider(inc.ack_due_at);
  if (!inc.resolve_breached) consider(inc.resolve_due_at);
  if (inc.acknowledged_at == core::kNoTime) consider(inc.next_escalation_at);
  return next == core::TimePoint::max() ? core::kNoTime : next;
}

bool run_sla_clock(core::Incident& inc, core::TimePoint now, const LifecyclePolicy& policy,
                   std::vector<core::AuditEntry>& audit, core::Milestones& m) {
  if (!core::is_active(inc.status)) return false;
  bool changed = false;
  auto breach = [&](std::string_view kind, core::TimePoint due) {
    std::string detail;
    core::JsonWriter w(detail);
    w.begin_object().field("kind", kind).key("due_at").time(due).end_object();
    audit.push_back(audit_entry(inc, now, "sla_breach", std::move(detail)));
    changed = true;
  };
  const bool unacknowledged = inc.acknowledged_at == core::kNoTime;
  const auto ack_target = policy.targets(inc.priority).acknowledge;
  if (unacknowledged && !inc.ack_breached && inc.ack_due_at != core::kNoTime &&
      inc.ack_due_at <= now) {
    inc.ack_breached = true;
    m.ack_breach = true;
    breach("acknowledge", inc.ack_due_at);
    clock_escalate(inc, now, "acknowledge SLA breached", audit, m);
    inc.next_escalation_at =
        policy.repeat_escalation && inc.escalation_level < core::kTopEscalationLevel
            ? now + ack_target
            : core::kNoTime;
  } else if (unacknowledged && inc.next_escalation_at != core::kNoTime &&
             inc.next_escalation_at <= now) {
    clock_escalate(inc, now, "still unacknowledged", audit, m);
    inc.next_escalation_at =
        inc.escalation_level < core::kTopEscalationLevel ? now + ack_target : core::kNoTime;
    changed = true;
  }
  if (!inc.resolve_breached && inc.resolve_due_at != core::kNoTime && inc.resolve_due_at <= now) {
    inc.resolve_breached = true;
    m.resolve_breach = true;
    breach("resolve", inc.resolve_due_at);
    clock_escalate(inc, now, "resolve SLA breached", audit, m);
  }
  // At the top of the ladder there is nobody left to escalate to.
  if (inc.escalation_level >= core::kTopEscalationLevel) inc.next_escalation_at = core::kNoTime;
  if (changed) inc.updated_at = now;
  return changed;
}

}  // namespace alertd::correlator
