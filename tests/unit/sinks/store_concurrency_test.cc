// Reads from several threads while a writer thread applies batches. Every
// read call must succeed and see one consistent commit (its own snapshot).
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <thread>

#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

constexpr int kBatches = 150;

// Batch k grows INC-1 by one member (alert_count = k, one audit entry per
// batch) and opens INC-(k+1) with two members. So in every commit:
// INC-1.alert_count == its member count == its timeline length, every
// incident is active, seqs are 1..max_seq, and members sum to alert counts.
std::vector<core::IncidentUpdate> batch_number(int k) {
  core::Incident first = make_incident(1);
  first.alert_count = static_cast<uint32_t>(k);
  core::Incident fresh = make_incident(k + 1);
  fresh.alert_count = 2;
  return {
      make_update(first, {make_member("grow-" + std::to_string(k), k)},
                  {make_audit("INC-1", "member_added", k)}),
      make_update(fresh, {make_member("a", k), make_member("b", k)},
                  {make_audit(fresh.id, "create", k)}),
  };
}

struct ReaderStats {
  int reads = 0;
  std::vector<std::string> errors;
  void fail(std::string what) { errors.push_back(std::move(what)); }
};

void read_once(Store& store, ReaderStats& stats) {
  if (auto got = store.get("INC-1"); !got.ok()) {
    stats.fail("get: " + got.error().message);
  } else if (got->has_value() && (*got)->incident.alert_count != (*got)->members.size()) {
    stats.fail("get: alert_count " + std::to_string((*got)->incident.alert_count) + " vs " +
               std::to_string((*got)->members.size()) + " members");
  }
  if (auto state = store.load_active(); !state.ok()) {
    stats.fail("load_active: " + state.error().message);
  } else {
    const auto alerts = std::accumulate(state->incidents.begin(), state->incidents.end(), size_t{0},
                                        [](size_t n, const auto& i) { return n + i.alert_count; });
    if (static_cast<int64_t>(state->incidents.size()) != state->max_seq ||
        alerts != state->members.size()) {
      stats.fail("load_active: inconsistent snapshot");
    }
  }
  // A page walk spans several snapshots; new incidents only appear above the
  // cursor, so the walk is still exactly max..1.
  IncidentFilter filter{.limit = 25};
  int64_t expect = -1;
  for (;;) {
    auto page = store.list(filter);
    if (!page.ok()) {
      stats.fail("list: " + page.error().message);
      break;
    }
    for (const auto& inc : page->incidents) {
      if (expect != -1 && inc.seq != expect) stats.fail("list: gap or duplicate");
      expect = inc.seq - 1;
    }
    if (!page->next_cursor) break;
    filter.before_seq = page->next_cursor;
  }
  if (expect > 0) stats.fail("list: walk ended above seq 1");
  if (auto timeline = store.timeline("INC-1"); !timeline.ok()) {
    stats.fail("timeline: " + timeline.error().message);
  } else {
    for (size_t i = 1; i < timeline->size(); ++i) {
      if ((*timeline)[i].seq <= (*timeline)[i - 1].seq) stats.fail("timeline: out of order");
    }
  }
  ++stats.reads;
}

TEST_P(StoreConcurrencyTest, ReadsBesideAWriterSeeConsistentSnapshots) {
  // Fewer connections than reader threads: some reads wait for a lease.
  reopen(/*read_connections=*/2);
  auto& store = store_;

  std::atomic<bool> done{false};
  std::vector<std::string> write_errors;
  std::thread writer([&] {
    for (int k = 1; k <= kBatches; ++k) {
      auto st = store->apply(batch_number(k));
      if (!st.ok()) write_errors.push_back(st.error().message);
    }
    done = true;
  });
  std::vector<ReaderStats> stats(3);
  std::vector<std::thread> readers;
  for (auto& s : stats) {
    readers.emplace_back([&store, &done, &s] {
      do {
        read_once(*store, s);
      } while (!done && s.errors.empty());
    });
  }
  writer.join();
  for (auto& t : readers) t.join();

  EXPECT_TRUE(write_errors.empty()) << write_errors.front();
  for (const auto& s : stats) {
    EXPECT_TRUE(s.errors.empty()) << s.errors.front();
    EXPECT_GT(s.reads, 0);
  }
  auto first = store->get("INC-1");
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->members.size(), static_cast<size_t>(kBatches));
  EXPECT_EQ(store->timeline("INC-1")->size(), static_cast<size_t>(kBatches));
  auto state = store->load_active();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->max_seq, kBatches + 1);
  EXPECT_EQ(state->members.size(), static_cast<size_t>(kBatches + 2 * kBatches));
}

}  // namespace
}  // namespace alertd::sinks::testing
