#pragma once
// Recent message ids (CloudTrail eventID, SNS MessageId) of the senders
// that re-deliver on a timeout: a re-sent id is answered as a success and
// not offered again. Bounded in time (`window`) and size (`max_ids`, the
// oldest evicted first); thread-safe, sharded so io threads rarely meet.

#include <array>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"

namespace alertd::ingest {

class RedeliverySet {
 public:
  RedeliverySet(core::Duration window, size_t max_ids);

  /// True the first time `id` is seen within the window (it is then
  /// remembered); false for a re-delivery. An empty id is never a re-delivery.
  bool first_seen(std::string_view id, core::TimePoint now);
  /// Forgets `id`: its batch was refused, so the sender's retry must pass.
  void forget(std::string_view id);
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, core::TimePoint> seen;
    std::deque<std::pair<core::TimePoint, std::string>> order;  // oldest first
  };
  Shard& shard_of(std::string_view id);
  void expire(Shard& shard, core::TimePoint now);

  core::Duration window_;
  size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace alertd::ingest
