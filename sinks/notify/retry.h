#pragma once
// What an attempt's answer means, and when to try again. Pure: the
// dispatcher passes in the time and the random source, so tests fix both.
//
// Retried: HTTP 429 and 5xx, no connection, timeouts, and SMTP transient
// replies (4xx, or no reply). Never retried: other HTTP 4xx (the request
// itself is wrong: sending it again cannot help), 1xx/3xx, TLS failures (a
// certificate or STARTTLS problem is configuration), SMTP 5xx (permanent
// by RFC 5321).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "sinks/notify/message.h"
#include "sinks/notify/transport.h"

namespace alertd::sinks::notify {

using namespace std::chrono_literals;

/// Exponential backoff with full jitter: the n-th retry waits a uniformly
/// random part of min(cap, base * factor^(n-1)), so receivers that come
/// back are not hit by every sender at the same instant.
struct Backoff {
  core::Duration base = 1s;
  double factor = 2.0;
  core::Duration cap = 5min;
};

struct RetryPolicy {
  int max_attempts = 10;        // attempts in all, the first included
  core::Duration max_age = 1h;  // from Message.created_at: no attempt after
  Backoff backoff;
};

/// Uniform in [0, 1). Called from several worker threads: the dispatcher
/// serializes its calls.
using RandomSource = std::function<double()>;

/// The reason token of a send (message.h lists them): "delivered", or why
/// it did not deliver: http_429, http_5xx, http_4xx, http_3xx,
/// connect_error, timeout, tls_error, smtp_error, transport_error.
std::string_view classify(const SendResult& sent);

/// Whether sending the same message again may succeed.
bool retryable(const SendResult& sent);

/// The wait before retry number `retry` (1 = after the first attempt):
/// full jitter from `random`, then at least min(retry_after, cap).
core::Duration backoff_delay(int retry, std::optional<core::Duration> retry_after,
                             const Backoff& backoff, const RandomSource& random);

struct Decision {
  AttemptOutcome::Result result = AttemptOutcome::Result::failed;
  std::string reason;
  core::TimePoint next_at = core::kNoTime;  // retrying only
};

/// What to do after attempt number `attempt` (1-based) of a message made at
/// `created_at` ended at `now` with `sent`: delivered; retrying at next_at;
/// or failed for the send's own reason (never retried), max_attempts, or
/// max_age (the next attempt would fall after created_at + max_age).
Decision decide(const SendResult& sent, int attempt, core::TimePoint created_at,
                core::TimePoint now, const RetryPolicy& policy, const RandomSource& random);

/// A Retry-After header value: delay-seconds ("120") or an HTTP-date
/// ("Fri, 04 Dec 2026 21:40:00 GMT"), as the wait from `now` (never
/// negative); nullopt when it is neither.
std::optional<core::Duration> parse_retry_after(std::string_view value, core::TimePoint now);

}  // namespace alertd::sinks::notify
