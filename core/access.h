#pragma once
// Who may do what: the roles of the people and programs that call alertd's
// API. Vocabulary only; api/auth.h decides who a caller is, and
// other modules (the incident lifecycle, segregation-of-duties checks) ask
// whether a role is high enough.

#include <cstdint>
#include <optional>
#include <string_view>

namespace alertd::core {

/// Ordered lowest to highest: each role may do everything the roles below it may.
enum class Role : uint8_t {
  sender = 0,            // send alerts to the ingest endpoints, nothing else
  viewer = 1,            // + read incidents, timelines, silences
  responder = 2,         // + create and expire silences, work on incidents
  incident_manager = 3,  // + decisions that override a responder's
  admin = 4,             // + operate the daemon (reload)
};

inline constexpr Role kAllRoles[] = {Role::sender, Role::viewer, Role::responder,
                                     Role::incident_manager, Role::admin};

std::string_view to_string(Role r);
/// "sender", "viewer", "responder", "incident_manager", "admin"; nullopt otherwise.
std::optional<Role> parse_role(std::string_view s);

/// True when `have` is `needed` or a role above it.
constexpr bool role_at_least(Role have, Role needed) {
  return static_cast<uint8_t>(have) >= static_cast<uint8_t>(needed);
}

}  // namespace alertd::core
