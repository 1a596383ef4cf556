#pragma once
// IncidentStore: where incidents, their member alerts and the audit trail
// are kept. SQLite is the embedded default; PostgreSQL comes later behind the
// same interface.
//
// Threads: apply() is called by exactly one sink thread. The read calls
// (list, get, timeline, load_active) may be called concurrently from any
// thread, including while apply() runs.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/result.h"

namespace alertd::sinks {

struct IncidentFilter {
  std::string tenant = "default";
  std::optional<core::IncidentStatus> status;
  std::optional<std::string> service;
  std::optional<core::Priority> priority;
  size_t limit = 100;               // 1..1000
  std::optional<int64_t> before_seq;  // cursor: incidents with seq < this, newest first
};

struct IncidentPage {
  std::vector<core::Incident> incidents;  // newest (highest seq) first
  std::optional<int64_t> next_cursor;     // pass as before_seq for the next page
};

struct IncidentDetail {
  core::Incident incident;
  std::vector<core::Member> members;  // ordered by first_seen
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  /// Writes a batch in one transaction: upserts each incident row and each
  /// changed member, appends the audit entries. All or nothing.
  virtual core::Status apply(std::span<const core::IncidentUpdate> batch) = 0;

  virtual core::Result<IncidentPage> list(const IncidentFilter& filter) = 0;
  /// nullopt when no incident has that id.
  virtual core::Result<std::optional<IncidentDetail>> get(std::string_view id) = 0;
  /// Audit entries of one incident, oldest first.
  virtual core::Result<std::vector<core::AuditEntry>> timeline(std::string_view id) = 0;
  /// Active incidents with their members, and the highest sequence ever used.
  virtual core::Result<core::ActiveState> load_active() = 0;
};

}  // namespace alertd::sinks
