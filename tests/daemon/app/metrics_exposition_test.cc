// SPDX-License-Identifier: Apache-2.0
// /metrics of the real binary against FORMATS.md §5.2, family by family, with a real TLS server
// on loopback (its certificate, version and cipher), a silent one (a probe cut off at its
// deadline), a rule with max_age (evidence expiry) and a waiver (its expiry); then
// `promtool check metrics` on the whole exposition, and the certificate series kept, marked
// stale, once the server is gone.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "daemon/control/control.h"
#include "tests/daemon/app/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_server.h"

namespace {

using namespace std::chrono_literals;
using sov::testing::DaemonProcess;
using sov::testing::TempDir;
using ::testing::HasSubstr;

constexpr const char* kRules = R"(
ruleset: metrics-test
title: Metrics test
version: 1.0.0
source: { title: Test law, url: "https://example.eu/law", date: 2024-01-01 }
rules:
  - id: T-TLS-VERSION
    title: Modern TLS
    severity: high
    reference: "Test law art. 2"
    effective: 2024-01-01
    max_age: 1d
    check: { fact: tls.protocol, in: [TLSv1.2, TLSv1.3] }
)";

std::string config_text(const TempDir& dir, int http_port, const std::string& web,
                        int silent_port) {
  return "node: test-node\nstore: " + dir.file("state.db") + "\nrules: [" + dir.file("rules.yaml") +
         "]\nschedule: { interval: 1h, jitter: 0%, probe_timeout: 1s }\n"
         "targets:\n"
         "  - id: web\n    kind: tls\n    endpoint: " +
         web + "\n    ca_file: " + dir.file("ca.pem") +
         "\n"
         "  - id: silent\n    kind: tls\n    endpoint: 127.0.0.1:" +
         std::to_string(silent_port) +
         "\n"
         // An exec sink that never finishes: killed at its timeout, counted.
         "alerts:\n  - kind: exec\n    on: [scan_error]\n    timeout: 200ms\n"
         "    command: [/bin/sleep, '30']\n"
         "waivers:\n"
         "  - id: W-1\n    rules: [T-TLS-VERSION]\n    targets: [silent]\n"
         "    reason: test\n    approved_by: tester\n    created: 2026-01-01\n"
         "    expires: 2099-01-01\n"
         "http:\n  listen: 127.0.0.1:" +
         std::to_string(http_port) + "\ncontrol:\n  socket: " + dir.file("control.sock") + "\n";
}

// The value of the first sample whose line starts with `series` (name and labels, as rendered);
// NaN when there is none.
double sample(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series, 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nan("");
}

// The sum of every sample whose line starts with `prefix`.
double sum(const std::string& exposition, const std::string& prefix) {
  std::istringstream in(exposition);
  std::string line;
  double total = 0;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

std::string promtool_check(const TempDir& dir, const std::string& exposition) {
  std::string file = dir.write("metrics.txt", exposition);
  std::string cmd = "/usr/bin/promtool check metrics < " + file + " 2>&1; echo rc=$?";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(MetricsExposition, EveryFormatsFamilyIsServedAndPassesPromtool) {
  TempDir dir;
  sov::testing::TestPki pki;
  sov::testing::CertSpec ca_spec;
  ca_spec.cn = "Test CA";
  ca_spec.ca = true;
  auto ca = pki.self_signed(ca_spec);
  sov::testing::CertSpec leaf_spec;
  leaf_spec.cn = "localhost";
  leaf_spec.ips = {"127.0.0.1"};
  auto leaf = pki.issue(leaf_spec, ca);
  dir.write("ca.pem", ca.cert_pem());
  dir.write("rules.yaml", kRules);
  sov::testing::TlsServerConfig tc;
  tc.chain = {leaf, ca};
  auto web = std::make_unique<sov::testing::LoopbackTlsServer>(tc);
  sov::testing::SilentServer silent;
  int port = sov::testing::free_port();
  std::string cfg =
      dir.write("sovereignd.yaml", config_text(dir, port, web->endpoint(), silent.port()));

  DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 20s)) << d.log();
  std::string m = sov::testing::http_get(port, "/metrics");

  // FORMATS.md §5.2, in its order.
  EXPECT_THAT(m, HasSubstr("sovereignd_build_info{version=\""));
  EXPECT_EQ(
      sample(m, R"(sovereignd_check_status{rule_id="T-TLS-VERSION",target="web",status="pass"})"),
      1)
      << m;
  double evaluated = sample(
      m,
      R"(sovereignd_check_last_evaluated_timestamp_seconds{rule_id="T-TLS-VERSION",target="web"})");
  double expiry = sample(
      m,
      R"(sovereignd_check_evidence_expiry_timestamp_seconds{rule_id="T-TLS-VERSION",target="web"})");
  ASSERT_FALSE(std::isnan(evaluated)) << m;
  ASSERT_FALSE(std::isnan(expiry)) << m;
  // Observed during the scan, stale one max_age (1 d) later.
  EXPECT_NEAR(expiry - evaluated, 86400, 30);
  EXPECT_THAT(m, HasSubstr("sovereignd_findings{status=\"pass\",severity=\"high\","));
  EXPECT_EQ(
      sample(
          m,
          R"(sovereignd_waiver_expiry_timestamp_seconds{waiver_id="W-1",rule_id="T-TLS-VERSION"})"),
      4070908800);  // 2099-01-01T00:00:00Z
  EXPECT_GT(
      sample(
          m,
          R"(sovereignd_tls_cert_not_after_timestamp_seconds{target="web",chain_position="0",subject_cn="localhost",issuer_cn="Test CA"})"),
      evaluated);
  EXPECT_LT(
      sample(
          m,
          R"(sovereignd_tls_cert_not_before_timestamp_seconds{target="web",chain_position="0",subject_cn="localhost",issuer_cn="Test CA"})"),
      evaluated);
  EXPECT_EQ(sample(m, R"(sovereignd_tls_cert_stale{target="web"})"), 0);
  EXPECT_EQ(sample(m, R"(sovereignd_tls_version_info{target="web",version="TLSv1.3"})"), 1) << m;
  EXPECT_EQ(sample(m, R"(sovereignd_tls_cipher_info{target="web",cipher="TLS_)"), 1) << m;
  EXPECT_EQ(sample(m, R"(sovereignd_probe_success{probe="tls",target="web"})"), 1);
  EXPECT_EQ(sample(m, R"(sovereignd_probe_success{probe="tls",target="silent"})"), 0);
  EXPECT_EQ(sample(m, R"(sovereignd_probe_duration_seconds_count{probe="tls"})"), 2);
  EXPECT_EQ(sample(m, R"(sovereignd_probe_errors_total{probe="tls",reason="timeout"})"), 1) << m;
  EXPECT_GT(sample(m, R"(sovereignd_scan_last_success_timestamp_seconds{schedule="default"})"), 0);
  EXPECT_EQ(sample(m, R"(sovereignd_watchdog_kills_total{kind="probe"})"), 1);
  // The silent target's scan_error went to the exec sink, killed after 200 ms (and maybe
  // retried once since).
  EXPECT_GE(sample(m, R"(sovereignd_watchdog_kills_total{kind="exec_sink"})"), 1) << m;
  EXPECT_EQ(promtool_check(dir, m), "rc=0\n");

  // The server goes away: the certificate series stay (the vanishing-series problem), marked
  // stale, and the failed probe is counted.
  web.reset();
  auto r = sov::control::call(dir.file("control.sock"), {"scan-now", {{"target", "web"}}}, 5s);
  ASSERT_TRUE(r);
  ASSERT_TRUE(d.wait_notify("STATUS=scan ", 20s)) << d.log();
  m = sov::testing::http_get(port, "/metrics");
  EXPECT_EQ(sample(m, R"(sovereignd_probe_success{probe="tls",target="web"})"), 0);
  EXPECT_EQ(sample(m, R"(sovereignd_tls_cert_stale{target="web"})"), 1) << m;
  EXPECT_FALSE(std::isnan(sample(
      m, R"(sovereignd_tls_cert_not_after_timestamp_seconds{target="web",chain_position="0")")));
  // Its listener may linger unanswered, so the failure is a timeout or an error: one more.
  EXPECT_EQ(sum(m, R"(sovereignd_probe_errors_total{probe="tls",)"), 2) << m;
  EXPECT_EQ(promtool_check(dir, m), "rc=0\n");

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0);
}

}  // namespace
