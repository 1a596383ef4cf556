#include "core/access.h"

#include <gtest/gtest.h>

namespace alertd::core {
namespace {

TEST(Role, NamesRoundTrip) {
  for (auto r : kAllRoles) EXPECT_EQ(parse_role(to_string(r)), r);
  EXPECT_EQ(to_string(Role::incident_manager), "incident_manager");
}

TEST(Role, UnknownNamesAreRefused) {
  EXPECT_EQ(parse_role("Admin"), std::nullopt);
  EXPECT_EQ(parse_role("root"), std::nullopt);
  EXPECT_EQ(parse_role(""), std::nullopt);
}

TEST(Role, OrderIsViewerResponderIncidentManagerAdmin) {
  EXPECT_TRUE(role_at_least(Role::admin, Role::viewer));
  EXPECT_TRUE(role_at_least(Role::responder, Role::responder));
  EXPECT_TRUE(role_at_least(Role::incident_manager, Role::responder));
  EXPECT_FALSE(role_at_least(Role::responder, Role::incident_manager));
  EXPECT_FALSE(role_at_least(Role::viewer, Role::responder));
  EXPECT_FALSE(role_at_least(Role::incident_manager, Role::admin));
}

}  // namespace
}  // namespace alertd::core
