// Correlator: resolving, reopening and forgetting incidents; restore,
// snapshots and the replay guard.

#include <algorithm>

#include "absl/strings/string_view.h"
#include "correlator/audit.h"
#include "correlator/correlator.h"

namespace alertd::correlator {

void Correlator::resolve_incident(IncidentState& inc, core::TimePoint at, std::string_view reason,
                                  UpdateBatch& batch) {
  core::Incident& incident = inc.incident;
  core::IncidentStatus from = incident.status;
  cancel_hold(inc);
  incident.status = core::IncidentStatus::resolved;
  incident.resolved_at = at;
  incident.resolved_by = "alertd";  // its alerts resolved it
  incident.next_escalation_at = core::kNoTime;
  incident.updated_at = std::max(incident.updated_at, at);
  batch.at(inc).milestones.resolved = true;
  update_suppressed(inc);
  std::string detail = reason.empty()
                           ? from_to_detail(core::to_string(from), core::to_string(incident.status))
                           : from_to_detail(core::to_string(from), core::to_string(incident.status),
                                            {{"reason", reason}});
  batch.at(inc).audit.push_back(audit_entry(incident, at, "status_change", std::move(detail)));
  if (config_.flap.enabled()) {
    park_resolved(incident.seq, batch);
  } else {
    batch.seal(inc);
    drop_incident(incident.seq);  // `inc` dangles from here
  }
}

void Correlator::index_group_key(const GroupIndexKey& key, int64_t seq) {
  auto& seqs = group_index_[key];
  auto pos = std::lower_bound(seqs.begin(), seqs.end(), seq);
  if (pos == seqs.end() || *pos != seq) seqs.insert(pos, seq);
}

void Correlator::index_incident(IncidentState& inc) {
  index_group_key(GroupIndexKey{inc.tenant, inc.incident.group_key}, inc.incident.seq);
  index_root(inc);
  schedule_sla(inc);
}

void Correlator::unindex_incident(IncidentState& inc) {
  int64_t seq = inc.incident.seq;
  if (auto group = group_index_.find(GroupIndexKey{inc.tenant, inc.incident.group_key});
      group != group_index_.end()) {
    auto& seqs = group->second;
    seqs.erase(std::remove(seqs.begin(), seqs.end(), seq), seqs.end());
    if (seqs.empty()) group_index_.erase(group);
  }
  unindex_root(inc);
  cancel_hold(inc);
  unschedule_sla(inc);
}

void Correlator::drop_incident(int64_t seq) {
  auto it = incidents_.find(seq);
  if (it == incidents_.end()) return;
  IncidentState& inc = it->second;
  unindex_incident(inc);
  for (uint32_t i = 0; i < inc.members.size(); ++i) {
    const MemberState& m = inc.members[i];
    member_index_.erase(MemberKey{m.fingerprint, inc.tenant});
    if (m.extra && m.extra->flap_end != core::kNoTime)
      flap_timers_.erase({m.extra->flap_end, seq, i});
  }
  counters_.flapping_members -= inc.flapping_members;
  incidents_.erase(it);
}

void Correlator::park_resolved(int64_t seq, UpdateBatch& batch) {
  auto it = incidents_.find(seq);
  if (it == incidents_.end()) return;
  IncidentState& inc = it->second;
  unindex_incident(inc);
  for (uint32_t i = 0; i < inc.members.size(); ++i) {
    MemberKey key{inc.members[i].fingerprint, inc.tenant};
    member_index_.erase(key);
    recent_members_.insert_or_assign(key, MemberRef{seq, i});
  }
  // Re-firing within flap.within reopens it; one nanosecond later it is forgotten.
  inc.evict_at = inc.incident.resolved_at + config_.flap.within + core::Duration(1);
  recent_order_.emplace(inc.evict_at, seq);
  resolved_.insert(incidents_.extract(it));
  counters_.recent_resolved = resolved_.size();
  while (resolved_.size() > config_.max_recent_resolved && !recent_order_.empty()) {
    evict_resolved(recent_order_.begin()->second, batch);
  }
}

IncidentState& Correlator::reopen(int64_t seq, core::TimePoint at, uint64_t fingerprint,
                                  UpdateBatch& batch) {
  IncidentState& inc = reactivate(seq);
  core::Incident& incident = inc.incident;
  core::IncidentStatus from = incident.status;
  incident.status = incident.acknowledged_at == core::kNoTime ? core::IncidentStatus::open
                                                              : core::IncidentStatus::in_progress;
  incident.resolved_at = core::kNoTime;
  incident.resolved_by.clear();
  incident.resolution.clear();
  schedule_sla(inc, at);
  incident.updated_at = std::max(incident.updated_at, at);
  ++counters_.reopened_total;
  batch.at(inc).audit.push_back(
      audit_entry(incident, at, "reopened",
                  fingerprint_detail(fingerprint, {{"from", core::to_string(from)},
                                                   {"to", core::to_string(incident.status)}})));
  return inc;
}

void Correlator::evict_resolved(int64_t seq, UpdateBatch& batch) {
  auto it = resolved_.find(seq);
  if (it == resolved_.end()) return;
  IncidentState& inc = it->second;
  if (batch.contains(seq)) batch.seal(inc);
  recent_order_.erase({inc.evict_at, seq});
  for (uint32_t i = 0; i < inc.members.size(); ++i) {
    const MemberState& m = inc.members[i];
    recent_members_.erase(MemberKey{m.fingerprint, inc.tenant});
    if (m.extra && m.extra->flap_end != core::kNoTime)
      flap_timers_.erase({m.extra->flap_end, seq, i});
  }
  counters_.flapping_members -= inc.flapping_members;
  ++counters_.evicted_resolved_total;
  resolved_.erase(it);
  counters_.recent_resolved = resolved_.size();
}

void Correlator::snapshot_active(std::vector<core::IncidentUpdate>& out) const {
  std::vector<const IncidentState*> active;
  active.reserve(incidents_.size());
  for (const auto& [seq, inc] : incidents_) active.push_back(&inc);
  std::sort(active.begin(), active.end(),
            [](const auto* a, const auto* b) { return a->incident.seq < b->incident.seq; });
  for (const auto* inc : active) {
    core::IncidentUpdate update;
    update.incident = inc->incident;
    update.members.reserve(inc->members.size());
    for (const auto& m : inc->members) update.members.push_back(member_snapshot(m));
    out.push_back(std::move(update));
  }
}

void Correlator::restore(core::ActiveState&& state) {
  max_seq_ = std::max(max_seq_, state.max_seq);
  for (auto& incident : state.incidents) {
    max_seq_ = std::max(max_seq_, incident.seq);  // ids are never reused
    if (!core::is_active(incident.status) || incidents_.contains(incident.seq)) continue;
    uint32_t tenant = tenant_id(incident.tenant);
    index_group_key(GroupIndexKey{tenant, incident.group_key}, incident.seq);
    IncidentState& inc = incidents_[incident.seq];
    inc.tenant = tenant;
    inc.incident = std::move(incident);
    // Counts are rebuilt from the restored members below.
    inc.incident.alert_count = 0;
    inc.incident.firing_count = 0;
  }
  for (auto& [incident_id, member] : state.members) restore_member(incident_id, std::move(member));
  // Services, hosts, inhibition sources and suppression counts from the
  // members as restored; their suppressed_by stays as stored until the next
  // set_silences() or reconfigure() re-evaluates it.
  rebuild_indexes();
  for (auto& [seq, inc] : incidents_) {
    update_root(inc, core::kNoTime, nullptr);
    // Due times and breach flags come from the store: a breach that fell
    // due while alertd was down runs at the first tick, one already
    // recorded does not run again.
    if (inc.sla_timer == core::kNoTime) schedule_sla(inc);
  }
}

void Correlator::set_seq_reserver(SeqReserver reserve, int64_t block) {
  reserve_seqs_ = std::move(reserve);
  seq_block_ = std::max<int64_t>(block, 1);
  next_seq_ = seq_block_end_ = 0;  // the first incident reserves
}

int64_t Correlator::next_seq() {
  if (!reserve_seqs_) return ++max_seq_;
  if (next_seq_ >= seq_block_end_) {
    next_seq_ = reserve_seqs_(seq_block_);
    // No answer (a shutdown gave up on the store): nothing more is stored.
    if (next_seq_ <= 0) return ++max_seq_;
    seq_block_end_ = next_seq_ + seq_block_;
  }
  max_seq_ = std::max(max_seq_, next_seq_);
  return next_seq_++;
}

void Correlator::adopt(core::ActiveState&& state, int64_t replaced_seq) {
  if (replaced_seq != 0) drop_incident(replaced_seq);
  for (const auto& incident : state.incidents) drop_incident(incident.seq);
  restore(std::move(state));
}

void Correlator::restore_member(const std::string& incident_id, core::Member&& member) {
  auto seq = core::parse_incident_id(incident_id);
  if (!seq) return;
  auto it = incidents_.find(*seq);
  if (it == incidents_.end()) return;
  IncidentState& inc = it->second;
  MemberKey key{member.fingerprint, inc.tenant};
  if (member_index_.contains(key)) return;  // one alert belongs to one active incident
  MemberState m = member_from_snapshot(member);
  member_index_.emplace(key, MemberRef{*seq, static_cast<uint32_t>(inc.members.size())});
  ++inc.incident.alert_count;
  if (m.status == core::AlertStatus::firing) {
    ++inc.incident.firing_count;
    ++inc.firing_by_severity[m.severity - 1];
  }
  inc.members.push_back(std::move(m));
}

void Correlator::set_replay_guard(std::vector<core::JournalMark> marks) {
  replay_guard_.clear();
  replay_guard_.reserve(marks.size());
  for (const auto& mark : marks) {
    if (mark.journal_pos == 0) continue;  // guards nothing: 0 is never skipped
    uint64_t& pos = replay_guard_[MemberKey{mark.fingerprint, tenant_id(mark.tenant)}];
    pos = std::max(pos, mark.journal_pos);
  }
}

void Correlator::clear_replay_guard() {
  // clear() may keep the table's storage; a fresh map gives it back.
  absl::flat_hash_map<MemberKey, uint64_t>().swap(replay_guard_);
}

bool Correlator::replay_guard_holds(const core::AlertEvent& event) const {
  const uint64_t pos = event.alert.journal_pos;
  if (replay_guard_.empty() || pos == 0) return false;
  // A tenant the correlator has never seen has no marks (set_replay_guard
  // names each marked one): look it up without adding it.
  const std::string& tenant = event.alert.tenant;
  auto id = tenant_ids_.find(absl::string_view(tenant.data(), tenant.size()));
  if (id == tenant_ids_.end()) return false;
  auto it = replay_guard_.find(MemberKey{event.alert.fingerprint, id->second});
  return it != replay_guard_.end() && pos <= it->second;
}

}  // namespace alertd::correlator
