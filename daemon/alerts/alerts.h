// SPDX-License-Identifier: Apache-2.0
#pragma once
// daemon/alerts: alert events derived from the difference between a target's last two results
// (DESIGN.md §9, FORMATS.md §5.3), their payloads (Alertmanager API v2, Alertmanager webhook v4
// shape with an HMAC-SHA256 signature, exec, syslog) and their delivery to one sink.
//
// Delivery is at-least-once through the store's outbox: the daemon enqueues each event under its
// stable dedup key (dedup_key()), and delivers due items with deliver(), marking them delivered
// or failed with exponential backoff. This module does not see the store (layering, STYLE.md B3).
//
// Threading: derive() and the payload builders are pure. deliver() blocks the calling thread
// (the daemon calls it on its worker thread, never the loop) for at most the sink's timeout: it
// runs its own event loop for HTTP sinks, and kills an exec sink's child on expiry.
// Secrets (headers_file content, the signing secret) never appear in payloads, errors or logs.

#include <optional>
#include <string>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::alerts {

enum class Event {
  kNewFailure,
  kResolved,
  kStillFailing,
  kCertExpiring,
  kProviderChanged,
  kScanError
};
std::string_view event_name(Event e);

struct Alert {
  Event event = Event::kNewFailure;
  std::string node;
  std::string target_id;
  std::string rule_id;  // "" for target-level events (scan_error, provider_changed, cert)
  std::string title;
  std::string severity;   // low medium high critical
  std::string reference;  // legal reference, e.g. "SecNumCloud 3.2 §19.6 b"
  std::string framework;  // rule set id
  std::string summary;
  std::string description;
  TimePoint starts_at{};
  std::optional<TimePoint> ends_at;  // set: the alert is resolved
  std::string dedup_key;             // outbox key, stable for one occurrence of the event

  /// Alertmanager labels: alertname, event, rule_id, target, severity, framework, host.
  model::Json labels() const;
  /// Stable identity of the alert (same for firing and resolved): hex of the labels' hash.
  std::string fingerprint() const;
};

/// What the daemon knows of one target's result, for derive().
struct TargetState {
  std::string target_id;
  bool probe_ok = true;
  std::string probe_error;
  std::vector<model::Finding> findings;
  std::optional<std::string> provider;      // provider.id fact, when known
  std::optional<TimePoint> cert_not_after;  // leaf certificate, when the target has one
  TimePoint evaluated_at{};
};

struct DeriveOptions {
  std::string node;
  Duration reminder = std::chrono::hours(24);  // still_failing at most once per period
  Duration cert_warning = std::chrono::hours(24 * 30);
};

/// The events between `before` (nullptr: first result since start) and `now`: new_failure and
/// resolved per rule (in-force failures only), still_failing once per reminder period,
/// cert_expiring once per certificate, provider_changed, scan_error when the probe failed.
std::vector<Alert> derive(const TargetState& now, const TargetState* before,
                          const DeriveOptions& options);

/// Extracts provider.id and tls.leaf.not_after (or tls.chain.certs[0]) from a fact document.
void read_target_facts(const model::Json& facts, TargetState* state);

/// One alert in the Alertmanager API v2 shape {labels, annotations, startsAt, endsAt?,
/// generatorURL}.
model::Json alertmanager_alert(const Alert& alert);
/// The Alertmanager webhook notification (version "4") carrying `alerts`.
model::Json webhook_payload(const std::vector<Alert>& alerts, const std::string& receiver);
/// The exec sink's stdin and the syslog line: one event as a flat JSON object.
model::Json event_json(const Alert& alert);

/// Hex HMAC-SHA256 of `body` under `secret` (the X-Sovereignd-Signature header is
/// "sha256=<hex>").
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

/// A sink as configured (config's alerts[] entries, already validated).
struct SinkConfig {
  std::string kind;  // alertmanager webhook exec syslog
  std::string url;
  std::vector<std::string> on;  // events sent; empty = all
  Duration timeout = std::chrono::seconds(10);
  std::string headers_file;  // "Name: value" lines; X-Sovereignd-Secret: signs, not sent
  std::string ca_file;       // https: trust anchors (PEM); empty: the system's
  std::vector<std::string> command;
  std::string facility = "daemon";
  std::string socket = "/dev/log";  // syslog: the local daemon's unix datagram socket

  bool wants(Event e) const;
};

/// The syslog sink's datagram for one event (event_json()): RFC 5424, PRI from `facility` and
/// the event's severity (critical: crit, high: err, medium: warning, low and resolved: notice),
/// HOSTNAME the node, APP-NAME sovereignd, MSGID the event name, structured data
/// [sovereignd@32473 event rule_id target severity framework reference fingerprint status],
/// then the summary.
std::string syslog_message(const std::string& payload, const std::string& facility, TimePoint now);

/// Parses one config alerts[] entry. kInvalidInput for a missing url/command.
Result<SinkConfig> sink_from_json(const model::Json& entry);

/// Delivers one payload (as built for the sink's kind) and waits for the answer, at most
/// `sink.timeout`. exec: the command runs in its own process group with the event on stdin and
/// SOVEREIGND_EVENT, _RULE_ID, _TARGET, _SEVERITY, _FRAMEWORK, _NODE, _FINGERPRINT and _STATUS
/// (firing or resolved) in its environment; at the timeout the group is killed (SIGKILL), also
/// when it does not read its stdin. syslog: one syslog_message() datagram to `sink.socket`,
/// never blocking (a full or absent socket is kUnavailable, retried). Success: a 2xx answer, exit
/// status 0, or syslog accepted. Errors: kTimeout, kUnavailable (refused, non-2xx: "HTTP 503"),
/// kInvalidInput (bad URL, unreadable ca_file, "certificate verify failed: ..." for an https
/// receiver whose certificate does not chain to sink.ca_file or the system's trust store, or
/// does not name the URL's host), kIo (exec could not start, non-zero exit). Blocks the calling
/// thread.
Result<bool> deliver(const SinkConfig& sink, const std::string& payload);

}  // namespace sov::alerts
