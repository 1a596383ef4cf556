#include "core/incident.h"

#include <charconv>

namespace alertd::core {

namespace {
constexpr std::string_view kStatusNames[] = {"open",           "in_progress", "escalated",
                                             "pending_vendor", "resolved",    "closed"};
}  // namespace

std::string_view to_string(IncidentStatus s) {
  return kStatusNames[static_cast<size_t>(s)];
}

std::optional<IncidentStatus> parse_incident_status(std::string_view s) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (kStatusNames[i] == s) return static_cast<IncidentStatus>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Priority p) {
  switch (p) {
    case Priority::P1: return "P1";
    case Priority::P2: return "P2";
    case Priority::P3: return "P3";
    case Priority::P4: return "P4";
  }
  return "P3";
}

std::optional<Priority> parse_priority(std::string_view s) {
  if (s.size() == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '4') {
    return static_cast<Priority>(s[1] - '0');
  }
  return std::nullopt;
}

std::string incident_id(int64_t seq) {
  return "INC-" + std::to_string(seq);
}

std::optional<int64_t> parse_incident_id(std::string_view id) {
  if (id.size() < 5 || id.substr(0, 4) != "INC-") return std::nullopt;
  int64_t seq = 0;
  auto digits = id.substr(4);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || seq <= 0) return std::nullopt;
  return seq;
}

std::optional<int64_t> parse_seq_id(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix)) return std::nullopt;
  const auto digits = id.substr(prefix.size());
  int64_t seq = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (digits.empty() || digits.front() == '0' || ec != std::errc{} ||
      ptr != digits.data() + digits.size() || seq <= 0) {
    return std::nullopt;
  }
  return seq;
}

std::string_view to_string(AlertChange c) {
  switch (c) {
    case AlertChange::firing: return "firing";
    case AlertChange::resolved: return "resolved";
    case AlertChange::touch: return "touch";
  }
  return "firing";
}

}  // namespace alertd::core
