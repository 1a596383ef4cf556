#pragma once
// IncidentStore: incidents, their member alerts and the audit trail, as the
// store writer thread writes them and the API and a restart read them. One of the
// three interfaces of a store (sinks/store/store.h has the aggregate
// sinks::Store that each backend implements): split from silences and
// problems so a caller names only the part it uses.
//
// Threads: apply() and purge_closed() are called by exactly one store writer thread.
// The read calls (list, get, timeline, last_timeline_entry, opened_since, load_active,
// load_journal_marks, verify_audit) may be called concurrently from any thread, including while
// apply() runs.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "core/time.h"
#include "sinks/store/quarantine.h"

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

/// One page of a subject's audit trail, oldest (lowest seq) first.
struct TimelineQuery {
  std::optional<int64_t> after_seq;  // cursor: entries with seq > this
  size_t limit = 100;                // 1..kMaxTimelineRead; the API takes 1..1000
};

struct TimelinePage {
  std::vector<core::AuditEntry> entries;  // lowest seq first
  std::optional<int64_t> next_cursor;     // more exist: pass as after_seq for the next page
};

/// The most entries one timeline call returns: what a reader that needs a
/// whole trail (the post-incident report) takes at most, so a subject with
/// a million entries never loads a million rows.
inline constexpr size_t kMaxTimelineRead = 10'000;

struct IncidentDetail {
  core::Incident incident;
  std::vector<core::Member> members;  // ordered by first_seen
};

/// The outcome of checking the audit trail's hash chain (sinks/store/audit_chain.h)
/// against its anchor outside the database (sinks/store/audit_anchor.h).
struct AuditVerification {
  bool ok = true;
  // What was found, one token: ok; broken (a link or an entry does not
  // verify: reason says which); truncated (the log ends before its recorded
  // head, its anchor, or a position verified earlier); anchor_missing (the
  // anchor file is gone while the chain has entries); anchor_mismatch (the
  // entry at the anchored seq has another hash: the chain was rewritten or
  // restored from another backup); anchor_invalid (the anchor file is
  // unreadable or its MAC does not verify with audit.key); key_required (the
  // chain has HMAC entries and this store has no audit.key to check them).
  std::string status = "ok";
  int64_t entries = 0;    // entries verified: all of them when ok, those before broken_seq if not
  std::string head_hash;  // hash of the last entry when ok (64 '0' when there is none)
  std::optional<int64_t> broken_seq;  // the first entry not trusted (possibly a missing one)
  std::string broken_incident_id;     // its incident, when the row exists
  std::string reason;                 // "<token>: <explanation>", tokens in audit_chain.h
  int64_t head_seq = 0;               // the head the store recorded (audit_head)
  int64_t checked = 0;                // entries hashed by this call (incremental: the new ones)
  bool full = false;                  // whether this call walked the whole log
  std::optional<int64_t> anchor_seq;  // the anchor read (nullopt: none, or no anchor_file)
  std::string anchor_hash;
};

/// What verify_audit walks. Incremental by default: only the entries after
/// the position the store verified last (kept in memory by the store), plus
/// a look at the entry at that position and at the anchor's. An edit of an
/// entry verified before is found only by a full walk.
struct AuditVerifyRequest {
  bool full = false;
  // Checks the chain and its recorded head only, not the anchor: what
  // `alertd audit re-anchor` needs before it writes a new one.
  bool ignore_anchor = false;
};

/// Keeps closed incidents somewhere else before retention deletes them; an
/// error stops the purge with nothing deleted.
using Archiver = std::function<core::Status(std::span<const IncidentDetail> incidents)>;

/// A shared store joined an incident one instance opened into the one
/// another had opened for the same group within its window (apply()).
struct GroupJoin {
  int64_t opened_seq = 0;  // the incident this instance opened; never stored
  std::string joined_id;   // the incident that holds its members and audit entries
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  /// Writes a batch in one transaction: upserts each incident row and each
  /// changed member, appends the audit entries. All or nothing.
  ///
  /// A store that several alertd instances share (shared(): PostgreSQL)
  /// also claims the group of each incident an update opens (group_window
  /// set). If another incident holds the group, active and within its
  /// window, the new one is not stored: its members and audit entries, now
  /// and in every later batch, go to the holder, and take_group_joins()
  /// reports it.
  virtual core::Status apply(std::span<const core::IncidentUpdate> batch) = 0;

  /// Several instances may write this store at once (scale-out, issue 16).
  virtual bool shared() const { return false; }
  /// Shared stores: the first of `count` incident seqs that no instance
  /// has used or will be given. Others number after max_seq alone.
  virtual core::Result<int64_t> reserve_incident_seqs(int64_t count) {
    (void)count;
    return core::Error{"store_unsupported", "this store numbers incidents after max_seq alone"};
  }
  /// The joins apply() made since the last call, oldest first.
  virtual std::vector<GroupJoin> take_group_joins() { return {}; }

  virtual core::Result<IncidentPage> list(const IncidentFilter& filter) = 0;
  /// nullopt when no incident has that id.
  virtual core::Result<std::optional<IncidentDetail>> get(std::string_view id) = 0;
  /// Audit entries of one subject (an incident, problem or silence id),
  /// oldest first: at most query.limit (clamped to 1..kMaxTimelineRead),
  /// those with seq > query.after_seq when set; next_cursor is set when more exist.
  virtual core::Result<TimelinePage> timeline(std::string_view id, const TimelineQuery& query) = 0;
  /// The first kMaxTimelineRead entries of one subject, oldest first, for
  /// callers (tests among them) that know a subject's trail is short. A
  /// caller that must know whether it got everything uses the paged call.
  core::Result<std::vector<core::AuditEntry>> timeline(std::string_view id) {
    auto page = timeline(id, TimelineQuery{.after_seq = std::nullopt, .limit = kMaxTimelineRead});
    if (!page.ok()) return page.error();
    return std::move(page->entries);
  }
  /// The last (highest seq) audit entry of one subject, nullopt when it has
  /// none: for a purged incident, its purge entry, which names the tenant.
  virtual core::Result<std::optional<core::AuditEntry>> last_timeline_entry(
      std::string_view id) = 0;
  /// Incidents of a tenant opened at or after `since`, oldest first, at most
  /// `limit` (for GET /api/v1/incidents/stats).
  virtual core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                                 core::TimePoint since,
                                                                 size_t limit) = 0;
  /// Active incidents with their members, and the highest sequence ever used.
  virtual core::Result<core::ActiveState> load_active() = 0;
  /// The journal marks (core::JournalMark) of every alert (tenant,
  /// fingerprint) with a member whose journal_pos is above `after`, of
  /// incidents in any status (active, resolved, closed; not purged ones),
  /// ordered by tenant and fingerprint: the highest position when the alert
  /// was a member of several incidents. After a crash the daemon passes the
  /// checkpoint's position and hands the marks to the correlator's replay
  /// guard. Positions fit in 63 bits; `after` beyond that finds none.
  virtual core::Result<std::vector<core::JournalMark>> load_journal_marks(uint64_t after) = 0;
  /// Walks the audit trail in seq order (from the last verified position,
  /// or from the start when `request.full`) and checks its hash chain, its
  /// recorded head and its anchor. A broken chain is a result (ok = false),
  /// not an error; errors are the store failing to read. Rows are streamed,
  /// not loaded.
  virtual core::Result<AuditVerification> verify_audit(const AuditVerifyRequest& request = {}) = 0;
  /// `alertd audit re-anchor`: appends `entry` (the record of the step) in
  /// one transaction and then writes the anchor at the new head, whatever
  /// the anchor said before. Returns the new head's seq.
  virtual core::Result<int64_t> re_anchor_audit(const core::AuditEntry& entry) = 0;

  // --- quarantine (sinks/store/quarantine.h) ---

  /// Keeps `record` (its seq assigned here) and its `quarantine` audit entry
  /// in one transaction, on the writer thread. Returns the seq.
  virtual core::Result<int64_t> quarantine(QuarantineRecord record) = 0;
  /// Records newest first: at most `limit` (1..1000), with seq < before_seq when set.
  virtual core::Result<QuarantinePage> list_quarantine(std::optional<int64_t> before_seq,
                                                       size_t limit) = 0;

  // --- retention ---

  /// Deletes up to `limit` closed incidents whose closed_at is before
  /// `closed_before`, oldest first, in one transaction: hands them with their
  /// members to `archive` first (when set), then deletes them, their
  /// members and their notifications (outbox messages and told state,
  /// notify_store.h), appends a `purge` audit entry for each (at `now`) and
  /// remembers the highest seq purged, so ids are never reused. Audit
  /// entries and problem links are kept. Returns how many were deleted.
  virtual core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                            core::TimePoint now, const Archiver& archive) = 0;
};

}  // namespace alertd::sinks
