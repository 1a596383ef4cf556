#pragma once
// The PostgreSQL side of the column table (sinks/store/schema.h): its
// writers (batch arrays, statement parameters) and reader of result columns,
// the writers and readers of each row type, and the batch statements built
// from the table. A column added to the table (with its migration) needs
// nothing here.
//
// Batches are written with one statement per table: each column's values go
// as one array parameter, `INSERT ... SELECT * FROM unnest($1::bigint[], ...)`.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/silence.h"
#include "sinks/store/notify_store.h"
#include "sinks/store/postgres/pg_conn.h"
#include "sinks/store/schema.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::postgres {

/// Appends a row's values to one array per column. Reused across rows.
class ArraysWriter final : public schema::FieldWriter {
 public:
  ArraysWriter& to(ColumnArrays& rows) {
    rows_ = &rows;
    return *this;
  }
  void integer(int64_t value) override { rows_->int64(value); }
  void text(std::string_view value) override { rows_->text(value); }
  void time(core::TimePoint t) override { rows_->time(t); }
  void boolean(bool value) override { rows_->boolean(value); }

 private:
  ColumnArrays* rows_ = nullptr;
};

/// Appends a row's values as statement parameters (copied).
class ParamsWriter final : public schema::FieldWriter {
 public:
  explicit ParamsWriter(Params& params) : params_(params) {}
  void integer(int64_t value) override { params_.int64(value); }
  void text(std::string_view value) override { params_.text(value); }
  void time(core::TimePoint t) override { params_.time(t); }
  void boolean(bool value) override { params_.boolean(value); }

 private:
  Params& params_;
};

/// Reads one result row's columns from `first_col` on, left to right.
class RowFields final : public schema::FieldReader {
 public:
  RowFields(const Rows& rows, int row, int first_col = 0, simdjson::dom::parser* parser = nullptr)
      : schema::FieldReader("postgres store", parser), rows_(rows), row_(row), col_(first_col) {}
  int64_t integer() override { return rows_.int64(row_, col_++); }
  std::string_view text() override { return rows_.text(row_, col_++); }
  core::TimePoint time() override { return rows_.time(row_, col_++); }
  bool boolean() override { return rows_.boolean(row_, col_++); }
  bool next_is_null() const override { return rows_.is_null(row_, col_); }

 private:
  const Rows& rows_;
  int row_;
  int col_;
};

// --- incidents ---

/// ORDER BY of a member read, as SQLite returns them: SQLite sorts NULL
/// first and compares text bytewise, whatever the database's collation.
inline constexpr std::string_view kMemberOrder =
    "first_seen NULLS FIRST, fingerprint COLLATE \"C\"";

/// Upsert of a batch of incidents (by seq) and of members (by seq and fingerprint).
const std::string& upsert_incidents_sql();
const std::string& upsert_members_sql();

/// Writes every column of schema::kIncidents (problem_id is never written).
void write_incident(ArraysWriter& out, ColumnArrays& rows, const core::Incident& incident);
/// Reads the columns of schema::incident_select().
core::Result<core::Incident> read_incident(RowFields& row);

// --- incident_members ---

/// The caller has checked the labels are UTF-8.
void write_member(ArraysWriter& out, ColumnArrays& rows, int64_t incident_seq,
                  const core::Member& member);
/// Reads the columns of schema::member_select() (parser set on `row`).
core::Result<core::Member> read_member(RowFields& row);

// --- audit_log ---

/// Appends a batch of entries, in array order (a CTE of the chain's append).
const std::string& insert_audit_sql();
/// Writes `entry` with its seq and hashes as the chain numbered it.
void write_audit(ArraysWriter& out, ColumnArrays& rows, const core::AuditEntry& entry);
/// Reads the columns of schema::audit_select() into `out`, reusing its
/// buffers when a caller streams many rows.
void read_audit_into(RowFields& row, core::AuditEntry& out);
core::AuditEntry read_audit(RowFields& row);

// --- silences ---

/// INSERT of one silence (every column but seq), RETURNING seq.
const std::string& insert_silence_sql();
void bind_silence(Params& params, const core::Silence& silence);
/// Reads the columns of schema::silence_select() (parser set on `row`).
core::Result<core::Silence> read_silence(RowFields& row);

// --- problems ---

/// INSERT of one problem (every column but seq) RETURNING seq, and the
/// update of every column a person can change of problem $1.
const std::string& insert_problem_sql();
const std::string& update_problem_sql();
void bind_problem(Params& params, const core::Problem& problem);
void bind_problem_update(Params& params, const core::Problem& problem);
/// Reads the columns of schema::problem_select().
core::Result<core::Problem> read_problem(RowFields& row);

// --- notify_outbox, notify_told ---

/// Appends a batch of messages in array order (every column but seq),
/// RETURNING their seqs: assigned in that order, so ascending.
const std::string& insert_outbox_sql();
/// Insert-or-replace of a batch of told states (one per incident).
const std::string& upsert_notify_told_sql();
/// Writes the delivery state of message $1, as bind_delivery binds it, and
/// returns the message's row (schema::outbox_select()): none when no
/// message has that seq.
const std::string& record_delivery_sql();

void write_outbox_message(ArraysWriter& out, ColumnArrays& rows, const OutboxMessage& message);
void write_notify_told(ArraysWriter& out, ColumnArrays& rows, const NotifyTold& told);
/// Binds message.seq and its delivery state (apply_delivery, notify_outbox.h).
void bind_delivery(Params& params, const OutboxMessage& message);
/// Reads the columns of schema::outbox_select() / notify_told_select().
core::Result<OutboxMessage> read_outbox_message(RowFields& row);
core::Result<NotifyTold> read_notify_told(RowFields& row);

}  // namespace alertd::sinks::postgres
