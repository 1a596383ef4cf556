#include "sinks/store/postgres/notify_outbox.h"

#include <algorithm>

#include "sinks/store/postgres/audit_log.h"
#include "sinks/store/postgres/rows.h"

namespace alertd::sinks::postgres {

namespace {

// The predicate and order of the index notify_outbox_status.
const std::string& pending_sql() {
  static const std::string sql = "SELECT " + schema::outbox_select() +
                                 " FROM notify_outbox WHERE status = 'pending' AND seq > $1 "
                                 "ORDER BY seq LIMIT $2";
  return sql;
}

// "C": byte order, as SQLite's default collation sorts.
const std::string& told_sql() {
  static const std::string sql = "SELECT " + schema::notify_told_select() +
                                 " FROM notify_told ORDER BY incident_id COLLATE \"C\"";
  return sql;
}

constexpr const char* kForgetToldSql =
    "DELETE FROM notify_told WHERE incident_id = ANY($1::text[])";

/// How many arrays a batch insert of `table` takes: the columns the store does not assign.
template <typename Row>
size_t written_columns(const schema::Table<Row>& table) {
  return static_cast<size_t>(
      std::count_if(table.columns.begin(), table.columns.end(),
                    [](const auto& c) { return !c.has(schema::kAssigned); }));
}

core::Result<std::vector<int64_t>> insert_messages(Writer& w,
                                                   std::span<const OutboxMessage> messages) {
  std::vector<int64_t> seqs;
  if (messages.empty()) return seqs;
  ColumnArrays rows(written_columns(schema::kOutbox));
  for (const auto& m : messages) write_outbox_message(w.fields, rows, m);
  Params params;
  rows.add_to(params);
  auto inserted = w.conn.query(insert_outbox_sql(), params, "enqueue notifications");
  if (!inserted.ok()) return inserted.error();
  for (int i = 0; i < inserted->size(); ++i) seqs.push_back(inserted->int64(i, 0));
  // RETURNING promises no order; the identity numbered the rows in array order.
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

core::Status replace_told(Writer& w, std::span<const NotifyTold> told) {
  if (told.empty()) return {};
  ColumnArrays rows(written_columns(schema::kNotifyTold));
  for (const auto& t : told) write_notify_told(w.fields, rows, t);
  Params params;
  rows.add_to(params);
  return core::status_of(w.conn.query(upsert_notify_told_sql(), params, "replace told state"));
}

}  // namespace

core::Result<std::vector<int64_t>> enqueue_notifications(Writer& w, const NotifyWrite& write) {
  std::vector<int64_t> seqs;
  auto st = run_transaction(w.conn, "BEGIN", [&]() -> core::Status {
    auto inserted = insert_messages(w, write.messages);
    if (!inserted.ok()) return inserted.error();
    seqs = std::move(*inserted);
    return replace_told(w, write.told);
  });
  if (!st.ok()) return st.error();
  return seqs;
}

namespace {

// One attempt inside the caller's transaction; `found` false when no row had its seq.
core::Status record_one(Writer& w, const DeliveryAttempt& attempt, bool& found) {
  OutboxMessage state;
  state.seq = attempt.seq;
  apply_delivery(state, attempt);
  Params params;
  bind_delivery(params, state);
  auto rows = w.conn.query(record_delivery_sql(), params, "record delivery");
  if (!rows.ok()) return rows.error();
  found = rows->size() != 0;
  if (!found) return {};
  RowFields row(*rows, 0);
  auto message = read_outbox_message(row);
  if (!message.ok()) return message.error();
  const core::AuditEntry entry = notify_audit_entry(*message, attempt);
  return w.audit.append_in_transaction(w.conn, {&entry, 1});
}

}  // namespace

core::Result<size_t> record_deliveries(Writer& w, std::span<const DeliveryAttempt> attempts) {
  // The audit head is locked first, as every write of this store does.
  static const std::string begin(kBeginLockingAuditHeadSql);
  size_t recorded = 0;
  auto st = run_transaction(w.conn, begin, [&]() -> core::Status {
    recorded = 0;
    for (const auto& attempt : attempts) {
      bool found = false;
      if (auto s = record_one(w, attempt, found); !s.ok()) return s;
      recorded += found ? 1 : 0;
    }
    return {};
  });
  if (!st.ok()) return st.error();
  return recorded;
}

core::Status forget_notify_told(Writer& w, std::span<const std::string> incident_ids) {
  if (incident_ids.empty()) return {};
  ColumnArrays ids(1);
  for (const auto& id : incident_ids) ids.text(id).end_row();
  Params params;
  ids.add_to(params);
  return run_transaction(w.conn, "BEGIN", [&]() -> core::Status {
    return core::status_of(w.conn.query(kForgetToldSql, params, "forget told state"));
  });
}

core::Result<std::vector<OutboxMessage>> load_pending_notifications(Reader& r, int64_t after_seq,
                                                                    size_t limit) {
  Params params;
  params.int64(after_seq).int64(static_cast<int64_t>(limit));
  auto rows = r.conn.query(pending_sql(), params, "load pending notifications");
  if (!rows.ok()) return rows.error();
  std::vector<OutboxMessage> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto m = read_outbox_message(row);
    if (!m.ok()) return m.error();
    out.push_back(std::move(*m));
  }
  return out;
}

core::Result<std::vector<NotifyTold>> load_notify_told(Reader& r) {
  auto rows = r.conn.exec(told_sql(), "load told state");
  if (!rows.ok()) return rows.error();
  std::vector<NotifyTold> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto t = read_notify_told(row);
    if (!t.ok()) return t.error();
    out.push_back(std::move(*t));
  }
  return out;
}

}  // namespace alertd::sinks::postgres
