#pragma once
// The SQLite side of the column table (sinks/store/schema.h): its binder and
// reader of statement columns, the binders and readers of each row type, and
// the write statements built from the table. A column added to the table
// (with its migration) needs nothing here.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/silence.h"
#include "sinks/store/notify_store.h"
#include "sinks/store/schema.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::sqlite {

/// Binds a row's values as parameters ?first, ?first+1, ... of a statement.
/// Text is bound without copy: the row, and the binder's buffers, must stay
/// alive until the statement has run. Reused across rows (and statements),
/// so writing a batch does not allocate per row once warmed up.
class StatementBinder final : public schema::FieldWriter {
 public:
  StatementBinder& to(Statement& stmt, int first = 1) {
    stmt_ = &stmt;
    index_ = first;
    return *this;
  }
  void integer(int64_t value) override { stmt_->bind_int(index_++, value); }
  void text(std::string_view value) override { stmt_->bind_text(index_++, value); }
  void time(core::TimePoint t) override { stmt_->bind_time(index_++, t); }
  void boolean(bool value) override { stmt_->bind_int(index_++, value ? 1 : 0); }

 private:
  Statement* stmt_ = nullptr;
  int index_ = 1;
};

/// Reads a result row's columns from `first_col` on, left to right.
class StatementReader final : public schema::FieldReader {
 public:
  StatementReader(const Statement& stmt, int first_col, simdjson::dom::parser* parser = nullptr)
      : schema::FieldReader("sqlite store", parser), stmt_(stmt), col_(first_col) {}
  int64_t integer() override { return stmt_.column_int(col_++); }
  std::string_view text() override { return stmt_.column_text(col_++); }
  core::TimePoint time() override { return stmt_.column_time(col_++); }
  bool boolean() override { return stmt_.column_int(col_++) != 0; }
  bool next_is_null() const override { return stmt_.is_null(col_); }

 private:
  const Statement& stmt_;
  int col_;
};

// --- incidents ---

/// Insert-or-update by seq; parameters as bound by bind_incident.
const std::string& upsert_incident_sql();

/// Updates only the columns no index covers, and only when the row exists and
/// every indexed column already holds the bound value; parameters as bound by
/// bind_incident. SQLite rewrites the entries of every index that has a
/// column named in SET, so the usual update (counters and times move, tenant,
/// status, service, priority do not) touching no index keeps a batch from
/// dirtying (and writing to the WAL) pages of all nine incident indexes. Its
/// SET names every column its WHERE does not (both are built from the
/// table's kIndexed flags): a column left out would keep its old value
/// whenever this statement, not the upsert, does the write. When it changes
/// no row, upsert_incident_sql() does the full write.
const std::string& update_incident_unindexed_sql();

/// Binds every column of schema::kIncidents (problem_id is never written).
void bind_incident(StatementBinder& binder, Statement& stmt, const core::Incident& incident);
/// Reads the columns of schema::incident_select() starting at `first_col`.
core::Result<core::Incident> read_incident(const Statement& stmt, int first_col);

// --- incident_members ---

/// Insert-or-update by (incident_seq, fingerprint).
const std::string& upsert_member_sql();

/// Fails (reason store_invalid_input) when labels are not valid UTF-8: such a
/// row could be written but never read back, which would break restarts.
core::Status bind_member(StatementBinder& binder, Statement& stmt, int64_t incident_seq,
                         const core::Member& member);
/// Reads the columns of schema::member_select() starting at `first_col`.
core::Result<core::Member> read_member(const Statement& stmt, int first_col,
                                       simdjson::dom::parser& parser);

// --- audit_log ---

/// Appends one entry with an explicit seq (the hash covers it).
const std::string& insert_audit_sql();

/// Binds `entry` (its seq, prev_hash and hash as the chain numbered it).
void bind_audit(StatementBinder& binder, Statement& stmt, const core::AuditEntry& entry);
/// Reads the columns of schema::audit_select() starting at `first_col` into
/// `out` (reusing its buffers when a caller streams many rows).
void read_audit_into(const Statement& stmt, int first_col, core::AuditEntry& out);
core::AuditEntry read_audit(const Statement& stmt, int first_col);

// --- silences ---

/// Appends one silence (every column but seq, which the store assigns).
const std::string& insert_silence_sql();
/// Ends silence ?1 at ?2 unless it has already ended: ends_at and (for a
/// pending one) starts_at become ?2, updated_at ?2.
extern const std::string_view kExpireSilenceSql;

void bind_silence(StatementBinder& binder, Statement& stmt, const core::Silence& silence);
core::Result<core::Silence> read_silence(const Statement& stmt, int first_col,
                                         simdjson::dom::parser& parser);

// --- problems ---

/// Appends one problem (every column but seq), as bind_problem binds it.
const std::string& insert_problem_sql();
/// Writes every column a person can change (neither key nor fixed) of
/// problem ?1, as bind_problem_update binds it.
const std::string& update_problem_sql();

void bind_problem(StatementBinder& binder, Statement& stmt, const core::Problem& problem);
void bind_problem_update(StatementBinder& binder, Statement& stmt, const core::Problem& problem);
/// Reads the columns of schema::problem_select() starting at `first_col`.
core::Result<core::Problem> read_problem(const Statement& stmt, int first_col);

// --- notify_outbox, notify_told ---

/// Appends one message (every column but seq), as bind_outbox_message binds it.
const std::string& insert_outbox_sql();
/// Insert-or-replace of an incident's told state, as bind_notify_told binds it.
const std::string& upsert_notify_told_sql();
/// Writes the delivery state of message ?1, as bind_delivery binds it, and
/// returns the message's row (schema::outbox_select()): none when no
/// message has that seq.
const std::string& record_delivery_sql();

void bind_outbox_message(StatementBinder& binder, Statement& stmt, const OutboxMessage& message);
void bind_notify_told(StatementBinder& binder, Statement& stmt, const NotifyTold& told);
/// Binds message.seq and its delivery state (apply_delivery, notify_outbox.h).
void bind_delivery(StatementBinder& binder, Statement& stmt, const OutboxMessage& message);
/// Reads the columns of schema::outbox_select() / notify_told_select() from `first_col` on.
core::Result<OutboxMessage> read_outbox_message(const Statement& stmt, int first_col);
core::Result<NotifyTold> read_notify_told(const Statement& stmt, int first_col);

}  // namespace alertd::sinks::sqlite
