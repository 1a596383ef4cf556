#pragma once
// Retention in the SQLite store (the same calls as postgres/retention.h):
// IncidentStore::purge_closed on the writer, and the highest incident seq
// ever stored, deleted ones included.

#include <cstdint>
#include <vector>

#include "core/result.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/sqlite/writer.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::sqlite {

/// The highest incident seq ever stored, deleted ones included (the
/// store_state row kPurgedMaxSeq, store_input.h); parameterless.
inline constexpr std::string_view kMaxIncidentSeqSql =
    "SELECT MAX((SELECT COALESCE(MAX(seq), 0) FROM incidents), "
    "COALESCE((SELECT value FROM store_state WHERE name = 'purged_max_incident_seq'), 0))";

/// IncidentStore::purge_closed on the writer, under the store's write
/// mutex, in one write transaction: the closed incidents (with their members
/// when `archive` is set), `archive`, the deletes (their notification outbox
/// rows and told state too), the `purge` audit entries
/// and the purged seq. Rolls back on any error, an error of `archive`
/// included.
core::Result<size_t> purge_closed(Writer& w, core::TimePoint closed_before, size_t limit,
                                  core::TimePoint now, const Archiver& archive);

}  // namespace alertd::sinks::sqlite
