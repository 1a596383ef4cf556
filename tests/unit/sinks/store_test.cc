// The store contract every backend passes (see store_conformance.h): round
// trips of every field, upserts, members, the audit trail and its append-only
// rule, all-or-nothing batches, and what a restart restores.
#include <gtest/gtest.h>

#include <functional>

#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

TEST_P(StoreTest, RoundTripsEveryIncidentField) {
  core::Incident inc = make_incident(42, "team-a");
  inc.title = "Disk \"full\" on host\\1\nsecond line — ünïcödé";
  inc.service = "storage";
  inc.status = core::IncidentStatus::pending_vendor;
  inc.priority = core::Priority::P1;
  inc.severity = "sev1";
  inc.group_key = "{service=\"storage\"}";
  inc.rule = "by-service";
  inc.opened_at = at_ms(1'767'225'912'345);
  inc.updated_at = at_ms(1'767'225'999'001);
  inc.last_alert_at = at_ms(1'767'225'950'999);
  inc.acknowledged_at = at_ms(1'767'226'000'000);
  inc.resolved_at = at_ms(1'767'226'100'007);
  inc.closed_at = core::kNoTime;
  inc.alert_count = 17;
  inc.firing_count = 4;
  inc.category = "storage ünïcödé";
  inc.impact = "high";
  inc.root_service = "san-fabric";
  inc.flapping = true;
  inc.suppressed = true;
  apply_ok({make_update(inc)});

  auto got = get_ok("INC-42");
  expect_same_incident(got.incident, inc);
  EXPECT_TRUE(got.members.empty());
}

/// An incident with every lifecycle field (schema version 4) off its default.
core::Incident with_lifecycle(int64_t seq) {
  core::Incident inc = make_incident(seq);
  inc.status = core::IncidentStatus::escalated;
  inc.detection_source = "user_report";
  inc.urgency = "sev2";
  inc.priority_manual = true;
  inc.team = "database";
  inc.assignee = "alice@example.com";
  inc.escalation_level = 3;
  inc.vendor = "Acme Storage";
  inc.vendor_contact = "case 42 — support@acme.example";
  inc.resolved_by = "bob";
  inc.resolution = "replaced the \"disk\"";
  inc.closed_by = "carol";
  inc.close_notes = "closed after review\nsecond line";
  inc.review_note = "post-incident review: ünïcödé";
  inc.ack_due_at = at_ms(1'767'225'900'001);
  inc.resolve_due_at = at_ms(1'767'240'000'002);
  inc.next_escalation_at = at_ms(1'767'226'000'003);
  inc.ack_breached = true;
  inc.resolve_breached = true;
  return inc;
}

TEST_P(StoreTest, RoundTripsEveryLifecycleField) {
  const core::Incident inc = with_lifecycle(42);
  apply_ok({make_update(inc)});
  expect_same_incident(get_ok("INC-42").incident, inc);
  auto page = store_->list(IncidentFilter{});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->incidents.size(), 1u);
  expect_same_incident(page->incidents[0], inc);

  reopen();  // the correlator resumes SLA clocks and escalation from these
  auto state = store_->load_active();
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->incidents.size(), 1u);
  expect_same_incident(state->incidents[0], inc);

  // Back to the defaults: nothing of the old values is kept.
  const core::Incident plain = make_incident(42);
  apply_ok({make_update(plain)});
  expect_same_incident(get_ok("INC-42").incident, plain);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents WHERE ack_due_at IS NULL AND "
                  "resolve_due_at IS NULL AND next_escalation_at IS NULL"),
            1);
}

// The problem link lives in problem_incidents (written by problem
// management): reads show it as "PRB-<seq>", incident writes never touch it.
TEST_P(StoreTest, ProblemLinkIsReadThroughTheLinkAndNeverWritten) {
  ALERTD_NEEDS_SQL_SHELL();
  core::Incident inc = with_lifecycle(7);
  inc.problem_id = "PRB-99";  // what the correlator holds is not written
  apply_ok({make_update(inc)});
  EXPECT_EQ(get_ok("INC-7").incident.problem_id, "");

  ASSERT_TRUE(db_->exec("INSERT INTO problems (tenant, group_key, title, status, created_at, "
                        "updated_at) VALUES ('default', 'k', 'disk failures', 'open', 1, 1)")
                  .ok());
  auto linked = db_->exec(
      "INSERT INTO problem_incidents (incident_seq, problem_seq, linked_at) "
      "SELECT 7, MAX(seq), 2 FROM problems");
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  const std::string want = "PRB-" + std::to_string(count("SELECT MAX(seq) FROM problems"));
  EXPECT_EQ(get_ok("INC-7").incident.problem_id, want);

  // Writes by the narrow path (counters only) and by the upsert (status
  // changed) keep the link, whatever problem_id the update carries.
  inc.problem_id.clear();
  inc.alert_count = 3;
  apply_ok({make_update(inc)});
  inc.status = core::IncidentStatus::in_progress;
  apply_ok({make_update(inc)});
  inc.problem_id = want;
  expect_same_incident(get_ok("INC-7").incident, inc);
  auto page = store_->list(IncidentFilter{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].problem_id, want);
  auto state = store_->load_active();
  ASSERT_TRUE(state.ok());
  ASSERT_EQ(state->incidents.size(), 1u);
  EXPECT_EQ(state->incidents[0].problem_id, want);
  EXPECT_EQ(count("SELECT COUNT(*) FROM problem_incidents"), 1);
}

TEST_P(StoreTest, TimesAreMillisecondsAndNoTimeIsNull) {
  core::Incident inc = make_incident(1);
  // Sub-millisecond parts are cut: the columns hold unix milliseconds.
  inc.opened_at = core::TimePoint{std::chrono::nanoseconds{1'767'225'912'345'678'901}};
  inc.acknowledged_at = core::kNoTime;
  apply_ok({make_update(inc)});

  auto got = get_ok("INC-1");
  EXPECT_EQ(ns(got.incident.opened_at), 1'767'225'912'345'000'000);
  EXPECT_EQ(got.incident.acknowledged_at, core::kNoTime);
  EXPECT_EQ(count("SELECT opened_at FROM incidents"), 1'767'225'912'345);
  EXPECT_EQ(count("SELECT acknowledged_at IS NULL AND closed_at IS NULL FROM incidents"), 1);
}

TEST_P(StoreTest, RoundTripsEveryMemberField) {
  core::Member m;
  m.labels = core::LabelSet{{"alertname", "Ünïcödé 🚨"},
                            {"path", R"(C:\temp\"quoted")"},
                            {"multi", "a\nb\r\n\tc"},
                            {"ctl", std::string("x\0y", 3)}};
  m.annotations = core::LabelSet{{"description", "line1\nline2 \"q\" \\ end"}, {"empty", ""}};
  m.fingerprint = core::fingerprint(m.labels);
  m.status = core::AlertStatus::resolved;
  m.source = "alertmanager";
  m.first_seen = at_ms(1'767'225'600'001);
  m.last_seen = at_ms(1'767'225'700'999);
  m.resolved_at = at_ms(1'767'225'800'500);
  m.event_count = (uint64_t{1} << 40) + 3;
  m.flapping = true;
  m.suppressed_by = "silence:SIL-12";
  core::Member plain = make_member("Plain", 1'767'225'600'002);
  plain.resolved_at = core::kNoTime;
  apply_ok({make_update(make_incident(3), {m, plain})});

  auto got = get_ok("INC-3");
  ASSERT_EQ(got.members.size(), 2u);
  expect_same_member(got.members[0], m);
  expect_same_member(got.members[1], plain);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members WHERE resolved_at IS NULL"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members WHERE fingerprint = '" +
                  core::fingerprint_hex(m.fingerprint) + "'"),
            1);
}

TEST_P(StoreTest, SecondApplyUpdatesWithoutDuplicating) {
  core::Incident inc = make_incident(5);
  apply_ok({make_update(inc)});
  inc.status = core::IncidentStatus::resolved;
  inc.resolved_at = at_ms(1'767'230'000'000);
  inc.title = "renamed";
  inc.alert_count = 9;
  apply_ok({make_update(inc)});
  apply_ok({make_update(inc)});  // a retried batch changes nothing more

  expect_same_incident(get_ok("INC-5").incident, inc);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 1);
}

// apply() writes an update that moves only counters and times without
// touching the indexes, and a change of an indexed column (tenant, status,
// service, priority) through every index: list filters, load_active and
// the backend's own integrity check must all agree with the rows, before and after a
// restart.
TEST_P(StoreTest, UpdatesKeepEveryIndexInStepWithTheRow) {
  auto seqs = [&](IncidentFilter filter) {
    std::vector<int64_t> out;
    auto page = store_->list(filter);
    EXPECT_TRUE(page.ok());
    if (page.ok()) {
      for (const auto& inc : page->incidents) out.push_back(inc.seq);
    }
    return out;
  };
  auto active = [&] {
    std::vector<int64_t> out;
    auto state = store_->load_active();
    EXPECT_TRUE(state.ok());
    if (state.ok()) {
      for (const auto& inc : state->incidents) out.push_back(inc.seq);
    }
    return out;
  };
  auto open_filter = IncidentFilter{};
  open_filter.status = core::IncidentStatus::open;
  auto resolved_filter = IncidentFilter{};
  resolved_filter.status = core::IncidentStatus::resolved;

  core::Incident one = make_incident(1);
  core::Incident two = make_incident(2);
  core::Incident three = make_incident(3);
  apply_ok({make_update(one), make_update(two), make_update(three)});

  two.alert_count = 5;  // counters and times only
  two.firing_count = 4;
  two.title = "retitled";
  two.updated_at = at_ms(1'767'230'000'000);
  apply_ok({make_update(two)});
  expect_same_incident(get_ok("INC-2").incident, two);
  EXPECT_EQ(seqs(open_filter), (std::vector<int64_t>{3, 2, 1}));

  two.status = core::IncidentStatus::resolved;
  three.service = "moved";
  three.group_key = "{service=\"moved\"}";  // indexed since schema version 5
  one.priority = core::Priority::P1;
  one.tenant = "other";
  apply_ok({make_update(two), make_update(three), make_update(one)});
  expect_same_incident(get_ok("INC-1").incident, one);
  EXPECT_EQ(seqs(open_filter), (std::vector<int64_t>{3}));
  EXPECT_EQ(seqs(resolved_filter), (std::vector<int64_t>{2}));
  auto moved = IncidentFilter{};
  moved.service = "moved";
  EXPECT_EQ(seqs(moved), (std::vector<int64_t>{3}));
  auto other_p1 = IncidentFilter{};
  other_p1.tenant = "other";
  other_p1.priority = core::Priority::P1;
  EXPECT_EQ(seqs(other_p1), (std::vector<int64_t>{1}));
  EXPECT_EQ(active(), (std::vector<int64_t>{1, 3}));

  reopen();  // after a restart the writer learns the stored seqs again
  two.status = core::IncidentStatus::open;
  two.alert_count = 6;
  three.alert_count = 2;
  apply_ok({make_update(two), make_update(three)});
  expect_same_incident(get_ok("INC-2").incident, two);
  expect_same_incident(get_ok("INC-3").incident, three);
  EXPECT_EQ(seqs(open_filter), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(active(), (std::vector<int64_t>{1, 2, 3}));

  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 3);
  auto check = db_->check_integrity();
  EXPECT_TRUE(check.ok()) << check.error().message;
}

// The narrow UPDATE (no indexed column changed) must write every other
// column: a change of only the rule engine's fields (category, impact, root,
// flapping, suppressed) or of one lifecycle field is kept, each on its own
// and all back again.
TEST_P(StoreTest, NarrowUpdateKeepsChangesOfEveryUnindexedColumn) {
  core::Incident inc = make_incident(4);
  apply_ok({make_update(inc)});
  const std::vector<std::function<void(core::Incident&)>> changes = {
      [](core::Incident& i) { i.flapping = true; },
      [](core::Incident& i) { i.suppressed = true; },
      [](core::Incident& i) { i.category = "network"; },
      [](core::Incident& i) { i.impact = "medium"; },
      [](core::Incident& i) { i.root_service = "dns"; },
      [](core::Incident& i) {
        i.flapping = false;
        i.suppressed = false;
        i.category.clear();
        i.impact = "low";
        i.root_service.clear();
      },
      // The lifecycle's columns (schema version 4), each on its own.
      [](core::Incident& i) { i.detection_source = "user_report"; },
      [](core::Incident& i) { i.urgency = "sev2"; },
      [](core::Incident& i) { i.priority_manual = true; },
      [](core::Incident& i) { i.team = "network"; },
      [](core::Incident& i) { i.assignee = "bob"; },
      [](core::Incident& i) { i.escalation_level = 2; },
      [](core::Incident& i) { i.vendor = "Acme"; },
      [](core::Incident& i) { i.vendor_contact = "case 7"; },
      [](core::Incident& i) { i.resolved_by = "bob"; },
      [](core::Incident& i) { i.resolution = "fixed"; },
      [](core::Incident& i) { i.closed_by = "carol"; },
      [](core::Incident& i) { i.close_notes = "done"; },
      [](core::Incident& i) { i.review_note = "reviewed"; },
      [](core::Incident& i) { i.ack_due_at = at_ms(1'767'225'700'000); },
      [](core::Incident& i) { i.resolve_due_at = at_ms(1'767'226'700'000); },
      [](core::Incident& i) { i.next_escalation_at = at_ms(1'767'225'650'000); },
      [](core::Incident& i) { i.ack_breached = true; },
      [](core::Incident& i) { i.resolve_breached = true; },
      [](core::Incident& i) {
        const core::Incident fresh = make_incident(i.seq);
        i = fresh;
      },
  };
  for (size_t k = 0; k < changes.size(); ++k) {
    SCOPED_TRACE("change " + std::to_string(k));
    changes[k](inc);
    apply_ok({make_update(inc)});
    expect_same_incident(get_ok("INC-4").incident, inc);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 1);
}

TEST_P(StoreTest, MemberFlagsChangeOnUpsert) {
  core::Member m = make_member("Flappy", 1000);
  apply_ok({make_update(make_incident(1), {m})});
  m.flapping = true;
  m.suppressed_by = "inhibit:critical-over-warning";
  apply_ok({make_update(make_incident(1), {m})});
  expect_same_member(get_ok("INC-1").members.at(0), m);
  m.flapping = false;
  m.suppressed_by.clear();
  apply_ok({make_update(make_incident(1), {m})});
  expect_same_member(get_ok("INC-1").members.at(0), m);
}

TEST_P(StoreTest, MembersMergeAcrossBatchesOrderedByFirstSeen) {
  core::Member late = make_member("Late", 3000);
  core::Member early = make_member("Early", 1000);
  apply_ok({make_update(make_incident(1), {late})});
  early.event_count = 2;
  late.status = core::AlertStatus::resolved;
  late.resolved_at = at_ms(4000);
  late.event_count = 5;
  apply_ok({make_update(make_incident(1), {early, late})});
  // Two members first seen at the same time are ordered by fingerprint.
  core::Member tie_a = make_member("TieA", 2000);
  core::Member tie_b = make_member("TieB", 2000);
  apply_ok({make_update(make_incident(1), {tie_a, tie_b})});

  auto got = get_ok("INC-1");
  ASSERT_EQ(got.members.size(), 4u);
  expect_same_member(got.members[0], early);
  const bool a_first =
      core::fingerprint_hex(tie_a.fingerprint) < core::fingerprint_hex(tie_b.fingerprint);
  expect_same_member(got.members[1], a_first ? tie_a : tie_b);
  expect_same_member(got.members[2], a_first ? tie_b : tie_a);
  expect_same_member(got.members[3], late);
}

TEST_P(StoreTest, AuditEntriesComeBackInOrderWithIncreasingSeq) {
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "create", 1)}),
            make_update(make_incident(2), {}, {make_audit("INC-2", "create", 2)})});
  core::AuditEntry by_person = make_audit("INC-1", "acknowledge", 3);
  by_person.actor = "alice@example.com";
  by_person.detail = R"({"status":{"from":"open","to":"in_progress"},"note":"on it \"now\""})";
  apply_ok(
      {make_update(make_incident(1), {}, {by_person, make_audit("INC-1", "member_added", 4)})});

  auto timeline = store_->timeline("INC-1");
  ASSERT_TRUE(timeline.ok()) << timeline.error().message;
  ASSERT_EQ(timeline->size(), 3u);
  EXPECT_EQ((*timeline)[0].action, "create");
  EXPECT_EQ((*timeline)[1].action, "acknowledge");
  EXPECT_EQ((*timeline)[2].action, "member_added");
  EXPECT_LT((*timeline)[0].seq, (*timeline)[1].seq);
  EXPECT_LT((*timeline)[1].seq, (*timeline)[2].seq);
  EXPECT_GT((*timeline)[0].seq, 0);
  const auto& e = (*timeline)[1];
  EXPECT_EQ(e.incident_id, "INC-1");
  EXPECT_EQ(e.actor, "alice@example.com");
  EXPECT_EQ(e.detail, by_person.detail);
  EXPECT_EQ(ns(e.at), ns(at_ms(3)));

  auto other = store_->timeline("INC-2");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  auto none = store_->timeline("INC-404");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreTest, AuditRowsCannotBeUpdatedOrDeleted) {
  ALERTD_NEEDS_SQL_SHELL();
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "create", 1)})});
  auto update = db_->exec("UPDATE audit_log SET actor = 'mallory'");
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().reason, "store_constraint");
  EXPECT_NE(update.error().message.find("append-only"), std::string::npos);
  auto del = db_->exec("DELETE FROM audit_log");
  ASSERT_FALSE(del.ok());
  EXPECT_NE(del.error().message.find("append-only"), std::string::npos);

  auto timeline = store_->timeline("INC-1");
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 1u);
  EXPECT_EQ((*timeline)[0].actor, "alertd");
}

// The correlator's merger sends one update per incident, but the contract
// allows more: within one batch the later update of an incident or member
// wins, as if each were written in turn, and every audit entry is kept in order.
TEST_P(StoreTest, LaterUpdatesInOneBatchWin) {
  core::Incident first = make_incident(7);
  core::Incident second = first;
  second.status = core::IncidentStatus::in_progress;
  second.alert_count = 2;
  second.title = "second";
  core::Member m = make_member("Twice", 1000);
  core::Member m2 = m;
  m2.event_count = 5;
  m2.status = core::AlertStatus::resolved;
  m2.resolved_at = at_ms(2000);
  apply_ok({make_update(first, {m}, {make_audit("INC-7", "create", 1)}),
            make_update(second, {m2}, {make_audit("INC-7", "acknowledge", 2)})});

  auto got = get_ok("INC-7");
  expect_same_incident(got.incident, second);
  ASSERT_EQ(got.members.size(), 1u);
  expect_same_member(got.members[0], m2);
  auto timeline = store_->timeline("INC-7");
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_EQ((*timeline)[0].action, "create");
  EXPECT_EQ((*timeline)[1].action, "acknowledge");
}

TEST_P(StoreTest, GetUnknownIdIsNullopt) {
  auto got = store_->get("INC-999");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

// A batch failing half-way (the second incident reuses the first one's id,
// which the UNIQUE constraint refuses) leaves nothing of the batch behind,
// and the corrected retry writes each audit entry exactly once.
TEST_P(StoreTest, FailedBatchRollsBackCompletely) {
  apply_ok({make_update(make_incident(10), {}, {make_audit("INC-10", "create", 1)})});

  core::Incident clash = make_incident(2);
  clash.id = "INC-1";
  std::vector<core::IncidentUpdate> batch = {
      make_update(make_incident(1), {make_member("A", 1)}, {make_audit("INC-1", "create", 2)}),
      make_update(make_incident(10), {make_member("B", 2)}, {make_audit("INC-10", "update", 3)}),
      make_update(clash, {}, {make_audit("INC-2", "create", 4)}),
  };
  auto st = apply(batch);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_constraint");
  // The message names the store and the clashing id.
  EXPECT_NE(st.error().message.find("INC-1"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find(db_->name_in_errors()), std::string::npos)
      << st.error().message;

  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 1);
  EXPECT_FALSE(store_->get("INC-1")->has_value());
  EXPECT_TRUE(get_ok("INC-10").members.empty());

  batch[2].incident.id = "INC-2";
  apply_ok(batch);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_members"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 4);
  EXPECT_EQ(store_->timeline("INC-10")->size(), 2u);
}

TEST_P(StoreTest, RefusesLabelsThatCouldNotBeReadBack) {
  core::Member bad = make_member("Bad", 1);
  bad.labels.set("bytes", "\xff\xfe");
  auto st = apply({make_update(make_incident(1), {bad})});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_invalid_input");
  EXPECT_FALSE(store_->get("INC-1")->has_value());
}

TEST_P(StoreTest, RefusesIncidentWithoutSeq) {
  core::Incident inc = make_incident(1);
  inc.seq = 0;
  auto st = apply({make_update(inc)});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_invalid_input");
}

TEST_P(StoreTest, EmptyBatchIsOk) {
  EXPECT_TRUE(apply({}).ok());
}

TEST_P(StoreTest, LoadActiveAfterRestart) {
  // The rule engine's fields must survive a restart: the correlator resumes
  // flap damping, suppression and the topology root from them.
  auto with_status = [](int64_t seq, core::IncidentStatus status) {
    core::Incident inc = make_incident(seq);
    inc.status = status;
    inc.category = "cat-" + std::to_string(seq);
    inc.impact = seq % 2 == 0 ? "high" : "medium";
    inc.root_service = "root-" + std::to_string(seq);
    inc.flapping = seq == 3;
    inc.suppressed = seq == 5;
    return inc;
  };
  core::Member flagged_member = make_member("E", 1);
  flagged_member.flapping = true;
  flagged_member.suppressed_by = "maintenance:weekly-db";
  apply_ok({
      make_update(with_status(1, core::IncidentStatus::open),
                  {make_member("A", 2), make_member("B", 1)}),
      make_update(with_status(2, core::IncidentStatus::resolved), {make_member("C", 1)}),
      make_update(with_status(3, core::IncidentStatus::in_progress), {make_member("D", 1)}),
      make_update(with_status(4, core::IncidentStatus::escalated)),
      make_update(with_status(5, core::IncidentStatus::pending_vendor), {flagged_member}),
      make_update(with_status(6, core::IncidentStatus::closed), {make_member("F", 1)}),
  });
  reopen();  // the daemon stops and starts again

  auto state = store_->load_active();
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->max_seq, 6);  // from a closed incident: ids are never reused
  std::vector<int64_t> seqs;
  for (const auto& inc : state->incidents) seqs.push_back(inc.seq);
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 3, 4, 5}));
  expect_same_incident(state->incidents[1], with_status(3, core::IncidentStatus::in_progress));
  expect_same_incident(state->incidents[3], with_status(5, core::IncidentStatus::pending_vendor));
  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& [id, m] : state->members) {
    members.emplace_back(id, std::string(*m.labels.get("alertname")));
  }
  EXPECT_EQ(members, (std::vector<std::pair<std::string, std::string>>{
                         {"INC-1", "B"}, {"INC-1", "A"}, {"INC-3", "D"}, {"INC-5", "E"}}));
  expect_same_member(state->members[3].second, flagged_member);
}

TEST_P(StoreTest, LoadActiveOnEmptyDatabase) {
  auto state = store_->load_active();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->max_seq, 0);
  EXPECT_TRUE(state->incidents.empty());
  EXPECT_TRUE(state->members.empty());
}

}  // namespace
}  // namespace alertd::sinks::testing
