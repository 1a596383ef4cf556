#pragma once
// The PostgreSQL store's writer: its one connection with the buffers apply()
// reuses for every batch, and apply's batch (the same calls as
// sqlite/writer.h). Every write runs on it, one at a time under the store's
// write mutex.

#include <simdjson.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/postgres/audit_log.h"
#include "sinks/store/postgres/pg_conn.h"
#include "sinks/store/postgres/rows.h"
#include "sinks/store/postgres/scale_out.h"
#include "sinks/store/schema.h"

namespace alertd::sinks::postgres {

struct MemberKey {
  int64_t seq;
  uint64_t fingerprint;
  bool operator==(const MemberKey&) const = default;
};
struct MemberKeyHash {
  size_t operator()(const MemberKey& k) const {
    return std::hash<uint64_t>()(k.fingerprint ^
                                 (static_cast<uint64_t>(k.seq) * 0x9E3779B97F4A7C15));
  }
};

/// The writer connection and the buffers apply() reuses for every batch.
struct Writer {
  /// Connects on first use, and runs the migrations after every (re)connect.
  explicit Writer(std::shared_ptr<const Target> target);
  Connection conn;
  ColumnArrays incidents{schema::kIncidents.columns.size()};
  ColumnArrays members{schema::kMembers.columns.size() + 1};  // kMemberOwner first
  ArraysWriter fields;
  // The batch's audit entries in order, numbered and chained as they are appended.
  std::vector<const core::AuditEntry*> audit_entries;
  AuditAppender audit;
  Params params;
  simdjson::dom::parser parser;
  // One row per incident and per member of a batch: a statement's ON
  // CONFLICT cannot update one row twice, so the last update of each wins,
  // as it would have with one statement per update.
  std::unordered_map<int64_t, size_t> incident_slot;
  std::vector<const core::Incident*> incident_rows;
  std::unordered_map<MemberKey, size_t, MemberKeyHash> member_slot;
  std::vector<std::pair<int64_t, const core::Member*>> member_rows;

  // Scale-out (scale_out.h): the incidents this writer opened that were
  // joined into another instance's for their group, committed (`joined`,
  // the oldest forgotten past kMaxJoins: by then the correlator has adopted
  // the target) and this batch's (`batch_joins`, kept if it commits).
  std::unordered_map<int64_t, JoinTarget> joined;
  std::deque<int64_t> joined_order;
  std::unordered_map<int64_t, JoinTarget> batch_joins;
  std::vector<GroupJoin> reported;                // for IncidentStore::take_group_joins
  std::deque<core::AuditEntry> redirected_audit;  // the batch's entries re-pointed to a target
  std::unordered_map<int64_t, core::TimePoint> recount;  // targets that gained members
};

/// Connects the writer now (its first connect runs the migrations).
core::Status open_writer(Writer& w);

/// IncidentStore::apply: the batch in one transaction, all or nothing. A
/// failed batch is rolled back, so the caller's retry writes every row,
/// audit entries included, once.
core::Status write_batch(Writer& w, std::span<const core::IncidentUpdate> batch);

}  // namespace alertd::sinks::postgres
