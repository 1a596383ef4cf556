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

TEST(Priority, SevWordsAreUnderstoodToo) {
  EXPECT_EQ(severity_rank("sev1"), 1);
  EXPECT_EQ(severity_rank("SEV2"), 2);
  EXPECT_EQ(severity_rank("sev3"), 3);
  EXPECT_EQ(severity_rank("sev4"), 4);
  EXPECT_EQ(severity_rank("sev5"), 3);
}

TEST(Priority, ImpactThresholdsAreInclusive) {
  PriorityMatrix m;  // high: 3 services or 10 hosts; medium: 2 services or 3 hosts
  EXPECT_EQ(derive_impact(m, 0, 0), Impact::low);
  EXPECT_EQ(derive_impact(m, 1, 2), Impact::low);
  EXPECT_EQ(derive_impact(m, 2, 0), Impact::medium);
  EXPECT_EQ(derive_impact(m, 1, 3), Impact::medium);
  EXPECT_EQ(derive_impact(m, 2, 9), Impact::medium);
  EXPECT_EQ(derive_impact(m, 3, 0), Impact::high);
  EXPECT_EQ(derive_impact(m, 0, 10), Impact::high);
  m.medium.hosts = 0;  // 0 switches a dimension off
  EXPECT_EQ(derive_impact(m, 1, 5), Impact::low);
}

TEST(Priority, DefaultMatrixFollowsTheDocumentedTable) {
  const core::Priority P1 = core::Priority::P1, P2 = core::Priority::P2, P3 = core::Priority::P3,
                       P4 = core::Priority::P4;
  // Rows urgency sev1..sev4; columns impact high (3 services), medium (2), low (1).
  const core::Priority expected[4][3] = {{P1, P1, P2}, {P1, P2, P3}, {P2, P3, P4}, {P3, P4, P4}};
  const size_t services[3] = {3, 2, 1};
  for (uint8_t sev = 1; sev <= 4; ++sev) {
    for (size_t col = 0; col < 3; ++col) {
      EXPECT_EQ(derive_priority({.worst_severity = sev, .services = services[col], .hosts = 0}),
                expected[sev - 1][col])
          << "sev" << int(sev) << " column " << col;
    }
  }
}

TEST(Priority, CustomMatrixAndThresholds) {
  PriorityMatrix m;
  m.high = {5, 0};
  m.medium = {0, 2};
  m.matrix[2] = {core::Priority::P1, core::Priority::P2, core::Priority::P3};
  EXPECT_EQ(derive_priority({.worst_severity = 3, .services = 4, .hosts = 1}, m),
            core::Priority::P3);
  EXPECT_EQ(derive_priority({.worst_severity = 3, .services = 4, .hosts = 2}, m),
            core::Priority::P2);
  EXPECT_EQ(derive_priority({.worst_severity = 3, .services = 5, .hosts = 0}, m),
            core::Priority::P1);
  EXPECT_EQ(m.host_cap(), 2u);
  EXPECT_EQ(to_string(Impact::medium), "medium");
}

}  // namespace
}  // namespace alertd::correlator
