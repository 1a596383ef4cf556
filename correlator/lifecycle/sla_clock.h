#pragma once
// The SLA clock and the escalation ladder: when an incident's acknowledge
// and resolve targets fall due, the breach that records a missed one, and
// the escalation one rung up (L1 -> L2 -> L3 -> incident_manager) that
// follows it, again every acknowledge target while nobody acknowledges.
// Pure, like the state machine (lifecycle.h); the correlator arms a timer
// for next_sla_due() of each incident it holds (correlator_sla.cc).

#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/time.h"
#include "correlator/lifecycle/lifecycle.h"

namespace alertd::correlator {

/// Sets ack_due_at and resolve_due_at from opened_at and the priority's
/// targets; a clock that already stopped (acknowledged, resolved) keeps its
/// due time for the record. The first escalation comes with the acknowledge
/// breach (run_sla_clock), so nothing else is armed here.
void set_sla_due(core::Incident& inc, const LifecyclePolicy& policy);

/// The next time the SLA clock has something to do for `inc` (a breach or
/// an escalation), or kNoTime.
core::TimePoint next_sla_due(const core::Incident& inc);

/// Runs the SLA clock at `now`: an unacknowledged incident past its
/// acknowledge due time breaches (once) and escalates one level, then again
/// every acknowledge target while nobody acknowledges, up to
/// incident_manager; an active incident past its resolve due time breaches
/// (once) and escalates one level. Each breach and escalation is audited
/// with a notify entry. Returns whether `inc` changed.
bool run_sla_clock(core::Incident& inc, core::TimePoint now, const LifecyclePolicy& policy,
                   std::vector<core::AuditEntry>& audit, core::Milestones& milestones);

/// Hands `inc` to `team` (an escalation, by a person or by the clock): its
/// level follows the team, and the new team picks an assignee.
void escalate_to(core::Incident& inc, std::string_view team, core::Milestones& milestones);

}  // namespace alertd::correlator
