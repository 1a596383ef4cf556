#pragma once
// The ITIL lifecycle vocabulary: what a person can ask of an incident
// (acknowledge, assign, escalate, ...), who may ask it (roles), and what the
// answer is. The state machine itself is in correlator/lifecycle/lifecycle.h; the HTTP
// routes build commands, the correlator (or, for an incident it no longer
// holds, the store's writer thread) executes them.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.h"
#include "core/incident.h"
#include "core/verdict.h"

namespace alertd::core {

enum class LifecycleAction : uint8_t {
  create,  // POST /api/v1/incidents: opened by hand (detection source user_report)
  update,  // PATCH: title, category, impact, urgency, priority (with a justification)
  acknowledge,
  assign,
  escalate,
  vendor,  // waiting on a third party: pending_vendor
  resolve,
  close,
  comment,
  reopen,
};
std::string_view to_string(LifecycleAction a);

/// Teams an incident can be assigned or escalated to.
std::span<const std::string_view> teams();
bool is_team(std::string_view s);
/// The escalation ladder: L1 -> L2 -> L3 -> incident_manager. Level 1..4;
/// 0 for a team that is not on the ladder.
int escalation_level(std::string_view team);
std::string_view escalation_team(int level);  // level clamped to 1..4
constexpr int kTopEscalationLevel = 4;

std::span<const std::string_view> categories();  // hardware, software, security, performance, other
std::span<const std::string_view> contact_methods();  // phone, email, vendor_portal, API
std::span<const std::string_view> impacts();          // high, medium, low

/// One request of a person. Which fields matter depends on the action; the
/// API checks presence and sizes, the state machine checks meaning.
struct CommandReply;

struct LifecycleCommand {
  std::shared_ptr<CommandReply> reply;  // where the answer goes (the pipeline's caller)
  LifecycleAction action = LifecycleAction::comment;
  std::string incident_id;  // empty for create
  // Who asks. With auth, `actor` is the name of the token the request came
  // with (its identity) and a body `actor` is only `on_behalf_of`; without
  // auth (the open loopback API) it is the body's actor, unauthenticated.
  std::string actor;
  std::string on_behalf_of;
  bool authenticated = false;
  Role role = Role::admin;
  std::string tenant = "default";
  TimePoint at = kNoTime;

  std::string team, assignee;          // assign; escalate uses `team` as its "to"
  std::string reason;                  // escalate, reopen
  std::string vendor, contact_method;  // vendor
  std::string text;                    // comment, resolve summary, close notes
  std::string review;                  // close: the post-incident review note
  std::string justification;           // update
  std::optional<std::string> title, category, impact, urgency, service;
  std::optional<Priority> priority;
};

/// The answer to a command: the incident as committed, or why not.
struct LifecycleResult {
  Verdict verdict = Verdict::done;
  std::string error;                 // machine reason when refused
  std::string detail;                // human explanation
  std::vector<std::string> allowed;  // on a conflict: the actions the incident allows now
  std::optional<Incident> incident;
};

/// A refused command's answer.
LifecycleResult lifecycle_refusal(Verdict verdict, std::string error, std::string detail);

/// Where a command's answer goes: `deliver` is called once, on the thread
/// that decides the answer (the correlator's for a refusal, the store
/// writer's once the change is committed).
struct CommandReply {
  std::function<void(LifecycleResult)> deliver;
  Verdict committed = Verdict::done;  // the answer's verdict once committed: created for create
};

}  // namespace alertd::core
