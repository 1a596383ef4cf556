#include "rules/counting_stage.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "core/fingerprint.h"

namespace alertd::rules {

namespace {

core::Duration window_of(const RuleSpec& spec) {
  if (spec.threshold) return spec.threshold->within;
  if (spec.distinct) return spec.distinct->within;
  return spec.absent_for.value_or(core::Duration{0});
}

// Everything that decides what a group means; origin and description do
// not, so moving a rule within its file keeps its groups over a reload.
bool same_meaning(const RuleSpec& a, const RuleSpec& b) {
  return a.name == b.name && a.match == b.match && a.threshold == b.threshold &&
         a.distinct == b.distinct && a.absent_for == b.absent_for && a.drop == b.drop &&
         a.set == b.set && a.group_by == b.group_by;
}

// A label value, with empty meaning absent (as in group keys).
std::optional<std::string_view> value_of(const core::Alert& a, const std::string& label) {
  auto v = a.labels.get(label);
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::string matchers_text(const core::Matchers& matchers) {
  std::string out = "{";
  for (const auto& m : matchers) {
    if (out.size() > 1) out += ", ";
    out += m.to_string();
  }
  return out + "}";
}

template <typename T>
void free_vector(std::vector<T>& v) {
  std::vector<T>().swap(v);  // open groups keep no window state, not even capacity
}

// What a held entry stands for besides its fingerprint: distinct, the
// alert's value of the label (alerts without it stand for their fingerprint).
std::optional<std::string> held_value(const RuleSpec& spec, const core::Alert& a) {
  if (spec.distinct) {
    if (auto v = value_of(a, spec.distinct->label)) return std::string(*v);
  }
  return std::nullopt;
}

// Removes the held entry that stands for `value` (without one, for
// `fingerprint`) and returns its arrival times; none when nothing is held.
template <typename H>
std::vector<core::TimePoint> take_times(std::vector<H>& held,
                                        const std::optional<std::string>& value,
                                        uint64_t fingerprint) {
  auto it = std::find_if(held.begin(), held.end(), [&](const H& h) {
    if (value || h.value) return value == h.value;
    return h.alert.fingerprint == fingerprint;
  });
  if (it == held.end()) return {};
  std::vector<core::TimePoint> times = std::move(it->times);
  held.erase(it);
  return times;
}

// Forgets the arrivals that left the window, and the entries left with none.
template <typename H>
void forget_outside(std::vector<H>& held, core::TimePoint now, core::Duration w) {
  for (auto& h : held) std::erase_if(h.times, [&](core::TimePoint t) { return now - t > w; });
  std::erase_if(held, [](const H& h) { return h.times.empty(); });
}

// Keeps at most `limit` times over all entries: beyond it the entry with the
// most (the earliest held of those on a tie) forgets its oldest arrival.
// Every entry keeps at least one, so `limit` >= held.size() always holds.
template <typename H>
void bound_times(std::vector<H>& held, size_t limit) {
  size_t total = 0;
  for (const auto& h : held) total += h.times.size();
  for (; total > limit; --total) {
    auto most = std::max_element(held.begin(), held.end(), [](const H& a, const H& b) {
      return a.times.size() < b.times.size();
    });
    if (most == held.end() || most->times.size() < 2) return;
    most->times.erase(std::min_element(most->times.begin(), most->times.end()));
  }
}

void set_evidence(core::Alert& a, const std::vector<core::TimePoint>& times) {
  a.counted_since = *std::min_element(times.begin(), times.end());
  a.counted_events =
      static_cast<uint32_t>(std::min<size_t>(times.size(), std::numeric_limits<uint32_t>::max()));
}

}  // namespace

CountingStage::CountingStage(size_t shard_index, size_t shard_count, CountingLimits limits)
    : shard_index_(shard_index), shard_count_(std::max<size_t>(1, shard_count)), limits_(limits) {}

void CountingStage::set_rules(std::shared_ptr<const RuleSet> rules, core::TimePoint now,
                              std::vector<core::AlertEvent>& events) {
  drop_changed_groups(rules.get(), now, events);
  rules_ = std::move(rules);
  arm_absence(now);
}

void CountingStage::drop_changed_groups(const RuleSet* next, core::TimePoint now,
                                        std::vector<core::AlertEvent>& events) {
  if (groups_.empty() || !rules_) return;
  // Old rule index -> new index, or -1 when the rule is gone or changed.
  std::vector<int64_t> remap(rules_->size(), -1);
  for (size_t i = 0; i < rules_->size(); ++i) {
    const auto& old_spec = rules_->specs()[i];
    auto j = next != nullptr ? next->index_of(old_spec.name) : std::nullopt;
    if (j && same_meaning(old_spec, next->specs()[*j])) remap[i] = static_cast<int64_t>(*j);
  }
  std::vector<uint64_t> gone;
  for (auto& [key, g] : groups_) {
    int64_t r = remap[g.rule];
    if (r < 0) {
      gone.push_back(key);
    } else {
      g.rule = static_cast<uint32_t>(r);
    }
  }
  std::sort(gone.begin(), gone.end());  // resolve events in a fixed order
  for (uint64_t key : gone) {
    auto it = groups_.find(key);
    if (it->second.firing) resolve(it->second, now, events);
    groups_.erase(it);
    ++groups_evicted_total_;
  }
}

void CountingStage::arm_absence(core::TimePoint now) {
  if (!rules_) return;
  for (size_t i = 0; i < rules_->size(); ++i) {
    const auto& spec = rules_->specs()[i];
    if (!spec.absent_for || !spec.group_by.empty()) continue;
    uint64_t key = route_key(spec.name, "default", core::LabelSet{});
    if (key % shard_count_ != shard_index_) continue;
    auto [it, inserted] = groups_.try_emplace(key);
    if (!inserted) continue;  // kept over a reload: its timer runs on
    Group& g = it->second;
    g.rule = static_cast<uint32_t>(i);
    g.scheduled = kNever;
    g.last = now;
    g.absence = std::make_unique<Absence>();
    g.absence->tenant = "default";
    schedule(key, g, now + *spec.absent_for);
  }
}

void CountingStage::process(core::Alert&& alert, core::TimePoint now,
                            std::vector<core::Alert>& pass, std::vector<core::AlertEvent>& events) {
  std::optional<size_t> rule;
  if (rules_ && !alert.rule.empty()) rule = rules_->index_of(alert.rule);
  if (!rule || !rules_->specs()[*rule].is_counting()) {
    pass.push_back(std::move(alert));
    return;
  }
  const RuleSpec& spec = rules_->specs()[*rule];
  // Recomputed rather than read from alert.route_key: the alert may have
  // been applied by the rules before a reload.
  uint64_t key = rules_->group_key(*rule, alert);
  Group* g = nullptr;
  if (auto it = groups_.find(key); it != groups_.end()) {
    g = &it->second;
  } else if (!spec.absent_for && alert.status == core::AlertStatus::resolved) {
    ++discarded_total_;  // nothing open that it could resolve
    return;
  } else {
    g = find_or_create(key, *rule, alert);
    if (g == nullptr) {
      ++groups_refused_total_;  // fail open: never lose an alert to a full table
      pass.push_back(std::move(alert));
      return;
    }
  }
  if (g->rule != *rule) {
    // Two rules' groups on one 64-bit key: never seen, but fail open.
    ++groups_refused_total_;
    pass.push_back(std::move(alert));
    return;
  }
  if (spec.absent_for) {
    process_absence(key, *g, now, events);
  } else {
    process_window(key, *g, std::move(alert), now, pass);
  }
}

CountingStage::Group* CountingStage::find_or_create(uint64_t key, size_t rule,
                                                    const core::Alert& alert) {
  if (groups_.size() >= limits_.max_groups) return nullptr;
  Group& g = groups_[key];
  g.rule = static_cast<uint32_t>(rule);
  g.scheduled = kNever;
  const RuleSpec& spec = rules_->specs()[rule];
  if (spec.absent_for) {
    g.absence = std::make_unique<Absence>();
    g.absence->tenant = alert.tenant;
    g.absence->group = group_of(spec, alert.labels);
  }
  return &g;
}

void CountingStage::process_window(uint64_t key, Group& g, core::Alert&& alert, core::TimePoint now,
                                   std::vector<core::Alert>& pass) {
  const RuleSpec& spec = rules_->specs()[g.rule];
  const core::Duration w = window_of(spec);
  if (g.last != core::kNoTime && now - g.last > w) {
    // Quiet for a whole window: everything before is out of it (the same as
    // a tick that evicted the group).
    g.open = false;
    free_vector(g.arrivals);
    free_vector(g.values);
    free_vector(g.held);
  }
  if (alert.status == core::AlertStatus::resolved) {
    if (g.open) {
      pass.push_back(std::move(alert));
      return;
    }
    std::erase_if(g.held, [&](const Held& h) { return h.alert.fingerprint == alert.fingerprint; });
    ++discarded_total_;
    return;
  }
  if (g.last == core::kNoTime || now > g.last) g.last = now;
  schedule(key, g, g.last + w);
  if (g.open) {
    pass.push_back(std::move(alert));
    return;
  }
  auto outside = [&](core::TimePoint t) { return now - t > w; };
  std::erase_if(g.arrivals, outside);
  std::erase_if(g.values, [&](const Seen& s) { return outside(s.at); });
  forget_outside(g.held, now, w);
  uint32_t in_window = count_arrival(g, spec, alert, now);
  if (in_window < (spec.threshold ? spec.threshold->count : spec.distinct->count)) {
    hold(g, spec, std::move(alert), now);
    return;
  }
  trip(g, spec, std::move(alert), now, in_window, pass);
}

uint32_t CountingStage::count_arrival(Group& g, const RuleSpec& spec, const core::Alert& alert,
                                      core::TimePoint now) {
  if (spec.threshold) {
    g.arrivals.push_back(now);
    return static_cast<uint32_t>(g.arrivals.size());
  }
  if (auto value = value_of(alert, spec.distinct->label)) {
    auto seen = std::find_if(g.values.begin(), g.values.end(),
                             [&](const Seen& s) { return s.value == *value; });
    if (seen == g.values.end()) {
      g.values.push_back(Seen{std::string(*value), now});
    } else {
      seen->at = now;
    }
  }
  return static_cast<uint32_t>(g.values.size());  // alerts without the label do not count
}

void CountingStage::hold(Group& g, const RuleSpec& spec, core::Alert&& alert, core::TimePoint now) {
  // Threshold: the latest copy per fingerprint. Distinct: the latest alert
  // per value; alerts without the label, the latest per fingerprint. The
  // entry keeps the times of the arrivals it stands for (its evidence).
  auto value = held_value(spec, alert);
  std::vector<core::TimePoint> times = take_times(g.held, value, alert.fingerprint);
  times.push_back(now);
  g.held.push_back(Held{std::move(alert), std::move(value), std::move(times)});
  ++held_total_;
  if (g.held.size() > limits_.max_held_per_group) {
    g.held.erase(g.held.begin());  // the oldest: first to leave the window anyway
    ++held_overflow_total_;
  }
  bound_times(g.held, limits_.max_held_per_group);
}

void CountingStage::trip(Group& g, const RuleSpec& spec, core::Alert&& alert, core::TimePoint now,
                         uint32_t rule_events, std::vector<core::Alert>& pass) {
  // A held copy of the tripping alert's own entry is superseded by it: the
  // tripping alert passes once, with that copy's evidence and its own.
  std::vector<core::TimePoint> times =
      take_times(g.held, held_value(spec, alert), alert.fingerprint);
  if (!times.empty()) ++released_total_;  // entries are never left with no times
  times.push_back(now);
  set_evidence(alert, times);
  alert.rule_events = rule_events;
  g.open = true;
  release(g, pass);
  pass.push_back(std::move(alert));
}

void CountingStage::release(Group& g, std::vector<core::Alert>& pass) {
  for (auto& h : g.held) {
    set_evidence(h.alert, h.times);
    pass.push_back(std::move(h.alert));
  }
  released_total_ += g.held.size();
  free_vector(g.held);
  free_vector(g.arrivals);
  free_vector(g.values);
}

void CountingStage::process_absence(uint64_t key, Group& g, core::TimePoint now,
                                    std::vector<core::AlertEvent>& events) {
  const core::Duration d = *rules_->specs()[g.rule].absent_for;
  ++heartbeats_total_;
  // A timer that ran out before a tick saw it fires now, at its own time,
  // so the output does not depend on how often tick() runs.
  if (!g.firing && g.last != core::kNoTime && now - g.last > d) fire(key, g, g.last + d, events);
  if (g.firing) resolve(g, now, events);
  if (g.last == core::kNoTime || now > g.last) g.last = now;
  schedule(key, g, g.last + d);
}

void CountingStage::fire(uint64_t key, Group& g, core::TimePoint at,
                         std::vector<core::AlertEvent>& events) {
  const RuleSpec& spec = rules_->specs()[g.rule];
  core::Alert a;
  a.labels.set("alertname", spec.name);
  a.labels.set("alertd_absent", "true");
  for (const auto& l : g.absence->group) a.labels.set(l.name, l.value);
  for (const auto& [name, value] : spec.set) a.labels.set(name, value);
  a.annotations.set("summary", "no alert matching " + matchers_text(spec.match) + " for " +
                                   core::format_duration(*spec.absent_for));
  if (!spec.description.empty()) a.annotations.set("description", spec.description);
  a.status = core::AlertStatus::firing;
  a.source = "alertd";
  a.tenant = g.absence->tenant;
  a.rule = spec.name;
  a.route_key = key;
  a.fingerprint = core::fingerprint(a.labels);
  a.starts_at = at;
  a.received_at = at;
  events.push_back(core::AlertEvent{core::AlertChange::firing, a, at});
  g.absence->synthetic = std::move(a);
  g.firing = true;
  ++absent_fired_total_;
}

void CountingStage::resolve(Group& g, core::TimePoint now, std::vector<core::AlertEvent>& events) {
  core::Alert a = std::move(g.absence->synthetic);
  g.absence->synthetic = core::Alert{};
  a.status = core::AlertStatus::resolved;
  a.ends_at = now;
  events.push_back(core::AlertEvent{core::AlertChange::resolved, std::move(a), now});
  g.firing = false;
}

core::TimePoint CountingStage::due_time(const Group& g) const {
  const RuleSpec& spec = rules_->specs()[g.rule];
  if (spec.absent_for && g.firing) return kNever;  // waits for the next heartbeat
  return g.last + window_of(spec);
}

void CountingStage::schedule(uint64_t key, Group& g, core::TimePoint at) {
  index_.schedule(key, g.scheduled, at);
}

void CountingStage::tick(core::TimePoint now, std::vector<core::AlertEvent>& events) {
  last_tick_examined_ = 0;
  // Due means strictly before now: an arrival at t is in its window up to
  // and including t + window.
  while (auto due_item = index_.pop_due(now)) {
    const auto& item = *due_item;
    ++last_tick_examined_;
    auto it = groups_.find(item.key);
    if (it == groups_.end() || it->second.scheduled != item.at) continue;  // stale item
    Group& g = it->second;
    g.scheduled = kNever;
    core::TimePoint due = due_time(g);
    if (due != item.at) {
      // Renewed since queued: re-queue at the real time, so that timers fire
      // in time order even within one tick.
      if (due != kNever) schedule(item.key, g, due);
      continue;
    }
    if (g.absence) {
      fire(item.key, g, due, events);
    } else {
      groups_.erase(it);
      ++groups_evicted_total_;
    }
  }
  // Stale items pile up only when groups are dropped by a reload.
  index_.maybe_compact(groups_);
}

}  // namespace alertd::rules
