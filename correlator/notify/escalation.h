#pragma once
// Escalation policies (issue 15 §6): who else is told, and when, while an
// incident stays unacknowledged. Pure: the notify policy drives it with
// the times it is given.
//
//   escalation_policies:
//     - name: checkout
//       steps:
//         - {notify: primary, wait: 5m}     # a schedule: its person on call
//         - {notify: carol, wait: 15m}      # a person
//         - {notify: exec-mail, wait: 30m}  # a receiver
//       repeat: 1
//
// Step i fires `wait` after the step before it (the first: `wait` after the
// incident's first message); after the last, `repeat` more rounds start
// over at the first step. Acknowledging, resolving or closing the incident
// stops it. The times follow from the start alone, so a restart recomputes
// them from the store: the steps due after the last message kept fire then.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace alertd::correlator {

struct EscalationStep {
  enum class Target : uint8_t { schedule, person, receiver };
  Target target = Target::schedule;
  std::string name;
  core::Duration wait{0};
};

struct EscalationPolicy {
  std::string name;
  std::vector<EscalationStep> steps;  // at least one
  int repeat = 0;                     // further rounds after the first
};

/// The step due next after `after` for a policy started at `start`: its
/// index, its round (0 first) and its time; nullopt once every round is done
/// (or the policy has no step, or only steps that wait 0 and repeat).
struct DueStep {
  size_t step = 0;
  int round = 0;
  core::TimePoint at = core::kNoTime;
};
std::optional<DueStep> next_step(const EscalationPolicy& policy, core::TimePoint start,
                                 core::TimePoint after);

/// The running policies of incidents, by incident id.
class Escalations {
 public:
  struct Fired {
    std::string incident_id;
    size_t policy = 0;  // index into the policies given to tick()
    size_t route = 0;   // the route that named it (its receivers carry the step)
    DueStep due;
  };

  /// Runs `policy` (index) for an incident from `start`; the first step due
  /// after `after` is the next to fire (after = start when it just began).
  void start(const std::string& id, const std::vector<EscalationPolicy>& policies, size_t policy,
             size_t route, core::TimePoint start, core::TimePoint after);
  /// Acknowledged, ended or forgotten: no further step.
  void stop(const std::string& id);
  /// Every step due at `now`, in time order; each incident's next is scheduled.
  void tick(const std::vector<EscalationPolicy>& policies, core::TimePoint now,
            std::vector<Fired>& out);
  std::optional<core::TimePoint> next_due() const;
  bool running(const std::string& id) const { return running_.count(id) != 0; }
  size_t size() const { return running_.size(); }

 private:
  struct Running {
    size_t policy = 0;
    size_t route = 0;
    core::TimePoint start = core::kNoTime;
    DueStep due;
  };
  void schedule(const std::string& id, Running& r, const std::vector<EscalationPolicy>& policies,
                core::TimePoint after);

  std::map<std::string, Running> running_;
  std::set<std::pair<core::TimePoint, std::string>> timers_;
};

}  // namespace alertd::correlator
