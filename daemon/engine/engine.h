// SPDX-License-Identifier: Apache-2.0
#pragma once
// The pipeline: probe -> facts -> judge -> persist, for every target of a config, and the diff
// between two sets of findings. The engine sees interfaces only (Probe, RuleBook, Store); the
// concrete probes are registered by the programs (daemon/app, daemon/cli).
//
// Threading: run_scan() runs its own event loop on the calling thread and returns when every
// target is recorded. Probes run concurrently up to schedule.concurrency; each has the config's
// probe_timeout as deadline, after which its result is recorded as a timeout and whatever it
// delivers later is ignored. Store writes happen on the calling thread, one transaction per
// target, so a crash loses at most the target in flight.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/config/config.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/store/store.h"
#include "probes/api/probe.h"

namespace sov::engine {

// The probes a program offers, by config kind. Built once by the program (the registration
// table), then read-only.
class ProbeRegistry {
 public:
  void add(std::unique_ptr<probes::Probe> probe);
  probes::Probe* find(std::string_view kind) const;
  // core + declarable facts + every registered probe's facts: what rules may read.
  model::FactSchema fact_schema() const;
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, std::unique_ptr<probes::Probe>, std::less<>> probes_;
};

// The registry of every probe built into this binary (daemon/engine/probes.cc is the one place
// that names them).
ProbeRegistry builtin_probes();

// Everything known about one target after one scan.
struct TargetResult {
  model::Target target;
  model::Facts facts;
  store::ProbeOutcome outcome;
  std::vector<model::Finding> findings;
  bool timed_out = false;  // the probe was cut off at schedule.probe_timeout (not stored)
};

struct ScanSummary {
  int64_t scan_id = 0;
  size_t targets = 0;
  size_t probe_errors = 0;
  std::map<model::Status, size_t> by_status;
  size_t in_force_failures = 0;
  size_t failures_not_in_force = 0;  // fail before the rule's effective date
  TimePoint started{};
  TimePoint finished{};

  model::Json to_json() const;
  // "2 targets, 40 findings: 20 pass, 12 fail (10 in force), 3 error, ..."
  std::string to_line() const;
};

struct ScanOptions {
  const Clock* clock = nullptr;  // required
  std::string version;           // sovereignd version, recorded with the scan
};

// Builds the fact document of a target from what its probe returned: target.*, probe.*, the
// probe's facts, the declared facts at their paths where the probe observed nothing, and all
// declared facts under declared.*.
model::Facts assemble_facts(const model::Target& target, probes::ProbeResult probe_result,
                            const store::ProbeOutcome& outcome, TimePoint now,
                            const std::string& config_file);

// One-shot scan of every target in `config`: probe, judge against `rules`, record in `store`
// (begin_scan ... record_target per target ... finish_scan), then prune by config.retention.
// `on_target` (may be empty) sees each result after it is stored. Errors: those of the store
// (the scan is then left for the next open() to mark interrupted).
Result<ScanSummary> run_scan(const config::Config& config, const ruleset::RuleBook& rules,
                             const ProbeRegistry& probes, store::Store& store,
                             const ScanOptions& options,
                             const std::function<void(const TargetResult&)>& on_target = {});

// The difference between two scans' findings, matched by (target, rule).
struct FindingChange {
  std::string target_id;
  std::string rule_id;
  std::optional<model::Status> before;  // nullopt: not in the first scan
  std::optional<model::Status> after;   // nullopt: not in the second scan
  model::Finding finding;               // the newer one (or the older when gone)
};

struct FindingDiff {
  std::vector<FindingChange> new_failures;  // in force fail now, not before
  std::vector<FindingChange> resolved;      // in force fail before, not now
  std::vector<FindingChange> changed;       // any other status change
};

FindingDiff diff_findings(const std::vector<model::Finding>& before,
                          const std::vector<model::Finding>& after);

}  // namespace sov::engine
