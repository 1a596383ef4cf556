#include "core/incident_json.h"

#include "core/fingerprint.h"
#include "core/lifecycle.h"

namespace alertd::core {

namespace {

// Optional text (no category, no root, not suppressed) is null rather than
// "", so "not set" reads the same in every client.
void text_or_null(core::JsonWriter& w, std::string_view key, const std::string& text) {
  w.key(key);
  if (text.empty()) {
    w.null();
  } else {
    w.value(text);
  }
}

}  // namespace

void write_incident_fields(core::JsonWriter& w, const core::Incident& i) {
  w.field("id", i.id)
      .field("tenant", i.tenant)
      .field("title", i.title)
      .field("service", i.service)
      .field("status", core::to_string(i.status))
      .field("priority", core::to_string(i.priority))
      .field("severity", i.severity)
      .field("group_key", i.group_key)
      .field("rule", i.rule);
  w.key("opened_at").time(i.opened_at);
  w.key("updated_at").time(i.updated_at);
  w.key("acknowledged_at").time(i.acknowledged_at);
  w.key("resolved_at").time(i.resolved_at);
  w.key("closed_at").time(i.closed_at);
  w.field("alert_count", static_cast<uint64_t>(i.alert_count))
      .field("firing_count", static_cast<uint64_t>(i.firing_count));
  text_or_null(w, "category", i.category);
  w.field("impact", i.impact);
  text_or_null(w, "root_service", i.root_service);
  w.field("flapping", i.flapping).field("suppressed", i.suppressed);
  w.field("detection_source", i.detection_source);
  text_or_null(w, "urgency", i.urgency);
  w.field("priority_manual", i.priority_manual);
  text_or_null(w, "team", i.team);
  text_or_null(w, "assignee", i.assignee);
  w.field("escalation_level", core::escalation_team(i.escalation_level));
  text_or_null(w, "vendor", i.vendor);
  text_or_null(w, "vendor_contact", i.vendor_contact);
  text_or_null(w, "resolved_by", i.resolved_by);
  text_or_null(w, "resolution", i.resolution);
  text_or_null(w, "closed_by", i.closed_by);
  text_or_null(w, "close_notes", i.close_notes);
  text_or_null(w, "review_note", i.review_note);
  text_or_null(w, "problem_id", i.problem_id);
  w.key("sla").begin_object();
  w.key("acknowledge_due_at").time(i.ack_due_at);
  w.key("resolve_due_at").time(i.resolve_due_at);
  w.field("acknowledge_breached", i.ack_breached).field("resolve_breached", i.resolve_breached);
  w.key("next_escalation_at").time(i.next_escalation_at);
  w.end_object();
}

void write_member(core::JsonWriter& w, const core::Member& m) {
  w.begin_object().field("fingerprint", core::fingerprint_hex(m.fingerprint));
  w.key("labels").labels(m.labels);
  w.key("annotations").labels(m.annotations);
  w.field("status", core::to_string(m.status)).field("source", m.source);
  w.key("first_seen").time(m.first_seen);
  w.key("last_seen").time(m.last_seen);
  w.key("resolved_at").time(m.resolved_at);
  w.field("event_count", m.event_count).field("flapping", m.flapping);
  // suppressed is derived, so clients need not parse suppressed_by to filter.
  w.field("suppressed", !m.suppressed_by.empty());
  text_or_null(w, "suppressed_by", m.suppressed_by);
  w.end_object();
}

void write_audit_entry(core::JsonWriter& w, const core::AuditEntry& e) {
  w.begin_object().field("seq", e.seq);
  w.key("at").time(e.at);
  w.field("actor", e.actor).field("action", e.action);
  w.key("detail").raw(e.detail.empty() ? std::string_view("{}") : std::string_view(e.detail));
  // The hash chain (sinks/store/audit_chain.h): anyone holding the entries
  // can recompute it.
  w.field("prev_hash", e.prev_hash).field("hash", e.hash);
  w.end_object();
}

void write_next_cursor(core::JsonWriter& w, std::optional<int64_t> cursor) {
  w.key("next_cursor");
  if (cursor) {
    w.value(std::to_string(*cursor));
  } else {
    w.null();
  }
}

void write_problem_fields(core::JsonWriter& w, const core::Problem& p) {
  w.field("id", p.id)
      .field("tenant", p.tenant)
      .field("title", p.title)
      .field("group_key", p.group_key)
      .field("status", core::to_string(p.status));
  text_or_null(w, "workaround", p.workaround);
  text_or_null(w, "root_cause", p.root_cause);
  text_or_null(w, "resolution", p.resolution);
  text_or_null(w, "close_notes", p.close_notes);
  w.field("incident_count", static_cast<uint64_t>(p.incident_count));
  w.key("created_at").time(p.created_at);
  w.key("updated_at").time(p.updated_at);
  w.key("last_linked_at").time(p.last_linked_at);
  w.key("resolved_at").time(p.resolved_at);
  w.key("closed_at").time(p.closed_at);
}

}  // namespace alertd::core
