#pragma once
// Retention in the SQLite store: the steps of IncidentStore::purge_closed on
// the writer connection, inside its open write transaction.

#include <cstdint>
#include <vector>

#include "core/result.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::sqlite {

/// The highest incident seq ever stored, deleted ones included (the
/// store_state row kPurgedMaxSeq, store_input.h); parameterless.
inline constexpr std::string_view kMaxIncidentSeqSql =
    "SELECT MAX((SELECT COALESCE(MAX(seq), 0) FROM incidents), "
    "COALESCE((SELECT value FROM store_state WHERE name = 'purged_max_incident_seq'), 0))";

class Purger {
 public:
  Purger(Connection& db, StatementCache& cache, simdjson::dom::parser& parser)
      : db_(db), cache_(cache), parser_(parser) {}

  /// Closed incidents with closed_at before `before`, oldest first, at most
  /// `limit`; with their members when `with_members`.
  core::Result<std::vector<IncidentDetail>> closed_before(core::TimePoint before, size_t limit,
                                                          bool with_members);
  /// Deletes the incident and its members.
  core::Status remove(int64_t seq);
  /// Remembers `seq` as deleted when it is the highest so far.
  core::Status record_purged_seq(int64_t seq);

 private:
  Connection& db_;
  StatementCache& cache_;
  simdjson::dom::parser& parser_;
};

}  // namespace alertd::sinks::sqlite
