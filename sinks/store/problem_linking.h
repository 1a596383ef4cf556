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

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "sinks/store/problem_store.h"

namespace alertd::sinks {

/// At most this many incidents are linked when a problem opens (the newest).
inline constexpr size_t kMaxLinkedAtOpen = 10000;

/// The steps a backend runs for the check, all in its open write transaction.
class ProblemLinkTx {
 public:
  virtual ~ProblemLinkTx() = default;
  /// The seq of the unresolved problem of (tenant, group_key), if any.
  virtual core::Result<std::optional<int64_t>> unresolved_problem(const std::string& tenant,
                                                                  const std::string& group_key) = 0;
  virtual core::Result<bool> is_linked(int64_t incident_seq) = 0;
  /// (seq, id) of the incidents of (tenant, group_key) opened in [from, to]
  /// that no problem has, oldest first, at most `limit` (the newest ones).
  virtual core::Result<std::vector<std::pair<int64_t, std::string>>> unlinked_opened_between(
      const std::string& tenant, const std::string& group_key, core::TimePoint from,
      core::TimePoint to, size_t limit) = 0;
  /// Inserts `problem` (its seq and id are ignored) and returns the new seq.
  virtual core::Result<int64_t> insert_problem(const core::Problem& problem) = 0;
  virtual core::Status link(int64_t incident_seq, int64_t problem_seq, core::TimePoint at) = 0;
  /// updated_at = at.
  virtual core::Status touch_problem(int64_t problem_seq, core::TimePoint at) = 0;
};

/// edit_problem's answer for an id no problem has (404 not_found).
core::ProblemResult problem_not_found(std::string_view id);
/// The error a backend's edit transaction body returns when the edit
/// refused or the problem is missing: roll back, and answer the result.
inline constexpr std::string_view kEditRefused = "edit_refused";

/// Runs the check for `opened` in order; appends to `audit` what the backend
/// must append in the same transaction: `create` (subject the problem) for
/// a new problem and `link` (subject the incident) for every link.
core::Result<std::vector<ProblemLinks>> link_recurring(ProblemLinkTx& tx,
                                                       std::span<const OpenedIncident> opened,
                                                       const core::ProblemPolicy& policy,
                                                       core::TimePoint now,
                                                       std::vector<core::AuditEntry>& audit);

}  // namespace alertd::sinks
