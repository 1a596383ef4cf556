#include "sinks/store/postgres/rows.h"

#include <simdjson.h>

#include <vector>

namespace alertd::sinks::postgres {

namespace {

using schema::Which;

std::string placeholders(int first, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "$" + std::to_string(first + i);
  }
  return out;
}

/// INSERT of one row of the columns `which` takes, $1, $2, ... in order.
template <typename Row>
std::string insert_one_sql(const schema::Table<Row>& table) {
  int count = 0;
  for (const auto& c : table.columns) count += schema::takes(c, Which::written) ? 1 : 0;
  return "INSERT INTO " + std::string(table.name) + " (" +
         schema::column_list(table, Which::written) + ") VALUES (" + placeholders(1, count) +
         ") RETURNING seq";
}

/// UPDATE of row $1 (by seq) setting the columns Which::updated takes, $2, $3, ...
template <typename Row>
std::string update_by_seq_sql(const schema::Table<Row>& table) {
  std::string set;
  int index = 2;
  for (const auto& c : table.columns) {
    if (!schema::takes(c, Which::updated)) continue;
    set += (set.empty() ? "" : ", ") + std::string(c.name) + " = $" + std::to_string(index++);
  }
  return "UPDATE " + std::string(table.name) + " SET " + set + " WHERE seq = $1";
}

/// INSERT of a whole batch of `table` from one array parameter per column
/// (the columns Which::written takes, after `owner` when set). With `upsert`
/// a row already there (owner and kKey columns) gets every other column
/// updated; without, every row is inserted in array order.
template <typename Row>
std::string batch_insert_sql(const schema::Table<Row>& table, bool upsert,
                             std::string_view owner = "") {
  struct Col {
    std::string name;
    schema::Kind kind;
    bool key;
  };
  std::vector<Col> cols;
  if (!owner.empty()) cols.push_back({std::string(owner), schema::Kind::integer, true});
  for (const auto& c : table.columns) {
    if (schema::takes(c, Which::written)) {
      cols.push_back({std::string(c.name), c.kind, c.has(schema::kKey)});
    }
  }
  std::string names, arrays, keys, updates;
  for (size_t i = 0; i < cols.size(); ++i) {
    const Col& c = cols[i];
    names += (i > 0 ? ", " : "") + c.name;
    arrays += (i > 0 ? ", $" : "$") + std::to_string(i + 1) +
              "::" + std::string(schema::sql_type(schema::Dialect::postgres, c.kind)) + "[]";
    if (c.key) {
      keys += (keys.empty() ? "" : ", ") + c.name;
    } else {
      updates += (updates.empty() ? "" : ", ") + c.name + " = excluded." + c.name;
    }
  }
  std::string sql = "INSERT INTO " + std::string(table.name) + " (" + names + ") ";
  if (!upsert) {
    // WITH ORDINALITY + ORDER BY: rows go in in array order.
    return sql + "SELECT " + names + " FROM unnest(" + arrays + ") WITH ORDINALITY AS r(" + names +
           ", ord) ORDER BY ord";
  }
  return sql + "SELECT * FROM unnest(" + arrays + ") ON CONFLICT (" + keys + ") DO UPDATE SET " +
         updates;
}

}  // namespace

const std::string& upsert_incidents_sql() {
  static const std::string sql = batch_insert_sql(schema::kIncidents, true);
  return sql;
}

const std::string& upsert_members_sql() {
  static const std::string sql = batch_insert_sql(schema::kMembers, true, schema::kMemberOwner);
  return sql;
}

const std::string& insert_audit_sql() {
  static const std::string sql = batch_insert_sql(schema::kAudit, false);
  return sql;
}

const std::string& insert_silence_sql() {
  static const std::string sql = insert_one_sql(schema::kSilences);
  return sql;
}

const std::string& insert_problem_sql() {
  static const std::string sql = insert_one_sql(schema::kProblems);
  return sql;
}

const std::string& update_problem_sql() {
  static const std::string sql = update_by_seq_sql(schema::kProblems);
  return sql;
}

const std::string& insert_outbox_sql() {
  static const std::string sql = batch_insert_sql(schema::kOutbox, false) + " RETURNING seq";
  return sql;
}

const std::string& upsert_notify_told_sql() {
  static const std::string sql = batch_insert_sql(schema::kNotifyTold, true);
  return sql;
}

const std::string& record_delivery_sql() {
  static const std::string sql =
      update_by_seq_sql(schema::kOutbox) + " RETURNING " + schema::outbox_select();
  return sql;
}

void write_incident(ArraysWriter& out, ColumnArrays& rows, const core::Incident& incident) {
  schema::write_row(schema::kIncidents, incident, out.to(rows));
  rows.end_row();
}

core::Result<core::Incident> read_incident(RowFields& row) {
  return schema::read_incident(row);
}

void write_member(ArraysWriter& out, ColumnArrays& rows, int64_t incident_seq,
                  const core::Member& member) {
  out.to(rows).integer(incident_seq);
  schema::write_row(schema::kMembers, member, out);
  rows.end_row();
}

core::Result<core::Member> read_member(RowFields& row) {
  return schema::read_member(row);
}

void write_audit(ArraysWriter& out, ColumnArrays& rows, const core::AuditEntry& entry) {
  schema::write_row(schema::kAudit, entry, out.to(rows));
  rows.end_row();
}

void read_audit_into(RowFields& row, core::AuditEntry& out) {
  (void)schema::read_row(schema::kAudit, row, out);  // plain columns: nothing can fail
}

core::AuditEntry read_audit(RowFields& row) {
  core::AuditEntry e;
  read_audit_into(row, e);
  return e;
}

void bind_silence(Params& params, const core::Silence& silence) {
  ParamsWriter out(params);
  schema::write_row(schema::kSilences, silence, out);
}

core::Result<core::Silence> read_silence(RowFields& row) {
  return schema::read_silence(row);
}

void bind_problem(Params& params, const core::Problem& problem) {
  ParamsWriter out(params);
  schema::write_row(schema::kProblems, problem, out);
}

void bind_problem_update(Params& params, const core::Problem& problem) {
  ParamsWriter out(params);
  out.integer(problem.seq);
  schema::write_row(schema::kProblems, problem, out, Which::updated);
}

core::Result<core::Problem> read_problem(RowFields& row) {
  return schema::read_problem(row);
}

void write_outbox_message(ArraysWriter& out, ColumnArrays& rows, const OutboxMessage& message) {
  schema::write_row(schema::kOutbox, message, out.to(rows));
  rows.end_row();
}

void write_notify_told(ArraysWriter& out, ColumnArrays& rows, const NotifyTold& told) {
  schema::write_row(schema::kNotifyTold, told, out.to(rows));
  rows.end_row();
}

void bind_delivery(Params& params, const OutboxMessage& message) {
  ParamsWriter out(params);
  out.integer(message.seq);
  schema::write_row(schema::kOutbox, message, out, Which::updated);
}

core::Result<OutboxMessage> read_outbox_message(RowFields& row) {
  return schema::read_outbox_message(row);
}

core::Result<NotifyTold> read_notify_told(RowFields& row) {
  return schema::read_notify_told(row);
}

}  // namespace alertd::sinks::postgres
