#include "api/ingest/hec_acks.h"

namespace alertd::api {

void HecAcks::expire(Channel& channel, const config::SplunkHecConfig& limits, core::TimePoint now) {
  for (auto it = channel.done.begin(); it != channel.done.end();) {
    if (now - it->second < limits.ack_ttl && channel.done.size() <= limits.max_acks_per_channel) {
      break;  // ids are issued in time order: the rest is younger
    }
    it = channel.done.erase(it);
    --pending_;
  }
}

HecAcks::Channel& HecAcks::channel_of(const std::string& key, const config::SplunkHecConfig& limits,
                                      core::TimePoint now) {
  auto it = channels_.find(key);
  if (it == channels_.end()) {
    while (channels_.size() >= limits.max_ack_channels && !lru_.empty()) {
      auto oldest = channels_.find(lru_.front());
      pending_ -= oldest->second.done.size();
      channels_.erase(oldest);
      lru_.pop_front();
    }
    it = channels_.emplace(key, Channel{}).first;
    lru_.push_back(key);
    it->second.lru = std::prev(lru_.end());
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  it->second.used = now;
  return it->second;
}

uint64_t HecAcks::issue(const std::string& token, const std::string& channel,
                        const config::SplunkHecConfig& limits, core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Channel& c = channel_of(token + '\n' + channel, limits, now);
  const uint64_t id = c.next_id++;
  c.done.emplace(id, now);
  ++pending_;
  expire(c, limits, now);
  return id;
}

std::vector<std::pair<uint64_t, bool>> HecAcks::poll(const std::string& token,
                                                     const std::string& channel,
                                                     const std::vector<uint64_t>& ids,
                                                     const config::SplunkHecConfig& limits,
                                                     core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Channel& c = channel_of(token + '\n' + channel, limits, now);
  expire(c, limits, now);
  std::vector<std::pair<uint64_t, bool>> out;
  out.reserve(ids.size());
  for (uint64_t id : ids) {
    const bool done = c.done.erase(id) == 1;
    if (done) --pending_;
    out.emplace_back(id, done);
  }
  return out;
}

size_t HecAcks::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

}  // namespace alertd::api
