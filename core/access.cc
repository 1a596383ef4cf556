#include "core/access.h"

namespace alertd::core {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::sender: return "sender";
    case Role::viewer: return "viewer";
    case Role::responder: return "responder";
    case Role::incident_manager: return "incident_manager";
    case Role::admin: return "admin";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view s) {
  for (auto r : kAllRoles) {
    if (to_string(r) == s) return r;
  }
  return std::nullopt;
}

}  // namespace alertd::core
