#pragma once
// What the pipeline's threads share (daemon/pipeline.cc, pipeline_feed.cc
// and pipeline_metrics.cc); no other file includes it.

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "daemon/bounded_queue.h"
#include "daemon/checkpoint_sync.h"
#include "daemon/journal_feed.h"
#include "daemon/messages.h"
#include "daemon/notifier.h"
#include "daemon/pipeline.h"
#include "daemon/published.h"
#include "daemon/store_writer.h"
#include "rules/counting_stage.h"
#include "rules/dedup_stage.h"

namespace alertd::daemon {

/// One shard's stages; owned here so that a checkpoint can be restored into
/// them before the shard's thread starts, and written after it stopped.
struct ShardStages {
  ShardStages(const rules::ShardConfig& dedup_config, size_t index, size_t count)
      : dedup(dedup_config), counting(index, count) {}
  // Held by the shard's thread while it changes the stages; shared by an
  // ingest thread that asks whether an alert is active (active_alert_limit).
  mutable std::shared_mutex mu;
  rules::DedupStage dedup;
  rules::CountingStage counting;
  uint64_t rules_version = 0;  // the settings version the counting stage has
};

/// The bytes of one shard's stages in a checkpoint.
std::string shard_checkpoint(const ShardStages& stages);

inline constexpr size_t kJournalReasonSlots = 8;

struct Pipeline::Shared {
  Shared(const config::DaemonConfig& c, std::shared_ptr<const config::Settings> r,
         telemetry::Metrics& m, sinks::Store& s, core::Clock& clk,
         ingest::journal::Journal* journal);

  const config::DaemonConfig& config;
  Published<config::Settings> settings;  // each thread reads it through its own Reader
  telemetry::Metrics& metrics;
  core::Clock& clock;
  ingest::journal::Journal* journal;  // null: durability mode none
  std::unique_ptr<JournalFeed> feed;  // with the journal: its batches on their way to the shards
  std::vector<std::unique_ptr<ShardStages>> stages;
  std::vector<std::unique_ptr<BoundedQueue<core::Alert>>> shards;
  std::unique_ptr<std::atomic<size_t>[]> shard_active;    // firing alerts per shard, for the gauge
  std::unique_ptr<std::atomic<size_t>[]> shard_groups;    // counting-rule groups per shard
  std::unique_ptr<std::atomic<uint64_t>[]> shard_rounds;  // loops each shard finished
  BoundedQueue<core::AlertEvent> events;                  // shards -> correlator
  BoundedQueue<ControlMessage> control;                   // API and writer -> correlator
  BoundedQueue<WriterItem> writes;                        // correlator and API -> writer
  CheckpointSync checkpoints;
  std::atomic<bool> accepting{true};
  // Start-up: the journal's tail is going through; no timer runs on the
  // wall clock meanwhile, the records' own times drive the stages.
  std::atomic<bool> replaying{false};
  uint64_t replay_through = 0;  // the last record durable at start-up
  std::atomic<bool> recovered{false};
  std::atomic<bool> clear_replay_guard{false};                      // the correlator frees it
  std::atomic<uint64_t> correlator_rounds{0};                       // loops the correlator finished
  std::atomic<int64_t> last_checkpoint_ns{0};                       // wall clock, for the age gauge
  uint64_t last_checkpoint_lsn = 0;                                 // feeder thread only
  std::chrono::steady_clock::time_point last_checkpoint_attempt{};  // feeder thread only
  std::array<uint64_t, kJournalReasonSlots> journal_errors_seen{};  // metrics collect only
  // Each stage stops once the stage before it has stopped and its queue is empty.
  std::atomic<bool> feeder_stop{false};
  std::atomic<bool> shards_stop{false};
  std::atomic<bool> correlator_stop{false};
  std::atomic<bool> writer_stop{false};
  // The drain outlived durability.shutdown_timeout: every stage leaves now.
  std::atomic<bool> abandon{false};
  Notifier notifier;                     // the writer's: the messages of what it commits
  sinks::notify::Dispatcher dispatcher;  // the senders' threads; stopped by the writer's last turn
  StoreWriter writer;                    // run by the writer thread; trouble() from any
};

}  // namespace alertd::daemon
