#pragma once
// The threads that run the API's store reads (lists, timelines, audit
// verification, stats), so that an io thread never waits on the store. The
// queue is bounded: when the store is slow and the queue full, submit()
// refuses and the API answers 503 at once.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace alertd::daemon {

class StoreReaders {
 public:
  StoreReaders(size_t threads, size_t capacity);
  ~StoreReaders();
  StoreReaders(const StoreReaders&) = delete;
  StoreReaders& operator=(const StoreReaders&) = delete;

  /// Queues `job`; false when the queue is full or the readers stopped.
  bool submit(std::function<void()> job);
  /// Runs what is queued, then joins the threads.
  void stop();

 private:
  void run();

  const size_t capacity_;
  std::mutex mutex_;  // held only to queue and take jobs, never while one runs
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace alertd::daemon
