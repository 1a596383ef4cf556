#include "correlator/time_zone.h"

#include <date/tz.h>

#include <cctype>
#include <stdexcept>

namespace alertd::correlator {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The tz database is read once, on first use, and lives for the process: its
// zones' addresses are stable, so a TimeZone keeps a plain pointer.
const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

std::optional<core::Duration> parse_utc_offset(std::string_view tz) {
  std::string t = lower(tz);
  if (t == "utc" || t == "gmt" || t == "z" || t == "etc/utc") return core::Duration{0};
  std::string_view rest = t;
  if (rest.starts_with("utc") || rest.starts_with("gmt")) rest.remove_prefix(3);
  if (rest.empty() || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
  int sign = rest[0] == '-' ? -1 : 1;
  rest.remove_prefix(1);
  std::string digits;
  for (char c : rest) {
    if (c == ':') continue;
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += c;
  }
  int hours = 0;
  int mins = 0;
  if (digits.size() == 1 || digits.size() == 2) {
    hours = std::stoi(digits);
  } else if (digits.size() == 4) {
    hours = std::stoi(digits.substr(0, 2));
    mins = std::stoi(digits.substr(2));
  } else {
    return std::nullopt;
  }
  if (hours > 14 || mins > 59) return std::nullopt;
  return sign * (std::chrono::hours(hours) + std::chrono::minutes(mins));
}

core::Result<TimeZone> TimeZone::parse(std::string_view name) {
  TimeZone zone;
  zone.name_ = std::string(name);
  if (auto offset = parse_utc_offset(name)) {
    zone.offset_ = *offset;
    return zone;
  }
  // IANA names have a '/' (Europe/Berlin) or are one of the few without
  // (Japan, EST5EDT); the database decides.
  zone.zone_ = name.empty() ? nullptr : find_zone(name);
  if (zone.zone_ == nullptr) {
    return core::Error{"invalid_timezone",
                       "time zone \"" + std::string(name) +
                           "\" is neither UTC, a fixed offset (+02:00) nor a name of the "
                           "system's tz database (Europe/Berlin; Debian package tzdata)"};
  }
  return zone;
}

core::TimePoint TimeZone::to_local(core::TimePoint utc) const {
  if (zone_ == nullptr) return utc + offset_;
  const auto local = zone_->to_local(utc);
  return core::TimePoint(local.time_since_epoch());
}

core::TimePoint TimeZone::to_utc(core::TimePoint local) const {
  if (zone_ == nullptr) return local - offset_;
  const date::local_time<core::Duration> wall(local.time_since_epoch());
  return zone_->to_sys(wall, date::choose::earliest);
}

}  // namespace alertd::correlator
