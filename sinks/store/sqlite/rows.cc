#include "sinks/store/sqlite/rows.h"

#include <simdjson.h>

#include "core/fingerprint.h"
#include "sinks/store/label_json.h"

namespace alertd::sinks::sqlite {

namespace {

using schema::Which;

std::string params(int first, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "?" + std::to_string(first + i);
  }
  return out;
}

/// INSERT of the columns `which` takes (after `owner`, when set) with
/// parameters ?1, ?2, ... in that order; with `upsert`, a row already there
/// (same key: owner and kKey columns) gets every other column updated.
template <typename Row>
std::string insert_sql(const schema::Table<Row>& table, bool upsert, std::string_view owner = "") {
  std::string cols = schema::column_list(table, Which::written);
  int count = 0;
  std::string keys(owner);
  std::string updates;
  for (const auto& c : table.columns) {
    if (!schema::takes(c, Which::written)) continue;
    ++count;
    if (c.has(schema::kKey)) {
      keys += (keys.empty() ? "" : ", ") + std::string(c.name);
    } else {
      updates += (updates.empty() ? "" : ", ") + std::string(c.name) + " = excluded." +
                 std::string(c.name);
    }
  }
  if (!owner.empty()) {
    cols = std::string(owner) + ", " + cols;
    ++count;
  }
  std::string sql = "INSERT INTO " + std::string(table.name) + " (" + cols + ") VALUES (" +
                    params(1, count) + ")";
  if (upsert) sql += " ON CONFLICT (" + keys + ") DO UPDATE SET " + updates;
  return sql;
}

/// UPDATE of row ?1 (by seq) setting the columns Which::updated takes, ?2, ?3, ...
template <typename Row>
std::string update_by_seq_sql(const schema::Table<Row>& table) {
  std::string set;
  int index = 2;
  for (const auto& c : table.columns) {
    if (!schema::takes(c, Which::updated)) continue;
    set += (set.empty() ? "" : ", ") + std::string(c.name) + " = ?" + std::to_string(index++);
  }
  return "UPDATE " + std::string(table.name) + " SET " + set + " WHERE seq = ?1";
}

/// The narrow incident UPDATE (see rows.h): SET what no index covers, WHERE
/// the key and every indexed column, with bind_incident's parameters.
std::string narrow_update_sql() {
  std::string set;
  std::string where;
  int index = 1;
  for (const auto& c : schema::kIncidents.columns) {
    const std::string param = "?" + std::to_string(index++);
    const std::string name(c.name);
    if (c.has(schema::kKey) || c.has(schema::kIndexed)) {
      // Times may be NULL (kNoTime), which `=` never matches.
      const char* op = c.kind == schema::Kind::time ? " IS " : " = ";
      where += (where.empty() ? "" : " AND ") + name + op + param;
    } else {
      set += (set.empty() ? "" : ", ") + name + " = " + param;
    }
  }
  return "UPDATE incidents SET " + set + " WHERE " + where;
}

}  // namespace

const std::string& upsert_incident_sql() {
  static const std::string sql = insert_sql(schema::kIncidents, true);
  return sql;
}

const std::string& update_incident_unindexed_sql() {
  static const std::string sql = narrow_update_sql();
  return sql;
}

const std::string& upsert_member_sql() {
  static const std::string sql = insert_sql(schema::kMembers, true, schema::kMemberOwner);
  return sql;
}

const std::string& insert_audit_sql() {
  static const std::string sql = insert_sql(schema::kAudit, false);
  return sql;
}

const std::string& insert_silence_sql() {
  static const std::string sql = insert_sql(schema::kSilences, false);
  return sql;
}

const std::string& insert_problem_sql() {
  static const std::string sql = insert_sql(schema::kProblems, false);
  return sql;
}

const std::string& update_problem_sql() {
  static const std::string sql = update_by_seq_sql(schema::kProblems);
  return sql;
}

const std::string& insert_outbox_sql() {
  static const std::string sql = insert_sql(schema::kOutbox, false);
  return sql;
}

const std::string& upsert_notify_told_sql() {
  static const std::string sql = insert_sql(schema::kNotifyTold, true);
  return sql;
}

const std::string& record_delivery_sql() {
  static const std::string sql =
      update_by_seq_sql(schema::kOutbox) + " RETURNING " + schema::outbox_select();
  return sql;
}

// MIN(starts_at, ?2): a pending silence expired before it began gets
// starts_at = ends_at = now, so it reads as expired, not as pending (as in
// Alertmanager).
const std::string_view kExpireSilenceSql =
    "UPDATE silences SET starts_at = MIN(starts_at, ?2), ends_at = ?2, updated_at = ?2 "
    "WHERE seq = ?1 AND ends_at > ?2";

void bind_incident(StatementBinder& binder, Statement& stmt, const core::Incident& incident) {
  schema::write_row(schema::kIncidents, incident, binder.to(stmt));
}

core::Result<core::Incident> read_incident(const Statement& stmt, int first_col) {
  StatementReader in(stmt, first_col);
  return schema::read_incident(in);
}

core::Status bind_member(StatementBinder& binder, Statement& stmt, int64_t incident_seq,
                         const core::Member& member) {
  if (!labels_are_utf8(member.labels) || !labels_are_utf8(member.annotations)) {
    return core::Error{"store_invalid_input",
                       "sqlite store: member " + core::fingerprint_hex(member.fingerprint) +
                           " of incident seq " + std::to_string(incident_seq) +
                           " has labels or annotations that are not valid UTF-8"};
  }
  binder.to(stmt).integer(incident_seq);
  schema::write_row(schema::kMembers, member, binder);
  return {};
}

core::Result<core::Member> read_member(const Statement& stmt, int first_col,
                                       simdjson::dom::parser& parser) {
  StatementReader in(stmt, first_col, &parser);
  return schema::read_member(in);
}

void bind_audit(StatementBinder& binder, Statement& stmt, const core::AuditEntry& entry) {
  schema::write_row(schema::kAudit, entry, binder.to(stmt));
}

void read_audit_into(const Statement& stmt, int first_col, core::AuditEntry& out) {
  StatementReader in(stmt, first_col);
  (void)schema::read_row(schema::kAudit, in, out);  // plain columns: nothing can fail
}

core::AuditEntry read_audit(const Statement& stmt, int first_col) {
  core::AuditEntry e;
  read_audit_into(stmt, first_col, e);
  return e;
}

void bind_silence(StatementBinder& binder, Statement& stmt, const core::Silence& silence) {
  schema::write_row(schema::kSilences, silence, binder.to(stmt));
}

core::Result<core::Silence> read_silence(const Statement& stmt, int first_col,
                                         simdjson::dom::parser& parser) {
  StatementReader in(stmt, first_col, &parser);
  return schema::read_silence(in);
}

void bind_problem(StatementBinder& binder, Statement& stmt, const core::Problem& problem) {
  schema::write_row(schema::kProblems, problem, binder.to(stmt));
}

void bind_problem_update(StatementBinder& binder, Statement& stmt, const core::Problem& problem) {
  binder.to(stmt).integer(problem.seq);
  schema::write_row(schema::kProblems, problem, binder, Which::updated);
}

core::Result<core::Problem> read_problem(const Statement& stmt, int first_col) {
  StatementReader in(stmt, first_col);
  return schema::read_problem(in);
}

void bind_outbox_message(StatementBinder& binder, Statement& stmt, const OutboxMessage& message) {
  schema::write_row(schema::kOutbox, message, binder.to(stmt));
}

void bind_notify_told(StatementBinder& binder, Statement& stmt, const NotifyTold& told) {
  schema::write_row(schema::kNotifyTold, told, binder.to(stmt));
}

void bind_delivery(StatementBinder& binder, Statement& stmt, const OutboxMessage& message) {
  binder.to(stmt).integer(message.seq);
  schema::write_row(schema::kOutbox, message, binder, Which::updated);
}

core::Result<OutboxMessage> read_outbox_message(const Statement& stmt, int first_col) {
  StatementReader in(stmt, first_col);
  return schema::read_outbox_message(in);
}

core::Result<NotifyTold> read_notify_told(const Statement& stmt, int first_col) {
  StatementReader in(stmt, first_col);
  return schema::read_notify_told(in);
}

}  // namespace alertd::sinks::sqlite
