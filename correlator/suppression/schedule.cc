#include "correlator/suppression/schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>

namespace alertd::correlator {

namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::minutes;
using std::chrono::sys_days;

// Five years of days: far enough for any real schedule, and a bound on work.
constexpr int kSearchDays = 5 * 366 + 2;

core::Error invalid(std::string message) {
  return core::Error{"invalid_schedule", std::move(message)};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::array<std::string_view, 7> kDayNames{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kFullDayNames{
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};

struct Field {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names = nullptr;  // names[i] stands for min + i
  size_t name_count = 0;
};

std::optional<int> parse_value(std::string_view text, const Field& f) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size()) return v;
  std::string name = lower(text);
  for (size_t i = 0; i < f.name_count; ++i) {
    if (name == f.names[i]) return f.min + static_cast<int>(i);
  }
  return std::nullopt;
}

// One comma-separated item: `*`, `N`, `N-M`, each with an optional `/step`.
core::Status parse_item(std::string_view item, const Field& f, std::vector<bool>& set) {
  int step = 1;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    auto s = parse_value(item.substr(slash + 1), Field{f.name, 1, f.max});
    if (!s || *s < 1)
      return invalid(std::string(f.name) + ": bad step in \"" + std::string(item) + "\"");
    step = *s;
    item = item.substr(0, slash);
  }
  int lo = f.min;
  int hi = f.max;
  if (item != "*") {
    auto dash = item.find('-');
    auto first = parse_value(item.substr(0, dash), f);
    if (!first)
      return invalid(std::string(f.name) + ": \"" + std::string(item) + "\" is not a value");
    lo = *first;
    if (dash != std::string_view::npos) {
      auto last = parse_value(item.substr(dash + 1), f);
      if (!last)
        return invalid(std::string(f.name) + ": \"" + std::string(item) + "\" is not a range");
      hi = *last;
    } else {
      hi = step > 1 ? f.max : lo;  // `5/15` means 5-max/15
    }
  }
  if (lo < f.min || hi > f.max || lo > hi) {
    return invalid(std::string(f.name) + ": \"" + std::string(item) + "\" is outside " +
                   std::to_string(f.min) + "-" + std::to_string(f.max));
  }
  for (int v = lo; v <= hi; v += step) set[static_cast<size_t>(v)] = true;
  return {};
}

core::Status parse_field(std::string_view text, const Field& f, std::vector<bool>& set) {
  set.assign(static_cast<size_t>(f.max) + 1, false);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    auto item = text.substr(pos, comma - pos);
    if (item.empty()) return invalid(std::string(f.name) + ": empty list item");
    if (auto st = parse_item(item, f, set); !st) return st;
    pos = comma + 1;
  }
  return {};
}

template <size_t N>
void copy_bits(const std::vector<bool>& from, std::bitset<N>& to) {
  for (size_t i = 0; i < N && i < from.size(); ++i) to[i] = from[i];
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    size_t begin = pos;
    while (pos < text.size() && !std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos > begin) out.push_back(text.substr(begin, pos - begin));
  }
  return out;
}

std::string_view expand_macro(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return text;
}

bool day_matches(const Schedule& s, sys_days day) {
  std::chrono::year_month_day ymd{day};
  if (!s.months[static_cast<unsigned>(ymd.month())]) return false;
  bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
  bool dow = s.days_of_week[std::chrono::weekday{day}.c_encoding()];
  if (s.any_day_of_month || s.any_day_of_week) return dom && dow;
  return dom || dow;
}

}  // namespace

core::Result<Schedule> parse_cron(std::string_view expression, const TimeZone& zone) {
  auto fields = split_spaces(expand_macro(expression));
  if (fields.size() != 5) {
    return invalid("cron \"" + std::string(expression) +
                   "\": expected 5 fields (minute hour day-of-month month day-of-week)");
  }
  Schedule s;
  s.zone = zone;
  s.text = std::string(expression);
  if (!zone.fixed() || zone.name() != "UTC") s.text += " " + zone.name();
  std::vector<bool> set;
  const Field specs[] = {{"minute", 0, 59},
                         {"hour", 0, 23},
                         {"day-of-month", 1, 31},
                         {"month", 1, 12, kMonthNames.data(), kMonthNames.size()},
                         {"day-of-week", 0, 7, kDayNames.data(), kDayNames.size()}};
  for (size_t i = 0; i < 5; ++i) {
    if (auto st = parse_field(fields[i], specs[i], set); !st) {
      return invalid("cron \"" + std::string(expression) + "\": " + st.error().message);
    }
    switch (i) {
      case 0: copy_bits(set, s.minutes); break;
      case 1: copy_bits(set, s.hours); break;
      case 2: copy_bits(set, s.days_of_month); break;
      case 3: copy_bits(set, s.months); break;
      case 4:
        if (set[7]) set[0] = true;  // 7 is Sunday too
        copy_bits(set, s.days_of_week);
        break;
    }
  }
  s.any_day_of_month = fields[2].front() == '*';
  s.any_day_of_week = fields[4].front() == '*';
  return s;
}

std::optional<int> weekday_number(std::string_view name) {
  const std::string text = lower(name);
  for (size_t i = 0; i < kDayNames.size(); ++i) {
    if (text == kDayNames[i] || text == kFullDayNames[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<int> minute_of_day(std::string_view hhmm) {
  int h = -1;
  int m = -1;
  if (hhmm.size() == 5 && hhmm[2] == ':') {
    std::from_chars(hhmm.data(), hhmm.data() + 2, h);
    std::from_chars(hhmm.data() + 3, hhmm.data() + 5, m);
  }
  if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
  return h * 60 + m;
}

core::Result<Schedule> weekly_schedule(const std::vector<std::string>& days, std::string_view start,
                                       std::string_view timezone) {
  Schedule s;
  if (days.empty()) return invalid("weekly: days must list at least one day");
  for (const auto& d : days) {
    const auto index = weekday_number(d);
    if (!index) return invalid("weekly: \"" + d + "\" is not a day (mon..sun)");
    s.days_of_week[static_cast<size_t>(*index)] = true;
  }
  const auto minute = minute_of_day(start);
  if (!minute) return invalid("weekly: start \"" + std::string(start) + "\" is not HH:MM");
  auto zone = TimeZone::parse(timezone);
  if (!zone.ok()) return invalid("weekly: " + zone.error().message);
  s.minutes[static_cast<size_t>(*minute % 60)] = true;
  s.hours[static_cast<size_t>(*minute / 60)] = true;
  s.days_of_month.set();
  s.days_of_month[0] = false;
  s.months.set();
  s.months[0] = false;
  s.any_day_of_month = true;
  s.any_day_of_week = false;
  s.zone = *zone;
  s.text = "weekly " + std::string(start) + " " + std::string(timezone);
  return s;
}

std::optional<core::TimePoint> next_start_after(const Schedule& s, core::TimePoint t) {
  // The first whole minute strictly after t, in wall-clock time.
  auto first = floor<minutes>(s.zone.to_local(t)) + minutes(1);
  sys_days day = floor<days>(first);
  auto into_day = first - day;
  int h0 = static_cast<int>(into_day.count() / 60);
  int m0 = static_cast<int>(into_day.count() % 60);
  for (int i = 0; i < kSearchDays; ++i, day += days(1), h0 = 0, m0 = 0) {
    if (!day_matches(s, day)) continue;
    for (int h = h0; h < 24; ++h) {
      if (!s.hours[static_cast<size_t>(h)]) continue;
      for (int m = h == h0 ? m0 : 0; m < 60; ++m) {
        if (!s.minutes[static_cast<size_t>(m)]) continue;
        auto at = s.zone.to_utc(core::TimePoint(day) + std::chrono::hours(h) + minutes(m));
        if (at <= t) continue;  // the first of a time shown twice has passed
        return at;
      }
    }
  }
  return std::nullopt;
}

std::optional<core::TimePoint> last_start_at_or_before(const Schedule& s, core::TimePoint t,
                                                       core::Duration lookback) {
  auto last = floor<minutes>(s.zone.to_local(t));
  sys_days day = floor<days>(last);
  auto into_day = last - day;
  int h0 = static_cast<int>(into_day.count() / 60);
  int m0 = static_cast<int>(into_day.count() % 60);
  auto max_days = std::chrono::duration_cast<days>(lookback).count() + 2;
  for (int64_t i = 0; i < max_days && i < kSearchDays; ++i, day -= days(1), h0 = 23, m0 = 59) {
    if (!day_matches(s, day)) continue;
    for (int h = h0; h >= 0; --h) {
      if (!s.hours[static_cast<size_t>(h)]) continue;
      for (int m = h == h0 ? m0 : 59; m >= 0; --m) {
        if (!s.minutes[static_cast<size_t>(m)]) continue;
        auto start = s.zone.to_utc(core::TimePoint(day) + std::chrono::hours(h) + minutes(m));
        if (start > t) continue;
        if (t - start > lookback) return std::nullopt;
        return start;
      }
    }
  }
  return std::nullopt;
}

}  // namespace alertd::correlator
