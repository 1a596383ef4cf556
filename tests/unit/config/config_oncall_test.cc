// `people:` and `oncall:`: schedules over people, with their mistakes refused
// with file and line (unknown members, overlapping overrides, bad zones).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace alertd::config {
namespace {

using ::testing::HasSubstr;

constexpr const char* kPeople = R"(people:
  - {name: alice, role: responder, slack_user: U01ALICE, email: alice@example.com}
  - {name: bob, slack_user: U02BOB, phone: "+49 30 1234567"}
  - {name: carol, role: incident_manager}
)";

TEST(OncallConfig, SchedulesOverPeople) {
  auto cfg = parse_config(std::string(kPeople) + R"(oncall:
  schedules:
    - name: primary
      timezone: Europe/Berlin
      rotation: {every: 1w, handoff: "mon 09:00", start: "2026-01-05"}
      members: [alice, bob]
      overrides:
        - {from: "2026-01-08T00:00:00Z", to: "2026-01-09T00:00:00Z", member: carol}
        - {from: "2026-01-07T00:00:00Z", to: "2026-01-08T00:00:00Z", member: bob}
    - name: secondary
      members: [carol]
)",
                          "alertd.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& oc = cfg->oncall;
  ASSERT_EQ(oc.people.size(), 3u);
  EXPECT_EQ(oc.person("alice")->slack_user, "U01ALICE");
  EXPECT_EQ(oc.person("bob")->role, core::Role::responder);  // the default
  EXPECT_EQ(oc.person("carol")->role, core::Role::incident_manager);
  const auto* primary = oc.schedule("primary");
  ASSERT_NE(primary, nullptr);
  EXPECT_EQ(primary->zone.name(), "Europe/Berlin");
  ASSERT_EQ(primary->overrides.size(), 2u);
  EXPECT_EQ(primary->overrides[0].member, "bob");  // sorted by from
  auto now = on_call_at(*primary, *core::parse_rfc3339("2026-01-12T08:00:00Z"));
  ASSERT_TRUE(now);
  EXPECT_EQ(now->member, "bob");
  const auto* secondary = oc.schedule("secondary");
  ASSERT_NE(secondary, nullptr);
  EXPECT_EQ(secondary->rotation.weekday, 1);  // defaults: every 1w, mon 09:00, UTC
  EXPECT_EQ(secondary->zone.name(), "UTC");
  EXPECT_EQ(oc.schedule("nope"), nullptr);
}

TEST(OncallConfig, MistakesHaveTheirLine) {
  auto cfg = parse_config(std::string(kPeople) + R"(  - {name: alice}
  - {name: dave, slack_user: U01ALICE, email: not-an-address, role: god}
oncall:
  schedules:
    - name: a
      timezone: Mars/Base
      members: [alice]
    - name: b
      members: [zed]
    - name: c
      rotation: {every: 1d, handoff: "mon 09:00"}
      members: [alice]
    - name: d
      members: [alice]
      overrides:
        - {from: "2026-01-01T00:00:00Z", to: "2026-01-03T00:00:00Z", member: bob}
        - {from: "2026-01-02T00:00:00Z", to: "2026-01-04T00:00:00Z", member: carol}
    - name: d
      members: []
)",
                          "alertd.yml");
  ASSERT_FALSE(cfg.ok());
  const auto& e = cfg.error().message;
  EXPECT_THAT(e, HasSubstr("alertd.yml:5: people[3].name: \"alice\" is listed twice"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:6: people[4].role: \"god\" is not a role"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:10: oncall.schedules[0].timezone: time zone \"Mars/Base\""));
  EXPECT_THAT(e, HasSubstr("alertd.yml:13: oncall.schedules[1].members[0]: \"zed\" is not one of "
                           "people:"));
  EXPECT_THAT(e, HasSubstr("oncall.schedules[2].rotation: a handoff on a weekday needs"));
  EXPECT_THAT(e, HasSubstr("oncall.schedules[3].overrides: overrides[0] and overrides[1] overlap"));
  EXPECT_THAT(e, HasSubstr("oncall.schedules[4].members: a list of at least one person"));
}

}  // namespace
}  // namespace alertd::config
