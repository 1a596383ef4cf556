#pragma once
// Retention in the PostgreSQL store (as sinks/store/sqlite/retention.h):
// IncidentStore::purge_closed on the writer connection, and the highest
// incident seq ever stored, deleted ones included.

#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/postgres/writer.h"

namespace alertd::sinks::postgres {

/// The highest incident seq ever stored, deleted ones included (the
/// store_state row kPurgedMaxSeq, store_input.h); parameterless.
inline constexpr std::string_view kMaxIncidentSeqSql =
    "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM incidents), "
    "COALESCE((SELECT value FROM store_state WHERE name = 'purged_max_incident_seq'), 0))";

/// IncidentStore::purge_closed, under the store's write mutex, in one
/// transaction: the closed incidents (locked), their members when `archive`
/// is set, `archive`, the deletes (their notification outbox rows and told
/// state too), the purged seq and the `purge` audit entries. Rolls back on any error, an error of
/// `archive` included.
core::Result<size_t> purge_closed(Writer& w, core::TimePoint closed_before, size_t limit,
                                  core::TimePoint now, const Archiver& archive);

}  // namespace alertd::sinks::postgres
