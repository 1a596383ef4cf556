#pragma once
// The live pipeline (DESIGN.md §1): receiving threads offer decoded alerts;
// S shard workers dedup them; one correlator thread turns state changes into
// incident updates; one sink thread writes them to the store in batches.
//
// Every queue is bounded. A full shard queue refuses the offer (the HTTP
// layer answers 429); downstream queues push back by making the stage
// before them wait, so pressure reaches the shard queues and then the
// senders. Nothing is dropped. Each stage's state is owned by its thread.

#include <atomic>
#include <memory>
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
#include "sinks/store/store.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::daemon {

class Pipeline final : public api::Engine {
 public:
  Pipeline(const config::DaemonConfig& config, std::shared_ptr<const config::Settings> rules,
           telemetry::Metrics& metrics, sinks::Store& store, core::Clock& clock);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Starts the worker threads; `restored` is what the store still holds
  /// active, `silences` the silences the store keeps.
  void start(core::ActiveState&& restored, std::vector<core::Silence> silences);

  /// Swaps the rules and correlation settings atomically: each receiving
  /// thread, shard and the correlator picks the new settings up at its next
  /// batch. Never blocks.
  void reload(std::shared_ptr<const config::Settings> rules);
  std::shared_ptr<const config::Settings> settings() const override;

  /// Hands the current set of silences to the correlator.
  void set_silences(std::vector<core::Silence> silences);

  /// Runs a person's lifecycle command and waits for its answer: the
  /// incident as committed to the store, or why it was refused. The
  /// correlator runs it on incidents it holds; the store's writer on the
  /// resolved and closed ones it let go, in queue order either way. 503
  /// when no answer comes within `timeout` (the store is down) — the
  /// command may still take effect later.
  core::LifecycleResult run_command(core::LifecycleCommand cmd, core::Duration timeout) override;

  /// Called by receiving threads. Runs the stateless rule stage (drop, set,
  /// routing), then all or nothing: either every remaining alert is queued
  /// (moved out of `alerts`) or none is. Never blocks.
  Offer offer(std::vector<core::Alert>& alerts) override;

  /// Stops taking offers, then drains every queue stage by stage and
  /// commits the last batch. Call after the receivers have stopped.
  void stop_and_drain();

  size_t shard_queue_depth() const;

 private:
  struct Shared;
  void run_shard(size_t index);
  void run_correlator(core::ActiveState restored, std::vector<core::Silence> silences);
  void run_sink();
  void commit(std::vector<core::IncidentUpdate>& writes);
  void run_deferred(const core::LifecycleCommand& cmd);
  void answer(uint64_t command_id, core::LifecycleResult result);
  void answer_committed(const core::IncidentUpdate& update);

  std::unique_ptr<Shared> shared_;
  std::vector<std::thread> shard_threads_;
  std::thread correlator_thread_;
  std::thread sink_thread_;
};

}  // namespace alertd::daemon
