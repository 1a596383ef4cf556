#pragma once
// Silences (from the API, kept in the store) and maintenance windows
// (recurring, from config): both mute matching members for a while. Their
// activity moves only when the correlator advances them to a time, so a
// replay of the same events gives the same answers.
//
// The member's reason text is "silence:<id>" or "maintenance:<name>";
// inhibition ("inhibit:<rule>") lives in inhibit.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/matcher.h"
#include "core/time.h"
#include "correlator/member_state.h"
#include "correlator/suppression/schedule.h"

namespace alertd::correlator {

enum class SuppressionKind : uint8_t { none, inhibit, silence, maintenance };
SuppressionKind suppression_kind(std::string_view reason);

struct MaintenanceWindow {
  std::string name;
  core::Matchers matchers;  // all must hold
  Schedule schedule;        // when each occurrence starts
  core::Duration duration{};
};

/// Whether an occurrence of `w` covers `t` (start <= t < start + duration).
bool window_active(const MaintenanceWindow& w, core::TimePoint t);
/// The next time after `t` at which window_active() may change; nullopt: never.
std::optional<core::TimePoint> window_next_change(const MaintenanceWindow& w, core::TimePoint t);

struct CompiledSilence {
  std::string id;
  uint32_t tenant = 0;  // the correlator's tenant id
  core::Matchers matchers;
  core::TimePoint starts_at = core::kNoTime;
  core::TimePoint ends_at = core::kNoTime;
};

class SilenceSet {
 public:
  /// Replaces the silences; activity is evaluated at `now`.
  void assign(std::vector<CompiledSilence> silences, core::TimePoint now);
  /// Moves activity to `now`; appends the indexes that started and ended.
  void advance(core::TimePoint now, std::vector<uint32_t>& started, std::vector<uint32_t>& ended);
  /// The first active silence (in the order given to assign) that mutes the alert.
  const CompiledSilence* match(uint32_t tenant, const LabelView& labels) const;
  bool active(uint32_t i) const { return active_[i]; }
  bool active_id(std::string_view id) const;
  const CompiledSilence& at(uint32_t i) const { return silences_[i]; }
  size_t size() const { return silences_.size(); }
  /// The earliest start or end after the time last advanced to.
  std::optional<core::TimePoint> next_change() const { return next_; }

 private:
  void recompute_next();

  std::vector<CompiledSilence> silences_;
  std::vector<bool> active_;
  core::TimePoint now_ = core::kNoTime;
  std::optional<core::TimePoint> next_;
  // Silences with an exact matcher (`name="v"`) are found through it:
  // name -> value -> silence indexes; the rest are tried one by one.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, std::vector<uint32_t>>> exact_;
  std::vector<uint32_t> scan_;
};

class MaintenanceSet {
 public:
  MaintenanceSet() = default;
  explicit MaintenanceSet(std::vector<MaintenanceWindow> windows);
  /// Moves activity to `now` (the first call evaluates every window);
  /// appends the indexes that started and ended.
  void advance(core::TimePoint now, std::vector<uint32_t>& started, std::vector<uint32_t>& ended);
  const MaintenanceWindow* match(const LabelView& labels) const;
  const MaintenanceWindow& at(uint32_t i) const { return windows_[i]; }
  bool active(uint32_t i) const { return active_[i]; }
  bool active_name(std::string_view name) const;
  size_t size() const { return windows_.size(); }
  std::optional<core::TimePoint> next_change() const;

 private:
  std::vector<MaintenanceWindow> windows_;
  std::vector<bool> active_;
  std::vector<std::optional<core::TimePoint>> next_;  // per window
  bool evaluated_ = false;
};

}  // namespace alertd::correlator
