// Correlator: a person's lifecycle commands on the incidents it holds, and
// the SLA clock (breach, escalation) that runs on them.

#include <algorithm>

#include "correlator/correlator.h"
#include "correlator/lifecycle/lifecycle.h"

namespace alertd::correlator {

void Correlator::schedule_sla(IncidentState& inc, core::TimePoint not_before) {
  unschedule_sla(inc);
  if (!config_.lifecycle.sla_clock) return;
  inc.sla_timer = next_sla_due(inc.incident);
  if (inc.sla_timer != core::kNoTime) inc.sla_timer = std::max(inc.sla_timer, not_before);
  if (inc.sla_timer != core::kNoTime) sla_timers_.emplace(inc.sla_timer, inc.incident.seq);
}

void Correlator::record(core::IncidentUpdate& update, std::vector<core::AuditEntry>& audit,
                        const core::Milestones& milestones) {
  update.audit.insert(update.audit.end(), std::make_move_iterator(audit.begin()),
                      std::make_move_iterator(audit.end()));
  update.milestones.merge(milestones);
}

void Correlator::unschedule_sla(IncidentState& inc) {
  if (inc.sla_timer == core::kNoTime) return;
  sla_timers_.erase({inc.sla_timer, inc.incident.seq});
  inc.sla_timer = core::kNoTime;
}

void Correlator::on_sla_due(int64_t seq, core::TimePoint at, UpdateBatch& batch) {
  auto it = incidents_.find(seq);
  if (it == incidents_.end()) {  // cannot happen: leaving memory unschedules
    sla_timers_.erase({at, seq});
    return;
  }
  IncidentState& inc = it->second;
  std::vector<core::AuditEntry> audit;
  core::Milestones milestones;
  if (run_sla_clock(inc.incident, at, config_.lifecycle, audit, milestones)) {
    record(batch.at(inc), audit, milestones);
  }
  schedule_sla(inc);  // drops the entry that fell due, arms the next one
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

CommandOutcome Correlator::command(const core::LifecycleCommand& cmd,
                                   std::vector<core::IncidentUpdate>& out) {
  CommandOutcome outcome;
  begin_batch(out);
  advance(cmd.at, batch_);  // what was due before the command runs first
  if (cmd.action == core::LifecycleAction::create) {
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
    outcome.result.status = 201;  // the answer once committed
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
  if (outcome.result.status >= 400) {
    end_batch();
    return outcome;
  }
  auto attach = [&](IncidentState& target) {
    auto& update = batch_.at(target);
    record(update, audit, milestones);
    update.replies.push_back(cmd.reply);
  };
  outcome.kind = CommandOutcome::Kind::pending;
  const auto status = inc->incident.status;
  if (parked) {
    if (status == core::IncidentStatus::closed) {
      attach(*inc);
      evict_resolved(*seq, batch_);  // closed is final: no alert reopens it
    } else if (core::is_active(status)) {
      IncidentState& active = reactivate(*seq);  // reopened by a person
      schedule_sla(active, cmd.at);
      attach(active);
    } else {
      attach(*inc);
    }
  } else if (!core::is_active(status)) {
    // Resolved by a person: it leaves memory as an alert resolve would.
    attach(*inc);
    if (config_.flap.enabled()) {
      park_resolved(*seq, batch_);
    } else {
      batch_.seal(*inc);
      drop_incident(*seq);
    }
  } else {
    attach(*inc);
    schedule_sla(*inc, cmd.at);  // acknowledged, or a new priority
  }
  end_batch();
  return outcome;
}

}  // namespace alertd::correlator
