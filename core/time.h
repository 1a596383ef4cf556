#pragma once
// Time vocabulary. All windows (dedup, thresholds, grouping, SLA) run on an
// injected Clock so that the daemon, `alertd replay` and tests share one code
// path (DESIGN.md §6).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace alertd::core {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

/// The zero time point stands for "not set" (Alertmanager's 0001-01-01 too).
inline constexpr TimePoint kNoTime{};

/// Parses RFC 3339 / ISO 8601 timestamps as senders really write them:
/// `2026-01-01T00:05:12Z`, fractional seconds up to nanoseconds, offsets as
/// `+01:00` or `+0100` (CloudWatch), lower-case `t`/`z`, and a space instead
/// of `T`. Years before 1970 (Alertmanager's zero time) map to kNoTime.
/// Times after 2262-04-11T23:47:15Z do not fit TimePoint and are rejected.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

/// Formats as RFC 3339 UTC with millisecond precision: `2026-01-01T00:05:12.345Z`.
/// kNoTime formats as the empty string.
std::string format_rfc3339(TimePoint t);

/// Epoch seconds (with optional fraction) to a time point; nullopt when out of range.
std::optional<TimePoint> from_epoch_seconds(double seconds);

/// Parses Prometheus-style durations: `90s`, `5m`, `1h30m`, `7d`, `2w`, `250ms`, `0`.
/// Units: ms, s, m, h, d, w, y. Rejects negatives, empty input and unit repeats.
std::optional<Duration> parse_duration(std::string_view text);

/// Formats a duration in the largest exact units: `1h30m`, `10m`, `250ms`, `0s`.
std::string format_duration(Duration d);

inline int64_t to_unix_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix_millis(int64_t ms) {
  return TimePoint{std::chrono::milliseconds{ms}};
}
inline double to_seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

/// Source of "now" for everything that measures windows.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

/// The wall clock, used by the live daemon.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

/// A clock that moves only when told: tests and replay drive it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(Duration d) { now_ += d; }

 private:
  TimePoint now_;
};

/// Monotonic nanoseconds, for latency measurements only (never for windows).
inline int64_t monotonic_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace alertd::core
