// The Kafka source's re-delivery positions (ingest/kafka/positions.h) and
// its reading of librdkafka statistics (ingest/kafka/stats.h).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/kafka/positions.h"
#include "ingest/kafka/stats.h"

namespace alertd::ingest::kafka {
namespace {

namespace fs = std::filesystem;

class PositionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("alertd-positions-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "kafka-positions"; }
  fs::path dir_;
};

TEST_F(PositionsTest, AbsentFileIsEmptyAndSavedPositionsComeBack) {
  auto p = Positions::load(file());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->next("alerts", 0), -1);
  p->advance("alerts", 0, 10);
  p->advance("alerts", 0, 7);  // never backwards
  p->advance("alerts", 11, 3);
  p->advance("other.topic-x", 2, 99);
  ASSERT_TRUE(p->save(true).ok());
  auto again = Positions::load(file());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->next("alerts", 0), 10);
  EXPECT_EQ(again->next("alerts", 11), 3);
  EXPECT_EQ(again->next("other.topic-x", 2), 99);
  EXPECT_EQ(again->next("alerts", 1), -1);
  EXPECT_FALSE(fs::exists(file().string() + ".tmp"));
}

TEST_F(PositionsTest, ADamagedFileIsAnErrorNotAFreshStart) {
  std::ofstream(file()) << "alertd-kafka-positions 1\nalerts\tzero\t5\n";
  auto p = Positions::load(file());
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("damaged line"), std::string::npos);
  std::ofstream(file(), std::ios::trunc) << "something else\n";
  EXPECT_FALSE(Positions::load(file()).ok());
}

TEST_F(PositionsTest, NoFileConfiguredKeepsPositionsInMemoryOnly) {
  auto p = Positions::load({});
  ASSERT_TRUE(p.ok());
  p->advance("a", 0, 5);
  EXPECT_TRUE(p->save(true).ok());
  EXPECT_EQ(p->next("a", 0), 5);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST(ClientStatsTest, ReadsBrokersUpAndLagOfFetchedPartitions) {
  // Trimmed from a librdkafka 2.0.2 consumer's statistics on the mock cluster.
  const std::string json = R"({"name":"rdkafka#consumer-1","type":"consumer",
    "brokers":{
      "GroupCoordinator":{"name":"GroupCoordinator","nodeid":-1,"state":"UP"},
      "127.0.0.1:40001/1":{"name":"127.0.0.1:40001/1","nodeid":1,"state":"UP"},
      "127.0.0.1:40002/2":{"name":"127.0.0.1:40002/2","nodeid":2,"state":"DOWN"},
      "127.0.0.1:40003/3":{"name":"127.0.0.1:40003/3","nodeid":3,"state":"UP"}},
    "topics":{"alerts":{"topic":"alerts","partitions":{
      "0":{"partition":0,"fetch_state":"active","consumer_lag":42},
      "1":{"partition":1,"fetch_state":"none","consumer_lag":-1},
      "2":{"partition":2,"fetch_state":"active","consumer_lag":0},
      "-1":{"partition":-1,"fetch_state":"none","consumer_lag":-1}}}}})";
  ClientStats stats;
  ASSERT_TRUE(parse_client_stats(json, stats));
  EXPECT_EQ(stats.brokers_up, 2);
  ASSERT_EQ(stats.lags.size(), 2u);
  EXPECT_EQ(stats.lags[0].topic, "alerts");
  EXPECT_EQ(stats.lags[0].partition, 0);
  EXPECT_EQ(stats.lags[0].lag, 42);
  EXPECT_EQ(stats.lags[1].partition, 2);
  EXPECT_FALSE(parse_client_stats("not json", stats));
}

}  // namespace
}  // namespace alertd::ingest::kafka
