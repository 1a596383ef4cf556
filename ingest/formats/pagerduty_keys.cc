#include "ingest/formats/pagerduty_keys.h"

#include <list>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "core/fingerprint.h"

namespace alertd::ingest {

namespace {

using Action = PagerDutyEvent::Action;

// What a trigger said about its alert.
struct Triggered {
  core::LabelSet labels;
  core::LabelSet annotations;
};

// dedup_key -> its trigger, oldest evicted first.
class KnownKeys {
 public:
  void remember(const std::string& key, const Triggered& labels) {
    std::lock_guard lock(mutex_);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      it->second->second = labels;
      return;
    }
    if (order_.size() == kMaxPagerDutyKeys) {
      by_key_.erase(order_.front().first);
      order_.pop_front();
    }
    order_.emplace_back(key, labels);
    by_key_.emplace(key, std::prev(order_.end()));
  }
  std::optional<Triggered> find(const std::string& key, bool forget) {
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    Triggered labels = it->second->second;
    if (forget) {
      order_.erase(it->second);
      by_key_.erase(it);
    }
    return labels;
  }

 private:
  using Order = std::list<std::pair<std::string, Triggered>>;
  std::mutex mutex_;
  Order order_;
  absl::flat_hash_map<std::string, Order::iterator> by_key_;
};

KnownKeys& known_keys() {
  static KnownKeys keys;
  return keys;
}

}  // namespace

bool address_pagerduty_alert(const PagerDutyEvent& event, core::Alert& alert) {
  const std::string key = alert.tenant + '\0' + event.dedup_key;
  if (event.action == Action::trigger) {
    known_keys().remember(key, Triggered{alert.labels, alert.annotations});
    return true;
  }
  auto trigger = known_keys().find(key, event.action == Action::resolve);
  if (!trigger) return false;
  alert.labels = std::move(trigger->labels);
  for (const auto& [name, value] : trigger->annotations) alert.annotations.set(name, value);
  alert.fingerprint = core::fingerprint(alert.labels);
  if (event.action == Action::acknowledge) {
    alert.annotations.set("pagerduty_status", "acknowledged");
  }
  return true;
}

}  // namespace alertd::ingest
