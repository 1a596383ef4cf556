#pragma once
// IncidentStore: where incidents, their member alerts and the audit trail
// are kept. SQLite is the embedded default; PostgreSQL is the server option
// (sinks/store/postgres/). Both pass one conformance suite
// (tests/unit/sinks/store_*_test.cc).
//
// Threads: apply(), link_recurring() and purge_closed() are called by
// exactly one sink thread. The read calls (list, get, timeline, load_active,
// verify_audit, the silence and problem reads) may be called concurrently
// from any thread, including while apply() runs. The silence writes
// (create_silence, expire_silence) and edit_problem come from HTTP threads,
// beside apply(): implementations serialize them with it.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"

namespace alertd::sinks {

struct IncidentFilter {
  std::string tenant = "default";
  std::optional<core::IncidentStatus> status;
  std::optional<std::string> service;
  std::optional<core::Priority> priority;
  size_t limit = 100;                 // 1..1000
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

/// The outcome of checking the audit trail's hash chain (sinks/store/audit_chain.h).
struct AuditVerification {
  bool ok = true;
  int64_t entries = 0;    // entries verified: all of them when ok, those before broken_seq if not
  std::string head_hash;  // hash of the last entry when ok (64 '0' when there is none)
  std::optional<int64_t> broken_seq;  // the first entry not trusted (possibly a missing one)
  std::string broken_incident_id;     // its incident, when the row exists
  std::string reason;                 // "<token>: <explanation>", tokens in audit_chain.h
};

/// A newly opened incident, as the recurrence check needs it.
struct OpenedIncident {
  int64_t seq = 0;
  std::string id;
  std::string tenant;
  std::string group_key;
  std::string title;
  core::TimePoint opened_at = core::kNoTime;
};

/// What one recurrence check did to one problem.
struct ProblemLinks {
  std::string problem_id;
  bool opened = false;                 // the check created it
  std::vector<std::string> incidents;  // linked by the check, oldest first
};

struct ProblemFilter {
  std::string tenant = "default";
  std::optional<core::ProblemStatus> status;
  size_t limit = 100;                 // 1..1000
  std::optional<int64_t> before_seq;  // cursor: problems with seq < this, newest first
};

struct ProblemPage {
  std::vector<core::Problem> problems;  // newest (highest seq) first
  std::optional<int64_t> next_cursor;
};

/// An incident linked to a problem.
struct ProblemIncident {
  std::string id;  // "INC-<seq>"
  core::TimePoint linked_at = core::kNoTime;
  std::optional<core::Incident> incident;  // nullopt once retention purged it
};

struct ProblemDetail {
  core::Problem problem;
  std::vector<ProblemIncident>
      incidents;  // the most recently linked kMaxProblemIncidents, oldest first
};
inline constexpr size_t kMaxProblemIncidents = 1000;

/// Changes a problem inside the store's write transaction: refuses (status
/// >= 400, nothing written) or changes `problem` and adds the audit entries
/// that explain the change.
using ProblemEdit = std::function<core::ProblemResult(core::Problem& problem,
                                                      std::vector<core::AuditEntry>& audit)>;

/// Keeps closed incidents somewhere else before retention deletes them; an
/// error stops the purge with nothing deleted.
using Archiver = std::function<core::Status(std::span<const IncidentDetail> incidents)>;

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  /// Writes a batch in one transaction: upserts each incident row and each
  /// changed member, appends the audit entries. All or nothing.
  virtual core::Status apply(std::span<const core::IncidentUpdate> batch) = 0;

  virtual core::Result<IncidentPage> list(const IncidentFilter& filter) = 0;
  /// nullopt when no incident has that id.
  virtual core::Result<std::optional<IncidentDetail>> get(std::string_view id) = 0;
  /// Audit entries of one subject (an incident, problem or silence id), oldest first.
  virtual core::Result<std::vector<core::AuditEntry>> timeline(std::string_view id) = 0;
  /// Incidents of a tenant opened at or after `since`, oldest first, at most
  /// `limit` (for GET /api/v1/incidents/stats).
  virtual core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                                 core::TimePoint since,
                                                                 size_t limit) = 0;
  /// Active incidents with their members, and the highest sequence ever used.
  virtual core::Result<core::ActiveState> load_active() = 0;
  /// Walks the whole audit trail in seq order and checks its hash chain and
  /// recorded head. A broken chain is a result (ok = false), not an error;
  /// errors are the store failing to read. Rows are streamed, not loaded.
  virtual core::Result<AuditVerification> verify_audit() = 0;

  /// Whether the store can serve calls now (what /-/ready reports). SQLite is
  /// always ok; a server store runs a cheap query, reconnecting if it must.
  /// Every call of a store returns an error Status on a lost connection
  /// (never throws); the next call reconnects.
  virtual core::Status ping() = 0;

  // --- problems (core/problem.h) ---

  /// The recurrence check, after `opened` were committed, in one transaction
  /// (sinks/store/problem_linking.h has the rule): links each to its group
  /// key's unresolved problem, or opens one when the key has
  /// policy.threshold unlinked incidents within policy.within. Every link
  /// and every new problem is audited.
  virtual core::Result<std::vector<ProblemLinks>> link_recurring(
      std::span<const OpenedIncident> opened, const core::ProblemPolicy& policy,
      core::TimePoint now) = 0;
  virtual core::Result<ProblemPage> list_problems(const ProblemFilter& filter) = 0;
  /// nullopt when no problem has that id (a malformed id included).
  virtual core::Result<std::optional<ProblemDetail>> get_problem(std::string_view id) = 0;
  /// Reads problem `id` in a write transaction, runs `edit` on it and writes
  /// the result with its audit entries, or nothing when `edit` refuses.
  /// 404 (not_found) when no problem has that id. `problem` in the answer is
  /// the row as committed.
  virtual core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                         const ProblemEdit& edit) = 0;

  // --- retention ---

  /// Deletes up to `limit` closed incidents whose closed_at is before
  /// `closed_before`, oldest first, in one transaction: hands them with their
  /// members to `archive` first (when set), then deletes them and their
  /// members, appends a `purge` audit entry for each (at `now`) and
  /// remembers the highest seq purged, so ids are never reused. Audit
  /// entries and problem links are kept. Returns how many were deleted.
  virtual core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                            core::TimePoint now, const Archiver& archive) = 0;

  // --- silences: recorded, never deleted (expiring one ends it early) ---
  // Both writes append their audit entry (subject the silence id, see
  // store_input.h) in the transaction of the silence row: both or neither.

  /// Stores a new silence and returns it as stored: id "SIL-<n>" assigned
  /// (any id passed in is ignored), times cut to what the store keeps
  /// (milliseconds), updated_at = created_at when unset. The caller sets
  /// created_at. Appends a `silence` audit entry by created_by. Refused
  /// (store_invalid_input, nothing written): no matchers, an empty tenant,
  /// unset times, ends_at <= starts_at, text that is not valid UTF-8.
  virtual core::Result<core::Silence> create_silence(core::Silence silence) = 0;
  /// Every silence of a tenant, ended ones included, newest first.
  virtual core::Result<std::vector<core::Silence>> list_silences(const std::string& tenant) = 0;
  /// nullopt when no silence has that id (a malformed id included).
  virtual core::Result<std::optional<core::Silence>> get_silence(std::string_view id) = 0;
  /// Ends a silence early: ends_at = min(ends_at, now), starts_at =
  /// min(starts_at, now) (so a pending one reads as expired, not pending),
  /// updated_at = now, and appends a `silence_expire` audit entry by
  /// `actor`. An already ended silence is returned unchanged, with no entry.
  /// nullopt when no silence has that id.
  virtual core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                                    core::TimePoint now,
                                                                    std::string_view actor) = 0;
  /// Every silence, of any tenant, with ends_at after `now`, oldest first.
  virtual core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) = 0;
  /// The same at the wall clock: what the live daemon reads at start-up.
  core::Result<std::vector<core::Silence>> load_silences() {
    return load_silences(core::SystemClock().now());
  }
};

/// Silence ids are "SIL-" + the store's sequence number.
std::string silence_id(int64_t seq);
/// The sequence of "SIL-<n>" (n >= 1); nullopt for anything else.
std::optional<int64_t> parse_silence_id(std::string_view id);

}  // namespace alertd::sinks
