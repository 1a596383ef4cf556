// list(): filters, newest-first order, cursor pagination and the limit clamp.
#include <gtest/gtest.h>

#include <set>

#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

constexpr core::IncidentStatus kStatuses[] = {
    core::IncidentStatus::open, core::IncidentStatus::in_progress, core::IncidentStatus::resolved,
    core::IncidentStatus::closed};

// 250 incidents in tenant "default" plus 50 in "other", with status, service
// and priority cycling at different rates so every filter combination matches
// a different subset.
core::Incident fixture_incident(int64_t seq) {
  core::Incident inc = make_incident(seq, seq > 250 ? "other" : "default");
  inc.status = kStatuses[seq % 4];
  inc.service = "svc-" + std::to_string(seq % 3);
  inc.priority = static_cast<core::Priority>(1 + (seq / 7) % 4);
  return inc;
}

/// Walks every page; checks order and the cursor on the way.
std::vector<int64_t> walk_pages(Store& store, IncidentFilter filter) {
  std::vector<int64_t> seqs;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = store.list(filter);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (!page.ok()) break;
    EXPECT_LE(page->incidents.size(), filter.limit);
    for (const auto& inc : page->incidents) {
      if (!seqs.empty()) {
        EXPECT_LT(inc.seq, seqs.back()) << "not newest first";
      }
      seqs.push_back(inc.seq);
    }
    if (!page->next_cursor) break;
    EXPECT_EQ(page->incidents.size(), filter.limit) << "short page before the end";
    EXPECT_EQ(*page->next_cursor, page->incidents.back().seq);
    filter.before_seq = page->next_cursor;
  }
  return seqs;
}

/// What a filter should return, computed from the fixture, newest first.
template <typename Pred>
std::vector<int64_t> expected(Pred pred) {
  std::vector<int64_t> seqs;
  for (int64_t seq = 300; seq >= 1; --seq) {
    if (pred(fixture_incident(seq))) seqs.push_back(seq);
  }
  return seqs;
}

}  // namespace

void StoreListTest::SetUp() {
  StoreTest::SetUp();
  if (HasFatalFailure()) return;
  std::vector<core::IncidentUpdate> batch;
  for (int64_t seq = 1; seq <= 300; ++seq) batch.push_back(make_update(fixture_incident(seq)));
  auto st = store_->apply(batch);
  ASSERT_TRUE(st.ok()) << st.error().message;
}

namespace {

TEST_P(StoreListTest, PagesCoverTenantWithoutDuplicatesOrGaps) {
  IncidentFilter filter;
  filter.limit = 37;
  auto seqs = walk_pages(*store_, filter);
  ASSERT_EQ(seqs.size(), 250u);
  EXPECT_EQ(std::set<int64_t>(seqs.begin(), seqs.end()).size(), 250u);
  EXPECT_EQ(seqs.front(), 250);
  EXPECT_EQ(seqs.back(), 1);
}

TEST_P(StoreListTest, ExactLastPageHasNoCursor) {
  IncidentFilter filter;
  filter.limit = 50;  // 250 = 5 full pages: the fifth must not promise a sixth
  filter.before_seq = 51;
  auto page = store_->list(filter);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->incidents.size(), 50u);
  EXPECT_FALSE(page->next_cursor.has_value());
  EXPECT_EQ(walk_pages(*store_, IncidentFilter{.limit = 50}).size(), 250u);
}

TEST_P(StoreListTest, FiltersMatchTheFixture) {
  auto in_default = [](const core::Incident& i) { return i.tenant == "default"; };
  IncidentFilter by_status{.status = core::IncidentStatus::resolved, .limit = 20};
  EXPECT_EQ(walk_pages(*store_, by_status), expected([&](const core::Incident& i) {
              return in_default(i) && i.status == core::IncidentStatus::resolved;
            }));
  IncidentFilter by_service{.service = "svc-1", .limit = 20};
  EXPECT_EQ(walk_pages(*store_, by_service), expected([&](const core::Incident& i) {
              return in_default(i) && i.service == "svc-1";
            }));
  IncidentFilter by_priority{.priority = core::Priority::P2, .limit = 20};
  auto p2 = expected(
      [&](const core::Incident& i) { return in_default(i) && i.priority == core::Priority::P2; });
  ASSERT_FALSE(p2.empty());
  EXPECT_EQ(walk_pages(*store_, by_priority), p2);
  IncidentFilter all{.status = core::IncidentStatus::open,
                     .service = "svc-2",
                     .priority = core::Priority::P4,
                     .limit = 3};
  auto combined = expected([&](const core::Incident& i) {
    return in_default(i) && i.status == core::IncidentStatus::open && i.service == "svc-2" &&
           i.priority == core::Priority::P4;
  });
  ASSERT_FALSE(combined.empty());
  EXPECT_EQ(walk_pages(*store_, all), combined);
}

TEST_P(StoreListTest, TenantsAreSeparate) {
  auto other = walk_pages(*store_, IncidentFilter{.tenant = "other", .limit = 1000});
  EXPECT_EQ(other.size(), 50u);
  EXPECT_EQ(other.front(), 300);
  EXPECT_EQ(other.back(), 251);
  EXPECT_TRUE(walk_pages(*store_, IncidentFilter{.tenant = "nobody"}).empty());
}

TEST_P(StoreListTest, LimitIsClampedToOneThroughOneThousand) {
  auto one = store_->list(IncidentFilter{.limit = 0});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->incidents.size(), 1u);
  EXPECT_EQ(one->incidents[0].seq, 250);
  EXPECT_EQ(one->next_cursor, 250);

  std::vector<core::IncidentUpdate> batch;
  for (int64_t seq = 301; seq <= 1300; ++seq) batch.push_back(make_update(make_incident(seq)));
  ASSERT_TRUE(store_->apply(batch).ok());
  auto big = store_->list(IncidentFilter{.limit = 5000});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->incidents.size(), 1000u);
  EXPECT_TRUE(big->next_cursor.has_value());
}

TEST_P(StoreListTest, ListReturnsFullRows) {
  auto page = store_->list(IncidentFilter{.limit = 1, .before_seq = 100});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  expect_same_incident(page->incidents[0], fixture_incident(99));
}

// opened_since(): the stats endpoint's rows, one tenant, from a time on,
// oldest first, at most `limit`.
TEST_P(StoreListTest, OpenedSinceIsOneTenantFromATimeOldestFirst) {
  std::vector<core::IncidentUpdate> batch;
  // Seqs and a tenant of their own: the fixture fills other tenants.
  for (int64_t seq = 1001; seq <= 1005; ++seq) {
    batch.push_back(make_update(make_incident(seq, "since")));
  }
  batch.push_back(make_update(make_incident(1006, "other")));
  ASSERT_TRUE(store_->apply(batch).ok());
  const auto since = make_incident(1003).opened_at;  // inclusive
  auto rows = store_->opened_since("since", since, 10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::vector<int64_t> seqs;
  for (const auto& inc : *rows) seqs.push_back(inc.seq);
  EXPECT_EQ(seqs, (std::vector<int64_t>{1003, 1004, 1005}));
  auto limited = store_->opened_since("since", since, 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  auto none = store_->opened_since("nobody", since, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace alertd::sinks::testing
