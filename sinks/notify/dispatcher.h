#pragma once
// The notifier thread pool (issue 15 §5): a bounded queue of messages, a
// few workers that each make one blocking attempt at a time (transport.h),
// and a timer heap for the retries, so a receiver that is down costs
// waiting entries, never a sleeping worker, and never blocks the caller.
//
// Durability is the caller's: every message is a row of the store's
// outbox before it is submitted, every attempt is reported through
// OnAttempt (the daemon records an audit entry and the outbox status), and
// what is still queued or waiting at stop() stays pending in the store and
// is submitted again after a restart (Message.attempts carries the count).

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/time.h"
#include "sinks/notify/message.h"
#include "sinks/notify/receiver.h"
#include "sinks/notify/retry.h"
#include "sinks/notify/transport.h"
#include "telemetry/registry.h"

namespace alertd::sinks::notify {

/// Called after every attempt, on the worker thread that made it, before
/// the message's id is released (so once it has returned for a final
/// outcome, the caller's record of it is what a resubmission sees). Workers
/// call it concurrently: it must be safe to call from several threads at
/// once, and should be quick (it holds a worker).
using OnAttempt = std::function<void(const AttemptOutcome&)>;

struct DispatcherOptions {
  int threads = 2;
  size_t queue_capacity = 10000;  // queued + waiting for a retry
  int max_attempts = 10;
  core::Duration max_age = std::chrono::hours(1);
  Timeouts timeouts;
  Backoff backoff;
  size_t max_response_bytes = 64 << 10;
  std::string ca_file;  // "" = the system store
};

class Dispatcher {
 public:
  using Options = DispatcherOptions;

  /// Starts options.threads workers. `clock` (kept by reference: it must
  /// outlive the dispatcher) gives every time (retry due times, max_age,
  /// signature timestamps, latency); `random` the jitter, uniform in [0, 1)
  /// (default: a seeded std::mt19937_64). Metrics go to `registry`.
  Dispatcher(DispatcherOptions options, std::vector<Receiver> receivers, OnAttempt on_attempt,
             telemetry::Registry& registry, const core::Clock& clock, RandomSource random = {});
  ~Dispatcher();  // stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  /// Queues a message and returns at once. False when the queue is full or
  /// the dispatcher stopped: nothing is lost, the caller keeps it pending
  /// and submits it again later. A message whose id is queued, waiting or
  /// in flight already is not queued twice (true): a resubmission cannot
  /// deliver one message twice. A message without created_at is made now.
  bool submit(Message message);

  /// The receivers the next attempts use (a reload); attempts in flight
  /// finish with the old ones. A message whose receiver is gone fails with
  /// unknown_receiver.
  void reconfigure(std::vector<Receiver> receivers);

  /// One attempt on the calling thread, outside the queue, with no retry
  /// (POST /api/v1/notify/test): delivered, or failed with the reason the
  /// attempt had. Counted in the metrics; not reported to OnAttempt (the
  /// caller has the outcome). After stop(): failed, reason shutdown.
  AttemptOutcome send_now(const std::string& receiver, const Message& message);

  /// Takes no more work, lets the attempts in flight finish (each bounded
  /// by the timeouts) and reports them, drops what is queued or waiting
  /// for a retry without reporting it (it is still pending in the store),
  /// and joins the workers. Idempotent; call it from one thread, never
  /// from OnAttempt (it would wait for its own worker).
  void stop();

  /// Messages queued plus those waiting for a retry.
  size_t depth() const;

  /// Makes the workers read the clock again now. For tests on a manual
  /// clock: after advancing it, the retries it made due go to the queue
  /// before this returns. The wall clock needs no call.
  void wake();

 private:
  struct Metrics;
  struct Waiting {
    core::TimePoint due;
    uint64_t order;  // FIFO among equal due times
    Message message;
    bool operator>(const Waiting& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };
  using Receivers = std::shared_ptr<const std::vector<Receiver>>;

  void run();
  bool next_message(Message& out);
  void promote_due_locked(core::TimePoint now);
  void attempt(Message message);
  AttemptOutcome attempt_once(const Receivers& receivers, Message& message);
  void finish(Message message, const AttemptOutcome& outcome);
  void count(const AttemptOutcome& outcome, const Receivers& receivers, const Message& message);
  double draw_random();
  Receivers receivers() const;
  void update_depth_locked();

  DispatcherOptions options_;
  RetryPolicy policy_;
  TransportOptions transport_;
  OnAttempt on_attempt_;
  const core::Clock& clock_;
  RandomSource random_;
  std::mutex random_mutex_;  // random_ need not be thread-safe
  std::unique_ptr<Metrics> metrics_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable work_;
  Receivers receivers_;
  std::deque<Message> queued_;
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> waiting_;
  std::unordered_set<uint64_t> known_ids_;  // queued, waiting or in flight
  uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace alertd::sinks::notify
