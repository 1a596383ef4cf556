#pragma once
// On-call schedules (issue 15 §6): a rotation of people handing off at a
// wall-clock time in a time zone ("mon 09:00" in Europe/Berlin, every 1w),
// with overrides for holidays and swaps. Pure: who is on call at instant t
// is computed from the calendar, never from a clock, so replay, the API
// and escalation agree, and handoffs stay at 09:00 local across DST.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.h"
#include "core/result.h"
#include "core/time.h"
#include "correlator/time_zone.h"

namespace alertd::correlator {

/// `people:` — who can be notified, and how; schedules and escalation
/// policies name them, Slack users map to them.
struct Person {
  std::string name;
  core::Role role = core::Role::responder;  // what they may do from chat
  std::string slack_user;                   // Slack member id (U…), for <@U…> mentions
  std::string email;
  std::string phone;
};

/// When the rotation hands off: every `every`, at `minute_of_day` local time
/// (and on `weekday` when given, 0 = Sunday), counted from the first such
/// time at or after `start_day` (local), whose member is members[0].
struct Rotation {
  core::Duration every{std::chrono::hours(24 * 7)};
  std::optional<int> weekday = 1;  // the default handoff: mon 09:00
  int minute_of_day = 9 * 60;
  std::chrono::sys_days start_day{std::chrono::days(0)};  // 1970-01-01 by default
};

/// A stand-in from `from` until just before `to` (instants).
struct Override {
  core::TimePoint from;
  core::TimePoint to;
  std::string member;
};

struct OncallSchedule {
  std::string name;
  TimeZone zone;
  Rotation rotation;
  std::vector<std::string> members;  // people's names, in rotation order
  std::vector<Override> overrides;   // sorted by `from`, not overlapping
};

/// Who is on call at `t`, since when and until when (the next handoff or
/// override edge, whichever comes first).
struct OnCall {
  std::string member;
  core::TimePoint since;
  core::TimePoint until;
  bool override_active = false;
};

/// Parses `handoff` ("mon 09:00", "monday 09:00" or "09:00") with `every`
/// (at least 1h; a weekday handoff needs a whole number of weeks) and an
/// optional `start` day ("2026-01-05"). Errors: reason "invalid_rotation".
core::Result<Rotation> parse_rotation(core::Duration every, std::string_view handoff,
                                      std::string_view start);

/// nullopt when `s` has no members (config refuses that).
std::optional<OnCall> on_call_at(const OncallSchedule& s, core::TimePoint t);

/// The first two overrides that overlap, as "i and j" message text; nullopt
/// when none do. `overrides` sorted by `from`.
std::optional<std::string> overlapping_overrides(const std::vector<Override>& overrides);

}  // namespace alertd::correlator
