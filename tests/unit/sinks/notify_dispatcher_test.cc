// The notifier pool against real local HTTP servers, on a manual clock and
// a fixed random source: retries wait in the timer heap until the clock
// makes them due (never on wall-clock time), one delivery per message id,
// stop() leaves queued messages unreported, and the metrics.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "sinks/notify/dispatcher.h"
#include "sinks/notify/signature.h"
#include "tests/support/http_test_server.h"

namespace alertd::sinks::notify {
namespace {

using alertd::testing::HttpTestServer;
using R = AttemptOutcome::Result;

const core::TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);

// A manual clock the workers may read while the test moves it.
class TestClock final : public core::Clock {
 public:
  explicit TestClock(core::TimePoint start) : nanos_(start.time_since_epoch().count()) {}
  core::TimePoint now() const override { return core::TimePoint{core::Duration{nanos_.load()}}; }
  void set(core::TimePoint t) { nanos_ = t.time_since_epoch().count(); }
  void advance(core::Duration d) { nanos_ += d.count(); }

 private:
  std::atomic<int64_t> nanos_;
};

// Every outcome reported to OnAttempt, in order, from any worker.
class Outcomes {
 public:
  OnAttempt callback() {
    return [this](const AttemptOutcome& o) {
      std::lock_guard lock(mutex_);
      seen_.push_back(o);
      cv_.notify_all();
    };
  }
  // Waits for the n-th outcome (1-based) and returns it.
  AttemptOutcome wait(size_t n) {
    std::unique_lock lock(mutex_);
    const bool got =
        cv_.wait_for(lock, std::chrono::seconds(30), [&] { return seen_.size() >= n; });
    EXPECT_TRUE(got) << "outcome " << n << " never came";
    return got ? seen_[n - 1] : AttemptOutcome{};
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<AttemptOutcome> seen_;
};

Message message(uint64_t id, std::string receiver = "hook") {
  Message m;
  m.id = id;
  m.receiver = std::move(receiver);
  m.incident_id = "INC-" + std::to_string(id);
  m.body = R"({"incident":")" + m.incident_id + R"("})";
  m.changed_at = kT0 - std::chrono::seconds(2);
  m.created_at = kT0;
  return m;
}

// OnAttempt runs before a retry enters the timer heap (so outcomes are
// reported in attempt order): wait for it to get there.
bool wait_depth(const Dispatcher& d, size_t n) {
  for (int i = 0; i < 30000 && d.depth() != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return d.depth() == n;
}

class NotifyDispatcher : public ::testing::Test {
 protected:
  std::unique_ptr<Dispatcher> start(DispatcherOptions options = {}) {
    std::vector<Receiver> receivers = {{"hook", WebhookReceiver{server_.url("/hook"), "", {}}},
                                       {"slack", SlackReceiver{server_.url("/slack")}}};
    return std::make_unique<Dispatcher>(options, receivers, outcomes_.callback(), registry_, clock_,
                                        [] { return 1.0; });
  }
  bool metric(const std::string& line) {
    const std::string text = registry_.render();
    return text.find(line + "\n") != std::string::npos;
  }

  HttpTestServer server_;
  TestClock clock_{kT0};
  telemetry::Registry registry_;
  Outcomes outcomes_;
};

TEST_F(NotifyDispatcher, DeliversAndCounts) {
  server_.respond({202, {}, ""});
  auto d = start();
  ASSERT_TRUE(d->submit(message(1, "slack")));
  const AttemptOutcome o = outcomes_.wait(1);
  EXPECT_EQ(o.message_id, 1u);
  EXPECT_EQ(o.receiver, "slack");
  EXPECT_EQ(o.attempt, 1);
  EXPECT_EQ(o.result, R::delivered);
  EXPECT_EQ(o.reason, "delivered");
  EXPECT_EQ(o.status, 202);
  EXPECT_EQ(o.at, kT0);
  d->stop();
  EXPECT_EQ(server_.requests().at(0).path, "/slack");
  EXPECT_TRUE(metric(R"(alertd_notifications_sent_total{kind="slack",receiver="slack"} 1)"));
  EXPECT_TRUE(
      metric(R"(alertd_notification_attempts_total{receiver="slack",result="delivered"} 1)"));
  EXPECT_TRUE(metric("alertd_notification_latency_seconds_count 1"));
  EXPECT_TRUE(metric("alertd_notification_latency_seconds_sum 2"));  // from changed_at
  EXPECT_TRUE(metric("alertd_notification_queue_depth 0"));
}

TEST_F(NotifyDispatcher, HonoursRetryAfterOnTheInjectedClock) {
  server_.respond({429, {{"Retry-After", "30"}}, ""});
  server_.respond({200, {}, ""});
  auto d = start();
  ASSERT_TRUE(d->submit(message(1)));
  const AttemptOutcome first = outcomes_.wait(1);
  EXPECT_EQ(first.result, R::retrying);
  EXPECT_EQ(first.reason, "http_429");
  EXPECT_EQ(first.status, 429);
  EXPECT_GE(first.next_at - first.at, std::chrono::seconds(30));
  ASSERT_TRUE(wait_depth(*d, 1));
  clock_.advance(std::chrono::seconds(29));
  d->wake();  // not due yet: stays in the timer heap
  EXPECT_EQ(d->depth(), 1u);
  EXPECT_EQ(outcomes_.size(), 1u);
  clock_.set(first.next_at);
  d->wake();
  const AttemptOutcome second = outcomes_.wait(2);
  EXPECT_EQ(second.result, R::delivered);
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_EQ(d->depth(), 0u);
  EXPECT_TRUE(metric(R"(alertd_notification_attempts_total{receiver="hook",result="retrying"} 1)"));
}

TEST_F(NotifyDispatcher, RetriesAServerErrorThenDelivers) {
  server_.respond({500, {}, ""});
  server_.respond({503, {}, ""});
  auto d = start();
  ASSERT_TRUE(d->submit(message(1)));
  EXPECT_EQ(outcomes_.wait(1).reason, "http_5xx");
  clock_.advance(std::chrono::seconds(1));  // backoff 1 s (random 1.0)
  d->wake();
  const AttemptOutcome second = outcomes_.wait(2);
  EXPECT_EQ(second.result, R::retrying);
  EXPECT_EQ(second.next_at, kT0 + std::chrono::seconds(1 + 2));
  clock_.advance(std::chrono::seconds(2));
  d->wake();
  EXPECT_EQ(outcomes_.wait(3).result, R::delivered);
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(NotifyDispatcher, ABadRequestIsNotRetried) {
  server_.respond({400, {}, "no"});
  auto d = start();
  ASSERT_TRUE(d->submit(message(1)));
  const AttemptOutcome o = outcomes_.wait(1);
  EXPECT_EQ(o.result, R::failed);
  EXPECT_EQ(o.reason, "http_4xx");
  EXPECT_EQ(o.status, 400);
  EXPECT_EQ(d->depth(), 0u);
  clock_.advance(std::chrono::hours(1));
  d->wake();
  d->stop();
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(outcomes_.size(), 1u);
  EXPECT_TRUE(metric(R"(alertd_notifications_failed_total{reason="http_4xx",receiver="hook"} 1)"));
}

TEST_F(NotifyDispatcher, ARefusedConnectionIsRetriedAndAReloadRepointsIt) {
  auto d = start();
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::unused_port()) + "/";
  d->reconfigure({{"hook", WebhookReceiver{dead, "", {}}}});
  ASSERT_TRUE(d->submit(message(1)));
  const AttemptOutcome first = outcomes_.wait(1);
  EXPECT_EQ(first.result, R::retrying);
  EXPECT_EQ(first.reason, "connect_error");
  d->reconfigure({{"hook", WebhookReceiver{server_.url("/hook"), "", {}}}});
  clock_.set(first.next_at);
  d->wake();
  EXPECT_EQ(outcomes_.wait(2).result, R::delivered);
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(NotifyDispatcher, GivesUpAfterMaxAttempts) {
  server_.set_default({500, {}, ""});
  DispatcherOptions options;
  options.max_attempts = 3;
  auto d = start(options);
  ASSERT_TRUE(d->submit(message(1)));
  for (size_t n = 1; n <= 2; ++n) {
    const AttemptOutcome o = outcomes_.wait(n);
    ASSERT_EQ(o.result, R::retrying);
    clock_.set(o.next_at);
    d->wake();
  }
  const AttemptOutcome last = outcomes_.wait(3);
  EXPECT_EQ(last.result, R::failed);
  EXPECT_EQ(last.reason, "max_attempts");
  EXPECT_EQ(last.attempt, 3);
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_TRUE(
      metric(R"(alertd_notifications_failed_total{reason="max_attempts",receiver="hook"} 1)"));
  // Only the final failure counts as failed; the retries count as attempts.
  EXPECT_TRUE(metric(R"(alertd_notification_attempts_total{receiver="hook",result="retrying"} 2)"));
}

TEST_F(NotifyDispatcher, GivesUpAtMaxAge) {
  server_.set_default({503, {{"Retry-After", "120"}}, ""});
  DispatcherOptions options;
  options.max_age = std::chrono::minutes(1);
  auto d = start(options);
  ASSERT_TRUE(d->submit(message(1)));  // the retry would be after created_at + 1 min
  const AttemptOutcome o = outcomes_.wait(1);
  EXPECT_EQ(o.result, R::failed);
  EXPECT_EQ(o.reason, "max_age");
  // A message already too old (pending across a long outage) is not sent.
  Message old = message(2);
  old.created_at = kT0 - std::chrono::minutes(2);
  old.attempts = 4;
  ASSERT_TRUE(d->submit(old));
  const AttemptOutcome stale = outcomes_.wait(2);
  EXPECT_EQ(stale.result, R::failed);
  EXPECT_EQ(stale.reason, "max_age");
  EXPECT_EQ(stale.attempt, 4);
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(NotifyDispatcher, OneDeliveryPerMessageId) {
  server_.respond({429, {{"Retry-After", "10"}}, ""});
  auto d = start();
  ASSERT_TRUE(d->submit(message(7)));
  ASSERT_TRUE(d->submit(message(7)));  // queued or in flight: no second copy
  const AttemptOutcome first = outcomes_.wait(1);
  ASSERT_EQ(first.result, R::retrying);
  ASSERT_TRUE(wait_depth(*d, 1));
  EXPECT_TRUE(d->submit(message(7)));  // waiting for its retry: still one
  EXPECT_EQ(d->depth(), 1u);
  clock_.set(first.next_at);
  d->wake();
  EXPECT_EQ(outcomes_.wait(2).result, R::delivered);
  d->stop();
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_EQ(outcomes_.size(), 2u);
}

TEST_F(NotifyDispatcher, ConcurrentResubmissionsDeliverEachMessageOnce) {
  auto d = start();  // two workers
  server_.hold();    // both workers stay in flight while everything is submitted
  constexpr uint64_t kMessages = 100;
  auto submit_all = [&] {
    for (uint64_t id = 1; id <= kMessages; ++id) EXPECT_TRUE(d->submit(message(id)));
  };
  std::thread a(submit_all), b(submit_all);
  a.join();
  b.join();
  server_.release();
  for (size_t n = 1; n <= kMessages; ++n) EXPECT_EQ(outcomes_.wait(n).result, R::delivered);
  d->stop();
  EXPECT_EQ(outcomes_.size(), kMessages);
  std::set<std::string> bodies;
  for (const auto& r : server_.requests()) bodies.insert(r.body);
  EXPECT_EQ(server_.request_count(), kMessages);
  EXPECT_EQ(bodies.size(), kMessages);
}

TEST_F(NotifyDispatcher, StopLeavesQueuedMessagesUnreported) {
  DispatcherOptions options;
  options.threads = 1;
  auto d = start(options);
  server_.hold();
  ASSERT_TRUE(d->submit(message(1)));
  ASSERT_TRUE(server_.wait_for_received(1));  // message 1 is in flight
  ASSERT_TRUE(d->submit(message(2)));
  ASSERT_TRUE(d->submit(message(3)));
  std::thread stopper([&] { d->stop(); });
  // stop() waits for the attempt in flight; it is answered only now.
  while (d->submit(message(4))) std::this_thread::yield();
  server_.release();
  stopper.join();
  EXPECT_EQ(outcomes_.size(), 1u);
  EXPECT_EQ(outcomes_.wait(1).message_id, 1u);
  EXPECT_EQ(outcomes_.wait(1).result, R::delivered);
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(d->depth(), 0u);
  EXPECT_FALSE(metric(R"(alertd_notifications_failed_total{reason="shutdown",receiver="hook"} 1)"));
  EXPECT_EQ(d->send_now("hook", message(5)).reason, "shutdown");
}

TEST_F(NotifyDispatcher, AFullQueueRefusesWithoutLosingAnything) {
  DispatcherOptions options;
  options.threads = 1;
  options.queue_capacity = 2;
  auto d = start(options);
  server_.hold();
  ASSERT_TRUE(d->submit(message(1)));
  ASSERT_TRUE(server_.wait_for_received(1));
  EXPECT_TRUE(d->submit(message(2)));
  EXPECT_TRUE(d->submit(message(3)));
  EXPECT_FALSE(d->submit(message(4)));
  EXPECT_EQ(d->depth(), 2u);
  EXPECT_TRUE(metric("alertd_notification_submit_refused_total 1"));
  EXPECT_TRUE(metric("alertd_notification_queue_depth 2"));
  server_.release();
  outcomes_.wait(3);
  EXPECT_TRUE(d->submit(message(4)));  // the caller's resubmission
  EXPECT_EQ(outcomes_.wait(4).message_id, 4u);
  EXPECT_FALSE(
      metric(R"(alertd_notifications_failed_total{reason="queue_full",receiver="hook"} 1)"));
}

TEST_F(NotifyDispatcher, SignsWebhooksAtTheInjectedTime) {
  auto d = start();
  d->reconfigure({{"hook", WebhookReceiver{server_.url("/hook"), "k", {{"X-Team", "db"}}}}});
  ASSERT_TRUE(d->submit(message(1)));
  EXPECT_EQ(outcomes_.wait(1).result, R::delivered);
  const auto request = server_.requests().at(0);
  EXPECT_EQ(request.header("X-Team"), "db");
  EXPECT_EQ(request.header("X-Alertd-Signature"),
            "t=1767225600,v1=" + hmac_sha256_hex("k", "1767225600." + request.body));
}

TEST_F(NotifyDispatcher, UnknownReceiverFails) {
  auto d = start();
  ASSERT_TRUE(d->submit(message(1, "gone")));
  const AttemptOutcome o = outcomes_.wait(1);
  EXPECT_EQ(o.result, R::failed);
  EXPECT_EQ(o.reason, "unknown_receiver");
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(NotifyDispatcher, SendNowIsOneAttemptOnTheCallingThread) {
  server_.respond({500, {}, ""});
  server_.respond({200, {}, ""});
  auto d = start();
  const AttemptOutcome failed = d->send_now("slack", message(1));
  EXPECT_EQ(failed.result, R::failed);  // a test message is not retried
  EXPECT_EQ(failed.reason, "http_5xx");
  EXPECT_EQ(failed.next_at, core::kNoTime);
  const AttemptOutcome ok = d->send_now("slack", message(1));
  EXPECT_EQ(ok.result, R::delivered);
  EXPECT_EQ(d->send_now("nope", message(1)).reason, "unknown_receiver");
  EXPECT_EQ(registry_.render().find(R"(receiver="nope")"), std::string::npos);
  EXPECT_EQ(outcomes_.size(), 0u);  // the caller has the outcome
  EXPECT_EQ(d->depth(), 0u);
  EXPECT_EQ(server_.request_count(), 2u);
}

}  // namespace
}  // namespace alertd::sinks::notify
