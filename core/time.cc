#include "core/time.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace alertd::core {

namespace {

// Howard Hinnant's days_from_civil: proleptic Gregorian date -> days since 1970-01-01.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at pos; advances pos.
bool read_digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

// TimePoint counts int64 nanoseconds, so it ends in 2262-04-11; whole
// seconds up to this one plus any fraction still fit without overflow.
constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 ||
      day > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos >= s.size()) return std::nullopt;  // an offset is required
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh = 0, om = 0;
    if (!read_digits(s, pos, 2, oh)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') ++pos;  // CloudWatch writes +0000
    if (!read_digits(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (year < 1970) return kNoTime;  // Alertmanager's 0001-01-01 "zero time"
  if (second == 60) second = 59;    // leap second: clamp
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  if (secs > kMaxSeconds) return std::nullopt;  // past 2262: not representable
  return TimePoint{std::chrono::seconds{secs} + std::chrono::nanoseconds{nanos}};
}

std::string format_rfc3339(TimePoint t) {
  if (t == kNoTime) return {};
  auto ms = to_unix_millis(t);
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t millis = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (Hinnant)
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[96];  // sized for the widest values the format could print
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60),
                static_cast<long long>(millis));
  return buf;
}

std::optional<TimePoint> from_epoch_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > static_cast<double>(kMaxSeconds)) {
    return std::nullopt;
  }
  auto whole = static_cast<int64_t>(seconds);
  auto nanos = static_cast<int64_t>(std::llround((seconds - static_cast<double>(whole)) * 1e9));
  return TimePoint{std::chrono::seconds{whole} + std::chrono::nanoseconds{nanos}};
}

std::optional<Duration> parse_duration(std::string_view s) {
  using namespace std::chrono;
  if (s.empty()) return std::nullopt;
  if (s == "0") return Duration{0};
  struct Unit {
    std::string_view name;
    Duration size;
  };
  // Order matters: "ms" must be tried before "m". Units must appear largest first.
  static const Unit kUnits[] = {
      {"y", hours{24 * 365}},  {"w", hours{24 * 7}}, {"d", hours{24}},  {"h", hours{1}},
      {"ms", milliseconds{1}}, {"m", minutes{1}},    {"s", seconds{1}},
  };
  static constexpr int kRank[] = {0, 1, 2, 3, 6, 4, 5};  // position in largest-first order
  Duration total{0};
  size_t pos = 0;
  int last_rank = -1;
  while (pos < s.size()) {
    size_t start = pos;
    int64_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n > 1'000'000'000'000LL) return std::nullopt;
      n = n * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    bool matched = false;
    for (size_t u = 0; u < std::size(kUnits); ++u) {
      const auto& unit = kUnits[u];
      if (s.substr(pos, unit.name.size()) != unit.name) continue;
      if (unit.name == "m" && s.substr(pos, 2) == "ms") continue;
      if (kRank[u] <= last_rank) return std::nullopt;  // repeated or out of order
      last_rank = kRank[u];
      // Checked before multiplying: signed overflow is UB, and the compiler
      // had folded the old after-the-fact check away.
      if (n > (Duration::max() - total) / unit.size) return std::nullopt;
      total += unit.size * n;
      pos += unit.name.size();
      matched = true;
      break;
    }
    if (!matched) return std::nullopt;
  }
  return total;
}

std::string format_duration(Duration d) {
  using namespace std::chrono;
  if (d == Duration{0}) return "0s";
  std::string out;
  if (d < Duration{0}) {
    out += '-';
    d = -d;
  }
  auto ms = duration_cast<milliseconds>(d).count();
  struct Unit {
    const char* name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {{"w", 604800000}, {"d", 86400000}, {"h", 3600000},
                                    {"m", 60000},     {"s", 1000},     {"ms", 1}};
  for (const auto& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out += u.name;
      ms %= u.ms;
    }
  }
  return out.size() <= 1 ? out + "0s" : out;
}

}  // namespace alertd::core
