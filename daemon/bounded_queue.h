#pragma once
// A bounded multi-producer queue over moodycamel's BlockingConcurrentQueue.
// moodycamel queues are unbounded, so the bound is an atomic depth that
// producers reserve before they enqueue; consumers release it as they
// dequeue. Items move in bulk both ways (a bulk hop costs ~5 ns per item).

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <thread>
#include <vector>

namespace alertd::daemon {

template <typename T>
class BoundedQueue {
 public:
  /// `max_bytes`: a second bound, on what the items hold (the shard queues:
  /// alerts are up to megabytes each), for producers that say what they
  /// push; the consumer gives the bytes back with release_bytes().
  explicit BoundedQueue(size_t capacity, size_t max_bytes = SIZE_MAX)
      : capacity_(capacity), max_bytes_(max_bytes) {}

  /// Reserves room for n items (of `bytes`); false when they would not fit.
  /// A batch larger than the whole capacity fits only into an empty queue,
  /// so that no batch can be refused forever.
  bool try_reserve(size_t n, size_t bytes = 0) {
    size_t before = depth_.fetch_add(n, std::memory_order_acq_rel);
    if (before + n > capacity_ && before != 0) {
      depth_.fetch_sub(n, std::memory_order_acq_rel);
      return false;
    }
    if (bytes == 0) return true;
    size_t bytes_before = bytes_.fetch_add(bytes, std::memory_order_acq_rel);
    if (bytes_before + bytes > max_bytes_ && bytes_before != 0) {
      bytes_.fetch_sub(bytes, std::memory_order_acq_rel);
      depth_.fetch_sub(n, std::memory_order_acq_rel);
      return false;
    }
    return true;
  }
  void release(size_t n) { depth_.fetch_sub(n, std::memory_order_acq_rel); }
  void release_bytes(size_t bytes) { bytes_.fetch_sub(bytes, std::memory_order_acq_rel); }

  /// Enqueues items whose room was reserved with try_reserve().
  template <typename It>
  void push_reserved(It first, size_t n) {
    queue_.enqueue_bulk(std::make_move_iterator(first), n);
  }

  /// One item, or false when it does not fit. Never blocks.
  bool try_push(T&& item) {
    if (!try_reserve(1)) return false;
    queue_.enqueue(std::move(item));
    return true;
  }

  /// One item even over the bound: for the few messages a downstream thread
  /// sends back upstream, which must never wait, as the upstream thread may
  /// be waiting for the downstream one. Their number is bounded by what
  /// the upstream queue admitted.
  void push_over_bound(T&& item) {
    depth_.fetch_add(1, std::memory_order_acq_rel);
    queue_.enqueue(std::move(item));
  }

  /// For pipeline stages: waits for room, then moves every item in. The wait
  /// is the backpressure: the stage stops consuming its own input meanwhile.
  /// Gives up (false, items kept) once `abandon` is set: a shutdown that
  /// stopped waiting for a stalled stage downstream.
  bool push_wait(std::vector<T>& items, const std::atomic<bool>* abandon = nullptr,
                 size_t bytes = 0) {
    if (items.empty()) return true;
    while (!try_reserve(items.size(), bytes)) {
      if (abandon != nullptr && abandon->load(std::memory_order_acquire)) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    push_reserved(items.begin(), items.size());
    items.clear();
    return true;
  }

  /// Moves up to `max` items into `out`, waiting at most `wait` for the first.
  size_t pop(T* out, size_t max, std::chrono::microseconds wait) {
    size_t n = queue_.wait_dequeue_bulk_timed(out, max, wait.count());
    if (n > 0) release(n);
    return n;
  }

  size_t depth() const { return depth_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

 private:
  moodycamel::BlockingConcurrentQueue<T> queue_;
  std::atomic<size_t> depth_{0};
  std::atomic<size_t> bytes_{0};
  const size_t capacity_;
  const size_t max_bytes_;
};

}  // namespace alertd::daemon
