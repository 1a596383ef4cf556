#include "daemon/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "correlator/correlator.h"
#include "daemon/bounded_queue.h"
#include "daemon/messages.h"
#include "daemon/published.h"
#include "daemon/store_writer.h"
#include "rules/counting_stage.h"
#include "rules/dedup_stage.h"

namespace alertd::daemon {

namespace {
constexpr size_t kShardBatch = 1024;
constexpr size_t kCorrelatorBatch = 4096;
constexpr size_t kControlBatch = 256;
constexpr auto kPollWait = std::chrono::milliseconds(20);
constexpr auto kTickEvery = std::chrono::seconds(1);
// Downstream queues hold what the stage before them emits; state changes are
// far fewer than alerts after dedup, so a fixed generous bound is enough.
constexpr size_t kEventQueueCapacity = 1 << 18;
constexpr size_t kUpdateQueueCapacity = 1 << 17;
// Commands and silence changes come from people: a few per second at most.
constexpr size_t kControlQueueCapacity = 4096;
// Mirrors a stage's running total into a counter, adding what is new.
class CounterSync {
 public:
  explicit CounterSync(telemetry::Counter& counter) : counter_(counter) {}
  void sync(uint64_t total) {
    if (total > seen_) counter_.inc(total - seen_);
    seen_ = total;
  }
  void skip(uint64_t total) { seen_ = total; }  // totals restored, not newly counted

 private:
  telemetry::Counter& counter_;
  uint64_t seen_ = 0;
};

// The correlator's totals and gauges, mirrored once per batch that changed something.
class CorrelatorMetrics {
 public:
  CorrelatorMetrics(telemetry::Metrics& m, const correlator::Correlator& c)
      : m_(m),
        c_(c),
        created_(m.incidents_created),
        orphans_(m.orphan_resolves),
        reopened_(m.incidents_reopened),
        topology_(m.topology_joins) {
    created_.skip(c.incidents_created_total());
    orphans_.skip(c.orphan_resolves_total());
  }
  void sync() {
    created_.sync(c_.incidents_created_total());
    orphans_.sync(c_.orphan_resolves_total());
    const auto& c = c_.counters();
    m_.suppressed_alerts.with({"inhibit"}).set(static_cast<double>(c.inhibited_members));
    m_.suppressed_alerts.with({"silence"}).set(static_cast<double>(c.silenced_members));
    m_.suppressed_alerts.with({"maintenance"}).set(static_cast<double>(c.maintenance_members));
    m_.flapping_alerts.set(static_cast<double>(c.flapping_members));
    m_.settle_held_alerts.set(static_cast<double>(c.held_alerts));
    reopened_.sync(c.reopened_total);
    topology_.sync(c.topology_joins_total);
  }

 private:
  telemetry::Metrics& m_;
  const correlator::Correlator& c_;
  CounterSync created_, orphans_, reopened_, topology_;
};

void move_updates(std::vector<core::IncidentUpdate>& updates, std::vector<WriterItem>& out) {
  for (auto& u : updates) out.emplace_back(std::move(u));
  updates.clear();
}

// One control message, on the correlator thread.
void handle(correlator::Correlator& correlator, ControlMessage&& message, core::TimePoint now,
            std::vector<core::IncidentUpdate>& updates, std::vector<WriterItem>& out) {
  if (auto* changed = std::get_if<SilencesChanged>(&message)) {
    return correlator.set_silences(std::move(changed->silences), now, updates);
  }
  if (auto* adoption = std::get_if<Adoption>(&message)) {
    return correlator.restore(std::move(adoption->state));
  }
  auto& cmd = std::get<core::LifecycleCommand>(message);
  cmd.at = now;
  auto outcome = correlator.command(cmd, updates);
  switch (outcome.kind) {
    case correlator::CommandOutcome::Kind::answered:
      return deliver(cmd.reply, std::move(outcome.result));
    case correlator::CommandOutcome::Kind::pending:
      // Set before the update is queued: the writer reads it after the commit.
      if (cmd.reply) cmd.reply->committed = outcome.result.verdict;
      return;
    case correlator::CommandOutcome::Kind::not_held:
      // In queue order behind every update already emitted, so the writer
      // sees the incident as last committed.
      move_updates(updates, out);
      out.emplace_back(DeferredCommand{std::move(cmd)});
      return;
  }
}

}  // namespace

struct Pipeline::Shared {
  Shared(const config::DaemonConfig& c, std::shared_ptr<const config::Settings> r,
         telemetry::Metrics& m, sinks::Store& s, core::Clock& clk)
      : config(c),
        settings(std::move(r)),
        metrics(m),
        clock(clk),
        events(kEventQueueCapacity),
        control(kControlQueueCapacity),
        writes(kUpdateQueueCapacity),
        writer(c, settings, m, s, clk, control) {
    for (size_t i = 0; i < config.pipeline.shards; ++i) {
      shards.push_back(std::make_unique<BoundedQueue<core::Alert>>(config.pipeline.queue_capacity));
    }
    shard_active = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
    shard_groups = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
  }

  const config::DaemonConfig& config;
  Published<config::Settings> settings;  // each thread reads it through its own Reader
  telemetry::Metrics& metrics;
  core::Clock& clock;
  std::vector<std::unique_ptr<BoundedQueue<core::Alert>>> shards;
  std::unique_ptr<std::atomic<size_t>[]> shard_active;  // firing alerts per shard, for the gauge
  std::unique_ptr<std::atomic<size_t>[]> shard_groups;  // counting-rule groups per shard
  BoundedQueue<core::AlertEvent> events;                // shards -> correlator
  BoundedQueue<ControlMessage> control;                 // API and writer -> correlator
  BoundedQueue<WriterItem> writes;                      // correlator and API -> writer
  std::atomic<bool> accepting{true};
  // Each stage stops once the stage before it has stopped and its queue is empty.
  std::atomic<bool> shards_stop{false};
  std::atomic<bool> correlator_stop{false};
  std::atomic<bool> writer_stop{false};
  StoreWriter writer;  // run by the writer thread; trouble() from any
};

Pipeline::Pipeline(const config::DaemonConfig& config,
                   std::shared_ptr<const config::Settings> settings, telemetry::Metrics& metrics,
                   sinks::Store& store, core::Clock& clock)
    : shared_(std::make_unique<Shared>(config, std::move(settings), metrics, store, clock)) {
  Shared* s = shared_.get();
  metrics.registry.on_collect([s] {
    size_t shard_depth = 0, active = 0, groups = 0;
    for (size_t i = 0; i < s->shards.size(); ++i) {
      shard_depth += s->shards[i]->depth();
      active += s->shard_active[i].load(std::memory_order_relaxed);
      groups += s->shard_groups[i].load(std::memory_order_relaxed);
    }
    s->metrics.rule_groups.set(static_cast<double>(groups));
    s->metrics.rules_loaded.set(static_cast<double>(s->settings.load()->rules->size()));
    s->metrics.queue_depth.with({"shard"}).set(static_cast<double>(shard_depth));
    s->metrics.queue_depth.with({"correlator"}).set(static_cast<double>(s->events.depth()));
    s->metrics.queue_depth.with({"store"}).set(static_cast<double>(s->writes.depth()));
    s->metrics.active_alerts.set(static_cast<double>(active));
  });
}

Pipeline::~Pipeline() {
  stop_and_drain();
}

void Pipeline::start(core::ActiveState&& restored, std::vector<core::Silence> silences) {
  shared_->metrics.lifecycle.restore(restored.incidents);
  for (size_t i = 0; i < shared_->shards.size(); ++i) {
    shard_threads_.emplace_back([this, i] { run_shard(i); });
  }
  correlator_thread_ =
      std::thread([this, r = std::move(restored), s = std::move(silences)]() mutable {
        run_correlator(std::move(r), std::move(s));
      });
  writer_thread_ = std::thread([s = shared_.get()] { s->writer.run(s->writes, s->writer_stop); });
}

void Pipeline::reload(std::shared_ptr<const config::Settings> settings) {
  shared_->settings.publish(std::move(settings));
}

std::shared_ptr<const config::Settings> Pipeline::settings() const {
  return shared_->settings.load();
}

void Pipeline::set_silences(std::vector<core::Silence> silences) {
  shared_->control.push_over_bound(SilencesChanged{std::move(silences)});
}

bool Pipeline::submit_command(core::LifecycleCommand cmd) {
  if (!shared_->accepting.load(std::memory_order_acquire)) return false;
  return shared_->control.try_push(std::move(cmd));
}

bool Pipeline::submit_to_writer(std::function<void()> job) {
  if (!shared_->accepting.load(std::memory_order_acquire)) return false;
  return shared_->writes.try_push(WriterJob{std::move(job)});
}

std::optional<std::string> Pipeline::store_trouble() const {
  return shared_->writer.trouble();
}

Pipeline::Offer Pipeline::offer(std::vector<core::Alert>& alerts) {
  if (!shared_->accepting.load(std::memory_order_acquire)) return Offer::stopping;
  if (alerts.empty()) return Offer::accepted;
  const size_t n_shards = shared_->shards.size();
  // Each receiving thread keeps its own view of the settings.
  thread_local Published<config::Settings>::Reader view;
  const auto& settings = view.get(shared_->settings);
  // Route by fingerprint so that one alert's whole history meets one shard;
  // alerts a counting rule gates go by (rule, group), so one shard sees the group.
  thread_local std::vector<std::vector<core::Alert>> by_shard;
  by_shard.resize(n_shards);
  size_t dropped = 0;
  for (auto& a : alerts) {
    if (!settings.rules->apply(a)) {
      ++dropped;
      continue;
    }
    uint64_t route = a.route_key != 0 ? a.route_key : a.fingerprint;
    by_shard[route % n_shards].push_back(std::move(a));
  }
  alerts.clear();
  size_t reserved = 0;
  for (; reserved < n_shards; ++reserved) {
    if (!shared_->shards[reserved]->try_reserve(by_shard[reserved].size())) break;
  }
  if (reserved < n_shards) {
    for (size_t i = 0; i < reserved; ++i) shared_->shards[i]->release(by_shard[i].size());
    for (auto& v : by_shard) {  // give the alerts back untouched
      std::move(v.begin(), v.end(), std::back_inserter(alerts));
      v.clear();
    }
    return Offer::queue_full;
  }
  for (size_t i = 0; i < n_shards; ++i) {
    shared_->shards[i]->push_reserved(by_shard[i].begin(), by_shard[i].size());
    by_shard[i].clear();
  }
  if (dropped > 0) shared_->metrics.dropped_by_rules.inc(dropped);
  return Offer::accepted;
}

void Pipeline::run_shard(size_t index) {
  auto& queue = *shared_->shards[index];
  auto& m = shared_->metrics;
  rules::DedupStage stage(shared_->config.dedup);
  rules::CountingStage counting(index, shared_->shards.size());
  std::vector<core::Alert> batch(kShardBatch);
  std::vector<core::Alert> passed;
  std::vector<core::AlertEvent> events;
  CounterSync dedup(m.deduplicated), held(m.rule_held), released(m.rule_released),
      absent(m.absence_fired);
  uint64_t rules_version = 0;
  Published<config::Settings>::Reader view;
  auto next_tick = shared_->clock.now() + kTickEvery;
  while (true) {
    bool stopping = shared_->shards_stop.load(std::memory_order_acquire);
    size_t n = queue.pop(batch.data(), batch.size(), kPollWait);
    // After the pop: alerts offered after a reload meet the new rules.
    if (const auto& settings = view.get(shared_->settings); settings.version != rules_version) {
      counting.set_rules(settings.rules, shared_->clock.now(), events);
      rules_version = settings.version;
    }
    for (size_t i = 0; i < n; ++i) {
      auto at = batch[i].received_at;
      counting.process(std::move(batch[i]), at, passed, events);
      for (auto& a : passed) stage.process(std::move(a), at, events);
      passed.clear();
    }
    auto now = shared_->clock.now();
    if (now >= next_tick) {
      counting.tick(now, events);
      stage.tick(now, events);
      next_tick = now + kTickEvery;
    }
    shared_->events.push_wait(events);
    dedup.sync(stage.deduplicated_total());
    held.sync(counting.held_total());
    released.sync(counting.released_total());
    absent.sync(counting.absent_fired_total());
    shared_->shard_active[index].store(stage.active_alerts(), std::memory_order_relaxed);
    shared_->shard_groups[index].store(counting.groups(), std::memory_order_relaxed);
    if (n == 0 && stopping && queue.depth() == 0) break;
  }
}

void Pipeline::run_correlator(core::ActiveState restored, std::vector<core::Silence> silences) {
  Published<config::Settings>::Reader view(shared_->settings);
  uint64_t settings_version = view.get(shared_->settings).version;
  correlator::Correlator correlator(view.get(shared_->settings).correlation);
  correlator.restore(std::move(restored));
  std::vector<core::AlertEvent> batch(kCorrelatorBatch);
  std::vector<ControlMessage> control(kControlBatch);
  std::vector<core::IncidentUpdate> updates;
  std::vector<WriterItem> out;
  auto now = shared_->clock.now();
  correlator.start(now);
  correlator.set_silences(std::move(silences), now, updates);
  CorrelatorMetrics metrics(shared_->metrics, correlator);
  auto next_tick = now + kTickEvery;
  while (true) {
    bool stopping = shared_->correlator_stop.load(std::memory_order_acquire);
    size_t n = shared_->events.pop(batch.data(), batch.size(), kPollWait);
    // After the pop, so that an alert received after a silence was created
    // (or the rules reloaded) always meets it.
    now = shared_->clock.now();
    if (const auto& settings = view.get(shared_->settings); settings.version != settings_version) {
      settings_version = settings.version;
      correlator.reconfigure(settings.correlation, now, updates);
    }
    size_t c = shared_->control.pop(control.data(), control.size(), std::chrono::microseconds(0));
    for (size_t i = 0; i < c; ++i) handle(correlator, std::move(control[i]), now, updates, out);
    for (size_t i = 0; i < n; ++i) correlator.apply(std::move(batch[i]), updates);
    now = shared_->clock.now();
    if (now >= next_tick) {
      correlator.tick(now, updates);
      next_tick = now + kTickEvery;
    }
    bool changed = !updates.empty() || !out.empty();
    move_updates(updates, out);
    shared_->writes.push_wait(out);
    if (changed) metrics.sync();
    if (n == 0 && c == 0 && stopping && shared_->events.depth() == 0 &&
        shared_->control.depth() == 0) {
      break;
    }
  }
}

void Pipeline::stop_and_drain() {
  shared_->accepting.store(false, std::memory_order_release);
  shared_->shards_stop.store(true, std::memory_order_release);
  for (auto& t : shard_threads_) t.join();
  shard_threads_.clear();
  shared_->correlator_stop.store(true, std::memory_order_release);
  if (correlator_thread_.joinable()) correlator_thread_.join();
  shared_->writer_stop.store(true, std::memory_order_release);
  if (writer_thread_.joinable()) writer_thread_.join();
}

size_t Pipeline::shard_queue_depth() const {
  size_t depth = 0;
  for (const auto& q : shared_->shards) depth += q->depth();
  return depth;
}

}  // namespace alertd::daemon
