#include "correlator/notify/routes.h"

#include <array>
#include <utility>

namespace alertd::correlator {

namespace {

constexpr std::array<std::pair<Audience, std::string_view>, 4> kAudiences{{
    {Audience::it_staff, "IT_staff"},
    {Audience::end_users, "end_users"},
    {Audience::stakeholders, "stakeholders"},
    {Audience::executives, "executives"},
}};

}  // namespace

std::string_view to_string(Audience a) {
  for (const auto& [value, name] : kAudiences) {
    if (value == a) return name;
  }
  return "IT_staff";
}

std::optional<Audience> parse_audience(std::string_view text) {
  for (const auto& [value, name] : kAudiences) {
    if (name == text) return value;
  }
  return std::nullopt;
}

core::LabelSet routing_labels(const core::Incident& incident, const core::LabelSet& labels) {
  core::LabelSet out = labels;
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"priority", core::to_string(incident.priority)},
      {"severity", incident.severity},
      {"service", incident.service},
      {"tenant", incident.tenant},
      {"team", incident.team},
      {"status", core::to_string(incident.status)},
      {"category", incident.category},
      {"rule", incident.rule},
      {"root_service", incident.root_service},
  };
  for (const auto& [name, value] : fields) {
    if (value.empty()) {
      out.erase(name);  // a field the incident lacks is absent, not the label's
    } else {
      out.set(name, value);
    }
  }
  return out;
}

std::vector<size_t> matching_routes(const std::vector<NotifyRoute>& routes,
                                    const core::LabelSet& routing) {
  std::vector<size_t> taken;
  for (size_t i = 0; i < routes.size(); ++i) {
    if (!core::matches_all(routes[i].match, routing)) continue;
    taken.push_back(i);
    if (!routes[i].continue_matching) break;
  }
  return taken;
}

}  // namespace alertd::correlator
