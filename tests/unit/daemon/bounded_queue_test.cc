#include "daemon/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace alertd::daemon {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueueTest, CapacityIsRespected) {
  BoundedQueue<int> q(10);
  EXPECT_EQ(q.capacity(), 10u);
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_TRUE(q.try_reserve(6));
  EXPECT_FALSE(q.try_reserve(5));
  EXPECT_EQ(q.depth(), 6u);  // a refused reservation leaves nothing behind
  EXPECT_TRUE(q.try_reserve(4));
  EXPECT_EQ(q.depth(), 10u);
  EXPECT_FALSE(q.try_reserve(1));
  EXPECT_EQ(q.depth(), 10u);
  q.release(3);
  EXPECT_EQ(q.depth(), 7u);
  EXPECT_TRUE(q.try_reserve(3));
  EXPECT_FALSE(q.try_reserve(1));
}

TEST(BoundedQueueTest, OversizedBatchFitsOnlyAnEmptyQueue) {
  BoundedQueue<int> q(4);
  EXPECT_TRUE(q.try_reserve(1));
  EXPECT_FALSE(q.try_reserve(10));
  EXPECT_EQ(q.depth(), 1u);
  q.release(1);
  EXPECT_TRUE(q.try_reserve(10));
  EXPECT_EQ(q.depth(), 10u);
  EXPECT_FALSE(q.try_reserve(1));
  EXPECT_FALSE(q.try_reserve(10));
  q.release(10);
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_TRUE(q.try_reserve(4));
}

TEST(BoundedQueueTest, PopReleasesWhatItTakes) {
  BoundedQueue<int> q(8);
  std::vector<int> items{1, 2, 3, 4, 5};
  ASSERT_TRUE(q.try_reserve(items.size()));
  q.push_reserved(items.begin(), items.size());
  EXPECT_EQ(q.depth(), 5u);

  int out[8] = {};
  EXPECT_EQ(q.pop(out, 2, 0us), 2u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 2);
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_TRUE(q.try_reserve(5));  // room freed by the pop
  q.release(5);
  EXPECT_EQ(q.pop(out, 8, 0us), 3u);
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[2], 5);
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.pop(out, 8, 0us), 0u);
  EXPECT_EQ(q.depth(), 0u);
}

TEST(BoundedQueueTest, PushWaitMovesAllAndClears) {
  BoundedQueue<std::vector<int>> q(4);
  std::vector<std::vector<int>> items{{1}, {2, 2}, {3, 3, 3}};
  q.push_wait(items);
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(q.depth(), 3u);
  std::vector<std::vector<int>> empty;
  q.push_wait(empty);  // nothing to do, must not block
  EXPECT_EQ(q.depth(), 3u);

  std::vector<int> out[4];
  ASSERT_EQ(q.pop(out, 4, 0us), 3u);
  EXPECT_EQ(out[1], (std::vector<int>{2, 2}));
  EXPECT_EQ(out[2].size(), 3u);
  EXPECT_EQ(q.depth(), 0u);
}

// Producers race for room; one consumer drains. Every item arrives exactly
// once, in order per producer, no pop ever sees more than the capacity, and
// the depth returns to zero.
TEST(BoundedQueueTest, MultiProducerStressExactTotals) {
  struct Item {
    uint32_t producer = 0;
    uint32_t seq = 0;
  };
  constexpr size_t kCapacity = 64;
  constexpr uint32_t kProducers = 4;
  constexpr uint32_t kPerProducer = 50000;
  BoundedQueue<Item> q(kCapacity);

  std::vector<std::thread> producers;
  for (uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      std::vector<Item> batch;
      uint32_t seq = 0;
      size_t size = 1;
      while (seq < kPerProducer) {
        batch.clear();
        // Batch sizes 1..17, never more than the capacity.
        for (size_t i = 0; i < size && seq < kPerProducer; ++i) batch.push_back(Item{p, seq++});
        size = size % 17 + 1;
        if (p % 2 == 0) {
          while (!q.try_reserve(batch.size())) std::this_thread::yield();
          q.push_reserved(batch.begin(), batch.size());
        } else {
          q.push_wait(batch);
        }
      }
    });
  }

  std::vector<uint32_t> next(kProducers, 0);
  uint64_t received = 0, out_of_order = 0, oversized_pops = 0;
  const uint64_t total = uint64_t{kProducers} * kPerProducer;
  Item buf[kCapacity * 2];
  auto last_progress = std::chrono::steady_clock::now();
  while (received < total) {
    size_t n = q.pop(buf, kCapacity * 2, 1000us);
    if (n > kCapacity) ++oversized_pops;
    for (size_t i = 0; i < n; ++i) {
      if (buf[i].seq != next[buf[i].producer]) ++out_of_order;
      next[buf[i].producer] = buf[i].seq + 1;
    }
    received += n;
    if (n > 0) last_progress = std::chrono::steady_clock::now();
    // Only a guard against hanging forever if items were lost.
    if (std::chrono::steady_clock::now() - last_progress > 30s) break;
  }
  for (auto& t : producers) t.join();

  EXPECT_EQ(received, total);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(oversized_pops, 0u);
  for (uint32_t p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kPerProducer) << "producer " << p;
  EXPECT_EQ(q.depth(), 0u);
  Item extra[1];
  EXPECT_EQ(q.pop(extra, 1, 0us), 0u);
}

}  // namespace
}  // namespace alertd::daemon
