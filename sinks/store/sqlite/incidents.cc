#include "sinks/store/sqlite/incidents.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include "sinks/store/sqlite/audit_log.h"
#include "sinks/store/sqlite/rows.h"

namespace alertd::sinks::sqlite {

namespace {

constexpr size_t kMaxListLimit = 1000;

}  // namespace

core::Result<IncidentPage> list_incidents(Reader& r, const IncidentFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  unsigned shape = 0;
  if (filter.status) shape |= kListByStatus;
  if (filter.service) shape |= kListByService;
  if (filter.priority) shape |= kListByPriority;
  if (filter.before_seq) shape |= kListBefore;

  auto stmt_or = r.list_statement(shape);
  if (!stmt_or.ok()) return stmt_or.error();
  Statement& stmt = **stmt_or;
  ResetGuard guard(stmt);
  stmt.bind_text(1, filter.tenant);
  if (filter.status) stmt.bind_text(2, core::to_string(*filter.status));
  if (filter.service) stmt.bind_text(3, *filter.service);
  if (filter.priority) stmt.bind_text(4, core::to_string(*filter.priority));
  if (filter.before_seq) stmt.bind_int(5, *filter.before_seq);
  // One row more than asked tells whether another page exists.
  stmt.bind_int(6, static_cast<int64_t>(limit + 1));

  IncidentPage page;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto incident = read_incident(stmt, 0);
    if (!incident.ok()) return incident.error();
    page.incidents.push_back(std::move(*incident));
  }
  if (rc != SQLITE_DONE) return stmt.error("list incidents", rc);
  if (page.incidents.size() > limit) {
    page.incidents.pop_back();
    page.next_cursor = page.incidents.back().seq;
  }
  return page;
}

core::Result<std::optional<IncidentDetail>> get_incident(Reader& r, std::string_view id) {
  ReadSnapshot snapshot(r);  // incident and members from the same commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();

  IncidentDetail detail;
  {
    Statement& stmt = r.incident_by_id;
    ResetGuard guard(stmt);
    stmt.bind_text(1, id);
    int rc = stmt.step();
    if (rc == SQLITE_DONE) return std::optional<IncidentDetail>();
    if (rc != SQLITE_ROW) return stmt.error("get incident", rc);
    auto incident = read_incident(stmt, 0);
    if (!incident.ok()) return incident.error();
    detail.incident = std::move(*incident);
  }
  Statement& stmt = r.members_of;
  ResetGuard guard(stmt);
  stmt.bind_int(1, detail.incident.seq);
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto member = read_member(stmt, 0, r.parser);
    if (!member.ok()) return member.error();
    detail.members.push_back(std::move(*member));
  }
  if (rc != SQLITE_DONE) return stmt.error("get incident members", rc);
  return std::optional<IncidentDetail>(std::move(detail));
}

core::Result<std::vector<core::AuditEntry>> timeline(Reader& r, std::string_view id) {
  Statement& stmt = r.timeline;
  ResetGuard guard(stmt);
  stmt.bind_text(1, id);
  std::vector<core::AuditEntry> entries;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) entries.push_back(read_audit(stmt, 0));
  if (rc != SQLITE_DONE) return stmt.error("read timeline", rc);
  return entries;
}

core::Result<std::vector<core::Incident>> opened_since(Reader& r, const std::string& tenant,
                                                       core::TimePoint since, size_t limit) {
  Statement& stmt = r.opened_since;
  ResetGuard guard(stmt);
  stmt.bind_text(1, tenant);
  stmt.bind_time(2, since);
  stmt.bind_int(3, static_cast<int64_t>(limit));
  std::vector<core::Incident> out;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto incident = read_incident(stmt, 0);
    if (!incident.ok()) return incident.error();
    out.push_back(std::move(*incident));
  }
  if (rc != SQLITE_DONE) return stmt.error("read incidents opened since", rc);
  return out;
}

core::Result<core::ActiveState> load_active(Reader& r) {
  ReadSnapshot snapshot(r);  // incidents, members and max_seq agree
  if (auto st = snapshot.begin(); !st.ok()) return st.error();

  core::ActiveState state;
  {
    Statement& stmt = r.active_incidents;
    ResetGuard guard(stmt);
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      auto incident = read_incident(stmt, 0);
      if (!incident.ok()) return incident.error();
      state.incidents.push_back(std::move(*incident));
    }
    if (rc != SQLITE_DONE) return stmt.error("load active incidents", rc);
  }
  {
    // Both queries order by seq, so each member's incident is found by a
    // forward walk over state.incidents.
    Statement& stmt = r.active_members;
    ResetGuard guard(stmt);
    size_t owner = 0;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      const int64_t seq = stmt.column_int(0);
      while (owner < state.incidents.size() && state.incidents[owner].seq < seq) ++owner;
      if (owner == state.incidents.size() || state.incidents[owner].seq != seq) continue;
      auto member = read_member(stmt, 1, r.parser);
      if (!member.ok()) return member.error();
      state.members.emplace_back(state.incidents[owner].id, std::move(*member));
    }
    if (rc != SQLITE_DONE) return stmt.error("load active members", rc);
  }
  Statement& stmt = r.max_seq;
  ResetGuard guard(stmt);
  int rc = stmt.step();
  if (rc != SQLITE_ROW) return stmt.error("read max seq", rc);
  state.max_seq = stmt.column_int(0);
  return state;
}

core::Result<std::vector<core::JournalMark>> load_journal_marks(Reader& r, uint64_t after) {
  std::vector<core::JournalMark> marks;
  // Stored positions are below 2^63 (the column is signed): none is above this.
  if (after > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return marks;
  Statement& stmt = r.journal_marks;
  ResetGuard guard(stmt);
  stmt.bind_int(1, static_cast<int64_t>(after));
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    StatementReader in(stmt, 0);
    auto mark = schema::read_journal_mark(in);
    if (!mark.ok()) return mark.error();
    marks.push_back(std::move(*mark));
  }
  if (rc != SQLITE_DONE) return stmt.error("load journal marks", rc);
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
  SqliteAuditRows rows(r.audit_head, r.audit_hash_at, r.audit_chain);
  return verify_audit_chain(rows, audit.settings(), anchor, audit.verified, request);
}

}  // namespace alertd::sinks::sqlite
