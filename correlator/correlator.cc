#include "correlator/correlator.h"

#include <algorithm>

#include "absl/strings/string_view.h"
#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "correlator/audit.h"
#include "correlator/lifecycle/sla_clock.h"
#include "correlator/priority.h"

namespace alertd::correlator {

namespace {

// A topology candidate list longer than this is cut short: the newest
// incidents are looked at first, and older ones are rarely inside the window.
constexpr size_t kMaxTopologyScan = 64;

std::string create_detail(const core::Incident& inc) {
  std::string out;
  core::JsonWriter(out)
      .begin_object()
      .field("title", inc.title)
      .field("service", inc.service)
      .field("priority", core::to_string(inc.priority))
      .field("group_key", inc.group_key)
      .end_object();
  return out;
}

// The first alert's summary, else its alertname, plus ` (service)`.
std::string incident_title(const core::Alert& alert) {
  std::string title;
  if (auto summary = alert.annotations.get("summary"); summary && !summary->empty()) {
    title = *summary;
  } else if (auto name = alert.labels.get("alertname")) {
    title = *name;
  } else {
    title = alert.labels.to_string();
  }
  if (auto service = alert.labels.get("service")) {
    title += " (";
    title += *service;
    title += ')';
  }
  return title;
}

bool has_value(std::optional<std::string_view> v) {
  return v && !v->empty();
}

}  // namespace

Correlator::Correlator(CorrelatorConfig config)
    : config_(std::move(config)), grouping_(config_.group_by, config_.group_by_fallback) {
  compile_config();
}

uint32_t Correlator::tenant_id(std::string_view tenant) {
  // Debian's abseil has its own string_view type, not an alias of std's.
  auto it = tenant_ids_.find(absl::string_view(tenant.data(), tenant.size()));
  if (it != tenant_ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(tenant_ids_.size());
  tenant_ids_.emplace(tenant, id);
  return id;
}

IncidentState* Correlator::find_incident(int64_t seq) {
  if (auto it = incidents_.find(seq); it != incidents_.end()) return &it->second;
  if (auto it = resolved_.find(seq); it != resolved_.end()) return &it->second;
  return nullptr;
}

UpdateBatch& Correlator::begin_batch(std::vector<core::IncidentUpdate>& out) {
  batch_.begin(out);
  return batch_;
}

void Correlator::end_batch() {
  batch_.end();
}

void Correlator::apply(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out) {
  begin_batch(out);
  // Due timers run even before an event the replay guard skips: the time it
  // carries is real (the replay feeds the journal in order), so what fell
  // due before it is run before it, as in the run that journaled it, and
  // the events after it find the timers where they found them then.
  advance(event.at, batch_);
  if (replay_guard_holds(event)) {
    ++counters_.replay_skipped_total;
  } else {
    dispatch(std::move(event), batch_);
  }
  end_batch();
}

void Correlator::dispatch(core::AlertEvent&& event, UpdateBatch& batch) {
  switch (event.change) {
    case core::AlertChange::firing: on_firing(std::move(event), batch); break;
    case core::AlertChange::resolved: on_resolved(std::move(event), batch); break;
    case core::AlertChange::touch: on_touch(std::move(event), batch); break;
  }
}

void Correlator::on_firing(core::AlertEvent&& event, UpdateBatch& batch) {
  uint32_t tenant = tenant_id(event.alert.tenant);
  MemberKey key{event.alert.fingerprint, tenant};
  int64_t mono = event.alert.received_mono_ns;
  if (auto it = member_index_.find(key); it != member_index_.end()) {
    MemberRef ref = it->second;
    IncidentState& inc = incidents_.at(ref.seq);
    // A re-send of a firing member is never held; a re-fire may be.
    if (inc.members[ref.index].status == core::AlertStatus::resolved && maybe_hold(event, key)) {
      return;
    }
    batch.note_receipt(inc, mono);
    on_refire(inc, ref.index, std::move(event), batch);
    return;
  }
  if (maybe_hold(event, key)) return;
  if (auto it = recent_members_.find(key); it != recent_members_.end()) {
    MemberRef ref = it->second;
    IncidentState& inc = reopen(ref.seq, event.at, key.fingerprint, batch);
    batch.note_receipt(inc, mono);
    on_refire(inc, ref.index, std::move(event), batch);
    return;
  }
  const std::string& alert_rule = event.alert.rule;
  std::string rule = alert_rule.empty() ? config_.rule_name : alert_rule;
  GroupIndexKey group{tenant, grouping_.group_key(event.alert.labels, alert_rule)};
  IncidentState* inc = nullptr;
  bool via_topology = false;
  if (auto service = topology_service(event.alert)) {
    // The dependency map decides: labels alone would merge two failures
    // that share a group key, or split one cascade across services.
    inc = topology_match(tenant, *service, is_own_failure(event.alert.labels), event.at);
    via_topology = inc != nullptr && inc->incident.root_service != topology_.name(*service);
    if (via_topology) ++counters_.topology_joins_total;
  } else {
    inc = joinable(group, event.at);
  }
  if (inc == nullptr) inc = &open_incident(std::move(group), std::move(rule), event, batch);
  batch.note_receipt(*inc, mono);
  add_member(*inc, key, std::move(event), via_topology, batch);
}

void Correlator::on_refire(IncidentState& inc, uint32_t index, core::AlertEvent&& event,
                           UpdateBatch& batch) {
  core::Incident& incident = inc.incident;
  MemberState& m = inc.members[index];
  if (m.status == core::AlertStatus::resolved) {
    m.status = core::AlertStatus::firing;
    m.resolved_at = core::kNoTime;
    ++incident.firing_count;
    ++inc.firing_by_severity[m.severity - 1];
    update_suppressed(inc);
    incident.last_alert_at = std::max(incident.last_alert_at, event.at);
    batch.at(inc).audit.push_back(
        audit_entry(incident, event.at, "member_refired", fingerprint_detail(m.fingerprint)));
    cancel_hold(inc);
    // Labels are the identity: the re-fired alert's and the stored ones agree.
    LabelView labels = event.alert.labels.empty() ? LabelView::packed(m.packed.view())
                                                  : LabelView(event.alert.labels);
    service_firing_changed(inc, labels, +1, event.at, batch);
    record_transition(inc, index, event.at, batch);
    member_started_firing(inc, index, labels, event.at, batch);
  }
  record_threshold(inc, event, batch);
  // Annotations may have changed (they are not identity): keep the latest.
  if (!event.alert.labels.empty()) {
    m.packed = pack_member_data(event.alert.labels, event.alert.annotations, event.alert.source);
  }
  m.last_seen = std::max(m.last_seen, event.at);
  count_event(m);
  note_journal_pos(m, event.alert.journal_pos);
  incident.updated_at = std::max(incident.updated_at, event.at);
  refresh_priority(inc, event.at, batch);
  if (event.alert.labels.empty()) {
    batch.at(inc).members.push_back(member_snapshot(m));
  } else {
    batch.at(inc).members.push_back(snapshot_from_alert(m, std::move(event.alert)));
  }
}

IncidentState* Correlator::joinable(const GroupIndexKey& key, core::TimePoint at) {
  auto it = group_index_.find(key);
  if (it == group_index_.end()) return nullptr;
  IncidentState& newest = incidents_.at(it->second.back());
  if (at - newest.incident.last_alert_at > config_.group_window) return nullptr;
  return &newest;
}

std::optional<uint32_t> Correlator::topology_service(const core::Alert& alert) const {
  if (topology_.empty() || grouping_.has_rule_grouping(alert.rule)) return std::nullopt;
  auto service = alert.labels.get("service");
  if (!has_value(service)) return std::nullopt;
  return topology_.find(*service);
}

bool Correlator::is_own_failure(const core::LabelSet& labels) const {
  return std::any_of(config_.own_failures.begin(), config_.own_failures.end(),
                     [&](const core::Matchers& m) { return core::matches_all(m, labels); });
}

IncidentState* Correlator::topology_match(uint32_t tenant, uint32_t service, bool own_failure,
                                          core::TimePoint at) {
  // Sharing a dependent relates nothing: only the incident's root counts.
  IncidentState* best = newest_rooted_at(tenant, service, at, nullptr);
  if (!own_failure) {
    for (uint32_t dependency : topology_.dependencies(service)) {
      best = newest_rooted_at(tenant, dependency, at, best);
    }
  }
  if (best != nullptr) return best;
  for (uint32_t dependent : topology_.dependents(service)) {
    best = newest_rooted_at(tenant, dependent, at, best);
  }
  return best;
}

IncidentState* Correlator::newest_rooted_at(uint32_t tenant, uint32_t root, core::TimePoint at,
                                            IncidentState* best) {
  auto it = root_index_.find(ServiceKey{tenant, root});
  if (it == root_index_.end()) return best;
  const auto& seqs = it->second;
  size_t looked = 0;
  for (auto s = seqs.rbegin(); s != seqs.rend() && looked < kMaxTopologyScan; ++s, ++looked) {
    if (best != nullptr && *s <= best->incident.seq) break;  // the newest wins
    IncidentState& candidate = incidents_.at(*s);
    if (at - candidate.incident.last_alert_at <= config_.group_window) return &candidate;
  }
  return best;
}

IncidentState& Correlator::open_incident(GroupIndexKey key, std::string rule,
                                         const core::AlertEvent& event, UpdateBatch& batch) {
  const core::Alert& alert = event.alert;
  int64_t seq = next_seq();
  ++incidents_created_total_;
  group_index_[key].push_back(seq);  // the newest seq: the list stays sorted

  IncidentState& inc = incidents_[seq];
  inc.tenant = key.first;
  core::Incident& incident = inc.incident;
  incident.id = core::incident_id(seq);
  incident.seq = seq;
  incident.tenant = alert.tenant;
  incident.title = incident_title(alert);
  incident.service = std::string(alert.labels.get("service").value_or(""));
  // Alone, a failing service is its own root (set here, so it is no "change").
  if (!incident.service.empty() && topology_.find(incident.service)) {
    incident.root_service = incident.service;
    index_root(inc);
  }
  incident.status = core::IncidentStatus::open;
  PriorityInputs in;
  in.worst_severity = severity_rank(alert.labels.get("severity"));
  in.services = has_value(alert.labels.get("service")) ? 1 : 0;
  in.hosts = has_value(alert.labels.get("host")) || has_value(alert.labels.get("instance")) ? 1 : 0;
  incident.severity = severity_name(in.worst_severity);
  incident.impact = to_string(derive_impact(config_.priority, in.services, in.hosts));
  incident.priority = derive_priority(in, config_.priority);
  incident.group_key = std::move(key.second);
  incident.rule = std::move(rule);
  incident.opened_at = event.at;
  incident.updated_at = event.at;
  incident.last_alert_at = event.at;
  set_sla_due(incident, config_.lifecycle);
  schedule_sla(inc);
  core::IncidentUpdate& update = batch.at(inc);
  update.audit.push_back(audit_entry(incident, event.at, "create", create_detail(incident)));
  update.group_window = config_.group_window;
  return inc;
}

void Correlator::add_member(IncidentState& inc, const MemberKey& key, core::AlertEvent&& event,
                            bool via_topology, UpdateBatch& batch) {
  core::Incident& incident = inc.incident;
  auto index = static_cast<uint32_t>(inc.members.size());
  inc.members.push_back(member_from_alert(event.alert, event.at));
  const MemberState& m = inc.members.back();
  member_index_.emplace(key, MemberRef{incident.seq, index});
  ++incident.alert_count;
  ++incident.firing_count;
  ++inc.firing_by_severity[m.severity - 1];
  update_suppressed(inc);
  incident.last_alert_at = std::max(incident.last_alert_at, event.at);
  incident.updated_at = std::max(incident.updated_at, event.at);
  std::string detail = via_topology ? fingerprint_detail(m.fingerprint, {{"via", "topology"}})
                                    : fingerprint_detail(m.fingerprint);
  batch.at(inc).audit.push_back(audit_entry(incident, event.at, "member_added", std::move(detail)));
  record_threshold(inc, event, batch);

  LabelView labels(event.alert.labels);
  if (incident.category.empty()) {
    if (auto category = labels.get("category"); has_value(category)) incident.category = *category;
  }
  add_member_labels(inc, labels, true, event.at, &batch);
  member_started_firing(inc, index, labels, event.at, batch);
  refresh_priority(inc, event.at, batch);
  // The snapshot takes the alert's own label sets; the state keeps them packed.
  batch.at(inc).members.push_back(snapshot_from_alert(inc.members[index], std::move(event.alert)));
}

void Correlator::record_threshold(IncidentState& inc, const core::AlertEvent& event,
                                  UpdateBatch& batch) {
  const core::Alert& alert = event.alert;
  if (alert.rule_events == 0) return;
  // The incident says how many events it took; the members carry their times.
  std::string detail;
  core::JsonWriter(detail)
      .begin_object()
      .field("rule", alert.rule)
      .field("events", alert.rule_events)
      .field("fingerprint", core::fingerprint_hex(alert.fingerprint))
      .end_object();
  batch.at(inc).audit.push_back(audit_entry(inc.incident, event.at, "threshold_met", detail));
}

void Correlator::on_resolved(core::AlertEvent&& event, UpdateBatch& batch) {
  const core::Alert& alert = event.alert;
  MemberKey key{alert.fingerprint, tenant_id(alert.tenant)};
  if (held_resolve(key)) return;
  auto it = member_index_.find(key);
  if (it == member_index_.end()) {
    ++orphan_resolves_total_;
    return;
  }
  MemberRef ref = it->second;
  IncidentState& inc = incidents_.at(ref.seq);
  MemberState& m = inc.members[ref.index];
  if (m.status == core::AlertStatus::resolved) return;  // already known: nothing changes

  core::Incident& incident = inc.incident;
  batch.note_receipt(inc, alert.received_mono_ns);
  // A lease expiry from the shard carries no labels: the stored ones serve.
  LabelView labels =
      alert.labels.empty() ? LabelView::packed(m.packed.view()) : LabelView(alert.labels);
  std::vector<MemberKey> affected;
  member_stopped_firing(inc, ref.index, labels, affected);
  m.status = core::AlertStatus::resolved;
  m.resolved_at = alert.ends_at != core::kNoTime ? alert.ends_at : event.at;
  note_journal_pos(m, alert.journal_pos);
  if (!alert.labels.empty()) {  // nothing was received at a lease expiry
    m.last_seen = std::max(m.last_seen, event.at);
    count_event(m);
  }
  --incident.firing_count;
  --inc.firing_by_severity[m.severity - 1];
  incident.updated_at = std::max(incident.updated_at, event.at);
  update_suppressed(inc);
  batch.at(inc).audit.push_back(
      audit_entry(incident, event.at, "member_resolved", fingerprint_detail(m.fingerprint)));
  service_firing_changed(inc, labels, -1, event.at, batch);
  record_transition(inc, ref.index, event.at, batch);
  batch.at(inc).members.push_back(member_snapshot(m));

  if (incident.firing_count > 0) {
    refresh_priority(inc, event.at, batch);
  } else if (config_.flap.enabled() && inc.flapping_members > 0 &&
             config_.flap.hold > core::Duration::zero()) {
    // A flapping alert must stay quiet for `hold` before the incident resolves.
    inc.hold_until = event.at + config_.flap.hold;
    hold_timers_.emplace(inc.hold_until, incident.seq);
    ++counters_.flap_holds_total;
    std::string detail;
    core::JsonWriter(detail)
        .begin_object()
        .key("until")
        .time(inc.hold_until)
        .field("reason", "flapping")
        .end_object();
    batch.at(inc).audit.push_back(audit_entry(incident, event.at, "resolve_held", detail));
  } else {
    resolve_incident(inc, event.at, "", batch);  // `inc` may be gone from here
  }
  reevaluate_keys(affected, event.at, batch);
}

void Correlator::on_touch(core::AlertEvent&& event, UpdateBatch& batch) {
  MemberKey key{event.alert.fingerprint, tenant_id(event.alert.tenant)};
  if (held_touch(key, event)) return;
  auto it = member_index_.find(key);
  if (it == member_index_.end()) {
    ++orphan_touches_total_;
    return;
  }
  IncidentState* inc = &incidents_.at(it->second.seq);
  MemberState& m = inc->members[it->second.index];
  m.last_seen = std::max(m.last_seen, event.at);
  count_event(m);
  // Also when touches are not emitted: snapshot_active() carries it then.
  note_journal_pos(m, event.alert.journal_pos);
  if (!config_.emit_touches) return;

  batch.note_receipt(*inc, event.alert.received_mono_ns);
  if (event.alert.labels.empty()) {
    batch.at(*inc).members.push_back(member_snapshot(m));
  } else {
    // Touches are the bulk of traffic when the touch interval is short (replay
    // forwards every re-send): take the snapshot from the re-sent alert itself,
    // which is cheaper than unpacking, and keep its annotations as the latest.
    m.packed = pack_member_data(event.alert.labels, event.alert.annotations, event.alert.source);
    batch.at(*inc).members.push_back(snapshot_from_alert(m, std::move(event.alert)));
  }
}

}  // namespace alertd::correlator
