// SPDX-License-Identifier: Apache-2.0
#pragma once
// Time in sovereignd: wall-clock instants as sov::TimePoint (system_clock, UTC), durations as
// std::chrono types, never a bare integer. A Clock is passed to whatever needs "now", so tests
// use a FakeClock and never sleep.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sov {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint t) : now_(t) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(Duration d) { now_ += d; }

 private:
  TimePoint now_;
};

// Parses "YYYY-MM-DD" (midnight UTC) or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)".
// Rejects impossible dates (2026-02-30) and anything else. Returns nullopt on failure.
std::optional<TimePoint> parse_time(std::string_view text);

// True when `text` is a bare calendar date "YYYY-MM-DD".
bool is_calendar_date(std::string_view text);

// "2026-11-29T09:15:51Z" (UTC, whole seconds).
std::string format_rfc3339(TimePoint t);
// "2026-11-29" (UTC).
std::string format_date(TimePoint t);

// Parses a duration: an unsigned integer then a unit, ms s m h d w y (y = 365 d), e.g. "30d",
// "10s", "1h". Several parts may follow each other ("1h30m"). Returns nullopt on failure.
std::optional<Duration> parse_duration(std::string_view text);
// The shortest exact form: "30d", "1h", "1500ms".
std::string format_duration(Duration d);

// Seconds since the Unix epoch.
int64_t to_unix_seconds(TimePoint t);
TimePoint from_unix_seconds(int64_t s);

}  // namespace sov
