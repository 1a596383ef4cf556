// Notification routes: first match wins unless continue, matchers over the
// incident's fields (normalised severity, priority, team) before its labels.

#include <gtest/gtest.h>

#include "correlator/notify/routes.h"

namespace alertd::correlator {
namespace {

core::Matchers matchers(std::initializer_list<const char*> texts) {
  core::Matchers out;
  for (const char* t : texts) out.push_back(*core::Matcher::parse(t));
  return out;
}

core::Incident incident() {
  core::Incident inc;
  inc.priority = core::Priority::P1;
  inc.severity = "sev1";
  inc.service = "checkout";
  inc.team = "payments";
  return inc;
}

TEST(NotifyRoutes, IncidentFieldsComeBeforeLabels) {
  const core::LabelSet labels{{"severity", "critical"}, {"env", "prod"}, {"team", "web"}};
  auto routing = routing_labels(incident(), labels);
  EXPECT_EQ(routing.get("severity"), "sev1");  // normalised, whatever the sender's dialect
  EXPECT_EQ(routing.get("priority"), "P1");
  EXPECT_EQ(routing.get("team"), "payments");  // the owning team, not the label
  EXPECT_EQ(routing.get("env"), "prod");
  EXPECT_EQ(routing.get("status"), "open");
  auto no_team = incident();
  no_team.team.clear();
  EXPECT_FALSE(routing_labels(no_team, labels).contains("team"));
}

TEST(NotifyRoutes, FirstMatchUnlessContinue) {
  std::vector<NotifyRoute> routes(4);
  routes[0].match = matchers({R"(priority=~"P1|P2")"});
  routes[0].continue_matching = true;
  routes[1].match = matchers({R"(team="payments")"});
  routes[2].match = matchers({R"(service="checkout")"});  // never reached: 1 stops
  routes[3].match = {};                                   // the catch-all
  const auto routing = routing_labels(incident(), {});
  EXPECT_EQ(matching_routes(routes, routing), (std::vector<size_t>{0, 1}));
  auto low = incident();
  low.priority = core::Priority::P4;
  low.team = "search";
  low.service = "search";
  EXPECT_EQ(matching_routes(routes, routing_labels(low, {})), (std::vector<size_t>{3}));
  routes.pop_back();
  EXPECT_TRUE(matching_routes(routes, routing_labels(low, {})).empty());
}

TEST(NotifyRoutes, Audiences) {
  EXPECT_EQ(parse_audience("IT_staff"), Audience::it_staff);
  EXPECT_EQ(parse_audience("executives"), Audience::executives);
  EXPECT_EQ(parse_audience("it_staff"), std::nullopt);
  EXPECT_EQ(to_string(Audience::end_users), "end_users");
}

}  // namespace
}  // namespace alertd::correlator
