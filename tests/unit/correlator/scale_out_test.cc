// The correlator's part of scale-out (issue 16): with a shared store it
// numbers incidents from blocks the store reserves, marks the update that
// opens an incident with its group window (the store claims the group for
// it), and adopts the incident another instance opened for the same group
// in place of its own.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::AlertChange;
using core::IncidentUpdate;

const core::LabelSet kDbDown{{"alertname", "DbDown"}, {"service", "db"}};
const core::LabelSet kDbSlow{{"alertname", "DbSlow"}, {"service", "db"}};

std::vector<IncidentUpdate> fire(Correlator& c, const core::LabelSet& labels, core::TimePoint at) {
  std::vector<IncidentUpdate> out;
  c.apply(core::AlertEvent{AlertChange::firing, make_alert(labels), at}, out);
  return out;
}

TEST(CorrelatorScaleOut, NumbersIncidentsFromReservedBlocks) {
  Correlator c{CorrelatorConfig{}};
  std::vector<int64_t> asked;
  int64_t next_block = 100;
  c.set_seq_reserver(
      [&](int64_t count) {
        asked.push_back(count);
        return std::exchange(next_block, next_block + 1000);
      },
      2);
  std::vector<int64_t> seqs;
  for (int i = 0; i < 5; ++i) {
    core::LabelSet labels{{"alertname", "A"}, {"service", "s" + std::to_string(i)}};
    seqs.push_back(fire(c, labels, kT0).at(0).incident.seq);
  }
  EXPECT_EQ(seqs, (std::vector<int64_t>{100, 101, 1100, 1101, 2100}));
  EXPECT_EQ(asked, (std::vector<int64_t>{2, 2, 2}));
}

TEST(CorrelatorScaleOut, AReserverWithoutAnAnswerFallsBackToMaxSeq) {
  Correlator c{CorrelatorConfig{}};
  c.set_seq_reserver([](int64_t) { return int64_t{0}; }, 8);
  EXPECT_EQ(fire(c, kDbDown, kT0).at(0).incident.seq, 1);
}

TEST(CorrelatorScaleOut, TheOpeningUpdateCarriesTheGroupWindow) {
  CorrelatorConfig config;
  config.group_window = std::chrono::minutes(7);
  Correlator c{config};
  auto opened = fire(c, kDbDown, kT0);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].group_window, std::chrono::minutes(7));
  auto joined = fire(c, kDbSlow, kT0 + 1min);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].incident.seq, opened[0].incident.seq);
  EXPECT_EQ(joined[0].group_window, core::Duration::zero()) << "only the opening claims";
}

TEST(CorrelatorScaleOut, AdoptsTheOtherInstancesIncidentInPlaceOfItsOwn) {
  Correlator c{CorrelatorConfig{}};
  c.set_seq_reserver([](int64_t) { return int64_t{500}; }, 64);
  auto ours = fire(c, kDbDown, kT0);
  ASSERT_EQ(ours.at(0).incident.seq, 500);

  // The store joined INC-500 into INC-42, which another instance opened for
  // the same group first: it holds our member and one of its own.
  core::ActiveState state;
  core::Incident theirs = ours[0].incident;
  theirs.seq = 42;
  theirs.id = "INC-42";
  theirs.alert_count = theirs.firing_count = 2;
  state.incidents.push_back(theirs);
  state.members.emplace_back("INC-42", ours[0].members.at(0));
  core::Member other = ours[0].members.at(0);
  other.labels = core::LabelSet{{"alertname", "DbLocks"}, {"service", "db"}};
  other.fingerprint = core::fingerprint(other.labels);
  state.members.emplace_back("INC-42", std::move(other));
  c.adopt(std::move(state), 500);

  EXPECT_EQ(c.active_incidents(), 1u);
  EXPECT_EQ(c.active_members(), 2u);
  auto next = fire(c, kDbSlow, kT0 + 1min);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].incident.id, "INC-42") << "the group is INC-42's now";
  EXPECT_EQ(next[0].incident.alert_count, 3u);
  auto again = fire(c, kDbDown, kT0 + 2min);  // our first alert, re-sent
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].incident.id, "INC-42");
  EXPECT_EQ(again[0].incident.alert_count, 3u);
}

}  // namespace
}  // namespace alertd::correlator
