#pragma once
// Incident vocabulary shared by the correlator (which owns incidents), the
// store (which persists them) and the API (which shows them).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/alert.h"
#include "core/labels.h"
#include "core/time.h"

namespace alertd::core {

/// ITIL statuses (DESIGN.md §4). The foundation only moves open -> resolved;
/// the lifecycle API adds the rest.
enum class IncidentStatus : uint8_t {
  open,
  in_progress,
  escalated,
  pending_vendor,
  resolved,
  closed
};
std::string_view to_string(IncidentStatus s);
std::optional<IncidentStatus> parse_incident_status(std::string_view s);
/// Open means "not yet resolved or closed": it still accepts alerts.
inline bool is_active(IncidentStatus s) {
  return s != IncidentStatus::resolved && s != IncidentStatus::closed;
}

enum class Priority : uint8_t { P1 = 1, P2 = 2, P3 = 3, P4 = 4 };
std::string_view to_string(Priority p);
std::optional<Priority> parse_priority(std::string_view s);

/// One distinct alert (fingerprint) that belongs to an incident.
struct Member {
  uint64_t fingerprint = 0;
  LabelSet labels;
  LabelSet annotations;
  AlertStatus status = AlertStatus::firing;
  std::string source;
  TimePoint first_seen = kNoTime;
  TimePoint last_seen = kNoTime;
  TimePoint resolved_at = kNoTime;
  uint64_t event_count = 0;  // alerts that reached the correlator for it (re-sends only as touches)
  bool flapping = false;     // changed state too often lately (flap damping)
  // Why it is not notified, or "": "inhibit:<rule>", "silence:<id>", "maintenance:<name>".
  std::string suppressed_by;
  // The journal position (core::journal_position) of the last alert applied
  // to it; 0 when none was journaled. Kept by the store: after a crash the
  // replay skips alerts at or before it, whose effect is already stored.
  uint64_t journal_pos = 0;
};

struct Incident {
  std::string id;   // "INC-<seq>"
  int64_t seq = 0;  // stable across restarts; the store restores the counter
  std::string tenant = "default";
  std::string title;
  std::string service;
  IncidentStatus status = IncidentStatus::open;
  Priority priority = Priority::P3;
  std::string severity = "sev3";  // sev1..sev4
  std::string group_key;
  std::string rule;  // correlation rule that opened it
  TimePoint opened_at = kNoTime;
  TimePoint updated_at = kNoTime;
  TimePoint last_alert_at = kNoTime;  // last new or re-fired member; drives the group window
  TimePoint acknowledged_at = kNoTime;
  TimePoint resolved_at = kNoTime;
  TimePoint closed_at = kNoTime;
  uint32_t alert_count = 0;    // distinct member alerts
  uint32_t firing_count = 0;   // members currently firing
  std::string category;        // the first member's `category` label, if any
  std::string impact = "low";  // priority matrix column: low | medium | high
  std::string root_service;    // topology: the deepest failing dependency, or ""
  bool flapping = false;       // a member is flapping: resolve is held back
  bool suppressed = false;     // every firing member is silenced or inhibited: not notified

  // --- the IMS lifecycle (core/lifecycle.h) ---
  std::string detection_source = "alert";  // alert | user_report
  std::string urgency;                     // sev1..sev4 set by a person, or "" (from severity)
  bool priority_manual = false;  // a person set impact/urgency/priority: alerts no longer derive it
  std::string team;              // owning team (core::teams())
  std::string assignee;
  int escalation_level = 1;  // 1 L1, 2 L2, 3 L3, 4 incident_manager
  std::string vendor;        // pending_vendor: who and how
  std::string vendor_contact;
  std::string resolved_by;  // actor of the resolve ("alertd" when its alerts resolved)
  std::string resolution;   // resolve summary
  std::string closed_by;
  std::string close_notes;
  std::string review_note;  // post-incident review, required to close P1/P2 (configurable)
  std::string problem_id;   // "PRB-<n>" when linked to a problem
  // SLA clocks: due times from the priority's targets, counted from opened_at.
  TimePoint ack_due_at = kNoTime;
  TimePoint resolve_due_at = kNoTime;
  TimePoint next_escalation_at = kNoTime;  // still unacknowledged: escalate again then
  bool ack_breached = false;
  bool resolve_breached = false;
};

std::string incident_id(int64_t seq);  // "INC-42"
std::optional<int64_t> parse_incident_id(std::string_view id);
/// The n of "<prefix><n>" with n >= 1 in its one spelling ("SIL-007" is not
/// SIL-7); nullopt for anything else. Problem and silence ids use it.
std::optional<int64_t> parse_seq_id(std::string_view id, std::string_view prefix);

/// One entry of the append-only audit trail.
struct AuditEntry {
  int64_t seq = 0;  // assigned by the store
  std::string incident_id;
  TimePoint at = kNoTime;
  std::string actor = "alertd";
  std::string action;  // create, member_added, member_resolved, member_refired, status_change, ...
  std::string detail;  // JSON object with the field deltas
  // The hash chain (sinks/store/audit_chain.h), set by the store when it
  // appends the entry: hash covers the fields above and prev_hash, the hash
  // of the entry before it. Empty until stored.
  std::string prev_hash;
  std::string hash;
};

/// What happened to an incident in one update, for the metrics that must
/// count each event once it is committed.
struct Milestones {
  bool acknowledged = false;  // first acknowledge or assign: time to acknowledge
  bool resolved = false;      // time to resolve
  bool ack_breach = false;
  bool resolve_breach = false;
  std::vector<std::string> escalations;  // teams escalated to, in order

  bool any() const {
    return acknowledged || resolved || ack_breach || resolve_breach || !escalations.empty();
  }
  void merge(const Milestones& o) {
    acknowledged |= o.acknowledged;
    resolved |= o.resolved;
    ack_breach |= o.ack_breach;
    resolve_breach |= o.resolve_breach;
    escalations.insert(escalations.end(), o.escalations.begin(), o.escalations.end());
  }
};

struct CommandReply;  // core/lifecycle.h

/// What the correlator hands to the sinks: the incident as it now is, the
/// members that changed, and the audit entries that explain the change.
struct IncidentUpdate {
  Incident incident;
  std::vector<Member> members;
  std::vector<AuditEntry> audit;
  int64_t received_mono_ns = 0;  // receipt of the oldest alert behind it, for latency
  // Lifecycle commands whose answer waits for this update's commit.
  std::vector<std::shared_ptr<CommandReply>> replies;
  // Counted by the metrics once committed (time to acknowledge, breaches, ...).
  Milestones milestones;
  // Set on the update that opens the incident: its group's new alerts join
  // it while they come within this window of its last alert. A store that
  // several instances share claims the group for it (IncidentStore::apply).
  Duration group_window{0};
};

/// A state change of one alert, from a shard worker to the correlator.
enum class AlertChange : uint8_t {
  firing,    // first seen firing, or firing again after a resolve
  resolved,  // was firing (or unknown) and is now resolved
  touch,     // still firing; refreshes last_seen (sent at most every touch interval)
};
std::string_view to_string(AlertChange c);

struct AlertEvent {
  AlertChange change = AlertChange::firing;
  Alert alert;
  TimePoint at = kNoTime;  // when the change happened, on the injected clock
};

}  // namespace alertd::core

namespace alertd::core {

/// What the correlator needs back from the store after a restart: every
/// incident still active, its members, and the highest incident sequence.
struct ActiveState {
  std::vector<Incident> incidents;
  std::vector<std::pair<std::string, Member>> members;  // (incident id, member)
  int64_t max_seq = 0;
};

/// The journal position of the last alert the store holds for one alert
/// (tenant, fingerprint), over every incident it was a member of. After a
/// crash the correlator skips replayed alerts at or before it
/// (Correlator::set_replay_guard): their effect is already stored.
struct JournalMark {
  std::string tenant;
  uint64_t fingerprint = 0;
  uint64_t journal_pos = 0;
  friend bool operator==(const JournalMark&, const JournalMark&) = default;
};

}  // namespace alertd::core
