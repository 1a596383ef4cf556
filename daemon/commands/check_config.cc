#include "daemon/commands/check_config.h"

#include <ostream>

#include "api/auth.h"
#include "config/config.h"
#include "config/settings.h"

namespace alertd::daemon {

int check_config(const std::string& path, std::ostream& out, std::ostream& err) {
  auto loaded = config::load_config_file(path);
  if (!loaded) {
    err << loaded.error().message << "\n";
    return 1;
  }
  out << path << ": OK (" << config::rules_summary(loaded->rules.size(), loaded->correlation)
      << ")\n"
      << "auth: " << api::auth_summary(loaded->auth) << "\n"
      << "notify: " << loaded->notify.receivers.size() << " receivers, "
      << loaded->notify.policy.routes.size() << " routes, "
      << loaded->notify.policy.escalation_policies.size() << " escalation policies; "
      << loaded->oncall.people.size() << " people, " << loaded->oncall.schedules.size()
      << " on-call schedules\n";
  return 0;
}

}  // namespace alertd::daemon
