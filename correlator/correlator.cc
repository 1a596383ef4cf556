#include "correlator/correlator.h"

#include <algorithm>

#include "absl/strings/string_view.h"
#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "correlator/priority.h"

namespace alertd::correlator {

namespace {

constexpr std::string_view kActor = "alertd";

core::AuditEntry audit_entry(const core::Incident& inc, core::TimePoint at, std::string_view action,
                             std::string detail) {
  core::AuditEntry e;
  e.incident_id = inc.id;
  e.at = at;
  e.actor = kActor;
  e.action = action;
  e.detail = std::move(detail);
  return e;
}

std::string fingerprint_detail(uint64_t fingerprint) {
  std::string out;
  core::JsonWriter(out)
      .begin_object()
      .field("fingerprint", core::fingerprint_hex(fingerprint))
      .end_object();
  return out;
}

std::string from_to_detail(std::string_view from, std::string_view to) {
  std::string out;
  core::JsonWriter(out).begin_object().field("from", from).field("to", to).end_object();
  return out;
}

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

uint8_t worst_firing_severity(const std::array<uint32_t, 4>& firing_by_severity) {
  for (size_t i = 0; i < firing_by_severity.size(); ++i) {
    if (firing_by_severity[i] > 0) return static_cast<uint8_t>(i + 1);
  }
  return 0;
}

}  // namespace

Correlator::Correlator(CorrelatorConfig config)
    : config_(std::move(config)), grouping_(config_.group_by, config_.group_by_fallback) {}

uint32_t Correlator::tenant_id(std::string_view tenant) {
  // Debian's abseil has its own string_view type, not an alias of std's.
  auto it = tenant_ids_.find(absl::string_view(tenant.data(), tenant.size()));
  if (it != tenant_ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(tenant_ids_.size());
  tenant_ids_.emplace(tenant, id);
  return id;
}

void Correlator::apply(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out) {
  switch (event.change) {
    case core::AlertChange::firing: on_firing(std::move(event), out); break;
    case core::AlertChange::resolved: on_resolved(std::move(event), out); break;
    case core::AlertChange::touch: on_touch(std::move(event), out); break;
  }
}

void Correlator::on_firing(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out) {
  core::IncidentUpdate update;
  update.received_mono_ns = event.alert.received_mono_ns;
  uint32_t tenant = tenant_id(event.alert.tenant);
  MemberKey key{event.alert.fingerprint, tenant};
  IncidentState* inc = nullptr;
  if (auto it = member_index_.find(key); it != member_index_.end()) {
    inc = &incidents_.at(it->second.seq);
    on_refire(*inc, inc->members[it->second.index], std::move(event), update);
  } else {
    GroupIndexKey group{tenant, grouping_.group_key(event.alert.labels)};
    inc = joinable(group, event.at);
    if (inc == nullptr) inc = &open_incident(std::move(group), event, update);
    add_member(*inc, key, std::move(event), update);
  }
  update.incident = inc->incident;
  out.push_back(std::move(update));
}

void Correlator::on_refire(IncidentState& inc, MemberState& m, core::AlertEvent&& event,
                           core::IncidentUpdate& update) {
  core::Incident& incident = inc.incident;
  if (m.status == core::AlertStatus::resolved) {
    m.status = core::AlertStatus::firing;
    m.resolved_at = core::kNoTime;
    ++incident.firing_count;
    ++inc.firing_by_severity[m.severity - 1];
    incident.last_alert_at = std::max(incident.last_alert_at, event.at);
    update.audit.push_back(
        audit_entry(incident, event.at, "member_refired", fingerprint_detail(m.fingerprint)));
  }
  // Annotations may have changed (they are not identity): keep the latest.
  m.packed = pack_member_data(event.alert.labels, event.alert.annotations, event.alert.source);
  m.last_seen = std::max(m.last_seen, event.at);
  count_event(m);
  incident.updated_at = event.at;
  refresh_priority(inc, event.at, update);
  update.members.push_back(snapshot_from_alert(m, std::move(event.alert)));
}

Correlator::IncidentState* Correlator::joinable(const GroupIndexKey& key, core::TimePoint at) {
  auto it = group_index_.find(key);
  if (it == group_index_.end()) return nullptr;
  IncidentState& newest = incidents_.at(it->second.back());
  if (at - newest.incident.last_alert_at > config_.group_window) return nullptr;
  return &newest;
}

Correlator::IncidentState& Correlator::open_incident(GroupIndexKey key,
                                                     const core::AlertEvent& event,
                                                     core::IncidentUpdate& update) {
  const core::Alert& alert = event.alert;
  int64_t seq = ++max_seq_;
  ++incidents_created_total_;
  group_index_[key].push_back(seq);

  IncidentState& inc = incidents_[seq];
  inc.tenant = key.first;
  core::Incident& incident = inc.incident;
  incident.id = core::incident_id(seq);
  incident.seq = seq;
  incident.tenant = alert.tenant;
  incident.title = incident_title(alert);
  incident.service = std::string(alert.labels.get("service").value_or(""));
  incident.status = core::IncidentStatus::open;
  uint8_t severity = severity_rank(alert.labels.get("severity"));
  incident.severity = severity_name(severity);
  incident.priority = derive_priority(PriorityInputs{severity});
  incident.group_key = std::move(key.second);
  incident.rule = config_.rule_name;
  incident.opened_at = event.at;
  incident.updated_at = event.at;
  incident.last_alert_at = event.at;
  update.audit.push_back(audit_entry(incident, event.at, "create", create_detail(incident)));
  return inc;
}

void Correlator::add_member(IncidentState& inc, const MemberKey& key, core::AlertEvent&& event,
                            core::IncidentUpdate& update) {
  core::Incident& incident = inc.incident;
  MemberState m = member_from_alert(event.alert, event.at);
  member_index_.emplace(key, MemberRef{incident.seq, static_cast<uint32_t>(inc.members.size())});
  ++incident.alert_count;
  ++incident.firing_count;
  ++inc.firing_by_severity[m.severity - 1];
  incident.last_alert_at = std::max(incident.last_alert_at, event.at);
  incident.updated_at = event.at;
  update.audit.push_back(
      audit_entry(incident, event.at, "member_added", fingerprint_detail(m.fingerprint)));
  refresh_priority(inc, event.at, update);

  // The snapshot takes the alert's own label sets; the state keeps them packed.
  update.members.push_back(snapshot_from_alert(m, std::move(event.alert)));
  inc.members.push_back(std::move(m));
}

void Correlator::refresh_priority(IncidentState& inc, core::TimePoint at,
                                  core::IncidentUpdate& update) {
  uint8_t worst = worst_firing_severity(inc.firing_by_severity);
  if (worst == 0) return;  // nothing firing: keep what the incident last had
  core::Incident& incident = inc.incident;
  incident.severity = severity_name(worst);
  core::Priority priority = derive_priority(PriorityInputs{worst});
  if (priority == incident.priority) return;
  update.audit.push_back(
      audit_entry(incident, at, "priority_change",
                  from_to_detail(core::to_string(incident.priority), core::to_string(priority))));
  incident.priority = priority;
}

std::pair<Correlator::IncidentState*, MemberState*> Correlator::find_member(
    const core::Alert& alert) {
  auto it = member_index_.find(MemberKey{alert.fingerprint, tenant_id(alert.tenant)});
  if (it == member_index_.end()) return {nullptr, nullptr};
  IncidentState& inc = incidents_.at(it->second.seq);
  return {&inc, &inc.members[it->second.index]};
}

void Correlator::on_resolved(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out) {
  auto [found, member] = find_member(event.alert);
  if (found == nullptr) {
    ++orphan_resolves_total_;
    return;
  }
  IncidentState& inc = *found;
  MemberState& m = *member;
  if (m.status == core::AlertStatus::resolved) return;  // already known: nothing changes

  const core::Alert& alert = event.alert;
  core::Incident& incident = inc.incident;
  m.status = core::AlertStatus::resolved;
  m.resolved_at = alert.ends_at != core::kNoTime ? alert.ends_at : event.at;
  // A lease expiry from the shard carries no labels: nothing was received then.
  if (!alert.labels.empty()) {
    m.last_seen = std::max(m.last_seen, event.at);
    count_event(m);
  }
  --incident.firing_count;
  --inc.firing_by_severity[m.severity - 1];
  incident.updated_at = event.at;

  core::IncidentUpdate update;
  update.received_mono_ns = alert.received_mono_ns;
  update.audit.push_back(
      audit_entry(incident, event.at, "member_resolved", fingerprint_detail(m.fingerprint)));
  update.members.push_back(member_snapshot(m));
  if (incident.firing_count == 0) {
    resolve_incident(inc, event.at, update);
    update.incident = incident;
    drop_incident(incident.seq);  // `inc`, `m` and `incident` dangle from here
  } else {
    refresh_priority(inc, event.at, update);
    update.incident = incident;
  }
  out.push_back(std::move(update));
}

void Correlator::resolve_incident(IncidentState& inc, core::TimePoint at,
                                  core::IncidentUpdate& update) {
  core::Incident& incident = inc.incident;
  core::IncidentStatus from = incident.status;
  incident.status = core::IncidentStatus::resolved;
  incident.resolved_at = at;
  incident.updated_at = at;
  update.audit.push_back(
      audit_entry(incident, at, "status_change",
                  from_to_detail(core::to_string(from), core::to_string(incident.status))));
}

void Correlator::drop_incident(int64_t seq) {
  auto it = incidents_.find(seq);
  if (it == incidents_.end()) return;
  IncidentState& inc = it->second;
  for (const auto& m : inc.members) member_index_.erase(MemberKey{m.fingerprint, inc.tenant});
  auto group = group_index_.find(GroupIndexKey{inc.tenant, inc.incident.group_key});
  if (group != group_index_.end()) {
    auto& seqs = group->second;
    seqs.erase(std::remove(seqs.begin(), seqs.end(), seq), seqs.end());
    if (seqs.empty()) group_index_.erase(group);
  }
  incidents_.erase(it);
}

void Correlator::on_touch(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out) {
  auto [inc, member] = find_member(event.alert);
  if (inc == nullptr) {
    ++orphan_touches_total_;
    return;
  }
  MemberState& m = *member;
  m.last_seen = std::max(m.last_seen, event.at);
  count_event(m);
  if (!config_.emit_touches) return;

  core::IncidentUpdate update;
  update.received_mono_ns = event.alert.received_mono_ns;
  if (event.alert.labels.empty()) {
    update.members.push_back(member_snapshot(m));
  } else {
    // Touches are the bulk of traffic when the touch interval is short (replay
    // forwards every re-send): take the snapshot from the re-sent alert itself,
    // which is cheaper than unpacking, and keep its annotations as the latest.
    m.packed = pack_member_data(event.alert.labels, event.alert.annotations, event.alert.source);
    update.members.push_back(snapshot_from_alert(m, std::move(event.alert)));
  }
  update.incident = inc->incident;
  out.push_back(std::move(update));
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
    auto& seqs = group_index_[GroupIndexKey{tenant, incident.group_key}];
    seqs.insert(std::upper_bound(seqs.begin(), seqs.end(), incident.seq), incident.seq);
    IncidentState& inc = incidents_[incident.seq];
    inc.tenant = tenant;
    inc.incident = std::move(incident);
    // Counts are rebuilt from the restored members below.
    inc.incident.alert_count = 0;
    inc.incident.firing_count = 0;
  }
  for (auto& [incident_id, member] : state.members) restore_member(incident_id, std::move(member));
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

}  // namespace alertd::correlator
