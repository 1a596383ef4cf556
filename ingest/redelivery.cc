#include "ingest/redelivery.h"

#include <algorithm>
#include <functional>

namespace alertd::ingest {

RedeliverySet::RedeliverySet(core::Duration window, size_t max_ids)
    : window_(window), max_per_shard_(std::max<size_t>(1, (max_ids + kShards - 1) / kShards)) {}

RedeliverySet::Shard& RedeliverySet::shard_of(std::string_view id) {
  return shards_[std::hash<std::string_view>{}(id) % kShards];
}

// Drops what fell out of the window, then the oldest beyond the bound. An
// order entry whose id was forgotten or re-remembered later is stale: it is
// skipped when its time does not match the map's.
void RedeliverySet::expire(Shard& shard, core::TimePoint now) {
  while (!shard.order.empty() &&
         (shard.order.front().first + window_ <= now || shard.seen.size() > max_per_shard_ ||
          shard.order.size() > 2 * max_per_shard_)) {
    auto& [when, id] = shard.order.front();
    if (auto it = shard.seen.find(id); it != shard.seen.end() && it->second == when) {
      shard.seen.erase(it);
    }
    shard.order.pop_front();
  }
}

bool RedeliverySet::first_seen(std::string_view id, core::TimePoint now) {
  if (id.empty()) return true;
  Shard& shard = shard_of(id);
  std::lock_guard lock(shard.mutex);
  expire(shard, now);
  auto [it, inserted] = shard.seen.try_emplace(std::string(id), now);
  if (!inserted) return false;
  shard.order.emplace_back(now, it->first);
  expire(shard, now);
  return true;
}

void RedeliverySet::forget(std::string_view id) {
  Shard& shard = shard_of(id);
  std::lock_guard lock(shard.mutex);
  if (auto it = shard.seen.find(std::string(id)); it != shard.seen.end()) shard.seen.erase(it);
}

size_t RedeliverySet::size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.seen.size();
  }
  return n;
}

}  // namespace alertd::ingest
