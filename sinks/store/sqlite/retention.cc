#include "sinks/store/sqlite/retention.h"

#include <algorithm>

#include "sinks/store/sqlite/rows.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks::sqlite {

namespace {

class Purger {
 public:
  Purger(Connection& db, StatementCache& cache, simdjson::dom::parser& parser)
      : db_(db), cache_(cache), parser_(parser) {}

  /// Closed incidents with closed_at before `before`, oldest first, at most
  /// `limit`; with their members when `with_members`.
  core::Result<std::vector<IncidentDetail>> closed_before(core::TimePoint before, size_t limit,
                                                          bool with_members);
  /// Deletes the incident, its members and its notifications (outbox and told state).
  core::Status remove(int64_t seq);
  /// Remembers `seq` as deleted when it is the highest so far.
  core::Status record_purged_seq(int64_t seq);

 private:
  Connection& db_;
  StatementCache& cache_;
  simdjson::dom::parser& parser_;
};

core::Result<std::vector<IncidentDetail>> Purger::closed_before(core::TimePoint before,
                                                                size_t limit, bool with_members) {
  // The predicate of the partial index incidents_closed.
  auto stmt = cache_.get(db_, "SELECT " + schema::incident_select() +
                                  " FROM incidents WHERE status = 'closed' AND closed_at < ?1 "
                                  "ORDER BY closed_at, seq LIMIT ?2");
  if (!stmt.ok()) return stmt.error();
  std::vector<IncidentDetail> out;
  {
    Statement& s = **stmt;
    ResetGuard guard(s);
    s.bind_time(1, before);
    s.bind_int(2, static_cast<int64_t>(limit));
    auto st = step_rows(s, "read closed incidents", [&](const Statement& row) -> core::Status {
      auto inc = read_incident(row, 0);
      if (!inc.ok()) return inc.error();
      out.push_back(IncidentDetail{std::move(*inc), {}});
      return {};
    });
    if (!st.ok()) return st.error();
  }
  if (!with_members) return out;
  auto members = cache_.get(db_, "SELECT " + schema::member_select() +
                                     " FROM incident_members WHERE incident_seq = ?1"
                                     " ORDER BY first_seen, fingerprint");
  if (!members.ok()) return members.error();
  Statement& s = **members;
  for (auto& detail : out) {
    ResetGuard guard(s);
    s.bind_int(1, detail.incident.seq);
    auto st = step_rows(s, "read members of a closed incident",
                        [&](const Statement& row) -> core::Status {
                          auto m = read_member(row, 0, parser_);
                          if (!m.ok()) return m.error();
                          detail.members.push_back(std::move(*m));
                          return {};
                        });
    if (!st.ok()) return st.error();
  }
  return out;
}

core::Status Purger::remove(int64_t seq) {
  // The notifications by the incident's id, so before its row goes.
  const char* const statements[] = {
      "DELETE FROM notify_outbox WHERE incident_id = (SELECT id FROM incidents WHERE seq = ?1)",
      "DELETE FROM notify_told WHERE incident_id = (SELECT id FROM incidents WHERE seq = ?1)",
      "DELETE FROM incident_members WHERE incident_seq = ?1",
      "DELETE FROM incidents WHERE seq = ?1"};
  for (const char* sql : statements) {
    auto stmt = cache_.get(db_, sql);
    if (!stmt.ok()) return stmt.error();
    ResetGuard guard(**stmt);
    (*stmt)->bind_int(1, seq);
    if (auto st = (*stmt)->run("purge closed incident"); !st.ok()) return st;
  }
  return {};
}

core::Status Purger::record_purged_seq(int64_t seq) {
  auto stmt = cache_.get(db_, "INSERT INTO store_state (name, value) VALUES ('" +
                                  std::string(kPurgedMaxSeq) +
                                  "', ?1) ON CONFLICT (name) DO UPDATE SET value = "
                                  "MAX(value, excluded.value)");
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  (*stmt)->bind_int(1, seq);
  return (*stmt)->run("record purged seq");
}

}  // namespace

core::Result<size_t> purge_closed(Writer& w, core::TimePoint closed_before, size_t limit,
                                  core::TimePoint now, const Archiver& archive) {
  size_t purged = 0;
  auto written = in_write_transaction(w, [&]() -> core::Status {
    Purger purger(w.db, w.cache, w.parser);
    auto closed = purger.closed_before(to_stored(closed_before), limit, archive != nullptr);
    if (!closed.ok()) return closed.error();
    if (closed->empty()) return {};
    if (archive) {
      if (auto st = archive(*closed); !st.ok()) return st;
    }
    int64_t max_seq = 0;
    for (const auto& detail : *closed) {
      if (auto st = purger.remove(detail.incident.seq); !st.ok()) return st;
      auto entry = purge_audit_entry(detail.incident, archive != nullptr, now);
      if (auto st = w.audit.append(entry); !st.ok()) return st;
      max_seq = std::max(max_seq, detail.incident.seq);
    }
    purged = closed->size();
    return purger.record_purged_seq(max_seq);
  });
  if (!written.ok()) return written.error();
  return purged;
}

}  // namespace alertd::sinks::sqlite
