#include "core/alert.h"

namespace alertd::core {

std::string_view to_string(AlertStatus s) {
  return s == AlertStatus::firing ? "firing" : "resolved";
}

std::optional<AlertStatus> parse_alert_status(std::string_view s) {
  if (s == "firing") return AlertStatus::firing;
  if (s == "resolved") return AlertStatus::resolved;
  return std::nullopt;
}

std::string_view metric_source(std::string_view source) {
  for (auto known : kKnownSources) {
    if (known == source) return known;
  }
  return "generic";
}

TimePoint Alert::event_time() const {
  if (status == AlertStatus::resolved && ends_at != kNoTime) return ends_at;
  if (status == AlertStatus::firing && starts_at != kNoTime) return starts_at;
  return received_at;
}

}  // namespace alertd::core
