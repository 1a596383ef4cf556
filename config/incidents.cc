// `incidents:` — the incident-management settings: SLA targets per priority,
// the review note needed to close a major incident, the escalation ladder
// (correlator/lifecycle/lifecycle.h), when recurring incidents open a problem, and
// how long closed incidents are kept. Reloadable: the correlator recomputes
// the due times of active incidents when the targets change; the store's
// writer thread takes the problem and retention settings at its next batch.

#include "config/sections.h"

namespace alertd::config {

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

void read_problems(const YAML::Node& n, core::ProblemPolicy& out) {
  check_keys(n, {"threshold", "within"}, "incidents.problems");
  if (n["threshold"]) {
    out.threshold =
        static_cast<uint32_t>(get_size(n["threshold"], "incidents.problems.threshold", 0, 1000));
  }
  if (n["within"]) out.within = get_duration(n["within"], "incidents.problems.within", false);
}

void read_retention(const YAML::Node& n, RetentionConfig& out) {
  check_keys(n, {"closed_after", "action", "archive_dir", "batch", "every"}, "incidents.retention");
  if (n["closed_after"]) {
    out.closed_after = get_duration(n["closed_after"], "incidents.retention.closed_after", false);
  }
  if (n["action"]) {
    const auto action = get_string(n["action"], "incidents.retention.action");
    if (action != "archive" && action != "delete") {
      throw ConfigError(
          n["action"],
          "incidents.retention.action must be archive or delete, not \"" + action + "\"");
    }
    out.archive = action == "archive";
  }
  if (n["archive_dir"]) {
    out.archive_dir = get_string(n["archive_dir"], "incidents.retention.archive_dir");
    if (out.archive_dir.empty()) {
      throw ConfigError(n["archive_dir"], "incidents.retention.archive_dir is empty");
    }
  }
  if (n["batch"]) out.batch = get_size(n["batch"], "incidents.retention.batch", 1, 10000);
  if (n["every"]) out.every = get_duration(n["every"], "incidents.retention.every", false);
}

}  // namespace

void read_incidents(const YAML::Node& n, Diagnostics& diag, correlator::LifecyclePolicy& out,
                    core::ProblemPolicy& problems, RetentionConfig& retention) {
  if (!diag.guard([&] {
        check_keys(
            n,
            {"sla", "sla_clock", "review_required", "repeat_escalation", "problems", "retention"},
            "incidents");
      })) {
    return;
  }
  if (n["problems"]) diag.guard([&] { read_problems(n["problems"], problems); });
  if (n["retention"]) diag.guard([&] { read_retention(n["retention"], retention); });
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

}  // namespace alertd::config
