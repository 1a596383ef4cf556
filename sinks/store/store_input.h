#pragma once
// What every store backend refuses or normalizes before a write, and the
// audit entries it writes on its own, so SQLite and PostgreSQL accept,
// write and return the same values.

#include <string_view>

#include "core/incident.h"
#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"

namespace alertd::sinks {

/// What the stores keep of a time: whole milliseconds (kNoTime stays kNoTime).
core::TimePoint to_stored(core::TimePoint t);

bool is_utf8(std::string_view text);

/// Cuts a new silence's times to milliseconds and defaults updated_at to
/// created_at, then checks it: refused (store_invalid_input, the message
/// starting with `store_name`) with no matchers, an empty tenant, unset times,
/// ends_at <= starts_at, or text that is not valid UTF-8.
core::Status prepare_new_silence(core::Silence& silence, std::string_view store_name);

/// The `purge` audit entry retention writes for each incident it deletes:
/// {"tenant", "archived", "closed_at", "alert_count"}. The tenant lets the API
/// show a purged incident's trail to its own tenant only.
core::AuditEntry purge_audit_entry(const core::Incident& incident, bool archived,
                                   core::TimePoint now);

}  // namespace alertd::sinks
