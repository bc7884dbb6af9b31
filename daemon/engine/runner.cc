// SPDX-License-Identifier: Apache-2.0
#include "daemon/engine/runner.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <malloc.h>
#include <sys/inotify.h>
#include <unistd.h>

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

// When the evidence of a finding goes stale: its oldest dated source plus the rule's max_age.
// nullopt when the rule sets no max_age or no evidence source has a date.
std::optional<TimePoint> evidence_expiry(const model::Finding& f, const ruleset::RuleBook& rules) {
  const ruleset::RuleInfo* rule = rules.find_rule(f.rule_id);
  if (rule == nullptr || !rule->max_age) return std::nullopt;
  std::optional<TimePoint> oldest;
  for (const auto& e : f.evidence) {
    if (!e.source || !e.source->when) continue;
    if (!oldest || *e.source->when < *oldest) oldest = *e.source->when;
  }
  if (!oldest) return std::nullopt;
  return *oldest + *rule->max_age;
}

void update_check_metrics(metrics::Registry& m, const TargetResult& tr,
                          const ruleset::RuleBook& rules) {
  const std::string& id = tr.target.id;
  for (const char* name :
       {"sovereignd_check_status", "sovereignd_check_last_evaluated_timestamp_seconds",
        "sovereignd_check_evidence_expiry_timestamp_seconds"}) {
    m.remove_matching(name, "target", id);
  }
  for (const auto& f : tr.findings) {
    metrics::Labels check{{"rule_id", f.rule_id}, {"target", id}};
    m.set("sovereignd_check_status",
          {{"rule_id", f.rule_id},
           {"target", id},
           {"status", std::string(model::status_name(f.status))}},
          1);
    m.set("sovereignd_check_last_evaluated_timestamp_seconds", check,
          static_cast<double>(to_unix_seconds(f.evaluated_at)));
    if (auto expiry = evidence_expiry(f, rules)) {
      m.set("sovereignd_check_evidence_expiry_timestamp_seconds", check,
            static_cast<double>(to_unix_seconds(*expiry)));
    }
  }
}

void update_probe_metrics(metrics::Registry& m, const TargetResult& tr) {
  const std::string& id = tr.target.id;
  m.set("sovereignd_probe_success", {{"probe", tr.target.kind}, {"target", id}},
        tr.outcome.ok ? 1 : 0);
  m.observe("sovereignd_probe_duration_seconds", {{"probe", tr.target.kind}},
            std::chrono::duration<double>(tr.outcome.duration).count());
  if (!tr.outcome.ok) {
    // Two reasons only: the probe's own error texts name hosts and paths (high cardinality).
    m.add("sovereignd_probe_errors_total",
          {{"probe", tr.target.kind}, {"reason", tr.timed_out ? "timeout" : "error"}});
  }
  if (tr.timed_out) m.add("sovereignd_watchdog_kills_total", {{"kind", "probe"}});
}

std::string string_at(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// tls.protocol and tls.cipher, as blackbox_exporter's probe_tls_version_info: one series per
// target, replaced by each new observation.
void update_tls_info(metrics::Registry& m, const std::string& id, const Json& tls) {
  std::string version = string_at(tls, "protocol");
  std::string cipher = string_at(tls, "cipher");
  if (!version.empty()) {
    m.remove_matching("sovereignd_tls_version_info", "target", id);
    m.set("sovereignd_tls_version_info", {{"target", id}, {"version", version}}, 1);
  }
  if (!cipher.empty()) {
    m.remove_matching("sovereignd_tls_cipher_info", "target", id);
    m.set("sovereignd_tls_cipher_info", {{"target", id}, {"cipher", cipher}}, 1);
  }
}

// Certificates: only overwritten by a newer observation, never removed when the probe fails or
// the certificate expires (the vanishing-series problem, FORMATS.md §5.2);
// sovereignd_tls_cert_stale says whether the series are from the latest probe.
void update_tls_metrics(metrics::Registry& m, const TargetResult& tr) {
  const std::string& id = tr.target.id;
  const Json& doc = tr.facts.doc();
  auto tls = doc.find("tls");
  const Json* certs = nullptr;
  if (tls != doc.end() && tls->is_object()) {
    update_tls_info(m, id, *tls);
    auto chain = tls->find("chain");
    if (chain != tls->end() && chain->is_object() && chain->contains("certs") &&
        (*chain)["certs"].is_array()) {
      certs = &(*chain)["certs"];
    }
  }
  if (certs == nullptr) {
    if (!std::isnan(m.value("sovereignd_tls_cert_stale", {{"target", id}}))) {
      m.set("sovereignd_tls_cert_stale", {{"target", id}}, 1);
    }
    return;
  }
  m.set("sovereignd_tls_cert_stale", {{"target", id}}, 0);
  m.remove_matching("sovereignd_tls_cert_not_after_timestamp_seconds", "target", id);
  m.remove_matching("sovereignd_tls_cert_not_before_timestamp_seconds", "target", id);
  for (size_t i = 0; i < certs->size(); ++i) {
    const Json& c = (*certs)[i];
    auto cn = [](const Json& name) {
      return name.is_object() ? string_at(name, "cn") : std::string();
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

void update_target_metrics(metrics::Registry& m, const TargetResult& tr,
                           const ruleset::RuleBook& rules) {
  update_check_metrics(m, tr, rules);
  update_probe_metrics(m, tr);
  update_tls_metrics(m, tr);
}

// Change-triggered re-evaluation: the key and certificate files targets name (`ca_file`, and
// `path` of key_file targets) are watched with inotify, and a change makes the target due now.
// Their directories are watched rather than the files, so a file replaced by rename (editors,
// certbot, configuration management) is seen as well as one rewritten in place.
std::vector<std::string> watched_files(const model::Target& t) {
  std::vector<std::string> out;
  auto add = [&](const char* key) {
    auto it = t.spec.find(key);
    if (it != t.spec.end() && it->is_string() && !it->get<std::string>().empty()) {
      out.push_back(it->get<std::string>());
    }
  };
  add("ca_file");
  if (t.kind == "key_file") add("path");
  return out;
}

class FileWatch {
 public:
  using OnChange = std::function<void(const std::string& file, const std::set<std::string>& ids)>;

  FileWatch(asio::io_context& io, OnChange on_change) : fd_(io), on_change_(std::move(on_change)) {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      log::warn("engine", "engine.watch_failed",
                "reason=" + log::quote(std::string("inotify: ") + std::strerror(errno)));
      return;
    }
    fd_.assign(fd);
  }

  // Replaces the watched set with the files of `cfg`'s targets.
  void set(const config::Config& cfg) {
    if (!fd_.is_open()) return;
    for (const auto& [wd, dir] : dirs_) ::inotify_rm_watch(fd_.native_handle(), wd);
    dirs_.clear();
    files_.clear();
    std::map<std::string, int> wd_of;
    for (const auto& t : cfg.targets) {
      for (const auto& file : watched_files(t)) {
        std::filesystem::path p(file);
        std::string dir = p.parent_path().string();
        if (dir.empty()) dir = ".";
        if (!wd_of.count(dir)) {
          int wd = ::inotify_add_watch(
              fd_.native_handle(), dir.c_str(),
              IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_ONLYDIR);
          if (wd < 0) {
            log::warn("engine", "engine.watch_failed",
                      "dir=" + log::quote(dir) + " reason=" + log::quote(std::strerror(errno)));
            continue;
          }
          wd_of[dir] = wd;
          dirs_[wd] = dir;
        }
        files_[{wd_of[dir], p.filename().string()}].insert(t.id);
      }
    }
    if (!dirs_.empty() && !waiting_) wait();
  }

 private:
  void wait() {
    waiting_ = true;
    // The handler may run after the watch is gone (destroyed with a completion queued).
    std::weak_ptr<bool> alive = alive_;
    fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                   [this, alive](const boost::system::error_code& ec) {
                     if (alive.expired()) return;
                     waiting_ = false;
                     if (ec) return;
                     drain();
                     if (!dirs_.empty()) wait();
                   });
  }

  void drain() {
    alignas(inotify_event) char buf[16 * 1024];
    while (true) {
      ssize_t n = ::read(fd_.native_handle(), buf, sizeof buf);
      if (n <= 0) return;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->len == 0) continue;
        auto it = files_.find({ev->wd, std::string(ev->name)});
        if (it == files_.end()) continue;
        auto dir = dirs_.find(ev->wd);
        on_change_(dir == dirs_.end() ? it->first.second : dir->second + "/" + it->first.second,
                   it->second);
      }
    }
  }

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  asio::posix::stream_descriptor fd_;
  OnChange on_change_;
  bool waiting_ = false;
  std::map<int, std::string> dirs_;                                     // wd -> directory
  std::map<std::pair<int, std::string>, std::set<std::string>> files_;  // (wd, name) -> targets
};

// (status, severity, framework) -> findings, of one target's latest result.
using FindingCounts = std::map<std::tuple<std::string, std::string, std::string>, size_t>;
using DoneTarget = std::pair<std::string, FindingCounts>;

}  // namespace

struct Runner::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, const ProbeRegistry& p, store::Store& s, RunnerOptions o)
      : io(io_),
        timer(io_),
        probes(p),
        store(s),
        opts(std::move(o)),
        scheduler({}, 0.1),
        watch(io_, [this](const std::string& file, const std::set<std::string>& ids) {
          on_file_changed(file, ids);
        }) {}

  asio::io_context& io;
  asio::steady_timer timer;
  const ProbeRegistry& probes;
  store::Store& store;
  RunnerOptions opts;
  Scheduler scheduler;
  FileWatch watch;
  std::shared_ptr<const config::Config> cfg;
  std::shared_ptr<const ruleset::RuleBook> rules;
  std::thread worker;
  bool busy = false;
  bool stopping = false;
  std::function<void()> stop_done;
  std::vector<std::function<void()>> exclusive;
  uint64_t batches = 0;
  Json last_scan = nullptr;
  // Per-target finding counts of the latest result, for sovereignd_findings (loop thread).
  std::map<std::string, FindingCounts> finding_counts;

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

  // Loop thread (the watch's handler): the targets naming `file` are due now.
  void on_file_changed(const std::string& file, const std::set<std::string>& ids) {
    if (stopping) return;
    for (const auto& id : ids) {
      log::info("engine", "engine.file_changed", "target=" + id + " file=" + log::quote(file));
      scheduler.force(id, clock().now());
    }
    guarded_tick();
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
      std::vector<DoneTarget> done;
      try {
        ScanOptions so{self->opts.clock, self->opts.version};
        result = run_scan(*batch_cfg, *batch_rules, self->probes, self->store, so,
                          [&](const TargetResult& tr) { self->on_target(tr, *batch_rules, done); });
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
  void on_target(const TargetResult& tr, const ruleset::RuleBook& book,
                 std::vector<DoneTarget>& done) {
    if (opts.metrics) update_target_metrics(*opts.metrics, tr, book);
    if (opts.hooks.on_target) opts.hooks.on_target(tr);
    if (!tr.outcome.ok) {
      log::warn("engine", "probe.failed",
                "target=" + tr.target.id + " reason=" + log::quote(tr.outcome.error));
    }
    // Only the counts go back to the loop: the findings themselves are not kept (idle memory).
    FindingCounts counts;
    for (const auto& f : tr.findings) {
      ++counts[{std::string(model::status_name(f.status)),
                std::string(model::severity_name(f.severity)), f.ruleset}];
    }
    done.emplace_back(tr.target.id, std::move(counts));
  }

  void finish(Result<ScanSummary> result, std::vector<DoneTarget> done,
              const std::vector<std::string>& ids, TimePoint started) {
    if (worker.joinable()) worker.join();
    busy = false;
    ++batches;
    TimePoint now = clock().now();
    for (const auto& id : ids) scheduler.finished(id, started, now);
    for (auto& [id, counts] : done) finding_counts[id] = std::move(counts);
    done.clear();
    // What the batch allocated is free now: give it back to the system rather than keep it
    // in malloc's arenas between scans (idle RSS, issue 7).
    ::malloc_trim(0);
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
  d.watch.set(*d.cfg);
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
