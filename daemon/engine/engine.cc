// SPDX-License-Identifier: Apache-2.0
#include "daemon/engine/engine.h"

#include <deque>
#include <exception>
#include <filesystem>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/base/redact.h"
#include "probes/jurisdiction/resolver.h"

namespace sov::engine {

namespace asio = boost::asio;
using model::Json;
using model::Source;
using model::SourceKind;
using model::Status;

void ProbeRegistry::add(std::unique_ptr<probes::Probe> probe) {
  std::string kind(probe->kind());
  probes_[kind] = std::move(probe);
}

probes::Probe* ProbeRegistry::find(std::string_view kind) const {
  auto it = probes_.find(kind);
  return it == probes_.end() ? nullptr : it->second.get();
}

model::FactSchema ProbeRegistry::fact_schema() const {
  model::FactSchema schema;
  schema.add_all(probes::core_fact_schema());
  schema.add_all(probes::declarable_fact_schema());
  for (const auto& [kind, probe] : probes_) schema.add_all(probe->fact_schema());
  // The jurisdiction enrichment runs on every target, whatever its kind (run_scan).
  schema.add_all(probes::jurisdiction::jurisdiction_fact_schema());
  return schema;
}

std::vector<std::string> ProbeRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [kind, probe] : probes_) out.push_back(kind);
  return out;
}

// ---------------------------------------------------------------------------------------------

Json ScanSummary::to_json() const {
  Json counts = Json::object();
  for (Status s : model::kAllStatuses) {
    auto it = by_status.find(s);
    counts[std::string(model::status_name(s))] = it == by_status.end() ? 0 : it->second;
  }
  return {{"scan_id", scan_id},
          {"targets", targets},
          {"probe_errors", probe_errors},
          {"findings", counts},
          {"in_force_failures", in_force_failures},
          {"failures_not_in_force", failures_not_in_force},
          {"started", format_rfc3339(started)},
          {"finished", format_rfc3339(finished)}};
}

std::string ScanSummary::to_line() const {
  size_t total = 0;
  for (const auto& [s, n] : by_status) total += n;
  std::string out = std::to_string(targets) + (targets == 1 ? " target, " : " targets, ") +
                    std::to_string(total) + " findings:";
  bool first = true;
  for (Status s : model::kAllStatuses) {
    auto it = by_status.find(s);
    if (it == by_status.end() || it->second == 0) continue;
    out += first ? " " : ", ";
    first = false;
    out += std::to_string(it->second) + " " + std::string(model::status_name(s));
    if (s == Status::kFail) {
      out += " (" + std::to_string(in_force_failures) + " in force)";
    }
  }
  if (probe_errors > 0) out += "; " + std::to_string(probe_errors) + " probe errors";
  return out;
}

// ---------------------------------------------------------------------------------------------

model::Facts assemble_facts(const model::Target& target, probes::ProbeResult probe_result,
                            const store::ProbeOutcome& outcome, TimePoint now,
                            const std::string& config_file) {
  model::Facts facts = std::move(probe_result.facts);
  Json& doc = facts.doc();
  if (!doc.is_object()) doc = Json::object();

  Json tags = Json::object();
  for (const auto& [k, values] : target.tags) tags[k] = values;
  doc["target"] = {{"id", target.id}, {"kind", target.kind}, {"tags", std::move(tags)}};
  facts.set_source("target", Source{SourceKind::kDeclared, config_file, now});

  doc["probe"] = {{"status", outcome.ok ? "ok" : "error"},
                  {"error", outcome.ok ? Json(nullptr) : Json(outcome.error)},
                  {"duration_seconds", std::chrono::duration<double>(outcome.duration).count()},
                  {"started", format_rfc3339(outcome.started)}};
  facts.set_source("probe", Source{SourceKind::kObserved, "engine", now});

  if (target.declared.is_object() && !target.declared.empty()) {
    Source declared = target.declared_source;
    declared.kind = SourceKind::kDeclared;
    if (declared.where.empty()) declared.where = config_file;
    doc["declared"] = target.declared;
    facts.set_source("declared", declared);
    // Observed facts win; declared ones fill what the probe did not see.
    facts.merge_missing(target.declared, declared);
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------

namespace {

// One probe run in flight: owns its deadline timer; the first of (probe done, deadline) wins.
struct Run : std::enable_shared_from_this<Run> {
  Run(asio::io_context& io, size_t i) : timer(io), index(i) {}
  asio::steady_timer timer;
  size_t index;
  bool finished = false;
  std::chrono::steady_clock::time_point started_steady;
  TimePoint started_wall{};
};

struct Pending {
  size_t index;
  probes::ProbeResult result;
  store::ProbeOutcome outcome;
  bool timed_out = false;
};

using JurisdictionPtr = std::shared_ptr<const probes::jurisdiction::Resolver>;

// The provider registry beside the rules: the first `<rules dir>/providers` directory of the
// config (rules/providers). None: no enrichment, facts stay as probed and declared. An invalid
// registry fails the scan before it starts, with every positioned diagnostic.
// The registry named by `providers`, else the providers folder of the first rules directory that
// has one; none at all leaves targets unenriched (their provider facts stay as declared).
std::string registry_dir(const config::Config& config) {
  if (!config.providers.empty()) return config.providers;
  for (const auto& path : config.rules) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(path) / "providers";
    if (std::filesystem::is_directory(dir, ec)) return dir.string();
  }
  return "";
}

Result<JurisdictionPtr> open_jurisdiction(const config::Config& config) {
  const std::string dir = registry_dir(config);
  if (dir.empty()) return JurisdictionPtr();
  Diagnostics diags;
  auto r = probes::jurisdiction::Resolver::open(dir, config.address_database, &diags);
  if (!r) {
    return Error(ErrorCode::kInvalidInput,
                 diags.items().empty() ? r.error().to_string() : diags.to_string());
  }
  return JurisdictionPtr(std::make_shared<const probes::jurisdiction::Resolver>(std::move(*r)));
}

}  // namespace

Result<ScanSummary> run_scan(const config::Config& config, const ruleset::RuleBook& rules,
                             const ProbeRegistry& registry, store::Store& store,
                             const ScanOptions& options,
                             const std::function<void(const TargetResult&)>& on_target) {
  const Clock& clock = *options.clock;
  auto jurisdiction = open_jurisdiction(config);
  if (!jurisdiction) return jurisdiction.error();
  ScanSummary summary;
  summary.started = clock.now();

  store::ScanMeta meta;
  meta.node = config.node;
  meta.started = summary.started;
  meta.config_file = config.file;
  meta.config_sha256 = config.sha256;
  meta.rules_digest = rules.digest();
  meta.version = options.version;
  auto scan_id = store.begin_scan(meta);
  if (!scan_id) return scan_id.error();
  summary.scan_id = *scan_id;
  // The waiver register: every version of the waivers this scan judges with (issue 8).
  if (auto w = store.record_waivers(config.waivers, summary.started); !w) return w.error();

  asio::io_context io;
  const auto& targets = config.targets;
  std::deque<Pending> done_queue;
  size_t next = 0;
  size_t in_flight = 0;
  const size_t limit = static_cast<size_t>(std::max(1, config.schedule.concurrency));
  std::optional<Error> store_error;

  // Judges and records every finished probe; runs on the loop thread.
  auto drain = [&]() {
    while (!done_queue.empty() && !store_error) {
      Pending p = std::move(done_queue.front());
      done_queue.pop_front();
      const model::Target& target = targets[p.index];
      TimePoint now = clock.now();
      TargetResult tr;
      tr.target = target;
      tr.outcome = p.outcome;
      tr.timed_out = p.timed_out;
      tr.facts = assemble_facts(target, std::move(p.result), p.outcome, now, config.source_name);
      if (*jurisdiction) (*jurisdiction)->enrich(target, &tr.facts, now);
      ruleset::EvalContext ctx{now, &config.attestations, &config.waivers,
                               &config.waiver_max_duration};
      tr.findings = rules.evaluate(target, tr.facts, ctx);
      auto rec = store.record_target(summary.scan_id, target, tr.facts, tr.outcome, tr.findings);
      if (!rec) {
        store_error = rec.error();
        io.stop();
        return;
      }
      ++summary.targets;
      if (!p.outcome.ok) ++summary.probe_errors;
      for (const auto& f : tr.findings) {
        ++summary.by_status[f.status];
        if (f.status == Status::kFail) {
          f.in_force ? ++summary.in_force_failures : ++summary.failures_not_in_force;
        }
      }
      if (on_target) on_target(tr);
    }
  };

  std::function<void()> start_more;
  auto complete = [&](const std::shared_ptr<Run>& run, probes::ProbeResult result, bool timed_out) {
    if (run->finished) return;  // the deadline already decided, or the probe answered twice
    run->finished = true;
    run->timer.cancel();
    store::ProbeOutcome outcome;
    outcome.started = run->started_wall;
    outcome.duration = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() -
                                                            run->started_steady);
    if (timed_out) {
      outcome.ok = false;
      outcome.error = targets[run->index].id + ": probe timed out after " +
                      format_duration(config.schedule.probe_timeout);
      result = probes::ProbeResult{};
    } else {
      outcome.ok = result.ok;
      outcome.error = redact(result.error);
    }
    // Cut off at the deadline: by our timer, or by the probe enforcing it itself, which may stop
    // a little early to report its reason (probes/tls: min(250 ms, a tenth of its budget)).
    auto margin = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::min<Duration>(std::chrono::milliseconds(300), config.schedule.probe_timeout / 8));
    bool cut_off = timed_out || (!outcome.ok &&
                                 std::chrono::steady_clock::now() >= run->timer.expiry() - margin);
    done_queue.push_back({run->index, std::move(result), std::move(outcome), cut_off});
    --in_flight;
    asio::post(io, [&] {
      drain();
      start_more();
    });
  };

  start_more = [&]() {
    while (in_flight < limit && next < targets.size() && !store_error) {
      size_t i = next++;
      ++in_flight;
      auto run = std::make_shared<Run>(io, i);
      run->started_steady = std::chrono::steady_clock::now();
      run->started_wall = clock.now();
      auto deadline =
          run->started_steady + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    config.schedule.probe_timeout);
      run->timer.expires_at(deadline);
      run->timer.async_wait([&, run](const boost::system::error_code& ec) {
        if (!ec) complete(run, {}, true);
      });
      const model::Target& target = targets[i];
      probes::Probe* probe = registry.find(target.kind);
      if (probe == nullptr) {
        probes::ProbeResult r;
        r.ok = false;
        r.error = target.id + ": no probe for kind '" + target.kind + "' in this build";
        complete(run, std::move(r), false);
        continue;
      }
      probes::ProbeContext ctx{&io, &clock, deadline};
      // Exception firewall: a probe that throws is a failed probe, not a dead scan.
      try {
        probe->run(target, ctx,
                   [&, run](probes::ProbeResult r) { complete(run, std::move(r), false); });
      } catch (const std::exception& e) {
        probes::ProbeResult r;
        r.ok = false;
        r.error = target.id + ": probe raised an exception: " + e.what();
        complete(run, std::move(r), false);
      }
    }
  };

  asio::post(io, [&] { start_more(); });
  // The loop thread catches whatever still escapes a handler and carries on (Asio allows run()
  // again after a handler threw).
  while (true) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      store_error = Error(ErrorCode::kInternal, std::string("engine: handler raised: ") + e.what());
      break;
    }
  }
  if (store_error) return *store_error;

  summary.finished = clock.now();
  auto fin = store.finish_scan(summary.scan_id, summary.to_json(), summary.finished);
  if (!fin) return fin.error();
  if (config.retention.count() > 0) {
    auto pr = store.prune(summary.finished - config.retention);
    if (!pr) return pr.error();
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------

FindingDiff diff_findings(const std::vector<model::Finding>& before,
                          const std::vector<model::Finding>& after) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, const model::Finding*> old_map, new_map;
  for (const auto& f : before) old_map[{f.target_id, f.rule_id}] = &f;
  for (const auto& f : after) new_map[{f.target_id, f.rule_id}] = &f;
  FindingDiff diff;
  for (const auto& [key, nf] : new_map) {
    auto it = old_map.find(key);
    const model::Finding* of = it == old_map.end() ? nullptr : it->second;
    bool was_failing = of != nullptr && of->is_in_force_failure();
    FindingChange c{key.first, key.second, of ? std::optional(of->status) : std::nullopt,
                    nf->status, *nf};
    if (nf->is_in_force_failure() && !was_failing) {
      diff.new_failures.push_back(std::move(c));
    } else if (!nf->is_in_force_failure() && was_failing) {
      diff.resolved.push_back(std::move(c));
    } else if (of == nullptr || of->status != nf->status || of->in_force != nf->in_force) {
      diff.changed.push_back(std::move(c));
    }
  }
  for (const auto& [key, of] : old_map) {
    if (new_map.count(key) != 0) continue;
    FindingChange c{key.first, key.second, of->status, std::nullopt, *of};
    if (of->is_in_force_failure()) {
      diff.resolved.push_back(std::move(c));
    } else {
      diff.changed.push_back(std::move(c));
    }
  }
  return diff;
}

}  // namespace sov::engine
