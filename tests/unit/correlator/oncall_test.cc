// On-call schedules: rotations handing off at a local wall-clock time across
// DST, overrides, times before the start, and the rotation's parse errors.
// All on fixed instants: no clock is read.

#include <gtest/gtest.h>

#include "correlator/oncall/schedule.h"

namespace alertd::correlator {
namespace {

using namespace std::chrono_literals;

core::TimePoint at(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

// Weekly, Monday 09:00 Berlin time, from Monday 2026-01-05: alice, bob, carol.
OncallSchedule berlin_weekly() {
  OncallSchedule s;
  s.name = "primary";
  s.zone = *TimeZone::parse("Europe/Berlin");
  s.rotation = *parse_rotation(7 * 24h, "mon 09:00", "2026-01-05");
  s.members = {"alice", "bob", "carol"};
  return s;
}

void expect_on_call(const OncallSchedule& s, const char* t, const char* member, const char* since,
                    const char* until) {
  const auto oc = on_call_at(s, at(t));
  ASSERT_TRUE(oc.has_value());
  EXPECT_EQ(oc->member, member) << "at " << t;
  EXPECT_EQ(oc->since, at(since)) << "at " << t;
  EXPECT_EQ(oc->until, at(until)) << "at " << t;
}

TEST(Oncall, WeeklyHandoffsAtNineLocalInWinterAndSummer) {
  const auto s = berlin_weekly();
  // 09:00 CET is 08:00Z.
  expect_on_call(s, "2026-01-05T08:00:00Z", "alice", "2026-01-05T08:00:00Z",
                 "2026-01-12T08:00:00Z");
  expect_on_call(s, "2026-01-12T07:59:59Z", "alice", "2026-01-05T08:00:00Z",
                 "2026-01-12T08:00:00Z");
  expect_on_call(s, "2026-01-12T08:00:00Z", "bob", "2026-01-12T08:00:00Z", "2026-01-19T08:00:00Z");
  // The week spanning the change to CEST (2026-03-29): it ends at 09:00
  // CEST, 07:00Z, one hour shorter; week 12 is alice's again.
  expect_on_call(s, "2026-03-30T06:59:00Z", "carol", "2026-03-23T08:00:00Z",
                 "2026-03-30T07:00:00Z");
  expect_on_call(s, "2026-03-30T07:00:00Z", "alice", "2026-03-30T07:00:00Z",
                 "2026-04-06T07:00:00Z");
  // And back to CET on 2026-10-25: the week (41, carol's) is an hour longer.
  expect_on_call(s, "2026-10-26T07:30:00Z", "carol", "2026-10-19T07:00:00Z",
                 "2026-10-26T08:00:00Z");
}

TEST(Oncall, BeforeTheStartTheRotationRunsBackwards) {
  expect_on_call(berlin_weekly(), "2026-01-04T12:00:00Z", "carol", "2025-12-29T08:00:00Z",
                 "2026-01-05T08:00:00Z");
}

TEST(Oncall, OverridesWinAndCutTheTurnsAroundThem) {
  auto s = berlin_weekly();
  s.overrides = {{at("2026-01-07T00:00:00Z"), at("2026-01-08T00:00:00Z"), "dave"}};
  const auto oc = on_call_at(s, at("2026-01-07T12:00:00Z"));
  ASSERT_TRUE(oc);
  EXPECT_EQ(oc->member, "dave");
  EXPECT_TRUE(oc->override_active);
  EXPECT_EQ(oc->until, at("2026-01-08T00:00:00Z"));
  expect_on_call(s, "2026-01-06T12:00:00Z", "alice", "2026-01-05T08:00:00Z",
                 "2026-01-07T00:00:00Z");
  expect_on_call(s, "2026-01-08T00:00:00Z", "alice", "2026-01-08T00:00:00Z",
                 "2026-01-12T08:00:00Z");
  EXPECT_FALSE(on_call_at(s, at("2026-01-08T00:00:00Z"))->override_active);
}

TEST(Oncall, TwelveHourShiftsInUtc) {
  OncallSchedule s;
  s.rotation = *parse_rotation(12h, "09:00", "2026-01-01");
  s.members = {"day", "night"};
  expect_on_call(s, "2026-01-01T10:00:00Z", "day", "2026-01-01T09:00:00Z", "2026-01-01T21:00:00Z");
  expect_on_call(s, "2026-01-02T08:00:00Z", "night", "2026-01-01T21:00:00Z",
                 "2026-01-02T09:00:00Z");
  EXPECT_FALSE(on_call_at(OncallSchedule{}, at("2026-01-01T00:00:00Z")).has_value());
}

TEST(Oncall, RotationErrors) {
  EXPECT_FALSE(parse_rotation(30min, "09:00", "").ok());
  EXPECT_FALSE(parse_rotation(24h, "mon 09:00", "").ok());  // a weekday needs whole weeks
  EXPECT_FALSE(parse_rotation(7 * 24h, "funday 09:00", "").ok());
  EXPECT_FALSE(parse_rotation(7 * 24h, "mon 9:00", "").ok());
  EXPECT_FALSE(parse_rotation(7 * 24h, "mon 09:00", "2026-02-30").ok());
  auto r = parse_rotation(14 * 24h, "Friday 17:30", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->weekday, 5);
  EXPECT_EQ(r->minute_of_day, 17 * 60 + 30);
}

TEST(Oncall, OverlappingOverridesAreFoundInAnyOrder) {
  const std::vector<Override> fine = {
      {at("2026-01-02T00:00:00Z"), at("2026-01-03T00:00:00Z"), "a"},
      {at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"), "b"}};
  EXPECT_FALSE(overlapping_overrides(fine).has_value());
  auto overlap = fine;
  overlap.push_back({at("2026-01-02T12:00:00Z"), at("2026-01-04T00:00:00Z"), "c"});
  EXPECT_EQ(overlapping_overrides(overlap), "overrides[0] and overrides[2] overlap");
}

}  // namespace
}  // namespace alertd::correlator
