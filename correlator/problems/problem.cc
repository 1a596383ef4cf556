#include "correlator/problems/problem.h"

#include "core/json_writer.h"

namespace alertd::correlator {

namespace {

using core::ProblemAction;
using core::ProblemStatus;

bool allows(ProblemStatus s, ProblemAction a) {
  switch (a) {
    case ProblemAction::known_error:
    case ProblemAction::resolve: return core::is_unresolved(s);
    case ProblemAction::close: return s == ProblemStatus::resolved;
  }
  return false;
}

core::ProblemResult refuse(core::Verdict verdict, std::string error, std::string detail) {
  core::ProblemResult r;
  r.verdict = verdict;
  r.error = std::move(error);
  r.detail = std::move(detail);
  return r;
}

// {"changes": {field: {"from", "to"}}, "on_behalf_of", "authenticated"}:
// what the action changed, and how the actor is known.
std::string changes_detail(const core::Problem& before, const core::Problem& after,
                           const core::ProblemCommand& cmd) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().key("changes").begin_object();
  auto text = [&](std::string_view name, std::string_view a, std::string_view b) {
    if (a != b) w.key(name).begin_object().field("from", a).field("to", b).end_object();
  };
  text("status", core::to_string(before.status), core::to_string(after.status));
  text("workaround", before.workaround, after.workaround);
  text("root_cause", before.root_cause, after.root_cause);
  text("resolution", before.resolution, after.resolution);
  text("close_notes", before.close_notes, after.close_notes);
  w.end_object();
  if (!cmd.on_behalf_of.empty()) w.field("on_behalf_of", cmd.on_behalf_of);
  w.field("authenticated", cmd.authenticated).end_object();
  return out;
}

// The actions a problem in `status` allows, in a fixed order (a conflict lists them).
std::vector<std::string> allowed_problem_actions(ProblemStatus status) {
  std::vector<std::string> out;
  for (auto a : core::kProblemActions) {
    if (allows(status, a)) out.emplace_back(core::to_string(a));
  }
  return out;
}

}  // namespace

core::ProblemResult apply_problem_command(core::Problem& p, const core::ProblemCommand& cmd,
                                          std::vector<core::AuditEntry>& audit) {
  if (p.tenant != cmd.tenant) {
    return refuse(core::Verdict::not_found, "not_found",
                  "no problem with id \"" + cmd.problem_id + "\"");
  }
  if (!core::role_at_least(cmd.role, core::Role::incident_manager)) {
    return refuse(core::Verdict::forbidden, "forbidden",
                  "problem management needs the incident_manager role");
  }
  if (!allows(p.status, cmd.action)) {
    auto r = refuse(core::Verdict::conflict, "illegal_transition",
                    "cannot " + std::string(core::to_string(cmd.action)) + " a problem that is " +
                        std::string(core::to_string(p.status)));
    r.allowed = allowed_problem_actions(p.status);
    return r;
  }
  const core::Problem before = p;
  switch (cmd.action) {
    case ProblemAction::known_error:
      if (cmd.workaround.empty()) {
        return refuse(core::Verdict::invalid, "invalid_value",
                      "a known error needs its workaround");
      }
      p.status = ProblemStatus::known_error;
      p.workaround = cmd.workaround;
      break;
    case ProblemAction::resolve:
      if (cmd.text.empty())
        return refuse(core::Verdict::invalid, "invalid_value", "resolving needs a resolution");
      p.status = ProblemStatus::resolved;
      p.resolution = cmd.text;
      p.resolved_at = cmd.at;
      break;
    case ProblemAction::close:
      p.status = ProblemStatus::closed;
      p.close_notes = cmd.text;
      p.closed_at = cmd.at;
      break;
  }
  if (!cmd.root_cause.empty()) p.root_cause = cmd.root_cause;
  p.updated_at = cmd.at;
  core::AuditEntry e;
  e.incident_id = p.id;
  e.at = cmd.at;
  e.actor = cmd.actor;
  e.action = std::string(core::to_string(cmd.action));
  e.detail = changes_detail(before, p, cmd);
  audit.push_back(std::move(e));
  core::ProblemResult r;
  r.problem = p;
  return r;
}

}  // namespace alertd::correlator
