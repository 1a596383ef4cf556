#pragma once
// What lets several alertd instances share one PostgreSQL store (issue 16):
// incident seqs reserved in blocks, so no two instances number alike, and
// one claim per (tenant, group key), so no two open an incident for one
// group within its window. Migration 9 makes the tables; the writer
// (writer.cc) claims and redirects inside its batch transaction.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/result.h"
#include "sinks/store/postgres/pg_conn.h"

namespace alertd::sinks::postgres {

// Migration 9. incident_seq_blocks holds the next seq not yet handed out;
// a reservation moves it past the store's highest seq too, so instances of
// a version before 9 that numbered after max_seq are never collided with.
// incident_groups holds, per group, the incident that takes its new alerts
// and the window it takes them for (the claimant's correlation.group_window).
inline constexpr std::string_view kPostgresV9 = R"sql(
CREATE TABLE incident_seq_blocks (
  id       SMALLINT PRIMARY KEY CHECK (id = 1),
  next_seq BIGINT   NOT NULL
);
INSERT INTO incident_seq_blocks (id, next_seq) VALUES (1, 1);
CREATE TABLE incident_groups (
  tenant       TEXT   NOT NULL,
  group_key    TEXT   NOT NULL,
  incident_seq BIGINT NOT NULL,
  window_ms    BIGINT NOT NULL,
  PRIMARY KEY (tenant, group_key)
);
)sql";

/// IncidentStore::reserve_incident_seqs, in autocommit: one UPDATE.
core::Result<int64_t> reserve_incident_seqs(Connection& conn, Params& params, int64_t count);

/// The incident a new one was joined into.
struct JoinTarget {
  int64_t seq = 0;
  std::string id;
};

/// Claims the group of `opening` (an update with group_window set) inside
/// the open transaction. nullopt: the claim is this incident's (new, or its
/// own already); otherwise the active incident that holds the group within
/// its window. Row locks wait for a concurrent claimant's commit, so of two
/// instances opening one group at once, the second joins the first.
core::Result<std::optional<JoinTarget>> claim_group(Connection& conn, Params& params,
                                                    const core::IncidentUpdate& opening);

/// Recounts a join target's members and moves its last alert time after
/// members were written to it from an incident joined into it.
core::Status recount_joined(Connection& conn, Params& params, int64_t seq, core::TimePoint at);

/// The audit entry that takes the place of a joined incident's "create".
core::AuditEntry joined_entry(const core::AuditEntry& create, const JoinTarget& target,
                              int64_t opened_seq);

}  // namespace alertd::sinks::postgres
