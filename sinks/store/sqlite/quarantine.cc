#include "sinks/store/sqlite/quarantine.h"

#include <sqlite3.h>

#include <limits>

namespace alertd::sinks::sqlite {

namespace {
constexpr const char* kInsertSql =
    "INSERT INTO store_quarantine (at, incident_id, tenant, reason, error, update_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kListSql =
    "SELECT seq, at, incident_id, tenant, reason, error, update_json FROM store_quarantine "
    "WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2";
}  // namespace

core::Result<int64_t> quarantine(Writer& w, QuarantineRecord record) {
  auto written = in_write_transaction(w, [&]() -> core::Status {
    auto stmt = w.cache.get(w.db, kInsertSql);
    if (!stmt.ok()) return stmt.error();
    ResetGuard guard(**stmt);
    Statement& s = **stmt;
    s.bind_time(1, record.at);
    s.bind_text(2, record.incident_id);
    s.bind_text(3, record.tenant);
    s.bind_text(4, record.reason);
    s.bind_text(5, record.error);
    s.bind_text(6, record.update_json);
    if (auto st = s.run("quarantine update"); !st.ok()) return st;
    // The caller holds the writer's mutex: the rowid is this statement's.
    record.seq = sqlite3_last_insert_rowid(w.db.get());
    return w.audit.append(quarantine_audit_entry(record));
  });
  if (!written.ok()) return written.error();
  return record.seq;
}

core::Result<QuarantinePage> list_quarantine(Reader& r, std::optional<int64_t> before_seq,
                                             size_t limit) {
  auto stmt = r.cache.get(r.db, kListSql);
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  Statement& s = **stmt;
  s.bind_int(1, before_seq.value_or(std::numeric_limits<int64_t>::max()));
  s.bind_int(2, static_cast<int64_t>(limit) + 1);  // one more tells whether a next page exists
  QuarantinePage page;
  auto st = step_rows(s, "list quarantine", [&](const Statement& row) -> core::Status {
    QuarantineRecord q;
    q.seq = row.column_int(0);
    q.at = row.column_time(1);
    q.incident_id = row.column_text(2);
    q.tenant = row.column_text(3);
    q.reason = row.column_text(4);
    q.error = row.column_text(5);
    q.update_json = row.column_text(6);
    page.records.push_back(std::move(q));
    return {};
  });
  if (!st.ok()) return st.error();
  if (page.records.size() > limit) {
    page.records.pop_back();
    page.next_cursor = page.records.back().seq;
  }
  return page;
}

}  // namespace alertd::sinks::sqlite
