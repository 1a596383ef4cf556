#pragma once
// The vocabulary of the problem recurrence check: what a newly opened
// incident brings to it, what it did, and the steps a store offers it inside
// its write transaction. The rule itself is the correlator's
// (correlator/problems/recurrence.h); the store runs it where the check and
// the writes see the same rows.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/time.h"

namespace alertd::core {

/// A newly opened incident, as the recurrence check needs it.
struct OpenedIncident {
  int64_t seq = 0;
  std::string id;
  std::string tenant;
  std::string group_key;
  std::string title;
  TimePoint opened_at = kNoTime;
};

/// What one recurrence check did to one problem.
struct ProblemLinks {
  std::string problem_id;
  bool opened = false;                 // the check created it
  std::vector<std::string> incidents;  // linked by the check, oldest first
};

/// At most this many incidents are linked when a problem opens (the newest).
inline constexpr size_t kMaxLinkedAtOpen = 10000;

/// The steps a backend runs for the check, all in its open write transaction.
class ProblemLinkTx {
 public:
  virtual ~ProblemLinkTx() = default;
  /// The seq of the unresolved problem of (tenant, group_key), if any.
  virtual Result<std::optional<int64_t>> unresolved_problem(const std::string& tenant,
                                                            const std::string& group_key) = 0;
  virtual Result<bool> is_linked(int64_t incident_seq) = 0;
  /// (seq, id) of the incidents of (tenant, group_key) opened in [from, to]
  /// that no problem has, oldest first, at most `limit` (the newest ones).
  virtual Result<std::vector<std::pair<int64_t, std::string>>> unlinked_opened_between(
      const std::string& tenant, const std::string& group_key, TimePoint from, TimePoint to,
      size_t limit) = 0;
  /// Inserts `problem` (its seq and id are ignored) and returns the new seq.
  virtual Result<int64_t> insert_problem(const Problem& problem) = 0;
  virtual Status link(int64_t incident_seq, int64_t problem_seq, TimePoint at) = 0;
  /// updated_at = at.
  virtual Status touch_problem(int64_t problem_seq, TimePoint at) = 0;
};

/// The check a store runs in its write transaction over `opened`: it links
/// and opens through `tx` and appends to `audit` what the store must append
/// in the same transaction.
using RecurrenceCheck = std::function<Result<std::vector<ProblemLinks>>(
    ProblemLinkTx& tx, std::span<const OpenedIncident> opened, std::vector<AuditEntry>& audit)>;

}  // namespace alertd::core
