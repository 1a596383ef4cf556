// The correlator's part of the write-ahead journal (issue 12): members carry
// the journal position of the last alert applied to them into every update,
// restore() keeps it, and the replay guard skips replayed alerts whose
// effect the store already holds, so a replay after a crash is idempotent.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::AlertChange;
using core::IncidentStatus;
using core::IncidentUpdate;
using core::journal_position;
using core::JournalMark;
using core::TimePoint;

const core::LabelSet kDb{{"alertname", "DbDown"}, {"service", "db"}, {"severity", "critical"}};
const core::LabelSet kDbSlow{{"alertname", "DbSlow"}, {"service", "db"}, {"severity", "critical"}};
const core::LabelSet kWeb{{"alertname", "WebDown"}, {"service", "web"}};

core::AlertEvent journaled(AlertChange change, const core::LabelSet& labels, TimePoint at,
                           uint64_t pos, std::string tenant = "default") {
  core::Alert a = make_alert(labels, std::move(tenant));
  if (change == AlertChange::resolved) a.status = core::AlertStatus::resolved;
  a.journal_pos = pos;
  return core::AlertEvent{change, std::move(a), at};
}

std::vector<IncidentUpdate> apply(Correlator& c, core::AlertEvent event) {
  std::vector<IncidentUpdate> out;
  c.apply(std::move(event), out);
  return out;
}

uint64_t pos_in(const std::vector<IncidentUpdate>& updates, const core::LabelSet& labels) {
  const core::Member* m = member_in(updates, labels);
  EXPECT_NE(m, nullptr) << labels.to_string();
  return m != nullptr ? m->journal_pos : 0;
}

// What the store keeps of the updates it commits: the last snapshot of each
// incident and member (upserts), read back as load_active() and
// load_journal_marks() do.
class StoreModel {
 public:
  void commit(const std::vector<IncidentUpdate>& updates) {
    for (const auto& u : updates) {
      incidents_[u.incident.seq] = u.incident;
      for (const auto& m : u.members) members_[{u.incident.seq, m.fingerprint}] = m;
    }
  }
  core::ActiveState active() const {
    core::ActiveState state;
    for (const auto& [seq, inc] : incidents_) {
      state.max_seq = std::max(state.max_seq, seq);
      if (!core::is_active(inc.status)) continue;
      state.incidents.push_back(inc);
      for (const auto& [key, m] : members_) {
        if (key.first == seq) state.members.emplace_back(inc.id, m);
      }
    }
    return state;
  }
  std::vector<JournalMark> marks(uint64_t after) const {
    std::map<std::pair<std::string, uint64_t>, uint64_t> best;
    for (const auto& [key, m] : members_) {
      if (m.journal_pos <= after) continue;
      uint64_t& pos = best[{incidents_.at(key.first).tenant, m.fingerprint}];
      pos = std::max(pos, m.journal_pos);
    }
    std::vector<JournalMark> out;
    for (const auto& [key, pos] : best) out.push_back({key.first, key.second, pos});
    return out;
  }

 private:
  std::map<int64_t, core::Incident> incidents_;
  std::map<std::pair<int64_t, uint64_t>, core::Member> members_;
};

TEST(ReplayGuard, MembersCarryTheHighestJournalPositionAppliedToThem) {
  Correlator c{CorrelatorConfig{}};
  EXPECT_EQ(pos_in(apply(c, journaled(AlertChange::firing, kDb, kT0, journal_position(1, 0))), kDb),
            journal_position(1, 0));
  apply(c, journaled(AlertChange::firing, kDbSlow, kT0, journal_position(1, 1)));
  // A touch, a resolve and a re-fire each move it to their own position.
  auto touched = apply(c, journaled(AlertChange::touch, kDb, kT0 + 1s, journal_position(2, 0)));
  EXPECT_EQ(pos_in(touched, kDb), journal_position(2, 0));
  auto resolved = apply(c, journaled(AlertChange::resolved, kDb, kT0 + 2s, journal_position(3, 0)));
  EXPECT_EQ(pos_in(resolved, kDb), journal_position(3, 0));
  auto refired = apply(c, journaled(AlertChange::firing, kDb, kT0 + 3s, journal_position(4, 7)));
  EXPECT_EQ(pos_in(refired, kDb), journal_position(4, 7));
  EXPECT_EQ(refired.at(0).incident.id, "INC-1");
  // Not journaled (0), or older (out of journal order): the position stays.
  EXPECT_EQ(pos_in(apply(c, journaled(AlertChange::touch, kDb, kT0 + 4s, 0)), kDb),
            journal_position(4, 7));
  EXPECT_EQ(
      pos_in(apply(c, journaled(AlertChange::touch, kDb, kT0 + 5s, journal_position(4, 1))), kDb),
      journal_position(4, 7));
  // The other member kept its own; snapshots carry both.
  std::vector<IncidentUpdate> snapshot;
  c.snapshot_active(snapshot);
  EXPECT_EQ(pos_in(snapshot, kDb), journal_position(4, 7));
  EXPECT_EQ(pos_in(snapshot, kDbSlow), journal_position(1, 1));
}

TEST(ReplayGuard, TouchesNotEmittedStillMoveThePosition) {
  CorrelatorConfig config;
  config.emit_touches = false;  // as in `alertd replay`
  Correlator c{config};
  apply(c, journaled(AlertChange::firing, kDb, kT0, 5));
  EXPECT_TRUE(apply(c, journaled(AlertChange::touch, kDb, kT0 + 1s, 9)).empty());
  std::vector<IncidentUpdate> snapshot;
  c.snapshot_active(snapshot);
  EXPECT_EQ(pos_in(snapshot, kDb), 9u);
}

TEST(ReplayGuard, RestoredMemberKeepsItsJournalPosition) {
  StoreModel store;
  {
    Correlator before{CorrelatorConfig{}};
    store.commit(apply(before, journaled(AlertChange::firing, kDb, kT0, 77)));
  }
  Correlator c{CorrelatorConfig{}};
  c.restore(store.active());
  std::vector<IncidentUpdate> snapshot;
  c.snapshot_active(snapshot);
  EXPECT_EQ(pos_in(snapshot, kDb), 77u);
  // The next update of the member does not move it back.
  EXPECT_EQ(pos_in(apply(c, journaled(AlertChange::touch, kDb, kT0 + 1s, 0)), kDb), 77u);
}

TEST(ReplayGuard, SkipsEventsAtOrBeforeTheMarkAndAppliesLaterOnes) {
  Correlator c{CorrelatorConfig{}};
  c.set_replay_guard({{"default", core::fingerprint(kDb), 50}});
  EXPECT_EQ(c.replay_guard_size(), 1u);
  // At or before the mark: nothing happens but the count.
  EXPECT_TRUE(apply(c, journaled(AlertChange::firing, kDb, kT0, 40)).empty());
  EXPECT_TRUE(apply(c, journaled(AlertChange::resolved, kDb, kT0 + 1s, 49)).empty());
  EXPECT_TRUE(apply(c, journaled(AlertChange::firing, kDb, kT0 + 2s, 50)).empty());
  EXPECT_EQ(c.counters().replay_skipped_total, 3u);
  EXPECT_EQ(c.active_incidents(), 0u);
  EXPECT_EQ(c.incidents_created_total(), 0u);
  EXPECT_EQ(c.orphan_resolves_total(), 0u);  // skipped, not applied to nothing
  // After it: applied.
  auto later = apply(c, journaled(AlertChange::firing, kDb, kT0 + 3s, 51));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].incident.id, "INC-1");
  EXPECT_EQ(pos_in(later, kDb), 51u);
  // Other alerts and other tenants' alert of the same labels are not guarded.
  EXPECT_EQ(apply(c, journaled(AlertChange::firing, kWeb, kT0 + 4s, 10)).size(), 1u);
  auto other_tenant = apply(c, journaled(AlertChange::firing, kDb, kT0 + 5s, 10, "team-b"));
  ASSERT_EQ(other_tenant.size(), 1u);
  EXPECT_EQ(other_tenant[0].incident.tenant, "team-b");
  EXPECT_EQ(c.counters().replay_skipped_total, 3u);
}

TEST(ReplayGuard, EventsWithoutAJournalPositionAreNeverSkipped) {
  Correlator c{CorrelatorConfig{}};
  c.set_replay_guard({{"default", core::fingerprint(kDb), 50}});
  EXPECT_EQ(apply(c, journaled(AlertChange::firing, kDb, kT0, 0)).size(), 1u);
  EXPECT_EQ(c.counters().replay_skipped_total, 0u);
  EXPECT_EQ(c.active_incidents(), 1u);
}

TEST(ReplayGuard, TheHighestOfSeveralMarksCountsAndClearEndsTheGuard) {
  Correlator c{CorrelatorConfig{}};
  const uint64_t fp = core::fingerprint(kDb);
  c.set_replay_guard({{"default", fp, 20},
                      {"default", fp, 60},
                      {"default", fp, 30},
                      {"default", core::fingerprint(kWeb), 0}});  // 0 guards nothing
  EXPECT_EQ(c.replay_guard_size(), 1u);
  EXPECT_TRUE(apply(c, journaled(AlertChange::firing, kDb, kT0, 55)).empty());
  EXPECT_EQ(apply(c, journaled(AlertChange::firing, kWeb, kT0, 5)).size(), 1u);
  c.clear_replay_guard();
  EXPECT_EQ(c.replay_guard_size(), 0u);
  EXPECT_EQ(apply(c, journaled(AlertChange::firing, kDb, kT0 + 1s, 55)).size(), 1u);
  EXPECT_EQ(c.counters().replay_skipped_total, 1u);
}

// An incident that opened and resolved before the crash: the store holds it
// resolved (load_active() does not return it) and its members' marks. The
// replay of its alerts opens nothing; the first alert after them does.
TEST(ReplayGuard, IncidentResolvedBeforeTheCrashIsNotOpenedAgain) {
  const std::vector<core::AlertEvent> journal = {
      journaled(AlertChange::firing, kDb, kT0, journal_position(1, 0)),
      journaled(AlertChange::firing, kDbSlow, kT0, journal_position(1, 1)),
      journaled(AlertChange::resolved, kDb, kT0 + 1min, journal_position(2, 0)),
      journaled(AlertChange::resolved, kDbSlow, kT0 + 2min, journal_position(3, 0)),
  };
  StoreModel store;
  {
    Correlator before{CorrelatorConfig{}};
    for (auto e : journal) store.commit(apply(before, std::move(e)));
  }
  ASSERT_TRUE(store.active().incidents.empty());

  Correlator c{CorrelatorConfig{}};
  c.restore(store.active());
  c.set_replay_guard(store.marks(0));  // the checkpoint was taken before the journal's start
  for (auto e : journal) EXPECT_TRUE(apply(c, std::move(e)).empty());
  c.clear_replay_guard();
  EXPECT_EQ(c.incidents_created_total(), 0u);
  EXPECT_EQ(c.active_incidents(), 0u);
  EXPECT_EQ(c.counters().replay_skipped_total, journal.size());

  auto next = apply(c, journaled(AlertChange::firing, kDb, kT0 + 3min, journal_position(4, 0)));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].incident.id, "INC-2");  // a new incident, numbered after the stored one
}

// A crash after the store committed part of the journal: the replay skips
// what it holds and applies the rest, ending as the run without a crash.
TEST(ReplayGuard, ReplayAfterAPartialCommitAppliesOnlyWhatIsMissing) {
  const std::vector<core::AlertEvent> journal = {
      journaled(AlertChange::firing, kDb, kT0, journal_position(1, 0)),
      journaled(AlertChange::firing, kDbSlow, kT0, journal_position(1, 1)),
      journaled(AlertChange::resolved, kDb, kT0 + 1min, journal_position(2, 0)),
      journaled(AlertChange::resolved, kDbSlow, kT0 + 2min, journal_position(3, 0)),
  };
  StoreModel store;
  {
    Correlator before{CorrelatorConfig{}};
    for (size_t i = 0; i < 3; ++i) store.commit(apply(before, core::AlertEvent(journal[i])));
  }  // the crash: the last event's update never committed

  Correlator c{CorrelatorConfig{}};
  c.restore(store.active());
  c.set_replay_guard(store.marks(0));
  std::vector<IncidentUpdate> replayed;
  for (auto e : journal) {
    auto out = apply(c, std::move(e));
    replayed.insert(replayed.end(), out.begin(), out.end());
  }
  EXPECT_EQ(c.counters().replay_skipped_total, 3u);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].incident.id, "INC-1");
  EXPECT_EQ(replayed[0].incident.status, IncidentStatus::resolved);
  EXPECT_EQ(actions(replayed[0]), (std::vector<std::string>{"member_resolved", "status_change"}));
  EXPECT_EQ(pos_in(replayed, kDbSlow), journal_position(3, 0));
  EXPECT_EQ(c.active_incidents(), 0u);
}

// A skipped event's time is real: timers due before it still run (here the
// acknowledge SLA of a P1 incident, 15 minutes), as they did in the run that
// journaled it.
TEST(ReplayGuard, ASkippedEventStillRunsTheTimersDueBeforeIt) {
  CorrelatorConfig config;
  config.priority.matrix[0] = {core::Priority::P1, core::Priority::P1, core::Priority::P1};
  Correlator c{config};
  apply(c, journaled(AlertChange::firing, kDb, kT0, 1));
  c.set_replay_guard({{"default", core::fingerprint(kDb), 2}});
  auto out = apply(c, journaled(AlertChange::touch, kDb, kT0 + 20min, 2));
  EXPECT_EQ(c.counters().replay_skipped_total, 1u);
  ASSERT_NE(find_audit(out, "sla_breach"), nullptr);
  // The touch itself was not applied: the member is as the first alert left it.
  EXPECT_EQ(member_in(out, kDb), nullptr);
  std::vector<IncidentUpdate> snapshot;
  c.snapshot_active(snapshot);
  EXPECT_EQ(pos_in(snapshot, kDb), 1u);
  EXPECT_EQ(member_in(snapshot, kDb)->last_seen, kT0);
}

}  // namespace
}  // namespace alertd::correlator
