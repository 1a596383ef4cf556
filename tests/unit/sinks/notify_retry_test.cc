// What an answer means for retrying, and when the next attempt is due:
// exponential backoff with full jitter from a fixed random source,
// Retry-After honoured up to the cap, max_attempts and max_age.

#include <gtest/gtest.h>

#include "sinks/notify/retry.h"

namespace alertd::sinks::notify {
namespace {

using R = AttemptOutcome::Result;

SendResult http(int status) {
  SendResult s;
  s.status = status;
  return s;
}

SendResult failed(SendError error, int status = 0) {
  SendResult s;
  s.error = error;
  s.status = status;
  return s;
}

const core::TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);

TEST(NotifyRetry, ClassifiesAnswers) {
  EXPECT_EQ(classify(http(200)), "delivered");
  EXPECT_EQ(classify(http(202)), "delivered");
  EXPECT_EQ(classify(http(429)), "http_429");
  EXPECT_EQ(classify(http(500)), "http_5xx");
  EXPECT_EQ(classify(http(503)), "http_5xx");
  EXPECT_EQ(classify(http(400)), "http_4xx");
  EXPECT_EQ(classify(http(404)), "http_4xx");
  EXPECT_EQ(classify(http(302)), "http_3xx");
  EXPECT_EQ(classify(failed(SendError::connect_error)), "connect_error");
  EXPECT_EQ(classify(failed(SendError::timeout)), "timeout");
  EXPECT_EQ(classify(failed(SendError::tls_error)), "tls_error");
  EXPECT_EQ(classify(failed(SendError::smtp_error, 451)), "smtp_error");
  EXPECT_EQ(classify(failed(SendError::other)), "transport_error");
}

TEST(NotifyRetry, RetriesOnlyWhatMaySucceedLater) {
  EXPECT_TRUE(retryable(http(429)));
  EXPECT_TRUE(retryable(http(500)));
  EXPECT_TRUE(retryable(http(599)));
  EXPECT_TRUE(retryable(failed(SendError::connect_error)));
  EXPECT_TRUE(retryable(failed(SendError::timeout)));
  EXPECT_TRUE(retryable(failed(SendError::smtp_error, 451)));
  EXPECT_TRUE(retryable(failed(SendError::smtp_error, 0)));
  EXPECT_FALSE(retryable(http(400)));
  EXPECT_FALSE(retryable(http(401)));
  EXPECT_FALSE(retryable(http(404)));
  EXPECT_FALSE(retryable(http(302)));
  EXPECT_FALSE(retryable(failed(SendError::tls_error)));
  EXPECT_FALSE(retryable(failed(SendError::smtp_error, 550)));
  EXPECT_FALSE(retryable(failed(SendError::other)));
}

TEST(NotifyRetry, BackoffIsExponentialWithFullJitterUpToTheCap) {
  const Backoff b;  // 1 s, x2, cap 5 min
  const RandomSource one = [] { return 1.0; };
  const RandomSource half = [] { return 0.5; };
  const RandomSource zero = [] { return 0.0; };
  EXPECT_EQ(backoff_delay(1, std::nullopt, b, one), 1s);
  EXPECT_EQ(backoff_delay(2, std::nullopt, b, one), 2s);
  EXPECT_EQ(backoff_delay(5, std::nullopt, b, one), 16s);
  EXPECT_EQ(backoff_delay(9, std::nullopt, b, one), 256s);
  EXPECT_EQ(backoff_delay(10, std::nullopt, b, one), 5min);
  EXPECT_EQ(backoff_delay(1000, std::nullopt, b, one), 5min);  // no overflow
  EXPECT_EQ(backoff_delay(5, std::nullopt, b, half), 8s);
  EXPECT_EQ(backoff_delay(5, std::nullopt, b, zero), 0s);
}

TEST(NotifyRetry, RetryAfterIsAtLeastTheWaitButNotBeyondTheCap) {
  const Backoff b;
  const RandomSource zero = [] { return 0.0; };
  const RandomSource one = [] { return 1.0; };
  EXPECT_EQ(backoff_delay(1, 30s, b, zero), 30s);
  EXPECT_EQ(backoff_delay(6, 5s, b, one), 32s);  // the backoff is longer: kept
  EXPECT_EQ(backoff_delay(1, 2h, b, zero), 5min);
}

TEST(NotifyRetry, DecideDeliveredRetryingFailed) {
  const RetryPolicy p;
  const RandomSource one = [] { return 1.0; };
  const Decision ok = decide(http(202), 1, kT0, kT0, p, one);
  EXPECT_EQ(ok.result, R::delivered);
  EXPECT_EQ(ok.reason, "delivered");

  const Decision again = decide(http(503), 3, kT0, kT0 + 10s, p, one);
  EXPECT_EQ(again.result, R::retrying);
  EXPECT_EQ(again.reason, "http_5xx");
  EXPECT_EQ(again.next_at, kT0 + 10s + 4s);

  const Decision bad = decide(http(400), 1, kT0, kT0, p, one);
  EXPECT_EQ(bad.result, R::failed);
  EXPECT_EQ(bad.reason, "http_4xx");
  EXPECT_EQ(bad.next_at, core::kNoTime);
}

TEST(NotifyRetry, HonoursRetryAfterOf429) {
  SendResult limited = http(429);
  limited.retry_after = 45s;
  const Decision d = decide(limited, 1, kT0, kT0, RetryPolicy{}, [] { return 0.3; });
  EXPECT_EQ(d.result, R::retrying);
  EXPECT_EQ(d.reason, "http_429");
  EXPECT_GE(d.next_at - kT0, 45s);
}

TEST(NotifyRetry, GivesUpAfterMaxAttempts) {
  RetryPolicy p;
  p.max_attempts = 3;
  const RandomSource one = [] { return 1.0; };
  EXPECT_EQ(decide(http(500), 2, kT0, kT0, p, one).result, R::retrying);
  const Decision last = decide(http(500), 3, kT0, kT0, p, one);
  EXPECT_EQ(last.result, R::failed);
  EXPECT_EQ(last.reason, "max_attempts");
  // A request that is wrong fails for its own reason, whatever the count.
  EXPECT_EQ(decide(http(404), 3, kT0, kT0, p, one).reason, "http_4xx");
}

TEST(NotifyRetry, GivesUpWhenTheNextAttemptWouldBeTooLate) {
  RetryPolicy p;
  p.max_age = 1min;
  const RandomSource one = [] { return 1.0; };
  EXPECT_EQ(decide(http(500), 1, kT0, kT0 + 58s, p, one).result, R::retrying);  // at +59 s
  const Decision late = decide(http(500), 2, kT0, kT0 + 59s, p, one);           // at +61 s
  EXPECT_EQ(late.result, R::failed);
  EXPECT_EQ(late.reason, "max_age");
  SendResult limited = http(429);
  limited.retry_after = 2min;
  EXPECT_EQ(decide(limited, 1, kT0, kT0, p, one).reason, "max_age");
}

TEST(NotifyRetry, ParsesRetryAfterSecondsAndHttpDates) {
  const core::TimePoint now = *core::parse_rfc3339("2026-12-04T21:40:00Z");
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after(" 0\r\n", now), 0s);
  EXPECT_EQ(parse_retry_after("Fri, 04 Dec 2026 21:41:30 GMT", now), 90s);
  EXPECT_EQ(parse_retry_after("Fri, 04 Dec 2026 21:39:00 GMT", now), 0s);  // past: now
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), std::chrono::seconds(999'999'999));
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Fri, 04 Dec 2026 21:41:30 UTC", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Fri, 04 Foo 2026 21:41:30 GMT", now), std::nullopt);
}

}  // namespace
}  // namespace alertd::sinks::notify
