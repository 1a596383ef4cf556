#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config.h"

namespace alertd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string parse_error(std::string_view yaml) {
  auto r = parse_config(yaml, "test.yaml");
  return r.ok() ? "<parsed without error>" : r.error().message;
}

TEST(ConfigDurability, DefaultsJournalEveryAlertBesideTheStore) {
  auto r = parse_config(embedded_default_config(), "<embedded>");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->durability.journal);
  EXPECT_EQ(r->durability.dir, "./data/journal");
  EXPECT_EQ(r->durability.fsync_interval, 2ms);
  EXPECT_EQ(r->durability.segment_bytes, 64u << 20);
  EXPECT_EQ(r->durability.max_bytes, 1u << 30);
  EXPECT_EQ(r->durability.shutdown_timeout, 30s);
  EXPECT_EQ(r->pipeline.queue_bytes, 256u << 20);

  auto beside = parse_config("store: {sqlite: /var/lib/alertd/incidents.db}\n", "t.yaml");
  ASSERT_TRUE(beside.ok()) << beside.error().message;
  EXPECT_EQ(beside->durability.dir, "/var/lib/alertd/journal");
}

TEST(ConfigDurability, ReadsEveryKey) {
  auto r = parse_config(R"(
durability:
  mode: none
  dir: /tmp/j
  fsync_interval: 10ms
  segment_bytes: 8MiB
  max_bytes: 2GiB
  checkpoint_interval: 1m
  shutdown_timeout: 5s
pipeline: {queue_bytes: 64MiB}
)",
                        "t.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->durability.journal);
  EXPECT_EQ(r->durability.dir, "/tmp/j");
  EXPECT_EQ(r->durability.fsync_interval, 10ms);
  EXPECT_EQ(r->durability.segment_bytes, 8u << 20);
  EXPECT_EQ(r->durability.max_bytes, 2ull << 30);
  EXPECT_EQ(r->durability.checkpoint_interval, 1min);
  EXPECT_EQ(r->durability.shutdown_timeout, 5s);
  EXPECT_EQ(r->pipeline.queue_bytes, 64u << 20);
}

TEST(ConfigDurability, RefusesBadValuesWithTheirLine) {
  EXPECT_THAT(parse_error("durability: {mode: sometimes}\n"),
              HasSubstr("test.yaml:1: durability.mode: expected journal or none"));
  EXPECT_THAT(parse_error("durability: {segment_bytes: 12 parsecs}\n"),
              HasSubstr("durability.segment_bytes: expected a size"));
  EXPECT_THAT(parse_error("durability: {segment_bytes: 1KiB}\n"),
              HasSubstr("durability.segment_bytes: expected a size from 1048576"));
  EXPECT_THAT(parse_error("durability: {segment_bytes: 64MiB, max_bytes: 100MiB}\n"),
              HasSubstr("max_bytes must hold at least two segments"));
  EXPECT_THAT(parse_error("durability: {fsync_interval: 5s}\n"), HasSubstr("at most 1s"));
  EXPECT_THAT(parse_error("durability: {checkpoint_interval: 0s}\n"),
              HasSubstr("durability.checkpoint_interval"));
  EXPECT_THAT(parse_error("durability: {fsync: always}\n"), HasSubstr("fsync"));
}

}  // namespace
}  // namespace alertd::config
