// SPDX-License-Identifier: Apache-2.0
// The Prometheus exposition: format, escaping, histograms, and `promtool check metrics` on the
// daemon's full family set (promtool from Debian's prometheus package).
#include "daemon/metrics/metrics.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace {

using sov::metrics::Registry;
using sov::metrics::Type;
using ::testing::HasSubstr;

TEST(Metrics, RendersGaugesCountersAndEscapedLabels) {
  Registry r;
  r.declare("sovereignd_check_status", Type::kGauge, "status");
  r.declare("sovereignd_probe_errors_total", Type::kCounter, "errors");
  r.set("sovereignd_check_status", {{"rule_id", "R\"1"}, {"target", "a\\b\nc"}}, 1);
  r.add("sovereignd_probe_errors_total", {{"probe", "tls"}});
  r.add("sovereignd_probe_errors_total", {{"probe", "tls"}}, 2);
  std::string out = r.render();
  EXPECT_THAT(out, HasSubstr("# TYPE sovereignd_check_status gauge\n"));
  EXPECT_THAT(out, HasSubstr(R"(sovereignd_check_status{rule_id="R\"1",target="a\\b\nc"} 1)"));
  EXPECT_THAT(out, HasSubstr("sovereignd_probe_errors_total{probe=\"tls\"} 3\n"));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  r.declare("h_seconds", Type::kHistogram, "h", {0.1, 1});
  r.observe("h_seconds", {{"probe", "tls"}}, 0.05);
  r.observe("h_seconds", {{"probe", "tls"}}, 0.5);
  r.observe("h_seconds", {{"probe", "tls"}}, 5);
  std::string out = r.render();
  EXPECT_THAT(out, HasSubstr("h_seconds_bucket{probe=\"tls\",le=\"0.1\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("h_seconds_bucket{probe=\"tls\",le=\"1\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("h_seconds_bucket{probe=\"tls\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("h_seconds_count{probe=\"tls\"} 3\n"));
}

TEST(Metrics, RemoveMatchingDropsOneTargetsSeries) {
  Registry r;
  r.declare("g", Type::kGauge, "g");
  r.set("g", {{"target", "a"}}, 1);
  r.set("g", {{"target", "b"}}, 1);
  r.remove_matching("g", "target", "a");
  EXPECT_TRUE(std::isnan(r.value("g", {{"target", "a"}})));
  EXPECT_EQ(r.value("g", {{"target", "b"}}), 1);
}

TEST(Metrics, PromtoolAcceptsTheDaemonExposition) {
  const char* promtool = "/usr/bin/promtool";
  ASSERT_TRUE(std::filesystem::exists(promtool)) << "install prometheus (run.sh deps)";
  Registry r;
  sov::metrics::declare_sovereignd_metrics(r);
  r.set("sovereignd_build_info", {{"version", "0.1.0"}, {"ruleset", "r"}, {"ruleset_sha256", "ab"}},
        1);
  r.set("sovereignd_check_status",
        {{"rule_id", "SNC-19.6-b1"}, {"target", "web"}, {"status", "fail"}}, 1);
  r.set("sovereignd_tls_cert_not_after_timestamp_seconds",
        {{"target", "web"}, {"chain_position", "0"}, {"subject_cn", "web"}, {"issuer_cn", "CA"}},
        1.8e9);
  r.observe("sovereignd_probe_duration_seconds", {{"probe", "tls"}}, 0.2);
  r.add("sovereignd_probe_errors_total", {{"probe", "tls"}});
  r.set("sovereignd_config_last_reload_successful", {}, 1);
  // The families FORMATS.md §5.2 asks for beyond the first ones.
  r.set("sovereignd_check_evidence_expiry_timestamp_seconds",
        {{"rule_id", "SNC-19.6-b1"}, {"target", "web"}}, 1.8e9);
  r.set("sovereignd_tls_version_info", {{"target", "web"}, {"version", "TLSv1.3"}}, 1);
  r.set("sovereignd_tls_cipher_info", {{"target", "web"}, {"cipher", "TLS_AES_256_GCM_SHA384"}}, 1);
  r.set("sovereignd_tls_cert_stale", {{"target", "web"}}, 0);
  r.set("sovereignd_waiver_expiry_timestamp_seconds", {{"waiver_id", "w1"}, {"rule_id", "R-*"}},
        1.9e9);
  r.add("sovereignd_watchdog_kills_total", {{"kind", "probe"}}, 0);
  r.add("sovereignd_watchdog_pings_total", {}, 3);
  r.add("sovereignd_probe_errors_total", {{"probe", "tls"}, {"reason", "timeout"}});
  sov::testing::TempDir dir;
  std::string file = dir.write("metrics.txt", r.render());
  std::string cmd = std::string(promtool) + " check metrics < " + file + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  EXPECT_EQ(WEXITSTATUS(st), 0) << out;
  EXPECT_EQ(out, "") << out;
}

// Every family the daemon declares is in sovereignd(8)'s METRICS section.
TEST(Metrics, EveryDeclaredFamilyIsInTheManPage) {
  Registry r;
  sov::metrics::declare_sovereignd_metrics(r);
  std::string page = sov::testing::read_file(sov::testing::source_dir() + "/man/sovereignd.8");
  std::string metrics_section = page.substr(page.find(".SH METRICS"));
  metrics_section = metrics_section.substr(0, metrics_section.find("\n.SH ", 1));
  std::string text = r.render();
  size_t families = 0;
  for (size_t at = text.find("# TYPE "); at != std::string::npos;
       at = text.find("# TYPE ", at + 1)) {
    std::string name = text.substr(at + 7, text.find(' ', at + 7) - at - 7);
    EXPECT_THAT(metrics_section, HasSubstr(name)) << name << " is not in man/sovereignd.8";
    ++families;
  }
  EXPECT_GE(families, 20u);
}

}  // namespace
