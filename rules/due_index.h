#pragma once
// A time-ordered index of state entries that need a look at a given time
// (lease ends, window ends, heartbeat timers), so that tick() costs what is
// due, not what is stored. A min-heap of (time, key) items validated
// lazily: each entry keeps the time of its one live item in a `scheduled`
// field; a popped item whose time differs is stale and skipped. Used by the
// shard stages, one per thread; no locking.

#include <algorithm>
#include <optional>
#include <vector>

#include "core/time.h"

namespace alertd::rules {

/// An entry's `scheduled` when no live item refers to it.
inline constexpr core::TimePoint kUnscheduled = core::TimePoint::max();

template <typename Key>
class DueIndex {
 public:
  struct Item {
    core::TimePoint at;
    Key key;
  };

  /// Makes sure the entry is looked at no later than `at`. A live item that
  /// is earlier stays (it re-queues itself when it comes due); a later one is
  /// superseded by a new item.
  void schedule(const Key& key, core::TimePoint& scheduled, core::TimePoint at) {
    if (at >= scheduled) return;
    scheduled = at;
    heap_.push_back(Item{at, key});
    std::push_heap(heap_.begin(), heap_.end(), LaterFirst{});
  }

  /// The next item due strictly before `now`, earliest first; ties in key
  /// order, so ticks emit in the same order on every run (replay
  /// determinism). The caller checks it against the entry's `scheduled`.
  std::optional<Item> pop_due(core::TimePoint now) {
    if (heap_.empty() || heap_.front().at >= now) return std::nullopt;
    std::pop_heap(heap_.begin(), heap_.end(), LaterFirst{});
    Item item = heap_.back();
    heap_.pop_back();
    return item;
  }

  /// Stale items pile up when entries are renewed earlier or dropped; if they
  /// dominate, rebuild from the live entries (a map of Key -> entry with a
  /// `scheduled` field) so memory stays bounded.
  template <typename Map>
  void maybe_compact(const Map& entries) {
    if (heap_.size() < 1024 || heap_.size() <= 2 * entries.size()) return;
    heap_.clear();
    for (const auto& [key, entry] : entries) {
      if (entry.scheduled != kUnscheduled) heap_.push_back(Item{entry.scheduled, key});
    }
    std::make_heap(heap_.begin(), heap_.end(), LaterFirst{});
  }

  size_t size() const { return heap_.size(); }

 private:
  struct LaterFirst {
    bool operator()(const Item& a, const Item& b) const {
      if (a.at != b.at) return a.at > b.at;
      return b.key < a.key;
    }
  };
  std::vector<Item> heap_;
};

}  // namespace alertd::rules
