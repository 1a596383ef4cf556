#pragma once
// Splunk HEC indexer acknowledgement (reference/wire-formats.md §1): each
// answered POST of an ack-enabled token gets the next ackId of its channel,
// and `POST /services/collector/ack` says which ids are done. alertd hands
// out an ackId only once the events are journaled (the answer waits for the
// journal's group commit), so every id it issued polls true, once, and is
// then forgotten, as Vector does. An id never issued, already polled or
// expired polls false: the sender resends after its deadline.
//
// Bounded: channels (least recently used evicted), ids per channel (oldest
// evicted) and age (ack_ttl). Thread-safe: io threads and the journal's
// thread call it.

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "config/config.h"
#include "core/time.h"

namespace alertd::api {

class HecAcks {
 public:
  /// The next ackId of `channel` (scoped by the token's name), recorded as done.
  uint64_t issue(const std::string& token, const std::string& channel,
                 const config::SplunkHecConfig& limits, core::TimePoint now);

  /// For each id asked: whether it was issued and not yet polled; a true one
  /// is forgotten.
  std::vector<std::pair<uint64_t, bool>> poll(const std::string& token, const std::string& channel,
                                              const std::vector<uint64_t>& ids,
                                              const config::SplunkHecConfig& limits,
                                              core::TimePoint now);

  /// Issued ids not yet polled (alertd_hec_acks_pending).
  size_t pending() const;

 private:
  struct Channel {
    uint64_t next_id = 0;
    std::map<uint64_t, core::TimePoint> done;  // issued, not yet polled
    core::TimePoint used;
    std::list<std::string>::iterator lru;
  };
  void expire(Channel& channel, const config::SplunkHecConfig& limits, core::TimePoint now);
  Channel& channel_of(const std::string& key, const config::SplunkHecConfig& limits,
                      core::TimePoint now);

  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, Channel> channels_;
  std::list<std::string> lru_;  // least recently used first
  size_t pending_ = 0;
};

}  // namespace alertd::api
