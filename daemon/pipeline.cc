#include "daemon/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "correlator/correlator.h"
#include "correlator/lifecycle/lifecycle.h"
#include "daemon/bounded_queue.h"
#include "daemon/store_upkeep.h"
#include "daemon/update_merger.h"
#include "rules/counting_stage.h"
#include "rules/dedup_stage.h"

namespace alertd::daemon {

namespace {
constexpr size_t kShardBatch = 1024;
constexpr size_t kCorrelatorBatch = 4096;
constexpr auto kPollWait = std::chrono::milliseconds(20);
constexpr auto kTickEvery = std::chrono::seconds(1);
// Downstream queues hold what the stage before them emits; state changes are
// far fewer than alerts after dedup, so a fixed generous bound is enough.
constexpr size_t kEventQueueCapacity = 1 << 18;
constexpr size_t kUpdateQueueCapacity = 1 << 17;
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

}  // namespace

struct Pipeline::Shared {
  Shared(const config::DaemonConfig& c, std::shared_ptr<const config::Settings> r,
         telemetry::Metrics& m, sinks::Store& s, core::Clock& clk)
      : config(c),
        rules(std::move(r)),
        metrics(m),
        store(s),
        clock(clk),
        events(kEventQueueCapacity),
        updates(kUpdateQueueCapacity),
        upkeep(s, m) {
    for (size_t i = 0; i < config.pipeline.shards; ++i) {
      shards.push_back(std::make_unique<BoundedQueue<core::Alert>>(config.pipeline.queue_capacity));
    }
    shard_active = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
    shard_groups = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
  }

  const config::DaemonConfig& config;
  // The current rules; readers load it once per batch (reload swaps it).
  std::atomic<std::shared_ptr<const config::Settings>> rules;
  // Silences for the correlator, handed over under the mutex; the flag
  // spares the correlator the lock when nothing changed.
  std::mutex silences_mutex;
  std::optional<std::vector<core::Silence>> new_silences;
  std::atomic<bool> silences_changed{false};
  // Lifecycle commands for the correlator, and the callers waiting for
  // their answers (by command id).
  std::mutex commands_mutex;
  std::vector<core::LifecycleCommand> new_commands;
  std::atomic<bool> commands_waiting{false};
  std::mutex answers_mutex;
  struct Waiter {
    std::promise<core::LifecycleResult> promise;
    int committed_status = 200;  // the answer's status once committed: 201 for create
  };
  absl::flat_hash_map<uint64_t, Waiter> waiters;
  uint64_t next_command_id = 0;  // under answers_mutex
  // Reopened incidents the writer hands back to the correlator.
  std::mutex adopt_mutex;
  std::vector<core::ActiveState> adoptions;
  std::atomic<bool> adoptions_waiting{false};
  telemetry::Metrics& metrics;
  sinks::Store& store;
  core::Clock& clock;
  std::vector<std::unique_ptr<BoundedQueue<core::Alert>>> shards;
  std::unique_ptr<std::atomic<size_t>[]> shard_active;  // firing alerts per shard, for the gauge
  std::unique_ptr<std::atomic<size_t>[]> shard_groups;  // counting-rule groups per shard
  BoundedQueue<core::AlertEvent> events;                // shards -> correlator
  BoundedQueue<core::IncidentUpdate> updates;           // correlator -> sink
  std::atomic<bool> accepting{true};
  // Each stage stops once the stage before it has stopped and its queue is empty.
  std::atomic<bool> shards_stop{false};
  std::atomic<bool> correlator_stop{false};
  std::atomic<bool> sink_stop{false};
  StoreUpkeep upkeep;  // the sink thread's only
};

Pipeline::Pipeline(const config::DaemonConfig& config,
                   std::shared_ptr<const config::Settings> rules, telemetry::Metrics& metrics,
                   sinks::Store& store, core::Clock& clock)
    : shared_(std::make_unique<Shared>(config, std::move(rules), metrics, store, clock)) {
  Shared* s = shared_.get();
  metrics.registry.on_collect([s] {
    size_t shard_depth = 0, active = 0, groups = 0;
    for (size_t i = 0; i < s->shards.size(); ++i) {
      shard_depth += s->shards[i]->depth();
      active += s->shard_active[i].load(std::memory_order_relaxed);
      groups += s->shard_groups[i].load(std::memory_order_relaxed);
    }
    s->metrics.rule_groups.set(static_cast<double>(groups));
    s->metrics.rules_loaded.set(static_cast<double>(s->rules.load()->rules->size()));
    s->metrics.queue_depth.with({"shard"}).set(static_cast<double>(shard_depth));
    s->metrics.queue_depth.with({"correlator"}).set(static_cast<double>(s->events.depth()));
    s->metrics.queue_depth.with({"store"}).set(static_cast<double>(s->updates.depth()));
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
  sink_thread_ = std::thread([this] { run_sink(); });
}

void Pipeline::reload(std::shared_ptr<const config::Settings> rules) {
  shared_->rules.store(std::move(rules), std::memory_order_release);
}

std::shared_ptr<const config::Settings> Pipeline::settings() const {
  return shared_->rules.load(std::memory_order_acquire);
}

void Pipeline::set_silences(std::vector<core::Silence> silences) {
  std::lock_guard lock(shared_->silences_mutex);
  shared_->new_silences = std::move(silences);
  shared_->silences_changed.store(true, std::memory_order_release);
}

core::LifecycleResult Pipeline::run_command(core::LifecycleCommand cmd, core::Duration timeout) {
  std::future<core::LifecycleResult> answer;
  uint64_t id = 0;
  {
    std::lock_guard lock(shared_->answers_mutex);
    id = ++shared_->next_command_id;
    auto& waiter = shared_->waiters[id];
    answer = waiter.promise.get_future();
  }
  cmd.id = id;
  {
    std::lock_guard lock(shared_->commands_mutex);
    shared_->new_commands.push_back(std::move(cmd));
    shared_->commands_waiting.store(true, std::memory_order_release);
  }
  if (answer.wait_for(timeout) == std::future_status::ready) return answer.get();
  {
    std::lock_guard lock(shared_->answers_mutex);
    shared_->waiters.erase(id);  // a late answer finds nobody waiting
  }
  core::LifecycleResult late;
  late.status = 503;
  late.error = "store_unavailable";
  late.detail = "no answer from the incident store in time; the command may still be applied";
  return late;
}

void Pipeline::answer(uint64_t command_id, core::LifecycleResult result) {
  std::lock_guard lock(shared_->answers_mutex);
  auto it = shared_->waiters.find(command_id);
  if (it == shared_->waiters.end()) return;
  if (result.status == 200) result.status = it->second.committed_status;
  it->second.promise.set_value(std::move(result));
  shared_->waiters.erase(it);
}

Pipeline::Offer Pipeline::offer(std::vector<core::Alert>& alerts) {
  if (!shared_->accepting.load(std::memory_order_acquire)) return Offer::stopping;
  if (alerts.empty()) return Offer::accepted;
  const size_t n_shards = shared_->shards.size();
  auto settings = shared_->rules.load(std::memory_order_acquire);
  // Route by fingerprint so that one alert's whole history meets one shard;
  // alerts a counting rule gates go by (rule, group), so one shard sees the group.
  thread_local std::vector<std::vector<core::Alert>> by_shard;
  by_shard.resize(n_shards);
  size_t dropped = 0;
  for (auto& a : alerts) {
    if (!settings->rules->apply(a)) {
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
  auto next_tick = shared_->clock.now() + kTickEvery;
  while (true) {
    bool stopping = shared_->shards_stop.load(std::memory_order_acquire);
    size_t n = queue.pop(batch.data(), batch.size(), kPollWait);
    // After the pop: alerts offered after a reload meet the new rules.
    if (auto settings = shared_->rules.load(std::memory_order_acquire);
        settings->version != rules_version) {
      counting.set_rules(settings->rules, shared_->clock.now(), events);
      rules_version = settings->version;
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
  auto& m = shared_->metrics;
  auto settings = shared_->rules.load(std::memory_order_acquire);
  correlator::Correlator correlator(settings->correlation);
  correlator.restore(std::move(restored));
  std::vector<core::AlertEvent> batch(kCorrelatorBatch);
  std::vector<core::IncidentUpdate> updates;
  auto now = shared_->clock.now();
  correlator.start(now);
  correlator.set_silences(std::move(silences), now, updates);
  CounterSync created(m.incidents_created), orphans(m.orphan_resolves),
      reopened(m.incidents_reopened), topology(m.topology_joins);
  created.skip(correlator.incidents_created_total());
  orphans.skip(correlator.orphan_resolves_total());
  auto next_tick = now + kTickEvery;
  while (true) {
    bool stopping = shared_->correlator_stop.load(std::memory_order_acquire);
    size_t n = shared_->events.pop(batch.data(), batch.size(), kPollWait);
    // After the pop, so that an alert received after a silence was created
    // (or the rules reloaded) always meets it.
    now = shared_->clock.now();
    if (auto latest = shared_->rules.load(std::memory_order_acquire);
        latest->version != settings->version) {
      settings = std::move(latest);
      correlator.reconfigure(settings->correlation, now, updates);
    }
    if (shared_->silences_changed.exchange(false, std::memory_order_acq_rel)) {
      std::optional<std::vector<core::Silence>> changed;
      {
        std::lock_guard lock(shared_->silences_mutex);
        changed.swap(shared_->new_silences);
      }
      if (changed) correlator.set_silences(std::move(*changed), now, updates);
    }
    if (shared_->adoptions_waiting.exchange(false, std::memory_order_acq_rel)) {
      std::vector<core::ActiveState> adopt;
      {
        std::lock_guard lock(shared_->adopt_mutex);
        adopt.swap(shared_->adoptions);
      }
      for (auto& state : adopt) correlator.restore(std::move(state));
    }
    if (shared_->commands_waiting.exchange(false, std::memory_order_acq_rel)) {
      std::vector<core::LifecycleCommand> commands;
      {
        std::lock_guard lock(shared_->commands_mutex);
        commands.swap(shared_->new_commands);
      }
      for (auto& cmd : commands) {
        cmd.at = now;
        auto outcome = correlator.command(cmd, updates);
        if (outcome.kind == correlator::CommandOutcome::Kind::answered) {
          answer(cmd.id, std::move(outcome.result));
        } else if (outcome.kind == correlator::CommandOutcome::Kind::pending) {
          std::lock_guard lock(shared_->answers_mutex);
          auto it = shared_->waiters.find(cmd.id);
          if (it != shared_->waiters.end()) it->second.committed_status = outcome.result.status;
        } else if (outcome.kind == correlator::CommandOutcome::Kind::not_held) {
          // In queue order behind every update already emitted, so the
          // writer sees the incident as last committed.
          core::IncidentUpdate deferred;
          deferred.deferred_command = std::make_shared<core::LifecycleCommand>(std::move(cmd));
          updates.push_back(std::move(deferred));
        }
      }
    }
    for (size_t i = 0; i < n; ++i) correlator.apply(std::move(batch[i]), updates);
    now = shared_->clock.now();
    if (now >= next_tick) {
      correlator.tick(now, updates);
      next_tick = now + kTickEvery;
    }
    bool changed = !updates.empty();
    shared_->updates.push_wait(updates);
    if (changed) {
      created.sync(correlator.incidents_created_total());
      orphans.sync(correlator.orphan_resolves_total());
      const auto& c = correlator.counters();
      m.suppressed_alerts.with({"inhibit"}).set(static_cast<double>(c.inhibited_members));
      m.suppressed_alerts.with({"silence"}).set(static_cast<double>(c.silenced_members));
      m.suppressed_alerts.with({"maintenance"}).set(static_cast<double>(c.maintenance_members));
      m.flapping_alerts.set(static_cast<double>(c.flapping_members));
      m.settle_held_alerts.set(static_cast<double>(c.held_alerts));
      reopened.sync(c.reopened_total);
      topology.sync(c.topology_joins_total);
    }
    if (n == 0 && stopping && shared_->events.depth() == 0) break;
  }
}

void Pipeline::run_sink() {
  const size_t batch_max = shared_->config.store.batch_max;
  std::vector<core::IncidentUpdate> batch(batch_max);
  UpdateMerger merger;
  while (true) {
    bool stopping = shared_->sink_stop.load(std::memory_order_acquire);
    size_t n = shared_->updates.pop(batch.data(), batch.size(), kPollWait);
    if (!stopping) {
      auto settings = shared_->rules.load(std::memory_order_acquire);
      shared_->upkeep.tick(settings->problems, settings->retention, shared_->clock.now());
    }
    if (n == 0) {
      if (stopping && shared_->updates.depth() == 0) break;
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (batch[i].deferred_command) {
        auto writes = merger.take();  // everything before it, first
        if (!writes.empty()) commit(writes);
        run_deferred(*batch[i].deferred_command);
        batch[i] = core::IncidentUpdate{};
        continue;
      }
      merger.add(std::move(batch[i]));
    }
    auto writes = merger.take();
    if (!writes.empty()) commit(writes);
  }
}

namespace {
// A constraint violation or invalid row fails the same way on every retry.
bool is_permanent(const core::Error& e) {
  return e.reason == "store_constraint" || e.reason == "store_invalid_input";
}
}  // namespace

void Pipeline::commit(std::vector<core::IncidentUpdate>& writes) {
  auto& m = shared_->metrics;
  auto backoff = std::chrono::milliseconds(50);
  // An outage (a PostgreSQL server restarting) fails every attempt: the
  // first failure is logged, then at most one line per kFailureLogEvery, and
  // the recovery once. The counter counts every failed attempt.
  constexpr auto kFailureLogEvery = std::chrono::seconds(30);
  int failures = 0;
  const auto first_failure = std::chrono::steady_clock::now();
  auto last_logged = first_failure;
  // Accepted means kept: a failed transaction is retried until it commits.
  while (true) {
    auto started = core::monotonic_nanos();
    auto status = shared_->store.apply(writes);
    auto committed = core::monotonic_nanos();
    if (status.ok()) {
      m.store_batches.inc();
      m.store_batch_seconds.observe(static_cast<double>(committed - started) / 1e9);
      for (const auto& w : writes) {
        if (w.received_mono_ns > 0) {
          m.processing_latency.observe(static_cast<double>(committed - w.received_mono_ns) / 1e9);
        }
        m.lifecycle.committed(w);
        if (!w.command_ids.empty()) answer_committed(w);
      }
      shared_->upkeep.committed(writes, shared_->rules.load(std::memory_order_acquire)->problems,
                                shared_->clock.now());
      if (failures > 0) {
        spdlog::info(
            "store write of {} incident updates committed after {} failed attempts "
            "over {} s",
            writes.size(), failures,
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                             first_failure)
                .count());
      }
      return;
    }
    m.store_write_errors.inc();
    if (is_permanent(status.error())) {
      // Only a bug can produce such a row. Write the batch one update at a
      // time so that one bad row cannot block every other incident; the bad
      // one is dropped, logged and counted.
      if (writes.size() > 1) {
        for (auto& w : writes) {
          std::vector<core::IncidentUpdate> one;
          one.push_back(std::move(w));
          commit(one);
        }
        return;
      }
      m.store_updates_dropped.inc();
      for (const auto& w : writes) {  // at most one update here: see above
        for (auto id : w.command_ids) {
          core::LifecycleResult r;
          r.status = 500;
          r.error = "store_refused";
          r.detail = status.error().message;
          answer(id, std::move(r));
        }
      }
      spdlog::error("store refused the update of {}; dropped: {}",
                    writes.empty() ? "" : writes.front().incident.id, status.error().message);
      return;
    }
    ++failures;
    const auto now = std::chrono::steady_clock::now();
    if (failures == 1 || now - last_logged >= kFailureLogEvery) {
      last_logged = now;
      spdlog::error(
          "store write of {} incident updates failed ({} attempts so far), retrying "
          "with backoff up to 5 s: {}",
          writes.size(), failures, status.error().message);
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

// The callers of a committed update's commands get the incident as the
// store now reads it: with what only the store holds (the problem link).
void Pipeline::answer_committed(const core::IncidentUpdate& update) {
  core::LifecycleResult r;
  r.incident = update.incident;
  if (auto stored = shared_->store.get(update.incident.id); stored.ok() && *stored) {
    r.incident = (*stored)->incident;
  }
  for (auto id : update.command_ids) answer(id, r);
}

// A command on an incident the correlator let go (resolved or closed): the
// same state machine, on the incident as stored.
void Pipeline::run_deferred(const core::LifecycleCommand& cmd) {
  auto refuse = [&](int status, std::string error, std::string detail) {
    core::LifecycleResult r;
    r.status = status;
    r.error = std::move(error);
    r.detail = std::move(detail);
    answer(cmd.id, std::move(r));
  };
  auto stored = shared_->store.get(cmd.incident_id);
  if (!stored) return refuse(503, "store_unavailable", stored.error().message);
  if (!*stored) {
    return refuse(404, "not_found", "no incident with id \"" + cmd.incident_id + "\"");
  }
  auto settings = shared_->rules.load(std::memory_order_acquire);
  core::IncidentUpdate update;
  update.incident = (*stored)->incident;
  auto result =
      correlator::apply_command(update.incident, cmd, settings->correlation.lifecycle,
                                settings->correlation.priority, update.audit, update.milestones);
  if (result.status >= 400) return answer(cmd.id, std::move(result));
  update.command_ids.push_back(cmd.id);
  const bool reopened = core::is_active(update.incident.status);
  std::vector<core::IncidentUpdate> writes;
  writes.push_back(update);
  commit(writes);
  if (reopened) {
    // Active again: the correlator takes it back, members and SLA clock included.
    core::ActiveState state;
    state.incidents.push_back(update.incident);
    for (auto& m : (*stored)->members) state.members.emplace_back(update.incident.id, std::move(m));
    std::lock_guard lock(shared_->adopt_mutex);
    shared_->adoptions.push_back(std::move(state));
    shared_->adoptions_waiting.store(true, std::memory_order_release);
  }
}

void Pipeline::stop_and_drain() {
  shared_->accepting.store(false, std::memory_order_release);
  shared_->shards_stop.store(true, std::memory_order_release);
  for (auto& t : shard_threads_) t.join();
  shard_threads_.clear();
  shared_->correlator_stop.store(true, std::memory_order_release);
  if (correlator_thread_.joinable()) correlator_thread_.join();
  shared_->sink_stop.store(true, std::memory_order_release);
  if (sink_thread_.joinable()) sink_thread_.join();
}

size_t Pipeline::shard_queue_depth() const {
  size_t depth = 0;
  for (const auto& q : shared_->shards) depth += q->depth();
  return depth;
}

}  // namespace alertd::daemon
