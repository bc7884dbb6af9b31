// SPDX-License-Identifier: Apache-2.0
// sovereignd from the outside, as systemd runs it: the real binary, a test socket standing in
// for NOTIFY_SOCKET, signals, the control socket and /metrics on loopback.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "daemon/control/control.h"
#include "daemon/store/store.h"
#include "tests/daemon/app/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using sov::testing::DaemonProcess;
using sov::testing::TempDir;
using ::testing::HasSubstr;

struct Estate {
  int http_port = sov::testing::free_port();
  std::string socket;
  std::string config;
};

// A config with a declared target (instant), and optionally a TLS target on a silent server
// (held until probe_timeout).
std::string config_text(const TempDir& dir, int http_port, int silent_port,
                        const std::string& interval, const std::string& probe_timeout) {
  std::string src = sov::testing::source_dir();
  std::string t =
      "node: test-node\n"
      "store: " +
      dir.file("state.db") +
      "\n"
      "rules: [" +
      src + "/rules/lists, " + src +
      "/rules/sets/anssi-tls]\n"
      "schedule:\n  interval: " +
      interval +
      "\n  jitter: 0%\n"
      "  probe_timeout: " +
      probe_timeout +
      "\n"
      "targets:\n"
      "  - id: decl\n    kind: declared\n    declared: { location: { country: FR } }\n";
  if (silent_port > 0) {
    t += "  - id: silent\n    kind: tls\n    endpoint: 127.0.0.1:" + std::to_string(silent_port) +
         "\n";
  }
  t += "http:\n  listen: 127.0.0.1:" + std::to_string(http_port) + "\n";
  t += "control:\n  socket: " + dir.file("control.sock") + "\n";
  return t;
}

sov::Result<sov::control::Response> ctl(const TempDir& dir, const std::string& command,
                                        sov::model::Json args = sov::model::Json::object()) {
  return sov::control::call(dir.file("control.sock"), {command, std::move(args)}, 5s);
}

// The states of the scans in the daemon's store, read beside it (read-only); empty when the
// store cannot be read yet.
std::vector<sov::store::ScanState> scan_states(const TempDir& dir) {
  sov::store::StoreOptions ro;
  ro.read_only = true;
  std::vector<sov::store::ScanState> out;
  auto st = sov::store::Store::open(dir.file("state.db"), ro);
  if (!st) return out;
  auto scans = (*st)->scans();
  if (!scans) return out;
  for (const auto& s : *scans) out.push_back(s.state);
  return out;
}

bool has_state(const std::vector<sov::store::ScanState>& states, sov::store::ScanState want) {
  return std::find(states.begin(), states.end(), want) != states.end();
}

int batches(const TempDir& dir) {
  auto r = ctl(dir, "status");
  if (!r) return -1;
  return r->data["batches"].get<int>();
}

TEST(Lifecycle, NotifiesReadyAfterLoadingThenStatusAfterAScan) {
  TempDir dir;
  int port = sov::testing::free_port();
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, 0, "1h", "2s"));
  DaemonProcess d(dir);
  d.start(cfg);
  auto ready = d.wait_notify("READY=1", 20s);
  ASSERT_TRUE(ready) << d.log();
  // Ready means the control socket and /healthz answer already.
  EXPECT_EQ(sov::testing::http_get(port, "/healthz"), "ok\n");
  auto status = d.wait_notify("STATUS=scan ", 20s);
  ASSERT_TRUE(status) << d.log();
  EXPECT_THAT(*status, HasSubstr("1 target"));
  EXPECT_THAT(d.log(), HasSubstr("<6>daemon.ready "));
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

TEST(Lifecycle, SighupWithBrokenConfigKeepsTheOldOneAndKeepsScanning) {
  TempDir dir;
  int port = sov::testing::free_port();
  std::string good = config_text(dir, port, 0, "1s", "500ms");
  std::string cfg = dir.write("sovereignd.yaml", good);
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();

  dir.write("sovereignd.yaml", good + "schedule_typo: 1\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_log("config.reload_failed", 10s)) << d.log();
  // The positioned error, as the operator sees it from `sovereignctl config check`.
  EXPECT_THAT(d.log(), HasSubstr("sovereignd.yaml:"));
  EXPECT_THAT(d.log(), HasSubstr("schedule_typo"));
  EXPECT_THAT(sov::testing::http_get(port, "/metrics"),
              HasSubstr("sovereignd_config_last_reload_successful 0"));
  // Still scanning with the old snapshot.
  int before = batches(dir);
  ASSERT_GE(before, 0);
  bool progressed = false;
  for (int i = 0; i < 100 && !progressed; ++i) {
    progressed = batches(dir) > before;
    if (!progressed) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(progressed) << d.log();

  // Control-socket reload of a fixed file succeeds and the gauge comes back.
  dir.write("sovereignd.yaml", good);
  auto r = ctl(dir, "reload");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->result, 0) << r->text;
  EXPECT_THAT(sov::testing::http_get(port, "/metrics"),
              HasSubstr("sovereignd_config_last_reload_successful 1"));
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

TEST(Lifecycle, SigtermDuringAProbeExitsZeroWithinTheProbeDeadline) {
  TempDir dir;
  sov::testing::SilentServer silent;
  int port = sov::testing::free_port();
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, silent.port(), "1h", "3s"));
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();
  bool scanning = false;
  for (int i = 0; i < 100 && !scanning; ++i) {
    auto r = ctl(dir, "status");
    scanning = r && r->data["state"] == "scanning";
    if (!scanning) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(scanning) << d.log();
  auto t0 = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  ASSERT_TRUE(d.wait_notify("STOPPING=1", 5s));
  auto rc = d.wait_exit(10s);
  EXPECT_EQ(rc, 0) << d.log();
  // The silent probe is cut at its 3 s deadline, not waited for longer.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 6s);
  EXPECT_THAT(d.log(), HasSubstr("daemon.stopped"));
  // What the batch recorded is committed and the scan complete.
  auto states = scan_states(dir);
  ASSERT_FALSE(states.empty());
  EXPECT_FALSE(has_state(states, sov::store::ScanState::kRunning));
}

TEST(Lifecycle, SigkillMidScanThenRestartMarksTheScanInterruptedAndKeepsCommittedTargets) {
  TempDir dir;
  sov::testing::SilentServer silent;
  int port = sov::testing::free_port();
  std::string cfg =
      dir.write("sovereignd.yaml", config_text(dir, port, silent.port(), "1h", "30s"));
  {
    DaemonProcess d(dir);
    d.start(cfg);
    ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();
    // Killed once the scan row is in the store (status says "scanning" a little earlier, when
    // the batch is handed to the worker, which a loaded machine may not have run yet).
    bool running = false;
    for (int i = 0; i < 500 && !running; ++i) {
      running = has_state(scan_states(dir), sov::store::ScanState::kRunning);
      if (!running) std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(running) << d.log();
    d.signal(SIGKILL);
    EXPECT_EQ(d.wait_exit(5s), -SIGKILL);
  }
  DaemonProcess again(dir);
  again.start(cfg);
  ASSERT_TRUE(again.wait_notify("READY=1", 20s)) << again.log();
  EXPECT_TRUE(has_state(scan_states(dir), sov::store::ScanState::kInterrupted));
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait_exit(40s), 0);
}

TEST(Lifecycle, ScanNowOverTheControlSocketRunsAScanAndRejectsUnknownTargets) {
  TempDir dir;
  int port = sov::testing::free_port();
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, 0, "1h", "2s"));
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 20s)) << d.log();
  int before = batches(dir);
  auto r = ctl(dir, "scan-now", {{"target", "decl"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result, 0) << r->text;
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 10s));
  EXPECT_GT(batches(dir), before);
  auto bad = ctl(dir, "scan-now", {{"target", "nope"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->result, sov::control::kResultError);
  EXPECT_THAT(bad->text, HasSubstr("nope"));
  auto unknown = ctl(dir, "frobnicate");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->result, sov::control::kResultUnsupported);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

// The arrival times of WATCHDOG=1 datagrams over `span`.
std::vector<std::chrono::steady_clock::time_point> watchdog_pings(DaemonProcess& d,
                                                                  std::chrono::milliseconds span) {
  std::vector<std::chrono::steady_clock::time_point> at;
  auto end = std::chrono::steady_clock::now() + span;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (d.wait_notify("WATCHDOG=1", left)) at.push_back(std::chrono::steady_clock::now());
  }
  return at;
}

TEST(Lifecycle, WatchdogPingsAtHalfThePeriodFromTheLoopAlsoDuringAScan) {
  TempDir dir;
  sov::testing::SilentServer silent;
  int port = sov::testing::free_port();
  // A scan held 3 s by the silent server runs on the worker: the loop, and the pings, go on.
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, silent.port(), "1h", "3s"));
  DaemonProcess d(dir);
  d.start(cfg, "WATCHDOG_USEC=400000");
  ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();
  EXPECT_TRUE(d.wait_log("daemon.watchdog interval_us=200000", 5s)) << d.log();
  auto pings = watchdog_pings(d, 2000ms);
  // 200 ms apart: about 10 in 2 s (a loaded machine may delay some, never add any).
  EXPECT_GE(pings.size(), 7u);
  EXPECT_LE(pings.size(), 11u);
  for (size_t i = 1; i < pings.size(); ++i) {
    EXPECT_GE(pings[i] - pings[i - 1], 150ms) << "ping " << i;
  }
  auto status = ctl(dir, "status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->data["state"], "scanning") << "the pings above were not taken during a scan";
  std::string metrics = sov::testing::http_get(port, "/metrics");
  EXPECT_THAT(metrics, ::testing::ContainsRegex("sovereignd_watchdog_pings_total [1-9][0-9]*\n"));

  // A loop that does not run sends nothing (here the whole process is stopped: sovereignd has
  // no hook to stall its loop alone, see the note in tests/daemon/app); it resumes after.
  d.signal(SIGSTOP);
  (void)watchdog_pings(d, 100ms);  // drain what was sent before the stop took effect
  EXPECT_TRUE(watchdog_pings(d, 1000ms).empty());
  d.signal(SIGCONT);
  EXPECT_GE(watchdog_pings(d, 1000ms).size(), 2u);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0) << d.log();
}

TEST(Lifecycle, NoWatchdogPingsWithoutWatchdogUsec) {
  TempDir dir;
  int port = sov::testing::free_port();
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, 0, "1h", "2s"));
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();
  EXPECT_TRUE(watchdog_pings(d, 1000ms).empty());
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Waits until the daemon has run more than `before` batches.
bool wait_batches_above(const TempDir& dir, int before) {
  for (int i = 0; i < 200; ++i) {
    if (batches(dir) > before) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(Lifecycle, ChangedCaFileRescansItsTargetAtOnce) {
  TempDir dir;
  int port = sov::testing::free_port();
  int closed = sov::testing::free_port();  // nothing listens: the probe fails at once
  std::string ca = dir.write("ca.pem", "first version\n");
  std::string cfg_text = config_text(dir, port, 0, "1h", "2s");
  cfg_text.replace(cfg_text.find("http:\n"), 0,
                   "  - id: web\n    kind: tls\n    endpoint: 127.0.0.1:" + std::to_string(closed) +
                       "\n    ca_file: " + ca + "\n");
  std::string cfg = dir.write("sovereignd.yaml", cfg_text);
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 20s)) << d.log();

  // Rewritten in place: the target is scanned now, not in an hour.
  int before = batches(dir);
  dir.write("ca.pem", "second version\n");
  ASSERT_TRUE(d.wait_log("engine.file_changed target=web", 5s)) << d.log();
  EXPECT_TRUE(wait_batches_above(dir, before)) << d.log();

  // Replaced by rename, as editors and certificate tools do: seen too.
  before = batches(dir);
  size_t changes = occurrences(d.log(), "engine.file_changed target=web");
  std::string next = dir.write("ca.pem.new", "third version\n");
  std::filesystem::rename(next, ca);
  for (int i = 0; i < 100 && occurrences(d.log(), "engine.file_changed") == changes; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(occurrences(d.log(), "engine.file_changed target=web"), changes) << d.log();
  EXPECT_TRUE(wait_batches_above(dir, before)) << d.log();

  // Another file of the same directory is not a reason to scan.
  changes = occurrences(d.log(), "engine.file_changed");
  dir.write("unrelated.txt", "x\n");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(occurrences(d.log(), "engine.file_changed"), changes) << d.log();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

TEST(Lifecycle, CheckConfigRunsTheDaemonValidationAndExitsTwoOnErrors) {
  TempDir dir;
  std::string cfg = dir.write("bad.yaml", "node: x\nschedule: { intervl: 1h }\n");
  std::string cmd = std::string(SOVEREIGND) + " --check-config --config " + cfg + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  EXPECT_EQ(WEXITSTATUS(st), 2) << out;
  EXPECT_THAT(out, HasSubstr("bad.yaml:2:"));
}

TEST(Lifecycle, EveryControlCommandIsDocumentedAndMetricsPassPromtool) {
  TempDir dir;
  int port = sov::testing::free_port();
  std::string cfg = dir.write("sovereignd.yaml", config_text(dir, port, 0, "1h", "2s"));
  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 20s)) << d.log();
  auto r = ctl(dir, "list-commands");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->data.is_array());
  EXPECT_GE(r->data.size(), 4u);
  for (const auto& c : r->data) {
    std::string file =
        sov::testing::source_dir() + "/daemon/control/api/" + c.get<std::string>() + ".json";
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    auto doc = sov::model::Json::parse(sov::testing::read_file(file));
    EXPECT_EQ(doc["name"], c);
  }
  std::string metrics = sov::testing::http_get(port, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("sovereignd_build_info{"));
  EXPECT_THAT(metrics, HasSubstr("sovereignd_scan_last_success_timestamp_seconds{"));
  EXPECT_THAT(metrics, HasSubstr("sovereignd_probe_success{probe=\"declared\",target=\"decl\"} 1"));
  std::string file = dir.write("metrics.txt", metrics);
  std::string cmd = "/usr/bin/promtool check metrics < " + file + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(pclose(p)), 0) << out;
  EXPECT_EQ(sov::testing::http_get(port, "/nope"), "not found\n");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

}  // namespace
