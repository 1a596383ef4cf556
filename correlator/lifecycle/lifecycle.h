#pragma once
// The ITIL lifecycle state machine: which action each status allows, who may
// take it (segregation of duties), what it changes, the audit entry that
// records it, and the SLA clocks that follow from the priority.
//
// Pure: no I/O and no clock (the command carries its time). The correlator
// runs it on the incidents it holds; the store's writer runs it on resolved
// and closed incidents the correlator has let go, so both give the same
// answers.
//
//   open ──acknowledge/assign──> in_progress ──escalate──> escalated
//     │                              │  ▲                      │
//     │                            vendor└──acknowledge/assign─┘
//     │                              ▼
//     └────── resolve (from any active status) ──> resolved ──close──> closed
//                                     reopen <──────┘

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "core/incident.h"
#include "core/lifecycle.h"
#include "core/time.h"
#include "correlator/priority.h"

namespace alertd::correlator {

struct SlaTargets {
  core::Duration acknowledge;
  core::Duration resolve;
};

struct LifecyclePolicy {
  // Per priority P1..P4; defaults from the incident workflow guide.
  std::array<SlaTargets, 4> sla{{
      {std::chrono::minutes(15), std::chrono::hours(4)},
      {std::chrono::hours(1), std::chrono::hours(8)},
      {std::chrono::hours(4), std::chrono::hours(72)},
      {std::chrono::hours(24), std::chrono::hours(120)},
  }};
  bool review_required = true;  // closing a P1 or P2 needs a review note
  // Off: due times are still shown, but nothing breaches or escalates
  // (replay and test-rules, where no person ever acknowledges).
  bool sla_clock = true;
  // The escalation ladder re-escalates an unacknowledged incident every
  // acknowledge target until it reaches incident_manager.
  bool repeat_escalation = true;

  const SlaTargets& targets(core::Priority p) const { return sla[static_cast<size_t>(p) - 1]; }
};

/// The actions the incident's status allows now (for a 409's "allowed").
std::vector<std::string> allowed_actions(const core::Incident& inc);

/// Urgency as a person writes it (sev1..sev4, or critical/high/medium/low)
/// to the matrix row "sev1".."sev4"; "" when not recognised.
std::string normalize_urgency(std::string_view urgency);

/// Applies `cmd` (any action but create) to `inc`. On success `inc` is
/// changed, the audit entry and milestones are appended, and the result is
/// done with the incident; on refusal nothing changes and the result names
/// why (forbidden: segregation of duties; not_found: another tenant;
/// conflict: an illegal transition, with the allowed actions; invalid: a value the action cannot
/// take).
core::LifecycleResult apply_command(core::Incident& inc, const core::LifecycleCommand& cmd,
                                    const LifecyclePolicy& policy, const PriorityMatrix& matrix,
                                    std::vector<core::AuditEntry>& audit,
                                    core::Milestones& milestones);

/// A new incident opened by hand: status open, detection source
/// user_report, SLA clocks running. `seq` comes from the correlator.
core::Incident create_incident(const core::LifecycleCommand& cmd, int64_t seq,
                               const LifecyclePolicy& policy, const PriorityMatrix& matrix,
                               std::vector<core::AuditEntry>& audit);

/// {"changes": {field: {"from", "to"}, ...}} over every field a person or
/// the SLA clock can change, plus extra string fields in the order given.
/// `detail` (a JSON object) with "authenticated": whether the actor is a
/// token's identity (true) or a name the open API took on trust (false).
std::string with_identity(std::string detail, bool authenticated);

std::string changes_detail(
    const core::Incident& before, const core::Incident& after,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {});

}  // namespace alertd::correlator
