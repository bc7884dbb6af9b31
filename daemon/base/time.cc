// SPDX-License-Identifier: Apache-2.0
#include "daemon/base/time.h"

#include <cctype>
#include <cstdio>

namespace sov {

namespace {

bool read_digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<std::chrono::sys_days> parse_ymd(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() < 10 || !read_digits(s, 0, 4, &y) || s[4] != '-' || !read_digits(s, 5, 2, &m) ||
      s[7] != '-' || !read_digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  // TimePoint counts nanoseconds from 1970: keep far from its +-292 year range.
  if (y < 1900 || y > 2200) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y},
                                  std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

}  // namespace

bool is_calendar_date(std::string_view text) {
  return text.size() == 10 && parse_ymd(text).has_value();
}

std::optional<TimePoint> parse_time(std::string_view s) {
  auto day = parse_ymd(s);
  if (!day) return std::nullopt;
  TimePoint t = TimePoint(std::chrono::duration_cast<Duration>(day->time_since_epoch()));
  if (s.size() == 10) return t;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!read_digits(s, 11, 2, &hh) || s.size() < 19 || s[13] != ':' || !read_digits(s, 14, 2, &mm) ||
      s[16] != ':' || !read_digits(s, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  t += std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t frac = 0, scale = 1;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (pos - start < 9) {
        frac = frac * 10 + (s[pos] - '0');
        scale *= 10;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    t +=
        std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(frac * (1000000000 / scale)));
  }
  if (pos >= s.size()) return std::nullopt;  // RFC 3339 needs an offset
  if (s[pos] == 'Z' || s[pos] == 'z') {
    return pos + 1 == s.size() ? std::optional<TimePoint>(t) : std::nullopt;
  }
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  int oh = 0, om = 0;
  if (s.size() != pos + 6 || !read_digits(s, pos + 1, 2, &oh) || s[pos + 3] != ':' ||
      !read_digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
    return std::nullopt;
  }
  auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
  return s[pos] == '+' ? t - offset : t + offset;
}

std::string format_rfc3339(TimePoint t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto day = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{secs - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string format_date(TimePoint t) { return format_rfc3339(t).substr(0, 10); }

std::optional<Duration> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  Duration total{0};
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    int64_t n = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (n > 1000000000) return std::nullopt;
      n = n * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    size_t ustart = pos;
    while (pos < s.size() && std::isalpha(static_cast<unsigned char>(s[pos]))) ++pos;
    std::string_view unit = s.substr(ustart, pos - ustart);
    using namespace std::chrono;
    // Cap each part (and the total below) at 200 years so nanosecond arithmetic cannot overflow.
    constexpr int64_t kMaxSeconds = 200LL * 366 * 86400;
    int64_t unit_seconds = unit == "ms"  ? 0
                           : unit == "s" ? 1
                           : unit == "m" ? 60
                           : unit == "h" ? 3600
                           : unit == "d" ? 86400
                           : unit == "w" ? 7 * 86400
                           : unit == "y" ? 365 * 86400
                                         : -1;
    if (unit_seconds < 0) return std::nullopt;
    if (unit_seconds > 0 && n > kMaxSeconds / unit_seconds) return std::nullopt;
    if (unit == "ms")
      total += duration_cast<Duration>(milliseconds(n));
    else if (unit == "s")
      total += duration_cast<Duration>(seconds(n));
    else if (unit == "m")
      total += duration_cast<Duration>(minutes(n));
    else if (unit == "h")
      total += duration_cast<Duration>(hours(n));
    else if (unit == "d")
      total += duration_cast<Duration>(days(n));
    else if (unit == "w")
      total += duration_cast<Duration>(weeks(n));
    else if (unit == "y")
      total += duration_cast<Duration>(days(365 * n));
    else
      return std::nullopt;
    if (total > duration_cast<Duration>(seconds(kMaxSeconds))) return std::nullopt;
  }
  return total;
}

std::string format_duration(Duration d) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(d).count();
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86400000LL * 7, "w"}, {86400000LL, "d"}, {3600000LL, "h"}, {60000LL, "m"}, {1000LL, "s"}};
  if (ms == 0) return "0s";
  for (const auto& u : kUnits) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  }
  return std::to_string(ms) + "ms";
}

int64_t to_unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_seconds(int64_t s) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::seconds(s)));
}

}  // namespace sov
