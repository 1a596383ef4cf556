#include "core/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>

namespace alertd::core {
namespace {

using namespace std::chrono_literals;

// Epoch seconds below come from GNU `date -u -d <timestamp> +%s`.
TimePoint at_unix(int64_t seconds, int64_t nanos = 0) {
  return TimePoint{std::chrono::seconds{seconds} + std::chrono::nanoseconds{nanos}};
}

TEST(ParseRfc3339, UtcWithZ) {
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12Z"), at_unix(1767225912));
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), at_unix(0));
}

TEST(ParseRfc3339, RejectsTimesPastTheEndOfInt64Nanoseconds) {
  // TimePoint counts int64 nanoseconds: it ends at 2262-04-11T23:47:16.854775807Z.
  EXPECT_EQ(parse_rfc3339("2262-04-11T23:47:15.999999999Z"), at_unix(9223372035, 999'999'999));
  EXPECT_FALSE(parse_rfc3339("2262-04-11T23:47:17Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("2262-04-11T23:47:15-01:00"));  // the offset pushes it past
}

TEST(ParseRfc3339, FractionalSecondsUpToNanos) {
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12.5Z"), at_unix(1767225912, 500'000'000));
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12.123456789Z"), at_unix(1767225912, 123'456'789));
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12,25Z"), at_unix(1767225912, 250'000'000));
  // Digits beyond nanoseconds are dropped, not rounded.
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12.1234567899Z"), at_unix(1767225912, 123'456'789));
}

TEST(ParseRfc3339, Offsets) {
  auto utc = at_unix(1767225912);
  EXPECT_EQ(parse_rfc3339("2026-01-01T01:05:12+01:00"), utc);
  EXPECT_EQ(parse_rfc3339("2026-01-01T01:05:12+0100"), utc);  // CloudWatch
  EXPECT_EQ(parse_rfc3339("2025-12-31T18:35:12-05:30"), utc);
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12+00:00"), utc);
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:05:12.000+0000"), utc);
}

TEST(ParseRfc3339, LowerCaseAndSpaceSeparator) {
  auto utc = at_unix(1767225912);
  EXPECT_EQ(parse_rfc3339("2026-01-01t00:05:12z"), utc);
  EXPECT_EQ(parse_rfc3339("2026-01-01 00:05:12Z"), utc);
}

TEST(ParseRfc3339, LeapDays) {
  EXPECT_EQ(parse_rfc3339("2024-02-29T12:00:00Z"), at_unix(1709208000));
  EXPECT_EQ(parse_rfc3339("2000-02-29T00:00:00Z"), at_unix(951782400));
  EXPECT_FALSE(parse_rfc3339("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2100-02-29T00:00:00Z"));  // century, not a leap year
}

TEST(ParseRfc3339, LeapSecondClampsToFiftyNine) {
  EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z"), parse_rfc3339("2016-12-31T23:59:59Z"));
}

TEST(ParseRfc3339, ZeroTimeIsNoTime) {
  auto t = parse_rfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, kNoTime);
}

TEST(ParseRfc3339, RejectsInvalid) {
  for (const char* s : {
           "",
           "2026-02-30T00:00:00Z",       // Feb 30
           "2026-13-01T00:00:00Z",       // month 13
           "2026-00-01T00:00:00Z",       // month 0
           "2026-01-32T00:00:00Z",       // day 32
           "2026-01-00T00:00:00Z",       // day 0
           "2026-01-01T24:00:00Z",       // hour 24
           "2026-01-01T00:60:00Z",       // minute 60
           "2026-01-01T00:00:61Z",       // second 61
           "2026-01-01T00:00:00",        // missing offset
           "2026-01-01T00:00:00Zjunk",   // trailing junk
           "2026-01-01T00:00:00Z ",      // trailing space
           "2026-01-01T00:00:00+01",     // offset without minutes
           "2026-01-01T00:00:00+24:00",  // offset hour out of range
           "2026-01-01T00:00:00.Z",      // fraction without digits
           "2026-1-01T00:00:00Z",        // one-digit month
           "2026-01-01X00:00:00Z",       // bad separator
           "2026-01-01",                 // date only
           "26-01-01T00:00:00Z",
       }) {
    EXPECT_FALSE(parse_rfc3339(s)) << s;
  }
}

TEST(FormatRfc3339, UtcWithMillis) {
  EXPECT_EQ(format_rfc3339(at_unix(1767225912)), "2026-01-01T00:05:12.000Z");
  EXPECT_EQ(format_rfc3339(at_unix(1767225912, 123'456'789)), "2026-01-01T00:05:12.123Z");
  EXPECT_EQ(format_rfc3339(kNoTime), "");
}

TEST(FormatRfc3339, RoundTrip) {
  auto t = parse_rfc3339("2026-03-04T05:06:07.089+02:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, at_unix(1772593567, 89'000'000));
  EXPECT_EQ(format_rfc3339(*t), "2026-03-04T03:06:07.089Z");
  for (int64_t ms :
       {int64_t{1}, int64_t{951782400123}, int64_t{1709208000999}, int64_t{9223372035999}}) {
    auto tp = from_unix_millis(ms);
    EXPECT_EQ(parse_rfc3339(format_rfc3339(tp)), tp) << ms;
  }
}

TEST(FromEpochSeconds, RangeAndFraction) {
  EXPECT_EQ(from_epoch_seconds(1767225912.25), at_unix(1767225912, 250'000'000));
  EXPECT_FALSE(from_epoch_seconds(-1));
  EXPECT_FALSE(from_epoch_seconds(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(from_epoch_seconds(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(from_epoch_seconds(1e10));  // year 2286: past the end of TimePoint
  EXPECT_FALSE(from_epoch_seconds(253402300799.0));
}

TEST(ParseDuration, Accepts) {
  EXPECT_EQ(parse_duration("90s"), Duration{90s});
  EXPECT_EQ(parse_duration("5m"), Duration{5min});
  EXPECT_EQ(parse_duration("1h30m"), Duration{90min});
  EXPECT_EQ(parse_duration("7d"), Duration{168h});
  EXPECT_EQ(parse_duration("2w"), Duration{336h});
  EXPECT_EQ(parse_duration("1y"), Duration{365 * 24h});
  EXPECT_EQ(parse_duration("250ms"), Duration{250ms});
  EXPECT_EQ(parse_duration("1s500ms"), Duration{1500ms});
  EXPECT_EQ(parse_duration("1d2h3m4s5ms"), Duration{26h + 3min + 4s + 5ms});
  EXPECT_EQ(parse_duration("0"), Duration{0});
  EXPECT_EQ(parse_duration("0s"), Duration{0});
}

TEST(ParseDuration, Rejects) {
  for (const char* s : {"", "-5m", "5", "5x", "1m1h", "1m1m", "500ms1s", "m", "5 m", " 5m", "5m ",
                        "1.5h", "+5m", "5M"}) {
    EXPECT_FALSE(parse_duration(s)) << s;
  }
}

TEST(ParseDuration, RejectsOverflowInsteadOfWrapping) {
  // int64 nanoseconds hold about 292 years: 106751 days fit, 106752 do not.
  EXPECT_EQ(parse_duration("106751d"), Duration{106751 * 24h});
  EXPECT_FALSE(parse_duration("106752d"));
  EXPECT_FALSE(parse_duration("300y"));
  EXPECT_FALSE(parse_duration("292y52w"));  // each part fits, the sum does not
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

TEST(FormatDuration, LargestExactUnits) {
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(10min), "10m");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_duration(Duration{0}), "0s");
  EXPECT_EQ(format_duration(168h), "1w");
  EXPECT_EQ(format_duration(192h), "1w1d");
  EXPECT_EQ(format_duration(-5min), "-5m");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (Duration d : {Duration{1ms}, Duration{59s}, Duration{61min}, Duration{25h + 1ms},
                     Duration{3 * 168h + 2h}}) {
    EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
  }
}

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(at_unix(100));
  EXPECT_EQ(clock.now(), at_unix(100));
  clock.advance(5s);
  EXPECT_EQ(clock.now(), at_unix(105));
  clock.set(at_unix(7));
  EXPECT_EQ(clock.now(), at_unix(7));
}

}  // namespace
}  // namespace alertd::core
