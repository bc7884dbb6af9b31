// SPDX-License-Identifier: Apache-2.0
#pragma once
// The scheduler's arithmetic, free of timers and threads so it is tested against a FakeClock
// with no sleeping (STYLE.md B8, B13). The daemon's runner (runner.h) asks it which targets are
// due, starts them, and tells it when each finished; one steady_timer wakes the runner at
// next_wake().
//
// Jitter is a deterministic splay (osquery's splayValue idea, without the randomness): each
// target's offset is a fixed fraction of its interval derived from its id, so targets with the
// same interval spread out and a restart does not bunch them together, and tests can predict
// every due time.
//
// Threading: none; one Scheduler is used from the runner's loop thread only.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/time.h"

namespace sov::engine {

/// A number in [0, 1) fixed for `target_id` (FNV-1a of the id).
double splay_fraction(std::string_view target_id);

/// When a target is next due. First run (`last_started` empty): `now` plus
/// interval * jitter * splay, spreading first scans over the jitter window. Afterwards:
/// last_started + interval + interval * jitter * (2 * splay - 1), i.e. within +-jitter of the
/// interval, never earlier than `now` would allow callers to skip (the result may lie in the past
/// when a scan overran; the target is then due at once). Requires: 0 <= jitter < 1.
TimePoint next_due(std::optional<TimePoint> last_started, TimePoint now, Duration interval,
                   double jitter, std::string_view target_id);

struct SchedTarget {
  std::string id;
  std::string host;  // "" when the target has no network endpoint (no per-host bound)
  Duration interval{};
};

struct Limits {
  size_t global = 64;   // probes in flight overall
  size_t per_host = 4;  // probes in flight against one host
};

class Scheduler {
 public:
  Scheduler(Limits limits, double jitter) : limits_(limits), jitter_(jitter) {}

  /// Replaces the target list (at start and on reload). Targets already known keep their last
  /// start and due time unless their interval changed; new ones get a first due time from `now`;
  /// removed ones are forgotten (a run in flight still finishes).
  void set_targets(const std::vector<SchedTarget>& targets, TimePoint now);
  void set_limits(Limits limits, double jitter);

  /// The targets due at `now`, in due order, marked in flight, within the global and per-host
  /// bounds; those held back by a bound stay due for the next call.
  std::vector<std::string> take_due(TimePoint now);

  /// A run of `id` that started at `started` ended; computes its next due time from `started`.
  void finished(const std::string& id, TimePoint started, TimePoint now);

  /// Makes `id` (or every target when empty) due at `now` (scan-now). kNotFound-like: returns
  /// false when `id` is unknown.
  bool force(const std::optional<std::string>& id, TimePoint now);

  /// The earliest due time among targets not in flight; nullopt when there is none.
  std::optional<TimePoint> next_wake() const;

  size_t in_flight() const { return in_flight_total_; }
  std::optional<TimePoint> due_of(const std::string& id) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    SchedTarget target;
    std::optional<TimePoint> last_started;
    TimePoint due{};
    bool in_flight = false;
  };
  Limits limits_;
  double jitter_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, size_t> host_in_flight_;
  std::map<std::string, std::string> running_;  // id -> host of each run in flight
  size_t in_flight_total_ = 0;
};

}  // namespace sov::engine
