#pragma once
// The recurrence check behind ProblemStore::link_recurring, written once
// for every backend: the backend offers the steps (ProblemLinkTx) inside its
// write transaction, this file decides what to link and writes the audit
// entries. The rule, for each newly opened incident X of (tenant, key):
//
//   * key has an unresolved problem P (open or known_error): link X to P
//     (unless an earlier step of the same call already did);
//   * else, when the key's incidents opened within policy.within before X
//     (X included, both ends inclusive) that no problem has number at least
//     policy.threshold: open a problem and link them all.
//
// Incidents already linked to a resolved or closed problem are that
// problem's history: they never count towards a new one. Incidents opened
// by hand have a group key of their own ("user_report:INC-<n>") and so never
// recur.

#include <span>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/recurrence.h"
#include "core/result.h"
#include "core/time.h"

namespace alertd::correlator {

/// Runs the check for `opened` in order; appends to `audit` what the store
/// must append in the same transaction: `create` (subject the problem) for
/// a new problem and `link` (subject the incident) for every link.
core::Result<std::vector<core::ProblemLinks>> link_recurring(
    core::ProblemLinkTx& tx, std::span<const core::OpenedIncident> opened,
    const core::ProblemPolicy& policy, core::TimePoint now, std::vector<core::AuditEntry>& audit);

/// The check under `policy` at `now`, for ProblemStore::link_recurring.
core::RecurrenceCheck recurrence_check(const core::ProblemPolicy& policy, core::TimePoint now);

}  // namespace alertd::correlator
