#include "correlator/notify/policy.h"

#include <algorithm>
#include <array>

namespace alertd::correlator {

namespace {

using core::IncidentStatus;

constexpr std::array<std::string_view, 10> kChangeNames{
    "opened",   "priority_changed", "acknowledged", "assigned", "escalated",
    "resolved", "closed",           "reopened",     "reminder", "escalation_step"};

bool sends_resolved(const NotifyPolicyConfig& c, const std::string& receiver) {
  return std::find(c.no_send_resolved.begin(), c.no_send_resolved.end(), receiver) ==
         c.no_send_resolved.end();
}

MessageStage stage_of(const std::vector<NotifyChange>& changes) {
  // A reminder and an escalation step tell people who may not have seen it.
  if (changes.front() == NotifyChange::opened || changes.front() == NotifyChange::reminder ||
      changes.front() == NotifyChange::escalation_step) {
    return MessageStage::initial;
  }
  return changes.front() == NotifyChange::resolved ? MessageStage::resolution
                                                   : MessageStage::update;
}

}  // namespace

std::string_view to_string(NotifyChange c) {
  return kChangeNames[static_cast<size_t>(c)];
}

std::string_view to_string(MessageStage s) {
  switch (s) {
    case MessageStage::initial: return "initial";
    case MessageStage::update: return "update";
    case MessageStage::resolution: return "resolution";
  }
  return "update";
}

NotifyPolicy::Told NotifyPolicy::told_of(const core::Incident& i) {
  return {i.status, i.priority, i.assignee, i.acknowledged_at != core::kNoTime, i.escalation_level};
}

std::vector<NotifyChange> NotifyPolicy::changes_between(const Told& told, const core::Incident& i) {
  std::vector<NotifyChange> out;
  const bool was_active = core::is_active(told.status);
  if (was_active && i.status == IncidentStatus::resolved) out.push_back(NotifyChange::resolved);
  if (told.status != IncidentStatus::closed && i.status == IncidentStatus::closed) {
    out.push_back(NotifyChange::closed);
  }
  if (!was_active && core::is_active(i.status)) out.push_back(NotifyChange::reopened);
  if (i.escalation_level > told.escalation_level ||
      (i.status == IncidentStatus::escalated && told.status != IncidentStatus::escalated)) {
    out.push_back(NotifyChange::escalated);
  }
  if (i.priority != told.priority) out.push_back(NotifyChange::priority_changed);
  if (!told.acknowledged && i.acknowledged_at != core::kNoTime) {
    out.push_back(NotifyChange::acknowledged);
  }
  if (i.assignee != told.assignee && !i.assignee.empty()) out.push_back(NotifyChange::assigned);
  return out;
}

void NotifyPolicy::track(const std::string& id, Tracked& t, const core::Incident& i) {
  t.routing = routing_labels(i, t.labels);
  t.tenant = i.tenant;
  t.status = i.status;
  t.suppressed = i.suppressed;
  t.acknowledged = i.acknowledged_at != core::kNoTime;
  t.changed_at = i.updated_at;
  const bool resolved = !core::is_active(i.status);
  if (resolved == (t.resolved_at != core::kNoTime)) return;
  if (resolved) {
    t.resolved_at = i.updated_at;
    resolved_.insert({t.resolved_at, id});
  } else {
    resolved_.erase({t.resolved_at, id});
    t.resolved_at = core::kNoTime;
  }
}

void NotifyPolicy::observe(const core::Incident& i, const core::LabelSet* labels,
                           core::TimePoint now, std::vector<NotifyIntent>& out) {
  auto it = tracked_.find(i.id);
  if (it == tracked_.end()) {
    // Never seen active (resolved before we knew it, or forgotten): nothing was told.
    if (!core::is_active(i.status)) return;
    it = tracked_.emplace(i.id, Tracked{}).first;
    if (labels != nullptr) it->second.labels = *labels;
    it->second.told = told_of(i);
    track(i.id, it->second, i);
    schedule(i.id, it->second, i.opened_at + config_.group_wait);
    bound_tracked();
    return;
  }
  Tracked& t = it->second;
  track(i.id, t, i);
  if (t.acknowledged || !core::is_active(i.status)) escalations_.stop(i.id);
  if (!t.initial_sent) {
    if (!core::is_active(i.status)) return forget(i.id);  // resolved within group_wait
    t.told = told_of(i);
    if (now >= t.due && !t.suppressed) send(i.id, t, {NotifyChange::opened}, now, out);
    return;
  }
  auto changes = changes_between(t.told, i);
  if (changes.empty()) return;
  t.told = told_of(i);
  // Suppressed: not told, but its end is (send_resolved, per receiver).
  const bool ending = changes.front() == NotifyChange::resolved;
  if (!t.suppressed || ending) send(i.id, t, std::move(changes), now, out);
  if (i.status == IncidentStatus::closed) forget(i.id);
}

void NotifyPolicy::send(const std::string& id, Tracked& t, std::vector<NotifyChange> changes,
                        core::TimePoint now, std::vector<NotifyIntent>& out) {
  const MessageStage stage = stage_of(changes);
  const bool first = !t.initial_sent;
  // An SLA escalation to a level with a schedule names who it has on call.
  const auto level = config_.level_schedules.find(t.told.escalation_level);
  const bool to_level =
      level != config_.level_schedules.end() &&
      std::find(changes.begin(), changes.end(), NotifyChange::escalated) != changes.end();
  for (size_t r : matching_routes(config_.routes, t.routing)) {
    const auto& route = config_.routes[r];
    for (const auto& receiver : route.receivers) {
      if (stage == MessageStage::resolution && !sends_resolved(config_, receiver)) continue;
      out.push_back({id, t.tenant, changes, stage, receiver,
                     to_level ? level->second : route.schedule, "", 0, route.audience,
                     t.changed_at});
    }
  }
  after_send(id, t, now);
  if (first && !t.acknowledged) start_escalation(id, t, now, now);
}

void NotifyPolicy::after_send(const std::string& id, Tracked& t, core::TimePoint now) {
  t.initial_sent = true;
  t.last_sent = now;
  const bool remind =
      config_.repeat_interval.count() > 0 && core::is_active(t.status) && !t.acknowledged;
  schedule(id, t, remind ? now + config_.repeat_interval : core::kNoTime);
}

void NotifyPolicy::restore(const core::Incident& i, core::LabelSet labels, std::optional<Told> told,
                           core::TimePoint last_sent) {
  Tracked& t = tracked_[i.id];
  t.labels = std::move(labels);
  t.told = told.value_or(told_of(i));
  track(i.id, t, i);
  t.initial_sent = told.has_value();
  t.last_sent = last_sent;
  if (!t.initial_sent) return schedule(i.id, t, i.opened_at + config_.group_wait);
  // Its escalation restarts where the last message kept left it.
  if (core::is_active(t.status) && !t.acknowledged) {
    start_escalation(i.id, t, i.opened_at + config_.group_wait, last_sent);
  }
  const bool remind =
      config_.repeat_interval.count() > 0 && core::is_active(t.status) && !t.acknowledged;
  schedule(i.id, t, remind ? last_sent + config_.repeat_interval : core::kNoTime);
}

// The escalation policy of the first route that names one.
void NotifyPolicy::start_escalation(const std::string& id, const Tracked& t, core::TimePoint start,
                                    core::TimePoint after) {
  const auto& policies = config_.escalation_policies;
  for (size_t r : matching_routes(config_.routes, t.routing)) {
    const auto& name = config_.routes[r].escalation_policy;
    if (name.empty()) continue;
    auto p = std::find_if(policies.begin(), policies.end(),
                          [&](const auto& policy) { return policy.name == name; });
    if (p == policies.end()) continue;
    escalations_.start(id, policies, static_cast<size_t>(p - policies.begin()), r, start, after);
    return;
  }
}

// A step that came due: to its receiver, or through its route's receivers
// naming its schedule's person on call or its person.
void NotifyPolicy::escalate(const Escalations::Fired& fired, core::TimePoint now,
                            std::vector<NotifyIntent>& out) {
  auto it = tracked_.find(fired.incident_id);
  if (it == tracked_.end() || fired.route >= config_.routes.size()) return;
  Tracked& t = it->second;
  if (t.suppressed || t.acknowledged || !core::is_active(t.status)) return;
  const auto& step = config_.escalation_policies[fired.policy].steps[fired.due.step];
  const auto& route = config_.routes[fired.route];
  NotifyIntent intent{fired.incident_id,
                      t.tenant,
                      {NotifyChange::escalation_step},
                      MessageStage::initial,
                      "",
                      "",
                      "",
                      static_cast<int>(fired.due.step) + 1,
                      route.audience,
                      fired.due.at};
  using Target = EscalationStep::Target;
  if (step.target == Target::receiver) {
    intent.receiver = step.name;
    out.push_back(intent);
  } else {
    (step.target == Target::schedule ? intent.schedule : intent.person) = step.name;
    for (const auto& receiver : route.receivers) {
      intent.receiver = receiver;
      out.push_back(intent);
    }
  }
  t.last_sent = now;
}

void NotifyPolicy::tick(core::TimePoint now, std::vector<NotifyIntent>& out) {
  if (auto due = escalations_.next_due(); due && *due <= now) {
    std::vector<Escalations::Fired> fired;
    escalations_.tick(config_.escalation_policies, now, fired);
    for (const auto& f : fired) escalate(f, now, out);
  }
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::string id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = tracked_.find(id);
    if (it == tracked_.end()) continue;
    Tracked& t = it->second;
    t.due = core::kNoTime;
    // Suppressed at its time: told when it is written again unsuppressed.
    if (t.suppressed || !core::is_active(t.status)) continue;
    if (!t.initial_sent) {
      send(id, t, {NotifyChange::opened}, now, out);
    } else if (!t.acknowledged) {
      send(id, t, {NotifyChange::reminder}, now, out);
    }
  }
}

std::optional<core::TimePoint> NotifyPolicy::next_due() const {
  auto escalation = escalations_.next_due();
  if (timers_.empty()) return escalation;
  const auto timer = timers_.begin()->first;
  return escalation ? std::min(*escalation, timer) : timer;
}

void NotifyPolicy::schedule(const std::string& id, Tracked& t, core::TimePoint due) {
  if (t.due != core::kNoTime) timers_.erase({t.due, id});
  t.due = due;
  if (due != core::kNoTime) timers_.insert({due, id});
}

void NotifyPolicy::forget(const std::string& id) {
  auto it = tracked_.find(id);
  if (it == tracked_.end()) return;
  schedule(id, it->second, core::kNoTime);
  escalations_.stop(id);
  resolved_.erase({it->second.resolved_at, id});
  tracked_.erase(it);
}

// Beyond max_tracked, the longest-resolved incidents are forgotten:
// forgetting one loses only its closing message. Active ones are bounded by
// the correlator's own limits.
void NotifyPolicy::bound_tracked() {
  while (tracked_.size() > config_.max_tracked && !resolved_.empty()) {
    forget(resolved_.begin()->second);
    ++forgotten_total_;
  }
}

}  // namespace alertd::correlator
