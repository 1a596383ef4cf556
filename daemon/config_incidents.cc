// `incidents:` — the incident-management settings: SLA targets per priority,
// the review note needed to close a major incident, and the escalation
// ladder (correlator/lifecycle.h). Reloadable: the correlator recomputes the
// due times of active incidents when the targets change.

#include "daemon/config_sections.h"

namespace alertd::daemon {

namespace {

void read_sla(const YAML::Node& n, correlator::LifecyclePolicy& policy) {
  check_keys(n, {"P1", "P2", "P3", "P4"}, "incidents.sla");
  for (const char* name : {"P1", "P2", "P3", "P4"}) {
    const auto& p = n[name];
    if (!p) continue;
    const std::string where = std::string("incidents.sla.") + name;
    check_keys(p, {"acknowledge", "resolve"}, where);
    auto& targets = policy.sla[static_cast<size_t>(name[1] - '1')];
    if (p["acknowledge"]) {
      targets.acknowledge = get_duration(p["acknowledge"], where + ".acknowledge", false);
    }
    if (p["resolve"]) targets.resolve = get_duration(p["resolve"], where + ".resolve", false);
    if (targets.resolve < targets.acknowledge) {
      throw ConfigError(p, where + ": resolve must not be shorter than acknowledge");
    }
  }
}

}  // namespace

void read_incidents(const YAML::Node& n, Diagnostics& diag, correlator::LifecyclePolicy& out) {
  if (!diag.guard([&] {
        check_keys(n, {"sla", "sla_clock", "review_required", "repeat_escalation"}, "incidents");
      })) {
    return;
  }
  if (n["sla"]) diag.guard([&] { read_sla(n["sla"], out); });
  if (n["sla_clock"]) {
    diag.guard([&] { out.sla_clock = get_bool(n["sla_clock"], "incidents.sla_clock"); });
  }
  if (n["review_required"]) {
    diag.guard(
        [&] { out.review_required = get_bool(n["review_required"], "incidents.review_required"); });
  }
  if (n["repeat_escalation"]) {
    diag.guard([&] {
      out.repeat_escalation = get_bool(n["repeat_escalation"], "incidents.repeat_escalation");
    });
  }
}

}  // namespace alertd::daemon
