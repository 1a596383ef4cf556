// The store's part of the write-ahead journal's replay guard (see
// store_conformance.h): Member::journal_pos round-trips through apply,
// get and load_active, and load_journal_marks lists the highest position per
// alert (tenant, fingerprint) above a checkpoint, over incidents in any status.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

using core::journal_position;
using core::JournalMark;

core::Member member_at(const std::string& alertname, uint64_t pos) {
  core::Member m = make_member(alertname, 1'767'225'600'000);
  m.journal_pos = pos;
  return m;
}

std::vector<JournalMark> marks_ok(Store& store, uint64_t after) {
  auto marks = store.load_journal_marks(after);
  EXPECT_TRUE(marks.ok()) << (marks.ok() ? "" : marks.error().message);
  return marks.ok() ? std::move(*marks) : std::vector<JournalMark>{};
}

TEST_P(StoreJournalTest, JournalPosRoundTripsThroughApplyGetAndLoadActive) {
  // 0 (not journaled), a small one and one near the 63-bit ceiling.
  const uint64_t big = journal_position((uint64_t{1} << 42) + 5, 1'000'000);
  const core::Member a = member_at("A", 0);
  const core::Member b = member_at("B", journal_position(7, 3));
  const core::Member c = member_at("C", big);
  apply_ok({make_update(make_incident(1), {a, b, c})});

  auto got = get_ok("INC-1");
  ASSERT_EQ(got.members.size(), 3u);
  for (const auto& m : got.members) {
    const core::Member& want = m.fingerprint == a.fingerprint   ? a
                               : m.fingerprint == b.fingerprint ? b
                                                                : c;
    expect_same_member(m, want);
  }

  // A later write of the member moves it; a restart restores it.
  core::Member b2 = b;
  b2.journal_pos = journal_position(9, 0);
  b2.event_count = 2;
  apply_ok({make_update(make_incident(1), {b2})});
  reopen();
  auto state = store_->load_active();
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->members.size(), 3u);
  for (const auto& [id, m] : state->members) {
    EXPECT_EQ(id, "INC-1");
    const uint64_t want = m.fingerprint == b.fingerprint   ? b2.journal_pos
                          : m.fingerprint == c.fingerprint ? big
                                                           : 0;
    EXPECT_EQ(m.journal_pos, want);
  }
}

TEST_P(StoreJournalTest, MarksAreAboveTheCheckpointWithTheHighestPositionPerAlert) {
  const core::Member a = member_at("A", 0);
  // Incident 1 resolved and incident 2 closed before the crash, 3 still
  // active: A was a member of all three, the highest position counts.
  core::Incident resolved = make_incident(1);
  resolved.status = core::IncidentStatus::resolved;
  core::Incident closed = make_incident(2);
  closed.status = core::IncidentStatus::closed;
  closed.closed_at = at_ms(1'767'225'700'000);
  core::Incident active = make_incident(3);
  core::Incident other_tenant = make_incident(4, "team-b");
  apply_ok({
      make_update(resolved, {member_at("A", 10), member_at("B", 20), member_at("Z", 0)}),
      make_update(closed, {member_at("A", 30)}),
      make_update(active, {member_at("A", 25), member_at("C", 15)}),
      make_update(other_tenant, {member_at("A", 5)}),
  });
  const uint64_t fa = a.fingerprint;
  const uint64_t fb = member_at("B", 0).fingerprint;
  const uint64_t fc = member_at("C", 0).fingerprint;

  // Ordered by tenant, then fingerprint as hex text (which orders as the number).
  std::vector<JournalMark> all = {{"default", fa, 30}, {"default", fb, 20}, {"default", fc, 15}};
  std::sort(all.begin(), all.end(), [](const JournalMark& x, const JournalMark& y) {
    return x.fingerprint < y.fingerprint;
  });
  all.push_back({"team-b", fa, 5});
  EXPECT_EQ(marks_ok(*store_, 0), all);

  // Only positions above `after`: the checkpoint's own position is excluded.
  std::vector<JournalMark> above_15;
  for (const auto& m : all) {
    if (m.journal_pos > 15) above_15.push_back(m);
  }
  EXPECT_EQ(marks_ok(*store_, 15), above_15);
  EXPECT_EQ(marks_ok(*store_, 29), (std::vector<JournalMark>{{"default", fa, 30}}));
  EXPECT_TRUE(marks_ok(*store_, 30).empty());
  EXPECT_TRUE(marks_ok(*store_, std::numeric_limits<uint64_t>::max()).empty());
  // A restart reads the same.
  reopen();
  EXPECT_EQ(marks_ok(*store_, 0), all);
}

TEST_P(StoreJournalTest, NoMarksWithoutJournaledMembers) {
  apply_ok({make_update(make_incident(1), {member_at("A", 0), member_at("B", 0)})});
  EXPECT_TRUE(marks_ok(*store_, 0).empty());
}

}  // namespace
}  // namespace alertd::sinks::testing
