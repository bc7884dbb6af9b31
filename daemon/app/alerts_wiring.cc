// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/alerts_wiring.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/alerts/alerts.h"
#include "daemon/log/log.h"

namespace sov::app {

namespace asio = boost::asio;
using model::Json;

namespace {

// Retry schedule of a failed delivery: 1 s, 2 s, 4 s ... at most 5 min.
constexpr Duration kBackoffBase = std::chrono::seconds(1);
constexpr Duration kBackoffMax = std::chrono::minutes(5);
// How often the loop looks whether undelivered items wait (cheap: an atomic read).
constexpr auto kRetryPoll = std::chrono::seconds(1);

// The previous result is kept only for derive(), which reads neither evidence, basis,
// remediation nor source URL: dropping them halves what 100 targets keep between scans.
void compact(alerts::TargetState* state) {
  for (auto& f : state->findings) {
    std::vector<model::EvidenceItem>().swap(f.evidence);
    f.basis = nullptr;
    std::string().swap(f.remediation);
    std::string().swap(f.source_url);
  }
}

}  // namespace

struct AlertsWiring::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& i, store::Store& s, const Clock& c, metrics::Registry& m)
      : io(i), store(s), clock(c), metrics(m), retry(i) {}
  asio::io_context& io;
  store::Store& store;
  const Clock& clock;
  metrics::Registry& metrics;
  asio::steady_timer retry;
  engine::Runner* runner = nullptr;
  std::atomic<bool> stopped{false};
  bool pass_queued = false;  // loop thread
  std::atomic<int64_t> pending{0};

  // Written on the loop thread (configure), read on the worker: guarded.
  std::mutex mu;
  std::vector<alerts::SinkConfig> sinks;
  std::string node;

  // Worker thread only.
  std::map<std::string, alerts::TargetState> last;
  std::map<std::string, alerts::Alert> active;  // fingerprint -> firing rule alert

  std::vector<alerts::SinkConfig> sinks_copy(std::string* n) {
    std::lock_guard lock(mu);
    if (n) *n = node;
    return sinks;
  }

  static std::string payload_for(const alerts::SinkConfig& sink,
                                 const std::vector<alerts::Alert>& list) {
    if (sink.kind == "alertmanager") {
      Json arr = Json::array();
      for (const auto& a : list) arr.push_back(alerts::alertmanager_alert(a));
      return arr.dump();
    }
    if (sink.kind == "webhook") return alerts::webhook_payload(list, "sovereignd").dump();
    Json arr = Json::array();
    for (const auto& a : list) arr.push_back(alerts::event_json(a));
    return list.size() == 1 ? arr[0].dump() : arr.dump();
  }

  void enqueue(const std::string& key, size_t sink_index, const alerts::SinkConfig& sink,
               const std::vector<alerts::Alert>& list, const std::string& event) {
    auto r = store.outbox_enqueue(key + "|" + std::to_string(sink_index),
                                  std::to_string(sink_index) + ":" + sink.kind,
                                  payload_for(sink, list), clock.now());
    if (!r) {
      log::error("alerts", "alerts.enqueue_failed", "reason=" + log::quote(r.error().to_string()));
      return;
    }
    if (*r) {
      ++pending;  // counted at once: `status` must not say 0 while it waits for its first pass
      metrics.add("sovereignd_alerts_enqueued_total", {{"event", event}});
      log::debug("alerts", "alerts.enqueued", "key=" + log::quote(key) + " sink=" + sink.kind);
    }
  }

  void on_target(const engine::TargetResult& tr) {
    std::string n;
    auto sk = sinks_copy(&n);
    alerts::TargetState now;
    now.target_id = tr.target.id;
    now.probe_ok = tr.outcome.ok;
    now.probe_error = tr.outcome.error;
    now.findings = tr.findings;
    now.evaluated_at = tr.findings.empty() ? clock.now() : tr.findings.front().evaluated_at;
    alerts::read_target_facts(tr.facts.doc(), &now);
    auto prev = last.find(tr.target.id);
    alerts::DeriveOptions opts;
    opts.node = n;
    auto events = alerts::derive(now, prev == last.end() ? nullptr : &prev->second, opts);
    for (const auto& a : events) {
      if (!a.rule_id.empty()) {
        if (a.ends_at) {
          active.erase(a.fingerprint());
        } else {
          active[a.fingerprint()] = a;
        }
      }
      for (size_t i = 0; i < sk.size(); ++i) {
        if (!sk[i].wants(a.event)) continue;
        enqueue(a.dedup_key, i, sk[i], {a}, std::string(alerts::event_name(a.event)));
      }
    }
    compact(&now);
    last[tr.target.id] = std::move(now);
  }

  // Loop thread, before the runner starts.
  Result<size_t> restore(const config::Config& cfg) {
    auto latest = store.latest_target_scans();
    if (!latest) return latest.error();
    std::set<std::string> configured;
    for (const auto& t : cfg.targets) configured.insert(t.id);
    alerts::DeriveOptions opts;
    sinks_copy(&opts.node);
    size_t restored = 0;
    for (const auto& [target, scan_id] : *latest) {
      if (!configured.count(target)) continue;
      auto state = recorded_state(target, scan_id);
      if (!state) return state.error();
      // What a first result would announce as new is what is still firing: Alertmanager gets
      // it re-sent each cycle, as before the restart. Nothing is enqueued here.
      for (auto& a : alerts::derive(*state, nullptr, opts)) {
        if (!a.rule_id.empty() && !a.ends_at) active[a.fingerprint()] = std::move(a);
      }
      compact(&*state);
      last[target] = std::move(*state);
      ++restored;
    }
    return restored;
  }

  Result<alerts::TargetState> recorded_state(const std::string& target, int64_t scan_id) {
    store::FindingQuery q;
    q.scan_id = scan_id;
    q.target_id = target;
    auto found = store.findings(q);
    if (!found) return found.error();
    auto rec = store.target_record(scan_id, target);
    if (!rec) return rec.error();
    alerts::TargetState st;
    st.target_id = target;
    st.probe_ok = rec->outcome.ok;
    st.probe_error = rec->outcome.error;
    for (auto& sf : *found) st.findings.push_back(std::move(sf.finding));
    st.evaluated_at = st.findings.empty() ? rec->outcome.started : st.findings.front().evaluated_at;
    alerts::read_target_facts(rec->facts.doc(), &st);
    return st;
  }

  // Alertmanager forgets alerts that are not re-sent (resolve_timeout): re-send the firing ones
  // every cycle (FORMATS.md §5.3).
  void refresh_alertmanager() {
    if (active.empty()) return;
    auto sk = sinks_copy(nullptr);
    std::vector<alerts::Alert> list;
    for (const auto& [fp, a] : active) list.push_back(a);
    auto stamp = std::to_string(to_unix_seconds(clock.now()));
    for (size_t i = 0; i < sk.size(); ++i) {
      if (sk[i].kind != "alertmanager") continue;
      enqueue("refresh|" + stamp, i, sk[i], list, "refresh");
    }
  }

  // Worker thread (exclusive use of the store).
  void pass() {
    auto sk = sinks_copy(nullptr);
    auto due = store.outbox_due(clock.now(), 200);
    if (!due) {
      log::error("alerts", "alerts.outbox_failed", "reason=" + log::quote(due.error().to_string()));
      return;
    }
    for (const auto& item : *due) {
      if (stopped) break;
      size_t colon = item.kind.find(':');
      size_t index = std::strtoul(item.kind.substr(0, colon).c_str(), nullptr, 10);
      std::string kind = colon == std::string::npos ? "" : item.kind.substr(colon + 1);
      Result<bool> r = fail(ErrorCode::kNotFound, "sink no longer configured");
      if (index < sk.size() && sk[index].kind == kind) r = alerts::deliver(sk[index], item.payload);
      if (r) {
        (void)store.outbox_delivered(item.id, clock.now());
        log::info("alerts", "alerts.delivered",
                  "sink=" + kind + " key=" + log::quote(item.dedup_key) +
                      " attempts=" + std::to_string(item.attempts + 1));
      } else {
        (void)store.outbox_failed(item.id, r.error().to_string(), clock.now(), kBackoffBase,
                                  kBackoffMax);
        if (kind == "exec" && r.error().code() == ErrorCode::kTimeout) {
          metrics.add("sovereignd_watchdog_kills_total", {{"kind", "exec_sink"}});
        }
        log::warn("alerts", "alerts.delivery_failed",
                  "sink=" + kind + " key=" + log::quote(item.dedup_key) +
                      " attempts=" + std::to_string(item.attempts + 1) +
                      " reason=" + log::quote(r.error().to_string()));
      }
    }
    auto p = store.outbox_pending();
    if (p) pending = *p;
  }

  void queue_pass() {
    if (stopped || runner == nullptr || pass_queued) return;
    pass_queued = true;
    auto self = shared_from_this();
    runner->run_exclusive([self] {
      self->pass();
      asio::post(self->io, [self] { self->pass_queued = false; });
    });
  }

  void arm_retry() {
    if (stopped) return;
    retry.expires_after(kRetryPoll);
    std::weak_ptr<Impl> weak = weak_from_this();
    retry.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self) return;
      if (self->pending.load() > 0) self->queue_pass();
      self->arm_retry();
    });
  }
};

AlertsWiring::AlertsWiring(asio::io_context& io, store::Store& store, const Clock& clock,
                           metrics::Registry& metrics)
    : impl_(std::make_shared<Impl>(io, store, clock, metrics)) {
  auto p = store.outbox_pending();
  if (p) impl_->pending = *p;
}

AlertsWiring::~AlertsWiring() { stop(); }

void AlertsWiring::configure(const config::Config& config) {
  std::vector<alerts::SinkConfig> sinks;
  for (const auto& entry : config.alerts) {
    auto s = alerts::sink_from_json(entry);
    if (!s) {
      log::error("alerts", "alerts.sink_invalid", "reason=" + log::quote(s.error().to_string()));
      continue;
    }
    sinks.push_back(std::move(*s));
  }
  std::lock_guard lock(impl_->mu);
  impl_->sinks = std::move(sinks);
  impl_->node = config.node;
}

Result<size_t> AlertsWiring::restore(const config::Config& config) {
  return impl_->restore(config);
}

void AlertsWiring::set_runner(engine::Runner* runner) {
  impl_->runner = runner;
  impl_->arm_retry();
}

void AlertsWiring::on_target(const engine::TargetResult& tr) { impl_->on_target(tr); }

void AlertsWiring::after_batch() {
  impl_->refresh_alertmanager();
  impl_->pass();
}

void AlertsWiring::deliver_due() {
  if (impl_->pending.load() > 0) impl_->queue_pass();
}

void AlertsWiring::stop() {
  impl_->stopped = true;
  impl_->retry.cancel();
}

int64_t AlertsWiring::pending() const { return impl_->pending.load(); }

}  // namespace sov::app
