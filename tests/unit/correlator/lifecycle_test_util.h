#pragma once
// Helpers shared by the lifecycle state machine tests: incidents in each
// status, a valid command per action, and a runner that keeps what the
// commands wrote.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "core/lifecycle.h"
#include "correlator/lifecycle/lifecycle.h"
#include "correlator/lifecycle/sla_clock.h"
#include "test_util.h"

namespace alertd::correlator::testing {

using core::IncidentStatus;
using core::LifecycleAction;
using core::Priority;
using core::Role;
using A = LifecycleAction;
using S = IncidentStatus;

inline const core::TimePoint kNow = kT0 + 1h;  // when the commands below run

// An incident opened at kT0 by its alerts, in `status`, with the fields that
// status implies.
inline core::Incident incident_in(S status, Priority priority = Priority::P3) {
  core::Incident inc;
  inc.seq = 1;
  inc.id = core::incident_id(1);
  inc.priority = priority;
  inc.opened_at = inc.updated_at = inc.last_alert_at = kT0;
  set_sla_due(inc, LifecyclePolicy{});
  inc.status = status;
  if (status != S::open) {
    inc.acknowledged_at = kT0 + 5min;
    inc.team = "L1";
    inc.assignee = "erin";
  }
  if (status == S::escalated) {
    inc.team = "L2";
    inc.escalation_level = 2;
    inc.assignee.clear();
  }
  if (status == S::pending_vendor) {
    inc.vendor = "Acme";
    inc.vendor_contact = "phone";
  }
  if (status == S::resolved || status == S::closed) {
    inc.resolved_at = kT0 + 30min;
    inc.resolved_by = "erin";
    inc.resolution = "restarted";
  }
  if (status == S::closed) {
    inc.closed_at = kT0 + 40min;
    inc.closed_by = "frank";
  }
  return inc;
}

// A command that is valid for its action on a P3 incident held by L1 or L2.
inline core::LifecycleCommand command(A action, std::string actor = "alice",
                                      Role role = Role::responder) {
  core::LifecycleCommand c;
  c.reply = std::make_shared<core::CommandReply>();
  c.action = action;
  c.incident_id = "INC-1";
  c.actor = std::move(actor);
  c.role = role;
  c.at = kNow;
  switch (action) {
    case A::assign:
      c.team = "L2";
      c.assignee = "bob";
      break;
    case A::escalate:
      c.team = "L3";
      c.reason = "needs the database team";
      break;
    case A::vendor:
      c.vendor = "Acme";
      c.contact_method = "email";
      break;
    case A::resolve: c.text = "rolled back"; break;
    case A::close: c.text = "done"; break;
    case A::comment: c.text = "looking"; break;
    case A::reopen: c.reason = "came back"; break;
    case A::update: c.title = "new title"; break;
    case A::acknowledge:
    case A::create: break;
  }
  return c;
}

// Runs commands with one policy and keeps what they wrote.
struct Machine {
  LifecyclePolicy policy;
  PriorityMatrix matrix;
  std::vector<core::AuditEntry> audit;
  core::Milestones milestones;

  core::LifecycleResult run(core::Incident& inc, const core::LifecycleCommand& c) {
    milestones = {};
    return apply_command(inc, c, policy, matrix, audit, milestones);
  }
};

// Nothing a command may change differs between a and b.
inline void expect_same(const core::Incident& a, const core::Incident& b) {
  EXPECT_EQ(changes_detail(a, b), R"({"changes":{}})");
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.resolution, b.resolution);
  EXPECT_EQ(a.close_notes, b.close_notes);
  EXPECT_EQ(a.next_escalation_at, b.next_escalation_at);
  EXPECT_EQ(a.priority_manual, b.priority_manual);
}

inline std::string str(simdjson::dom::element e) {
  return std::string(std::string_view(e));
}

}  // namespace alertd::correlator::testing
