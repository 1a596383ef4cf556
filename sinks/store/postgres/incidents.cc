#include "sinks/store/postgres/incidents.h"

#include <algorithm>
#include <array>
#include <limits>

#include "sinks/store/postgres/audit_log.h"
#include "sinks/store/postgres/retention.h"
#include "sinks/store/postgres/rows.h"
#include "sinks/store/schema.h"

namespace alertd::sinks::postgres {

namespace {

constexpr size_t kMaxListLimit = 1000;

// Which optional filters a list query has: one SQL text per shape.
enum ListShape : unsigned { kByStatus = 1, kByService = 2, kByPriority = 4, kBefore = 8 };
constexpr size_t kListShapes = 16;

// As in SQLite: the predicate of the partial index incidents_active, word for word.
constexpr std::string_view kActive = "status NOT IN ('resolved', 'closed')";

std::string list_sql(unsigned shape) {
  std::string sql = "SELECT " + schema::incident_select() + " FROM incidents WHERE tenant = $1";
  int next = 2;
  auto param = [&] { return "$" + std::to_string(next++); };
  if (shape & kByStatus) sql += " AND status = " + param();
  if (shape & kByService) sql += " AND service = " + param();
  if (shape & kByPriority) sql += " AND priority = " + param();
  if (shape & kBefore) sql += " AND seq < " + param();
  sql += " ORDER BY seq DESC LIMIT " + param();
  return sql;
}

/// Every statement, built once from the column lists of rows.h.
struct Statements {
  Statements() {
    const std::string& incident_cols = schema::incident_select();
    const std::string& member_cols = schema::member_select();
    incident_by_id = "SELECT " + incident_cols + " FROM incidents WHERE id = $1";
    members_of = "SELECT " + member_cols + " FROM incident_members WHERE incident_seq = $1" +
                 " ORDER BY " + std::string(kMemberOrder);
    timeline =
        "SELECT " + schema::audit_select() + " FROM audit_log WHERE incident_id = $1 ORDER BY seq";
    active_incidents = "SELECT " + incident_cols + " FROM incidents WHERE " + std::string(kActive) +
                       " ORDER BY seq";
    active_members = "SELECT incident_seq, " + member_cols +
                     " FROM incident_members WHERE incident_seq IN (SELECT seq FROM incidents "
                     "WHERE " +
                     std::string(kActive) + ") ORDER BY incident_seq, " + std::string(kMemberOrder);
    max_seq = std::string(kMaxIncidentSeqSql);
    journal_marks = schema::journal_marks_sql(schema::Dialect::postgres);
    opened_since =
        "SELECT " + incident_cols +
        " FROM incidents WHERE tenant = $1 AND opened_at >= $2 ORDER BY opened_at LIMIT $3";
    for (unsigned shape = 0; shape < kListShapes; ++shape) list[shape] = list_sql(shape);
  }
  std::string incident_by_id, members_of, timeline, active_incidents, active_members, max_seq;
  std::string opened_since, journal_marks;
  std::array<std::string, kListShapes> list;
};

const Statements& sql() {
  static const Statements statements;
  return statements;
}

}  // namespace

core::Result<IncidentPage> list_incidents(Reader& r, const IncidentFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  unsigned shape = 0;
  Params& p = r.params;
  p.clear();
  p.text(filter.tenant);
  // Parameters in the order list_sql() numbers them.
  if (filter.status) {
    shape |= kByStatus;
    p.text(core::to_string(*filter.status));
  }
  if (filter.service) {
    shape |= kByService;
    p.text(*filter.service);
  }
  if (filter.priority) {
    shape |= kByPriority;
    p.text(core::to_string(*filter.priority));
  }
  if (filter.before_seq) {
    shape |= kBefore;
    p.int64(*filter.before_seq);
  }
  // One row more than asked tells whether another page exists.
  p.int64(static_cast<int64_t>(limit + 1));
  auto rows = r.conn.query(sql().list[shape], p, "list incidents");
  if (!rows.ok()) return rows.error();

  IncidentPage page;
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto incident = read_incident(row);
    if (!incident.ok()) return incident.error();
    page.incidents.push_back(std::move(*incident));
  }
  if (page.incidents.size() > limit) {
    page.incidents.pop_back();
    page.next_cursor = page.incidents.back().seq;
  }
  return page;
}

core::Result<std::vector<core::Incident>> opened_since(Reader& r, const std::string& tenant,
                                                       core::TimePoint since, size_t limit) {
  Params& p = r.params;
  p.clear();
  p.text(tenant);
  p.time(since);
  p.int64(static_cast<int64_t>(limit));
  auto rows = r.conn.query(sql().opened_since, p, "read incidents opened since");
  if (!rows.ok()) return rows.error();
  std::vector<core::Incident> out;
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto incident = read_incident(row);
    if (!incident.ok()) return incident.error();
    out.push_back(std::move(*incident));
  }
  return out;
}

core::Result<std::optional<IncidentDetail>> get_incident(Reader& r, std::string_view id) {
  ReadSnapshot snapshot(r);  // incident and members from the same commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  Params& p = r.params;
  p.clear();
  p.text(id);
  auto incident_rows = r.conn.query(sql().incident_by_id, p, "get incident");
  if (!incident_rows.ok()) return incident_rows.error();
  if (incident_rows->size() == 0) return std::optional<IncidentDetail>();
  IncidentDetail detail;
  RowFields incident_row(*incident_rows, 0);
  auto incident = read_incident(incident_row);
  if (!incident.ok()) return incident.error();
  detail.incident = std::move(*incident);

  p.clear();
  p.int64(detail.incident.seq);
  auto member_rows = r.conn.query(sql().members_of, p, "get incident members");
  if (!member_rows.ok()) return member_rows.error();
  for (int i = 0; i < member_rows->size(); ++i) {
    RowFields row(*member_rows, i, 0, &r.parser);
    auto member = read_member(row);
    if (!member.ok()) return member.error();
    detail.members.push_back(std::move(*member));
  }
  return std::optional<IncidentDetail>(std::move(detail));
}

core::Result<std::vector<core::AuditEntry>> timeline(Reader& r, std::string_view id) {
  r.params.clear();
  r.params.text(id);
  auto rows = r.conn.query(sql().timeline, r.params, "read timeline");
  if (!rows.ok()) return rows.error();
  std::vector<core::AuditEntry> entries;
  entries.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    entries.push_back(read_audit(row));
  }
  return entries;
}

core::Result<core::ActiveState> load_active(Reader& r) {
  Connection& conn = r.conn;
  ReadSnapshot snapshot(r);  // incidents, members and max_seq agree
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  const Params none;

  core::ActiveState state;
  auto incident_rows = conn.query(sql().active_incidents, none, "load active incidents");
  if (!incident_rows.ok()) return incident_rows.error();
  for (int i = 0; i < incident_rows->size(); ++i) {
    RowFields row(*incident_rows, i);
    auto incident = read_incident(row);
    if (!incident.ok()) return incident.error();
    state.incidents.push_back(std::move(*incident));
  }
  // Both queries order by seq, so each member's incident is found by a
  // forward walk over state.incidents.
  auto member_rows = conn.query(sql().active_members, none, "load active members");
  if (!member_rows.ok()) return member_rows.error();
  size_t owner = 0;
  for (int i = 0; i < member_rows->size(); ++i) {
    const int64_t seq = member_rows->int64(i, 0);
    while (owner < state.incidents.size() && state.incidents[owner].seq < seq) ++owner;
    if (owner == state.incidents.size() || state.incidents[owner].seq != seq) continue;
    RowFields row(*member_rows, i, 1, &r.parser);
    auto member = read_member(row);
    if (!member.ok()) return member.error();
    state.members.emplace_back(state.incidents[owner].id, std::move(*member));
  }
  auto max_seq = conn.query(sql().max_seq, none, "read max seq");
  if (!max_seq.ok()) return max_seq.error();
  state.max_seq = max_seq->int64(0, 0);
  return state;
}

core::Result<std::vector<core::JournalMark>> load_journal_marks(Reader& r, uint64_t after) {
  std::vector<core::JournalMark> marks;
  // Stored positions are below 2^63 (the column is a bigint): none is above this.
  if (after > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return marks;
  Params& p = r.params;
  p.clear();
  p.int64(static_cast<int64_t>(after));
  auto rows = r.conn.query(sql().journal_marks, p, "load journal marks");
  if (!rows.ok()) return rows.error();
  marks.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto mark = schema::read_journal_mark(row);
    if (!mark.ok()) return mark.error();
    marks.push_back(std::move(*mark));
  }
  return marks;
}

core::Result<AuditVerification> verify_audit(Reader& r, AuditContext& audit,
                                             const AuditVerifyRequest& request) {
  // The anchor before the snapshot (audit_verify.h says why).
  const AnchorSeen anchor = read_anchor_for_verify(audit.settings());
  // The head and the rows from one commit: a batch committed meanwhile
  // would otherwise look like rows beyond the head.
  ReadSnapshot snapshot(r);
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  PgAuditRows rows(r.conn);
  return verify_audit_chain(rows, audit.settings(), anchor, audit.verified, request);
}

}  // namespace alertd::sinks::postgres
