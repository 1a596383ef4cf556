#include "telemetry/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace alertd::telemetry {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]()) {}

void Histogram::observe(double v) {
  // First bound >= v: buckets count observations v <= le. NaN compares false
  // with everything, so it is sent to +Inf explicitly (as client_golang does).
  size_t i = std::isnan(v)
                 ? bounds_.size()
                 : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                       bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) total += counts_[i].load(std::memory_order_relaxed);
  return total;
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
  if (!(start > 0) || !(factor > 1) || count == 0 || !std::isfinite(start) ||
      !std::isfinite(factor)) {
    throw std::invalid_argument("exponential_buckets: need start > 0, factor > 1, count >= 1");
  }
  std::vector<double> out(count);
  double v = start;
  for (size_t i = 0; i < count; ++i, v *= factor) out[i] = v;
  return out;
}

std::vector<double> linear_buckets(double start, double width, size_t count) {
  if (!(width > 0) || count == 0 || !std::isfinite(start) || !std::isfinite(width)) {
    throw std::invalid_argument("linear_buckets: need width > 0, count >= 1");
  }
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = start + static_cast<double>(i) * width;
  return out;
}

}  // namespace alertd::telemetry
