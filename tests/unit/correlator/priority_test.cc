#include "correlator/priority.h"

#include <gtest/gtest.h>

#include <string>

namespace alertd::correlator {
namespace {

TEST(Priority, SeverityWordsMapToRanks) {
  struct Case {
    std::optional<std::string_view> label;
    uint8_t rank;
  };
  const Case cases[] = {{"critical", 1}, {"high", 2},    {"error", 2},      {"page", 2},
                        {"warning", 3},  {"medium", 3},  {"warn", 3},       {"low", 4},
                        {"info", 4},     {"none", 4},    {"CRITICAL", 1},   {"Info", 4},
                        {"bogus", 3},    {"", 3},        {std::nullopt, 3}, {"crit", 3},
                        {"p1", 3},       {"warnings", 3}};
  for (const auto& c : cases) {
    EXPECT_EQ(severity_rank(c.label), c.rank) << (c.label ? std::string(*c.label) : "<missing>");
  }
}

TEST(Priority, SeverityNames) {
  EXPECT_EQ(severity_name(1), "sev1");
  EXPECT_EQ(severity_name(2), "sev2");
  EXPECT_EQ(severity_name(3), "sev3");
  EXPECT_EQ(severity_name(4), "sev4");
  EXPECT_EQ(severity_name(0), "sev1");
  EXPECT_EQ(severity_name(9), "sev4");
}

TEST(Priority, FollowsWorstSeverityOneToOne) {
  EXPECT_EQ(derive_priority({.worst_severity = 1}), core::Priority::P1);
  EXPECT_EQ(derive_priority({.worst_severity = 2}), core::Priority::P2);
  EXPECT_EQ(derive_priority({.worst_severity = 3}), core::Priority::P3);
  EXPECT_EQ(derive_priority({.worst_severity = 4}), core::Priority::P4);
}

}  // namespace
}  // namespace alertd::correlator
