// Pages of silences and of audit timelines, in every store backend: walking
// every page, the cursor at the end, the limit clamp, the state filter
// applied before the page is cut, tenants kept apart, and the count that
// limits.max_silences checks.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "sinks/store/store.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 3'600'000;

void create_ok(Store& store, core::Silence s) {
  auto created = store.create_silence(std::move(s));
  ASSERT_TRUE(created.ok()) << created.error().message;
}

/// Silence n (1-based) of the fixture: 250 in "default", with every sixth
/// (from n = 3) in "other" between them; states cycle at kT0: active,
/// pending, expired.
core::Silence fixture_silence(int n) {
  const std::string tenant = n % 6 == 3 ? "other" : "default";
  const std::string matcher = "n=\"" + std::to_string(n) + "\"";
  switch (n % 3) {
    case 0: return make_silence({matcher}, kT0 - 2 * kHour, kT0 - kHour, tenant);   // expired
    case 1: return make_silence({matcher}, kT0 - kHour, kT0 + kHour, tenant);       // active
    default: return make_silence({matcher}, kT0 + kHour, kT0 + 2 * kHour, tenant);  // pending
  }
}

int64_t seq_of(const core::Silence& s) {
  return parse_silence_id(s.id).value_or(-1);
}

/// Walks every page of `filter`; checks order, page sizes and cursors on the way.
std::vector<int64_t> walk_silences(Store& store, SilenceFilter filter) {
  std::vector<int64_t> seqs;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = store.list_silences(filter);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (!page.ok()) break;
    EXPECT_LE(page->silences.size(), filter.limit);
    for (const auto& s : page->silences) {
      EXPECT_EQ(s.tenant, filter.tenant) << s.id;
      if (filter.state) {
        EXPECT_EQ(core::silence_state(s, filter.now), *filter.state) << s.id;
      }
      if (!seqs.empty()) {
        EXPECT_LT(seq_of(s), seqs.back()) << "not newest first";
      }
      seqs.push_back(seq_of(s));
    }
    if (!page->next_cursor) break;
    EXPECT_EQ(page->silences.size(), filter.limit) << "short page before the end";
    EXPECT_EQ(*page->next_cursor, seqs.back());
    filter.before_seq = page->next_cursor;
  }
  return seqs;
}

/// Walks every page of one subject's timeline, oldest first.
std::vector<int64_t> walk_timeline(Store& store, const std::string& id, TimelineQuery query) {
  std::vector<int64_t> seqs;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = store.timeline(id, query);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (!page.ok()) break;
    EXPECT_LE(page->entries.size(), query.limit);
    for (const auto& e : page->entries) {
      EXPECT_EQ(e.incident_id, id);
      if (!seqs.empty()) {
        EXPECT_GT(e.seq, seqs.back()) << "not oldest first";
      }
      seqs.push_back(e.seq);
    }
    if (!page->next_cursor) break;
    EXPECT_EQ(page->entries.size(), query.limit) << "short page before the end";
    EXPECT_EQ(*page->next_cursor, seqs.back());
    query.after_seq = page->next_cursor;
  }
  return seqs;
}

}  // namespace

void StorePagesTest::SetUp() {
  StoreTest::SetUp();
  if (HasFatalFailure()) return;
  for (int n = 1; n <= kFixtureSilences; ++n) {
    create_ok(*store_, fixture_silence(n));
    if (HasFatalFailure()) return;
  }
}

std::vector<int64_t> StorePagesTest::expected_silences(const std::string& tenant,
                                                       std::optional<core::SilenceState> state) {
  std::vector<int64_t> seqs;
  for (int n = kFixtureSilences; n >= 1; --n) {
    const core::Silence s = fixture_silence(n);
    if (s.tenant != tenant) continue;
    if (state && core::silence_state(s, at_ms(kT0)) != *state) continue;
    seqs.push_back(n);  // created in order on an empty store: SIL-n
  }
  return seqs;
}

namespace {

TEST_P(StorePagesTest, SilencePagesCoverTheTenantNewestFirstWithoutGapsOrDuplicates) {
  const auto want = expected_silences("default", std::nullopt);
  ASSERT_EQ(want.size(), 250u);
  for (size_t limit : {1u, 7u, 100u, 249u}) {
    EXPECT_EQ(walk_silences(*store_, {.tenant = "default", .limit = limit}), want)
        << "limit " << limit;
  }
  EXPECT_EQ(walk_silences(*store_, {.tenant = "other", .limit = 10}),
            expected_silences("other", std::nullopt));
}

TEST_P(StorePagesTest, SilencePageThatEndsTheListHasNoCursor) {
  // 250 in "default": limit 250 is one page, exactly; 125 is two.
  auto whole = store_->list_silences({.tenant = "default", .limit = 250});
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(whole->silences.size(), 250u);
  EXPECT_FALSE(whole->next_cursor.has_value());
  auto first = store_->list_silences({.tenant = "default", .limit = 125});
  ASSERT_TRUE(first.ok() && first->next_cursor);
  auto second =
      store_->list_silences({.tenant = "default", .limit = 125, .before_seq = first->next_cursor});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->silences.size(), 125u);
  EXPECT_FALSE(second->next_cursor.has_value());
  // A cursor at (or below) the oldest silence: an empty last page.
  const int64_t oldest = expected_silences("default", std::nullopt).back();
  for (int64_t cursor : {oldest, int64_t{1}}) {
    auto past = store_->list_silences({.tenant = "default", .before_seq = cursor});
    ASSERT_TRUE(past.ok());
    EXPECT_TRUE(past->silences.empty()) << cursor;
    EXPECT_FALSE(past->next_cursor.has_value()) << cursor;
  }
}

TEST_P(StorePagesTest, SilenceLimitIsClampedToOneThroughOneThousand) {
  auto none = store_->list_silences({.tenant = "default", .limit = 0});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->silences.size(), 1u);
  EXPECT_TRUE(none->next_cursor.has_value());
  auto huge = store_->list_silences({.tenant = "default", .limit = 1'000'000});
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->silences.size(), 250u);
  EXPECT_FALSE(huge->next_cursor.has_value());
}

TEST_P(StorePagesTest, StateIsFilteredBeforeThePageIsCut) {
  using core::SilenceState;
  for (auto state : {SilenceState::active, SilenceState::pending, SilenceState::expired}) {
    SilenceFilter filter{.tenant = "default", .state = state, .now = at_ms(kT0), .limit = 9};
    const auto want = expected_silences("default", state);
    ASSERT_GT(want.size(), 9u);
    EXPECT_EQ(walk_silences(*store_, filter), want) << core::to_string(state);
  }
  // Judged at the filter's time: an hour later the pending ones are active.
  SilenceFilter later{
      .tenant = "default", .state = SilenceState::active, .now = at_ms(kT0 + kHour), .limit = 1000};
  EXPECT_EQ(walk_silences(*store_, later), expected_silences("default", SilenceState::pending));
}

TEST_P(StorePagesTest, ACursorFromOneTenantShowsNothingOfAnother) {
  auto first = store_->list_silences({.tenant = "default", .limit = 100});
  ASSERT_TRUE(first.ok() && first->next_cursor);
  const auto other =
      walk_silences(*store_, {.tenant = "other", .limit = 5, .before_seq = first->next_cursor});
  std::vector<int64_t> want;
  for (int64_t seq : expected_silences("other", std::nullopt)) {
    if (seq < *first->next_cursor) want.push_back(seq);
  }
  EXPECT_EQ(other, want);
  EXPECT_TRUE(walk_silences(*store_, {.tenant = "nobody"}).empty());
}

TEST_P(StorePagesTest, CountUnendedIsActiveAndPendingOfEveryTenant) {
  const auto unended = [&](int64_t at) {
    auto n = store_->count_unended_silences(at_ms(at));
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
    return n.ok() ? *n : -1;
  };
  // n % 3 == 1 (active) and == 2 (pending) of 300: 200, of both tenants.
  EXPECT_EQ(unended(kT0), 200);
  EXPECT_EQ(unended(kT0 - 3 * kHour), 300);  // before any ended
  // ends_at is exclusive: at kT0 + 1h the active ones are over.
  EXPECT_EQ(unended(kT0 + kHour - 1), 200);
  EXPECT_EQ(unended(kT0 + kHour), 100);
  EXPECT_EQ(unended(kT0 + 2 * kHour), 0);
  // Expiring one ends it at once.
  auto expired = store_->expire_silence("SIL-1", at_ms(kT0), "bob");
  ASSERT_TRUE(expired.ok() && expired->has_value());
  EXPECT_EQ(unended(kT0), 199);
}

TEST_P(StorePagesTest, TimelinePagesAreOldestFirstAndEndWithoutCursor) {
  // 250 entries of INC-1, with entries of INC-2 between them (and SIL-n's).
  std::vector<core::IncidentUpdate> batch;
  for (int i = 0; i < 250; ++i) {
    std::vector<core::AuditEntry> audit{make_audit("INC-1", "comment", kT0 + i)};
    if (i % 4 == 0) audit.push_back(make_audit("INC-2", "comment", kT0 + i));
    batch.push_back(make_update(make_incident(1), {}, std::move(audit)));
  }
  apply_ok(batch);
  const auto all = walk_timeline(*store_, "INC-1", {.limit = 1000});
  ASSERT_EQ(all.size(), 250u);
  for (size_t limit : {1u, 100u, 249u, 250u}) {
    EXPECT_EQ(walk_timeline(*store_, "INC-1", {.limit = limit}), all) << "limit " << limit;
  }
  EXPECT_EQ(walk_timeline(*store_, "INC-2", {.limit = 10}).size(), 63u);
  // After the last entry: an empty page and no cursor; a cursor mid-way
  // starts right after it.
  auto past = store_->timeline("INC-1", {.after_seq = all.back(), .limit = 10});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->entries.empty());
  EXPECT_FALSE(past->next_cursor.has_value());
  auto mid = store_->timeline("INC-1", {.after_seq = all[99], .limit = 1});
  ASSERT_TRUE(mid.ok() && mid->entries.size() == 1u);
  EXPECT_EQ(mid->entries.front().seq, all[100]);
  // The limit is clamped: 0 reads one, anything huge at most kMaxTimelineRead.
  auto none = store_->timeline("INC-1", {.limit = 0});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->entries.size(), 1u);
  EXPECT_TRUE(none->next_cursor.has_value());
  auto huge = store_->timeline("INC-1", {.limit = 1'000'000});
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->entries.size(), 250u);
  EXPECT_FALSE(huge->next_cursor.has_value());
  // A silence's timeline pages the same way.
  EXPECT_EQ(walk_timeline(*store_, "SIL-1", {.limit = 1}).size(), 1u);
  EXPECT_TRUE(walk_timeline(*store_, "INC-404", {}).empty());
}

TEST_P(StorePagesTest, LastTimelineEntryIsTheHighestSeq) {
  apply_ok({make_update(make_incident(1), {},
                        {make_audit("INC-1", "create", kT0), make_audit("INC-1", "resolve", kT0)}),
            make_update(make_incident(2), {}, {make_audit("INC-2", "create", kT0)})});
  auto last = store_->last_timeline_entry("INC-1");
  ASSERT_TRUE(last.ok()) << last.error().message;
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->action, "resolve");
  EXPECT_EQ((*last)->seq, store_->timeline("INC-1")->back().seq);
  auto none = store_->last_timeline_entry("INC-404");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace alertd::sinks::testing
