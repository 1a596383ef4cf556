#include "daemon/commands/serial_engine.h"

namespace alertd::daemon {

namespace {

constexpr auto kTickEvery = std::chrono::seconds(1);

rules::ShardConfig serial_shard_config(rules::ShardConfig c, const SerialEngineOptions& o) {
  if (o.exact_last_seen) c.touch_interval = core::Duration{0};
  return c;
}

}  // namespace

SerialEngine::SerialEngine(const config::DaemonConfig& config,
                           std::shared_ptr<const config::Settings> settings,
                           SerialEngineOptions options)
    : settings_(std::move(settings)),
      counting_(0, 1),
      shard_(serial_shard_config(config.dedup, options)),
      correlator_([&] {
        auto c = settings_->correlation;
        c.emit_touches = !options.exact_last_seen;
        c.lifecycle.sla_clock = false;  // nobody acknowledges in a replay: no escalations
        return c;
      }()) {}

void SerialEngine::start(core::TimePoint at) {
  clock_ = at;
  next_tick_ = at + kTickEvery;
  counting_.set_rules(settings_->rules, at, events_);
  correlator_.start(at);
  started_ = true;
  drain();
}

void SerialEngine::advance_to(core::TimePoint at) {
  if (!started_) start(at);
  while (next_tick_ <= at) {
    clock_ = next_tick_;
    counting_.tick(clock_, events_);
    shard_.tick(clock_, events_);
    drain();
    correlator_.tick(clock_, updates_);
    drain();
    next_tick_ += kTickEvery;
  }
  if (at > clock_) clock_ = at;
}

void SerialEngine::process(core::Alert&& alert) {
  if (alert.received_at == core::kNoTime) alert.received_at = clock_;
  advance_to(alert.received_at);
  if (!settings_->rules->apply(alert)) return;  // dropped by a rule
  counting_.process(std::move(alert), clock_, passed_, events_);
  for (auto& a : passed_) shard_.process(std::move(a), clock_, events_);
  passed_.clear();
  drain();
}

void SerialEngine::set_silences(std::vector<core::Silence> silences) {
  correlator_.set_silences(std::move(silences), clock_, updates_);
  drain();
}

const UpdateMerger& SerialEngine::incidents() {
  drain();
  // Touches so far live only in the correlator's memory.
  correlator_.snapshot_active(updates_);
  drain();
  return book_;
}

void SerialEngine::drain() {
  for (auto& e : events_) correlator_.apply(std::move(e), updates_);
  events_.clear();
  for (auto& u : updates_) book_.add(std::move(u));
  updates_.clear();
}

}  // namespace alertd::daemon
