// The journal's normal life: append, group commit, rotation, replay,
// remove_through, limits. Recovery and failures have files of their own.

#include "ingest/journal/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/unit/ingest/journal_test_util.h"

namespace alertd::ingest::journal {
namespace {

using namespace test_util;  // NOLINT: test helpers
using namespace std::chrono_literals;

class JournalTest : public ::testing::Test {
 protected:
  JournalTest() {
    options_.dir = tmp_.path() / "journal";
    options_.fsync_interval = 1ms;
  }
  TempDir tmp_;
  JournalOptions options_;
};

TEST_F(JournalTest, AppendCompleteReplayRoundTrip) {
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_TRUE(fs::is_directory(options_.dir));
  EXPECT_EQ(j->report().records, 0u);
  EXPECT_EQ(j->next_lsn(), 1u);
  j->start();
  auto a = append_wait(*j, "alpha");
  auto b = append_wait(*j, "");  // an empty payload is a record too
  auto c = append_wait(*j, std::string(5000, 'c'));
  ASSERT_TRUE(a.completed && b.completed && c.completed);
  EXPECT_EQ(a.error, AppendError::none);
  EXPECT_EQ(a.lsn, 1u);
  EXPECT_EQ(b.lsn, 2u);
  EXPECT_EQ(c.lsn, 3u);
  EXPECT_EQ(j->durable_lsn(), 3u);
  EXPECT_TRUE(j->healthy());
  j->stop();

  auto again = open_ok(options_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->report().records, 3u);
  EXPECT_EQ(again->report().first_lsn, 1u);
  EXPECT_EQ(again->report().last_lsn, 3u);
  EXPECT_FALSE(again->report().tail_cut);
  auto all = replay_all(*again);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], (std::pair<uint64_t, std::string>{1, "alpha"}));
  EXPECT_EQ(all[1], (std::pair<uint64_t, std::string>{2, ""}));
  EXPECT_EQ(all[2].second, std::string(5000, 'c'));
  auto tail = replay_all(*again, 2);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].first, 3u);
  again->start();
  EXPECT_EQ(append_wait(*again, "delta").lsn, 4u);  // LSNs go on after a restart
}

TEST_F(JournalTest, CompletionsRunInLsnOrderAfterTheFsync) {
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  Collector collector;
  std::atomic<uint64_t> durable_seen{0};
  for (size_t i = 0; i < 300; ++i) {
    j->append("p" + std::to_string(i),
              [&, c = collector.completion(i)](uint64_t lsn, AppendError e) {
                // The completion must never run before its record is durable.
                if (j->durable_lsn() < lsn) durable_seen = lsn;
                c(lsn, e);
              });
  }
  j->start();
  ASSERT_TRUE(collector.wait_for(300));
  j->stop();
  auto done = collector.done();
  ASSERT_EQ(done.size(), 300u);
  for (size_t i = 0; i < done.size(); ++i) {
    EXPECT_EQ(done[i].error, AppendError::none);
    EXPECT_EQ(done[i].lsn, i + 1);  // in LSN order, and LSNs in queue order
    EXPECT_EQ(done[i].tag, i);
  }
  EXPECT_EQ(durable_seen.load(), 0u) << "a completion ran before its fsync";
}

TEST_F(JournalTest, ConcurrentAppendersEachCompleteOnceAndReplayOnce) {
  constexpr size_t kThreads = 4, kEach = 500;
  options_.segment_bytes = 16 << 10;  // some rotation on the way
  options_.max_record_bytes = 1024;
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  j->start();
  Collector collector;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < kEach; ++i) {
        j->append(std::to_string(t) + ":" + std::to_string(i), collector.completion(t * kEach + i));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(collector.wait_for(kThreads * kEach));
  j->stop();
  auto done = collector.done();
  ASSERT_EQ(done.size(), kThreads * kEach);
  std::map<size_t, uint64_t> lsn_of;
  for (size_t k = 0; k < done.size(); ++k) {
    EXPECT_EQ(done[k].error, AppendError::none);
    EXPECT_TRUE(lsn_of.emplace(done[k].tag, done[k].lsn).second) << "tag " << done[k].tag;
    if (k > 0) {
      EXPECT_EQ(done[k].lsn, done[k - 1].lsn + 1);
    }
  }
  EXPECT_GT(j->segments(), 1u);
  auto all = replay_all(*j);
  ASSERT_EQ(all.size(), kThreads * kEach);
  std::set<std::string> seen;
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].first, k + 1);
    EXPECT_TRUE(seen.insert(all[k].second).second) << all[k].second;
    const auto colon = all[k].second.find(':');
    const size_t tag = std::stoul(all[k].second.substr(0, colon)) * kEach +
                       std::stoul(all[k].second.substr(colon + 1));
    EXPECT_EQ(lsn_of[tag], all[k].first);  // the completion told the truth
  }
}

TEST_F(JournalTest, RotatesWhenTheNextRecordWouldNotFit) {
  // Four records of 100 bytes fill a segment exactly.
  options_.segment_bytes = kSegmentHeaderBytes + 4 * record_size(100);
  options_.max_record_bytes = 200;
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  j->start();
  for (int i = 0; i < 11; ++i) {
    ASSERT_EQ(append_wait(*j, std::string(100, static_cast<char>('a' + i))).error,
              AppendError::none);
  }
  EXPECT_EQ(j->segments(), 3u);  // 1..4, 5..8, 9..11
  EXPECT_EQ(fs::file_size(segment_path(options_, 1)), options_.segment_bytes);
  EXPECT_EQ(fs::file_size(segment_path(options_, 5)), options_.segment_bytes);
  EXPECT_EQ(fs::file_size(segment_path(options_, 9)), kSegmentHeaderBytes + 3 * record_size(100));
  EXPECT_EQ(j->bytes(), 2 * options_.segment_bytes + kSegmentHeaderBytes + 3 * record_size(100));
  // 216 more bytes do not fit in the 116 left: the larger record rotates early.
  ASSERT_EQ(append_wait(*j, std::string(200, 'z')).lsn, 12u);
  EXPECT_EQ(j->segments(), 4u);
  EXPECT_TRUE(fs::exists(segment_path(options_, 12)));
  auto all = replay_all(*j);
  ASSERT_EQ(all.size(), 12u);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(all[i].second, std::string(100, 'a' + i));
  EXPECT_EQ(all[11].second, std::string(200, 'z'));
  j->stop();
  auto again = open_ok(options_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->report().records, 12u);
  EXPECT_EQ(replay_all(*again, 6).size(), 6u);
}

TEST_F(JournalTest, RemoveThroughDeletesWholeCoveredSegmentsButNeverTheLast) {
  options_.segment_bytes = kSegmentHeaderBytes + 4 * record_size(100);
  options_.max_record_bytes = 100;
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  j->start();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(append_wait(*j, std::string(100, 'r')).lsn, i + 1u);
  ASSERT_EQ(j->segments(), 3u);  // 1..4, 5..8, 9..10
  j->remove_through(3);          // segment 1 still holds 4
  EXPECT_EQ(j->segments(), 3u);
  j->remove_through(4);
  EXPECT_EQ(j->segments(), 2u);
  EXPECT_FALSE(fs::exists(segment_path(options_, 1)));
  j->remove_through(7);
  EXPECT_EQ(j->segments(), 2u);
  j->remove_through(1000);  // the segment being written stays
  EXPECT_EQ(j->segments(), 1u);
  EXPECT_TRUE(fs::exists(segment_path(options_, 9)));
  EXPECT_EQ(j->bytes(), fs::file_size(segment_path(options_, 9)));
  auto rest = replay_all(*j);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].first, 9u);
  EXPECT_EQ(append_wait(*j, "after").lsn, 11u);
  j->stop();
  auto again = open_ok(options_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->report().first_lsn, 9u);
  EXPECT_EQ(again->report().last_lsn, 11u);
}

TEST_F(JournalTest, GroupCommitSharesOneFsyncAmongManyAppends) {
  std::atomic<int> fsyncs{0};
  options_.on_fsync = [&](double seconds) {
    EXPECT_GE(seconds, 0.0);
    ++fsyncs;
  };
  options_.fsync_interval = 1h;  // only stop() and group_bytes sync
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  Collector collector;
  for (size_t i = 0; i < 200; ++i) j->append("x", collector.completion(i));
  j->start();  // one batch: everything queued
  j->stop();
  ASSERT_TRUE(collector.wait_for(200));
  EXPECT_EQ(fsyncs.load(), 1);
  EXPECT_EQ(j->durable_lsn(), 200u);
}

TEST_F(JournalTest, GroupBytesForceAnFsyncWithoutWaitingForTheInterval) {
  std::atomic<int> fsyncs{0};
  options_.on_fsync = [&](double) { ++fsyncs; };
  options_.fsync_interval = 1h;
  options_.group_bytes = 10 * record_size(1000) - 1;  // every tenth record reaches it
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  Collector collector;
  for (size_t i = 0; i < 100; ++i) j->append(std::string(1000, 'g'), collector.completion(i));
  j->start();
  ASSERT_TRUE(collector.wait_for(100));  // no stop(): group_bytes alone completes them
  EXPECT_EQ(fsyncs.load(), 10);
  j->stop();
  EXPECT_EQ(fsyncs.load(), 10);  // nothing was left unsynced
}

TEST_F(JournalTest, StopWritesAndCompletesEverythingQueued) {
  options_.fsync_interval = 1h;
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  j->start();
  Collector collector;
  for (size_t i = 0; i < 5; ++i) j->append("s", collector.completion(i));
  j->stop();
  auto done = collector.done();
  ASSERT_EQ(done.size(), 5u);
  for (const auto& d : done) EXPECT_EQ(d.error, AppendError::none);
  EXPECT_EQ(replay_all(*j).size(), 5u);
}

TEST_F(JournalTest, RefusalsCompleteAtOnceOnTheCallersThread) {
  options_.max_record_bytes = 100;
  options_.max_bytes = 1000;
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  j->start();
  auto refused = [&](std::string payload) {
    AppendError got = AppendError::none;
    bool inline_done = false;
    j->append(std::move(payload), [&](uint64_t lsn, AppendError e) {
      EXPECT_EQ(lsn, 0u);
      got = e, inline_done = true;
    });
    EXPECT_TRUE(inline_done);
    return got;
  };
  EXPECT_EQ(refused(std::string(101, 't')), AppendError::too_large);
  // 20 + 8 * 116 = 948 bytes; a ninth record (and a header, in case it
  // rotates) would pass 1000.
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(append_wait(*j, std::string(100, 'f')).error, AppendError::none);
  }
  EXPECT_EQ(j->bytes(), kSegmentHeaderBytes + 8 * record_size(100));
  EXPECT_EQ(refused(std::string(100, 'f')), AppendError::full);
  EXPECT_LE(j->bytes(), options_.max_bytes);
  EXPECT_EQ(append_wait(*j, "small").error, AppendError::none);  // still fits
  j->stop();
  EXPECT_EQ(refused("late"), AppendError::stopped);
  EXPECT_EQ(to_string(AppendError::full), "full");
  EXPECT_EQ(to_string(AppendError::stopped), "stopped");
}

TEST_F(JournalTest, OptionsThatCannotWorkAreRefused) {
  options_.segment_bytes = 1000;
  options_.max_record_bytes = 1000;  // must be smaller than a segment
  auto j = Journal::open(options_);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("max_record_bytes"), std::string::npos);
}

}  // namespace
}  // namespace alertd::ingest::journal
