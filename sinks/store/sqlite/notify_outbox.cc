#include "sinks/store/sqlite/notify_outbox.h"

#include <sqlite3.h>

#include <optional>

#include "sinks/store/sqlite/rows.h"

namespace alertd::sinks::sqlite {

namespace {

// The predicate and order of the index notify_outbox_status.
const std::string& pending_sql() {
  static const std::string sql = "SELECT " + schema::outbox_select() +
                                 " FROM notify_outbox WHERE status = 'pending' AND seq > ?1 "
                                 "ORDER BY seq LIMIT ?2";
  return sql;
}

const std::string& told_sql() {
  static const std::string sql =
      "SELECT " + schema::notify_told_select() + " FROM notify_told ORDER BY incident_id";
  return sql;
}

constexpr const char* kForgetToldSql = "DELETE FROM notify_told WHERE incident_id = ?1";

core::Result<int64_t> insert_message(Writer& w, const OutboxMessage& message) {
  auto stmt = w.cache.get(w.db, insert_outbox_sql());
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  bind_outbox_message(w.binder, **stmt, message);
  if (auto st = (*stmt)->run("enqueue notification"); !st.ok()) return st.error();
  // The caller holds the writer's mutex: the rowid is this statement's.
  return sqlite3_last_insert_rowid(w.db.get());
}

core::Status replace_told(Writer& w, const NotifyTold& told) {
  auto stmt = w.cache.get(w.db, upsert_notify_told_sql());
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  bind_notify_told(w.binder, **stmt, told);
  return (*stmt)->run("replace notify told state");
}

}  // namespace

core::Result<std::vector<int64_t>> enqueue_notifications(Writer& w, const NotifyWrite& write) {
  std::vector<int64_t> seqs;
  auto written = in_write_transaction(w, [&]() -> core::Status {
    for (const auto& message : write.messages) {
      auto seq = insert_message(w, message);
      if (!seq.ok()) return seq.error();
      seqs.push_back(*seq);
    }
    for (const auto& told : write.told) {
      if (auto st = replace_told(w, told); !st.ok()) return st;
    }
    return {};
  });
  if (!written.ok()) return written.error();
  return seqs;
}

namespace {

// One attempt inside the caller's transaction; `found` false when no row had its seq.
core::Status record_one(Writer& w, const DeliveryAttempt& attempt, bool& found) {
  auto stmt = w.cache.get(w.db, record_delivery_sql());
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  OutboxMessage state;  // bound without copy: alive until the statement is reset
  state.seq = attempt.seq;
  apply_delivery(state, attempt);
  bind_delivery(w.binder, **stmt, state);
  std::optional<OutboxMessage> message;
  auto st = step_rows(**stmt, "record delivery", [&](const Statement& row) -> core::Status {
    auto read = read_outbox_message(row, 0);
    if (!read.ok()) return read.error();
    message = std::move(*read);
    return {};
  });
  if (!st.ok()) return st;
  found = message.has_value();
  if (!found) return {};
  return w.audit.append(notify_audit_entry(*message, attempt));
}

}  // namespace

core::Result<size_t> record_deliveries(Writer& w, std::span<const DeliveryAttempt> attempts) {
  size_t recorded = 0;
  auto st = in_write_transaction(w, [&]() -> core::Status {
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
  return in_write_transaction(w, [&]() -> core::Status {
    auto stmt = w.cache.get(w.db, kForgetToldSql);
    if (!stmt.ok()) return stmt.error();
    for (const auto& id : incident_ids) {
      ResetGuard guard(**stmt);
      (*stmt)->bind_text(1, id);
      if (auto st = (*stmt)->run("forget notify told state"); !st.ok()) return st;
    }
    return {};
  });
}

core::Result<std::vector<OutboxMessage>> load_pending_notifications(Reader& r, int64_t after_seq,
                                                                    size_t limit) {
  auto stmt = r.cache.get(r.db, pending_sql());
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  (*stmt)->bind_int(1, after_seq);
  (*stmt)->bind_int(2, static_cast<int64_t>(limit));
  std::vector<OutboxMessage> out;
  auto st =
      step_rows(**stmt, "load pending notifications", [&](const Statement& row) -> core::Status {
        auto m = read_outbox_message(row, 0);
        if (!m.ok()) return m.error();
        out.push_back(std::move(*m));
        return {};
      });
  if (!st.ok()) return st.error();
  return out;
}

core::Result<std::vector<NotifyTold>> load_notify_told(Reader& r) {
  auto stmt = r.cache.get(r.db, told_sql());
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  std::vector<NotifyTold> out;
  auto st = step_rows(**stmt, "load notify told state", [&](const Statement& row) -> core::Status {
    auto t = read_notify_told(row, 0);
    if (!t.ok()) return t.error();
    out.push_back(std::move(*t));
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace alertd::sinks::sqlite
