#include "core/labels.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace alertd::core {
namespace {

std::vector<std::string> names(const LabelSet& set) {
  std::vector<std::string> out;
  for (const auto& l : set) out.push_back(l.name);
  return out;
}

TEST(LabelSet, NormalizeSortsByName) {
  LabelSet set;
  set.append("severity", "critical");
  set.append("alertname", "HighCPU");
  set.append("instance", "host1");
  EXPECT_FALSE(set.normalize());
  EXPECT_EQ(names(set), (std::vector<std::string>{"alertname", "instance", "severity"}));
  EXPECT_EQ(set.get("instance"), "host1");
}

TEST(LabelSet, NormalizeReportsDuplicateAndKeepsLastValue) {
  LabelSet set;
  set.append("b", "1");
  set.append("a", "first");
  set.append("c", "x");
  set.append("a", "second");
  set.append("a", "third");
  auto dup = set.normalize();
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, "a");
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(names(set), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(set.get("a"), "third");
  EXPECT_EQ(set.get("b"), "1");
  EXPECT_EQ(set.get("c"), "x");
}

TEST(LabelSet, NormalizeReportsFirstDuplicatedNameInSortedOrder) {
  LabelSet set;
  set.append("z", "1");
  set.append("z", "2");
  set.append("m", "1");
  set.append("m", "2");
  EXPECT_EQ(set.normalize(), "m");
  EXPECT_EQ(set.size(), 2u);
}

TEST(LabelSet, InitializerListIsNormalized) {
  LabelSet set{{"job", "api"}, {"env", "prod"}, {"job", "web"}};
  EXPECT_EQ(names(set), (std::vector<std::string>{"env", "job"}));
  EXPECT_EQ(set.get("job"), "web");
}

TEST(LabelSet, SetInsertsInOrderAndReplaces) {
  LabelSet set;
  set.set("m", "1");
  set.set("a", "2");
  set.set("z", "3");
  set.set("f", "4");
  EXPECT_EQ(names(set), (std::vector<std::string>{"a", "f", "m", "z"}));
  set.set("f", "replaced");
  EXPECT_EQ(set.size(), 4u);
  EXPECT_EQ(set.get("f"), "replaced");
}

TEST(LabelSet, EraseKeepsOrder) {
  LabelSet set{{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_TRUE(set.erase("b"));
  EXPECT_FALSE(set.erase("b"));
  EXPECT_FALSE(set.erase("zz"));
  EXPECT_EQ(names(set), (std::vector<std::string>{"a", "c"}));
  EXPECT_FALSE(set.contains("b"));
  EXPECT_TRUE(set.contains("c"));
}

TEST(LabelSet, GetMissing) {
  LabelSet set{{"b", "2"}};
  EXPECT_FALSE(set.get("a"));
  EXPECT_FALSE(set.get("c"));
  EXPECT_FALSE(LabelSet{}.get("a"));
  EXPECT_EQ(set.get("b"), "2");
}

TEST(LabelSet, EmptyValueIsKept) {
  LabelSet set{{"a", ""}};
  ASSERT_TRUE(set.get("a"));
  EXPECT_EQ(*set.get("a"), "");
}

TEST(LabelSet, EqualityIgnoresInsertionOrder) {
  LabelSet a{{"x", "1"}, {"y", "2"}};
  LabelSet b;
  b.set("y", "2");
  b.set("x", "1");
  EXPECT_EQ(a, b);
  b.set("x", "other");
  EXPECT_NE(a, b);
}

TEST(LabelSet, ToStringEscapes) {
  LabelSet set{{"b", "say \"hi\""}, {"a", "back\\slash\nnewline"}};
  EXPECT_EQ(set.to_string(), "{a=\"back\\\\slash\\nnewline\", b=\"say \\\"hi\\\"\"}");
  EXPECT_EQ(LabelSet{}.to_string(), "{}");
}

}  // namespace
}  // namespace alertd::core
