#pragma once
// IncidentStore: where incidents, their member alerts and the audit trail
// are kept. SQLite is the embedded default; PostgreSQL is the server option
// (sinks/store/postgres/). Both pass one conformance suite
// (tests/unit/sinks/store_*_test.cc).
//
// Threads: apply() is called by exactly one sink thread. The read calls
// (list, get, timeline, load_active, verify_audit, and the silence reads) may be called
// concurrently from any thread, including while apply() runs. The silence
// writes (create_silence, expire_silence) come from HTTP threads, beside
// apply(): implementations serialize them with it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
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

  // --- silences: recorded, never deleted (expiring one ends it early) ---

  /// Stores a new silence and returns it as stored: id "SIL-<n>" assigned
  /// (any id passed in is ignored), times cut to what the store keeps
  /// (milliseconds), updated_at = created_at when unset. The caller sets
  /// created_at. Refused (store_invalid_input): no matchers, an empty tenant,
  /// unset times, ends_at <= starts_at, text that is not valid UTF-8.
  virtual core::Result<core::Silence> create_silence(core::Silence silence) = 0;
  /// Every silence of a tenant, ended ones included, newest first.
  virtual core::Result<std::vector<core::Silence>> list_silences(const std::string& tenant) = 0;
  /// nullopt when no silence has that id (a malformed id included).
  virtual core::Result<std::optional<core::Silence>> get_silence(std::string_view id) = 0;
  /// Ends a silence early: ends_at = min(ends_at, now), starts_at =
  /// min(starts_at, now) (so a pending one reads as expired, not pending),
  /// updated_at = now. An already ended silence is returned unchanged.
  /// nullopt when no silence has that id.
  virtual core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                                    core::TimePoint now) = 0;
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
