// SPDX-License-Identifier: Apache-2.0
#include "daemon/engine/scheduler.h"

#include <algorithm>
#include <cstdint>

namespace sov::engine {

double splay_fraction(std::string_view target_id) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : target_id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
}

TimePoint next_due(std::optional<TimePoint> last_started, TimePoint now, Duration interval,
                   double jitter, std::string_view target_id) {
  const double s = splay_fraction(target_id);
  const double span = std::chrono::duration<double>(interval).count() * jitter;
  if (!last_started) {
    return now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(span * s));
  }
  return *last_started + interval +
         std::chrono::duration_cast<Duration>(std::chrono::duration<double>(span * (2 * s - 1)));
}

void Scheduler::set_targets(const std::vector<SchedTarget>& targets, TimePoint now) {
  std::map<std::string, Entry> next;
  for (const auto& t : targets) {
    auto it = entries_.find(t.id);
    if (it != entries_.end()) {
      Entry e = it->second;
      bool changed = e.target.interval != t.interval;
      e.target = t;
      if (changed && !e.in_flight) e.due = next_due(e.last_started, now, t.interval, jitter_, t.id);
      next.emplace(t.id, std::move(e));
    } else {
      Entry e{t, std::nullopt, next_due(std::nullopt, now, t.interval, jitter_, t.id), false};
      next.emplace(t.id, std::move(e));
    }
  }
  entries_ = std::move(next);
}

void Scheduler::set_limits(Limits limits, double jitter) {
  limits_ = limits;
  jitter_ = jitter;
}

std::vector<std::string> Scheduler::take_due(TimePoint now) {
  std::vector<Entry*> due;
  for (auto& [id, e] : entries_) {
    if (!e.in_flight && e.due <= now) due.push_back(&e);
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const Entry* a, const Entry* b) { return a->due < b->due; });
  std::vector<std::string> out;
  for (Entry* e : due) {
    if (in_flight_total_ >= limits_.global) break;
    const std::string& host = e->target.host;
    if (!host.empty() && host_in_flight_[host] >= limits_.per_host) continue;
    e->in_flight = true;
    ++in_flight_total_;
    if (!host.empty()) ++host_in_flight_[host];
    running_[e->target.id] = host;
    out.push_back(e->target.id);
  }
  return out;
}

void Scheduler::finished(const std::string& id, TimePoint started, TimePoint now) {
  // The counters follow what was started, even if a reload removed the target meanwhile.
  auto r = running_.find(id);
  if (r == running_.end()) return;
  --in_flight_total_;
  if (!r->second.empty()) {
    auto h = host_in_flight_.find(r->second);
    if (h != host_in_flight_.end() && --h->second == 0) host_in_flight_.erase(h);
  }
  running_.erase(r);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  e.in_flight = false;
  e.last_started = started;
  e.due = next_due(started, now, e.target.interval, jitter_, id);
}

bool Scheduler::force(const std::optional<std::string>& id, TimePoint now) {
  if (id) {
    auto it = entries_.find(*id);
    if (it == entries_.end()) return false;
    it->second.due = std::min(it->second.due, now);
    return true;
  }
  for (auto& [k, e] : entries_) e.due = std::min(e.due, now);
  return true;
}

std::optional<TimePoint> Scheduler::next_wake() const {
  std::optional<TimePoint> best;
  for (const auto& [id, e] : entries_) {
    if (e.in_flight) continue;
    if (!best || e.due < *best) best = e.due;
  }
  return best;
}

std::optional<TimePoint> Scheduler::due_of(const std::string& id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.due;
}

}  // namespace sov::engine
