#include "ingest/redelivery.h"

#include <gtest/gtest.h>

#include <string>

namespace alertd::ingest {
namespace {

const core::TimePoint t0 = core::TimePoint{} + std::chrono::hours(1000);

TEST(RedeliverySet, SecondSightingIsARedelivery) {
  RedeliverySet set(std::chrono::minutes(10), 100);
  EXPECT_TRUE(set.first_seen("m-1", t0));
  EXPECT_FALSE(set.first_seen("m-1", t0 + std::chrono::minutes(9)));
  EXPECT_TRUE(set.first_seen("m-2", t0));
  EXPECT_TRUE(set.first_seen("", t0));
  EXPECT_TRUE(set.first_seen("", t0));
}

TEST(RedeliverySet, ExpiresAfterTheWindow) {
  RedeliverySet set(std::chrono::minutes(10), 100);
  EXPECT_TRUE(set.first_seen("m-1", t0));
  EXPECT_TRUE(set.first_seen("m-1", t0 + std::chrono::minutes(10)));
}

TEST(RedeliverySet, ForgottenIdPassesAgain) {
  RedeliverySet set(std::chrono::minutes(10), 100);
  EXPECT_TRUE(set.first_seen("m-1", t0));
  set.forget("m-1");
  EXPECT_TRUE(set.first_seen("m-1", t0));
  EXPECT_FALSE(set.first_seen("m-1", t0));
}

TEST(RedeliverySet, BoundedByMaxIdsOldestFirst) {
  RedeliverySet set(std::chrono::hours(1), 16 * 4);
  for (int i = 0; i < 10000; ++i) set.first_seen("id-" + std::to_string(i), t0);
  EXPECT_LE(set.size(), 16u * 4u);
  EXPECT_TRUE(set.first_seen("id-0", t0));      // evicted long ago
  EXPECT_FALSE(set.first_seen("id-9999", t0));  // still recent
}

}  // namespace
}  // namespace alertd::ingest
