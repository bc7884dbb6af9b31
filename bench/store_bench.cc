// SPDX-License-Identifier: Apache-2.0
// Store throughput and growth.
//
// record_target_rate: findings stored per second through record_target(), 20 findings per target,
// one transaction per target. Arg 0 = every target new (first scan: all facts, rules and details
// inserted); arg 1 = rescans of 1,000 targets whose facts did not change (the steady state).
//
// growth_per_scan: bytes the store grows by per target and per scan, 1,000 targets x 20
// findings scanned repeatedly, after a WAL checkpoint. Arg 0 = nothing changed between scans;
// arg 1 = only the observation times changed (a probe that stamps Source::when on every run;
// stored relative to a per-row base, these must not defeat deduplication).
// Counters: bytes_per_target_scan, bytes_per_finding, mb_per_day_10k_hourly (10,000 targets
// scanned hourly).

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "daemon/store/store.h"

namespace {

using sov::TimePoint;
using sov::model::Json;
using namespace std::chrono_literals;

constexpr int kFindingsPerTarget = 20;
constexpr int kTargets = 1000;
constexpr TimePoint kT0{std::chrono::seconds(1772359200)};

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sovbench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::unique_ptr<sov::store::Store> open_store(const std::string& path) {
  auto s = sov::store::Store::open(path);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.error().to_string().c_str());
    std::abort();
  }
  return std::move(*s);
}

// A TLS-like target: a fact document of about 1 KiB, 20 findings with two evidence items each.
struct TargetData {
  sov::model::Target target;
  sov::model::Facts facts;
  std::vector<sov::model::Finding> findings;
};

TargetData make_target(int n, TimePoint observed) {
  TargetData d;
  d.target.id = "web-" + std::to_string(n) + ".example.eu";
  d.target.kind = "tls";
  sov::model::Source probe{sov::model::SourceKind::kObserved, "tls " + d.target.id + ":443",
                           observed};
  Json certs = Json::array();
  for (int c = 0; c < 3; ++c) {
    certs.push_back({{"subject", "CN=" + d.target.id + ",O=Example SAS,C=FR"},
                     {"issuer", "CN=Example CA " + std::to_string(c) + ",O=Example,C=FR"},
                     {"key", {{"type", "RSA"}, {"bits", 3072}}},
                     {"not_after", "2027-01-01T00:00:00Z"},
                     {"sha256", std::string(64, static_cast<char>('a' + c))}});
  }
  (void)d.facts.set("tls.chain.certs", certs, probe);
  (void)d.facts.set("tls.version", "TLSv1.3", probe);
  (void)d.facts.set(
      "provider.name", "Example Hosting SAS",
      {sov::model::SourceKind::kDeclared, "/etc/sovereignd/sovereignd.yaml:40", std::nullopt});
  (void)d.facts.set(
      "provider.country", "FR",
      {sov::model::SourceKind::kDeclared, "/etc/sovereignd/sovereignd.yaml:41", std::nullopt});
  for (int r = 0; r < kFindingsPerTarget; ++r) {
    sov::model::Finding f;
    f.rule_id = "SNC-19." + std::to_string(r);
    f.ruleset = "fr-secnumcloud-3.2";
    f.ruleset_version = "2026.1";
    f.title = "Rule " + std::to_string(r) + " of SecNumCloud chapter 19";
    f.severity = sov::model::Severity::kHigh;
    f.reference =
        "SecNumCloud 3.2 \xc2\xa7"
        "19." +
        std::to_string(r);
    f.source_url = "https://cyber.gouv.fr/secnumcloud";
    f.remediation = "Keep data and keys under EU jurisdiction.";
    f.target_id = d.target.id;
    f.status = r % 4 == 0 ? sov::model::Status::kFail : sov::model::Status::kPass;
    f.message =
        "certificate key is RSA 3072 bits; provider country FR (rule " + std::to_string(r) + ")";
    for (const char* path : {"tls.chain.certs[0].key.bits", "provider.country"}) {
      sov::model::EvidenceItem e;
      e.path = path;
      e.value = path[0] == 't' ? Json(3072) : Json("FR");
      e.source = probe;
      f.evidence.push_back(std::move(e));
    }
    f.evaluated_at = observed + 2ms;
    d.findings.push_back(std::move(f));
  }
  return d;
}

sov::store::ScanMeta meta(TimePoint started) {
  sov::store::ScanMeta m;
  m.node = "node-1";
  m.started = started;
  m.config_file = "/etc/sovereignd/sovereignd.yaml";
  m.config_sha256 = std::string(64, '0');
  m.rules_digest = std::string(64, '1');
  m.version = "0.1.0";
  return m;
}

void record(benchmark::State& state, sov::store::Store* store, int64_t scan, const TargetData& d) {
  sov::store::ProbeOutcome outcome;
  outcome.started = d.findings.front().evaluated_at - 5ms;
  outcome.duration = 4ms;
  auto r = store->record_target(scan, d.target, d.facts, outcome, d.findings);
  if (!r) state.SkipWithError(r.error().to_string().c_str());
}

void record_target_rate(benchmark::State& state) {
  const bool unchanged = state.range(0) == 1;
  BenchDir dir;
  auto store = open_store(dir.file("store.db"));
  std::vector<TargetData> data;
  data.reserve(kTargets);
  for (int n = 0; n < kTargets; ++n) data.push_back(make_target(n, kT0));
  auto scan = store->begin_scan(meta(kT0));
  if (unchanged) {
    for (const auto& d : data) record(state, store.get(), *scan, d);
    (void)store->finish_scan(*scan, Json::object(), kT0 + 1min);
    scan = store->begin_scan(meta(kT0 + 1h));
  }
  int64_t n = 0;
  int scans = 1;
  for (auto _ : state) {
    if (unchanged) {
      if (n > 0 && n % kTargets == 0) {
        (void)store->finish_scan(*scan, Json::object(), kT0 + 1min);
        scan = store->begin_scan(meta(kT0 + ++scans * 1h));
      }
      record(state, store.get(), *scan, data[n % kTargets]);
    } else {
      // A new target each time: nothing to deduplicate against.
      state.PauseTiming();
      TargetData d = make_target(static_cast<int>(n), kT0);
      state.ResumeTiming();
      record(state, store.get(), *scan, d);
    }
    ++n;
  }
  state.SetItemsProcessed(state.iterations() * kFindingsPerTarget);
  state.counters["targets_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(record_target_rate)
    ->ArgName("unchanged")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void growth_per_scan(benchmark::State& state) {
  const bool times_change = state.range(0) == 1;
  constexpr int kScans = 5;
  double per_target = 0;
  for (auto _ : state) {
    BenchDir dir;
    auto store = open_store(dir.file("store.db"));
    std::vector<int64_t> sizes;
    std::vector<TargetData> data;
    for (int n = 0; n < kTargets; ++n) data.push_back(make_target(n, kT0));
    for (int s = 0; s < kScans; ++s) {
      TimePoint started = kT0 + s * 1h;
      if (times_change && s > 0) {
        data.clear();
        for (int n = 0; n < kTargets; ++n) data.push_back(make_target(n, started));
      }
      auto scan = store->begin_scan(meta(started));
      for (const auto& d : data) record(state, store.get(), *scan, d);
      (void)store->finish_scan(*scan, Json{{"targets", kTargets}}, started + 1min);
      if (auto c = store->checkpoint_wal(); !c) state.SkipWithError(c.error().to_string().c_str());
      sizes.push_back(store->size_bytes().value_or(0));
    }
    // Growth from the second scan on: the first one pays for tables, rules and targets.
    per_target = static_cast<double>(sizes.back() - sizes[1]) / ((kScans - 2) * kTargets);
    state.counters["first_scan_bytes_per_target"] = static_cast<double>(sizes[0]) / kTargets;
  }
  state.counters["bytes_per_target_scan"] = per_target;
  state.counters["bytes_per_finding"] = per_target / kFindingsPerTarget;
  state.counters["mb_per_day_10k_hourly"] = per_target * 10000 * 24 / 1e6;
}
BENCHMARK(growth_per_scan)
    ->ArgName("times_change")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
