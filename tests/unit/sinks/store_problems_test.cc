// Problems on every backend (see store_conformance.h): the recurrence check
// (link_recurring) opening problems at the threshold and linking later
// incidents, its window edges, what never counts, edits through
// edit_problem, the list and detail reads, and the audit entries of each.
#include <gtest/gtest.h>

#include "correlator/problems/recurrence.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {

namespace {
constexpr int64_t kBase = 1'767'225'600'000;  // 2026-01-01T00:00:00Z, in ms
constexpr int64_t kDay = 86'400'000;
}  // namespace

core::OpenedIncident StoreProblemsTest::open_incident(int64_t seq, const std::string& key,
                                                      int64_t opened_ms,
                                                      const std::string& tenant) {
  core::Incident inc = make_incident(seq, tenant);
  inc.group_key = key;
  inc.opened_at = inc.updated_at = inc.last_alert_at = at_ms(opened_ms);
  apply_ok({make_update(inc, {}, {make_audit(inc.id, "create", opened_ms)})});
  return core::OpenedIncident{inc.seq, inc.id, inc.tenant, inc.group_key, inc.title, inc.opened_at};
}

std::vector<core::ProblemLinks> StoreProblemsTest::link(
    const std::vector<core::OpenedIncident>& opened, core::ProblemPolicy policy) {
  auto links = store_->link_recurring(
      opened, policy, correlator::recurrence_check(policy, at_ms(kBase + 30 * kDay)));
  EXPECT_TRUE(links.ok()) << (links.ok() ? "" : links.error().message);
  return links.ok() ? *links : std::vector<core::ProblemLinks>{};
}

ProblemDetail StoreProblemsTest::problem_ok(const std::string& id) {
  auto got = store_->get_problem(id);
  EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message);
  EXPECT_TRUE(got.ok() && got->has_value()) << id;
  return got.ok() && got->has_value() ? std::move(**got) : ProblemDetail{};
}

namespace {

std::vector<std::string> linked_ids(const ProblemDetail& d) {
  std::vector<std::string> out;
  for (const auto& i : d.incidents) out.push_back(i.id);
  return out;
}

// An edit like the API's: resolve with a resolution, or refuse.
ProblemEdit resolve_edit(std::string resolution) {
  return [resolution](core::Problem& p, std::vector<core::AuditEntry>& audit) {
    core::ProblemResult r;
    if (p.status == core::ProblemStatus::resolved) {
      r.verdict = core::Verdict::conflict;
      r.error = "illegal_transition";
      return r;
    }
    p.status = core::ProblemStatus::resolved;
    p.resolution = resolution;
    p.resolved_at = p.updated_at = at_ms(kBase + 40 * kDay);
    core::AuditEntry e = make_audit(p.id, "resolve", kBase + 40 * kDay);
    e.actor = "carol";
    audit.push_back(e);
    return r;
  };
}

TEST_P(StoreProblemsTest, BelowTheThresholdNothingIsOpened) {
  const std::string key = "{service=\"db\"}";
  auto a = open_incident(1, key, kBase);
  auto b = open_incident(2, key, kBase + kDay);
  EXPECT_TRUE(link({a, b}).empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM problems"), 0);
  EXPECT_EQ(get_ok("INC-2").incident.problem_id, "");
}

TEST_P(StoreProblemsTest, TheThirdIncidentOpensAProblemLinkingAllThree) {
  const std::string key = "{service=\"db\"}";
  auto a = open_incident(1, key, kBase);
  auto b = open_incident(2, key, kBase + kDay);
  EXPECT_TRUE(link({a}).empty());
  EXPECT_TRUE(link({b}).empty());
  auto c = open_incident(3, key, kBase + 2 * kDay);
  auto links = link({c});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_TRUE(links[0].opened);
  EXPECT_EQ(links[0].incidents, (std::vector<std::string>{"INC-1", "INC-2", "INC-3"}));

  const std::string id = links[0].problem_id;
  auto d = problem_ok(id);
  EXPECT_EQ(d.problem.id, id);
  EXPECT_EQ(d.problem.status, core::ProblemStatus::open);
  EXPECT_EQ(d.problem.tenant, "default");
  EXPECT_EQ(d.problem.group_key, key);
  EXPECT_EQ(d.problem.title, "incident 3");
  EXPECT_EQ(d.problem.incident_count, 3u);
  EXPECT_EQ(ns(d.problem.created_at), ns(at_ms(kBase + 30 * kDay)));
  EXPECT_EQ(ns(d.problem.last_linked_at), ns(at_ms(kBase + 30 * kDay)));
  EXPECT_EQ(linked_ids(d), (std::vector<std::string>{"INC-1", "INC-2", "INC-3"}));
  for (const auto& pi : d.incidents) {
    ASSERT_TRUE(pi.incident.has_value()) << pi.id;
    EXPECT_EQ(pi.incident->id, pi.id);
    EXPECT_EQ(pi.incident->problem_id, id);
  }
  for (const char* inc : {"INC-1", "INC-2", "INC-3"}) {
    EXPECT_EQ(get_ok(inc).incident.problem_id, id) << inc;
    auto t = store_->timeline(inc);
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t->size(), 2u) << inc;  // create, link
    EXPECT_EQ((*t)[1].action, "link");
    EXPECT_NE((*t)[1].detail.find("\"problem\":\"" + id + "\""), std::string::npos);
  }
  auto own = store_->timeline(id);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].action, "create");
  EXPECT_NE((*own)[0].detail.find("\"incidents\":3"), std::string::npos);
  auto v = store_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 3 + 1 + 3);
}

TEST_P(StoreProblemsTest, LaterIncidentsLinkToTheUnresolvedProblemWhateverTheirAge) {
  const std::string key = "{service=\"db\"}";
  std::vector<core::OpenedIncident> first = {open_incident(1, key, kBase),
                                             open_incident(2, key, kBase + 1),
                                             open_incident(3, key, kBase + 2)};
  auto opened = link(first);
  ASSERT_EQ(opened.size(), 1u);
  // Three weeks later, far outside the window: still this problem's.
  auto late = open_incident(4, key, kBase + 21 * kDay);
  auto links = link({late});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_FALSE(links[0].opened);
  EXPECT_EQ(links[0].problem_id, opened[0].problem_id);
  EXPECT_EQ(links[0].incidents, (std::vector<std::string>{"INC-4"}));
  EXPECT_EQ(problem_ok(opened[0].problem_id).problem.incident_count, 4u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM problems"), 1);
}

TEST_P(StoreProblemsTest, TheWindowIncludesBothEnds) {
  const std::string key = "{service=\"edge\"}";
  const int64_t week = 7 * kDay;
  open_incident(1, key, kBase - 1);  // 1 ms before the window
  open_incident(2, key, kBase);      // on its start
  open_incident(3, key, kBase + week - 1);
  auto c = open_incident(4, key, kBase + week);  // window [kBase, kBase + week]
  auto links = link({c});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].incidents, (std::vector<std::string>{"INC-2", "INC-3", "INC-4"}));
  EXPECT_EQ(get_ok("INC-1").incident.problem_id, "");
}

TEST_P(StoreProblemsTest, OtherKeysAndTenantsNeverCount) {
  const std::string key = "{service=\"db\"}";
  auto a = open_incident(1, key, kBase);
  auto b = open_incident(2, key, kBase + 1, "team-b");
  auto c = open_incident(3, "{service=\"web\"}", kBase + 2);
  auto d = open_incident(4, key, kBase + 3);
  EXPECT_TRUE(link({a, b, c, d}).empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM problems"), 0);
}

TEST_P(StoreProblemsTest, OneCallWithEqualTimesOpensOneProblem) {
  const std::string key = "{service=\"db\"}";
  std::vector<core::OpenedIncident> batch;
  for (int64_t seq = 1; seq <= 4; ++seq) batch.push_back(open_incident(seq, key, kBase));
  auto links = link(batch);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].incidents, (std::vector<std::string>{"INC-1", "INC-2", "INC-3", "INC-4"}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM problem_incidents"), 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'link'"), 4);
}

TEST_P(StoreProblemsTest, ThresholdAndWindowComeFromThePolicy) {
  const std::string key = "{service=\"db\"}";
  auto a = open_incident(1, key, kBase);
  auto b = open_incident(2, key, kBase + 2 * 3'600'000);
  EXPECT_TRUE(link({a, b}, core::ProblemPolicy{2, std::chrono::hours(1)}).empty());
  EXPECT_TRUE(link({a, b}, core::ProblemPolicy{0, std::chrono::hours(24)}).empty());  // off
  auto links = link({b}, core::ProblemPolicy{2, std::chrono::hours(2)});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].incidents, (std::vector<std::string>{"INC-1", "INC-2"}));
}

TEST_P(StoreProblemsTest, AResolvedProblemsIncidentsNeverCountAgain) {
  const std::string key = "{service=\"db\"}";
  auto first = link({open_incident(1, key, kBase), open_incident(2, key, kBase + 1),
                     open_incident(3, key, kBase + 2)});
  ASSERT_EQ(first.size(), 1u);
  auto edited = store_->edit_problem(first[0].problem_id, resolve_edit("patched the driver"));
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  ASSERT_EQ(edited->verdict, core::Verdict::done) << edited->detail;

  // Recurs after the fix: the old incidents are the old problem's history.
  EXPECT_TRUE(link({open_incident(4, key, kBase + 3)}).empty());
  EXPECT_TRUE(link({open_incident(5, key, kBase + 4)}).empty());
  auto second = link({open_incident(6, key, kBase + 5)});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(second[0].opened);
  EXPECT_NE(second[0].problem_id, first[0].problem_id);
  EXPECT_EQ(second[0].incidents, (std::vector<std::string>{"INC-4", "INC-5", "INC-6"}));
  EXPECT_EQ(get_ok("INC-1").incident.problem_id, first[0].problem_id);
}

TEST_P(StoreProblemsTest, OneUnresolvedProblemPerKeyIsEnforcedByTheDatabase) {
  ALERTD_NEEDS_SQL_SHELL();
  const std::string key = "{service=\"db\"}";
  link({open_incident(1, key, kBase), open_incident(2, key, kBase), open_incident(3, key, kBase)});
  auto dup = db_->exec(
      "INSERT INTO problems (tenant, group_key, title, status, created_at, updated_at) "
      "VALUES ('default', '{service=\"db\"}', 'again', 'known_error', 1, 1)");
  EXPECT_FALSE(dup.ok());
  EXPECT_TRUE(db_->exec("INSERT INTO problems (tenant, group_key, title, status, created_at, "
                        "updated_at) VALUES ('default', '{service=\"db\"}', 'old', 'closed', 1, 1)")
                  .ok());
}

TEST_P(StoreProblemsTest, EditWritesTheRowAndItsAuditOrNothing) {
  const std::string key = "{service=\"db\"}";
  auto links = link(
      {open_incident(1, key, kBase), open_incident(2, key, kBase), open_incident(3, key, kBase)});
  ASSERT_EQ(links.size(), 1u);
  const std::string id = links[0].problem_id;
  const auto entries_before = count("SELECT COUNT(*) FROM audit_log");

  auto refused = store_->edit_problem(id, [](core::Problem& p, std::vector<core::AuditEntry>& a) {
    p.title = "changed but refused";
    a.push_back(make_audit(p.id, "resolve", 1));
    core::ProblemResult r;
    r.verdict = core::Verdict::forbidden;
    r.error = "forbidden";
    return r;
  });
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->verdict, core::Verdict::forbidden);
  EXPECT_FALSE(refused->problem.has_value());
  EXPECT_EQ(problem_ok(id).problem.title, "incident 1");  // the incident that opened it
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), entries_before);

  auto done = store_->edit_problem(id, resolve_edit("patched"));
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->verdict, core::Verdict::done);
  ASSERT_TRUE(done->problem.has_value());
  EXPECT_EQ(done->problem->status, core::ProblemStatus::resolved);
  reopen();  // it is in the database, not in memory
  auto d = problem_ok(id);
  EXPECT_EQ(d.problem.status, core::ProblemStatus::resolved);
  EXPECT_EQ(d.problem.resolution, "patched");
  EXPECT_EQ(ns(d.problem.resolved_at), ns(at_ms(kBase + 40 * kDay)));
  EXPECT_EQ(d.problem.incident_count, 3u);
  auto t = store_->timeline(id);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[1].action, "resolve");
  EXPECT_EQ((*t)[1].actor, "carol");
  auto v = store_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;

  auto again = store_->edit_problem(id, resolve_edit("twice"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->verdict, core::Verdict::conflict);
  for (const char* missing : {"PRB-999", "PRB-x", "INC-1", ""}) {
    auto none = store_->edit_problem(missing, resolve_edit("x"));
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->verdict, core::Verdict::not_found) << missing;
    EXPECT_EQ(none->error, "not_found");
  }
}

TEST_P(StoreProblemsTest, EveryTextRoundTrips) {
  const std::string key = "{service=\"db\", zone=\"eu — ünïcödé\"}";
  auto links = link(
      {open_incident(1, key, kBase), open_incident(2, key, kBase), open_incident(3, key, kBase)});
  ASSERT_EQ(links.size(), 1u);
  auto done = store_->edit_problem(links[0].problem_id, [](core::Problem& p, auto&) {
    p.status = core::ProblemStatus::closed;
    p.workaround = "restart \"it\"\nsecond line";
    p.root_cause = "firmware — ünïcödé";
    p.resolution = "upgraded";
    p.close_notes = "verified for a week";
    p.updated_at = p.resolved_at = p.closed_at = at_ms(kBase + 41 * kDay);
    return core::ProblemResult{};
  });
  ASSERT_TRUE(done.ok());
  auto got = problem_ok(links[0].problem_id).problem;
  EXPECT_EQ(got.group_key, key);
  EXPECT_EQ(got.status, core::ProblemStatus::closed);
  EXPECT_EQ(got.workaround, "restart \"it\"\nsecond line");
  EXPECT_EQ(got.root_cause, "firmware — ünïcödé");
  EXPECT_EQ(got.resolution, "upgraded");
  EXPECT_EQ(got.close_notes, "verified for a week");
  EXPECT_EQ(ns(got.closed_at), ns(at_ms(kBase + 41 * kDay)));
}

TEST_P(StoreProblemsTest, ListFiltersByTenantAndStatusAndPagesByCursor) {
  int64_t seq = 0;
  auto open_problem = [&](const std::string& key, const std::string& tenant) {
    std::vector<core::OpenedIncident> batch;
    for (int i = 0; i < 3; ++i) batch.push_back(open_incident(++seq, key, kBase, tenant));
    auto links = link(batch);
    EXPECT_EQ(links.size(), 1u);
    return links.empty() ? std::string() : links[0].problem_id;
  };
  std::vector<std::string> mine;
  for (int k = 0; k < 5; ++k)
    mine.push_back(open_problem("{k=\"" + std::to_string(k) + "\"}", "default"));
  const std::string theirs = open_problem("{k=\"0\"}", "team-b");
  ASSERT_TRUE(store_->edit_problem(mine[1], resolve_edit("fixed")).ok());

  ProblemFilter f;
  f.limit = 2;
  std::vector<std::string> walked;
  while (true) {
    auto page = store_->list_problems(f);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& p : page->problems) walked.push_back(p.id);
    if (!page->next_cursor) break;
    f.before_seq = page->next_cursor;
  }
  EXPECT_EQ(walked, (std::vector<std::string>{mine[4], mine[3], mine[2], mine[1], mine[0]}));

  ProblemFilter resolved;
  resolved.status = core::ProblemStatus::resolved;
  auto page = store_->list_problems(resolved);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->problems.size(), 1u);
  EXPECT_EQ(page->problems[0].id, mine[1]);
  EXPECT_EQ(page->problems[0].incident_count, 3u);

  ProblemFilter other;
  other.tenant = "team-b";
  page = store_->list_problems(other);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->problems.size(), 1u);
  EXPECT_EQ(page->problems[0].id, theirs);
  EXPECT_EQ(page->problems[0].tenant, "team-b");
}

TEST_P(StoreProblemsTest, UnknownProblemIsNullopt) {
  for (const char* id : {"PRB-1", "PRB-0", "PRB-", "prb-1", "INC-1"}) {
    auto got = store_->get_problem(id);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value()) << id;
  }
}

}  // namespace
}  // namespace alertd::sinks::testing
