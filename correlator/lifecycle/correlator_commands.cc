// Correlator: a person's lifecycle commands on the incidents it holds.

#include <algorithm>

#include "correlator/correlator.h"
#include "correlator/lifecycle/lifecycle.h"
#include "correlator/lifecycle/sla_clock.h"

namespace alertd::correlator {

void Correlator::record(core::IncidentUpdate& update, std::vector<core::AuditEntry>& audit,
                        const core::Milestones& milestones) {
  update.audit.insert(update.audit.end(), std::make_move_iterator(audit.begin()),
                      std::make_move_iterator(audit.end()));
  update.milestones.merge(milestones);
}

IncidentState& Correlator::reactivate(int64_t seq) {
  auto it = resolved_.find(seq);
  recent_order_.erase({it->second.evict_at, seq});
  auto inserted = incidents_.insert(resolved_.extract(it));
  IncidentState& inc = inserted.position->second;
  inc.evict_at = core::kNoTime;
  counters_.recent_resolved = resolved_.size();
  for (uint32_t i = 0; i < inc.members.size(); ++i) {
    MemberKey key{inc.members[i].fingerprint, inc.tenant};
    recent_members_.erase(key);
    member_index_.insert_or_assign(key, MemberRef{seq, i});
  }
  index_incident(inc);
  return inc;
}

// An incident opened by a person: answered once committed, with 201.
void Correlator::create_by_hand(const core::LifecycleCommand& cmd, CommandOutcome& outcome) {
  int64_t seq = ++max_seq_;
  ++incidents_created_total_;
  IncidentState& inc = incidents_[seq];
  inc.tenant = tenant_id(cmd.tenant);
  std::vector<core::AuditEntry> audit;
  inc.incident = create_incident(cmd, seq, config_.lifecycle, config_.priority, audit);
  index_incident(inc);
  auto& update = batch_.at(inc);
  update.audit = std::move(audit);
  update.replies.push_back(cmd.reply);
  outcome.kind = CommandOutcome::Kind::pending;
  outcome.result.verdict = core::Verdict::created;  // the answer once committed
}

CommandOutcome Correlator::command(const core::LifecycleCommand& cmd,
                                   std::vector<core::IncidentUpdate>& out) {
  CommandOutcome outcome;
  begin_batch(out);
  advance(cmd.at, batch_);  // what was due before the command runs first
  if (cmd.action == core::LifecycleAction::create) {
    create_by_hand(cmd, outcome);
    end_batch();
    return outcome;
  }
  auto seq = core::parse_incident_id(cmd.incident_id);
  IncidentState* inc = nullptr;
  bool parked = false;
  if (seq) {
    if (auto it = incidents_.find(*seq); it != incidents_.end()) {
      inc = &it->second;
    } else if (auto r = resolved_.find(*seq); r != resolved_.end()) {
      inc = &r->second;
      parked = true;
    }
  }
  if (inc == nullptr) {
    outcome.kind = CommandOutcome::Kind::not_held;
    end_batch();
    return outcome;
  }
  std::vector<core::AuditEntry> audit;
  core::Milestones milestones;
  outcome.result =
      apply_command(inc->incident, cmd, config_.lifecycle, config_.priority, audit, milestones);
  if (core::refused(outcome.result.verdict)) {
    end_batch();
    return outcome;
  }
  outcome.kind = CommandOutcome::Kind::pending;
  place_after_command(*inc, *seq, parked, cmd, audit, milestones);
  end_batch();
  return outcome;
}

// Where a changed incident goes after a command: it stays, leaves memory
// (resolved, closed) or comes back (reopened while parked); the update
// carrying the command's reply goes with it.
void Correlator::place_after_command(IncidentState& held, int64_t seq, bool parked,
                                     const core::LifecycleCommand& cmd,
                                     std::vector<core::AuditEntry>& audit,
                                     const core::Milestones& milestones) {
  IncidentState* inc = &held;
  auto attach = [&](IncidentState& target) {
    auto& update = batch_.at(target);
    record(update, audit, milestones);
    update.replies.push_back(cmd.reply);
  };
  const auto status = inc->incident.status;
  if (parked) {
    if (status == core::IncidentStatus::closed) {
      attach(*inc);
      evict_resolved(seq, batch_);  // closed is final: no alert reopens it
    } else if (core::is_active(status)) {
      IncidentState& active = reactivate(seq);  // reopened by a person
      schedule_sla(active, cmd.at);
      attach(active);
    } else {
      attach(*inc);
    }
  } else if (!core::is_active(status)) {
    // Resolved by a person: it leaves memory as an alert resolve would.
    attach(*inc);
    if (config_.flap.enabled()) {
      park_resolved(seq, batch_);
    } else {
      batch_.seal(*inc);
      drop_incident(seq);
    }
  } else {
    attach(*inc);
    schedule_sla(*inc, cmd.at);  // acknowledged, or a new priority
  }
}

}  // namespace alertd::correlator
