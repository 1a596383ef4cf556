#pragma once
// The mapping between core types and the PostgreSQL store's rows: one column
// list per table, the statements built from it, and the writer and reader of
// each row type, which walk the same list in the same order. A column added
// by a migration is added to its list here and to its writer and reader.
//
// Batches are written with one statement per table: each column's values go
// as one array parameter, `INSERT ... SELECT * FROM unnest($1::bigint[], ...)`.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/result.h"
#include "core/silence.h"
#include "sinks/store/postgres/pg_conn.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::postgres {

/// store_corrupt: `table`.`column` holds a value no reader knows.
core::Error corrupt(std::string_view table, std::string_view column, std::string_view value);

struct Column {
  std::string_view name;
  std::string_view type;  // the array element type of its unnest parameter
};

// --- incidents ---

inline constexpr Column kIncidentTable[] = {
    {"seq", "bigint"},
    {"id", "text"},
    {"tenant", "text"},
    {"title", "text"},
    {"service", "text"},
    {"status", "text"},
    {"priority", "text"},
    {"severity", "text"},
    {"group_key", "text"},
    {"rule", "text"},
    {"opened_at", "bigint"},
    {"updated_at", "bigint"},
    {"last_alert_at", "bigint"},
    {"acknowledged_at", "bigint"},
    {"resolved_at", "bigint"},
    {"closed_at", "bigint"},
    {"alert_count", "bigint"},
    {"firing_count", "bigint"},
    {"category", "text"},
    {"impact", "text"},
    {"root_service", "text"},
    {"flapping", "boolean"},
    {"suppressed", "boolean"},
    // Version 4: the incident lifecycle.
    {"detection_source", "text"},
    {"urgency", "text"},
    {"priority_manual", "boolean"},
    {"team", "text"},
    {"assignee", "text"},
    {"escalation_level", "bigint"},
    {"vendor", "text"},
    {"vendor_contact", "text"},
    {"resolved_by", "text"},
    {"resolution", "text"},
    {"closed_by", "text"},
    {"close_notes", "text"},
    {"review_note", "text"},
    {"ack_due_at", "bigint"},
    {"resolve_due_at", "bigint"},
    {"next_escalation_at", "bigint"},
    {"ack_breached", "boolean"},
    {"resolve_breached", "boolean"},
};

/// Read after the columns of kIncidentTable (no table prefix): the problem
/// link, 'PRB-<seq>' or NULL. Problems are linked by the problem store, never
/// by incident writes (those would overwrite it with what the correlator
/// knows), so it is read through the link and is not in kIncidentTable.
inline constexpr std::string_view kIncidentProblemColumn =
    "(SELECT 'PRB-' || problem_seq FROM problem_incidents "
    "WHERE problem_incidents.incident_seq = incidents.seq)";

/// The SELECT list read_incident reads: kIncidentTable, then kIncidentProblemColumn.
std::string incident_select_list();

/// Writes every column of kIncidentTable (problem_id is never written).
void write_incident(ColumnArrays& rows, const core::Incident& incident);
/// Reads the columns of incident_select_list().
core::Result<core::Incident> read_incident(RowReader& row);

// --- incident_members (incident_seq first, then the member's own fields) ---

inline constexpr Column kMemberTable[] = {
    {"incident_seq", "bigint"}, {"fingerprint", "text"}, {"labels", "text"},
    {"annotations", "text"},    {"status", "text"},      {"source", "text"},
    {"first_seen", "bigint"},   {"last_seen", "bigint"}, {"resolved_at", "bigint"},
    {"event_count", "bigint"},  {"flapping", "boolean"}, {"suppressed_by", "text"},
};

/// ORDER BY of a member read, as SQLite returns them: SQLite sorts NULL
/// first and compares text bytewise, whatever the database's collation.
inline constexpr std::string_view kMemberOrder =
    "first_seen NULLS FIRST, fingerprint COLLATE \"C\"";

/// `json` is a reused buffer. The caller has checked the labels are UTF-8.
void write_member(ColumnArrays& rows, int64_t incident_seq, const core::Member& member,
                  std::string& json);
/// Reads the member's own fields (kMemberTable without incident_seq).
core::Result<core::Member> read_member(RowReader& row, simdjson::dom::parser& parser);

// --- audit_log (seq and the chain hashes are set by the store as it appends) ---

inline constexpr Column kAuditTable[] = {
    {"seq", "bigint"},  {"incident_id", "text"}, {"at", "bigint"},      {"actor", "text"},
    {"action", "text"}, {"detail", "text"},      {"prev_hash", "text"}, {"hash", "text"},
};

/// Writes `entry` as number `seq` with its chain hashes (the entry's own
/// seq, prev_hash and hash fields are not read).
void write_audit(ColumnArrays& rows, int64_t seq, const core::AuditEntry& entry,
                 std::string_view prev_hash, std::string_view hash);
/// Reads the columns of kAuditTable into `out`, reusing its buffers when a
/// caller streams many rows.
void read_audit_into(RowReader& row, core::AuditEntry& out);
core::AuditEntry read_audit(RowReader& row);

// --- silences (seq is assigned by the store: not written, read first) ---

inline constexpr Column kSilenceTable[] = {
    {"seq", "bigint"},       {"tenant", "text"},       {"matchers", "text"},
    {"starts_at", "bigint"}, {"ends_at", "bigint"},    {"created_by", "text"},
    {"comment", "text"},     {"created_at", "bigint"}, {"updated_at", "bigint"},
};

/// Binds every column but seq, in kSilenceTable order; `matchers_json` must
/// outlive the call.
void bind_silence(Params& params, const core::Silence& silence, const std::string& matchers_json);
core::Result<core::Silence> read_silence(RowReader& row, simdjson::dom::parser& parser);

// --- statements built from the column lists ---

/// "a, b, c" (optionally each prefixed "t.").
std::string column_list(std::span<const Column> columns, std::string_view prefix = "");

/// INSERT of a whole batch from one array parameter per column. The first
/// `key_columns` columns are the conflict key: a row already there gets every
/// other column updated. With key_columns = 0 it inserts every row, in array order.
std::string batch_insert_sql(std::string_view table, std::span<const Column> columns,
                             size_t key_columns);

/// How many leading columns a table's writer skips (store-assigned seq).
inline constexpr size_t kAssignedSeq = 1;

}  // namespace alertd::sinks::postgres
