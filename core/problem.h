#pragma once
// Problems (ITIL problem management): the underlying cause behind
// incidents that keep coming back. The store opens one when one group key
// produces ProblemPolicy::threshold incidents within ProblemPolicy::within,
// and links every later incident of that key to it while it is unresolved
// (correlator/problems/recurrence.h, run by the store). People record a workaround (known
// error), resolve and close it: the state machine is correlator/problems/problem.h,
// the API api/problems/routes.cc.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.h"
#include "core/time.h"
#include "core/verdict.h"

namespace alertd::core {

enum class ProblemStatus : uint8_t { open, known_error, resolved, closed };
std::string_view to_string(ProblemStatus s);
std::optional<ProblemStatus> parse_problem_status(std::string_view s);
/// New incidents of its group key are linked to an unresolved problem. A
/// tenant has at most one per group key (a unique index says so).
inline bool is_unresolved(ProblemStatus s) {
  return s == ProblemStatus::open || s == ProblemStatus::known_error;
}

struct Problem {
  std::string id;   // "PRB-<seq>"
  int64_t seq = 0;  // assigned by the store
  std::string tenant = "default";
  std::string group_key;  // the incidents' group key it was opened for
  std::string title;
  ProblemStatus status = ProblemStatus::open;
  std::string workaround;  // known error: what responders do until it is fixed
  std::string root_cause;
  std::string resolution;
  std::string close_notes;
  TimePoint created_at = kNoTime;
  TimePoint updated_at = kNoTime;
  TimePoint resolved_at = kNoTime;
  TimePoint closed_at = kNoTime;
  // Read from the links, never written: how many incidents it has and when
  // the last one was linked.
  uint32_t incident_count = 0;
  TimePoint last_linked_at = kNoTime;
};

std::string problem_id(int64_t seq);  // "PRB-7"
std::optional<int64_t> parse_problem_id(std::string_view id);

/// When recurring incidents open a problem: `threshold` incidents of one
/// group key opened within `within` (the newest one's opened_at and the
/// span before it, both ends included).
struct ProblemPolicy {
  uint32_t threshold = 3;  // 0: never open problems
  Duration within = std::chrono::hours(24 * 7);
  bool enabled() const { return threshold > 0; }
};

enum class ProblemAction : uint8_t {
  known_error,  // record (or revise) the workaround
  resolve,      // the cause is fixed
  close,        // verified; final
};
std::string_view to_string(ProblemAction a);
inline constexpr ProblemAction kProblemActions[] = {ProblemAction::known_error,
                                                    ProblemAction::resolve, ProblemAction::close};

/// One person's request on a problem. The API checks presence and
/// sizes; correlator/problems/problem.h checks meaning.
struct ProblemCommand {
  ProblemAction action = ProblemAction::known_error;
  std::string problem_id;
  std::string actor;         // as core::LifecycleCommand: the token's name with auth
  std::string on_behalf_of;  // with auth: the body's actor, when it named one
  bool authenticated = false;
  Role role = Role::admin;
  std::string tenant = "default";
  TimePoint at = kNoTime;
  std::string workaround;  // known_error
  std::string root_cause;  // known_error, resolve (optional)
  std::string text;        // resolve: the resolution; close: notes
};

/// The answer to a command: the problem as committed, or why not.
struct ProblemResult {
  Verdict verdict = Verdict::done;
  std::string error;  // machine reason when refused
  std::string detail;
  std::vector<std::string> allowed;  // on a conflict: what the problem allows now
  std::optional<Problem> problem;
};

}  // namespace alertd::core
