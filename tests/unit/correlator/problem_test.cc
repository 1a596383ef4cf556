// The problem state machine (correlator/problems/problem.h): every transition, every
// refusal, and the audit entry of each change.
#include "correlator/problems/problem.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace alertd::correlator {
namespace {

using core::ProblemAction;
using core::ProblemStatus;

core::Problem problem(ProblemStatus status = ProblemStatus::open) {
  core::Problem p;
  p.seq = 7;
  p.id = "PRB-7";
  p.tenant = "default";
  p.group_key = "{service=\"db\"}";
  p.status = status;
  return p;
}

core::ProblemCommand command(ProblemAction a) {
  core::ProblemCommand c;
  c.action = a;
  c.problem_id = "PRB-7";
  c.actor = "pat";
  c.role = core::Role::incident_manager;
  c.on_behalf_of = "pm-desk";
  c.authenticated = true;
  c.at = core::from_unix_millis(1'767'225'600'000);
  c.workaround = "restart";
  c.text = "done";
  return c;
}

TEST(ProblemTest, KnownErrorResolveCloseWithTheirAuditEntries) {
  auto p = problem();
  std::vector<core::AuditEntry> audit;
  auto known = command(ProblemAction::known_error);
  known.root_cause = "leak";
  auto r = apply_problem_command(p, known, audit);
  ASSERT_EQ(r.verdict, core::Verdict::done) << r.detail;
  EXPECT_EQ(p.status, ProblemStatus::known_error);
  EXPECT_EQ(p.workaround, "restart");
  EXPECT_EQ(p.root_cause, "leak");
  EXPECT_EQ(p.updated_at, known.at);
  ASSERT_TRUE(r.problem.has_value());
  EXPECT_EQ(r.problem->status, ProblemStatus::known_error);

  known.workaround = "fail over";  // revising the workaround is allowed
  ASSERT_EQ(apply_problem_command(p, known, audit).verdict, core::Verdict::done);
  EXPECT_EQ(p.workaround, "fail over");

  auto resolve = command(ProblemAction::resolve);
  resolve.text = "patched";
  ASSERT_EQ(apply_problem_command(p, resolve, audit).verdict, core::Verdict::done);
  EXPECT_EQ(p.status, ProblemStatus::resolved);
  EXPECT_EQ(p.resolution, "patched");
  EXPECT_EQ(p.resolved_at, resolve.at);
  EXPECT_EQ(p.root_cause, "leak");  // kept when not given again

  auto close = command(ProblemAction::close);
  close.text = "";  // notes are optional
  ASSERT_EQ(apply_problem_command(p, close, audit).verdict, core::Verdict::done);
  EXPECT_EQ(p.status, ProblemStatus::closed);
  EXPECT_EQ(p.closed_at, close.at);

  ASSERT_EQ(audit.size(), 4u);
  const char* actions[] = {"known_error", "known_error", "resolve", "close"};
  for (size_t i = 0; i < audit.size(); ++i) {
    EXPECT_EQ(audit[i].incident_id, "PRB-7");
    EXPECT_EQ(audit[i].actor, "pat");
    EXPECT_EQ(audit[i].action, actions[i]);
  }
  simdjson::dom::parser parser;
  auto detail = parser.parse(audit[0].detail);
  EXPECT_EQ(std::string_view(detail["changes"]["status"]["from"]), "open");
  EXPECT_EQ(std::string_view(detail["changes"]["status"]["to"]), "known_error");
  EXPECT_EQ(std::string_view(detail["changes"]["root_cause"]["to"]), "leak");
  EXPECT_EQ(std::string_view(detail["on_behalf_of"]), "pm-desk");
  EXPECT_TRUE(bool(detail["authenticated"]));
}

TEST(ProblemTest, ResolvesStraightFromOpen) {
  auto p = problem();
  std::vector<core::AuditEntry> audit;
  ASSERT_EQ(apply_problem_command(p, command(ProblemAction::resolve), audit).verdict,
            core::Verdict::done);
  EXPECT_EQ(p.status, ProblemStatus::resolved);
}

TEST(ProblemTest, IllegalTransitionsNameWhatIsAllowed) {
  struct Case {
    ProblemStatus status;
    ProblemAction action;
    std::vector<std::string> allowed;
  };
  const Case cases[] = {
      {ProblemStatus::open, ProblemAction::close, {"known_error", "resolve"}},
      {ProblemStatus::known_error, ProblemAction::close, {"known_error", "resolve"}},
      {ProblemStatus::resolved, ProblemAction::known_error, {"close"}},
      {ProblemStatus::resolved, ProblemAction::resolve, {"close"}},
      {ProblemStatus::closed, ProblemAction::resolve, {}},
      {ProblemStatus::closed, ProblemAction::close, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(core::to_string(c.status)) + " " +
                 std::string(core::to_string(c.action)));
    auto p = problem(c.status);
    const auto before = p;
    std::vector<core::AuditEntry> audit;
    auto r = apply_problem_command(p, command(c.action), audit);
    EXPECT_EQ(r.verdict, core::Verdict::conflict);
    EXPECT_EQ(r.error, "illegal_transition");
    EXPECT_EQ(r.allowed, c.allowed);
    EXPECT_EQ(p.status, before.status);
    EXPECT_TRUE(audit.empty());
    EXPECT_FALSE(r.problem.has_value());
  }
}

TEST(ProblemTest, RefusalsChangeNothing) {
  std::vector<core::AuditEntry> audit;
  auto p = problem();
  auto other = command(ProblemAction::known_error);
  other.tenant = "other";
  EXPECT_EQ(apply_problem_command(p, other, audit).verdict, core::Verdict::not_found);
  auto responder = command(ProblemAction::known_error);
  responder.role = core::Role::responder;
  auto r = apply_problem_command(p, responder, audit);
  EXPECT_EQ(r.verdict, core::Verdict::forbidden);
  EXPECT_EQ(r.error, "forbidden");
  auto no_workaround = command(ProblemAction::known_error);
  no_workaround.workaround.clear();
  EXPECT_EQ(apply_problem_command(p, no_workaround, audit).verdict, core::Verdict::invalid);
  auto no_resolution = command(ProblemAction::resolve);
  no_resolution.text.clear();
  EXPECT_EQ(apply_problem_command(p, no_resolution, audit).verdict, core::Verdict::invalid);
  EXPECT_EQ(p.status, ProblemStatus::open);
  EXPECT_TRUE(p.workaround.empty());
  EXPECT_TRUE(audit.empty());
}

}  // namespace
}  // namespace alertd::correlator
