#include "sinks/store/sqlite/rows.h"

#include <simdjson.h>

#include "core/fingerprint.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/label_json.h"

namespace alertd::sinks::sqlite {

core::Error corrupt(std::string_view table, std::string_view column, std::string_view value) {
  return core::Error{"store_corrupt", "sqlite store: " + std::string(table) + "." +
                                          std::string(column) + " holds an unknown value '" +
                                          std::string(value) + "'"};
}

const std::string_view kUpsertIncidentSql =
    "INSERT INTO incidents (seq, id, tenant, title, service, status, priority, severity, "
    "group_key, rule, opened_at, updated_at, last_alert_at, acknowledged_at, resolved_at, "
    "closed_at, alert_count, firing_count, category, impact, root_service, flapping, suppressed, "
    "detection_source, urgency, priority_manual, team, assignee, escalation_level, vendor, "
    "vendor_contact, resolved_by, resolution, closed_by, close_notes, review_note, "
    "ack_due_at, resolve_due_at, next_escalation_at, ack_breached, resolve_breached) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, "
    "?37, ?38, ?39, ?40, ?41) "
    "ON CONFLICT (seq) DO UPDATE SET id = excluded.id, tenant = excluded.tenant, "
    "title = excluded.title, service = excluded.service, status = excluded.status, "
    "priority = excluded.priority, severity = excluded.severity, "
    "group_key = excluded.group_key, rule = excluded.rule, opened_at = excluded.opened_at, "
    "updated_at = excluded.updated_at, last_alert_at = excluded.last_alert_at, "
    "acknowledged_at = excluded.acknowledged_at, resolved_at = excluded.resolved_at, "
    "closed_at = excluded.closed_at, alert_count = excluded.alert_count, "
    "firing_count = excluded.firing_count, category = excluded.category, "
    "impact = excluded.impact, root_service = excluded.root_service, "
    "flapping = excluded.flapping, suppressed = excluded.suppressed, "
    "detection_source = excluded.detection_source, "
    "urgency = excluded.urgency, "
    "priority_manual = excluded.priority_manual, "
    "team = excluded.team, "
    "assignee = excluded.assignee, "
    "escalation_level = excluded.escalation_level, "
    "vendor = excluded.vendor, "
    "vendor_contact = excluded.vendor_contact, "
    "resolved_by = excluded.resolved_by, "
    "resolution = excluded.resolution, "
    "closed_by = excluded.closed_by, "
    "close_notes = excluded.close_notes, "
    "review_note = excluded.review_note, "
    "ack_due_at = excluded.ack_due_at, "
    "resolve_due_at = excluded.resolve_due_at, "
    "next_escalation_at = excluded.next_escalation_at, "
    "ack_breached = excluded.ack_breached, "
    "resolve_breached = excluded.resolve_breached";

// The WHERE names every indexed column (and the UNIQUE id), the SET every
// other column: together they cover all 41 parameters. No row matches when
// an indexed column changed, and the caller falls back to the upsert.
const std::string_view kUpdateIncidentUnindexedSql =
    "UPDATE incidents SET title = ?4, severity = ?8, rule = ?10, "
    "updated_at = ?12, last_alert_at = ?13, acknowledged_at = ?14, resolved_at = ?15, "
    "alert_count = ?17, firing_count = ?18, category = ?19, impact = ?20, "
    "root_service = ?21, flapping = ?22, suppressed = ?23, detection_source = ?24, "
    "urgency = ?25, priority_manual = ?26, team = ?27, assignee = ?28, "
    "escalation_level = ?29, vendor = ?30, vendor_contact = ?31, resolved_by = ?32, "
    "resolution = ?33, closed_by = ?34, close_notes = ?35, review_note = ?36, "
    "ack_due_at = ?37, resolve_due_at = ?38, next_escalation_at = ?39, ack_breached = ?40, "
    "resolve_breached = ?41 "
    "WHERE seq = ?1 AND id = ?2 AND tenant = ?3 AND service = ?5 AND status = ?6 "
    "AND priority = ?7 AND group_key = ?9 AND opened_at IS ?11 AND closed_at IS ?16";

const std::string_view kUpsertMemberSql =
    "INSERT INTO incident_members (incident_seq, fingerprint, labels, annotations, status, "
    "source, first_seen, last_seen, resolved_at, event_count, flapping, suppressed_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
    "ON CONFLICT (incident_seq, fingerprint) DO UPDATE SET labels = excluded.labels, "
    "annotations = excluded.annotations, status = excluded.status, source = excluded.source, "
    "first_seen = excluded.first_seen, last_seen = excluded.last_seen, "
    "resolved_at = excluded.resolved_at, event_count = excluded.event_count, "
    "flapping = excluded.flapping, suppressed_by = excluded.suppressed_by";

const std::string_view kInsertAuditSql =
    "INSERT INTO audit_log (seq, incident_id, at, actor, action, detail, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

const std::string_view kInsertSilenceSql =
    "INSERT INTO silences (tenant, matchers, starts_at, ends_at, created_by, comment, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

// MIN(starts_at, ?2): a pending silence expired before it began gets
// starts_at = ends_at = now, so it reads as expired, not as pending (as in
// Alertmanager).
const std::string_view kExpireSilenceSql =
    "UPDATE silences SET starts_at = MIN(starts_at, ?2), ends_at = ?2, updated_at = ?2 "
    "WHERE seq = ?1 AND ends_at > ?2";

void bind_incident(Statement& stmt, const core::Incident& incident) {
  stmt.bind_int(1, incident.seq);
  stmt.bind_text(2, incident.id);
  stmt.bind_text(3, incident.tenant);
  stmt.bind_text(4, incident.title);
  stmt.bind_text(5, incident.service);
  stmt.bind_text(6, core::to_string(incident.status));
  stmt.bind_text(7, core::to_string(incident.priority));
  stmt.bind_text(8, incident.severity);
  stmt.bind_text(9, incident.group_key);
  stmt.bind_text(10, incident.rule);
  stmt.bind_time(11, incident.opened_at);
  stmt.bind_time(12, incident.updated_at);
  stmt.bind_time(13, incident.last_alert_at);
  stmt.bind_time(14, incident.acknowledged_at);
  stmt.bind_time(15, incident.resolved_at);
  stmt.bind_time(16, incident.closed_at);
  stmt.bind_int(17, incident.alert_count);
  stmt.bind_int(18, incident.firing_count);
  stmt.bind_text(19, incident.category);
  stmt.bind_text(20, incident.impact);
  stmt.bind_text(21, incident.root_service);
  stmt.bind_int(22, incident.flapping ? 1 : 0);
  stmt.bind_int(23, incident.suppressed ? 1 : 0);
  stmt.bind_text(24, incident.detection_source);
  stmt.bind_text(25, incident.urgency);
  stmt.bind_int(26, incident.priority_manual ? 1 : 0);
  stmt.bind_text(27, incident.team);
  stmt.bind_text(28, incident.assignee);
  stmt.bind_int(29, incident.escalation_level);
  stmt.bind_text(30, incident.vendor);
  stmt.bind_text(31, incident.vendor_contact);
  stmt.bind_text(32, incident.resolved_by);
  stmt.bind_text(33, incident.resolution);
  stmt.bind_text(34, incident.closed_by);
  stmt.bind_text(35, incident.close_notes);
  stmt.bind_text(36, incident.review_note);
  stmt.bind_time(37, incident.ack_due_at);
  stmt.bind_time(38, incident.resolve_due_at);
  stmt.bind_time(39, incident.next_escalation_at);
  stmt.bind_int(40, incident.ack_breached ? 1 : 0);
  stmt.bind_int(41, incident.resolve_breached ? 1 : 0);
}

core::Result<core::Incident> read_incident(const Statement& stmt, int c) {
  core::Incident inc;
  inc.seq = stmt.column_int(c + 0);
  inc.id = stmt.column_text(c + 1);
  inc.tenant = stmt.column_text(c + 2);
  inc.title = stmt.column_text(c + 3);
  inc.service = stmt.column_text(c + 4);
  auto status_text = stmt.column_text(c + 5);
  auto status = core::parse_incident_status(status_text);
  if (!status) return corrupt("incidents", "status", status_text);
  inc.status = *status;
  auto priority_text = stmt.column_text(c + 6);
  auto priority = core::parse_priority(priority_text);
  if (!priority) return corrupt("incidents", "priority", priority_text);
  inc.priority = *priority;
  inc.severity = stmt.column_text(c + 7);
  inc.group_key = stmt.column_text(c + 8);
  inc.rule = stmt.column_text(c + 9);
  inc.opened_at = stmt.column_time(c + 10);
  inc.updated_at = stmt.column_time(c + 11);
  inc.last_alert_at = stmt.column_time(c + 12);
  inc.acknowledged_at = stmt.column_time(c + 13);
  inc.resolved_at = stmt.column_time(c + 14);
  inc.closed_at = stmt.column_time(c + 15);
  inc.alert_count = static_cast<uint32_t>(stmt.column_int(c + 16));
  inc.firing_count = static_cast<uint32_t>(stmt.column_int(c + 17));
  inc.category = stmt.column_text(c + 18);
  inc.impact = stmt.column_text(c + 19);
  inc.root_service = stmt.column_text(c + 20);
  inc.flapping = stmt.column_int(c + 21) != 0;
  inc.suppressed = stmt.column_int(c + 22) != 0;
  inc.detection_source = stmt.column_text(c + 23);
  inc.urgency = stmt.column_text(c + 24);
  inc.priority_manual = stmt.column_int(c + 25) != 0;
  inc.team = stmt.column_text(c + 26);
  inc.assignee = stmt.column_text(c + 27);
  inc.escalation_level = static_cast<int>(stmt.column_int(c + 28));
  inc.vendor = stmt.column_text(c + 29);
  inc.vendor_contact = stmt.column_text(c + 30);
  inc.resolved_by = stmt.column_text(c + 31);
  inc.resolution = stmt.column_text(c + 32);
  inc.closed_by = stmt.column_text(c + 33);
  inc.close_notes = stmt.column_text(c + 34);
  inc.review_note = stmt.column_text(c + 35);
  inc.ack_due_at = stmt.column_time(c + 36);
  inc.resolve_due_at = stmt.column_time(c + 37);
  inc.next_escalation_at = stmt.column_time(c + 38);
  inc.ack_breached = stmt.column_int(c + 39) != 0;
  inc.resolve_breached = stmt.column_int(c + 40) != 0;
  inc.problem_id = stmt.column_text(c + 41);  // NULL: not linked
  return inc;
}

core::Status bind_member(Statement& stmt, int64_t incident_seq, const core::Member& member,
                         MemberText& text) {
  if (!labels_are_utf8(member.labels) || !labels_are_utf8(member.annotations)) {
    return core::Error{"store_invalid_input",
                       "sqlite store: member " + core::fingerprint_hex(member.fingerprint) +
                           " of incident seq " + std::to_string(incident_seq) +
                           " has labels or annotations that are not valid UTF-8"};
  }
  text.fingerprint = core::fingerprint_hex(member.fingerprint);
  write_labels_json(member.labels, text.labels);
  write_labels_json(member.annotations, text.annotations);
  stmt.bind_int(1, incident_seq);
  stmt.bind_text(2, text.fingerprint);
  stmt.bind_text(3, text.labels);
  stmt.bind_text(4, text.annotations);
  stmt.bind_text(5, core::to_string(member.status));
  stmt.bind_text(6, member.source);
  stmt.bind_time(7, member.first_seen);
  stmt.bind_time(8, member.last_seen);
  stmt.bind_time(9, member.resolved_at);
  stmt.bind_int(10, static_cast<int64_t>(member.event_count));
  stmt.bind_int(11, member.flapping ? 1 : 0);
  stmt.bind_text(12, member.suppressed_by);
  return {};
}

core::Result<core::Member> read_member(const Statement& stmt, int c,
                                       simdjson::dom::parser& parser) {
  core::Member m;
  auto fp_text = stmt.column_text(c + 0);
  auto fp = core::parse_fingerprint_hex(fp_text);
  if (!fp) return corrupt("incident_members", "fingerprint", fp_text);
  m.fingerprint = *fp;
  auto labels = parse_labels_json(parser, stmt.column_text(c + 1));
  if (!labels.ok()) return labels.error();
  m.labels = std::move(*labels);
  auto annotations = parse_labels_json(parser, stmt.column_text(c + 2));
  if (!annotations.ok()) return annotations.error();
  m.annotations = std::move(*annotations);
  auto status_text = stmt.column_text(c + 3);
  auto status = core::parse_alert_status(status_text);
  if (!status) return corrupt("incident_members", "status", status_text);
  m.status = *status;
  m.source = stmt.column_text(c + 4);
  m.first_seen = stmt.column_time(c + 5);
  m.last_seen = stmt.column_time(c + 6);
  m.resolved_at = stmt.column_time(c + 7);
  m.event_count = static_cast<uint64_t>(stmt.column_int(c + 8));
  m.flapping = stmt.column_int(c + 9) != 0;
  m.suppressed_by = stmt.column_text(c + 10);
  return m;
}

void bind_audit(Statement& stmt, int64_t seq, const core::AuditEntry& entry,
                std::string_view prev_hash, std::string_view hash) {
  stmt.bind_int(1, seq);
  stmt.bind_text(2, entry.incident_id);
  stmt.bind_time(3, entry.at);
  stmt.bind_text(4, entry.actor);
  stmt.bind_text(5, entry.action);
  stmt.bind_text(6, entry.detail);
  stmt.bind_text(7, prev_hash);
  stmt.bind_text(8, hash);
}

void read_audit_into(const Statement& stmt, int c, core::AuditEntry& e) {
  e.seq = stmt.column_int(c + 0);
  e.incident_id = stmt.column_text(c + 1);
  e.at = stmt.column_time(c + 2);
  e.actor = stmt.column_text(c + 3);
  e.action = stmt.column_text(c + 4);
  e.detail = stmt.column_text(c + 5);
  e.prev_hash = stmt.column_text(c + 6);
  e.hash = stmt.column_text(c + 7);
}

core::AuditEntry read_audit(const Statement& stmt, int c) {
  core::AuditEntry e;
  read_audit_into(stmt, c, e);
  return e;
}

void bind_silence(Statement& stmt, const core::Silence& silence, const std::string& matchers_json) {
  stmt.bind_text(1, silence.tenant);
  stmt.bind_text(2, matchers_json);
  stmt.bind_time(3, silence.starts_at);
  stmt.bind_time(4, silence.ends_at);
  stmt.bind_text(5, silence.created_by);
  stmt.bind_text(6, silence.comment);
  stmt.bind_time(7, silence.created_at);
  stmt.bind_time(8, silence.updated_at);
}

core::Result<core::Silence> read_silence(const Statement& stmt, int c,
                                         simdjson::dom::parser& parser) {
  core::Silence s;
  s.id = silence_id(stmt.column_int(c + 0));
  s.tenant = stmt.column_text(c + 1);
  auto matchers = parse_matchers_json(parser, stmt.column_text(c + 2));
  if (!matchers.ok()) return matchers.error();
  s.matchers = std::move(*matchers);
  s.starts_at = stmt.column_time(c + 3);
  s.ends_at = stmt.column_time(c + 4);
  s.created_by = stmt.column_text(c + 5);
  s.comment = stmt.column_text(c + 6);
  s.created_at = stmt.column_time(c + 7);
  s.updated_at = stmt.column_time(c + 8);
  return s;
}

}  // namespace alertd::sinks::sqlite
