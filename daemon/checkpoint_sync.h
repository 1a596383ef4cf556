#pragma once
// The rendezvous of one checkpoint (daemon/checkpoint_file.h). The feeder
// stops feeding and asks every shard for its state; each shard, once its
// queue is empty, writes its state and waits; the correlator then sends a
// barrier down the writer's queue behind everything it emitted, and the
// writer answers it once all of that is committed. Only then does the state
// describe exactly the journal up to the feeder's position, and the shards
// go on. Every wait has a deadline: a stalled store makes the attempt give
// up, never the pipeline.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace alertd::daemon {

/// Sent by the correlator down the writer's queue; the writer sets it once
/// everything before it is committed.
struct CommitBarrier {
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    bool committed = false;
    uint64_t held_alerts = 0;  // the correlator's settle queue when it sent it
  };
  std::shared_ptr<State> state;
  void done() const {
    {
      std::lock_guard lock(state->mutex);
      state->committed = true;
    }
    state->cv.notify_all();
  }
};

class CheckpointSync {
 public:
  explicit CheckpointSync(size_t shards) : snapshots_(shards), taken_(shards, 0) {}

  // --- the feeder ---
  /// Asks every shard for its state; returns the attempt's generation.
  uint64_t request() {
    std::lock_guard lock(mutex_);
    ++generation_;
    requested_.store(generation_, std::memory_order_release);
    return generation_;
  }
  /// Waits until every shard wrote its state for `generation`.
  bool wait_snapshots(uint64_t generation, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (auto t : taken_) {
        if (t != generation) return false;
      }
      return true;
    });
  }
  /// Asks the correlator for a barrier behind what it emitted so far.
  std::shared_ptr<CommitBarrier::State> request_barrier() {
    auto state = std::make_shared<CommitBarrier::State>();
    std::lock_guard lock(mutex_);
    barrier_ = state;
    barrier_requested_.store(true, std::memory_order_release);
    return state;
  }
  /// Lets the shards go on (after success or giving up).
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = generation_;
    }
    cv_.notify_all();
  }
  std::vector<std::string> take_snapshots() {
    std::lock_guard lock(mutex_);
    return std::move(snapshots_);
  }

  // --- a shard ---
  /// The generation a shard should answer, or 0.
  uint64_t pending(uint64_t answered) const {
    uint64_t g = requested_.load(std::memory_order_acquire);
    return g > answered ? g : 0;
  }
  /// Stores the shard's state, then waits until the feeder lets it go on.
  void snapshot_and_wait(size_t shard, uint64_t generation, std::string state,
                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (snapshots_.size() <= shard) snapshots_.resize(taken_.size());
    snapshots_[shard] = std::move(state);
    taken_[shard] = generation;
    cv_.notify_all();
    cv_.wait_for(lock, timeout, [&] { return released_ >= generation; });
  }

  // --- the correlator ---
  /// The barrier to send, once; null when none was asked for.
  std::shared_ptr<CommitBarrier::State> take_barrier() {
    if (!barrier_requested_.load(std::memory_order_acquire)) return nullptr;
    std::lock_guard lock(mutex_);
    barrier_requested_.store(false, std::memory_order_release);
    return std::move(barrier_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  uint64_t released_ = 0;
  std::atomic<uint64_t> requested_{0};
  std::vector<std::string> snapshots_;
  std::vector<uint64_t> taken_;
  std::atomic<bool> barrier_requested_{false};
  std::shared_ptr<CommitBarrier::State> barrier_;
};

}  // namespace alertd::daemon
