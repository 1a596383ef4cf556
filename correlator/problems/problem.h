#pragma once
// The ITIL problem state machine (core/problem.h): what a person may do to
// a problem and what it changes. Pure: the store runs it inside its write
// transaction (ProblemStore::edit_problem), so the check and the write see
// the same row.
//
//   open ──known_error──> known_error ──known_error (revise the workaround)
//     │                       │
//     └──────resolve──────────┴──> resolved ──close──> closed (final)
//
// Problem management needs the incident_manager role. Opening and linking
// are the recurrence check's (recurrence.h, run by the store), not a person's.

#include <string>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"

namespace alertd::correlator {

/// Refuses (forbidden; not_found for another tenant's problem; conflict, an
/// illegal_transition with the allowed actions; invalid, missing text) or applies
/// `cmd` to `problem` and appends its audit entry (subject the problem id).
core::ProblemResult apply_problem_command(core::Problem& problem, const core::ProblemCommand& cmd,
                                          std::vector<core::AuditEntry>& audit);

}  // namespace alertd::correlator
