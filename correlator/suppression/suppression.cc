#include "correlator/suppression/suppression.h"

#include <algorithm>

#include "absl/strings/string_view.h"

namespace alertd::correlator {

namespace {

std::optional<core::TimePoint> earliest(std::optional<core::TimePoint> a,
                                        std::optional<core::TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

SuppressionKind suppression_kind(std::string_view reason) {
  if (reason.starts_with("inhibit:")) return SuppressionKind::inhibit;
  if (reason.starts_with("silence:")) return SuppressionKind::silence;
  if (reason.starts_with("maintenance:")) return SuppressionKind::maintenance;
  return SuppressionKind::none;
}

bool window_active(const MaintenanceWindow& w, core::TimePoint t) {
  if (w.duration <= core::Duration::zero()) return false;
  auto start = last_start_at_or_before(w.schedule, t, w.duration);
  return start && t < *start + w.duration;
}

std::optional<core::TimePoint> window_next_change(const MaintenanceWindow& w, core::TimePoint t) {
  if (w.duration <= core::Duration::zero()) return std::nullopt;
  auto start = last_start_at_or_before(w.schedule, t, w.duration);
  // Active: it ends then (an overlapping occurrence is found at that time).
  if (start && t < *start + w.duration) return *start + w.duration;
  return next_start_after(w.schedule, t);
}

void SilenceSet::assign(std::vector<CompiledSilence> silences, core::TimePoint now) {
  silences_ = std::move(silences);
  now_ = now;
  active_.assign(silences_.size(), false);
  exact_.clear();
  scan_.clear();
  for (uint32_t i = 0; i < silences_.size(); ++i) {
    const auto& s = silences_[i];
    active_[i] = s.starts_at <= now && now < s.ends_at;
    auto exact = std::find_if(s.matchers.begin(), s.matchers.end(),
                              [](const core::Matcher& m) { return m.is_exact(); });
    if (exact == s.matchers.end()) {
      scan_.push_back(i);
    } else {
      exact_[exact->name()][exact->value()].push_back(i);
    }
  }
  recompute_next();
}

void SilenceSet::recompute_next() {
  next_.reset();
  for (const auto& s : silences_) {
    if (s.starts_at > now_) next_ = earliest(next_, s.starts_at);
    if (s.ends_at > now_) next_ = earliest(next_, s.ends_at);
  }
}

void SilenceSet::advance(core::TimePoint now, std::vector<uint32_t>& started,
                         std::vector<uint32_t>& ended) {
  if (now <= now_) return;
  now_ = now;
  if (!next_ || *next_ > now) return;
  for (uint32_t i = 0; i < silences_.size(); ++i) {
    const auto& s = silences_[i];
    bool on = s.starts_at <= now && now < s.ends_at;
    if (on == active_[i]) continue;
    active_[i] = on;
    (on ? started : ended).push_back(i);
  }
  recompute_next();
}

bool SilenceSet::active_id(std::string_view id) const {
  for (uint32_t i = 0; i < silences_.size(); ++i) {
    if (active_[i] && silences_[i].id == id) return true;
  }
  return false;
}

const CompiledSilence* SilenceSet::match(uint32_t tenant, const LabelView& labels) const {
  if (silences_.empty()) return nullptr;
  // Candidates in index order; the smallest matching index wins.
  std::vector<uint32_t> candidates(scan_);
  for (const auto& [name, values] : exact_) {
    auto value = labels.get(name);
    if (!value) continue;
    auto it = values.find(absl::string_view(value->data(), value->size()));
    if (it != values.end())
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
  }
  std::sort(candidates.begin(), candidates.end());
  for (uint32_t i : candidates) {
    const auto& s = silences_[i];
    if (active_[i] && s.tenant == tenant && matches_all(s.matchers, labels)) return &s;
  }
  return nullptr;
}

MaintenanceSet::MaintenanceSet(std::vector<MaintenanceWindow> windows)
    : windows_(std::move(windows)), active_(windows_.size(), false), next_(windows_.size()) {}

void MaintenanceSet::advance(core::TimePoint now, std::vector<uint32_t>& started,
                             std::vector<uint32_t>& ended) {
  for (uint32_t i = 0; i < windows_.size(); ++i) {
    if (evaluated_ && (!next_[i] || *next_[i] > now)) continue;
    bool on = window_active(windows_[i], now);
    next_[i] = window_next_change(windows_[i], now);
    if (on == active_[i]) continue;
    active_[i] = on;
    (on ? started : ended).push_back(i);
  }
  evaluated_ = true;
}

bool MaintenanceSet::active_name(std::string_view name) const {
  for (uint32_t i = 0; i < windows_.size(); ++i) {
    if (active_[i] && windows_[i].name == name) return true;
  }
  return false;
}

const MaintenanceWindow* MaintenanceSet::match(const LabelView& labels) const {
  for (uint32_t i = 0; i < windows_.size(); ++i) {
    if (active_[i] && matches_all(windows_[i].matchers, labels)) return &windows_[i];
  }
  return nullptr;
}

std::optional<core::TimePoint> MaintenanceSet::next_change() const {
  if (!evaluated_ && !windows_.empty()) return core::TimePoint::min();
  std::optional<core::TimePoint> next;
  for (const auto& n : next_) next = earliest(next, n);
  return next;
}

}  // namespace alertd::correlator
