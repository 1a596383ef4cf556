#include "sinks/notify/retry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>

namespace alertd::sinks::notify {

namespace {

bool smtp_transient(const SendResult& sent) {
  return sent.status == 0 || (sent.status >= 400 && sent.status <= 499);
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate, the one form
// senders are told to generate).
std::optional<core::TimePoint> parse_imf_fixdate(std::string_view v) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (v.size() != 29 || v[3] != ',' || v.substr(25) != " GMT") return std::nullopt;
  auto number = [&](size_t at, size_t len, int& out) {
    const char* begin = v.data() + at;
    auto [end, ec] = std::from_chars(begin, begin + len, out);
    return ec == std::errc() && end == begin + len;
  };
  std::tm tm{};
  int year = 0;
  const auto month = std::find(kMonths.begin(), kMonths.end(), v.substr(8, 3));
  if (month == kMonths.end() || !number(5, 2, tm.tm_mday) || !number(12, 4, year) ||
      !number(17, 2, tm.tm_hour) || !number(20, 2, tm.tm_min) || !number(23, 2, tm.tm_sec)) {
    return std::nullopt;
  }
  tm.tm_mon = static_cast<int>(month - kMonths.begin());
  tm.tm_year = year - 1900;
  const std::time_t seconds = timegm(&tm);
  if (seconds < 0) return std::nullopt;
  return core::TimePoint{std::chrono::seconds{seconds}};
}

}  // namespace

std::string_view classify(const SendResult& sent) {
  switch (sent.error) {
    case SendError::none: break;
    case SendError::connect_error: return "connect_error";
    case SendError::timeout: return "timeout";
    case SendError::tls_error: return "tls_error";
    case SendError::smtp_error: return "smtp_error";
    case SendError::other: return "transport_error";
  }
  if (sent.delivered()) return "delivered";
  if (sent.status == 429) return "http_429";
  if (sent.status >= 500 && sent.status <= 599) return "http_5xx";
  if (sent.status >= 300 && sent.status <= 399) return "http_3xx";  // redirects are not followed
  return "http_4xx";
}

bool retryable(const SendResult& sent) {
  switch (sent.error) {
    case SendError::connect_error:
    case SendError::timeout: return true;
    case SendError::smtp_error: return smtp_transient(sent);
    case SendError::tls_error:
    case SendError::other: return false;
    case SendError::none: break;
  }
  return sent.status == 429 || (sent.status >= 500 && sent.status <= 599);
}

core::Duration backoff_delay(int retry, std::optional<core::Duration> retry_after,
                             const Backoff& backoff, const RandomSource& random) {
  // In double seconds: base * factor^(retry-1) overflows an integer
  // duration long before it stops growing.
  const double cap = core::to_seconds(backoff.cap);
  const double ceiling =
      std::min(cap, core::to_seconds(backoff.base) * std::pow(backoff.factor, retry - 1));
  const double jitter = std::clamp(random ? random() : 1.0, 0.0, 1.0);
  auto delay = std::chrono::duration_cast<core::Duration>(
      std::chrono::duration<double>(std::max(0.0, ceiling) * jitter));
  if (retry_after) delay = std::max(delay, std::min(*retry_after, backoff.cap));
  return delay;
}

Decision decide(const SendResult& sent, int attempt, core::TimePoint created_at,
                core::TimePoint now, const RetryPolicy& policy, const RandomSource& random) {
  using R = AttemptOutcome::Result;
  const std::string_view reason = classify(sent);
  if (sent.delivered()) return {R::delivered, "delivered", core::kNoTime};
  if (!retryable(sent)) return {R::failed, std::string(reason), core::kNoTime};
  if (attempt >= policy.max_attempts) return {R::failed, "max_attempts", core::kNoTime};
  const core::TimePoint next_at =
      now + backoff_delay(attempt, sent.retry_after, policy.backoff, random);
  // A message that would be tried only after it is too old is given up now
  // rather than held for an attempt that may not happen.
  if (next_at > created_at + policy.max_age) return {R::failed, "max_age", core::kNoTime};
  return {R::retrying, std::string(reason), next_at};
}

std::optional<core::Duration> parse_retry_after(std::string_view value, core::TimePoint now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' ||
                            value.back() == '\n')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Beyond ~30 years a value means "not soon"; the backoff cap bounds it anyway.
    if (value.size() > 9) return std::chrono::seconds{999'999'999};
    int64_t seconds = 0;
    std::from_chars(value.data(), value.data() + value.size(), seconds);
    return std::chrono::seconds{seconds};
  }
  const auto at = parse_imf_fixdate(value);
  if (!at) return std::nullopt;
  return std::max(core::Duration::zero(), *at - now);
}

}  // namespace alertd::sinks::notify
