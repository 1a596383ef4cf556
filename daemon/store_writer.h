#pragma once
// The store writer: the one thread that writes the store. It commits the
// correlator's updates in batches (retrying until they commit: accepted
// means kept), runs commands on incidents the correlator let go, runs the
// API's silence and problem writes, runs the notifier (daemon/notifier.h)
// over what it committed, does upkeep, and keeps the store's
// health current for /-/ready, so that no io thread ever asks the store.

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "config/settings.h"
#include "core/time.h"
#include "daemon/bounded_queue.h"
#include "daemon/messages.h"
#include "daemon/notifier.h"
#include "daemon/published.h"
#include "daemon/store_upkeep.h"
#include "sinks/store/store.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::daemon {

class StoreWriter {
 public:
  StoreWriter(const config::DaemonConfig& config, const Published<config::Settings>& settings,
              telemetry::Metrics& metrics, sinks::Store& store, core::Clock& clock,
              BoundedQueue<ControlMessage>& control, Notifier& notifier);

  /// Hears every committed batch on the writer thread, after the notifier
  /// (the incidents topic). Set before run() starts.
  using CommitListener = std::function<void(std::span<const core::IncidentUpdate>)>;
  void set_commit_listener(CommitListener listener) { commit_listener_ = std::move(listener); }

  /// The thread's loop: until `stop` is set and `input` is empty.
  void run(BoundedQueue<WriterItem>& input, const std::atomic<bool>& stop);

  /// Why the store is not healthy, or nullopt: the last write failed, or a
  /// store call has been waiting for longer than a few seconds. Any thread.
  std::optional<std::string> trouble() const;

  /// When several instances share the store (sinks::IncidentStore::shared),
  /// what the correlator numbers incidents with: `reserve(count)` answers
  /// the first of `count` seqs no instance uses, retried with backoff while
  /// the store is away, or 0 once a shutdown abandons it. Empty otherwise.
  std::function<int64_t(int64_t count)> seq_reserver();
  // Seqs reserved at once: a reservation is a round trip on the
  // correlator's thread; what a stopped instance had left of its block is
  // never used.
  static constexpr int64_t kSeqBlock = 64;

  /// Shutdown after durability.shutdown_timeout: stop retrying the store
  /// and leave run() with what is queued. With the journal on, nothing is
  /// lost: the next start replays what was not committed. Any thread.
  void abandon() { abandon_.store(true, std::memory_order_release); }
  bool abandoned() const { return abandon_.load(std::memory_order_acquire); }

 private:
  void commit(std::vector<core::IncidentUpdate>& writes);
  bool commit_once(std::vector<core::IncidentUpdate>& writes, int failures,
                   std::chrono::steady_clock::time_point first_failure);
  void drop_refused(std::vector<core::IncidentUpdate>& writes, const core::Error& error);
  void quarantine(const core::IncidentUpdate& update, const core::Error& error);
  void run_deferred(const core::LifecycleCommand& cmd);
  void take_group_joins(std::vector<core::IncidentUpdate>& writes);
  void adopt_target(sinks::IncidentDetail&& stored, int64_t replaced_seq);
  void answer_committed(const core::IncidentUpdate& update);
  void keep_health(core::TimePoint now);
  CommitListener commit_listener_;

  // Health, written by this thread and read by /-/ready.
  void call_started();
  void call_ended(const core::Status& status);

  const config::DaemonConfig& config_;
  const Published<config::Settings>& settings_source_;
  Published<config::Settings>::Reader settings_;
  telemetry::Metrics& metrics_;
  sinks::Store& store_;
  core::Clock& clock_;
  BoundedQueue<ControlMessage>& control_;
  Notifier& notifier_;  // told of every commit, ticked every turn
  StoreUpkeep upkeep_;
  core::TimePoint last_call_ = core::kNoTime;
  // Incidents of ours the shared store joined into another's (seq -> id),
  // until the correlator has adopted the other: what is committed for them
  // is told as the other.
  std::unordered_map<int64_t, std::string> joined_;

  std::atomic<bool> abandon_{false};
  std::atomic<int64_t> call_started_ns_{0};  // monotonic; 0 when no call is running
  mutable std::mutex trouble_mutex_;         // held only to copy the string
  std::string last_error_;                   // "" after a call that succeeded
};

}  // namespace alertd::daemon
