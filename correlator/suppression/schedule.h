#pragma once
// Recurring schedules for maintenance windows: a 5-field cron expression
// (minute hour day-of-month month day-of-week; `*`, lists, ranges, steps,
// month and day names) or a weekly `{days, start}` in a fixed UTC offset.
// Occurrences are computed from the calendar, never from a clock, so the
// same times give the same answers in replay.

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

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
  core::Duration utc_offset{0};  // wall-clock time = UTC + utc_offset
  std::string text;              // as written, for messages
};

/// Parses `m h dom mon dow` (UTC), or @hourly/@daily/@weekly/@monthly/@yearly.
/// Errors have reason "invalid_schedule" and name the field.
core::Result<Schedule> parse_cron(std::string_view expression);

/// Every listed day (mon..sun or monday..sunday, any case) at `start`
/// ("HH:MM") in `timezone`: UTC, GMT, Z, or a fixed offset (+02:00, -0530,
/// UTC+2). Named zones (Europe/Paris) need a time-zone database and are refused.
core::Result<Schedule> weekly_schedule(const std::vector<std::string>& days, std::string_view start,
                                       std::string_view timezone);

/// Parses a fixed offset as weekly_schedule() takes it.
std::optional<core::Duration> parse_utc_offset(std::string_view timezone);

/// The first occurrence strictly after `t`; nullopt when there is none in
/// the next five years (e.g. `0 0 30 2 *`).
std::optional<core::TimePoint> next_start_after(const Schedule& s, core::TimePoint t);
/// The latest occurrence at or before `t`, looking back at most `lookback`.
std::optional<core::TimePoint> last_start_at_or_before(const Schedule& s, core::TimePoint t,
                                                       core::Duration lookback);

}  // namespace alertd::correlator
