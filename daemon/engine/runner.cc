// SPDX-License-Identifier: Apache-2.0
#include "daemon/engine/runner.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/engine/scheduler.h"
#include "daemon/log/log.h"

namespace sov::engine {

namespace asio = boost::asio;
using model::Json;

std::string target_host(const model::Target& target) {
  auto it = target.spec.find("endpoint");
  if (it == target.spec.end() || !it->is_string()) return "";
  std::string s = it->get<std::string>();
  auto scheme = s.find("://");
  if (scheme != std::string::npos) s = s.substr(scheme + 3);
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    return close == std::string::npos ? s : s.substr(1, close - 1);
  }
  auto end = s.find_first_of(":/");
  return end == std::string::npos ? s : s.substr(0, end);
}

namespace {

std::vector<SchedTarget> sched_targets(const config::Config& cfg) {
  std::vector<SchedTarget> out;
  for (const auto& t : cfg.targets) {
    out.push_back({t.id, target_host(t), config::target_interval(cfg, t)});
  }
  return out;
}

Limits limits_of(const config::Config& cfg) {
  return {static_cast<size_t>(std::max(1, cfg.schedule.concurrency)),
          static_cast<size_t>(std::max(1, cfg.schedule.per_host_concurrency))};
}

void update_target_metrics(metrics::Registry& m, const TargetResult& tr) {
  const std::string& id = tr.target.id;
  m.remove_matching("sovereignd_check_status", "target", id);
  m.remove_matching("sovereignd_check_last_evaluated_timestamp_seconds", "target", id);
  for (const auto& f : tr.findings) {
    m.set("sovereignd_check_status",
          {{"rule_id", f.rule_id},
           {"target", id},
           {"status", std::string(model::status_name(f.status))}},
          1);
    m.set("sovereignd_check_last_evaluated_timestamp_seconds",
          {{"rule_id", f.rule_id}, {"target", id}},
          static_cast<double>(to_unix_seconds(f.evaluated_at)));
  }
  m.set("sovereignd_probe_success", {{"probe", tr.target.kind}, {"target", id}},
        tr.outcome.ok ? 1 : 0);
  m.observe("sovereignd_probe_duration_seconds", {{"probe", tr.target.kind}},
            std::chrono::duration<double>(tr.outcome.duration).count());
  if (!tr.outcome.ok) m.add("sovereignd_probe_errors_total", {{"probe", tr.target.kind}});
  // Certificates: only overwritten by a newer observation, never removed when the probe fails or
  // the certificate expires (the vanishing-series problem, FORMATS.md §5.2).
  const Json& doc = tr.facts.doc();
  auto tls = doc.find("tls");
  if (tls == doc.end() || !tls->is_object()) return;
  auto chain = tls->find("chain");
  if (chain == tls->end() || !chain->is_object() || !chain->contains("certs")) return;
  const Json& certs = (*chain)["certs"];
  if (!certs.is_array()) return;
  m.remove_matching("sovereignd_tls_cert_not_after_timestamp_seconds", "target", id);
  m.remove_matching("sovereignd_tls_cert_not_before_timestamp_seconds", "target", id);
  for (size_t i = 0; i < certs.size(); ++i) {
    const Json& c = certs[i];
    auto cn = [](const Json& name) {
      if (name.is_object() && name.contains("cn") && name["cn"].is_string())
        return name["cn"].get<std::string>();
      return std::string();
    };
    metrics::Labels labels{{"target", id},
                           {"chain_position", std::to_string(i)},
                           {"subject_cn", cn(c.value("subject", Json()))},
                           {"issuer_cn", cn(c.value("issuer", Json()))}};
    for (const char* key : {"not_after", "not_before"}) {
      if (!c.contains(key) || !c[key].is_string()) continue;
      auto t = parse_time(c[key].get<std::string>());
      if (!t) continue;
      std::string name = std::string("sovereignd_tls_cert_") + key + "_timestamp_seconds";
      m.set(name, labels, static_cast<double>(to_unix_seconds(*t)));
    }
  }
}

}  // namespace

struct Runner::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, const ProbeRegistry& p, store::Store& s, RunnerOptions o)
      : io(io_), timer(io_), probes(p), store(s), opts(std::move(o)), scheduler({}, 0.1) {}

  asio::io_context& io;
  asio::steady_timer timer;
  const ProbeRegistry& probes;
  store::Store& store;
  RunnerOptions opts;
  Scheduler scheduler;
  std::shared_ptr<const config::Config> cfg;
  std::shared_ptr<const ruleset::RuleBook> rules;
  std::thread worker;
  bool busy = false;
  bool stopping = false;
  std::function<void()> stop_done;
  std::vector<std::function<void()>> exclusive;
  uint64_t batches = 0;
  Json last_scan = nullptr;
  // Worker thread only (one batch at a time): each target's latest findings, for the diff.
  std::map<std::string, std::vector<model::Finding>> previous;
  // Per-target finding counts of the latest result, for sovereignd_findings (loop thread).
  std::map<std::string, std::map<std::tuple<std::string, std::string, std::string>, size_t>>
      finding_counts;

  const Clock& clock() const { return *opts.clock; }

  void arm() {
    if (stopping) return;
    auto wake = scheduler.next_wake();
    if (!wake) return;
    auto delta = *wake - clock().now();
    if (delta < Duration::zero()) delta = Duration::zero();
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delta) +
                        std::chrono::milliseconds(1));
    std::weak_ptr<Impl> self = weak_from_this();
    timer.async_wait([self](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto s = self.lock()) s->guarded_tick();
    });
  }

  // Exception firewall for timer callbacks (STYLE.md B6 layer 2).
  void guarded_tick() {
    try {
      tick();
    } catch (const std::exception& e) {
      log::error("engine", "engine.handler_exception", "where=tick reason=" + log::quote(e.what()));
      if (opts.metrics) opts.metrics->add("sovereignd_handler_exceptions_total", {});
    }
  }

  void tick() {
    if (stopping || busy || !cfg) return;
    if (!exclusive.empty()) {
      auto work = std::move(exclusive.front());
      exclusive.erase(exclusive.begin());
      launch_exclusive(std::move(work));
      return;
    }
    auto ids = scheduler.take_due(clock().now());
    if (ids.empty()) {
      arm();
      return;
    }
    launch(std::move(ids));
  }

  void launch_exclusive(std::function<void()> work) {
    busy = true;
    auto self = shared_from_this();
    if (worker.joinable()) worker.join();
    worker = std::thread([self, work = std::move(work)] {
      try {
        work();
      } catch (const std::exception& e) {
        log::error("engine", "engine.handler_exception",
                   "where=exclusive reason=" + log::quote(e.what()));
        if (self->opts.metrics) self->opts.metrics->add("sovereignd_handler_exceptions_total", {});
      }
      asio::post(self->io, [self] {
        if (self->worker.joinable()) self->worker.join();
        self->busy = false;
        if (self->stopping) {
          if (self->stop_done) {
            auto d = std::move(self->stop_done);
            self->stop_done = nullptr;
            d();
          }
          return;
        }
        self->tick();
      });
    });
  }

  void launch(std::vector<std::string> ids) {
    auto batch_cfg = std::make_shared<config::Config>(*cfg);
    std::set<std::string> want(ids.begin(), ids.end());
    std::vector<model::Target> keep;
    for (const auto& t : cfg->targets) {
      if (want.count(t.id)) keep.push_back(t);
    }
    batch_cfg->targets = std::move(keep);
    auto batch_rules = rules;
    busy = true;
    TimePoint started = clock().now();
    log::debug("engine", "scan.started", "targets=" + std::to_string(ids.size()));
    auto self = shared_from_this();
    if (worker.joinable()) worker.join();
    worker = std::thread([self, batch_cfg, batch_rules, ids, started] {
      Result<ScanSummary> result = fail(ErrorCode::kInternal, "not run");
      std::vector<TargetResult> done;
      try {
        ScanOptions so{self->opts.clock, self->opts.version};
        result = run_scan(*batch_cfg, *batch_rules, self->probes, self->store, so,
                          [&](const TargetResult& tr) { self->on_target(tr, done); });
        if (self->opts.hooks.after_batch) self->opts.hooks.after_batch();
      } catch (const std::exception& e) {
        result = fail(ErrorCode::kInternal, std::string("scan raised: ") + e.what());
        if (self->opts.metrics) self->opts.metrics->add("sovereignd_handler_exceptions_total", {});
      }
      asio::post(self->io, [self, result = std::move(result), done = std::move(done), ids,
                            started]() mutable {
        self->finish(std::move(result), std::move(done), ids, started);
      });
    });
  }

  // Worker thread.
  void on_target(const TargetResult& tr, std::vector<TargetResult>& done) {
    if (opts.metrics) update_target_metrics(*opts.metrics, tr);
    auto prev = previous.find(tr.target.id);
    if (opts.hooks.on_target) {
      opts.hooks.on_target(tr, prev == previous.end() ? nullptr : &prev->second);
    }
    previous[tr.target.id] = tr.findings;
    if (!tr.outcome.ok) {
      log::warn("engine", "probe.failed",
                "target=" + tr.target.id + " reason=" + log::quote(tr.outcome.error));
    }
    TargetResult light;
    light.target = tr.target;
    light.outcome = tr.outcome;
    light.findings = tr.findings;
    done.push_back(std::move(light));
  }

  void finish(Result<ScanSummary> result, std::vector<TargetResult> done,
              const std::vector<std::string>& ids, TimePoint started) {
    if (worker.joinable()) worker.join();
    busy = false;
    ++batches;
    TimePoint now = clock().now();
    for (const auto& id : ids) scheduler.finished(id, started, now);
    for (const auto& tr : done) {
      auto& counts = finding_counts[tr.target.id];
      counts.clear();
      for (const auto& f : tr.findings) {
        std::string framework = f.ruleset;
        ++counts[{std::string(model::status_name(f.status)),
                  std::string(model::severity_name(f.severity)), framework}];
      }
    }
    if (opts.metrics) {
      opts.metrics->clear("sovereignd_findings");
      std::map<std::tuple<std::string, std::string, std::string>, size_t> total;
      for (const auto& [t, c] : finding_counts) {
        for (const auto& [k, n] : c) total[k] += n;
      }
      for (const auto& [k, n] : total) {
        opts.metrics->set("sovereignd_findings",
                          {{"status", std::get<0>(k)},
                           {"severity", std::get<1>(k)},
                           {"framework", std::get<2>(k)}},
                          static_cast<double>(n));
      }
    }
    std::string line;
    if (result) {
      last_scan = result->to_json();
      line = "scan " + std::to_string(result->scan_id) + ": " + result->to_line();
      log::info("engine", "scan.finished",
                "scan_id=" + std::to_string(result->scan_id) +
                    " targets=" + std::to_string(result->targets) +
                    " in_force_failures=" + std::to_string(result->in_force_failures) +
                    " probe_errors=" + std::to_string(result->probe_errors));
      if (opts.metrics) {
        opts.metrics->set("sovereignd_scan_last_success_timestamp_seconds",
                          {{"schedule", "default"}}, static_cast<double>(to_unix_seconds(now)));
      }
    } else {
      line = "scan failed: " + result.error().to_string();
      log::error("engine", "scan.failed", "reason=" + log::quote(result.error().to_string()));
    }
    if (opts.hooks.on_batch) opts.hooks.on_batch(line);
    if (stopping) {
      if (stop_done) {
        auto d = std::move(stop_done);
        stop_done = nullptr;
        d();
      }
      return;
    }
    tick();
  }
};

Runner::Runner(asio::io_context& io, const ProbeRegistry& probes, store::Store& store,
               RunnerOptions options)
    : impl_(std::make_shared<Impl>(io, probes, store, std::move(options))) {}

Runner::~Runner() {
  impl_->timer.cancel();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void Runner::start(std::shared_ptr<const config::Config> config,
                   std::shared_ptr<const ruleset::RuleBook> rules) {
  swap(std::move(config), std::move(rules));
}

void Runner::swap(std::shared_ptr<const config::Config> config,
                  std::shared_ptr<const ruleset::RuleBook> rules) {
  auto& d = *impl_;
  d.cfg = std::move(config);
  d.rules = std::move(rules);
  d.scheduler.set_limits(limits_of(*d.cfg), d.cfg->schedule.jitter);
  d.scheduler.set_targets(sched_targets(*d.cfg), d.clock().now());
  if (d.opts.metrics) d.opts.metrics->set("sovereignd_targets", {}, d.cfg->targets.size());
  d.timer.cancel();
  if (!d.busy) d.arm();
}

Result<bool> Runner::scan_now(const std::optional<std::string>& target) {
  auto& d = *impl_;
  if (d.stopping) return fail(ErrorCode::kUnavailable, "the daemon is stopping");
  if (!d.scheduler.force(target, d.clock().now())) {
    return fail(ErrorCode::kNotFound, "no target '" + target.value_or("") + "' in the config");
  }
  std::weak_ptr<Impl> self = d.weak_from_this();
  asio::post(d.io, [self] {
    if (auto s = self.lock()) s->guarded_tick();
  });
  return true;
}

Json Runner::status() const {
  const auto& d = *impl_;
  auto wake = d.scheduler.next_wake();
  return {{"state", d.stopping ? "stopping" : (d.busy ? "scanning" : "idle")},
          {"targets", d.cfg ? d.cfg->targets.size() : 0},
          {"in_flight", d.scheduler.in_flight()},
          {"batches", d.batches},
          {"last_scan", d.last_scan},
          {"next_due", wake ? Json(format_rfc3339(*wake)) : Json(nullptr)}};
}

void Runner::stop(std::function<void()> done) {
  auto& d = *impl_;
  d.stopping = true;
  d.timer.cancel();
  if (!d.busy) {
    done();
    return;
  }
  d.stop_done = std::move(done);
}

std::shared_ptr<const config::Config> Runner::config() const { return impl_->cfg; }

void Runner::run_exclusive(std::function<void()> work) {
  auto& d = *impl_;
  if (d.stopping) return;
  d.exclusive.push_back(std::move(work));
  std::weak_ptr<Impl> self = d.weak_from_this();
  asio::post(d.io, [self] {
    if (auto s = self.lock()) s->guarded_tick();
  });
}

}  // namespace sov::engine
