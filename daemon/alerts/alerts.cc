// SPDX-License-Identifier: Apache-2.0
#include "daemon/alerts/alerts.h"

#include <cstdio>
#include <map>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sov::alerts {

using model::Json;
using model::Status;

std::string_view event_name(Event e) {
  switch (e) {
    case Event::kNewFailure:
      return "new_failure";
    case Event::kResolved:
      return "resolved";
    case Event::kStillFailing:
      return "still_failing";
    case Event::kCertExpiring:
      return "cert_expiring";
    case Event::kProviderChanged:
      return "provider_changed";
    case Event::kScanError:
      return "scan_error";
  }
  return "unknown";
}

namespace {

std::string alertname(const Alert& a) {
  switch (a.event) {
    case Event::kNewFailure:
    case Event::kResolved:
    case Event::kStillFailing:
      return "SovereigndCheckFailing";
    case Event::kCertExpiring:
      return "SovereigndCertificateExpiring";
    case Event::kProviderChanged:
      return "SovereigndProviderChanged";
    case Event::kScanError:
      return "SovereigndScanError";
  }
  return "Sovereignd";
}

std::string ns(TimePoint t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

Alert rule_alert(Event e, const model::Finding& f, const TargetState& now, const DeriveOptions& o) {
  Alert a;
  a.event = e;
  a.node = o.node;
  a.target_id = now.target_id;
  a.rule_id = f.rule_id;
  a.title = f.title;
  a.severity = std::string(model::severity_name(f.severity));
  a.reference = f.reference;
  a.framework = f.ruleset;
  a.starts_at = f.evaluated_at;
  std::string what = e == Event::kResolved ? "no longer fails" : "fails";
  a.summary = f.rule_id + " " + what + " on " + now.target_id + " (" + f.reference + ")";
  a.description = f.message;
  return a;
}

}  // namespace

Json Alert::labels() const {
  Json l = {{"alertname", alertname(*this)}, {"target", target_id}, {"host", node}};
  if (!rule_id.empty()) l["rule_id"] = rule_id;
  if (!severity.empty()) l["severity"] = severity;
  if (!framework.empty()) l["framework"] = framework;
  if (!reference.empty()) l["framework_control"] = reference;
  return l;
}

std::string Alert::fingerprint() const {
  // FNV-1a 64 over the canonical labels: stable across runs and hosts.
  std::string s = labels().dump();
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void read_target_facts(const Json& facts, TargetState* state) {
  auto at = [&](std::initializer_list<const char*> path) -> const Json* {
    const Json* j = &facts;
    for (const char* k : path) {
      if (!j->is_object()) return nullptr;
      auto it = j->find(k);
      if (it == j->end()) return nullptr;
      j = &*it;
    }
    return j;
  };
  if (const Json* p = at({"provider", "id"}); p && p->is_string())
    state->provider = p->get<std::string>();
  const Json* na = at({"tls", "leaf", "not_after"});
  if (na == nullptr || !na->is_string()) {
    const Json* certs = at({"tls", "chain", "certs"});
    if (certs && certs->is_array() && !certs->empty() && (*certs)[0].is_object() &&
        (*certs)[0].contains("not_after") && (*certs)[0]["not_after"].is_string()) {
      na = &(*certs)[0]["not_after"];
    }
  }
  if (na && na->is_string()) state->cert_not_after = parse_time(na->get<std::string>());
}

std::vector<Alert> derive(const TargetState& now, const TargetState* before,
                          const DeriveOptions& o) {
  std::vector<Alert> out;
  std::map<std::string, const model::Finding*> old;
  if (before) {
    for (const auto& f : before->findings) old[f.rule_id] = &f;
  }
  const auto reminder_s =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(o.reminder).count());
  for (const auto& f : now.findings) {
    auto it = old.find(f.rule_id);
    bool was = it != old.end() && it->second->is_in_force_failure();
    if (f.is_in_force_failure() && !was) {
      Alert a = rule_alert(Event::kNewFailure, f, now, o);
      a.dedup_key = "new_failure|" + now.target_id + "|" + f.rule_id + "|" + ns(f.evaluated_at);
      out.push_back(std::move(a));
    } else if (f.is_in_force_failure() && was) {
      Alert a = rule_alert(Event::kStillFailing, f, now, o);
      a.dedup_key = "still_failing|" + now.target_id + "|" + f.rule_id + "|" +
                    std::to_string(to_unix_seconds(f.evaluated_at) / reminder_s);
      out.push_back(std::move(a));
    } else if (!f.is_in_force_failure() && was) {
      Alert a = rule_alert(Event::kResolved, f, now, o);
      a.ends_at = f.evaluated_at;
      a.starts_at = it->second->evaluated_at;
      a.dedup_key = "resolved|" + now.target_id + "|" + f.rule_id + "|" + ns(f.evaluated_at);
      out.push_back(std::move(a));
    }
  }
  // Rules gone from the result (removed from the rule set or no longer applicable) resolve too.
  if (before) {
    std::map<std::string, bool> present;
    for (const auto& f : now.findings) present[f.rule_id] = true;
    for (const auto& f : before->findings) {
      if (present.count(f.rule_id) || !f.is_in_force_failure()) continue;
      Alert a = rule_alert(Event::kResolved, f, now, o);
      a.starts_at = f.evaluated_at;
      a.ends_at = now.evaluated_at;
      a.dedup_key = "resolved|" + now.target_id + "|" + f.rule_id + "|" + ns(now.evaluated_at);
      out.push_back(std::move(a));
    }
  }
  auto target_alert = [&](Event e, std::string summary) {
    Alert a;
    a.event = e;
    a.node = o.node;
    a.target_id = now.target_id;
    a.severity = e == Event::kScanError ? "high" : "medium";
    a.starts_at = now.evaluated_at;
    a.summary = std::move(summary);
    return a;
  };
  if (!now.probe_ok) {
    Alert a = target_alert(Event::kScanError, "probe of " + now.target_id + " failed");
    a.description = now.probe_error;
    a.dedup_key = "scan_error|" + now.target_id + "|" + ns(now.evaluated_at);
    out.push_back(std::move(a));
  }
  if (now.cert_not_after && *now.cert_not_after - now.evaluated_at < o.cert_warning) {
    Alert a = target_alert(Event::kCertExpiring, "certificate of " + now.target_id + " expires " +
                                                     format_rfc3339(*now.cert_not_after));
    a.dedup_key = "cert_expiring|" + now.target_id + "|" + ns(*now.cert_not_after);
    out.push_back(std::move(a));
  }
  if (before && before->provider && now.provider && *before->provider != *now.provider) {
    Alert a =
        target_alert(Event::kProviderChanged, "provider of " + now.target_id + " changed from " +
                                                  *before->provider + " to " + *now.provider);
    a.dedup_key = "provider_changed|" + now.target_id + "|" + *before->provider + "|" +
                  *now.provider + "|" + ns(now.evaluated_at);
    out.push_back(std::move(a));
  }
  return out;
}

Json alertmanager_alert(const Alert& a) {
  Json j = {{"labels", a.labels()},
            {"annotations",
             {{"summary", a.summary},
              {"description", a.description},
              {"event", std::string(event_name(a.event))},
              {"title", a.title}}},
            {"startsAt", format_rfc3339(a.starts_at)},
            {"generatorURL", "sovereignd://" + a.node + "/targets/" + a.target_id}};
  if (a.ends_at) j["endsAt"] = format_rfc3339(*a.ends_at);
  return j;
}

Json webhook_payload(const std::vector<Alert>& alerts, const std::string& receiver) {
  Json list = Json::array();
  bool firing = false;
  for (const auto& a : alerts) {
    Json j = alertmanager_alert(a);
    j["status"] = a.ends_at ? "resolved" : "firing";
    j["fingerprint"] = a.fingerprint();
    if (!a.ends_at) j["endsAt"] = "0001-01-01T00:00:00Z";
    firing = firing || !a.ends_at;
    list.push_back(std::move(j));
  }
  Json common = alerts.empty() ? Json::object() : alerts[0].labels();
  return {{"receiver", receiver},   {"status", firing ? "firing" : "resolved"},
          {"alerts", list},         {"groupLabels", Json::object()},
          {"commonLabels", common}, {"commonAnnotations", Json::object()},
          {"externalURL", ""},      {"version", "4"},
          {"groupKey", "{}:{}"},    {"truncatedAlerts", 0}};
}

Json event_json(const Alert& a) {
  Json j = {{"event", std::string(event_name(a.event))},
            {"node", a.node},
            {"target", a.target_id},
            {"rule_id", a.rule_id},
            {"severity", a.severity},
            {"reference", a.reference},
            {"framework", a.framework},
            {"summary", a.summary},
            {"description", a.description},
            {"starts_at", format_rfc3339(a.starts_at)},
            {"fingerprint", a.fingerprint()}};
  if (a.ends_at) j["ends_at"] = format_rfc3339(*a.ends_at);
  return j;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), md, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

bool SinkConfig::wants(Event e) const {
  if (on.empty()) return true;
  for (const auto& x : on) {
    if (x == event_name(e)) return true;
  }
  return false;
}

Result<SinkConfig> sink_from_json(const Json& j) {
  SinkConfig s;
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) {
    return fail(ErrorCode::kInvalidInput, "alert sink without kind");
  }
  s.kind = j["kind"].get<std::string>();
  if (j.contains("url") && j["url"].is_string()) s.url = j["url"].get<std::string>();
  if (j.contains("on") && j["on"].is_array()) {
    for (const auto& e : j["on"]) {
      if (e.is_string()) s.on.push_back(e.get<std::string>());
    }
  }
  if (j.contains("timeout") && j["timeout"].is_string()) {
    if (auto d = parse_duration(j["timeout"].get<std::string>())) s.timeout = *d;
  }
  if (j.contains("headers_file") && j["headers_file"].is_string()) {
    s.headers_file = j["headers_file"].get<std::string>();
  }
  if (j.contains("ca_file") && j["ca_file"].is_string()) {
    s.ca_file = j["ca_file"].get<std::string>();
  }
  if (j.contains("command") && j["command"].is_array()) {
    for (const auto& c : j["command"]) {
      if (c.is_string()) s.command.push_back(c.get<std::string>());
    }
  }
  if (j.contains("facility") && j["facility"].is_string()) {
    s.facility = j["facility"].get<std::string>();
  }
  if (j.contains("socket") && j["socket"].is_string()) s.socket = j["socket"].get<std::string>();
  if ((s.kind == "alertmanager" || s.kind == "webhook") && s.url.empty()) {
    return fail(ErrorCode::kInvalidInput, s.kind + " sink without url");
  }
  if (s.kind == "exec" && s.command.empty()) {
    return fail(ErrorCode::kInvalidInput, "exec sink without command");
  }
  return s;
}

}  // namespace sov::alerts
