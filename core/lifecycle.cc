#include "core/lifecycle.h"

#include <algorithm>

namespace alertd::core {

namespace {
constexpr std::string_view kActions[] = {"create", "update",  "acknowledge", "assign",  "escalate",
                                         "vendor", "resolve", "close",       "comment", "reopen"};
constexpr std::string_view kTeams[] = {"service_desk",     "L1",          "L2",         "L3",
                                       "incident_manager", "change_mgmt", "facilities", "devops"};
constexpr std::string_view kLadder[] = {"L1", "L2", "L3", "incident_manager"};
constexpr std::string_view kCategories[] = {"hardware", "software", "security", "performance",
                                            "other"};
constexpr std::string_view kContactMethods[] = {"phone", "email", "vendor_portal", "API"};
constexpr std::string_view kImpacts[] = {"high", "medium", "low"};

bool contains(std::span<const std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}
}  // namespace

std::string_view to_string(LifecycleAction a) {
  return kActions[static_cast<size_t>(a)];
}

std::span<const std::string_view> teams() {
  return kTeams;
}
bool is_team(std::string_view s) {
  return contains(kTeams, s);
}

int escalation_level(std::string_view team) {
  for (size_t i = 0; i < std::size(kLadder); ++i) {
    if (kLadder[i] == team) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::string_view escalation_team(int level) {
  return kLadder[std::clamp(level, 1, kTopEscalationLevel) - 1];
}

std::span<const std::string_view> categories() {
  return kCategories;
}
std::span<const std::string_view> contact_methods() {
  return kContactMethods;
}
std::span<const std::string_view> impacts() {
  return kImpacts;
}

LifecycleResult lifecycle_refusal(Verdict verdict, std::string error, std::string detail) {
  LifecycleResult r;
  r.verdict = verdict;
  r.error = std::move(error);
  r.detail = std::move(detail);
  return r;
}

}  // namespace alertd::core
