#pragma once
// Recurring schedules for maintenance windows: a 5-field cron expression
// (minute hour day-of-month month day-of-week; `*`, lists, ranges, steps,
// month and day names) or a weekly `{days, start}`, in a time zone (UTC, a
// fixed offset, or an IANA name whose daylight-saving changes it follows).
// Occurrences are computed from the calendar, never from a clock, so the
// same times give the same answers in replay.

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "correlator/time_zone.h"

namespace alertd::correlator {

struct Schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31
  std::bitset<13> months;         // 1..12
  std::bitset<7> days_of_week;    // 0 = Sunday
  // Cron's day rule: when either day field starts with `*` a day must match
  // both; when both are restricted, either one is enough.
  bool any_day_of_month = true;
  bool any_day_of_week = true;
  TimeZone zone;     // the fields are wall-clock times in it
  std::string text;  // as written, for messages
};

/// Parses `m h dom mon dow`, or @hourly/@daily/@weekly/@monthly/@yearly, in
/// `zone`. Errors have reason "invalid_schedule" and name the field.
core::Result<Schedule> parse_cron(std::string_view expression, const TimeZone& zone = {});

/// 0 (Sunday) to 6 for mon..sun or monday..sunday, any case.
std::optional<int> weekday_number(std::string_view name);
/// "HH:MM" (two digits each, 00:00 to 23:59) as minutes after midnight.
std::optional<int> minute_of_day(std::string_view hhmm);

/// Every listed day (mon..sun or monday..sunday, any case) at `start`
/// ("HH:MM") in `timezone` (TimeZone::parse: UTC, +02:00, Europe/Paris).
core::Result<Schedule> weekly_schedule(const std::vector<std::string>& days, std::string_view start,
                                       std::string_view timezone);

/// The first occurrence strictly after `t`; nullopt when there is none in
/// the next five years (e.g. `0 0 30 2 *`). A wall time the clock skips in
/// spring starts at the jump; one it shows twice in autumn starts once.
std::optional<core::TimePoint> next_start_after(const Schedule& s, core::TimePoint t);
/// The latest occurrence at or before `t`, looking back at most `lookback`.
std::optional<core::TimePoint> last_start_at_or_before(const Schedule& s, core::TimePoint t,
                                                       core::Duration lookback);

}  // namespace alertd::correlator
