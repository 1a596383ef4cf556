#pragma once
// ProblemStore: problems (core/problem.h) and their links to incidents. One
// of the three interfaces of a store (sinks/store/store.h).
//
// Threads: link_recurring() has one caller, the store writer thread, after each
// committed batch; edit_problem() comes from other threads beside it
// (implementations serialize their writes). The reads may run on any thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/recurrence.h"
#include "core/result.h"
#include "core/time.h"

namespace alertd::sinks {

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

class ProblemStore {
 public:
  virtual ~ProblemStore() = default;

  /// The recurrence check, after `opened` were committed, in one transaction
  /// (`check`: the rule, correlator/problems/recurrence.h;
  /// `policy` lets a backend skip incidents that cannot recur): links each to its group
  /// key's unresolved problem, or opens one when the key has
  /// policy.threshold unlinked incidents within policy.within. Every link
  /// and every new problem is audited.
  virtual core::Result<std::vector<core::ProblemLinks>> link_recurring(
      std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
      const core::RecurrenceCheck& check) = 0;
  virtual core::Result<ProblemPage> list_problems(const ProblemFilter& filter) = 0;
  /// nullopt when no problem has that id (a malformed id included).
  virtual core::Result<std::optional<ProblemDetail>> get_problem(std::string_view id) = 0;
  /// Reads problem `id` in a write transaction, runs `edit` on it and writes
  /// the result with its audit entries, or nothing when `edit` refuses.
  /// 404 (not_found) when no problem has that id. `problem` in the answer is
  /// the row as committed.
  virtual core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                         const ProblemEdit& edit) = 0;
};

}  // namespace alertd::sinks
