#pragma once
// What every store backend refuses or normalizes before a write, and the
// audit entries it writes on its own, so SQLite and PostgreSQL accept,
// write and return the same values.

#include <optional>
#include <string>
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

/// The row of table store_state that holds the highest incident seq
/// retention deleted, so that ids are never handed out again.
inline constexpr std::string_view kPurgedMaxSeq = "purged_max_incident_seq";

/// An audit entry the store writes on its own behalf: subject (an incident,
/// problem or silence id), action, time (cut to what the store keeps),
/// detail JSON and actor.
core::AuditEntry store_audit_entry(std::string subject, std::string_view action, core::TimePoint at,
                                   std::string detail, std::string_view actor = "alertd");

/// The `purge` audit entry retention writes for each incident it deletes:
/// {"tenant", "archived", "closed_at", "alert_count"}. The tenant lets the API
/// show a purged incident's trail to its own tenant only.
core::AuditEntry purge_audit_entry(const core::Incident& incident, bool archived,
                                   core::TimePoint now);

/// The `silence` audit entry of a new silence as stored (id assigned): subject
/// the silence id, actor created_by, at created_at, detail {"tenant",
/// "matchers", "starts_at", "ends_at", "comment"}. The tenant lets the API
/// show the entry to its own tenant only, as for `purge`.
core::AuditEntry silence_audit_entry(const core::Silence& silence);

/// The `silence_expire` entry when expiring turned `before` into `after`
/// (both as stored): at `now`, detail {"changes": {"ends_at": {"from", "to"}}}
/// with starts_at too when it moved. nullopt when the silence had already
/// ended (nothing changed, so nothing to audit).
std::optional<core::AuditEntry> silence_expire_audit_entry(const core::Silence& before,
                                                           const core::Silence& after,
                                                           std::string_view actor,
                                                           core::TimePoint now);

}  // namespace alertd::sinks
