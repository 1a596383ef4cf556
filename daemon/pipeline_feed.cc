// The feeder thread (daemon/pipeline.h): journaled batches to the shards in
// journal order, the replay of the journal's tail at start-up, and the
// checkpoints that bound it.

#include <spdlog/spdlog.h>

#include <thread>

#include "core/byte_codec.h"
#include "daemon/journal_batch.h"
#include "daemon/pipeline_shared.h"

namespace alertd::daemon {

std::string shard_checkpoint(const ShardStages& stages) {
  std::string bytes;
  core::ByteWriter out(bytes);
  stages.dedup.checkpoint(out);
  stages.counting.checkpoint(out);
  return bytes;
}

namespace {
constexpr size_t kFeedAlerts = 4096;  // alerts taken from the feed at once
constexpr auto kFeedWait = std::chrono::milliseconds(20);
constexpr auto kProgressEvery = std::chrono::seconds(5);
// The parts of a checkpoint that wait on other threads; past them the
// attempt gives up and the shards go on.
constexpr auto kSnapshotWait = std::chrono::seconds(2);
constexpr auto kCommitWait = std::chrono::seconds(5);
// Checkpoints the journal's size asks for come at most this often.
constexpr auto kMinCheckpointGap = std::chrono::seconds(1);

bool wait_until(const std::function<bool()>& done, const std::atomic<bool>& abandon) {
  while (!done()) {
    if (abandon.load(std::memory_order_acquire)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}
}  // namespace

void Pipeline::run_feeder() {
  auto& s = *shared_;
  auto next_checkpoint = std::chrono::steady_clock::now() + s.config.durability.checkpoint_interval;
  auto next_progress = std::chrono::steady_clock::now() + kProgressEvery;
  if (s.replaying.load()) {
    spdlog::info("recovery: replaying journal records {} to {}", s.feed->next_lsn(),
                 s.replay_through);
  }
  uint64_t replayed = 0;
  auto feed = [&](JournaledBatch&& batch) {
    feed_batch(batch);
    if (!s.replaying.load(std::memory_order_relaxed)) return;
    s.metrics.journal.replay_records.set(static_cast<double>(++replayed));
    if (auto now = std::chrono::steady_clock::now(); now >= next_progress) {
      spdlog::info("recovery: replayed up to journal record {} of {}", batch.lsn, s.replay_through);
      next_progress = now + kProgressEvery;
    }
  };
  while (!s.abandon.load(std::memory_order_acquire)) {
    bool stopping = s.feeder_stop.load(std::memory_order_acquire);
    auto handed = s.feed->take(feed, kFeedAlerts, kFeedWait);
    if (!handed) {
      spdlog::error("journal: {}", handed.error().message);
      s.metrics.journal.errors.with({"read"}).inc();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (s.replaying.load(std::memory_order_relaxed) && s.feed->next_lsn() > s.replay_through) {
      finish_replay();
    }
    if (!stopping && !s.replaying.load() &&
        (std::chrono::steady_clock::now() >= next_checkpoint || journal_filling())) {
      take_checkpoint();
      next_checkpoint = std::chrono::steady_clock::now() + s.config.durability.checkpoint_interval;
    }
    if (stopping && handed && *handed == 0 && s.feed->drained()) break;
  }
}

// Under heavy ingest the interval alone would let the journal fill up to
// max_bytes; a quarter of it since the last checkpoint calls for one sooner.
bool Pipeline::journal_filling() const {
  const auto& s = *shared_;
  auto now = std::chrono::steady_clock::now();
  if (now - s.last_checkpoint_attempt < kMinCheckpointGap) return false;
  return s.journal->bytes() > s.config.durability.max_bytes / 4;
}

// Routes as the live path always did (daemon/pipeline.cc route_to_shards),
// giving each alert its journal position on the way.
void Pipeline::feed_batch(JournaledBatch& batch) {
  const size_t n_shards = shared_->shards.size();
  thread_local std::vector<std::vector<core::Alert>> by_shard;
  thread_local std::vector<size_t> bytes;
  by_shard.resize(n_shards);
  bytes.assign(n_shards, 0);
  for (size_t i = 0; i < batch.alerts.size(); ++i) {
    auto& a = batch.alerts[i];
    a.journal_pos = core::journal_position(batch.lsn, i);
    uint64_t route = a.route_key != 0 ? a.route_key : a.fingerprint;
    bytes[route % n_shards] += alert_bytes(a);
    by_shard[route % n_shards].push_back(std::move(a));
  }
  for (size_t i = 0; i < n_shards; ++i) {
    if (!shared_->shards[i]->push_wait(by_shard[i], &shared_->abandon, bytes[i])) {
      by_shard[i].clear();
    }
  }
}

// The journal's tail is in the shard queues: once the shards and the
// correlator have taken all of it, alertd goes live.
void Pipeline::finish_replay() {
  auto& s = *shared_;
  auto queues_empty = [&] {
    for (const auto& q : s.shards) {
      if (q->depth() != 0) return false;
    }
    return true;
  };
  if (!wait_until(queues_empty, s.abandon)) return;
  // Two rounds of each stage after its queue is empty: the round that took
  // the last items has finished and handed on what it made.
  const size_t n = s.shards.size();
  std::vector<uint64_t> rounds(n);
  for (size_t i = 0; i < n; ++i) rounds[i] = s.shard_rounds[i].load();
  auto shards_done = [&] {
    for (size_t i = 0; i < n; ++i) {
      if (s.shard_rounds[i].load() < rounds[i] + 2) return false;
    }
    return s.events.depth() == 0;
  };
  if (!wait_until(shards_done, s.abandon)) return;
  uint64_t round = s.correlator_rounds.load();
  if (!wait_until([&] { return s.correlator_rounds.load() >= round + 2; }, s.abandon)) return;
  s.clear_replay_guard.store(true, std::memory_order_release);
  s.replaying.store(false, std::memory_order_release);
  spdlog::info("recovery: {} journal records replayed; live",
               s.replay_through - s.last_checkpoint_lsn);
  s.recovered.store(true, std::memory_order_release);
  take_checkpoint();  // what was replayed need not be again
}

void Pipeline::take_checkpoint() {
  auto& s = *shared_;
  s.last_checkpoint_attempt = std::chrono::steady_clock::now();
  const uint64_t lsn = s.feed->next_lsn() - 1;
  auto outcome = [&](std::string_view what) {
    s.metrics.journal.checkpoints.with({std::string(what)}).inc();
  };
  if (lsn == s.last_checkpoint_lsn) {  // nothing new: the last one still covers all
    s.last_checkpoint_ns.store(s.clock.now().time_since_epoch().count());
    return;
  }
  uint64_t generation = s.checkpoints.request();
  if (!s.checkpoints.wait_snapshots(generation, kSnapshotWait)) {
    s.checkpoints.release();
    return outcome("shards_busy");
  }
  auto barrier = s.checkpoints.request_barrier();
  bool committed;
  {
    std::unique_lock lock(barrier->mutex);
    committed = barrier->cv.wait_for(lock, kCommitWait, [&] { return barrier->committed; });
  }
  auto snapshots = s.checkpoints.take_snapshots();
  s.checkpoints.release();
  if (!committed) return outcome("store_behind");
  if (barrier->held_alerts > 0) return outcome("settling");
  Checkpoint checkpoint{lsn, s.clock.now(), std::move(snapshots)};
  if (auto written = write_checkpoint(s.config.durability.dir, checkpoint); !written.ok()) {
    spdlog::error("checkpoint: {}", written.error().message);
    return outcome("write_failed");
  }
  s.last_checkpoint_lsn = lsn;
  s.last_checkpoint_ns.store(checkpoint.written_at.time_since_epoch().count());
  s.journal->remove_through(lsn);
  outcome("written");
}

// After a full drain: every record taken is committed, and the stages'
// threads are gone, so their state is read here.
void Pipeline::write_final_checkpoint() {
  auto& s = *shared_;
  if (!s.feed || s.replaying.load()) return;
  Checkpoint checkpoint{s.feed->next_lsn() - 1, s.clock.now(), {}};
  for (const auto& st : s.stages) checkpoint.shards.push_back(shard_checkpoint(*st));
  if (auto written = write_checkpoint(s.config.durability.dir, checkpoint); !written.ok()) {
    spdlog::error("shutdown checkpoint: {}; the next start replays the journal",
                  written.error().message);
    return;
  }
  s.journal->remove_through(checkpoint.lsn);
  spdlog::info("shutdown checkpoint at journal record {}", checkpoint.lsn);
}

}  // namespace alertd::daemon
