// Correlator: the SLA clock (sla_clock.h) on the incidents it holds: one
// timer per incident at its next due time; breaches and escalations are
// recorded in the batch like any other change.

#include <algorithm>

#include "correlator/correlator.h"
#include "correlator/lifecycle/sla_clock.h"

namespace alertd::correlator {

void Correlator::schedule_sla(IncidentState& inc, core::TimePoint not_before) {
  unschedule_sla(inc);
  if (!config_.lifecycle.sla_clock) return;
  inc.sla_timer = next_sla_due(inc.incident);
  if (inc.sla_timer != core::kNoTime) inc.sla_timer = std::max(inc.sla_timer, not_before);
  if (inc.sla_timer != core::kNoTime) sla_timers_.emplace(inc.sla_timer, inc.incident.seq);
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

}  // namespace alertd::correlator
