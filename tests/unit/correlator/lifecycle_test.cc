// The ITIL lifecycle state machine on its own (correlator/lifecycle/lifecycle.h):
// every transition from every status, every refusal, and segregation of
// duties. Effects, audit details, updates and create: lifecycle_effects_test.cc.

#include <map>
#include <string>
#include <vector>

#include "lifecycle_test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;

const std::vector<std::string> kAllowedOpen = {"acknowledge", "assign",  "escalate",
                                               "resolve",     "comment", "update"};
const std::vector<std::string> kAllowedInProgress = {"assign",  "escalate", "vendor",
                                                     "resolve", "comment",  "update"};
const std::vector<std::string> kAllowedEscalated = {"acknowledge", "assign",  "escalate", "vendor",
                                                    "resolve",     "comment", "update"};
const std::vector<std::string> kAllowedPendingVendor = {"acknowledge", "assign",  "escalate",
                                                        "resolve",     "comment", "update"};
const std::vector<std::string> kAllowedResolved = {"close", "reopen", "comment", "update"};
const std::vector<std::string> kAllowedClosed = {"comment"};

// status -> action -> the status it leads to; absent: 409.
const std::map<S, std::map<A, S>> kTransitions = {
    {S::open,
     {{A::acknowledge, S::in_progress},
      {A::assign, S::in_progress},
      {A::escalate, S::escalated},
      {A::resolve, S::resolved},
      {A::comment, S::open},
      {A::update, S::open}}},
    {S::in_progress,
     {{A::assign, S::in_progress},
      {A::escalate, S::escalated},
      {A::vendor, S::pending_vendor},
      {A::resolve, S::resolved},
      {A::comment, S::in_progress},
      {A::update, S::in_progress}}},
    {S::escalated,
     {{A::acknowledge, S::in_progress},
      {A::assign, S::in_progress},
      {A::escalate, S::escalated},
      {A::vendor, S::pending_vendor},
      {A::resolve, S::resolved},
      {A::comment, S::escalated},
      {A::update, S::escalated}}},
    {S::pending_vendor,
     {{A::acknowledge, S::in_progress},
      {A::assign, S::in_progress},
      {A::escalate, S::escalated},
      {A::resolve, S::resolved},
      {A::comment, S::pending_vendor},
      {A::update, S::pending_vendor}}},
    {S::resolved,
     {{A::close, S::closed},
      {A::reopen, S::in_progress},  // it had been acknowledged
      {A::comment, S::resolved},
      {A::update, S::resolved}}},
    {S::closed, {{A::comment, S::closed}}},
};

const std::map<S, std::vector<std::string>> kAllowed = {
    {S::open, kAllowedOpen},           {S::in_progress, kAllowedInProgress},
    {S::escalated, kAllowedEscalated}, {S::pending_vendor, kAllowedPendingVendor},
    {S::resolved, kAllowedResolved},   {S::closed, kAllowedClosed},
};

constexpr A kActions[] = {A::acknowledge, A::assign,  A::escalate, A::vendor, A::resolve,
                          A::close,       A::comment, A::reopen,   A::update};

TEST(LifecycleTransitions, EveryActionFromEveryStatus) {
  for (const auto& [status, transitions] : kTransitions) {
    for (A action : kActions) {
      SCOPED_TRACE(std::string(core::to_string(status)) + " + " +
                   std::string(core::to_string(action)));
      Machine m;
      core::Incident inc = incident_in(status);
      const core::Incident before = inc;
      auto r = m.run(inc, command(action));
      auto to = transitions.find(action);
      if (to == transitions.end()) {
        EXPECT_EQ(r.verdict, core::Verdict::conflict);
        EXPECT_EQ(r.error, "illegal_transition");
        EXPECT_EQ(r.detail, "cannot " + std::string(core::to_string(action)) +
                                " an incident that is " + std::string(core::to_string(status)));
        EXPECT_EQ(r.allowed, kAllowed.at(status));
        EXPECT_FALSE(r.incident.has_value());
        EXPECT_TRUE(m.audit.empty());
        EXPECT_FALSE(m.milestones.any());
        expect_same(inc, before);
        continue;
      }
      EXPECT_EQ(r.verdict, core::Verdict::done) << r.detail;
      EXPECT_TRUE(r.error.empty());
      EXPECT_EQ(inc.status, to->second);
      ASSERT_TRUE(r.incident.has_value());
      EXPECT_EQ(r.incident->status, inc.status);
      EXPECT_EQ(inc.updated_at, kNow);
      ASSERT_EQ(m.audit.size(), 1u);
      EXPECT_EQ(m.audit[0].action, core::to_string(action));
      EXPECT_EQ(m.audit[0].actor, "alice");
      EXPECT_EQ(m.audit[0].incident_id, "INC-1");
      EXPECT_EQ(m.audit[0].at, kNow);
    }
  }
}

TEST(LifecycleTransitions, AllowedActionsPerStatus) {
  for (const auto& [status, allowed] : kAllowed) {
    EXPECT_EQ(allowed_actions(incident_in(status)), allowed) << core::to_string(status);
  }
}

TEST(LifecycleTransitions, ReopenGoesBackToOpenWhenNeverAcknowledged) {
  Machine m;
  core::Incident inc = incident_in(S::open);
  ASSERT_EQ(m.run(inc, command(A::resolve)).verdict, core::Verdict::done);
  EXPECT_EQ(inc.resolved_by, "alice");
  auto r = m.run(inc, command(A::reopen, "bob"));
  ASSERT_EQ(r.verdict, core::Verdict::done);
  EXPECT_EQ(inc.status, S::open);
  EXPECT_EQ(inc.resolved_at, core::kNoTime);
  EXPECT_TRUE(inc.resolved_by.empty());
  EXPECT_TRUE(inc.resolution.empty());
}

TEST(LifecycleTransitions, EffectsOfEachAction) {
  Machine m;
  core::Incident inc = incident_in(S::in_progress);
  ASSERT_EQ(m.run(inc, command(A::vendor)).verdict, core::Verdict::done);
  EXPECT_EQ(inc.vendor, "Acme");
  EXPECT_EQ(inc.vendor_contact, "email");

  ASSERT_EQ(m.run(inc, command(A::escalate)).verdict, core::Verdict::done);
  EXPECT_EQ(inc.team, "L3");
  EXPECT_EQ(inc.escalation_level, 3);
  EXPECT_TRUE(inc.assignee.empty());  // the new team picks it up
  EXPECT_EQ(m.milestones.escalations, std::vector<std::string>{"L3"});

  auto assign = command(A::assign);
  assign.team = "devops";  // off the ladder: the level stays
  assign.assignee = "dan";
  ASSERT_EQ(m.run(inc, assign).verdict, core::Verdict::done);
  EXPECT_EQ(inc.team, "devops");
  EXPECT_EQ(inc.assignee, "dan");
  EXPECT_EQ(inc.escalation_level, 3);

  ASSERT_EQ(m.run(inc, command(A::resolve)).verdict, core::Verdict::done);
  EXPECT_EQ(inc.resolved_at, kNow);
  EXPECT_EQ(inc.resolved_by, "alice");
  EXPECT_EQ(inc.resolution, "rolled back");
  EXPECT_TRUE(m.milestones.resolved);

  auto close = command(A::close, "frank");
  close.review = "root cause: config push";
  ASSERT_EQ(m.run(inc, close).verdict, core::Verdict::done);
  EXPECT_EQ(inc.status, S::closed);
  EXPECT_EQ(inc.closed_at, kNow);
  EXPECT_EQ(inc.closed_by, "frank");
  EXPECT_EQ(inc.close_notes, "done");
  EXPECT_EQ(inc.review_note, "root cause: config push");
  EXPECT_EQ(inc.resolved_at, kNow);  // closing keeps the resolve on record
  EXPECT_EQ(inc.resolved_by, "alice");
}

// ---- refusals ---------------------------------------------------------------

TEST(LifecycleRefusals, AnotherTenantIsNotFound) {
  for (A action : kActions) {
    Machine m;
    core::Incident inc = incident_in(S::open);
    const core::Incident before = inc;
    auto c = command(action, "alice", Role::viewer);  // the tenant is checked first
    c.tenant = "team-b";
    auto r = m.run(inc, c);
    EXPECT_EQ(r.verdict, core::Verdict::not_found) << core::to_string(action);
    EXPECT_EQ(r.error, "not_found");
    EXPECT_EQ(r.detail, "no incident with id \"INC-1\"");
    EXPECT_TRUE(m.audit.empty());
    expect_same(inc, before);
  }
}

TEST(LifecycleRefusals, ViewerMayNotChangeAnything) {
  for (const auto& [status, unused] : kTransitions) {
    for (A action : kActions) {
      Machine m;
      core::Incident inc = incident_in(status);
      const core::Incident before = inc;
      auto r = m.run(inc, command(action, "victor", Role::viewer));
      EXPECT_EQ(r.verdict, core::Verdict::forbidden) << core::to_string(action);
      EXPECT_EQ(r.error, "forbidden");
      EXPECT_TRUE(r.allowed.empty());
      EXPECT_TRUE(m.audit.empty());
      EXPECT_FALSE(m.milestones.any());
      expect_same(inc, before);
    }
  }
}

TEST(LifecycleRefusals, BadValuesAre422) {
  struct Case {
    S status;
    core::LifecycleCommand cmd;
    std::string detail_has;
  };
  std::vector<Case> cases;
  auto add = [&](S status, A action, auto edit, std::string detail_has) {
    auto c = command(action);
    edit(c);
    cases.push_back({status, std::move(c), std::move(detail_has)});
  };
  add(
      S::open, A::assign, [](auto& c) { c.team = "dba"; }, "team must be one of service_desk");
  add(
      S::open, A::assign, [](auto& c) { c.team = ""; }, "team must be one of");
  add(
      S::open, A::escalate, [](auto& c) { c.team = "L9"; }, "to must be one of");
  add(
      S::escalated, A::escalate, [](auto& c) { c.team = "L2"; }, "already with L2");
  add(
      S::in_progress, A::escalate, [](auto& c) { c.team = "L1"; }, "already with L1");
  add(
      S::in_progress, A::vendor, [](auto& c) { c.vendor = ""; }, "vendor must not be empty");
  add(
      S::in_progress, A::vendor, [](auto& c) { c.contact_method = "fax"; },
      "contact_method must be one of phone, email, vendor_portal, API");
  add(
      S::open, A::update, [](auto& c) { c.title = ""; }, "title must not be empty");
  add(
      S::open, A::update, [](auto& c) { c.category = "network"; },
      "category must be one of hardware, software, security, performance, other");
  add(
      S::open, A::update, [](auto& c) { c.impact = "huge"; },
      "impact must be one of high, medium, low");
  add(
      S::open, A::update, [](auto& c) { c.urgency = "sev5"; }, "urgency must be one of");
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.detail_has);
    Machine m;
    core::Incident inc = incident_in(tc.status);
    const core::Incident before = inc;
    auto r = m.run(inc, tc.cmd);
    EXPECT_EQ(r.verdict, core::Verdict::invalid);
    EXPECT_EQ(r.error, "invalid_value");
    EXPECT_NE(r.detail.find(tc.detail_has), std::string::npos) << r.detail;
    EXPECT_TRUE(m.audit.empty());
    EXPECT_FALSE(m.milestones.any());
    expect_same(inc, before);
  }
}

TEST(LifecycleRefusals, EscalateToTheTeamThatHasItIsRefusedOffTheLadderToo) {
  Machine m;
  core::Incident inc = incident_in(S::in_progress);
  inc.team = "devops";
  auto c = command(A::escalate);
  c.team = "devops";
  auto r = m.run(inc, c);
  EXPECT_EQ(r.verdict, core::Verdict::invalid);
  EXPECT_EQ(r.detail, "the incident is already with devops");
  EXPECT_TRUE(m.audit.empty());
  c.team = "L2";  // another team is an escalation
  EXPECT_EQ(m.run(inc, c).verdict, core::Verdict::done);
  EXPECT_EQ(inc.escalation_level, 2);
}

// ---- segregation of duties --------------------------------------------------

TEST(LifecycleDuties, ClosingP1OrP2NeedsAnIncidentManager) {
  for (Priority p : {Priority::P1, Priority::P2}) {
    Machine m;
    core::Incident inc = incident_in(S::resolved, p);
    const core::Incident before = inc;
    auto c = command(A::close, "bob", Role::responder);
    c.review = "reviewed";
    auto r = m.run(inc, c);
    EXPECT_EQ(r.verdict, core::Verdict::forbidden);
    EXPECT_EQ(r.error, "forbidden");
    EXPECT_EQ(r.detail, "closing a " + std::string(core::to_string(p)) +
                            " incident needs the incident_manager role");
    EXPECT_TRUE(m.audit.empty());
    expect_same(inc, before);
    for (Role role : {Role::incident_manager, Role::admin}) {
      core::Incident again = incident_in(S::resolved, p);
      c.role = role;
      EXPECT_EQ(m.run(again, c).verdict, core::Verdict::done);
      EXPECT_EQ(again.status, S::closed);
    }
  }
}

TEST(LifecycleDuties, ResponderMayCloseP3AndP4WithoutReview) {
  for (Priority p : {Priority::P3, Priority::P4}) {
    Machine m;
    core::Incident inc = incident_in(S::resolved, p);
    inc.resolved_by = "bob";  // resolving and closing a minor incident is fine
    auto r = m.run(inc, command(A::close, "bob", Role::responder));
    EXPECT_EQ(r.verdict, core::Verdict::done) << r.detail;
    EXPECT_EQ(inc.status, S::closed);
    EXPECT_TRUE(inc.review_note.empty());
  }
}

TEST(LifecycleDuties, WhoResolvedAP1CannotCloseIt) {
  Machine m;
  core::Incident inc = incident_in(S::resolved, Priority::P1);
  inc.resolved_by = "carol";
  const core::Incident before = inc;
  auto c = command(A::close, "carol", Role::incident_manager);
  c.review = "reviewed";
  auto r = m.run(inc, c);
  EXPECT_EQ(r.verdict, core::Verdict::forbidden);
  EXPECT_EQ(r.error, "segregation_of_duties");
  EXPECT_EQ(r.detail, "carol resolved this P1 incident and cannot also close it");
  EXPECT_TRUE(m.audit.empty());
  expect_same(inc, before);

  c.actor = "dave";  // another incident manager
  r = m.run(inc, c);
  EXPECT_EQ(r.verdict, core::Verdict::done);
  EXPECT_EQ(inc.closed_by, "dave");
  EXPECT_EQ(inc.resolved_by, "carol");
}

TEST(LifecycleDuties, ResolvedByItsAlertsAnyIncidentManagerMayClose) {
  Machine m;
  core::Incident inc = incident_in(S::resolved, Priority::P1);
  inc.resolved_by = "alertd";
  auto c = command(A::close, "carol", Role::incident_manager);
  c.review = "reviewed";
  EXPECT_EQ(m.run(inc, c).verdict, core::Verdict::done);
}

TEST(LifecycleDuties, ClosingMajorIncidentsNeedsAReviewNote) {
  for (Priority p : {Priority::P1, Priority::P2}) {
    Machine m;
    core::Incident inc = incident_in(S::resolved, p);
    const core::Incident before = inc;
    auto c = command(A::close, "dave", Role::incident_manager);
    auto r = m.run(inc, c);
    EXPECT_EQ(r.verdict, core::Verdict::invalid);
    EXPECT_EQ(r.error, "review_required");
    EXPECT_NE(r.detail.find("post-incident review"), std::string::npos);
    EXPECT_TRUE(m.audit.empty());
    expect_same(inc, before);

    m.policy.review_required = false;
    r = m.run(inc, c);
    EXPECT_EQ(r.verdict, core::Verdict::done) << r.detail;
    EXPECT_EQ(inc.status, S::closed);
    EXPECT_TRUE(inc.review_note.empty());
  }
}

}  // namespace
}  // namespace alertd::correlator
