#include "sinks/notify/dispatcher.h"

#include <algorithm>
#include <random>

namespace alertd::sinks::notify {

using Result = AttemptOutcome::Result;

struct Dispatcher::Metrics {
  explicit Metrics(telemetry::Registry& r)
      : sent(r.counter("alertd_notifications_sent_total",
                       "Messages delivered, by receiver and receiver kind.", {"receiver", "kind"})),
        failed(r.counter("alertd_notifications_failed_total",
                         "Messages given up for good, by receiver and reason.",
                         {"receiver", "reason"})),
        attempts(r.counter("alertd_notification_attempts_total",
                           "Delivery attempts, by receiver and result (delivered, retrying, "
                           "failed).",
                           {"receiver", "result"})),
        refused(r.counter("alertd_notification_submit_refused_total",
                          "Messages the notifier queue refused because it was full; the caller "
                          "keeps them pending and submits them again.")
                    .with({})),
        depth(r.gauge("alertd_notification_queue_depth",
                      "Messages queued for the notifiers or waiting for a retry.")
                  .with({})),
        latency(r.histogram("alertd_notification_latency_seconds",
                            "From the incident change a message tells to its delivery.",
                            telemetry::exponential_buckets(0.1, 2, 16))
                    .with({})) {}

  telemetry::CounterFamily& sent;
  telemetry::CounterFamily& failed;
  telemetry::CounterFamily& attempts;
  telemetry::Counter& refused;
  telemetry::Gauge& depth;
  telemetry::Histogram& latency;
};

namespace {

RandomSource seeded_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

const Receiver* find_receiver(const std::vector<Receiver>& receivers, const std::string& name) {
  auto it = std::find_if(receivers.begin(), receivers.end(),
                         [&](const Receiver& r) { return r.name == name; });
  return it == receivers.end() ? nullptr : &*it;
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, std::vector<Receiver> receivers,
                       OnAttempt on_attempt, telemetry::Registry& registry,
                       const core::Clock& clock, RandomSource random)
    : options_(std::move(options)),
      policy_{options_.max_attempts, options_.max_age, options_.backoff},
      transport_{options_.timeouts, options_.max_response_bytes, options_.ca_file},
      on_attempt_(std::move(on_attempt)),
      clock_(clock),
      random_(random ? std::move(random) : seeded_random()),
      metrics_(std::make_unique<Metrics>(registry)),
      receivers_(std::make_shared<const std::vector<Receiver>>(std::move(receivers))) {
  const int threads = std::max(1, options_.threads);
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

Dispatcher::~Dispatcher() {
  stop();
}

bool Dispatcher::submit(Message message) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  if (known_ids_.count(message.id) != 0) return true;
  if (queued_.size() + waiting_.size() >= options_.queue_capacity) {
    metrics_->refused.inc();
    return false;
  }
  if (message.created_at == core::kNoTime) message.created_at = clock_.now();
  known_ids_.insert(message.id);
  queued_.push_back(std::move(message));
  update_depth_locked();
  work_.notify_one();
  return true;
}

void Dispatcher::reconfigure(std::vector<Receiver> receivers) {
  auto next = std::make_shared<const std::vector<Receiver>>(std::move(receivers));
  std::lock_guard lock(mutex_);
  receivers_ = std::move(next);
}

Dispatcher::Receivers Dispatcher::receivers() const {
  std::lock_guard lock(mutex_);
  return receivers_;
}

AttemptOutcome Dispatcher::send_now(const std::string& receiver, const Message& message) {
  Message copy = message;
  copy.receiver = receiver;
  if (copy.created_at == core::kNoTime) copy.created_at = clock_.now();
  AttemptOutcome refused{copy.id, receiver, copy.attempts, Result::failed, "", 0, clock_.now(), {}};
  {
    std::lock_guard lock(mutex_);
    if (stopping_) refused.reason = "shutdown";
  }
  const Receivers current = receivers();
  // Not counted: the name comes from an API request, and a metric label
  // per name asked for would grow without bound.
  if (refused.reason.empty() && find_receiver(*current, receiver) == nullptr) {
    refused.reason = "unknown_receiver";
  }
  if (!refused.reason.empty()) return refused;
  AttemptOutcome outcome = attempt_once(current, copy);
  if (outcome.result == Result::retrying) {
    outcome.result = Result::failed;  // a test message is tried once
    outcome.next_at = core::kNoTime;
  }
  count(outcome, current, copy);
  return outcome;
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    work_.notify_all();
  }
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  std::lock_guard lock(mutex_);
  workers_.clear();
  // Dropped, not failed: each is still pending in the store's outbox.
  queued_.clear();
  waiting_ = {};
  known_ids_.clear();
  update_depth_locked();
}

size_t Dispatcher::depth() const {
  std::lock_guard lock(mutex_);
  return queued_.size() + waiting_.size();
}

void Dispatcher::wake() {
  std::lock_guard lock(mutex_);
  promote_due_locked(clock_.now());
  work_.notify_all();
}

void Dispatcher::run() {
  Message message;
  while (next_message(message)) attempt(std::move(message));
}

bool Dispatcher::next_message(Message& out) {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    promote_due_locked(clock_.now());
    if (!queued_.empty()) {
      out = std::move(queued_.front());
      queued_.pop_front();
      update_depth_locked();
      return true;
    }
    if (waiting_.empty()) {
      work_.wait(lock);
      continue;
    }
    // The injected clock may not be the wall clock (replay, tests), so the
    // wait is bounded and the due time checked again on its own clock.
    const auto until_due = waiting_.top().due - clock_.now();
    work_.wait_for(lock, std::clamp<core::Duration>(until_due, std::chrono::milliseconds(1),
                                                    std::chrono::seconds(1)));
  }
  return false;
}

void Dispatcher::promote_due_locked(core::TimePoint now) {
  while (!waiting_.empty() && waiting_.top().due <= now) {
    // priority_queue::top is const; the entry is popped right after.
    queued_.push_back(std::move(const_cast<Waiting&>(waiting_.top()).message));
    waiting_.pop();
  }
}

void Dispatcher::attempt(Message message) {
  const Receivers current = receivers();
  const AttemptOutcome outcome = attempt_once(current, message);
  count(outcome, current, message);
  if (on_attempt_) on_attempt_(outcome);
  finish(std::move(message), outcome);
}

AttemptOutcome Dispatcher::attempt_once(const Receivers& receivers, Message& message) {
  AttemptOutcome out{message.id, message.receiver, message.attempts, Result::failed, "", 0, {}, {}};
  const core::TimePoint start = clock_.now();
  const Receiver* receiver = find_receiver(*receivers, message.receiver);
  if (receiver == nullptr || start > message.created_at + options_.max_age) {
    // Nothing sent: the attempt count stays what it was.
    out.reason = receiver == nullptr ? "unknown_receiver" : "max_age";
    out.at = start;
    return out;
  }
  out.attempt = ++message.attempts;
  const SendResult sent = send_message(*receiver, message, transport_, clock_);
  out.at = clock_.now();
  out.status = sent.status;
  const Decision decision = decide(sent, out.attempt, message.created_at, out.at, policy_,
                                   [this] { return draw_random(); });
  out.result = decision.result;
  out.reason = decision.reason;
  out.next_at = decision.next_at;
  return out;
}

void Dispatcher::finish(Message message, const AttemptOutcome& outcome) {
  std::lock_guard lock(mutex_);
  if (outcome.result == Result::retrying && !stopping_) {
    waiting_.push(Waiting{outcome.next_at, next_order_++, std::move(message)});
    update_depth_locked();
    work_.notify_one();  // a worker waiting on a later due time waits on this one now
    return;
  }
  // Final, or a retry dropped by stop() (pending in the store): released.
  known_ids_.erase(message.id);
}

void Dispatcher::count(const AttemptOutcome& outcome, const Receivers& receivers,
                       const Message& message) {
  metrics_->attempts.with({outcome.receiver, result_name(outcome.result)}).inc();
  if (outcome.result == Result::failed) {
    metrics_->failed.with({outcome.receiver, outcome.reason}).inc();
  } else if (outcome.result == Result::delivered) {
    const Receiver* receiver = find_receiver(*receivers, outcome.receiver);
    metrics_->sent.with({outcome.receiver, receiver ? kind_name(*receiver) : "unknown"}).inc();
    if (message.changed_at != core::kNoTime) {
      metrics_->latency.observe(std::max(0.0, core::to_seconds(outcome.at - message.changed_at)));
    }
  }
}

double Dispatcher::draw_random() {
  std::lock_guard lock(random_mutex_);
  return random_();
}

void Dispatcher::update_depth_locked() {
  metrics_->depth.set(static_cast<double>(queued_.size() + waiting_.size()));
}

}  // namespace alertd::sinks::notify
