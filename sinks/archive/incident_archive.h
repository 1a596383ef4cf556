#pragma once
// Where retention (incidents.retention, action: archive) puts closed
// incidents before the store deletes them: one NDJSON file per UTC day of
// the purge, `<dir>/incidents-YYYY-MM-DD.ndjson`, one line per incident
// with its members, in the API's JSON (core/incident_json.h) plus
// `archived_at`. The audit trail stays in the store.
//
// Lines are appended and fsynced before the store commits the deletion, so
// a crash between the two archives the same incidents again on the next
// run: at least once, never lost. Readers should take the last line of an
// id as authoritative.

#include <span>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "sinks/store/incident_store.h"

namespace alertd::sinks {

/// Appends `incidents` to the day's file under `dir` (created if missing)
/// and makes them durable. Errors (reason archive_failed) name the file.
core::Status archive_incidents(const std::string& dir,
                               std::span<const sinks::IncidentDetail> incidents,
                               core::TimePoint now);

}  // namespace alertd::sinks
