#pragma once
// The quarantine: incident updates a store refused for good (a value over an
// index limit, text it cannot hold, a constraint). The store writer moves
// such an update here instead of retrying it forever, so that one bad row
// never blocks the writer; the rest of its batch commits. Each record keeps
// the error and the update as JSON (the incident and its member alerts), for
// an operator to read at GET /api/v1/store/quarantine and to re-send.
//
// Every backend keeps records in table store_quarantine (schema version 7)
// and appends a `quarantine` audit entry for the incident in the same
// transaction, so the trail shows that an update did not reach the record.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "core/time.h"

namespace alertd::sinks {

struct QuarantineRecord {
  int64_t seq = 0;  // assigned by the store, 1, 2, 3, ...
  core::TimePoint at = core::kNoTime;
  std::string incident_id;
  std::string tenant;
  std::string reason;       // the store's error reason: store_limit, store_invalid_input, ...
  std::string error;        // the store's message
  std::string update_json;  // {"incident": {...}, "members": [...]}, at most kMaxUpdateJsonBytes
};

struct QuarantinePage {
  std::vector<QuarantineRecord> records;  // newest first
  std::optional<int64_t> next_cursor;     // pass as before_seq for the next page
};

/// The most bytes of update JSON a record keeps; members past it are
/// counted in "members_omitted" instead (an update may carry thousands).
inline constexpr size_t kMaxUpdateJsonBytes = 1 << 20;

/// The record for `update` refused with `error` at `now`. Every text is made
/// storable: valid UTF-8 (other bytes become '?') and NUL written as the JSON
/// escape \u0000, so the record itself cannot be refused for what it quotes.
QuarantineRecord quarantine_record(const core::IncidentUpdate& update, const core::Error& error,
                                   core::TimePoint now);

/// The `quarantine` audit entry written with `record` (its seq assigned):
/// subject the incident, detail {"tenant", "quarantine_seq", "reason"}.
core::AuditEntry quarantine_audit_entry(const QuarantineRecord& record);

}  // namespace alertd::sinks
