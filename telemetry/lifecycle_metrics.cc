#include "telemetry/lifecycle_metrics.h"

#include "core/lifecycle.h"

namespace alertd::telemetry {

namespace {
// 30 s to about 6 days: from a fast acknowledge to a P4's resolve target.
std::vector<double> duration_buckets() {
  return telemetry::exponential_buckets(30, 2, 15);
}

constexpr core::Priority kPriorities[] = {core::Priority::P1, core::Priority::P2,
                                          core::Priority::P3, core::Priority::P4};
constexpr core::IncidentStatus kActiveStatuses[] = {
    core::IncidentStatus::open, core::IncidentStatus::in_progress, core::IncidentStatus::escalated,
    core::IncidentStatus::pending_vendor};

}  // namespace

LifecycleMetrics::LifecycleMetrics(telemetry::Registry& r)
    : time_to_acknowledge_(r.histogram("alertd_incident_time_to_acknowledge_seconds",
                                       "Time from opening to the first acknowledge or assign, "
                                       "by priority (MTTA = sum / count).",
                                       duration_buckets(), {"priority"})),
      time_to_resolve_(r.histogram("alertd_incident_time_to_resolve_seconds",
                                   "Time from opening to resolve, by priority "
                                   "(MTTR = sum / count).",
                                   duration_buckets(), {"priority"})),
      sla_breaches_(r.counter("alertd_sla_breaches_total",
                              "Incidents that missed an SLA target, by priority and kind "
                              "(acknowledge, resolve).",
                              {"priority", "kind"})),
      escalations_(r.counter("alertd_escalations_total",
                             "Escalations, by the team escalated to (L2, L3, incident_manager "
                             "or another team).",
                             {"level"})) {
  auto& open = r.gauge("alertd_incidents_open",
                       "Incidents not yet resolved or closed, by priority and status.",
                       {"priority", "status"});
  for (size_t p = 0; p < 4; ++p) {
    auto priority = core::to_string(kPriorities[p]);
    time_to_acknowledge_.with({priority});
    time_to_resolve_.with({priority});
    for (auto kind : {"acknowledge", "resolve"}) sla_breaches_.with({priority, kind});
    for (size_t s = 0; s < kStatuses; ++s) {
      open_[p][s] = &open.with({priority, core::to_string(kActiveStatuses[s])});
    }
  }
  for (auto level : {"L2", "L3", "incident_manager"}) escalations_.with({level});
}

void LifecycleMetrics::restore(const std::vector<core::Incident>& active) {
  for (const auto& inc : active) move_open(inc.seq, &inc);
}

void LifecycleMetrics::move_open(int64_t seq, const core::Incident* now) {
  auto gauge = [&](core::Priority p, core::IncidentStatus s) -> telemetry::Gauge& {
    return *open_[static_cast<size_t>(p) - 1][static_cast<size_t>(s)];
  };
  auto it = open_by_seq_.find(seq);
  if (it != open_by_seq_.end()) {
    gauge(it->second.first, it->second.second).add(-1);
    if (now == nullptr || !core::is_active(now->status)) {
      open_by_seq_.erase(it);
      return;
    }
  }
  if (now == nullptr || !core::is_active(now->status)) return;
  open_by_seq_[seq] = {now->priority, now->status};
  gauge(now->priority, now->status).add(1);
}

void LifecycleMetrics::committed(const core::IncidentUpdate& u) {
  const core::Incident& inc = u.incident;
  move_open(inc.seq, &inc);
  const auto& m = u.milestones;
  if (!m.any()) return;
  auto priority = core::to_string(inc.priority);
  if (m.acknowledged && inc.acknowledged_at != core::kNoTime) {
    time_to_acknowledge_.with({priority})
        .observe(core::to_seconds(inc.acknowledged_at - inc.opened_at));
  }
  if (m.resolved && inc.resolved_at != core::kNoTime) {
    time_to_resolve_.with({priority}).observe(core::to_seconds(inc.resolved_at - inc.opened_at));
  }
  if (m.ack_breach) sla_breaches_.with({priority, "acknowledge"}).inc();
  if (m.resolve_breach) sla_breaches_.with({priority, "resolve"}).inc();
  for (const auto& team : m.escalations) escalations_.with({team}).inc();
}

}  // namespace alertd::telemetry
