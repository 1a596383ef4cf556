#include "correlator/oncall/schedule.h"

#include <algorithm>
#include <numeric>

#include "correlator/suppression/schedule.h"

namespace alertd::correlator {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

core::Error invalid(std::string message) {
  return core::Error{"invalid_rotation", std::move(message)};
}

std::optional<sys_days> parse_day(std::string_view text) {
  // YYYY-MM-DD, checked as a real calendar date.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  auto digits = [&](size_t from, size_t n, auto& out) {
    for (size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + static_cast<std::remove_reference_t<decltype(out)>>(text[i] - '0');
    }
    return true;
  };
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd);
}

// The first handoff at or after the start day, as a wall-clock time.
core::TimePoint first_handoff(const Rotation& r) {
  sys_days day = r.start_day;
  if (r.weekday) {
    while (static_cast<int>(std::chrono::weekday(day).c_encoding()) != *r.weekday) day += days(1);
  }
  return core::TimePoint(day) + std::chrono::minutes(r.minute_of_day);
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The rotation's turn at `t`: its index (from the first handoff) and its
// bounds. Walked in wall-clock time, so a DST change moves no handoff.
struct Turn {
  int64_t index;
  core::TimePoint since;
  core::TimePoint until;
};

Turn turn_at(const OncallSchedule& s, core::TimePoint t) {
  const auto anchor = first_handoff(s.rotation);
  const auto every = s.rotation.every;
  int64_t k = floor_div((s.zone.to_local(t) - anchor).count(), every.count());
  // In the autumn overlap a wall time shows twice: the handoff is the first.
  if (s.zone.to_utc(anchor + (k + 1) * every) <= t) ++k;
  return {k, s.zone.to_utc(anchor + k * every), s.zone.to_utc(anchor + (k + 1) * every)};
}

}  // namespace

core::Result<Rotation> parse_rotation(core::Duration every, std::string_view handoff,
                                      std::string_view start) {
  Rotation r;
  if (every < std::chrono::hours(1)) return invalid("every: at least 1h");
  if (every % std::chrono::minutes(1) != core::Duration(0)) {
    return invalid("every: whole minutes");
  }
  r.every = every;
  std::string_view time = handoff;
  if (const auto space = handoff.find(' '); space != std::string_view::npos) {
    r.weekday = weekday_number(handoff.substr(0, space));
    if (!r.weekday) {
      return invalid("handoff: \"" + std::string(handoff.substr(0, space)) +
                     "\" is not a day (mon..sun)");
    }
    time = handoff.substr(handoff.find_first_not_of(' ', space));
    if (every % days(7) != core::Duration(0)) {
      return invalid("a handoff on a weekday needs every: a whole number of weeks");
    }
  }
  const auto minute = minute_of_day(time);
  if (!minute) {
    return invalid("handoff: \"" + std::string(handoff) + "\" is not \"HH:MM\" or \"mon HH:MM\"");
  }
  r.minute_of_day = *minute;
  if (!start.empty()) {
    const auto day = parse_day(start);
    if (!day) return invalid("start: \"" + std::string(start) + "\" is not YYYY-MM-DD");
    r.start_day = *day;
  }
  return r;
}

std::optional<OnCall> on_call_at(const OncallSchedule& s, core::TimePoint t) {
  if (s.members.empty()) return std::nullopt;
  for (const auto& o : s.overrides) {
    if (o.from <= t && t < o.to) return OnCall{o.member, o.from, o.to, true};
  }
  const Turn turn = turn_at(s, t);
  const auto n = static_cast<int64_t>(s.members.size());
  OnCall out{s.members[static_cast<size_t>(((turn.index % n) + n) % n)], turn.since, turn.until,
             false};
  // An override that ended within this turn, or starts before its end,
  // bounds it.
  for (const auto& o : s.overrides) {
    if (o.to <= t && o.to > out.since) out.since = o.to;
    if (o.from > t && o.from < out.until) out.until = o.from;
  }
  return out;
}

std::optional<std::string> overlapping_overrides(const std::vector<Override>& overrides) {
  std::vector<size_t> order(overrides.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return overrides[a].from < overrides[b].from; });
  for (size_t i = 1; i < order.size(); ++i) {
    const auto& before = overrides[order[i - 1]];
    const auto& after = overrides[order[i]];
    if (after.from < before.to) {
      const auto [a, b] = std::minmax(order[i - 1], order[i]);
      return "overrides[" + std::to_string(a) + "] and overrides[" + std::to_string(b) +
             "] overlap";
    }
  }
  return std::nullopt;
}

}  // namespace alertd::correlator
