// Correlator: time — tick(), flap damping, the settle period, reload.

#include <algorithm>

#include "core/json_writer.h"
#include "correlator/audit.h"
#include "correlator/correlator.h"
#include "correlator/lifecycle/sla_clock.h"

namespace alertd::correlator {

namespace {

enum class Due : uint8_t { flap_end, hold, suppression, settle, evict, sla, none };

}  // namespace

void Correlator::compile_config() {
  grouping_ = GroupingPolicy(config_.group_by, config_.group_by_fallback, config_.rule_group_by);
  topology_ = TopologyIndex(config_.topology);
  inhibitor_ = Inhibitor(config_.inhibit);
  maintenance_ = MaintenanceSet(config_.maintenance);
}

void Correlator::start(core::TimePoint now) {
  settle_end_ = now + config_.settle;
  settling_ = !inhibitor_.empty() && config_.settle > core::Duration::zero();
  // Restored members flagged flapping have no history here: their flap ends
  // one window from now unless they change state again.
  for (auto& [seq, inc] : incidents_) {
    for (uint32_t i = 0; i < inc.members.size(); ++i) {
      MemberState& m = inc.members[i];
      if (!m.flapping || (m.extra && m.extra->flap_end != core::kNoTime)) continue;
      MemberExtra& extra = m.ensure_extra();
      extra.flap_end = now + config_.flap.within + core::Duration(1);
      flap_timers_.emplace(extra.flap_end, seq, i);
    }
  }
}

void Correlator::tick(core::TimePoint now, std::vector<core::IncidentUpdate>& out) {
  begin_batch(out);
  advance(now, batch_);
  end_batch();
}

std::optional<core::TimePoint> Correlator::next_due() const {
  std::optional<core::TimePoint> next;
  auto consider = [&](std::optional<core::TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (!flap_timers_.empty()) consider(std::get<0>(*flap_timers_.begin()));
  if (!hold_timers_.empty()) consider(hold_timers_.begin()->first);
  consider(silences_.next_change());
  consider(maintenance_.next_change());
  if (settling_) consider(settle_end_);
  if (!recent_order_.empty()) consider(recent_order_.begin()->first);
  if (!sla_timers_.empty()) consider(sla_timers_.begin()->first);
  return next;
}

// Every due timer runs in time order (ties in a fixed order of kinds), each
// at its own due time, so the outcome does not depend on the tick cadence.
void Correlator::advance(core::TimePoint now, UpdateBatch& batch) {
  now_ = std::max(now_, now);
  for (;;) {
    Due kind = Due::none;
    core::TimePoint due = core::TimePoint::max();
    auto consider = [&](Due k, std::optional<core::TimePoint> t) {
      if (t && *t < due) {
        due = *t;
        kind = k;
      }
    };
    if (!flap_timers_.empty()) consider(Due::flap_end, std::get<0>(*flap_timers_.begin()));
    if (!hold_timers_.empty()) consider(Due::hold, hold_timers_.begin()->first);
    consider(Due::suppression, silences_.next_change());
    consider(Due::suppression, maintenance_.next_change());
    if (settling_) consider(Due::settle, settle_end_);
    if (!recent_order_.empty()) consider(Due::evict, recent_order_.begin()->first);
    if (!sla_timers_.empty()) consider(Due::sla, sla_timers_.begin()->first);
    if (kind == Due::none || due > now) return;
    switch (kind) {
      case Due::flap_end: {
        auto [at, seq, index] = *flap_timers_.begin();
        flap_timers_.erase(flap_timers_.begin());
        on_flap_end_due(at, seq, index, batch);
        break;
      }
      case Due::hold: {
        auto [at, seq] = *hold_timers_.begin();
        hold_timers_.erase(hold_timers_.begin());
        on_hold_due(at, seq, batch);
        break;
      }
      case Due::suppression:
        // Never evaluated yet (TimePoint::min()): evaluate at the current time.
        advance_suppression(due == core::TimePoint::min() ? now_ : due, batch);
        break;
      case Due::settle: release_held(batch); break;
      case Due::evict: {
        auto entry = *recent_order_.begin();
        evict_resolved(entry.second, batch);
        recent_order_.erase(entry);  // gone in any case: the loop always moves on
        break;
      }
      case Due::sla: {
        auto [at, seq] = *sla_timers_.begin();
        on_sla_due(seq, at, batch);  // reschedules or removes the entry
        break;
      }
      case Due::none: return;
    }
  }
}

// ---- flap damping ---------------------------------------------------------

void Correlator::record_transition(IncidentState& inc, uint32_t index, core::TimePoint at,
                                   UpdateBatch& batch) {
  if (!config_.flap.enabled()) return;
  MemberState& m = inc.members[index];
  bool flapping = m.ensure_extra().flap.record(at, config_.flap);
  if (flapping != m.flapping) {
    set_flapping(inc, index, flapping, at, batch);
  } else if (flapping) {
    schedule_flap_end(inc, index);  // the window moved on
  }
}

void Correlator::schedule_flap_end(IncidentState& inc, uint32_t index) {
  MemberExtra& extra = inc.members[index].ensure_extra();
  if (extra.flap_end != core::kNoTime)
    flap_timers_.erase({extra.flap_end, inc.incident.seq, index});
  extra.flap_end = inc.members[index].flapping ? extra.flap.flap_end(config_.flap) : core::kNoTime;
  if (extra.flap_end != core::kNoTime)
    flap_timers_.emplace(extra.flap_end, inc.incident.seq, index);
}

void Correlator::set_flapping(IncidentState& inc, uint32_t index, bool flapping, core::TimePoint at,
                              UpdateBatch& batch) {
  MemberState& m = inc.members[index];
  core::Incident& incident = inc.incident;
  m.flapping = flapping;
  if (flapping) {
    ++inc.flapping_members;
    ++counters_.flapping_members;
  } else {
    --inc.flapping_members;
    --counters_.flapping_members;
  }
  incident.flapping = inc.flapping_members > 0;
  incident.updated_at = std::max(incident.updated_at, at);
  schedule_flap_end(inc, index);
  std::string detail;
  if (flapping) {
    detail = fingerprint_detail(m.fingerprint,
                                {{"transitions", std::to_string(config_.flap.transitions)},
                                 {"within", core::format_duration(config_.flap.within)}});
  } else {
    detail = fingerprint_detail(m.fingerprint);
  }
  batch.at(inc).audit.push_back(
      audit_entry(incident, at, flapping ? "flapping" : "flapping_end", std::move(detail)));
}

void Correlator::on_flap_end_due(core::TimePoint due, int64_t seq, uint32_t index,
                                 UpdateBatch& batch) {
  IncidentState* inc = find_incident(seq);
  if (inc == nullptr || index >= inc->members.size()) return;
  MemberState& m = inc->members[index];
  if (!m.flapping || !m.extra || m.extra->flap_end != due) return;
  m.extra->flap_end = core::kNoTime;  // the timer is gone already
  if (m.extra->flap.flapping_at(due, config_.flap)) {
    schedule_flap_end(*inc, index);  // the config changed under it: later
    return;
  }
  set_flapping(*inc, index, false, due, batch);
  batch.at(*inc).members.push_back(member_snapshot(m));
}

void Correlator::cancel_hold(IncidentState& inc) {
  if (inc.hold_until == core::kNoTime) return;
  hold_timers_.erase({inc.hold_until, inc.incident.seq});
  inc.hold_until = core::kNoTime;
}

void Correlator::on_hold_due(core::TimePoint due, int64_t seq, UpdateBatch& batch) {
  auto it = incidents_.find(seq);
  if (it == incidents_.end()) return;
  IncidentState& inc = it->second;
  if (inc.hold_until != due || inc.incident.firing_count > 0) return;
  inc.hold_until = core::kNoTime;
  resolve_incident(inc, due,
                   "flapping alert stayed resolved for " + core::format_duration(config_.flap.hold),
                   batch);
}

// ---- reload ---------------------------------------------------------------

void Correlator::rebuild_indexes() {
  inhibitor_.clear();
  suppressed_index_.clear();
  root_index_.clear();
  counters_.inhibited_members = 0;
  counters_.silenced_members = 0;
  counters_.maintenance_members = 0;
  counters_.flapping_members = 0;
  for (auto& [seq, inc] : incidents_) {
    rebuild_derived(inc);
    index_root(inc);
    counters_.flapping_members += inc.flapping_members;
    std::vector<MemberKey> ignored;  // every member is re-registered: nobody to tell
    for (const auto& m : inc.members) {
      if (m.status != core::AlertStatus::firing) continue;
      if (!inhibitor_.empty()) {
        inhibitor_.add(MemberKey{m.fingerprint, inc.tenant}, LabelView::packed(m.packed.view()),
                       ignored);
      }
      count_suppression(inc, m, +1);
    }
  }
  for (const auto& [seq, inc] : resolved_) counters_.flapping_members += inc.flapping_members;
}

void Correlator::reconfigure(CorrelatorConfig config, core::TimePoint now,
                             std::vector<core::IncidentUpdate>& out) {
  begin_batch(out);
  advance(now, batch_);  // what was due runs under the old config
  core::TimePoint at = std::max(now, now_);
  config_ = std::move(config);
  compile_config();
  rebuild_indexes();
  std::vector<uint32_t> started, ended;  // everything is re-evaluated below
  maintenance_.advance(at, started, ended);
  std::vector<IncidentState*> active;
  active.reserve(incidents_.size());
  for (auto& [seq, inc] : incidents_) active.push_back(&inc);
  std::sort(active.begin(), active.end(),
            [](const auto* a, const auto* b) { return a->incident.seq < b->incident.seq; });
  std::vector<MemberRef> refs;
  for (const auto* inc : active) {
    for (uint32_t i = 0; i < inc->members.size(); ++i)
      refs.push_back(MemberRef{inc->incident.seq, i});
  }
  reevaluate(std::move(refs), at, batch_);
  for (auto* inc : active) {
    update_root(*inc, at, &batch_);
    refresh_priority(*inc, at, batch_);
    auto ack_due = inc->incident.ack_due_at, resolve_due = inc->incident.resolve_due_at;
    set_sla_due(inc->incident, config_.lifecycle);  // the targets may have changed
    if (inc->incident.ack_due_at != ack_due || inc->incident.resolve_due_at != resolve_due) {
      batch_.at(*inc);  // the store learns the new due times
    }
    schedule_sla(*inc, at);
  }
  settle_end_ = at + config_.settle;
  settling_ = settling_ || (!inhibitor_.empty() && config_.settle > core::Duration::zero());
  if (inhibitor_.empty() && settling_) release_held(batch_);  // nothing left to wait for
  end_batch();
}

}  // namespace alertd::correlator
