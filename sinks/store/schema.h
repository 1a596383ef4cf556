#pragma once
// The store's column table, one for both backends: for each table, its
// columns in order, each with its kind (which gives its SQL type in each
// backend), what the statements need to know of it (conflict key, covered by
// an index, assigned by the store, fixed once written), and how its core
// field is written and read. Both backends' binders, readers, column lists and
// write statements are built from it (sqlite/rows.cc, postgres/rows.cc), so
// adding a column means: its entry here and a migration (migrations.cc).
//
// A backend supplies a FieldWriter (its statement parameters or batch
// arrays) and a FieldReader (its result row); write_row and read_row walk a
// table's columns over them. Times are unix milliseconds, NULL for kNoTime;
// enums are their text form; labels and matchers are JSON text.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"
#include "sinks/store/notify_store.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::schema {

enum class Kind : uint8_t { integer, text, time, boolean };
enum class Dialect : uint8_t { sqlite, postgres };

/// The SQL type a kind is stored as: SQLite's column type (INTEGER, TEXT) or
/// PostgreSQL's (bigint, text, boolean), as the migrations create them.
std::string_view sql_type(Dialect dialect, Kind kind);

enum ColumnFlag : unsigned {
  kKey = 1,       // the conflict key of an upsert (or the key of an update)
  kIndexed = 2,   // an index covers it (SQLite's narrow update leaves these alone)
  kAssigned = 4,  // the store assigns it (an identity): never written, read first
  kFixed = 8,     // set when the row is inserted, never changed by an update
};

/// Where a row's values go, in column order: one backend's statement
/// parameters or batch arrays.
class FieldWriter {
 public:
  FieldWriter() = default;
  FieldWriter(FieldWriter&&) = default;  // a store's writer, with its binder, is moved into it
  FieldWriter& operator=(FieldWriter&&) = default;
  virtual ~FieldWriter() = default;
  virtual void integer(int64_t value) = 0;
  /// `value` must stay valid until the row's statement has run (or, for a
  /// buffer(), until the next row).
  virtual void text(std::string_view value) = 0;
  virtual void time(core::TimePoint t) = 0;  // NULL for kNoTime
  virtual void boolean(bool value) = 0;
  /// A buffer for text made while writing (JSON, hex), reused across rows:
  /// each call of one row gets another.
  std::string& buffer();
  /// Call before each row: its buffers may be reused.
  void start_row() { buffers_used_ = 0; }

 private:
  std::vector<std::unique_ptr<std::string>> buffers_;  // stable addresses
  size_t buffers_used_ = 0;
};

/// Where a row's values come from: one backend's result row, read left to
/// right in column order.
class FieldReader {
 public:
  /// `parser` reads the JSON columns (labels, matchers); a reader of rows
  /// without any may pass none.
  explicit FieldReader(std::string_view store_kind, simdjson::dom::parser* parser = nullptr)
      : store_kind_(store_kind), parser_(parser) {}
  virtual ~FieldReader() = default;
  virtual int64_t integer() = 0;
  /// Valid until the next read; NULL reads as "".
  virtual std::string_view text() = 0;
  virtual core::TimePoint time() = 0;  // NULL is kNoTime
  virtual bool boolean() = 0;
  /// Whether the next column is NULL (it is not consumed).
  virtual bool next_is_null() const = 0;

  simdjson::dom::parser& json_parser() { return *parser_; }
  /// Which column is being read, for corrupt().
  void at(std::string_view table, std::string_view column) {
    table_ = table;
    column_ = column;
  }
  /// store_corrupt: the column being read holds a value no reader knows.
  core::Error corrupt(std::string_view value) const;

 private:
  std::string_view store_kind_;  // "sqlite store", "postgres store"
  simdjson::dom::parser* parser_;
  std::string_view table_;
  std::string_view column_;
};

template <typename Row>
struct Column {
  std::string_view name;
  Kind kind;
  unsigned flags;
  void (*write)(const Row& row, FieldWriter& out);
  core::Status (*read)(Row& row, FieldReader& in);

  bool has(ColumnFlag flag) const { return (flags & flag) != 0; }
};

template <typename Row>
struct Table {
  std::string_view name;
  std::span<const Column<Row>> columns;
};

extern const Table<core::Incident> kIncidents;
/// incident_members: written after kMemberOwner, the incident's seq (the
/// first column of the conflict key; not a field of core::Member).
extern const Table<core::Member> kMembers;
inline constexpr std::string_view kMemberOwner = "incident_seq";
/// audit_log: seq, prev_hash and hash are written as the entry carries them;
/// the appenders set them on the entry they write.
extern const Table<core::AuditEntry> kAudit;
extern const Table<core::Silence> kSilences;
extern const Table<core::Problem> kProblems;
/// notify_outbox (version 8): seq is an identity. Every column but the
/// delivery state (status, attempts, last_reason, next_at) is kFixed, so
/// Which::updated is what record_deliveries writes.
extern const Table<OutboxMessage> kOutbox;
/// notify_told (version 8): one row per incident, replaced by incident_id.
extern const Table<NotifyTold> kNotifyTold;

/// Read after the columns of kIncidents (no table prefix): the problem link,
/// 'PRB-<seq>' or NULL. Problems are linked by the problem store, never by
/// incident writes (those would overwrite it with what the correlator knows),
/// so it is read through the link and is not a column of kIncidents.
inline constexpr std::string_view kIncidentProblemLink =
    "(SELECT 'PRB-' || problem_seq FROM problem_incidents "
    "WHERE problem_incidents.incident_seq = incidents.seq)";
/// Read after the columns of kProblems: incident_count and last_linked_at,
/// which come from the links and are never written.
inline constexpr std::string_view kProblemLinkColumns =
    "(SELECT COUNT(*) FROM problem_incidents WHERE problem_seq = problems.seq), "
    "(SELECT MAX(linked_at) FROM problem_incidents WHERE problem_seq = problems.seq)";

/// Which columns a list or a statement takes.
enum class Which : uint8_t {
  all,      // every column, in order
  written,  // all but kAssigned: what an insert writes
  updated,  // neither kKey, kAssigned nor kFixed: what an update by key sets
};

template <typename Row>
bool takes(const Column<Row>& c, Which which) {
  switch (which) {
    case Which::all: return true;
    case Which::written: return !c.has(kAssigned);
    case Which::updated: return !c.has(kKey) && !c.has(kAssigned) && !c.has(kFixed);
  }
  return false;
}

/// "a, b, c" of the columns `which` takes, each prefixed with `prefix` ("t.").
template <typename Row>
std::string column_list(const Table<Row>& table, Which which = Which::all,
                        std::string_view prefix = "") {
  std::string out;
  for (const auto& c : table.columns) {
    if (!takes(c, which)) continue;
    if (!out.empty()) out += ", ";
    out += prefix;
    out += c.name;
  }
  return out;
}

/// Writes the columns `which` takes, in order (starting a row of `out`).
template <typename Row>
void write_row(const Table<Row>& table, const Row& row, FieldWriter& out,
               Which which = Which::written) {
  out.start_row();
  for (const auto& c : table.columns) {
    if (takes(c, which)) c.write(row, out);
  }
}

/// Reads every column of `table`, in order, into `row` (reusing its buffers
/// when a caller streams many rows).
template <typename Row>
core::Status read_row(const Table<Row>& table, FieldReader& in, Row& row) {
  for (const auto& c : table.columns) {
    in.at(table.name, c.name);
    if (auto st = c.read(row, in); !st.ok()) return st;
  }
  return {};
}

// The SELECT lists of the reads (no table prefix), and the readers of the
// rows they return: the table's columns, then what comes from the links.
const std::string& incident_select();
const std::string& member_select();
const std::string& audit_select();
const std::string& silence_select();
const std::string& problem_select();
const std::string& outbox_select();
const std::string& notify_told_select();

/// load_journal_marks: tenant, fingerprint and the highest journal_pos of
/// every alert (tenant, fingerprint) with a member whose journal_pos is
/// above the first parameter (`after`), of incidents in any status, ordered
/// by tenant and fingerprint in byte order. Read by read_journal_mark.
std::string journal_marks_sql(Dialect dialect);

core::Result<core::Incident> read_incident(FieldReader& in);
core::Result<core::Member> read_member(FieldReader& in);
core::Result<core::Silence> read_silence(FieldReader& in);
core::Result<core::Problem> read_problem(FieldReader& in);
core::Result<core::JournalMark> read_journal_mark(FieldReader& in);
core::Result<OutboxMessage> read_outbox_message(FieldReader& in);
core::Result<NotifyTold> read_notify_told(FieldReader& in);

}  // namespace alertd::sinks::schema
