// SPDX-License-Identifier: Apache-2.0
#include "daemon/metrics/metrics.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace sov::metrics {

namespace {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string render_labels(const Labels& labels, const std::string& extra_key = {},
                          const std::string& extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + escape_label_value(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

const char* type_name(Type t) {
  switch (t) {
    case Type::kGauge:
      return "gauge";
    case Type::kCounter:
      return "counter";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string escape_help(const std::string& h) {
  std::string out;
  for (char c : h) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Registry::declare(const std::string& name, Type type, const std::string& help,
                       std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.buckets = std::move(buckets);
}

void Registry::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  families_[name].values[labels] = value;
}

void Registry::add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mu_);
  families_[name].values[labels] += delta;
}

void Registry::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  Histogram& h = f.histograms[labels];
  if (h.counts.size() != f.buckets.size() + 1) h.counts.assign(f.buckets.size() + 1, 0);
  size_t i = 0;
  while (i < f.buckets.size() && value > f.buckets[i]) ++i;
  ++h.counts[i];
  h.sum += value;
  ++h.count;
}

void Registry::remove_matching(const std::string& name, const std::string& key,
                               const std::string& value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  auto& values = it->second.values;
  for (auto v = values.begin(); v != values.end();) {
    bool match = false;
    for (const auto& [k, lv] : v->first) match = match || (k == key && lv == value);
    v = match ? values.erase(v) : std::next(v);
  }
}

void Registry::clear(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  it->second.values.clear();
  it->second.histograms.clear();
}

double Registry::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return std::numeric_limits<double>::quiet_NaN();
  auto v = it->second.values.find(labels);
  return v == it->second.values.end() ? std::numeric_limits<double>::quiet_NaN() : v->second;
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + type_name(f.type) + "\n";
    if (f.type == Type::kHistogram) {
      for (const auto& [labels, h] : f.histograms) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < f.buckets.size(); ++i) {
          cumulative += h.counts[i];
          out += name + "_bucket" + render_labels(labels, "le", format_value(f.buckets[i])) + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += name + "_bucket" + render_labels(labels, "le", "+Inf") + " " +
               std::to_string(h.count) + "\n";
        out += name + "_sum" + render_labels(labels) + " " + format_value(h.sum) + "\n";
        out += name + "_count" + render_labels(labels) + " " + std::to_string(h.count) + "\n";
      }
      continue;
    }
    for (const auto& [labels, v] : f.values) {
      out += name + render_labels(labels) + " " + format_value(v) + "\n";
    }
  }
  return out;
}

void declare_sovereignd_metrics(Registry& r) {
  r.declare("sovereignd_build_info", Type::kGauge,
            "Always 1; labels give the version and the loaded rule set digest.");
  r.declare("sovereignd_check_status", Type::kGauge,
            "1 for the current status of each rule on each target (one status per rule and "
            "target).");
  r.declare("sovereignd_check_last_evaluated_timestamp_seconds", Type::kGauge,
            "When each rule was last evaluated on each target, Unix time.");
  r.declare("sovereignd_check_evidence_expiry_timestamp_seconds", Type::kGauge,
            "When the evidence of each rule on each target goes stale (its oldest dated source "
            "plus the rule's max_age), Unix time; absent when the rule sets no max_age.");
  r.declare("sovereignd_findings", Type::kGauge,
            "Findings of the latest result of every target, by status, severity and framework.");
  r.declare("sovereignd_probe_success", Type::kGauge,
            "1 when the last probe of a target succeeded, else 0.");
  r.declare("sovereignd_probe_duration_seconds", Type::kHistogram,
            "Duration of probe runs by probe kind.",
            {0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  r.declare("sovereignd_probe_errors_total", Type::kCounter,
            "Failed probe runs by probe kind and reason (timeout: cut off at "
            "schedule.probe_timeout; error: the probe reported a failure).");
  r.declare("sovereignd_scan_last_success_timestamp_seconds", Type::kGauge,
            "When a scan cycle last completed, Unix time.");
  r.declare("sovereignd_config_last_reload_successful", Type::kGauge,
            "1 when the last configuration reload succeeded, else 0.");
  r.declare("sovereignd_config_last_reload_success_timestamp_seconds", Type::kGauge,
            "When the configuration was last loaded successfully, Unix time.");
  r.declare("sovereignd_tls_cert_not_after_timestamp_seconds", Type::kGauge,
            "notAfter of each certificate last seen on a TLS target, kept after expiry.");
  r.declare("sovereignd_tls_cert_not_before_timestamp_seconds", Type::kGauge,
            "notBefore of each certificate last seen on a TLS target.");
  r.declare("sovereignd_tls_cert_stale", Type::kGauge,
            "1 when the latest probe of a TLS target saw no certificate, so its certificate "
            "series are the last known ones; 0 when they are from the latest probe.");
  r.declare("sovereignd_tls_version_info", Type::kGauge,
            "Always 1; the TLS protocol version last negotiated with each target.");
  r.declare("sovereignd_tls_cipher_info", Type::kGauge,
            "Always 1; the cipher suite last negotiated with each target.");
  r.declare("sovereignd_watchdog_kills_total", Type::kCounter,
            "Work cut off at its deadline: probes at schedule.probe_timeout (kind=probe), exec "
            "alert sinks at their timeout (kind=exec_sink).");
  r.declare("sovereignd_watchdog_pings_total", Type::kCounter,
            "WATCHDOG=1 notifications sent to systemd from the event loop.");
  r.declare("sovereignd_waiver_expiry_timestamp_seconds", Type::kGauge,
            "When each configured waiver expires, Unix time.");
  r.declare("sovereignd_targets", Type::kGauge, "Targets in the loaded configuration.");
  r.declare("sovereignd_handler_exceptions_total", Type::kCounter,
            "Exceptions caught at the event-loop firewall (should stay 0).");
  r.declare("sovereignd_alerts_enqueued_total", Type::kCounter,
            "Alert notifications written to the outbox, by event.");
}

}  // namespace sov::metrics
