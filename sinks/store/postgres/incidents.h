#pragma once
// The incident reads of the PostgreSQL store (the same calls as
// sqlite/incidents.h), each on a leased reader. get, load_active and
// verify_audit read inside one read snapshot, so what they return is from one
// commit: an incident's counts agree with its members, and a batch committed
// meanwhile is not mistaken for audit rows beyond the recorded head.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "core/time.h"
#include "sinks/store/audit_verify.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/postgres/readers.h"

namespace alertd::sinks::postgres {

core::Result<IncidentPage> list_incidents(Reader& r, const IncidentFilter& filter);
core::Result<std::optional<IncidentDetail>> get_incident(Reader& r, std::string_view id);
core::Result<std::vector<core::AuditEntry>> timeline(Reader& r, std::string_view id);
core::Result<std::vector<core::Incident>> opened_since(Reader& r, const std::string& tenant,
                                                       core::TimePoint since, size_t limit);
core::Result<core::ActiveState> load_active(Reader& r);
core::Result<std::vector<core::JournalMark>> load_journal_marks(Reader& r, uint64_t after);
core::Result<AuditVerification> verify_audit(Reader& r, AuditContext& audit,
                                             const AuditVerifyRequest& request);

}  // namespace alertd::sinks::postgres
