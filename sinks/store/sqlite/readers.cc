#include "sinks/store/sqlite/readers.h"

#include <algorithm>

#include "sinks/store/sqlite/audit_log.h"
#include "sinks/store/sqlite/retention.h"
#include "sinks/store/sqlite/rows.h"

namespace alertd::sinks::sqlite {

namespace {

// The active-incident predicate must match the partial index incidents_active
// word for word, or SQLite will not use that index.
constexpr std::string_view kActive = "status NOT IN ('resolved', 'closed')";

std::string list_sql(unsigned shape) {
  std::string sql = "SELECT ";
  sql += schema::incident_select();
  sql += " FROM incidents WHERE tenant = ?1";
  if (shape & kListByStatus) sql += " AND status = ?2";
  if (shape & kListByService) sql += " AND service = ?3";
  if (shape & kListByPriority) sql += " AND priority = ?4";
  if (shape & kListBefore) sql += " AND seq < ?5";
  sql += " ORDER BY seq DESC LIMIT ?6";
  return sql;
}

core::Status prepare_into(Connection& db, Statement& out, std::string_view sql) {
  auto stmt = Statement::prepare(db, sql);
  if (!stmt.ok()) return stmt.error();
  out = std::move(*stmt);
  return {};
}

core::Result<std::unique_ptr<Reader>> open_connection(const std::string& path,
                                                      int busy_timeout_ms) {
  auto db = Connection::open(path, Connection::Mode::read_only, busy_timeout_ms);
  if (!db.ok()) return db.error();
  auto conn = std::make_unique<Reader>();
  conn->db = std::move(*db);
  const std::string active = std::string(kActive);
  const std::pair<Statement*, std::string> statements[] = {
      {&conn->begin, "BEGIN"},
      {&conn->end, "ROLLBACK"},
      {&conn->incident_by_id,
       "SELECT " + schema::incident_select() + " FROM incidents WHERE id = ?1"},
      {&conn->members_of, "SELECT " + schema::member_select() +
                              " FROM incident_members WHERE incident_seq = ?1"
                              " ORDER BY first_seen, fingerprint"},
      {&conn->timeline,
       "SELECT " + schema::audit_select() + " FROM audit_log WHERE incident_id = ?1 ORDER BY seq"},
      {&conn->audit_head, std::string(kAuditHeadSql)},
      {&conn->audit_chain,
       "SELECT " + schema::audit_select() + " FROM audit_log WHERE seq > ?1 ORDER BY seq"},
      {&conn->audit_hash_at, std::string(kAuditHashAtSql)},
      {&conn->opened_since, "SELECT " + schema::incident_select() +
                                " FROM incidents WHERE tenant = ?1 AND opened_at >= ?2"
                                " ORDER BY opened_at LIMIT ?3"},
      {&conn->active_incidents,
       "SELECT " + schema::incident_select() + " FROM incidents WHERE " + active + " ORDER BY seq"},
      {&conn->active_members,
       "SELECT incident_seq, " + schema::member_select() +
           " FROM incident_members WHERE incident_seq IN (SELECT seq FROM incidents WHERE " +
           active + ") ORDER BY incident_seq, first_seen, fingerprint"},
      {&conn->max_seq, std::string(kMaxIncidentSeqSql)},
      {&conn->journal_marks, schema::journal_marks_sql(schema::Dialect::sqlite)},
      {&conn->silences_of_tenant,
       "SELECT " + schema::silence_select() + " FROM silences WHERE tenant = ?1 ORDER BY seq DESC"},
      {&conn->silence_by_seq,
       "SELECT " + schema::silence_select() + " FROM silences WHERE seq = ?1"},
      {&conn->silences_unended,
       "SELECT " + schema::silence_select() + " FROM silences WHERE ends_at > ?1 ORDER BY seq"},
  };
  for (const auto& [stmt, sql] : statements) {
    if (auto st = prepare_into(conn->db, *stmt, sql); !st.ok()) return st.error();
  }
  return conn;
}

}  // namespace

core::Result<Statement*> Reader::list_statement(unsigned shape) {
  Statement& stmt = list.at(shape);
  if (!stmt.valid()) {
    if (auto st = prepare_into(db, stmt, list_sql(shape)); !st.ok()) return st.error();
  }
  return &stmt;
}

core::Result<std::unique_ptr<ReadPool>> open_readers(const std::string& path, size_t connections,
                                                     int busy_timeout_ms) {
  auto pool = std::make_unique<ReadPool>();
  for (size_t i = 0; i < std::max<size_t>(connections, 1); ++i) {
    auto conn = open_connection(path, busy_timeout_ms);
    if (!conn.ok()) return conn.error();
    pool->add(std::move(*conn));
  }
  return pool;
}

core::Status ReadSnapshot::begin() {
  auto st = conn_.begin.run("begin read transaction");
  open_ = st.ok();
  return st;
}

ReadSnapshot::~ReadSnapshot() {
  if (open_) (void)conn_.end.run("end read transaction");
}

}  // namespace alertd::sinks::sqlite
