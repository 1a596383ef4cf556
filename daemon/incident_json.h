#pragma once
// How incidents, members and audit entries look in JSON: one place for the
// API and `alertd replay`.

#include "core/incident.h"
#include "core/json_writer.h"

namespace alertd::daemon {

/// The incident's own fields (no members), written into an open object.
/// category and root_service are null when empty.
void write_incident_fields(core::JsonWriter& w, const core::Incident& incident);
/// A member as the API shows it; `suppressed` is true when suppressed_by
/// ("inhibit:<rule>", "silence:<id>", "maintenance:<name>") is set, which is
/// null otherwise.
void write_member(core::JsonWriter& w, const core::Member& member);
/// An audit entry; `detail` is embedded as a JSON object.
void write_audit_entry(core::JsonWriter& w, const core::AuditEntry& entry);

}  // namespace alertd::daemon
