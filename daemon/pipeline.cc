#include "daemon/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "correlator/correlator.h"
#include "daemon/bounded_queue.h"
#include "daemon/update_merger.h"
#include "rules/shard_stage.h"

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
}  // namespace

struct Pipeline::Shared {
  Shared(const DaemonConfig& c, Metrics& m, sinks::IncidentStore& s, core::Clock& clk)
      : config(c),
        metrics(m),
        store(s),
        clock(clk),
        events(kEventQueueCapacity),
        updates(kUpdateQueueCapacity) {
    for (size_t i = 0; i < config.pipeline.shards; ++i) {
      shards.push_back(std::make_unique<BoundedQueue<core::Alert>>(config.pipeline.queue_capacity));
    }
    shard_active = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
  }

  const DaemonConfig& config;
  Metrics& metrics;
  sinks::IncidentStore& store;
  core::Clock& clock;
  std::vector<std::unique_ptr<BoundedQueue<core::Alert>>> shards;
  std::unique_ptr<std::atomic<size_t>[]> shard_active;  // firing alerts per shard, for the gauge
  BoundedQueue<core::AlertEvent> events;                // shards -> correlator
  BoundedQueue<core::IncidentUpdate> updates;           // correlator -> sink
  std::atomic<bool> accepting{true};
  // Each stage stops once the stage before it has stopped and its queue is empty.
  std::atomic<bool> shards_stop{false};
  std::atomic<bool> correlator_stop{false};
  std::atomic<bool> sink_stop{false};
};

Pipeline::Pipeline(const DaemonConfig& config, Metrics& metrics, sinks::IncidentStore& store,
                   core::Clock& clock)
    : shared_(std::make_unique<Shared>(config, metrics, store, clock)) {
  Shared* s = shared_.get();
  metrics.registry.on_collect([s] {
    size_t shard_depth = 0, active = 0;
    for (size_t i = 0; i < s->shards.size(); ++i) {
      shard_depth += s->shards[i]->depth();
      active += s->shard_active[i].load(std::memory_order_relaxed);
    }
    s->metrics.queue_depth.with({"shard"}).set(static_cast<double>(shard_depth));
    s->metrics.queue_depth.with({"correlator"}).set(static_cast<double>(s->events.depth()));
    s->metrics.queue_depth.with({"store"}).set(static_cast<double>(s->updates.depth()));
    s->metrics.active_alerts.set(static_cast<double>(active));
  });
}

Pipeline::~Pipeline() {
  stop_and_drain();
}

void Pipeline::start(core::ActiveState&& restored) {
  for (size_t i = 0; i < shared_->shards.size(); ++i) {
    shard_threads_.emplace_back([this, i] { run_shard(i); });
  }
  correlator_thread_ =
      std::thread([this, r = std::move(restored)]() mutable { run_correlator(std::move(r)); });
  sink_thread_ = std::thread([this] { run_sink(); });
}

Pipeline::Offer Pipeline::offer(std::vector<core::Alert>& alerts) {
  if (!shared_->accepting.load(std::memory_order_acquire)) return Offer::stopping;
  if (alerts.empty()) return Offer::accepted;
  const size_t n_shards = shared_->shards.size();
  // Route by fingerprint so that one alert's whole history meets one shard.
  thread_local std::vector<std::vector<core::Alert>> by_shard;
  by_shard.resize(n_shards);
  for (auto& a : alerts) by_shard[a.fingerprint % n_shards].push_back(std::move(a));
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
  return Offer::accepted;
}

void Pipeline::run_shard(size_t index) {
  auto& queue = *shared_->shards[index];
  rules::ShardStage stage(shared_->config.dedup);
  std::vector<core::Alert> batch(kShardBatch);
  std::vector<core::AlertEvent> events;
  uint64_t dedup_seen = 0;
  auto next_tick = shared_->clock.now() + kTickEvery;
  while (true) {
    bool stopping = shared_->shards_stop.load(std::memory_order_acquire);
    size_t n = queue.pop(batch.data(), batch.size(), kPollWait);
    for (size_t i = 0; i < n; ++i) {
      auto at = batch[i].received_at;
      stage.process(std::move(batch[i]), at, events);
    }
    auto now = shared_->clock.now();
    if (now >= next_tick) {
      stage.tick(now, events);
      next_tick = now + kTickEvery;
    }
    shared_->events.push_wait(events);
    uint64_t dedup = stage.deduplicated_total();
    if (dedup != dedup_seen) {
      shared_->metrics.deduplicated.inc(dedup - dedup_seen);
      dedup_seen = dedup;
    }
    shared_->shard_active[index].store(stage.active_alerts(), std::memory_order_relaxed);
    if (n == 0 && stopping && queue.depth() == 0) break;
  }
}

void Pipeline::run_correlator(core::ActiveState restored) {
  correlator::Correlator correlator(shared_->config.correlation);
  correlator.restore(std::move(restored));
  shared_->metrics.incidents_open.set(static_cast<double>(correlator.active_incidents()));
  std::vector<core::AlertEvent> batch(kCorrelatorBatch);
  std::vector<core::IncidentUpdate> updates;
  uint64_t created_seen = correlator.incidents_created_total();
  uint64_t orphans_seen = correlator.orphan_resolves_total();
  while (true) {
    bool stopping = shared_->correlator_stop.load(std::memory_order_acquire);
    size_t n = shared_->events.pop(batch.data(), batch.size(), kPollWait);
    for (size_t i = 0; i < n; ++i) correlator.apply(std::move(batch[i]), updates);
    shared_->updates.push_wait(updates);
    if (n > 0) {
      auto& m = shared_->metrics;
      m.incidents_open.set(static_cast<double>(correlator.active_incidents()));
      m.incidents_created.inc(correlator.incidents_created_total() - created_seen);
      created_seen = correlator.incidents_created_total();
      m.orphan_resolves.inc(correlator.orphan_resolves_total() - orphans_seen);
      orphans_seen = correlator.orphan_resolves_total();
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
    if (n == 0) {
      if (stopping && shared_->updates.depth() == 0) break;
      continue;
    }
    for (size_t i = 0; i < n; ++i) merger.add(std::move(batch[i]));
    auto writes = merger.take();
    commit(writes);
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
      spdlog::error("store refused the update of {}; dropped: {}",
                    writes.empty() ? "" : writes.front().incident.id, status.error().message);
      return;
    }
    spdlog::error("store write of {} incident updates failed, retrying in {} ms: {}", writes.size(),
                  backoff.count(), status.error().message);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
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
