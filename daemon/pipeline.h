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
// Besides alerts, one control queue carries every message into the
// correlator (lifecycle commands, silences, adoptions), and the writer's
// queue carries the API's silence and problem writes. Callers never wait:
// a command's answer is delivered through its reply, from the thread that
// decides it.

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
  Pipeline(const config::DaemonConfig& config, std::shared_ptr<const config::Settings> settings,
           telemetry::Metrics& metrics, sinks::Store& store, core::Clock& clock);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Starts the worker threads; `restored` is what the store still holds
  /// active, `silences` the silences the store keeps.
  void start(core::ActiveState&& restored, std::vector<core::Silence> silences);

  /// Swaps the rules and correlation settings: each receiving thread, shard,
  /// the correlator and the writer pick them up at their next batch. Never
  /// blocks.
  void reload(std::shared_ptr<const config::Settings> settings);
  std::shared_ptr<const config::Settings> settings() const override;

  /// Hands the current set of silences to the correlator. Never blocks: it
  /// is called on the writer thread, which the correlator may be waiting on.
  void set_silences(std::vector<core::Silence> silences);

  Offer offer(std::vector<core::Alert>& alerts) override;
  bool submit_command(core::LifecycleCommand cmd) override;
  bool submit_to_writer(std::function<void()> job) override;
  std::optional<std::string> store_trouble() const override;

  /// Stops taking offers, then drains every queue stage by stage and
  /// commits the last batch. Call after the receivers have stopped.
  void stop_and_drain();

  size_t shard_queue_depth() const;

 private:
  struct Shared;
  void run_shard(size_t index);
  void run_correlator(core::ActiveState restored, std::vector<core::Silence> silences);

  std::unique_ptr<Shared> shared_;
  std::vector<std::thread> shard_threads_;
  std::thread correlator_thread_;
  std::thread writer_thread_;
};

}  // namespace alertd::daemon
