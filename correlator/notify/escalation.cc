#include "correlator/notify/escalation.h"

namespace alertd::correlator {

std::optional<DueStep> next_step(const EscalationPolicy& policy, core::TimePoint start,
                                 core::TimePoint after) {
  const size_t n = policy.steps.size();
  if (n == 0 || start == core::kNoTime) return std::nullopt;
  // Config bounds steps and repeat (config/notify.cc), so this walk is short.
  const size_t total = n * static_cast<size_t>(policy.repeat + 1);
  core::TimePoint at = start;
  for (size_t k = 0; k < total; ++k) {
    at += policy.steps[k % n].wait;
    if (at > after) return DueStep{k % n, static_cast<int>(k / n), at};
  }
  return std::nullopt;
}

void Escalations::start(const std::string& id, const std::vector<EscalationPolicy>& policies,
                        size_t policy, size_t route, core::TimePoint start, core::TimePoint after) {
  if (policy >= policies.size()) return;
  stop(id);
  Running& r = running_[id];
  r.policy = policy;
  r.route = route;
  r.start = start;
  schedule(id, r, policies, after);
}

void Escalations::stop(const std::string& id) {
  auto it = running_.find(id);
  if (it == running_.end()) return;
  timers_.erase({it->second.due.at, id});
  running_.erase(it);
}

void Escalations::schedule(const std::string& id, Running& r,
                           const std::vector<EscalationPolicy>& policies, core::TimePoint after) {
  auto due =
      r.policy < policies.size() ? next_step(policies[r.policy], r.start, after) : std::nullopt;
  if (!due) {
    running_.erase(id);  // every round done
    return;
  }
  r.due = *due;
  timers_.insert({due->at, id});
}

void Escalations::tick(const std::vector<EscalationPolicy>& policies, core::TimePoint now,
                       std::vector<Fired>& out) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::string id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = running_.find(id);
    if (it == running_.end() || it->second.policy >= policies.size()) continue;
    Running& r = it->second;
    // Steps that came due together (a restart after a long stop): only the
    // latest fires, the earlier ones having been passed over by then.
    const auto& policy = policies[r.policy];
    for (auto later = next_step(policy, r.start, r.due.at); later && later->at <= now;
         later = next_step(policy, r.start, r.due.at)) {
      r.due = *later;
    }
    out.push_back({id, r.policy, r.route, r.due});
    schedule(id, r, policies, r.due.at);
  }
}

std::optional<core::TimePoint> Escalations::next_due() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

}  // namespace alertd::correlator
