// Correlator: muting members — the settle hold, inhibition, silences and
// maintenance windows — and re-evaluating exactly the members a change may
// affect.

#include <algorithm>

#include "correlator/audit.h"
#include "correlator/correlator.h"

namespace alertd::correlator {

namespace {

constexpr uint32_t kAnyTenant = static_cast<uint32_t>(-1);

// The silence as far as muting goes: an unchanged one needs no re-evaluation.
std::string silence_signature(const CompiledSilence& s) {
  std::string sig = std::to_string(s.tenant);
  for (const auto& m : s.matchers) {
    sig += '\n';
    sig += m.to_string();
  }
  return sig;
}

}  // namespace

// ---- settle hold ----------------------------------------------------------

bool Correlator::maybe_hold(core::AlertEvent& event, const MemberKey& key) {
  if (held_touch(key, event)) return true;  // a re-send of a held alert
  if (!settling_ || event.at >= settle_end_ || inhibitor_.empty()) return false;
  auto sides = inhibitor_.classify(LabelView(event.alert.labels));
  // Sources apply at once: they are what the settle period waits for.
  if (!sides.target || sides.source) return false;
  if (held_index_.size() >= config_.max_held) {
    ++counters_.held_overflow_total;
    return false;
  }
  held_index_.emplace(key, held_.size());
  held_.push_back(HeldAlert{std::move(event), core::kNoTime, false});
  ++counters_.held_total;
  counters_.held_alerts = held_index_.size();
  return true;
}

bool Correlator::held_resolve(const MemberKey& key) {
  auto it = held_index_.find(key);
  if (it == held_index_.end()) return false;
  held_[it->second].resolved = true;
  held_index_.erase(it);
  ++counters_.held_resolved_total;
  counters_.held_alerts = held_index_.size();
  return true;
}

bool Correlator::held_touch(const MemberKey& key, core::AlertEvent& event) {
  auto it = held_index_.find(key);
  if (it == held_index_.end()) return false;
  HeldAlert& held = held_[it->second];
  if (!event.alert.labels.empty())
    held.event.alert.annotations = std::move(event.alert.annotations);
  held.last_touch = std::max(held.last_touch, event.at);
  // The member it becomes on release has had this alert applied too.
  held.event.alert.journal_pos = std::max(held.event.alert.journal_pos, event.alert.journal_pos);
  return true;
}

void Correlator::release_held(UpdateBatch& batch) {
  settling_ = false;
  std::deque<HeldAlert> held;
  held.swap(held_);
  held_index_.clear();
  counters_.held_alerts = 0;
  for (auto& h : held) {
    if (h.resolved) continue;
    ++counters_.held_released_total;
    core::TimePoint fired_at = h.event.at;
    core::AlertEvent touch;
    touch.change = core::AlertChange::touch;
    touch.alert.fingerprint = h.event.alert.fingerprint;
    touch.alert.tenant = h.event.alert.tenant;
    touch.at = h.last_touch;
    dispatch(std::move(h.event), batch);
    // What arrived for it while held: last_seen moves on, from memory.
    if (touch.at > fired_at) dispatch(std::move(touch), batch);
  }
}

// ---- evaluation -----------------------------------------------------------

std::string Correlator::compute_suppression(const MemberKey& key, const LabelView& labels) const {
  if (inhibitor_.empty() && silences_.size() == 0 && maintenance_.size() == 0) return {};
  if (!inhibitor_.empty()) {
    if (const auto* rule = inhibitor_.muting_rule(key, labels)) return "inhibit:" + rule->name;
  }
  if (const auto* silence = silences_.match(key.tenant, labels)) return "silence:" + silence->id;
  if (const auto* window = maintenance_.match(labels)) return "maintenance:" + window->name;
  return {};
}

void Correlator::count_suppression(IncidentState& inc, const MemberState& m, int delta) {
  std::string_view reason = m.suppressed_by();
  if (reason.empty()) return;
  uint64_t* gauge = nullptr;
  switch (suppression_kind(reason)) {
    case SuppressionKind::inhibit: gauge = &counters_.inhibited_members; break;
    case SuppressionKind::silence: gauge = &counters_.silenced_members; break;
    case SuppressionKind::maintenance: gauge = &counters_.maintenance_members; break;
    case SuppressionKind::none: break;
  }
  MemberKey key{m.fingerprint, inc.tenant};
  if (delta > 0) {
    if (gauge != nullptr) ++*gauge;
    ++inc.suppressed_firing;
    suppressed_index_[std::string(reason)].insert(key);
  } else {
    if (gauge != nullptr && *gauge > 0) --*gauge;
    if (inc.suppressed_firing > 0) --inc.suppressed_firing;
    auto it = suppressed_index_.find(std::string(reason));
    if (it != suppressed_index_.end()) {
      it->second.erase(key);
      if (it->second.empty()) suppressed_index_.erase(it);
    }
  }
  update_suppressed(inc);
}

void Correlator::set_suppression(IncidentState& inc, uint32_t index, std::string reason,
                                 core::TimePoint at, UpdateBatch& batch) {
  MemberState& m = inc.members[index];
  if (m.suppressed_by() == reason) return;
  std::string was(m.suppressed_by());
  bool firing = m.status == core::AlertStatus::firing;
  if (firing) count_suppression(inc, m, -1);
  if (reason.empty()) {
    m.extra->suppressed_by.clear();
  } else {
    m.ensure_extra().suppressed_by = reason;
  }
  if (firing) count_suppression(inc, m, +1);
  core::Incident& incident = inc.incident;
  incident.updated_at = std::max(incident.updated_at, at);
  batch.at(inc).audit.push_back(
      reason.empty() ? audit_entry(incident, at, "unsuppressed",
                                   fingerprint_detail(m.fingerprint, {{"was", was}}))
                     : audit_entry(incident, at, "suppressed",
                                   fingerprint_detail(m.fingerprint, {{"by", reason}})));
}

void Correlator::member_started_firing(IncidentState& inc, uint32_t index, const LabelView& labels,
                                       core::TimePoint at, UpdateBatch& batch) {
  MemberKey key{inc.members[index].fingerprint, inc.tenant};
  std::vector<MemberKey> affected;
  if (!inhibitor_.empty()) inhibitor_.add(key, labels, affected);
  // The reason it had when it stopped counts again, then is brought up to date.
  count_suppression(inc, inc.members[index], +1);
  set_suppression(inc, index, compute_suppression(key, labels), at, batch);
  reevaluate_keys(affected, at, batch);
}

void Correlator::member_stopped_firing(IncidentState& inc, uint32_t index, const LabelView& labels,
                                       std::vector<MemberKey>& affected) {
  MemberKey key{inc.members[index].fingerprint, inc.tenant};
  if (!inhibitor_.empty()) inhibitor_.remove(key, labels, affected);
  // A resolved member keeps its reason (it was muted when it resolved), uncounted.
  count_suppression(inc, inc.members[index], -1);
}

void Correlator::reevaluate_keys(const std::vector<MemberKey>& keys, core::TimePoint at,
                                 UpdateBatch& batch) {
  if (keys.empty()) return;
  std::vector<MemberRef> refs;
  refs.reserve(keys.size());
  for (const auto& k : keys) {
    if (auto it = member_index_.find(k); it != member_index_.end()) refs.push_back(it->second);
  }
  reevaluate(std::move(refs), at, batch);
}

void Correlator::reevaluate(std::vector<MemberRef> refs, core::TimePoint at, UpdateBatch& batch) {
  // Hash-map order must not reach the output: members go in (incident, index) order.
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  for (const auto& ref : refs) {
    auto it = incidents_.find(ref.seq);
    if (it == incidents_.end()) continue;
    IncidentState& inc = it->second;
    MemberState& m = inc.members[ref.index];
    if (m.status != core::AlertStatus::firing) continue;
    MemberKey key{m.fingerprint, inc.tenant};
    std::string reason = compute_suppression(key, LabelView::packed(m.packed.view()));
    if (reason == m.suppressed_by()) continue;
    set_suppression(inc, ref.index, std::move(reason), at, batch);
    batch.at(inc).members.push_back(member_snapshot(m));
  }
}

std::vector<Correlator::MemberRef> Correlator::firing_members_matching(
    const std::vector<std::pair<uint32_t, const core::Matchers*>>& started) {
  std::vector<MemberRef> refs;
  if (started.empty()) return refs;
  // O(firing members x started): silences and windows start rarely.
  for (const auto& [seq, inc] : incidents_) {
    for (uint32_t i = 0; i < inc.members.size(); ++i) {
      const MemberState& m = inc.members[i];
      if (m.status != core::AlertStatus::firing) continue;
      LabelView labels = LabelView::packed(m.packed.view());
      for (const auto& [tenant, matchers] : started) {
        if ((tenant == kAnyTenant || tenant == inc.tenant) && matches_all(*matchers, labels)) {
          refs.push_back(MemberRef{seq, i});
          break;
        }
      }
    }
  }
  return refs;
}

void Correlator::apply_suppression_changes(
    const std::vector<std::pair<uint32_t, const core::Matchers*>>& started,
    std::vector<std::string> ended, core::TimePoint at, UpdateBatch& batch) {
  // Reasons no active silence or window stands behind any more, e.g. restored
  // from the store: few distinct reasons, each checked against few silences.
  for (const auto& [reason, keys] : suppressed_index_) {
    std::string_view r = reason;
    bool stale = false;
    switch (suppression_kind(r)) {
      case SuppressionKind::silence:
        // Until the first set_silences() nothing is known about silences.
        stale =
            silences_known_ && !silences_.active_id(r.substr(std::string_view("silence:").size()));
        break;
      case SuppressionKind::maintenance:
        stale = !maintenance_.active_name(r.substr(std::string_view("maintenance:").size()));
        break;
      default: break;
    }
    if (stale) ended.push_back(reason);
  }
  std::vector<MemberRef> refs = firing_members_matching(started);
  for (const auto& reason : ended) {
    auto it = suppressed_index_.find(reason);
    if (it == suppressed_index_.end()) continue;
    for (const auto& key : it->second) {
      if (auto m = member_index_.find(key); m != member_index_.end()) refs.push_back(m->second);
    }
  }
  reevaluate(std::move(refs), at, batch);
}

void Correlator::advance_suppression(core::TimePoint at, UpdateBatch& batch) {
  std::vector<uint32_t> silences_started, silences_ended, windows_started, windows_ended;
  silences_.advance(at, silences_started, silences_ended);
  maintenance_.advance(at, windows_started, windows_ended);
  std::vector<std::pair<uint32_t, const core::Matchers*>> started;
  std::vector<std::string> ended;
  for (uint32_t i : silences_started) {
    started.emplace_back(silences_.at(i).tenant, &silences_.at(i).matchers);
  }
  for (uint32_t i : windows_started) started.emplace_back(kAnyTenant, &maintenance_.at(i).matchers);
  for (uint32_t i : silences_ended) ended.push_back("silence:" + silences_.at(i).id);
  for (uint32_t i : windows_ended) ended.push_back("maintenance:" + maintenance_.at(i).name);
  apply_suppression_changes(started, ended, at, batch);
}

void Correlator::set_silences(std::vector<core::Silence> silences, core::TimePoint now,
                              std::vector<core::IncidentUpdate>& out) {
  begin_batch(out);
  advance(now, batch_);
  core::TimePoint at = std::max(now, now_);
  absl::flat_hash_map<std::string, std::string> was_active;  // id -> signature
  for (uint32_t i = 0; i < silences_.size(); ++i) {
    if (silences_.active(i)) was_active[silences_.at(i).id] = silence_signature(silences_.at(i));
  }
  std::vector<CompiledSilence> compiled;
  compiled.reserve(silences.size());
  for (auto& s : silences) {
    auto matchers = core::parse_matchers(s.matchers);
    if (!matchers.ok()) {
      ++counters_.invalid_silences_total;
      continue;
    }
    compiled.push_back(CompiledSilence{std::move(s.id), tenant_id(s.tenant), std::move(*matchers),
                                       s.starts_at, s.ends_at});
  }
  silences_.assign(std::move(compiled), at);
  silences_known_ = true;
  std::vector<std::pair<uint32_t, const core::Matchers*>> started;
  for (uint32_t i = 0; i < silences_.size(); ++i) {
    if (!silences_.active(i)) continue;
    const auto& s = silences_.at(i);
    auto old = was_active.find(s.id);
    if (old != was_active.end() && old->second == silence_signature(s)) {
      was_active.erase(old);  // unchanged: its members stay as they are
      continue;
    }
    started.emplace_back(s.tenant, &s.matchers);
  }
  std::vector<std::string> ended;
  for (const auto& [id, sig] : was_active) ended.push_back("silence:" + id);
  apply_suppression_changes(started, ended, at, batch_);
  end_batch();
}

}  // namespace alertd::correlator
