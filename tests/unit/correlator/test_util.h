#pragma once
// Helpers shared by the correlator's feature tests: alerts, events and a
// small driver that keeps every update it produced.

#include <string>
#include <utility>
#include <vector>

#include "core/fingerprint.h"
#include "core/incident.h"
#include "core/json_writer.h"
#include "core/time.h"
#include "correlator/correlator.h"

namespace alertd::correlator::testing {

using namespace std::chrono_literals;

inline const core::TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);  // 2026-01-01 (Thu)

inline core::Alert make_alert(core::LabelSet labels, std::string tenant = "default") {
  core::Alert a;
  a.labels = std::move(labels);
  a.tenant = std::move(tenant);
  a.source = "prometheus";
  a.fingerprint = core::fingerprint(a.labels);
  return a;
}

inline std::vector<std::string> actions(const core::IncidentUpdate& u) {
  std::vector<std::string> out;
  for (const auto& a : u.audit) out.push_back(a.action);
  return out;
}

// A readable, complete rendering of updates, for exact comparisons.
inline std::string render(const std::vector<core::IncidentUpdate>& updates) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_array();
  for (const auto& u : updates) {
    const auto& i = u.incident;
    w.begin_object().field("id", i.id).field("seq", i.seq).field("tenant", i.tenant);
    w.field("title", i.title).field("service", i.service);
    w.field("status", core::to_string(i.status)).field("priority", core::to_string(i.priority));
    w.field("severity", i.severity).field("group_key", i.group_key).field("rule", i.rule);
    w.key("opened_at").time(i.opened_at).key("updated_at").time(i.updated_at);
    w.key("last_alert_at").time(i.last_alert_at).key("resolved_at").time(i.resolved_at);
    w.field("alert_count", i.alert_count).field("firing_count", i.firing_count);
    w.field("mono", u.received_mono_ns).key("members").begin_array();
    for (const auto& m : u.members) {
      w.begin_object().field("fp", core::fingerprint_hex(m.fingerprint));
      w.key("labels").labels(m.labels).key("annotations").labels(m.annotations);
      w.field("status", core::to_string(m.status)).field("source", m.source);
      w.key("first_seen").time(m.first_seen).key("last_seen").time(m.last_seen);
      w.key("resolved_at").time(m.resolved_at).field("events", m.event_count).end_object();
    }
    w.end_array().key("audit").begin_array();
    for (const auto& a : u.audit) {
      w.begin_object().field("incident", a.incident_id).key("at").time(a.at);
      w.field("actor", a.actor).field("action", a.action).field("detail", a.detail).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
  return out;
}

// Every audit action of every update, "INC-1:create" style, in order.
inline std::vector<std::string> all_actions(const std::vector<core::IncidentUpdate>& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates) {
    for (const auto& a : u.audit) out.push_back(a.incident_id + ":" + a.action);
  }
  return out;
}

inline const core::AuditEntry* find_audit(const std::vector<core::IncidentUpdate>& updates,
                                          std::string_view action) {
  for (const auto& u : updates) {
    for (const auto& a : u.audit) {
      if (a.action == action) return &a;
    }
  }
  return nullptr;
}

// The last snapshot of a member (by labels) among the updates, or nullptr.
inline const core::Member* member_in(const std::vector<core::IncidentUpdate>& updates,
                                     const core::LabelSet& labels) {
  const core::Member* found = nullptr;
  uint64_t fp = core::fingerprint(labels);
  for (const auto& u : updates) {
    for (const auto& m : u.members) {
      if (m.fingerprint == fp) found = &m;
    }
  }
  return found;
}

class Driver {
 public:
  explicit Driver(CorrelatorConfig config) : c(std::move(config)) {}

  std::vector<core::IncidentUpdate> fire(const core::LabelSet& labels, core::TimePoint at,
                                         std::string tenant = "default", std::string rule = "") {
    auto a = make_alert(labels, std::move(tenant));
    a.rule = std::move(rule);
    return apply(core::AlertChange::firing, std::move(a), at);
  }
  std::vector<core::IncidentUpdate> resolve(const core::LabelSet& labels, core::TimePoint at,
                                            std::string tenant = "default") {
    auto a = make_alert(labels, std::move(tenant));
    a.status = core::AlertStatus::resolved;
    return apply(core::AlertChange::resolved, std::move(a), at);
  }
  std::vector<core::IncidentUpdate> touch(const core::LabelSet& labels, core::TimePoint at) {
    return apply(core::AlertChange::touch, make_alert(labels), at);
  }
  std::vector<core::IncidentUpdate> apply(core::AlertChange change, core::Alert alert,
                                          core::TimePoint at) {
    std::vector<core::IncidentUpdate> out;
    c.apply(core::AlertEvent{change, std::move(alert), at}, out);
    return out;
  }
  std::vector<core::IncidentUpdate> tick(core::TimePoint at) {
    std::vector<core::IncidentUpdate> out;
    c.tick(at, out);
    return out;
  }
  std::vector<core::IncidentUpdate> silences(std::vector<core::Silence> s, core::TimePoint at) {
    std::vector<core::IncidentUpdate> out;
    c.set_silences(std::move(s), at, out);
    return out;
  }
  std::vector<core::IncidentUpdate> reconfigure(CorrelatorConfig config, core::TimePoint at) {
    std::vector<core::IncidentUpdate> out;
    c.reconfigure(std::move(config), at, out);
    return out;
  }
  // The incident as the last snapshot shows it.
  core::Incident incident(const std::string& id) {
    std::vector<core::IncidentUpdate> out;
    c.snapshot_active(out);
    for (auto& u : out) {
      if (u.incident.id == id) return u.incident;
    }
    return {};
  }
  core::Member member(const std::string& id, const core::LabelSet& labels) {
    std::vector<core::IncidentUpdate> out;
    c.snapshot_active(out);
    for (auto& u : out) {
      if (u.incident.id != id) continue;
      for (auto& m : u.members) {
        if (m.labels == labels) return m;
      }
    }
    return {};
  }

  Correlator c;
};

inline core::Matchers matchers(std::initializer_list<const char*> texts) {
  core::Matchers out;
  for (const char* t : texts) out.push_back(*core::Matcher::parse(t));
  return out;
}

}  // namespace alertd::correlator::testing
