#include "sinks/store/postgres/rows.h"

#include <simdjson.h>

#include "core/fingerprint.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/label_json.h"

namespace alertd::sinks::postgres {

core::Error corrupt(std::string_view table, std::string_view column, std::string_view value) {
  return core::Error{"store_corrupt", "postgres store: " + std::string(table) + "." +
                                          std::string(column) + " holds an unknown value '" +
                                          std::string(value) + "'"};
}

std::string column_list(std::span<const Column> columns, std::string_view prefix) {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += c.name;
  }
  return out;
}

std::string batch_insert_sql(std::string_view table, std::span<const Column> columns,
                             size_t key_columns) {
  std::string sql = "INSERT INTO " + std::string(table) + " (" + column_list(columns) + ") ";
  std::string arrays;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) arrays += ", ";
    arrays += "$" + std::to_string(i + 1) + "::" + std::string(columns[i].type) + "[]";
  }
  if (key_columns == 0) {
    // WITH ORDINALITY + ORDER BY: store-assigned seqs follow the array order.
    sql += "SELECT " + column_list(columns) + " FROM unnest(" + arrays + ") WITH ORDINALITY AS r(" +
           column_list(columns) + ", ord) ORDER BY ord";
    return sql;
  }
  sql += "SELECT * FROM unnest(" + arrays + ") ON CONFLICT (" +
         column_list(columns.first(key_columns)) + ") DO UPDATE SET ";
  for (size_t i = key_columns; i < columns.size(); ++i) {
    if (i > key_columns) sql += ", ";
    sql += std::string(columns[i].name) + " = excluded." + std::string(columns[i].name);
  }
  return sql;
}

std::string incident_select_list() {
  return column_list(kIncidentTable) + ", " + std::string(kIncidentProblemColumn);
}

void write_incident(ColumnArrays& rows, const core::Incident& inc) {
  rows.int64(inc.seq)
      .text(inc.id)
      .text(inc.tenant)
      .text(inc.title)
      .text(inc.service)
      .text(core::to_string(inc.status))
      .text(core::to_string(inc.priority))
      .text(inc.severity)
      .text(inc.group_key)
      .text(inc.rule)
      .time(inc.opened_at)
      .time(inc.updated_at)
      .time(inc.last_alert_at)
      .time(inc.acknowledged_at)
      .time(inc.resolved_at)
      .time(inc.closed_at)
      .int64(inc.alert_count)
      .int64(inc.firing_count)
      .text(inc.category)
      .text(inc.impact)
      .text(inc.root_service)
      .boolean(inc.flapping)
      .boolean(inc.suppressed)
      .text(inc.detection_source)
      .text(inc.urgency)
      .boolean(inc.priority_manual)
      .text(inc.team)
      .text(inc.assignee)
      .int64(inc.escalation_level)
      .text(inc.vendor)
      .text(inc.vendor_contact)
      .text(inc.resolved_by)
      .text(inc.resolution)
      .text(inc.closed_by)
      .text(inc.close_notes)
      .text(inc.review_note)
      .time(inc.ack_due_at)
      .time(inc.resolve_due_at)
      .time(inc.next_escalation_at)
      .boolean(inc.ack_breached)
      .boolean(inc.resolve_breached)
      .end_row();
}

core::Result<core::Incident> read_incident(RowReader& row) {
  core::Incident inc;
  inc.seq = row.int64();
  inc.id = row.text();
  inc.tenant = row.text();
  inc.title = row.text();
  inc.service = row.text();
  const auto status_text = row.text_view();
  const auto status = core::parse_incident_status(status_text);
  if (!status) return corrupt("incidents", "status", status_text);
  inc.status = *status;
  const auto priority_text = row.text_view();
  const auto priority = core::parse_priority(priority_text);
  if (!priority) return corrupt("incidents", "priority", priority_text);
  inc.priority = *priority;
  inc.severity = row.text();
  inc.group_key = row.text();
  inc.rule = row.text();
  inc.opened_at = row.time();
  inc.updated_at = row.time();
  inc.last_alert_at = row.time();
  inc.acknowledged_at = row.time();
  inc.resolved_at = row.time();
  inc.closed_at = row.time();
  inc.alert_count = static_cast<uint32_t>(row.int64());
  inc.firing_count = static_cast<uint32_t>(row.int64());
  inc.category = row.text();
  inc.impact = row.text();
  inc.root_service = row.text();
  inc.flapping = row.boolean();
  inc.suppressed = row.boolean();
  inc.detection_source = row.text();
  inc.urgency = row.text();
  inc.priority_manual = row.boolean();
  inc.team = row.text();
  inc.assignee = row.text();
  inc.escalation_level = static_cast<int>(row.int64());
  inc.vendor = row.text();
  inc.vendor_contact = row.text();
  inc.resolved_by = row.text();
  inc.resolution = row.text();
  inc.closed_by = row.text();
  inc.close_notes = row.text();
  inc.review_note = row.text();
  inc.ack_due_at = row.time();
  inc.resolve_due_at = row.time();
  inc.next_escalation_at = row.time();
  inc.ack_breached = row.boolean();
  inc.resolve_breached = row.boolean();
  inc.problem_id = row.text();  // NULL (not linked) reads as ""
  return inc;
}

void write_member(ColumnArrays& rows, int64_t incident_seq, const core::Member& m,
                  std::string& json) {
  rows.int64(incident_seq).text(core::fingerprint_hex(m.fingerprint));
  write_labels_json(m.labels, json);
  rows.text(json);
  write_labels_json(m.annotations, json);
  rows.text(json)
      .text(core::to_string(m.status))
      .text(m.source)
      .time(m.first_seen)
      .time(m.last_seen)
      .time(m.resolved_at)
      .int64(static_cast<int64_t>(m.event_count))
      .boolean(m.flapping)
      .text(m.suppressed_by)
      .end_row();
}

core::Result<core::Member> read_member(RowReader& row, simdjson::dom::parser& parser) {
  core::Member m;
  const auto fp_text = row.text_view();
  const auto fp = core::parse_fingerprint_hex(fp_text);
  if (!fp) return corrupt("incident_members", "fingerprint", fp_text);
  m.fingerprint = *fp;
  auto labels = parse_labels_json(parser, row.text_view());
  if (!labels.ok()) return labels.error();
  m.labels = std::move(*labels);
  auto annotations = parse_labels_json(parser, row.text_view());
  if (!annotations.ok()) return annotations.error();
  m.annotations = std::move(*annotations);
  const auto status_text = row.text_view();
  const auto status = core::parse_alert_status(status_text);
  if (!status) return corrupt("incident_members", "status", status_text);
  m.status = *status;
  m.source = row.text();
  m.first_seen = row.time();
  m.last_seen = row.time();
  m.resolved_at = row.time();
  m.event_count = static_cast<uint64_t>(row.int64());
  m.flapping = row.boolean();
  m.suppressed_by = row.text();
  return m;
}

void write_audit(ColumnArrays& rows, int64_t seq, const core::AuditEntry& e,
                 std::string_view prev_hash, std::string_view hash) {
  rows.int64(seq)
      .text(e.incident_id)
      .time(e.at)
      .text(e.actor)
      .text(e.action)
      .text(e.detail)
      .text(prev_hash)
      .text(hash)
      .end_row();
}

void read_audit_into(RowReader& row, core::AuditEntry& e) {
  e.seq = row.int64();
  e.incident_id.assign(row.text_view());
  e.at = row.time();
  e.actor.assign(row.text_view());
  e.action.assign(row.text_view());
  e.detail.assign(row.text_view());
  e.prev_hash.assign(row.text_view());
  e.hash.assign(row.text_view());
}

core::AuditEntry read_audit(RowReader& row) {
  core::AuditEntry e;
  read_audit_into(row, e);
  return e;
}

void bind_silence(Params& params, const core::Silence& s, const std::string& matchers_json) {
  params.text(s.tenant)
      .view(matchers_json)
      .time(s.starts_at)
      .time(s.ends_at)
      .text(s.created_by)
      .text(s.comment)
      .time(s.created_at)
      .time(s.updated_at);
}

core::Result<core::Silence> read_silence(RowReader& row, simdjson::dom::parser& parser) {
  core::Silence s;
  s.id = silence_id(row.int64());
  s.tenant = row.text();
  auto matchers = parse_matchers_json(parser, row.text_view());
  if (!matchers.ok()) return matchers.error();
  s.matchers = std::move(*matchers);
  s.starts_at = row.time();
  s.ends_at = row.time();
  s.created_by = row.text();
  s.comment = row.text();
  s.created_at = row.time();
  s.updated_at = row.time();
  return s;
}

}  // namespace alertd::sinks::postgres
