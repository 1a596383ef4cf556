#pragma once
// The live pipeline (DESIGN.md §1): receiving threads offer decoded alerts;
// S shard workers dedup them; one correlator thread turns state changes into
// incident updates; one store writer thread writes them in batches.
//
// Every queue is bounded. A full shard queue refuses the offer (the HTTP
// layer answers 429); downstream queues push back by making the stage
// before them wait, so pressure reaches the shard queues and then the
// senders. Nothing is dropped. Each stage's state is owned by its thread.
//
// With the journal (durability mode journal), an offer is answered once its
// batch is durable; the feeder thread then hands the journaled batches to
// the shards in journal order, from memory or read back from the journal
// (daemon/journal_feed.h), and checkpoints the shards' state now and then
// (daemon/checkpoint_file.h). At start-up it first replays the journal's
// tail after the checkpoint.
//
// Besides alerts, one control queue carries every message into the
// correlator (lifecycle commands, silences, adoptions), and the writer's
// queue carries the API's silence and problem writes. Callers never wait:
// a command's answer is delivered through its reply, from the thread that
// decides it.

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "api/engine.h"
#include "config/config.h"
#include "config/settings.h"
#include "core/alert.h"
#include "core/incident.h"
#include "core/lifecycle.h"
#include "core/silence.h"
#include "core/time.h"
#include "daemon/checkpoint_file.h"
#include "daemon/journal_feed.h"
#include "ingest/journal/journal.h"
#include "sinks/store/store.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::daemon {

/// What the pipeline resumes from at start-up.
struct StartPoint {
  core::ActiveState restored;            // what the store still holds active
  std::vector<core::Silence> silences;   // the silences the store keeps
  std::optional<Checkpoint> checkpoint;  // the shards' state, and where the replay begins
  std::vector<core::JournalMark> marks;  // positions the store holds after the checkpoint
};

class Pipeline final : public api::Engine {
 public:
  /// `journal` null: durability mode none.
  Pipeline(const config::DaemonConfig& config, std::shared_ptr<const config::Settings> settings,
           telemetry::Metrics& metrics, sinks::Store& store, core::Clock& clock,
           ingest::journal::Journal* journal = nullptr);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Restores the shards from the checkpoint and starts the threads; with
  /// a journal, the replay of its tail begins.
  void start(StartPoint&& from);
  /// True once the journal's tail has gone through the shards and the
  /// correlator (at once without a journal). Waits at most `wait`.
  bool wait_recovered(std::chrono::milliseconds wait) const;

  /// Hears every batch the store committed, on the writer thread (the
  /// incidents topic). Call before start().
  void set_commit_listener(std::function<void(std::span<const core::IncidentUpdate>)> listener);

  /// Swaps the rules and correlation settings: each receiving thread, shard,
  /// the correlator and the writer pick them up at their next batch. Never
  /// blocks.
  void reload(std::shared_ptr<const config::Settings> settings);
  std::shared_ptr<const config::Settings> settings() const override;

  /// Hands the current set of silences to the correlator. Never blocks: it
  /// is called on the writer thread, which the correlator may be waiting on.
  void set_silences(std::vector<core::Silence> silences);

  void offer(std::vector<core::Alert>& alerts, OfferDone done) override;
  bool submit_command(core::LifecycleCommand cmd) override;
  bool submit_to_writer(std::function<void()> job) override;
  std::optional<std::string> store_trouble() const override;
  std::optional<std::string> journal_trouble() const override;
  sinks::notify::AttemptOutcome notify_test(const std::string& receiver) override;

  /// Stops taking offers, makes the journal durable, then drains every
  /// queue stage by stage and commits the last batch, for at most
  /// durability.shutdown_timeout; then writes a checkpoint, so that the next
  /// start replays nothing. Past the timeout it gives up on the store: the
  /// journal keeps what was not committed. Call after the receivers stopped.
  void stop_and_drain();

  size_t shard_queue_depth() const;

 private:
  struct Shared;
  Offer route_to_shards(std::vector<core::Alert>& alerts);
  bool adds_beyond_active_limit(const std::vector<core::Alert>& alerts) const;
  void restore_shards(const StartPoint& from);
  void run_shard(size_t index);
  void run_correlator(StartPoint from);
  // pipeline_feed.cc
  void run_feeder();
  void feed_batch(JournaledBatch& batch);
  void finish_replay();
  void take_checkpoint();
  bool journal_filling() const;
  void write_final_checkpoint();
  // pipeline_metrics.cc: the bounds once, the rest on each scrape
  static void publish_bounds(Shared& s);
  static void collect_queue_metrics(Shared& s);
  static void collect_journal_metrics(Shared& s);

  std::unique_ptr<Shared> shared_;
  std::vector<std::thread> shard_threads_;
  std::thread correlator_thread_;
  std::thread writer_thread_;
  std::thread feeder_thread_;
};

}  // namespace alertd::daemon
