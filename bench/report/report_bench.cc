// SPDX-License-Identifier: Apache-2.0
// Export of a million findings (10,000 targets x 100 rules, one scan) to CSV, JSON and OCSF:
// wall time and peak resident memory of the exporting process. The store is filled by a child
// process first, so the parent's peak RSS (getrusage ru_maxrss) is the export's alone. Target:
// under 10 s and under 200 MB for CSV and JSON.
//
//   sov_report_bench [FINDINGS=1000000] [DIR=/tmp/sov-report-bench]
//
// The store is kept in DIR and reused by the next run when it holds the same number of findings.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/report/report.h"
#include "daemon/store/store.h"

namespace {

using namespace sov;
constexpr int kRules = 100;

model::Finding make_finding(const std::string& target, int rule) {
  model::Finding f;
  f.rule_id = "SNC-19." + std::to_string(rule);
  f.ruleset = "fr-secnumcloud-3.2";
  f.ruleset_version = "2026.1";
  f.title = "Rule " + std::to_string(rule) + ": data stays in the EU";
  f.severity = model::Severity::kHigh;
  f.reference =
      "SecNumCloud 3.2 \xc2\xa7"
      "19." +
      std::to_string(rule % 10);
  f.source_url = "https://cyber.gouv.fr/secnumcloud";
  f.target_id = target;
  f.status = rule % 7 == 0 ? model::Status::kFail : model::Status::kPass;
  f.message = "location.country is FR; provider seat FR (" + target + ")";
  f.remediation = "Move the data to a qualified EU region.";
  model::EvidenceItem e;
  e.path = "location.country";
  e.value = "FR";
  e.source = model::Source{model::SourceKind::kObserved, "tls " + target + ":443",
                           TimePoint(std::chrono::seconds(1772359200))};
  f.evidence.push_back(e);
  f.evaluated_at = TimePoint(std::chrono::seconds(1772359200));
  return f;
}

int fill(const std::string& db, int64_t findings) {
  auto st = store::Store::open(db);
  if (!st) return 1;
  auto scan = (*st)->begin_scan({"bench", TimePoint(std::chrono::seconds(1772359200)), "", "",
                                 std::string(64, 'b'), "0.1.0"});
  if (!scan) return 1;
  for (int64_t t = 0; t * kRules < findings; ++t) {
    std::string name = "web-" + std::to_string(t);
    model::Target target{name, "tls", {}, {}, {}, {}};
    model::Facts facts;
    (void)facts.set("location.country", "FR", {model::SourceKind::kObserved, name, std::nullopt});
    std::vector<model::Finding> fs;
    for (int r = 0; r < kRules; ++r) fs.push_back(make_finding(name, r));
    if (!(*st)->record_target(*scan, target, facts, {}, fs)) return 1;
  }
  return (*st)->finish_scan(*scan, model::Json::object(),
                            TimePoint(std::chrono::seconds(1772359300)))
             ? 0
             : 1;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t findings = argc > 1 ? std::stoll(argv[1]) : 1000000;
  std::string dir = argc > 2 ? argv[2] : "/tmp/sov-report-bench";
  std::filesystem::create_directories(dir);
  std::string db = dir + "/store-" + std::to_string(findings) + ".db";
  if (!std::filesystem::exists(db)) {
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) _exit(fill(db, findings));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "filling %s failed\n", db.c_str());
      std::filesystem::remove(db);
      return 1;
    }
    std::printf("filled %s with %lld findings in %.1f s (child process)\n", db.c_str(),
                static_cast<long long>(findings),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  store::StoreOptions so;
  so.read_only = true;
  auto st = store::Store::open(db, so);
  if (!st) {
    std::fprintf(stderr, "%s\n", st.error().to_string().c_str());
    return 1;
  }
  // Wall time depends on the machine's load; CPU time (user + system) much less.
  std::printf("%-6s %12s %10s %10s %12s %14s\n", "format", "findings", "wall s", "CPU s",
              "MB written", "peak RSS (MB)");
  {
    // The store's share: reading and decoding every row, writing nothing.
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    auto n =
        (*st)->for_each_finding({}, [](store::StoredFinding&&) -> Result<bool> { return true; });
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-6s %12lld %10.2f %10.2f %12s %14ld\n", "(read)",
                static_cast<long long>(n ? *n : -1), secs, cpu_seconds() - c0, "-", peak_rss_mb());
  }
  for (auto format : {report::Format::kCsv, report::Format::kJson, report::Format::kOcsf}) {
    report::ExportOptions opt;
    opt.format = format;
    opt.version = "bench";
    std::string out_path = dir + "/export." + std::string(report::format_name(format));
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    auto stats = report::write_export(**st, opt, out);
    out.close();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!stats) {
      std::fprintf(stderr, "%s\n", stats.error().to_string().c_str());
      return 1;
    }
    std::printf("%-6s %12lld %10.2f %10.2f %12.1f %14ld\n",
                std::string(report::format_name(format)).c_str(),
                static_cast<long long>(stats->findings), secs, cpu_seconds() - c0,
                static_cast<double>(std::filesystem::file_size(out_path)) / 1e6, peak_rss_mb());
    std::fflush(stdout);
  }
  return 0;
}
