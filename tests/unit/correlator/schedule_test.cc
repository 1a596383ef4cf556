#include "correlator/suppression/schedule.h"

#include <gtest/gtest.h>

#include "correlator/suppression/suppression.h"
#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;

core::TimePoint at(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

Schedule cron(const char* text) {
  auto s = parse_cron(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : Schedule{};
}

TEST(Schedule, CronNextAndLastAreStrictAndInclusive) {
  auto s = cron("0 22 * * 6");  // Saturdays 22:00 UTC; 2026-01-01 is a Thursday
  EXPECT_EQ(next_start_after(s, kT0), at("2026-01-03T22:00:00Z"));
  // Strictly after: an occurrence itself gives the next one.
  EXPECT_EQ(next_start_after(s, at("2026-01-03T22:00:00Z")), at("2026-01-10T22:00:00Z"));
  EXPECT_EQ(next_start_after(s, at("2026-01-03T21:59:59.999Z")), at("2026-01-03T22:00:00Z"));
  // At or before: the occurrence itself counts; the lookback bounds the search.
  EXPECT_EQ(last_start_at_or_before(s, at("2026-01-03T22:00:00Z"), 1h), at("2026-01-03T22:00:00Z"));
  EXPECT_EQ(last_start_at_or_before(s, at("2026-01-04T01:00:00Z"), 4h), at("2026-01-03T22:00:00Z"));
  EXPECT_EQ(last_start_at_or_before(s, at("2026-01-04T02:00:01Z"), 4h), std::nullopt);
  EXPECT_EQ(last_start_at_or_before(s, at("2026-01-03T21:59:00Z"), 24h * 7),
            at("2025-12-27T22:00:00Z"));
}

TEST(Schedule, ListsRangesStepsAndNames) {
  auto s = cron("*/15 9-17 * * mon-fri");
  EXPECT_EQ(next_start_after(s, at("2026-01-02T17:46:00Z")),
            at("2026-01-05T09:00:00Z"));  // Fri -> Mon
  EXPECT_EQ(next_start_after(s, at("2026-01-02T17:29:00Z")), at("2026-01-02T17:30:00Z"));
  auto lists = cron("5,35 0,12 1 jan,JUL *");
  EXPECT_EQ(next_start_after(lists, kT0), at("2026-01-01T00:05:00Z"));
  EXPECT_EQ(next_start_after(lists, at("2026-01-01T12:35:00Z")), at("2026-07-01T00:05:00Z"));
  auto offset_step = cron("10/20 * * * *");  // 10, 30, 50
  EXPECT_EQ(next_start_after(offset_step, at("2026-01-01T00:31:00Z")), at("2026-01-01T00:50:00Z"));
  // 7 is Sunday as well as 0.
  EXPECT_EQ(next_start_after(cron("0 0 * * 7"), kT0), at("2026-01-04T00:00:00Z"));
  EXPECT_EQ(next_start_after(cron("@daily"), kT0), at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(next_start_after(cron("@monthly"), kT0), at("2026-02-01T00:00:00Z"));
}

TEST(Schedule, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  auto s = cron("0 0 13 * 5");  // the 13th, or any Friday (cron's rule)
  EXPECT_EQ(next_start_after(s, kT0), at("2026-01-02T00:00:00Z"));  // a Friday
  EXPECT_EQ(next_start_after(s, at("2026-01-12T12:00:00Z")),
            at("2026-01-13T00:00:00Z"));  // a Tuesday
  auto both = cron("0 0 */2 * 5");  // starts with '*': both must hold (odd days that are Fridays)
  EXPECT_EQ(next_start_after(both, kT0), at("2026-01-09T00:00:00Z"));
}

TEST(Schedule, ImpossibleDatesHaveNoOccurrence) {
  EXPECT_EQ(next_start_after(cron("0 0 30 2 *"), kT0), std::nullopt);
  EXPECT_EQ(next_start_after(cron("0 0 29 2 *"), kT0), at("2028-02-29T00:00:00Z"));  // leap year
}

TEST(Schedule, CronErrorsNameTheField) {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {{"60 * * * *", "minute"},
                        {"* 24 * * *", "hour"},
                        {"* * 0 * *", "day-of-month"},
                        {"* * * 13 *", "month"},
                        {"* * * * 8", "day-of-week"},
                        {"* * * *", "expected 5 fields"},
                        {"*/0 * * * *", "bad step"},
                        {"5-1 * * * *", "outside"},
                        {"x * * * *", "not a value"},
                        {"1,,2 * * * *", "empty list item"},
                        {"* * * * * *", "expected 5 fields"}};
  for (const auto& c : cases) {
    auto s = parse_cron(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.error().reason, "invalid_schedule");
    EXPECT_NE(s.error().message.find(c.says), std::string::npos)
        << c.text << ": " << s.error().message;
  }
}

TEST(Schedule, WeeklyInUtcAndFixedOffsets) {
  auto utc = weekly_schedule({"sat", "Sunday"}, "22:00", "UTC");
  ASSERT_TRUE(utc.ok()) << utc.error().message;
  EXPECT_EQ(next_start_after(*utc, kT0), at("2026-01-03T22:00:00Z"));
  EXPECT_EQ(next_start_after(*utc, at("2026-01-03T22:00:00Z")), at("2026-01-04T22:00:00Z"));
  auto paris_winter = weekly_schedule({"mon"}, "01:30", "+02:00");
  ASSERT_TRUE(paris_winter.ok());
  // Monday 01:30 at +02:00 is Sunday 23:30 UTC.
  EXPECT_EQ(next_start_after(*paris_winter, kT0), at("2026-01-04T23:30:00Z"));
  auto west = weekly_schedule({"thu"}, "20:00", "UTC-0500");
  ASSERT_TRUE(west.ok());
  EXPECT_EQ(next_start_after(*west, kT0), at("2026-01-02T01:00:00Z"));

  EXPECT_EQ(parse_utc_offset("utc"), core::Duration{0});
  EXPECT_EQ(parse_utc_offset("+5"), core::Duration{5h});
  EXPECT_EQ(parse_utc_offset("-05:30"), -core::Duration{5h + 30min});
  EXPECT_EQ(parse_utc_offset("Europe/Paris"), std::nullopt);  // a named zone, not an offset
  EXPECT_EQ(parse_utc_offset("+15:00"), std::nullopt);
}

TEST(Schedule, WeeklyErrors) {
  EXPECT_FALSE(weekly_schedule({}, "22:00", "UTC").ok());
  EXPECT_FALSE(weekly_schedule({"someday"}, "22:00", "UTC").ok());
  EXPECT_FALSE(weekly_schedule({"mon"}, "24:00", "UTC").ok());
  EXPECT_FALSE(weekly_schedule({"mon"}, "9:00", "UTC").ok());
  auto tz = weekly_schedule({"mon"}, "09:00", "Mars/Olympus_Mons");
  ASSERT_FALSE(tz.ok());
  EXPECT_NE(tz.error().message.find("tz database"), std::string::npos);
}

// Europe/Berlin: CET (+01:00) in winter, CEST (+02:00) from 2026-03-29
// 02:00 (the clock jumps to 03:00) until 2026-10-25 03:00 (back to 02:00).
TEST(Schedule, NamedZonesFollowDaylightSavingTime) {
  auto berlin = weekly_schedule({"mon"}, "09:00", "Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.error().message;
  EXPECT_EQ(next_start_after(*berlin, at("2026-01-01T00:00:00Z")), at("2026-01-05T08:00:00Z"));
  EXPECT_EQ(next_start_after(*berlin, at("2026-07-01T00:00:00Z")), at("2026-07-06T07:00:00Z"));
  EXPECT_EQ(last_start_at_or_before(*berlin, at("2026-07-07T00:00:00Z"), 7 * 24h),
            at("2026-07-06T07:00:00Z"));

  auto zone = TimeZone::parse("Europe/Berlin");
  ASSERT_TRUE(zone.ok());
  auto nightly = parse_cron("30 2 * * *", *zone);
  ASSERT_TRUE(nightly.ok());
  // 02:30 does not exist on 2026-03-29: the window opens at the jump (03:00 CEST).
  EXPECT_EQ(next_start_after(*nightly, at("2026-03-28T12:00:00Z")), at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(next_start_after(*nightly, at("2026-03-29T01:00:00Z")), at("2026-03-30T00:30:00Z"));
  // 02:30 happens twice on 2026-10-25 (00:30Z CEST, 01:30Z CET): it opens once.
  EXPECT_EQ(next_start_after(*nightly, at("2026-10-24T12:00:00Z")), at("2026-10-25T00:30:00Z"));
  EXPECT_EQ(next_start_after(*nightly, at("2026-10-25T00:30:00Z")), at("2026-10-26T01:30:00Z"));
  EXPECT_EQ(last_start_at_or_before(*nightly, at("2026-10-25T01:45:00Z"), 24h),
            at("2026-10-25T00:30:00Z"));
}

TEST(TimeZone, LocalTimesBothWays) {
  auto ny = TimeZone::parse("America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ny->to_local(at("2026-01-15T17:00:00Z")), at("2026-01-15T12:00:00Z"));
  EXPECT_EQ(ny->to_local(at("2026-07-15T16:00:00Z")), at("2026-07-15T12:00:00Z"));
  EXPECT_EQ(ny->to_utc(at("2026-07-15T12:00:00Z")), at("2026-07-15T16:00:00Z"));
  auto fixed = TimeZone::parse("+05:30");
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(fixed->fixed());
  EXPECT_EQ(fixed->to_local(at("2026-01-01T00:00:00Z")), at("2026-01-01T05:30:00Z"));
  EXPECT_EQ(TimeZone().name(), "UTC");
  EXPECT_FALSE(TimeZone::parse("").ok());
  EXPECT_FALSE(TimeZone::parse("Europe/Nowhere").ok());
}

TEST(MaintenanceWindow, ActiveFromStartUntilJustBeforeEnd) {
  MaintenanceWindow w{"db", {}, *weekly_schedule({"sat"}, "22:00", "UTC"), 4h};
  EXPECT_FALSE(window_active(w, at("2026-01-03T21:59:59.999Z")));
  EXPECT_TRUE(window_active(w, at("2026-01-03T22:00:00Z")));
  EXPECT_TRUE(window_active(w, at("2026-01-04T01:59:59.999Z")));  // across midnight
  EXPECT_FALSE(window_active(w, at("2026-01-04T02:00:00Z")));
  EXPECT_EQ(window_next_change(w, kT0), at("2026-01-03T22:00:00Z"));
  EXPECT_EQ(window_next_change(w, at("2026-01-03T22:00:00Z")), at("2026-01-04T02:00:00Z"));
  EXPECT_EQ(window_next_change(w, at("2026-01-04T02:00:00Z")), at("2026-01-10T22:00:00Z"));
  MaintenanceWindow never{"x", {}, cron("0 0 30 2 *"), 1h};
  EXPECT_EQ(window_next_change(never, kT0), std::nullopt);
  EXPECT_FALSE(window_active(never, kT0));
}

}  // namespace
}  // namespace alertd::correlator
