#include "correlator/lifecycle/lifecycle.h"

#include <algorithm>
#include <cctype>

#include "core/json_writer.h"
#include "correlator/audit.h"
#include "correlator/lifecycle/sla_clock.h"

namespace alertd::correlator {

namespace {

using core::IncidentStatus;
using core::LifecycleAction;
using core::LifecycleResult;

bool allows(IncidentStatus s, LifecycleAction a) {
  using A = LifecycleAction;
  switch (a) {
    case A::comment: return true;
    case A::create: return false;
    case A::update: return s != IncidentStatus::closed;
    case A::close:
    case A::reopen: return s == IncidentStatus::resolved;
    case A::acknowledge:
      return s == IncidentStatus::open || s == IncidentStatus::escalated ||
             s == IncidentStatus::pending_vendor;
    case A::vendor: return s == IncidentStatus::in_progress || s == IncidentStatus::escalated;
    case A::assign:
    case A::escalate:
    case A::resolve: return core::is_active(s);
  }
  return false;
}

constexpr auto refuse = core::lifecycle_refusal;

bool one_of(std::span<const std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string joined(std::span<const std::string_view> list) {
  std::string out;
  for (auto s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

Impact parse_impact(std::string_view s) {
  if (s == "high") return Impact::high;
  if (s == "medium") return Impact::medium;
  return Impact::low;
}

core::Priority matrix_priority(const core::Incident& inc, const PriorityMatrix& matrix) {
  std::string_view urgency = inc.urgency.empty() ? std::string_view(inc.severity) : inc.urgency;
  int row = urgency.size() == 4 && urgency.starts_with("sev") ? urgency[3] - '1' : 2;
  row = std::clamp(row, 0, 3);
  return matrix.matrix[row][static_cast<size_t>(parse_impact(inc.impact))];
}

void note_first_acknowledge(core::Incident& inc, core::TimePoint at, core::Milestones& m) {
  if (inc.acknowledged_at == core::kNoTime) {
    inc.acknowledged_at = at;
    m.acknowledged = true;
  }
  inc.next_escalation_at = core::kNoTime;  // someone owns it: the ladder stops
}

// The correlator's audit entry, with the person who asked as its actor.
core::AuditEntry entry(const core::Incident& inc, const core::LifecycleCommand& cmd,
                       std::string_view action, std::string detail) {
  core::AuditEntry e = audit_entry(inc, cmd.at, action, std::move(detail));
  e.actor = cmd.actor;
  return e;
}

// Checks the values an action needs; "" when they are fine.
std::string invalid_values(const core::Incident& inc, const core::LifecycleCommand& c) {
  using A = LifecycleAction;
  switch (c.action) {
    case A::assign:
      if (!core::is_team(c.team)) return "team must be one of " + joined(core::teams());
      break;
    case A::escalate: {
      if (!core::is_team(c.team)) return "to must be one of " + joined(core::teams());
      // On the ladder or off it (devops, facilities, ...), escalating to
      // the team that already has the incident changes nothing.
      if (inc.team == c.team) return "the incident is already with " + c.team;
      break;
    }
    case A::vendor:
      if (c.vendor.empty()) return "vendor must not be empty";
      if (!one_of(core::contact_methods(), c.contact_method)) {
        return "contact_method must be one of " + joined(core::contact_methods());
      }
      break;
    case A::update:
      if (c.title && c.title->empty()) return "title must not be empty";
      if (c.category && !one_of(core::categories(), *c.category)) {
        return "category must be one of " + joined(core::categories());
      }
      if (c.impact && !one_of(core::impacts(), *c.impact)) {
        return "impact must be one of " + joined(core::impacts());
      }
      if (c.urgency && normalize_urgency(*c.urgency).empty()) {
        return "urgency must be one of sev1, sev2, sev3, sev4 (or critical, high, medium, low)";
      }
      break;
    default: break;
  }
  return "";
}

// Segregation of duties; "" when the caller may.
std::string duty_conflict(const core::Incident& inc, const core::LifecycleCommand& c,
                          const LifecyclePolicy& policy, std::string& error) {
  if (c.action != LifecycleAction::close) return "";
  bool major = inc.priority == core::Priority::P1 || inc.priority == core::Priority::P2;
  if (major && c.role < core::Role::incident_manager) {
    error = "forbidden";
    return "closing a " + std::string(core::to_string(inc.priority)) +
           " incident needs the incident_manager role";
  }
  if (inc.priority == core::Priority::P1 && !inc.resolved_by.empty() &&
      inc.resolved_by == c.actor) {
    error = "segregation_of_duties";
    return c.actor + " resolved this P1 incident and cannot also close it";
  }
  if (major && policy.review_required && c.review.empty()) {
    error = "review_required";
    return "closing a " + std::string(core::to_string(inc.priority)) +
           " incident needs a post-incident review note (\"review\")";
  }
  return "";
}

// PATCH: the fields a person may set; a new priority moves the SLA due times.
void apply_update(core::Incident& inc, const core::LifecycleCommand& c,
                  const LifecyclePolicy& policy, const PriorityMatrix& matrix) {
  if (c.title) inc.title = *c.title;
  if (c.category) inc.category = *c.category;
  if (c.impact) inc.impact = *c.impact;
  if (c.urgency) inc.urgency = normalize_urgency(*c.urgency);
  if (c.impact || c.urgency || c.priority) inc.priority_manual = true;
  auto before = inc.priority;
  if (c.priority) {
    inc.priority = *c.priority;
  } else if (c.impact || c.urgency) {
    inc.priority = matrix_priority(inc, matrix);
  }
  if (inc.priority != before) set_sla_due(inc, policy);
}

void apply_changes(core::Incident& inc, const core::LifecycleCommand& c,
                   const LifecyclePolicy& policy, const PriorityMatrix& matrix,
                   core::Milestones& m) {
  using A = LifecycleAction;
  switch (c.action) {
    case A::acknowledge:
      inc.status = IncidentStatus::in_progress;
      if (inc.assignee.empty()) inc.assignee = c.actor;
      note_first_acknowledge(inc, c.at, m);
      break;
    case A::assign:
      inc.status = IncidentStatus::in_progress;
      inc.team = c.team;
      inc.assignee = c.assignee;
      if (int level = core::escalation_level(c.team); level != 0) inc.escalation_level = level;
      note_first_acknowledge(inc, c.at, m);
      break;
    case A::escalate: escalate_to(inc, c.team, m); break;
    case A::vendor:
      inc.status = IncidentStatus::pending_vendor;
      inc.vendor = c.vendor;
      inc.vendor_contact = c.contact_method;
      break;
    case A::resolve:
      inc.status = IncidentStatus::resolved;
      inc.resolved_at = c.at;
      inc.resolved_by = c.actor;
      inc.resolution = c.text;
      inc.next_escalation_at = core::kNoTime;
      m.resolved = true;
      break;
    case A::close:
      inc.status = IncidentStatus::closed;
      inc.closed_at = c.at;
      inc.closed_by = c.actor;
      inc.close_notes = c.text;
      if (!c.review.empty()) inc.review_note = c.review;
      break;
    case A::reopen:
      inc.status =
          inc.acknowledged_at == core::kNoTime ? IncidentStatus::open : IncidentStatus::in_progress;
      inc.resolved_at = core::kNoTime;
      inc.resolved_by.clear();
      inc.resolution.clear();
      break;
    case A::update: apply_update(inc, c, policy, matrix); break;
    case A::comment:
    case A::create: break;
  }
  inc.updated_at = c.at;
}

// The free text a command carries, under the name its audit entry gives it.
std::pair<std::string_view, std::string_view> note_of(const core::LifecycleCommand& c) {
  switch (c.action) {
    case LifecycleAction::escalate:
    case LifecycleAction::reopen: return {"reason", c.reason};
    case LifecycleAction::comment: return {"text", c.text};
    case LifecycleAction::resolve: return {"summary", c.text};
    case LifecycleAction::close: return {"notes", c.text};
    case LifecycleAction::update: return {"justification", c.justification};
    default: return {"", ""};
  }
}

}  // namespace

std::vector<std::string> allowed_actions(const core::Incident& inc) {
  using A = LifecycleAction;
  std::vector<std::string> out;
  for (auto a : {A::acknowledge, A::assign, A::escalate, A::vendor, A::resolve, A::close, A::reopen,
                 A::comment, A::update}) {
    if (allows(inc.status, a)) out.emplace_back(core::to_string(a));
  }
  return out;
}

std::string normalize_urgency(std::string_view u) {
  std::string s(u);
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "sev1" || s == "critical") return "sev1";
  if (s == "sev2" || s == "high") return "sev2";
  if (s == "sev3" || s == "medium") return "sev3";
  if (s == "sev4" || s == "low") return "sev4";
  return "";
}

core::LifecycleResult apply_command(core::Incident& inc, const core::LifecycleCommand& cmd,
                                    const LifecyclePolicy& policy, const PriorityMatrix& matrix,
                                    std::vector<core::AuditEntry>& audit,
                                    core::Milestones& milestones) {
  if (inc.tenant != cmd.tenant) {
    return refuse(core::Verdict::not_found, "not_found",
                  "no incident with id \"" + cmd.incident_id + "\"");
  }
  if (cmd.role < core::Role::responder) {
    return refuse(core::Verdict::forbidden, "forbidden", "the viewer role may only read incidents");
  }
  if (!allows(inc.status, cmd.action)) {
    auto r = refuse(core::Verdict::conflict, "illegal_transition",
                    "cannot " + std::string(core::to_string(cmd.action)) + " an incident that is " +
                        std::string(core::to_string(inc.status)));
    r.allowed = allowed_actions(inc);
    return r;
  }
  if (auto why = invalid_values(inc, cmd); !why.empty()) {
    return refuse(core::Verdict::invalid, "invalid_value", std::move(why));
  }
  std::string error;
  if (auto why = duty_conflict(inc, cmd, policy, error); !why.empty()) {
    return refuse(error == "review_required" ? core::Verdict::invalid : core::Verdict::forbidden,
                  error, std::move(why));
  }
  const core::Incident before = inc;
  apply_changes(inc, cmd, policy, matrix, milestones);
  auto [note_key, note] = note_of(cmd);
  std::string detail =
      note_key.empty()
          ? changes_detail(before, inc, {{"on_behalf_of", cmd.on_behalf_of}})
          : changes_detail(before, inc, {{note_key, note}, {"on_behalf_of", cmd.on_behalf_of}});
  detail = with_identity(std::move(detail), cmd.authenticated);
  audit.push_back(entry(inc, cmd, core::to_string(cmd.action), std::move(detail)));
  LifecycleResult r;
  r.incident = inc;
  return r;
}

core::Incident create_incident(const core::LifecycleCommand& cmd, int64_t seq,
                               const LifecyclePolicy& policy, const PriorityMatrix& matrix,
                               std::vector<core::AuditEntry>& audit) {
  core::Incident inc;
  inc.seq = seq;
  inc.id = core::incident_id(seq);
  inc.tenant = cmd.tenant;
  inc.title = cmd.title.value_or("");
  inc.service = cmd.service.value_or("");
  inc.category = cmd.category.value_or("");
  inc.impact = cmd.impact.value_or("low");
  inc.urgency = cmd.urgency ? normalize_urgency(*cmd.urgency) : "";
  inc.severity = inc.urgency.empty() ? "sev3" : inc.urgency;
  inc.priority = cmd.priority ? *cmd.priority : matrix_priority(inc, matrix);
  inc.priority_manual = cmd.priority || cmd.impact || cmd.urgency;
  // Alerts never join an incident opened by hand: its group key is its own.
  inc.group_key = "user_report:" + inc.id;
  inc.rule = "user_report";
  inc.detection_source = "user_report";
  inc.opened_at = inc.updated_at = cmd.at;
  set_sla_due(inc, policy);
  core::Incident none;
  none.status = inc.status;
  audit.push_back(
      entry(inc, cmd, "create",
            with_identity(changes_detail(none, inc, {{"on_behalf_of", cmd.on_behalf_of}}),
                          cmd.authenticated)));
  return inc;
}

std::string with_identity(std::string detail, bool authenticated) {
  // detail is one JSON object: the flag goes in before its closing brace.
  if (detail.empty() || detail.back() != '}') return detail;
  detail.pop_back();
  detail += authenticated ? ",\"authenticated\":true}" : ",\"authenticated\":false}";
  return detail;
}

std::string changes_detail(
    const core::Incident& before, const core::Incident& after,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extra) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().key("changes").begin_object();
  auto text = [&](std::string_view name, std::string_view a, std::string_view b) {
    if (a != b) w.key(name).begin_object().field("from", a).field("to", b).end_object();
  };
  auto time = [&](std::string_view name, core::TimePoint a, core::TimePoint b) {
    if (a != b) w.key(name).begin_object().key("from").time(a).key("to").time(b).end_object();
  };
  auto flag = [&](std::string_view name, bool a, bool b) {
    if (a != b) w.key(name).begin_object().field("from", a).field("to", b).end_object();
  };
  text("status", core::to_string(before.status), core::to_string(after.status));
  text("priority", core::to_string(before.priority), core::to_string(after.priority));
  text("title", before.title, after.title);
  text("service", before.service, after.service);
  text("category", before.category, after.category);
  text("impact", before.impact, after.impact);
  text("urgency", before.urgency, after.urgency);
  text("team", before.team, after.team);
  text("assignee", before.assignee, after.assignee);
  text("escalation_level", core::escalation_team(before.escalation_level),
       core::escalation_team(after.escalation_level));
  text("vendor", before.vendor, after.vendor);
  text("vendor_contact", before.vendor_contact, after.vendor_contact);
  text("resolved_by", before.resolved_by, after.resolved_by);
  text("closed_by", before.closed_by, after.closed_by);
  text("review_note", before.review_note, after.review_note);
  time("acknowledged_at", before.acknowledged_at, after.acknowledged_at);
  time("resolved_at", before.resolved_at, after.resolved_at);
  time("closed_at", before.closed_at, after.closed_at);
  time("ack_due_at", before.ack_due_at, after.ack_due_at);
  time("resolve_due_at", before.resolve_due_at, after.resolve_due_at);
  flag("ack_breached", before.ack_breached, after.ack_breached);
  flag("resolve_breached", before.resolve_breached, after.resolve_breached);
  w.end_object();
  for (const auto& [k, v] : extra) {
    if (!v.empty()) w.field(k, v);
  }
  w.end_object();
  return out;
}

}  // namespace alertd::correlator
