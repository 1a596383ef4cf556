#include "sinks/store/postgres/quarantine.h"

#include <limits>

#include "sinks/store/postgres/audit_log.h"

namespace alertd::sinks::postgres {

namespace {
constexpr const char* kInsertSql =
    "INSERT INTO store_quarantine (at, incident_id, tenant, reason, error, update_json) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq";
constexpr const char* kListSql =
    "SELECT seq, at, incident_id, tenant, reason, error, update_json FROM store_quarantine "
    "WHERE seq < $1 ORDER BY seq DESC LIMIT $2";
}  // namespace

core::Result<int64_t> quarantine(Writer& w, QuarantineRecord record) {
  Connection& conn = w.conn;
  Params params;
  params.time(record.at).view(record.incident_id).view(record.tenant).view(record.reason);
  params.view(record.error).view(record.update_json);
  // The audit head is locked first, as every write of this store does.
  static const std::string begin(kBeginLockingAuditHeadSql);
  auto st = run_transaction(conn, begin, [&]() -> core::Status {
    auto rows = conn.query(kInsertSql, params, "quarantine update");
    if (!rows.ok()) return rows.error();
    record.seq = rows->int64(0, 0);
    const core::AuditEntry entry = quarantine_audit_entry(record);
    return w.audit.append_in_transaction(conn, {&entry, 1});
  });
  if (!st.ok()) return st.error();
  return record.seq;
}

core::Result<QuarantinePage> list_quarantine(Reader& r, std::optional<int64_t> before_seq,
                                             size_t limit) {
  Params params;
  params.int64(before_seq.value_or(std::numeric_limits<int64_t>::max()));
  params.int64(static_cast<int64_t>(limit) + 1);  // one more tells whether a next page exists
  auto rows = r.conn.query(kListSql, params, "list quarantine");
  if (!rows.ok()) return rows.error();
  QuarantinePage page;
  for (int i = 0; i < rows->size(); ++i) {
    QuarantineRecord q;
    q.seq = rows->int64(i, 0);
    q.at = core::from_unix_millis(rows->int64(i, 1));
    q.incident_id = rows->text(i, 2);
    q.tenant = rows->text(i, 3);
    q.reason = rows->text(i, 4);
    q.error = rows->text(i, 5);
    q.update_json = rows->text(i, 6);
    page.records.push_back(std::move(q));
  }
  if (page.records.size() > limit) {
    page.records.pop_back();
    page.next_cursor = page.records.back().seq;
  }
  return page;
}

}  // namespace alertd::sinks::postgres
