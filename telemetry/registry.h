#pragma once
// Metric families and the registry that renders them as Prometheus text
// exposition 0.0.4. See telemetry/README.md for threads and invariants.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "telemetry/metrics.h"

namespace alertd::telemetry {

class Registry;

namespace detail {

/// What every family has regardless of its metric type: identity, the label
/// schema, and the rendering of its label sets.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  /// In registration order: the order with() takes the values in.
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual std::string_view type() const = 0;
  /// Appends HELP, TYPE and every sample; nothing when the family has no child.
  virtual void render(std::string& out) const = 0;

 protected:
  /// Validates names; throws std::invalid_argument on a programming error.
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names);

  /// The values permuted into label-name order and made valid UTF-8: the key
  /// that orders children and that two spellings of one label set share.
  std::vector<std::string> canonical_key(const std::vector<std::string_view>& values) const;
  /// `a="x",b="y"` (names sorted, values escaped) for a canonical key.
  std::string labels_text(const std::vector<std::string>& key) const;
  void append_header(std::string& out) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<size_t> sorted_order_;  // indices into label_names_, sorted by name
};

}  // namespace detail

/// Children of one metric name, keyed by label values. with() looks children
/// up without a lock; only the first use of a label set takes the mutex.
/// The returned reference stays valid for the registry's lifetime, so hot
/// paths call with() once and keep the reference.
template <typename M>
class Family : public detail::FamilyBase {
 public:
  /// `values` in the order of the label names given at registration. A wrong
  /// number of values is a programming error: throws std::invalid_argument.
  M& with(std::initializer_list<std::string_view> values);
  M& with(const std::vector<std::string>& values);
  /// Number of distinct label sets created so far.
  size_t size() const;

  void render(std::string& out) const override;

 protected:
  using detail::FamilyBase::FamilyBase;
  ~Family() override;
  virtual std::unique_ptr<M> make_child() const = 0;

 private:
  template <typename Values>
  M& find_or_create(const Values& values);
  M& create(uint64_t hash, std::vector<std::string_view> values);

  // A lock-free, insert-only hash index over the caller's spelling of the
  // values. Nodes are published with a release store of the slot head and
  // never change or go away afterwards, so readers need only acquire loads.
  struct Node {
    uint64_t hash;
    std::vector<std::string> values;
    M* metric;
    Node* next;
  };
  struct Child {
    std::string labels_text;
    std::unique_ptr<M> metric;
  };
  static constexpr size_t kSlots = 32;
  std::array<std::atomic<Node*>, kSlots> index_{};

  mutable std::mutex mutex_;                            // guards children_ and node ownership
  std::map<std::vector<std::string>, Child> children_;  // by canonical key: render order
};

class CounterFamily final : public Family<Counter> {
 public:
  std::string_view type() const override { return "counter"; }

 private:
  friend class Registry;
  using Family<Counter>::Family;
  std::unique_ptr<Counter> make_child() const override { return std::make_unique<Counter>(); }
};

class GaugeFamily final : public Family<Gauge> {
 public:
  std::string_view type() const override { return "gauge"; }

 private:
  friend class Registry;
  using Family<Gauge>::Family;
  std::unique_ptr<Gauge> make_child() const override { return std::make_unique<Gauge>(); }
};

class HistogramFamily final : public Family<Histogram> {
 public:
  std::string_view type() const override { return "histogram"; }
  /// Finite, strictly increasing; the +Inf bucket is implicit.
  const std::vector<double>& buckets() const { return buckets_; }

 private:
  friend class Registry;
  HistogramFamily(std::string family_name, std::string help_text, std::vector<double> buckets,
                  std::vector<std::string> labels);
  std::unique_ptr<Histogram> make_child() const override {
    return std::make_unique<Histogram>(buckets_);
  }
  std::vector<double> buckets_;
};

/// Owns every family; renders them for /metrics. Registration is meant for
/// start-up and throws std::invalid_argument on invalid names, labels or
/// buckets. Registering a name again returns the existing family when type,
/// label names (and buckets) match — the first help text is kept — and throws
/// when they differ.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& counter(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> buckets,
                             std::vector<std::string> label_names = {});

  /// Called at the start of every render(), on the scraping thread, to refresh
  /// gauges that are cheaper to read on demand (queue depths, open incidents).
  /// Hooks run one render at a time, never concurrently with each other.
  void on_collect(std::function<void()> fn);

  /// The whole exposition: families in registration order, children sorted
  /// by their labels, ending with a newline (empty when nothing is registered).
  std::string render();

 private:
  template <typename F, typename... Args>
  F& add(const std::string& name, const std::vector<std::string>& sample_names, Args&&... args);

  std::mutex render_mutex_;  // serializes render(): hooks never overlap
  std::mutex mutex_;         // guards everything below
  std::vector<std::unique_ptr<detail::FamilyBase>> families_;
  std::unordered_map<std::string, detail::FamilyBase*> by_name_;
  std::set<std::string> sample_names_;  // every series name in use, `x_bucket` etc. included
  std::vector<std::function<void()>> hooks_;
  size_t last_size_ = 0;
};

}  // namespace alertd::telemetry
