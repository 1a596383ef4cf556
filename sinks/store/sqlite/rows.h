#pragma once
// The mapping between core types and table rows: column lists, the write
// statements, and the binders and readers that must agree with them. Kept in
// one place so a column added by a migration is added here once.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "core/silence.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::sqlite {

/// store_corrupt: `table`.`column` holds a value no reader knows.
core::Error corrupt(std::string_view table, std::string_view column, std::string_view value);

// --- incidents ---

/// SELECT list for read_incident, in its column order (prefix-free, no alias).
inline constexpr std::string_view kIncidentColumns =
    "seq, id, tenant, title, service, status, priority, severity, group_key, rule, opened_at, "
    "updated_at, last_alert_at, acknowledged_at, resolved_at, closed_at, alert_count, "
    "firing_count, category, impact, root_service, flapping, suppressed, "
    "detection_source, urgency, priority_manual, team, assignee, escalation_level, vendor, "
    "vendor_contact, resolved_by, resolution, closed_by, close_notes, review_note, "
    "ack_due_at, resolve_due_at, next_escalation_at, ack_breached, resolve_breached, "
    // Linked by the problem store, never by incident writes (those would
    // overwrite it with what the correlator knows): read through the link.
    "(SELECT 'PRB-' || problem_seq FROM problem_incidents "
    "WHERE problem_incidents.incident_seq = incidents.seq)";
inline constexpr int kIncidentColumnCount = 42;

/// Insert-or-update by seq; parameters ?1..?41 as bound (the problem link is not written) by
/// bind_incident.
extern const std::string_view kUpsertIncidentSql;

/// Updates only the columns no index covers, and only when the row exists and
/// every indexed column already holds the bound value; parameters ?1..?23 as
/// bound by bind_incident. Its SET must name every column that is not in its
/// WHERE: a column left out would silently keep its old value whenever this
/// statement, not the upsert, does the write. SQLite rewrites the entries of every index that has
/// a column named in SET, so the usual update (counters and times move,
/// tenant/status/service/priority do not) touching no index keeps a batch from
/// dirtying (and writing to the WAL) pages of all nine incident indexes. When it
/// changes no row, kUpsertIncidentSql does the full write.
extern const std::string_view kUpdateIncidentUnindexedSql;

/// Binds every field; text is bound without copy, so `incident` must outlive the step.
void bind_incident(Statement& stmt, const core::Incident& incident);
/// Reads the columns of kIncidentColumns starting at `first_col`.
core::Result<core::Incident> read_incident(const Statement& stmt, int first_col);

// --- incident_members ---

inline constexpr std::string_view kMemberColumns =
    "fingerprint, labels, annotations, status, source, first_seen, last_seen, resolved_at, "
    "event_count, flapping, suppressed_by";

/// Insert-or-update by (incident_seq, fingerprint); parameters ?1..?12.
extern const std::string_view kUpsertMemberSql;

/// Text that must stay alive while a member row is bound (reused across rows
/// so writing a batch does not allocate per member once warmed up).
struct MemberText {
  std::string fingerprint;
  std::string labels;
  std::string annotations;
};

/// Fails (reason store_invalid_input) when labels are not valid UTF-8: such a
/// row could be written but never read back, which would break restarts.
core::Status bind_member(Statement& stmt, int64_t incident_seq, const core::Member& member,
                         MemberText& text);
core::Result<core::Member> read_member(const Statement& stmt, int first_col,
                                       simdjson::dom::parser& parser);

// --- audit_log ---

inline constexpr std::string_view kAuditColumns =
    "seq, incident_id, at, actor, action, detail, prev_hash, hash";

/// Appends one entry with an explicit seq (the hash covers it); parameters ?1..?8.
extern const std::string_view kInsertAuditSql;

/// Binds `entry` as number `seq` with its chain hashes; `entry`, `prev_hash`
/// and `hash` must outlive the step.
void bind_audit(Statement& stmt, int64_t seq, const core::AuditEntry& entry,
                std::string_view prev_hash, std::string_view hash);
/// Reads the columns of kAuditColumns starting at `first_col` into `out`
/// (reusing its buffers when a caller streams many rows).
void read_audit_into(const Statement& stmt, int first_col, core::AuditEntry& out);
core::AuditEntry read_audit(const Statement& stmt, int first_col);

// --- silences ---

inline constexpr std::string_view kSilenceColumns =
    "seq, tenant, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at";

/// Appends one silence; parameters ?1..?8 (everything but seq, which the store assigns).
extern const std::string_view kInsertSilenceSql;
/// Ends silence ?1 at ?2 unless it has already ended: ends_at and (for a
/// pending one) starts_at become ?2, updated_at ?2.
extern const std::string_view kExpireSilenceSql;

/// `matchers_json` must hold the JSON text of silence.matchers (sinks::write_matchers_json)
/// and, like `silence`, stay alive until the statement is reset.
void bind_silence(Statement& stmt, const core::Silence& silence, const std::string& matchers_json);
core::Result<core::Silence> read_silence(const Statement& stmt, int first_col,
                                         simdjson::dom::parser& parser);

}  // namespace alertd::sinks::sqlite
