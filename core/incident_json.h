#pragma once
// How incidents, members, audit entries and problems look in JSON: one
// place for the API, the retention archive and `alertd replay`.

#include <cstdint>
#include <optional>

#include "core/incident.h"
#include "core/json_writer.h"
#include "core/problem.h"

namespace alertd::core {

/// The incident's own fields (no members), written into an open object.
/// category and root_service are null when empty.
void write_incident_fields(core::JsonWriter& w, const core::Incident& incident);
/// A member as the API shows it; `suppressed` is true when suppressed_by
/// ("inhibit:<rule>", "silence:<id>", "maintenance:<name>") is set, which is
/// null otherwise.
void write_member(core::JsonWriter& w, const core::Member& member);
/// An audit entry; `detail` is embedded as a JSON object.
void write_audit_entry(core::JsonWriter& w, const core::AuditEntry& entry);
/// `"next_cursor"` of a list page: the cursor as a string, or null on the last page.
void write_next_cursor(core::JsonWriter& w, std::optional<int64_t> cursor);
/// The problem's own fields (no incidents), written into an open object;
/// empty texts are null.
void write_problem_fields(core::JsonWriter& w, const core::Problem& problem);

}  // namespace alertd::core
