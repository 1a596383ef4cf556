#include "sinks/store/postgres/scale_out.h"

#include <chrono>

#include "sinks/store/postgres/retention.h"

namespace alertd::sinks::postgres {

namespace {

// Past the highest seq stored too: a store first written before version 9,
// or by an instance that numbered after max_seq, is never numbered over.
const std::string& reserve_sql() {
  static const std::string sql = "UPDATE incident_seq_blocks SET next_seq = GREATEST(next_seq, (" +
                                 std::string(kMaxIncidentSeqSql) +
                                 ") + 1) + $1 WHERE id = 1 RETURNING next_seq - $1";
  return sql;
}

// The claim is taken when the group is free, already this incident's, or
// held by an incident that is no longer active or whose window has passed
// ($5: the opening alert's time). Otherwise no row comes back: the holder
// stands. ON CONFLICT waits on a concurrent claimant's uncommitted row.
const std::string kClaimSql =
    "INSERT INTO incident_groups AS g (tenant, group_key, incident_seq, window_ms) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, group_key) DO UPDATE "
    "SET incident_seq = EXCLUDED.incident_seq, window_ms = EXCLUDED.window_ms "
    "WHERE g.incident_seq = EXCLUDED.incident_seq OR NOT EXISTS ("
    "SELECT 1 FROM incidents i WHERE i.seq = g.incident_seq "
    "AND i.status NOT IN ('resolved', 'closed') AND i.last_alert_at >= $5 - g.window_ms) "
    "RETURNING incident_seq";

const std::string kHolderSql =
    "SELECT g.incident_seq, i.id FROM incident_groups g JOIN incidents i ON i.seq = g.incident_seq "
    "WHERE g.tenant = $1 AND g.group_key = $2";

// Members came in from the joined incident: its counts and last alert time
// follow from them (the holder's own writer keeps its own view of both).
const std::string kRecountSql =
    "UPDATE incidents SET "
    "alert_count = (SELECT COUNT(*) FROM incident_members m WHERE m.incident_seq = $1), "
    "firing_count = (SELECT COUNT(*) FROM incident_members m "
    "WHERE m.incident_seq = $1 AND m.status = 'firing'), "
    "last_alert_at = GREATEST(last_alert_at, (SELECT MAX(m.last_seen) FROM incident_members m "
    "WHERE m.incident_seq = $1)), "
    "updated_at = GREATEST(updated_at, $2) WHERE seq = $1";

int64_t milliseconds(core::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

core::Result<int64_t> reserve_incident_seqs(Connection& conn, Params& params, int64_t count) {
  if (count <= 0) return core::Error{"store_invalid_input", "reserve a positive number of seqs"};
  params.clear();
  params.int64(count);
  auto rows = conn.query(reserve_sql(), params, "reserve incident seqs");
  if (!rows.ok()) return rows.error();
  if (rows->size() != 1) {
    return core::Error{"store_error", conn.target().name + ": incident_seq_blocks has no row"};
  }
  return rows->int64(0, 0);
}

core::Result<std::optional<JoinTarget>> claim_group(Connection& conn, Params& params,
                                                    const core::IncidentUpdate& opening) {
  const core::Incident& inc = opening.incident;
  const core::TimePoint at = inc.opened_at != core::kNoTime ? inc.opened_at : inc.last_alert_at;
  params.clear();
  params.view(inc.tenant).view(inc.group_key).int64(inc.seq);
  params.int64(milliseconds(opening.group_window)).time(at);
  auto claimed = conn.query(kClaimSql, params, "claim incident group");
  if (!claimed.ok()) return claimed.error();
  if (claimed->size() == 1) return std::optional<JoinTarget>{};
  params.clear();
  params.view(inc.tenant).view(inc.group_key);
  auto holder = conn.query(kHolderSql, params, "read incident group holder");
  if (!holder.ok()) return holder.error();
  if (holder->size() != 1) {
    return core::Error{"store_error", conn.target().name + ": group '" + inc.group_key +
                                          "' is claimed by an incident that is not stored"};
  }
  return std::optional<JoinTarget>{
      JoinTarget{holder->int64(0, 0), std::string(holder->text(0, 1))}};
}

core::Status recount_joined(Connection& conn, Params& params, int64_t seq, core::TimePoint at) {
  params.clear();
  params.int64(seq).time(at);
  return core::status_of(conn.query(kRecountSql, params, "recount joined incident"));
}

core::AuditEntry joined_entry(const core::AuditEntry& create, const JoinTarget& target,
                              int64_t opened_seq) {
  core::AuditEntry entry = create;
  entry.incident_id = target.id;
  entry.action = "group_joined";
  // The create detail is a JSON object: the seq the other instance would
  // have numbered it goes in front of its fields.
  const std::string_view rest =
      create.detail.size() > 2 ? std::string_view(create.detail).substr(1) : "}";
  entry.detail = "{\"joined_seq\":" + std::to_string(opened_seq) +
                 (rest == "}" ? std::string(rest) : "," + std::string(rest));
  return entry;
}

}  // namespace alertd::sinks::postgres
