// Correlator: what an incident derives from its members: services and
// hosts spanned, the topology root, impact, urgency and priority.

#include <algorithm>

#include "core/json_writer.h"
#include "correlator/audit.h"
#include "correlator/correlator.h"
#include "correlator/lifecycle/sla_clock.h"

namespace alertd::correlator {

namespace {

uint8_t worst_firing_severity(const std::array<uint32_t, 4>& firing_by_severity) {
  for (size_t i = 0; i < firing_by_severity.size(); ++i) {
    if (firing_by_severity[i] > 0) return static_cast<uint8_t>(i + 1);
  }
  return 0;
}

std::optional<std::string_view> service_of(const LabelView& labels) {
  auto s = labels.get("service");
  if (!s || s->empty()) return std::nullopt;
  return s;
}

std::optional<std::string_view> host_of(const LabelView& labels) {
  auto h = labels.get("host");
  if (!h || h->empty()) h = labels.get("instance");
  if (!h || h->empty()) return std::nullopt;
  return h;
}

std::vector<ServiceCount>::iterator find_service(std::vector<ServiceCount>& services,
                                                 std::string_view name) {
  return std::lower_bound(services.begin(), services.end(), name,
                          [](const ServiceCount& s, std::string_view n) { return s.name < n; });
}

void insert_sorted(std::vector<int64_t>& seqs, int64_t seq) {
  auto pos = std::lower_bound(seqs.begin(), seqs.end(), seq);
  if (pos == seqs.end() || *pos != seq) seqs.insert(pos, seq);
}

}  // namespace

void Correlator::add_member_labels(IncidentState& inc, const LabelView& labels, bool firing,
                                   core::TimePoint at, UpdateBatch* batch) {
  bool root_may_change = false;
  if (auto service = service_of(labels)) {
    auto it = find_service(inc.services, *service);
    bool added = it == inc.services.end() || it->name != *service;
    if (added) it = inc.services.insert(it, ServiceCount{std::string(*service), 0, 0});
    ++it->members;
    if (firing && ++it->firing == 1) root_may_change = true;
  }
  // Beyond the cap the impact cannot rise: no lookup at all.
  if (inc.hosts.size() < config_.priority.host_cap()) {
    auto host = host_of(labels);
    if (host && std::find(inc.hosts.begin(), inc.hosts.end(), *host) == inc.hosts.end()) {
      inc.hosts.emplace_back(*host);
    }
  }
  if (root_may_change && batch != nullptr) update_root(inc, at, batch);
}

void Correlator::service_firing_changed(IncidentState& inc, const LabelView& labels, int delta,
                                        core::TimePoint at, UpdateBatch& batch) {
  auto service = service_of(labels);
  if (!service) return;
  auto it = find_service(inc.services, *service);
  if (it == inc.services.end() || it->name != *service) return;
  if (delta > 0) {
    if (++it->firing == 1) update_root(inc, at, &batch);
  } else if (it->firing > 0 && --it->firing == 0 && it->name == inc.incident.root_service) {
    // The cause recovered before its symptoms: it stays the root, and the
    // timeline says when it resolved.
    std::string detail;
    core::JsonWriter(detail).begin_object().field("service", it->name).end_object();
    batch.at(inc).audit.push_back(audit_entry(inc.incident, at, "root_resolved", detail));
  }
}

void Correlator::update_root(IncidentState& inc, core::TimePoint at, UpdateBatch* batch) {
  if (topology_.empty()) {
    set_root(inc, "", at, batch);
    return;
  }
  auto current = topology_.find(inc.incident.root_service);
  std::vector<uint32_t> failing;  // below the current root, or all when it has none
  for (const auto& s : inc.services) {
    if (s.firing == 0) continue;
    auto id = topology_.find(s.name);
    if (id && (!current || topology_.depends_on(*current, *id))) failing.push_back(*id);
  }
  if (failing.empty()) return;  // the root stays, firing or not
  if (auto r = topology_.root(failing)) set_root(inc, topology_.name(*r), at, batch);
}

void Correlator::set_root(IncidentState& inc, std::string root, core::TimePoint at,
                          UpdateBatch* batch) {
  core::Incident& incident = inc.incident;
  if (root == incident.root_service) return;
  if (batch != nullptr) {
    batch->at(inc).audit.push_back(
        audit_entry(incident, at, "root_service", from_to_detail(incident.root_service, root)));
  }
  unindex_root(inc);
  incident.root_service = std::move(root);
  if (incidents_.contains(incident.seq)) index_root(inc);  // resolved ones take no members
}

void Correlator::refresh_priority(IncidentState& inc, core::TimePoint at, UpdateBatch& batch) {
  uint8_t worst = worst_firing_severity(inc.firing_by_severity);
  if (worst == 0) return;  // nothing firing: keep what the incident last had
  core::Incident& incident = inc.incident;
  if (incident.priority_manual) return;  // a person set it: alerts no longer move it
  Impact impact = derive_impact(config_.priority, inc.services.size(), inc.hosts.size());
  std::string_view impact_name = to_string(impact);
  std::string_view urgency = severity_name(worst);
  if (incident.impact != impact_name) incident.impact = impact_name;
  if (incident.severity != urgency) incident.severity = urgency;
  core::Priority priority = config_.priority.matrix[worst - 1][static_cast<size_t>(impact)];
  if (priority == incident.priority) return;
  batch.at(inc).audit.push_back(
      audit_entry(incident, at, "priority_change",
                  from_to_detail(core::to_string(incident.priority), core::to_string(priority),
                                 {{"impact", impact_name}, {"urgency", urgency}})));
  incident.priority = priority;
  set_sla_due(incident, config_.lifecycle);  // the new priority's targets
  schedule_sla(inc, at);
}

void Correlator::rebuild_derived(IncidentState& inc) {
  inc.services.clear();
  inc.hosts.clear();
  inc.suppressed_firing = 0;
  inc.flapping_members = 0;
  for (const auto& m : inc.members) {
    bool firing = m.status == core::AlertStatus::firing;
    add_member_labels(inc, LabelView::packed(m.packed.view()), firing, core::kNoTime, nullptr);
    if (m.flapping) ++inc.flapping_members;
  }
  inc.incident.flapping = inc.flapping_members > 0;
  update_suppressed(inc);
}

void Correlator::index_root(const IncidentState& inc) {
  if (auto id = topology_.find(inc.incident.root_service)) {
    insert_sorted(root_index_[ServiceKey{inc.tenant, *id}], inc.incident.seq);
  }
}

void Correlator::unindex_root(const IncidentState& inc) {
  auto id = topology_.find(inc.incident.root_service);
  if (!id) return;
  auto it = root_index_.find(ServiceKey{inc.tenant, *id});
  if (it == root_index_.end()) return;
  auto& seqs = it->second;
  seqs.erase(std::remove(seqs.begin(), seqs.end(), inc.incident.seq), seqs.end());
  if (seqs.empty()) root_index_.erase(it);
}

}  // namespace alertd::correlator
