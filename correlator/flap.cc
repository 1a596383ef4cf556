#include "correlator/flap.h"

#include <algorithm>

namespace alertd::correlator {

bool FlapHistory::record(core::TimePoint at, const FlapConfig& config) {
  if (!config.enabled()) {
    changes_.clear();
    return false;
  }
  if (!changes_.empty()) at = std::max(at, changes_.back());
  changes_.push_back(at);
  // Bounded: only the last transitions+1 changes decide.
  size_t keep = static_cast<size_t>(config.transitions) + 1;
  if (changes_.size() > keep) {
    changes_.erase(changes_.begin(), changes_.end() - static_cast<std::ptrdiff_t>(keep));
  }
  return flapping_at(at, config);
}

bool FlapHistory::flapping_at(core::TimePoint now, const FlapConfig& config) const {
  if (!config.enabled() || changes_.size() <= config.transitions) return false;
  // changes_ holds exactly transitions+1 entries here (config may have
  // shrunk since: look at the last transitions+1 only).
  core::TimePoint oldest = changes_[changes_.size() - config.transitions - 1];
  return now - oldest <= config.within;
}

core::TimePoint FlapHistory::flap_end(const FlapConfig& config) const {
  if (!config.enabled() || changes_.size() <= config.transitions) return core::kNoTime;
  core::TimePoint oldest = changes_[changes_.size() - config.transitions - 1];
  return oldest + config.within + core::Duration(1);
}

}  // namespace alertd::correlator
