#include "sinks/store/postgres/retention.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "sinks/store/postgres/rows.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks::postgres {

namespace {

struct Statements {
  Statements() {
    const std::string& member_cols = schema::member_select();
    // The predicate of the partial index incidents_closed. Locked: an
    // update by another writer waits, so what is archived is what is deleted.
    closed = "SELECT " + schema::incident_select() +
             " FROM incidents WHERE status = 'closed' AND closed_at < $1 "
             "ORDER BY closed_at, seq LIMIT $2 FOR UPDATE OF incidents";
    members = "SELECT incident_seq, " + member_cols +
              " FROM incident_members WHERE incident_seq = ANY($1::bigint[]) "
              "ORDER BY incident_seq, " +
              std::string(kMemberOrder);
    // Every part sees the rows as they were before the statement, so the
    // notifications are found by the ids of the incidents it deletes.
    const std::string ids = "(SELECT id FROM incidents WHERE seq = ANY($1::bigint[]))";
    remove =
        "WITH members AS (DELETE FROM incident_members WHERE incident_seq = ANY($1::bigint[])), "
        "outbox AS (DELETE FROM notify_outbox WHERE incident_id IN " +
        ids + "), told AS (DELETE FROM notify_told WHERE incident_id IN " + ids +
        "), gone AS (DELETE FROM incidents WHERE seq = ANY($1::bigint[])) "
        "INSERT INTO store_state (name, value) VALUES ('" +
        std::string(kPurgedMaxSeq) +
        "', $2) ON CONFLICT (name) DO UPDATE SET value = GREATEST(store_state.value, "
        "excluded.value)";
  }
  std::string closed, members, remove;
};

const Statements& sql() {
  static const Statements statements;
  return statements;
}

core::Result<std::vector<IncidentDetail>> read_closed(Connection& conn, core::TimePoint before,
                                                      size_t limit) {
  Params params;
  // SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one.
  params.time(before).int64(static_cast<int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max()))));
  auto rows = conn.query(sql().closed, params, "read closed incidents");
  if (!rows.ok()) return rows.error();
  std::vector<IncidentDetail> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto inc = read_incident(row);
    if (!inc.ok()) return inc.error();
    out.push_back(IncidentDetail{std::move(*inc), {}});
  }
  return out;
}

/// Every member of `incidents`, in one statement.
core::Status read_members(Connection& conn, const Params& seqs, simdjson::dom::parser& parser,
                          std::vector<IncidentDetail>& incidents) {
  auto rows = conn.query(sql().members, seqs, "read members of closed incidents");
  if (!rows.ok()) return rows.error();
  std::unordered_map<int64_t, IncidentDetail*> by_seq;
  for (auto& detail : incidents) by_seq.emplace(detail.incident.seq, &detail);
  for (int i = 0; i < rows->size(); ++i) {
    auto owner = by_seq.find(rows->int64(i, 0));
    if (owner == by_seq.end()) continue;
    RowFields row(*rows, i, 1, &parser);
    auto m = read_member(row);
    if (!m.ok()) return m.error();
    owner->second->members.push_back(std::move(*m));
  }
  return {};
}

}  // namespace

core::Result<size_t> purge_closed(Writer& w, core::TimePoint closed_before, size_t limit,
                                  core::TimePoint now, const Archiver& archive) {
  Connection& conn = w.conn;
  AuditAppender& audit = w.audit;
  simdjson::dom::parser& parser = w.parser;
  size_t purged = 0;
  // The audit head is locked first, as apply() locks it, so a purge and
  // another daemon's batch touching the same incidents cannot deadlock.
  auto done = run_transaction(conn, std::string(kBeginLockingAuditHeadSql), [&]() -> core::Status {
    auto closed = read_closed(conn, to_stored(closed_before), limit);
    if (!closed.ok()) return closed.error();
    if (closed->empty()) return {};
    ColumnArrays seqs(1);
    int64_t max_seq = 0;
    for (const auto& detail : *closed) {
      seqs.int64(detail.incident.seq).end_row();
      max_seq = std::max(max_seq, detail.incident.seq);
    }
    Params params;
    seqs.add_to(params);
    if (archive) {
      if (auto st = read_members(conn, params, parser, *closed); !st.ok()) return st;
      if (auto st = archive(*closed); !st.ok()) return st;
    }
    params.int64(max_seq);
    if (auto r = conn.query(sql().remove, params, "purge closed incidents"); !r.ok()) {
      return r.error();
    }
    std::vector<core::AuditEntry> entries;
    entries.reserve(closed->size());
    for (const auto& detail : *closed) {
      entries.push_back(purge_audit_entry(detail.incident, archive != nullptr, now));
    }
    if (auto st = audit.append_in_transaction(conn, entries); !st.ok()) return st;
    purged = closed->size();
    return {};
  });
  if (!done.ok()) return done.error();
  return purged;
}

}  // namespace alertd::sinks::postgres
