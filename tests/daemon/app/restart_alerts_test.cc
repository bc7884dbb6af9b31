// SPDX-License-Identifier: Apache-2.0
// Alert state across a restart of the real binary: the first scan after a restart is diffed
// against the result recorded before it, so a finding already announced is not announced again,
// and one that changed while the daemon was down still is. The sink is an exec sink appending
// each event (JSON on its stdin) to a file the test reads.
#include <chrono>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <signal.h>

#include "daemon/model/model.h"
#include "tests/daemon/app/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using sov::model::Json;
using sov::testing::DaemonProcess;
using sov::testing::TempDir;

constexpr const char* kRules = R"(
ruleset: restart-test
title: Restart test
version: 1.0.0
source: { title: Test law, url: "https://example.eu/law", date: 2024-01-01 }
rules:
  - id: T-SEAT
    title: Provider seat in the EU
    severity: high
    reference: "Test law art. 1"
    effective: 2024-01-01
    check: { fact: provider.seat_country, in: [FR, DE] }
)";

// Two declared targets whose provider seats the test chooses; one exec sink for new_failure and
// resolved; a scan an hour so each run scans once.
std::string config_text(const TempDir& dir, int http_port, const std::string& seat_a,
                        const std::string& seat_b) {
  return "node: test-node\nstore: " + dir.file("state.db") + "\nrules: [" + dir.file("rules.yaml") +
         "]\nschedule: { interval: 1h, jitter: 0%, probe_timeout: 2s }\n"
         "targets:\n"
         "  - id: a\n    kind: declared\n    declared: { provider: { seat_country: " +
         seat_a +
         " } }\n"
         "  - id: b\n    kind: declared\n    declared: { provider: { seat_country: " +
         seat_b +
         " } }\n"
         "alerts:\n"
         "  - kind: exec\n    on: [new_failure, resolved]\n"
         "    command: [/bin/sh, -c, 'cat >> " +
         dir.file("events.jsonl") + "; echo >> " + dir.file("events.jsonl") +
         "']\n"
         "http:\n  listen: 127.0.0.1:" +
         std::to_string(http_port) + "\ncontrol:\n  socket: " + dir.file("control.sock") + "\n";
}

// How many events of `event` for `target` the sink received.
int count_events(const TempDir& dir, const std::string& event, const std::string& target) {
  std::istringstream in(sov::testing::read_file(dir.file("events.jsonl")));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json j = Json::parse(line);
    if (j["event"] == event && j["target"] == target) ++n;
  }
  return n;
}

// One run of the daemon: start, wait for its first scan (delivery to the exec sink happens before
// the scan's STATUS= is sent), stop cleanly.
void run_once(const TempDir& dir, const std::string& cfg) {
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 20s)) << d.log();
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait_exit(10s), 0) << d.log();
}

TEST(RestartAlerts, StillFailingFindingIsNotAnnouncedAgainButChangesWhileDownAre) {
  TempDir dir;
  int port = sov::testing::free_port();
  dir.write("rules.yaml", kRules);
  dir.write("events.jsonl", "");
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, "US", "FR"));
  ASSERT_NO_FATAL_FAILURE(run_once(dir, cfg));
  ASSERT_EQ(count_events(dir, "new_failure", "a"), 1) << sov::testing::read_file(cfg);
  EXPECT_EQ(count_events(dir, "new_failure", "b"), 0);

  // Restart, nothing changed: a still fails and is not announced a second time.
  ASSERT_NO_FATAL_FAILURE(run_once(dir, cfg));
  EXPECT_EQ(count_events(dir, "new_failure", "a"), 1);
  EXPECT_EQ(count_events(dir, "resolved", "a"), 0);
  EXPECT_EQ(count_events(dir, "new_failure", "b"), 0);

  // While the daemon is down, a is fixed and b breaks: both changes are announced.
  dir.write("sovereignd.yaml", config_text(dir, port, "FR", "US"));
  ASSERT_NO_FATAL_FAILURE(run_once(dir, cfg));
  EXPECT_EQ(count_events(dir, "resolved", "a"), 1);
  EXPECT_EQ(count_events(dir, "new_failure", "a"), 1);
  EXPECT_EQ(count_events(dir, "new_failure", "b"), 1);
}

}  // namespace
