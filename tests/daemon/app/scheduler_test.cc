// SPDX-License-Identifier: Apache-2.0
// The scheduler's arithmetic against a FakeClock: no timers, no sleeping (STYLE.md B13).
// (Lives with the daemon's tests: tests/daemon/engine belongs to the pipeline's owner.)
#include "daemon/engine/scheduler.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using sov::Duration;
using sov::FakeClock;
using sov::TimePoint;
using sov::engine::Limits;
using sov::engine::next_due;
using sov::engine::Scheduler;
using sov::engine::splay_fraction;

const TimePoint kT0 = sov::from_unix_seconds(1'800'000'000);

TEST(Scheduler, SplayIsStablePerTargetAndSpread) {
  EXPECT_EQ(splay_fraction("web-1"), splay_fraction("web-1"));
  EXPECT_NE(splay_fraction("web-1"), splay_fraction("web-2"));
  for (const char* id : {"", "a", "web-1", "hdh-aws-paris"}) {
    EXPECT_GE(splay_fraction(id), 0.0);
    EXPECT_LT(splay_fraction(id), 1.0);
  }
}

TEST(Scheduler, NextDueStaysWithinTheJitterWindow) {
  for (const char* id : {"a", "b", "c", "web-1", "db-7"}) {
    TimePoint first = next_due(std::nullopt, kT0, 1h, 0.1, id);
    EXPECT_GE(first, kT0);
    EXPECT_LT(first, kT0 + 6min);
    TimePoint next = next_due(kT0, kT0 + 5s, 1h, 0.1, id);
    EXPECT_GE(next, kT0 + 54min);
    EXPECT_LT(next, kT0 + 66min);
  }
  // Without jitter: exactly the interval, first run at once.
  EXPECT_EQ(next_due(std::nullopt, kT0, 1h, 0.0, "x"), kT0);
  EXPECT_EQ(next_due(kT0, kT0 + 1s, 1h, 0.0, "x"), kT0 + 1h);
}

TEST(Scheduler, RunsEachTargetAtItsOwnInterval) {
  FakeClock clock(kT0);
  Scheduler s({64, 4}, 0.0);
  s.set_targets({{"fast", "", 10s}, {"slow", "", 1min}}, clock.now());
  auto due = s.take_due(clock.now());
  ASSERT_EQ(due.size(), 2u);
  s.finished("fast", kT0, clock.now() + 1s);
  s.finished("slow", kT0, clock.now() + 1s);
  EXPECT_EQ(s.next_wake(), kT0 + 10s);
  clock.advance(10s);
  EXPECT_EQ(s.take_due(clock.now()), std::vector<std::string>{"fast"});
  s.finished("fast", clock.now(), clock.now());
  clock.set(kT0 + 1min);
  auto both = s.take_due(clock.now());
  EXPECT_EQ(both.size(), 2u);
}

TEST(Scheduler, HonoursGlobalAndPerHostBounds) {
  FakeClock clock(kT0);
  Scheduler s({3, 2}, 0.0);
  s.set_targets({{"a1", "host-a", 1h},
                 {"a2", "host-a", 1h},
                 {"a3", "host-a", 1h},
                 {"b1", "host-b", 1h},
                 {"b2", "host-b", 1h},
                 {"d", "", 1h}},
                clock.now());
  auto first = s.take_due(clock.now());
  ASSERT_EQ(first.size(), 3u);  // global bound
  EXPECT_EQ(s.in_flight(), 3u);
  int on_a = 0;
  for (const auto& id : first) on_a += id[0] == 'a';
  EXPECT_LE(on_a, 2);
  // Nothing more while the bound is reached.
  EXPECT_TRUE(s.take_due(clock.now()).empty());
  for (const auto& id : first) s.finished(id, clock.now(), clock.now());
  auto second = s.take_due(clock.now());
  EXPECT_EQ(second.size(), 3u);
  EXPECT_EQ(s.in_flight(), 3u);
}

TEST(Scheduler, ScanNowForcesOneOrAllAndRejectsUnknown) {
  FakeClock clock(kT0);
  Scheduler s({8, 8}, 0.0);
  s.set_targets({{"x", "", 1h}, {"y", "", 1h}}, clock.now());
  for (const auto& id : s.take_due(clock.now())) s.finished(id, clock.now(), clock.now());
  clock.advance(5min);
  EXPECT_TRUE(s.take_due(clock.now()).empty());
  EXPECT_TRUE(s.force(std::string("x"), clock.now()));
  EXPECT_EQ(s.take_due(clock.now()), std::vector<std::string>{"x"});
  EXPECT_FALSE(s.force(std::string("nope"), clock.now()));
  EXPECT_TRUE(s.force(std::nullopt, clock.now()));
  EXPECT_EQ(s.take_due(clock.now()), std::vector<std::string>{"y"});  // x still in flight
}

TEST(Scheduler, ReloadKeepsScheduleOfKnownTargetsAndForgetsRemovedOnes) {
  FakeClock clock(kT0);
  Scheduler s({8, 8}, 0.0);
  s.set_targets({{"x", "h", 1h}, {"gone", "h", 1h}}, clock.now());
  auto due = s.take_due(clock.now());
  ASSERT_EQ(due.size(), 2u);
  s.finished("x", clock.now(), clock.now());
  clock.advance(1min);
  // "gone" is removed while in flight: its completion still frees the host slot.
  s.set_targets({{"x", "h", 1h}, {"new", "h", 1h}}, clock.now());
  EXPECT_EQ(s.due_of("x"), kT0 + 1h);
  EXPECT_EQ(s.due_of("new"), clock.now());
  s.finished("gone", kT0, clock.now());
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.size(), 2u);
}

}  // namespace
