#pragma once
// Time zones as configs name them: UTC (GMT, Z), a fixed offset (+02:00,
// -0530, UTC+2), or an IANA name (Europe/Berlin) read from the system's tz
// database (/usr/share/zoneinfo, Debian's tzdata) through Howard Hinnant's
// date/tz library. Named zones follow daylight-saving changes, so a handoff
// at "mon 09:00" in Berlin is at 09:00 local in winter and in summer.
//
// Wall-clock times are carried as core::TimePoint whose fields are the
// local calendar date and time (sys_time arithmetic on local fields), the
// way date::local_time works, so schedule code can walk days and minutes.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace date {
class time_zone;
}

namespace alertd::correlator {

class TimeZone {
 public:
  /// UTC.
  TimeZone() = default;

  /// A zone by name; errors (reason "invalid_timezone") name it.
  static core::Result<TimeZone> parse(std::string_view name);

  /// The wall-clock time at instant `utc`.
  core::TimePoint to_local(core::TimePoint utc) const;
  /// The instant of wall-clock time `local`. A time the clock skips (the
  /// spring-forward gap) is the instant the clock jumps; a time it shows
  /// twice (the autumn overlap) is the first of the two.
  core::TimePoint to_utc(core::TimePoint local) const;

  /// As written in the config ("UTC" for the default).
  const std::string& name() const { return name_; }
  bool fixed() const { return zone_ == nullptr; }

 private:
  const date::time_zone* zone_ = nullptr;  // null: the fixed offset
  core::Duration offset_{0};               // wall = UTC + offset_, when fixed
  std::string name_ = "UTC";
};

/// A fixed offset as TimeZone::parse takes it (UTC, +02:00, -0530, UTC+2);
/// nullopt for anything else.
std::optional<core::Duration> parse_utc_offset(std::string_view timezone);

}  // namespace alertd::correlator
