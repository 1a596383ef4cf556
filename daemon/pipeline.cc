#include "daemon/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <span>

#include "core/byte_codec.h"
#include "correlator/correlator.h"
#include "daemon/journal_batch.h"
#include "daemon/pipeline_shared.h"

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

// What the events of one push hold, for the events queue's byte bound.
size_t event_bytes(std::span<const core::AlertEvent> events) {
  size_t bytes = 0;
  for (const auto& e : events) bytes += alert_bytes(e.alert);
  return bytes;
}
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
    return correlator.adopt(std::move(adoption->state), adoption->replaces_seq);
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

Pipeline::Shared::Shared(const config::DaemonConfig& c, std::shared_ptr<const config::Settings> r,
                         telemetry::Metrics& m, sinks::Store& s, core::Clock& clk,
                         ingest::journal::Journal* j)
    : config(c),
      settings(std::move(r)),
      metrics(m),
      clock(clk),
      journal(j),
      // Bounded in bytes too: one alert may carry megabytes of annotations.
      events(kEventQueueCapacity, c.pipeline.queue_bytes),
      control(kControlQueueCapacity),
      writes(kUpdateQueueCapacity),
      checkpoints(c.pipeline.shards),
      notifier(settings, s, m.registry),
      dispatcher(
          dispatcher_options(c.notify), receivers_of(c.notify),
          [this](const sinks::notify::AttemptOutcome& o) { notifier.on_attempt(o); }, m.registry,
          clk),
      writer(c, settings, m, s, clk, control, notifier) {
  notifier.attach(&dispatcher);
  for (size_t i = 0; i < config.pipeline.shards; ++i) {
    // pipeline.queue_bytes shared by the shard queues (and again by the feed).
    shards.push_back(std::make_unique<BoundedQueue<core::Alert>>(
        config.pipeline.queue_capacity,
        std::max<size_t>(1, config.pipeline.queue_bytes / config.pipeline.shards)));
    stages.push_back(std::make_unique<ShardStages>(config.dedup, i, config.pipeline.shards));
  }
  shard_active = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
  shard_groups = std::make_unique<std::atomic<size_t>[]>(config.pipeline.shards);
  shard_rounds = std::make_unique<std::atomic<uint64_t>[]>(config.pipeline.shards);
}

Pipeline::Pipeline(const config::DaemonConfig& config,
                   std::shared_ptr<const config::Settings> settings, telemetry::Metrics& metrics,
                   sinks::Store& store, core::Clock& clock, ingest::journal::Journal* journal)
    : shared_(
          std::make_unique<Shared>(config, std::move(settings), metrics, store, clock, journal)) {
  Shared* s = shared_.get();
  publish_bounds(*s);
  metrics.registry.on_collect([s] {
    collect_queue_metrics(*s);
    if (s->journal != nullptr) collect_journal_metrics(*s);
  });
}

Pipeline::~Pipeline() {
  stop_and_drain();
}

void Pipeline::start(StartPoint&& from) {
  shared_->metrics.lifecycle.restore(from.restored.incidents);
  restore_shards(from);
  if (shared_->journal != nullptr) {
    uint64_t next = from.checkpoint ? from.checkpoint->lsn + 1 : 1;
    shared_->feed = std::make_unique<JournalFeed>(*shared_->journal,
                                                  shared_->config.pipeline.queue_bytes, next);
    shared_->replay_through = shared_->journal->durable_lsn();
    shared_->last_checkpoint_lsn = next - 1;
    shared_->replaying.store(next <= shared_->replay_through, std::memory_order_release);
    if (from.checkpoint) {
      shared_->last_checkpoint_ns.store(from.checkpoint->written_at.time_since_epoch().count());
    }
  }
  shared_->recovered.store(!shared_->replaying.load(), std::memory_order_release);
  for (size_t i = 0; i < shared_->shards.size(); ++i) {
    shard_threads_.emplace_back([this, i] { run_shard(i); });
  }
  correlator_thread_ =
      std::thread([this, f = std::move(from)]() mutable { run_correlator(std::move(f)); });
  writer_thread_ = std::thread([s = shared_.get()] { s->writer.run(s->writes, s->writer_stop); });
  if (shared_->journal != nullptr) feeder_thread_ = std::thread([this] { run_feeder(); });
}

// The shards' state as the checkpoint has it. Without one, or when the
// shard count changed, they start empty: the dedup state is then rebuilt by
// the alerts senders re-send, as after any restart before the journal.
void Pipeline::restore_shards(const StartPoint& from) {
  const auto& settings = *shared_->settings.load();
  const size_t n = shared_->stages.size();
  if (!from.checkpoint || from.checkpoint->shards.empty()) return;
  if (from.checkpoint->shards.size() != n) {
    spdlog::warn("checkpoint: written with {} shards, running {}: the shards start empty",
                 from.checkpoint->shards.size(), n);
    return;
  }
  std::vector<core::AlertEvent> events;
  const auto now = shared_->clock.now();
  for (size_t i = 0; i < n; ++i) {
    auto& st = *shared_->stages[i];
    core::ByteReader in(from.checkpoint->shards[i]);
    auto dedup = st.dedup.restore(in);
    auto counting = dedup.ok() ? st.counting.restore(in, settings.rules, now, events) : dedup;
    if (!counting.ok()) {
      spdlog::error("checkpoint: shard {} state unreadable, it starts empty: {}", i,
                    counting.error().message);
      shared_->metrics.journal.errors.with({"checkpoint_invalid"}).inc();
      shared_->stages[i] = std::make_unique<ShardStages>(shared_->config.dedup, i, n);
      continue;
    }
    st.rules_version = settings.version;
  }
  shared_->events.push_wait(events, nullptr, event_bytes(events));
}

bool Pipeline::wait_recovered(std::chrono::milliseconds wait) const {
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (!shared_->recovered.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
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

namespace {
api::Engine::Offer offer_of(ingest::journal::AppendError error) {
  using E = ingest::journal::AppendError;
  switch (error) {
    case E::none: return api::Engine::Offer::accepted;
    case E::full: return api::Engine::Offer::journal_full;
    case E::too_large: return api::Engine::Offer::too_large;
    case E::io: return api::Engine::Offer::journal_failed;
    case E::stopped: break;
  }
  return api::Engine::Offer::stopping;
}
}  // namespace

// limits.max_active_alerts: below it (the common case) one sum of the shards'
// counts decides. At it, a batch that would add a firing alert refuses
// whole; re-sends and resolves of active alerts still pass. The counts lag
// what is queued, so the limit holds to within the queues' capacity.
bool Pipeline::adds_beyond_active_limit(const std::vector<core::Alert>& alerts) const {
  const Shared& s = *shared_;
  const size_t n_shards = s.stages.size();
  size_t active = 0;
  for (size_t i = 0; i < n_shards; ++i) active += s.shard_active[i].load(std::memory_order_relaxed);
  if (active < s.config.pipeline.max_active_alerts) return false;
  for (const auto& a : alerts) {
    if (a.status != core::AlertStatus::firing) continue;
    const uint64_t route = a.route_key != 0 ? a.route_key : a.fingerprint;
    const auto& stages = *s.stages[route % n_shards];
    std::shared_lock lock(stages.mu);
    if (!stages.dedup.is_firing(a.tenant, a.fingerprint)) return true;
  }
  return false;
}

void Pipeline::offer(std::vector<core::Alert>& alerts, OfferDone done) {
  if (!shared_->accepting.load(std::memory_order_acquire)) {
    alerts.clear();
    return done(Offer::stopping);
  }
  // Each receiving thread keeps its own view of the settings.
  thread_local Published<config::Settings>::Reader view;
  const auto& settings = view.get(shared_->settings);
  size_t kept = 0;
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (!settings.rules->apply(alerts[i])) continue;
    if (kept != i) alerts[kept] = std::move(alerts[i]);  // never onto itself
    ++kept;
  }
  if (kept < alerts.size()) shared_->metrics.dropped_by_rules.inc(alerts.size() - kept);
  alerts.resize(kept);
  if (adds_beyond_active_limit(alerts)) {
    alerts.clear();
    return done(Offer::active_alert_limit);
  }
  if (shared_->journal == nullptr) {
    auto offer = route_to_shards(alerts);
    alerts.clear();
    return done(offer);
  }
  if (alerts.empty()) return done(Offer::accepted);
  size_t bytes = 0;
  for (const auto& a : alerts) bytes += alert_bytes(a);
  auto payload = encode_batch(alerts);
  // The batch waits beside the journal's write; once durable it goes on
  // to the feed (daemon/journal_feed.h), then the answer.
  auto batch = std::make_shared<std::vector<core::Alert>>(std::move(alerts));
  alerts.clear();
  shared_->journal->append(
      std::move(payload), [s = shared_.get(), batch, bytes, done = std::move(done)](
                              uint64_t lsn, ingest::journal::AppendError error) {
        if (error == ingest::journal::AppendError::none) {
          s->feed->put(lsn, std::move(*batch), bytes);
        } else if (error == ingest::journal::AppendError::full) {
          s->metrics.journal.errors.with({"full"}).inc();
        }  // write failures: the journal counts them by reason (synced on collect)
        done(offer_of(error));
      });
}

// Mode none: straight into the shard queues, all or nothing.
std::optional<std::string> Pipeline::journal_trouble() const {
  const auto* journal = shared_->journal;
  if (journal == nullptr) return std::nullopt;
  if (!journal->healthy()) {
    return "the journal's last write failed (disk full or I/O error: "
           "alertd_journal_errors_total); it retries with every batch";
  }
  // Within one group commit (1 MiB) of durability.max_bytes: batches are refused.
  if (journal->bytes() + (1u << 20) >= shared_->config.durability.max_bytes) {
    return "the journal is full (durability.max_bytes): the store has not taken what it holds";
  }
  return std::nullopt;
}

Pipeline::Offer Pipeline::route_to_shards(std::vector<core::Alert>& alerts) {
  if (alerts.empty()) return Offer::accepted;
  const size_t n_shards = shared_->shards.size();
  // Route by fingerprint so that one alert's whole history meets one shard;
  // alerts a counting rule gates go by (rule, group), so one shard sees the group.
  thread_local std::vector<std::vector<core::Alert>> by_shard;
  thread_local std::vector<size_t> bytes;
  by_shard.resize(n_shards);
  bytes.assign(n_shards, 0);
  for (auto& a : alerts) {
    uint64_t route = a.route_key != 0 ? a.route_key : a.fingerprint;
    bytes[route % n_shards] += alert_bytes(a);
    by_shard[route % n_shards].push_back(std::move(a));
  }
  size_t reserved = 0;
  for (; reserved < n_shards; ++reserved) {
    if (!shared_->shards[reserved]->try_reserve(by_shard[reserved].size(), bytes[reserved])) break;
  }
  if (reserved < n_shards) {
    for (size_t i = 0; i < reserved; ++i) {
      shared_->shards[i]->release(by_shard[i].size());
      shared_->shards[i]->release_bytes(bytes[i]);
    }
    for (auto& v : by_shard) v.clear();
    return Offer::queue_full;
  }
  for (size_t i = 0; i < n_shards; ++i) {
    shared_->shards[i]->push_reserved(by_shard[i].begin(), by_shard[i].size());
    by_shard[i].clear();
  }
  return Offer::accepted;
}

namespace {
// How long a shard waits, its state written, for the rest of a checkpoint.
constexpr auto kCheckpointShardWait = std::chrono::seconds(10);

// A shard's counters, mirrored into the metrics after each batch.
struct ShardCounters {
  explicit ShardCounters(telemetry::Metrics& m)
      : dedup(m.deduplicated),
        held(m.rule_held),
        released(m.rule_released),
        absent(m.absence_fired),
        leases_capped(m.leases_capped) {}
  void sync(const ShardStages& st) {
    dedup.sync(st.dedup.deduplicated_total());
    leases_capped.sync(st.dedup.leases_capped_total());
    held.sync(st.counting.held_total());
    released.sync(st.counting.released_total());
    absent.sync(st.counting.absent_fired_total());
  }
  CounterSync dedup, held, released, absent, leases_capped;
};
}  // namespace

void Pipeline::run_shard(size_t index) {
  auto& queue = *shared_->shards[index];
  auto& st = *shared_->stages[index];
  std::vector<core::Alert> batch(kShardBatch);
  std::vector<core::Alert> passed;
  std::vector<core::AlertEvent> events;
  ShardCounters counters(shared_->metrics);
  counters.sync(st);  // restored totals are not new
  uint64_t checkpoint_answered = 0;
  Published<config::Settings>::Reader view;
  auto next_tick = shared_->clock.now() + kTickEvery;
  while (!shared_->abandon.load(std::memory_order_acquire)) {
    bool stopping = shared_->shards_stop.load(std::memory_order_acquire);
    size_t n = queue.pop(batch.data(), batch.size(), kPollWait);
    size_t popped_bytes = 0;
    for (size_t i = 0; i < n; ++i) popped_bytes += alert_bytes(batch[i]);
    queue.release_bytes(popped_bytes);
    // After the pop: alerts offered after a reload meet the new rules.
    if (const auto& settings = view.get(shared_->settings); settings.version != st.rules_version) {
      st.counting.set_rules(settings.rules, shared_->clock.now(), events);
      st.rules_version = settings.version;
    }
    {
      // Never held across a wait: ingest threads read the dedup state under it.
      std::unique_lock lock(st.mu);
      for (size_t i = 0; i < n; ++i) {
        auto at = batch[i].received_at;
        st.counting.process(std::move(batch[i]), at, passed, events);
        for (auto& a : passed) st.dedup.process(std::move(a), at, events);
        passed.clear();
      }
      // Replayed records carry their own times; the wall clock waits.
      auto now = shared_->clock.now();
      if (now >= next_tick && !shared_->replaying.load(std::memory_order_acquire)) {
        st.counting.tick(now, events);
        st.dedup.tick(now, events);
        next_tick = now + kTickEvery;
      }
    }
    if (!shared_->events.push_wait(events, &shared_->abandon, event_bytes(events))) break;
    counters.sync(st);
    shared_->shard_active[index].store(st.dedup.active_alerts(), std::memory_order_relaxed);
    shared_->shard_groups[index].store(st.counting.groups(), std::memory_order_relaxed);
    // A checkpoint asks once the feeder stopped feeding: the queue empties.
    if (uint64_t g = shared_->checkpoints.pending(checkpoint_answered);
        g != 0 && n == 0 && queue.depth() == 0) {
      checkpoint_answered = g;
      shared_->checkpoints.snapshot_and_wait(index, g, shard_checkpoint(st), kCheckpointShardWait);
    }
    shared_->shard_rounds[index].fetch_add(1, std::memory_order_release);
    if (n == 0 && stopping && queue.depth() == 0) break;
  }
}

namespace {
// Sends a requested checkpoint barrier once everything the shards emitted
// before it has gone through: they are waiting, so nothing more comes.
void send_barrier(CheckpointSync& sync, const BoundedQueue<core::AlertEvent>& events,
                  const correlator::Correlator& correlator, BoundedQueue<WriterItem>& writes) {
  if (events.depth() != 0) return;
  auto barrier = sync.take_barrier();
  if (!barrier) return;
  barrier->held_alerts = correlator.counters().held_alerts;
  writes.push_over_bound(CommitBarrier{std::move(barrier)});
}
}  // namespace

void Pipeline::run_correlator(StartPoint from) {
  Published<config::Settings>::Reader view(shared_->settings);
  uint64_t settings_version = view.get(shared_->settings).version;
  correlator::Correlator correlator(view.get(shared_->settings).correlation);
  correlator.restore(std::move(from.restored));
  if (!from.marks.empty()) correlator.set_replay_guard(std::move(from.marks));
  if (auto reserve = shared_->writer.seq_reserver())
    correlator.set_seq_reserver(reserve, StoreWriter::kSeqBlock);
  std::vector<core::AlertEvent> batch(kCorrelatorBatch);
  std::vector<ControlMessage> control(kControlBatch);
  std::vector<core::IncidentUpdate> updates;
  std::vector<WriterItem> out;
  auto now = shared_->clock.now();
  correlator.start(now);
  correlator.set_silences(std::move(from.silences), now, updates);
  CorrelatorMetrics metrics(shared_->metrics, correlator);
  auto next_tick = now + kTickEvery;
  while (!shared_->abandon.load(std::memory_order_acquire)) {
    bool stopping = shared_->correlator_stop.load(std::memory_order_acquire);
    size_t n = shared_->events.pop(batch.data(), batch.size(), kPollWait);
    shared_->events.release_bytes(event_bytes({batch.data(), n}));
    // After the pop, so that an alert received after a silence was created
    // (or the rules reloaded) always meets it.
    now = shared_->clock.now();
    if (const auto& settings = view.get(shared_->settings); settings.version != settings_version) {
      settings_version = settings.version;
      correlator.reconfigure(settings.correlation, now, updates);
    }
    if (shared_->clear_replay_guard.exchange(false)) correlator.clear_replay_guard();
    size_t c = shared_->control.pop(control.data(), control.size(), std::chrono::microseconds(0));
    for (size_t i = 0; i < c; ++i) handle(correlator, std::move(control[i]), now, updates, out);
    for (size_t i = 0; i < n; ++i) correlator.apply(std::move(batch[i]), updates);
    now = shared_->clock.now();
    if (now >= next_tick && !shared_->replaying.load(std::memory_order_acquire)) {
      correlator.tick(now, updates);
      next_tick = now + kTickEvery;
    }
    bool changed = !updates.empty() || !out.empty();
    move_updates(updates, out);
    if (!shared_->writes.push_wait(out, &shared_->abandon)) break;
    send_barrier(shared_->checkpoints, shared_->events, correlator, shared_->writes);
    if (changed) metrics.sync();
    shared_->correlator_rounds.fetch_add(1, std::memory_order_release);
    if (n == 0 && c == 0 && stopping && shared_->events.depth() == 0 &&
        shared_->control.depth() == 0) {
      break;
    }
  }
}

void Pipeline::stop_and_drain() {
  if (!shared_->accepting.exchange(false, std::memory_order_acq_rel) && shard_threads_.empty()) {
    return;  // stopped already
  }
  // Past the timeout, every stage gives up waiting on the one after it.
  std::mutex mutex;
  std::condition_variable cv;
  bool drained = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (cv.wait_for(lock, shared_->config.durability.shutdown_timeout, [&] { return drained; })) {
      return;
    }
    spdlog::warn("shutdown: the drain took longer than durability.shutdown_timeout ({}); {}",
                 core::format_duration(shared_->config.durability.shutdown_timeout),
                 shared_->journal ? "what was not committed stays in the journal for the next start"
                                  : "alerts not yet committed are lost (durability mode none)");
    shared_->abandon.store(true, std::memory_order_release);
    shared_->writer.abandon();
  });
  if (shared_->journal != nullptr) shared_->journal->stop();  // durable, answered
  shared_->feeder_stop.store(true, std::memory_order_release);
  if (shared_->feed) shared_->feed->wake();
  if (feeder_thread_.joinable()) feeder_thread_.join();
  shared_->shards_stop.store(true, std::memory_order_release);
  for (auto& t : shard_threads_) t.join();
  shard_threads_.clear();
  shared_->correlator_stop.store(true, std::memory_order_release);
  if (correlator_thread_.joinable()) correlator_thread_.join();
  shared_->writer_stop.store(true, std::memory_order_release);
  if (writer_thread_.joinable()) writer_thread_.join();
  {
    std::lock_guard lock(mutex);
    drained = true;
  }
  cv.notify_all();
  watchdog.join();
  if (!shared_->abandon.load() && shared_->journal != nullptr) write_final_checkpoint();
}

size_t Pipeline::shard_queue_depth() const {
  size_t depth = 0;
  for (const auto& q : shared_->shards) depth += q->depth();
  return depth;
}

}  // namespace alertd::daemon
