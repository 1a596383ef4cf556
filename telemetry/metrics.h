#pragma once
// The three metric kinds. Every update is one relaxed atomic operation, so hot
// paths update them without locks; the scraping thread reads them at render.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace alertd::telemetry {

// Each metric sits on its own cache line so that counters updated by
// different threads do not invalidate each other (false sharing).
inline constexpr size_t kCacheLine = 64;

/// A monotonically increasing count (events, bytes, drops).
class alignas(kCacheLine) Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (queue depth, open incidents).
class alignas(kCacheLine) Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Observations counted into fixed buckets (latencies, batch sizes).
/// Bucket counts are kept per bucket (not cumulative) so that observe() is one
/// increment; count() is their total, which keeps `le="+Inf"` equal to
/// `_count` in every rendering even while other threads observe.
class Histogram {
 public:
  /// `bounds`: finite, strictly increasing upper bounds (HistogramFamily
  /// validates them); the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> bounds);

  void observe(double v);
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

  const std::vector<double>& bounds() const { return bounds_; }
  /// Per-bucket (non-cumulative) counts; size bounds().size() + 1, the last
  /// one being the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

/// `count` bounds: start, start*factor, start*factor^2, ... Throws
/// std::invalid_argument unless start > 0, factor > 1 and count >= 1.
std::vector<double> exponential_buckets(double start, double factor, size_t count);

/// `count` bounds: start, start+width, ... Throws unless width > 0 and count >= 1.
std::vector<double> linear_buckets(double start, double width, size_t count);

}  // namespace alertd::telemetry
