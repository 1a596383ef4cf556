#include "correlator/grouping.h"

#include <gtest/gtest.h>

namespace alertd::correlator {
namespace {

TEST(GroupingPolicy, UsesGroupByLabels) {
  GroupingPolicy policy({"service"}, {"alertname"});
  core::LabelSet labels{{"alertname", "HighLatency"}, {"service", "checkout"}, {"pod", "p-1"}};
  EXPECT_EQ(policy.group_key(labels), R"({service="checkout"})");
}

TEST(GroupingPolicy, UsesThePresentSubsetOfSeveralLabels) {
  GroupingPolicy policy({"service", "cluster"}, {"alertname"});
  EXPECT_EQ(policy.group_key({{"cluster", "eu-1"}, {"service", "checkout"}}),
            R"({cluster="eu-1", service="checkout"})");
  EXPECT_EQ(policy.group_key({{"alertname", "X"}, {"cluster", "eu-1"}}), R"({cluster="eu-1"})");
}

TEST(GroupingPolicy, FallsBackWhenNoGroupByLabelIsPresent) {
  GroupingPolicy policy({"service"}, {"alertname"});
  EXPECT_EQ(policy.group_key({{"alertname", "DiskFull"}, {"instance", "db-1"}}),
            R"({alertname="DiskFull"})");
}

TEST(GroupingPolicy, EmptyKeyWhenNeitherIsPresent) {
  GroupingPolicy policy({"service"}, {"alertname"});
  EXPECT_EQ(policy.group_key({{"instance", "db-1"}}), "{}");
  EXPECT_EQ(policy.group_key({}), "{}");
}

TEST(GroupingPolicy, EscapesValues) {
  GroupingPolicy policy({"service"}, {});
  EXPECT_EQ(policy.group_key({{"service", "a\"b"}}), R"({service="a\"b"})");
}

}  // namespace
}  // namespace alertd::correlator
