// SPDX-License-Identifier: Apache-2.0
// The keyword table of sovereignd.yaml: every key, its type, default, constraints and meaning.
// This is the only place defaults are written down. The loader validates against it,
// dump_redacted() masks its secret keys, `sovereignctl config schema` prints it, and tests check
// that sovereignd.yaml(5) and packaging/examples/sovereignd.yaml list exactly these keys.
//
// Columns: name (dotted; "[]" marks the entries of a list), type, default (as written in YAML),
// required, secret, kinds (target or alert kinds the key applies to; empty = all), element (item
// type of a list), choices (allowed values), range (min..max in the key's own syntax),
// url_allowed, description.
#include <algorithm>
#include <sstream>

#include "daemon/config/config.h"

namespace sov::config {

namespace {

using enum KeyType;

constexpr const char* kTargetKinds = "declared tls s3 path postgres key_file pkcs11 kms";
constexpr const char* kAlertKinds = "alertmanager webhook exec syslog";
constexpr const char* kAlertEvents =
    "new_failure resolved still_failing cert_expiring provider_changed scan_error";

std::vector<Keyword> make_table() {
  return {
      // Top level.
      {.name = "node",
       .description = "Name of this node in reports, alerts and metrics; default: the host name"},
      {.name = "store",
       .type = kPath,
       .default_value = "/var/lib/sovereignd/sovereignd.db",
       .description = "SQLite database holding scans, facts, findings, waivers and the outbox"},
      {.name = "rules",
       .type = kList,
       .default_value = "[/usr/share/sovereignd/rules, /etc/sovereignd/rules.d]",
       .description = "Rule set directories or files, loaded in this order",
       .element = kPath},
      {.name = "providers",
       .type = kPath,
       .description = "Provider registry directory (one YAML file per provider); default: the "
                      "providers folder of the first rules directory that has one"},
      {.name = "address_database",
       .type = kPath,
       .description = "MaxMind-format database (GeoLite2-Country/ASN or compatible) giving each "
                      "observed address its country and ASN; optional"},
      {.name = "strict_rules",
       .type = kBool,
       .default_value = "false",
       .description = "Treat warnings of the rule loader as errors"},
      {.name = "retention",
       .type = kDuration,
       .default_value = "0",
       .description = "How long scans are kept before they are pruned; 0 keeps every scan"},
      {.name = "log_level",
       .default_value = "info",
       .description = "Least severe level written to the log",
       .choices = "trace debug info warn error"},

      {.name = "schedule", .type = kMap, .description = "When and how fast targets are scanned"},
      {.name = "schedule.interval",
       .type = kDuration,
       .default_value = "1h",
       .description = "Time between two scans of a target",
       .range = "1s..366d"},
      {.name = "schedule.jitter",
       .type = kPercent,
       .default_value = "10%",
       .description = "Random delay before each scan, as a share of the interval"},
      {.name = "schedule.concurrency",
       .type = kInteger,
       .default_value = "64",
       .description = "Probes in flight at once, over all targets",
       .range = "1..10000"},
      {.name = "schedule.per_host_concurrency",
       .type = kInteger,
       .default_value = "4",
       .description = "Probes in flight at once against one host; at most concurrency",
       .range = "1..10000"},
      {.name = "schedule.probe_timeout",
       .type = kDuration,
       .default_value = "10s",
       .description = "Deadline of one probe run; shorter than every scan interval",
       .range = "100ms..1h"},

      // Targets: what is audited.
      {.name = "targets",
       .type = kList,
       .description = "What is audited, one entry per target",
       .element = kMap},
      {.name = "targets[].id",
       .required = true,
       .description = "Unique name of the target: letters, digits, '_', '.' and '-'"},
      {.name = "targets[].kind",
       .required = true,
       .description = "What the target is, which decides its probe and its other keys",
       .choices = kTargetKinds},
      {.name = "targets[].tags",
       .type = kMap,
       .description = "Labels rules use for applicability; each a string or a list of strings",
       .element = kList},
      {.name = "targets[].declared",
       .type = kMap,
       .description = "Facts the operator declares about the target (free-form map)",
       .element = kMap},
      {.name = "targets[].declared_as_of",
       .type = kDate,
       .description = "Date at which the declared facts were last known to be true"},
      {.name = "targets[].declared_source",
       .default_value = "<config file>:<line>",
       .description = "Where the declared facts come from: a contract, a register, a document"},
      {.name = "targets[].endpoint",
       .type = kHostPort,
       .required = true,
       .kinds = "tls s3 postgres kms",
       .description = "Network address of the service: host:port or a URL",
       .url_allowed = true},
      {.name = "targets[].sni",
       .kinds = "tls",
       .description = "Server name sent in the TLS handshake; default: the endpoint's host"},
      {.name = "targets[].alpn",
       .type = kList,
       .kinds = "tls",
       .description = "ALPN protocol names offered in the handshake, in order"},
      {.name = "targets[].starttls",
       .kinds = "tls",
       .description = "Protocol spoken in clear before the TLS handshake (STARTTLS)",
       .choices = "smtp postgres"},
      {.name = "targets[].ca_file",
       .type = kPath,
       .kinds = "tls s3 postgres",
       .description = "PEM file of trust anchors to verify the chain with; default: the system's"},
      {.name = "targets[].ca_dir",
       .type = kPath,
       .kinds = "tls",
       .description = "Directory of hashed trust anchors (c_rehash); default: the system's"},
      {.name = "targets[].tls",
       .type = kMap,
       .kinds = "tls postgres",
       .description = "Options of the TLS probe"},
      {.name = "targets[].tls.mode",
       .default_value = "full",
       .kinds = "tls postgres",
       .description = "handshake: one handshake; full: also every protocol version and cipher",
       .choices = "handshake full"},
      {.name = "targets[].bucket", .required = true, .kinds = "s3", .description = "Bucket name"},
      {.name = "targets[].region",
       .kinds = "s3",
       .description = "Region used to sign requests; default: derived from the endpoint"},
      {.name = "targets[].credentials",
       .type = kMap,
       .kinds = "s3",
       .description = "Where the access key pair is read: file or env, one of them, never inline"},
      {.name = "targets[].credentials.file",
       .type = kPath,
       .secret = true,
       .kinds = "s3",
       .description = "File holding the key pair: access_key_id and secret_access_key lines "
                      "(AWS shared-credentials style, aws_ prefix accepted)"},
      {.name = "targets[].credentials.env",
       .secret = true,
       .kinds = "s3",
       .description = "Prefix P of the environment variables P_ACCESS_KEY_ID and "
                      "P_SECRET_ACCESS_KEY holding the key pair (AWS gives the AWS_ pair)"},
      {.name = "targets[].credentials.profile",
       .kinds = "s3",
       .description =
           "Section of the credentials file to use; default: [default], or the only one"},
      {.name = "targets[].addressing",
       .default_value = "auto",
       .kinds = "s3",
       .description = "path: host/bucket; virtual: bucket.host; auto: virtual for a DNS-compatible "
                      "bucket on a host name, else path",
       .choices = "auto path virtual"},
      {.name = "targets[].connect_to",
       .type = kHostPort,
       .kinds = "s3",
       .description = "Address connected to instead of the endpoint's host (Host header, SNI and "
                      "certificate check keep the endpoint's)"},
      {.name = "targets[].path",
       .type = kPath,
       .required = true,
       .kinds = "path key_file",
       .description = "Directory, mount point or key file inspected"},
      {.name = "targets[].user",
       .default_value = "sovereignd",
       .kinds = "postgres",
       .description = "User named in the plain StartupMessage; no password is ever sent"},
      {.name = "targets[].database",
       .kinds = "postgres",
       .description = "Database named in the plain StartupMessage; default: the user"},
      {.name = "targets[].module",
       .type = kPath,
       .required = true,
       .kinds = "pkcs11",
       .description = "PKCS#11 module (shared library) giving access to the token"},
      {.name = "targets[].token",
       .required = true,
       .kinds = "pkcs11",
       .description = "Label of the token"},
      {.name = "targets[].key",
       .kinds = "pkcs11",
       .description = "Label of the key inspected; default: every key of the token"},
      {.name = "targets[].key_id",
       .kinds = "pkcs11",
       .description = "CKA_ID of the key inspected, in hexadecimal (5ea1 or 5e:a1); with key, "
                      "both must match"},
      {.name = "targets[].pin_file",
       .type = kPath,
       .secret = true,
       .kinds = "pkcs11",
       .description = "File holding the user PIN (pin_file or pin_env, not both)"},
      {.name = "targets[].pin_env",
       .secret = true,
       .kinds = "pkcs11",
       .description = "Environment variable holding the user PIN"},
      {.name = "targets[].holder",
       .kinds = "kms",
       .description = "Who holds the key material",
       .choices = "customer provider"},
      {.name = "targets[].origin",
       .kinds = "kms",
       .description = "Where the key material comes from: hold or bring your own key, or provider",
       .choices = "hyok byok provider"},
      {.name = "targets[].rotation",
       .type = kDuration,
       .kinds = "kms",
       .description = "Declared rotation period of the key",
       .range = "1d.."},
      {.name = "targets[].interval",
       .type = kDuration,
       .description = "Scan interval of this target; default: schedule.interval",
       .range = "1s..366d"},

      // Human decisions.
      {.name = "attestations",
       .type = kList,
       .description = "Human answers to manual rules",
       .element = kMap},
      {.name = "attestations[].rule", .required = true, .description = "Id of the rule answered"},
      {.name = "attestations[].target",
       .description = "Id of the target covered; default: every target"},
      {.name = "attestations[].status",
       .required = true,
       .description = "What the person found",
       .choices = "pass fail"},
      {.name = "attestations[].by", .required = true, .description = "Who attests: name and role"},
      {.name = "attestations[].statement", .description = "What was checked, in words"},
      {.name = "attestations[].date",
       .type = kDate,
       .required = true,
       .description = "When it was attested; it applies from then"},
      {.name = "attestations[].expires",
       .type = kDate,
       .description = "When it stops applying; the rule is manual again after that"},
      {.name = "attestations[].evidence",
       .description = "Reference to what was checked: document, ticket or URL"},
      {.name = "waivers",
       .type = kList,
       .description = "Accepted deviations, each with an owner and an end",
       .element = kMap},
      {.name = "waivers[].id", .required = true, .description = "Unique name of the waiver"},
      {.name = "waivers[].rules",
       .type = kList,
       .description = "Ids or globs of the rules waived (SNC-19.6-*); this or 'rule' is needed"},
      {.name = "waivers[].rule",
       .description = "Id of the one rule waived (older form of 'rules')"},
      {.name = "waivers[].targets",
       .type = kList,
       .description = "Target ids or tag:KEY=VALUE selectors covered; default: every target"},
      {.name = "waivers[].target",
       .description = "Id of the one target covered (older form of 'targets')"},
      {.name = "waivers[].reason",
       .required = true,
       .description = "Why the deviation is accepted; never empty"},
      {.name = "waivers[].category",
       .description = "Kind of decision",
       .choices = "accepted-risk false-positive compensating-control remediation-planned"},
      {.name = "waivers[].approved_by",
       .description = "Who accepts it: name and role; this or 'by' is needed"},
      {.name = "waivers[].by", .description = "Who accepts it (older form of 'approved_by')"},
      {.name = "waivers[].ticket",
       .description = "Change or risk ticket that records the decision"},
      {.name = "waivers[].created",
       .type = kDate,
       .required = true,
       .description = "When it was granted; it applies from then"},
      {.name = "waivers[].expires",
       .type = kDate,
       .required = true,
       .description = "When it ends: every waiver must expire, within waiver_max_duration"},
      {.name = "waivers[].review_every",
       .type = kDuration,
       .description = "How often the decision is reviewed before it expires",
       .range = "1d.."},
      {.name = "waivers[].mode",
       .default_value = "report_only",
       .description = "report_only: run the rule and report waived; skip: do not judge it",
       .choices = "report_only skip"},
      {.name = "waivers[].revoked",
       .type = kDate,
       .description = "When it was revoked; it stops applying then and stays for the record"},
      {.name = "waivers[].revoked_by", .description = "Who revoked it"},
      {.name = "waiver_max_duration",
       .type = kMap,
       .description = "Longest waiver allowed for a rule of each severity (created to expires)"},
      {.name = "waiver_max_duration.critical",
       .type = kDuration,
       .default_value = "30d",
       .description = "For critical rules",
       .range = "1d.."},
      {.name = "waiver_max_duration.high",
       .type = kDuration,
       .default_value = "90d",
       .description = "For high rules",
       .range = "1d.."},
      {.name = "waiver_max_duration.medium",
       .type = kDuration,
       .default_value = "180d",
       .description = "For medium rules",
       .range = "1d.."},
      {.name = "waiver_max_duration.low",
       .type = kDuration,
       .default_value = "365d",
       .description = "For low and info rules",
       .range = "1d.."},
      {.name = "attestation_files",
       .type = kList,
       .description = "Waiver and attestation files: YAML with attestations and waivers lists",
       .element = kPath},

      // Alerts.
      {.name = "alerts",
       .type = kList,
       .description = "Where changes are announced, one entry per sink",
       .element = kMap},
      {.name = "alerts[].kind",
       .required = true,
       .description = "Sink type",
       .choices = kAlertKinds},
      {.name = "alerts[].url",
       .type = kUrl,
       .required = true,
       .kinds = "alertmanager webhook",
       .description = "http or https URL the alerts are posted to"},
      {.name = "alerts[].on",
       .type = kList,
       .default_value =
           "[new_failure, resolved, still_failing, cert_expiring, provider_changed, scan_error]",
       .description = "Events sent to this sink",
       .choices = kAlertEvents},
      {.name = "alerts[].command",
       .type = kList,
       .required = true,
       .kinds = "exec",
       .description = "Program and its arguments; each event arrives as JSON on its stdin"},
      {.name = "alerts[].timeout",
       .type = kDuration,
       .default_value = "10s",
       .kinds = "alertmanager webhook exec",
       .description = "Deadline of one delivery attempt",
       .range = "100ms..10m"},
      {.name = "alerts[].headers_file",
       .type = kPath,
       .secret = true,
       .kinds = "alertmanager webhook",
       .description = "File of extra HTTP headers, one 'Name: value' a line (Authorization)"},
      {.name = "alerts[].ca_file",
       .type = kPath,
       .kinds = "alertmanager webhook",
       .description = "https URLs: PEM file of the trust anchors the receiver's certificate must "
                      "chain to; default: the system's trust store"},
      {.name = "alerts[].facility",
       .default_value = "daemon",
       .kinds = "syslog",
       .description = "Syslog facility",
       .choices = "daemon user local0 local1 local2 local3 local4 local5 local6 local7"},
      {.name = "alerts[].socket",
       .type = kPath,
       .default_value = "/dev/log",
       .kinds = "syslog",
       .description = "Unix datagram socket of the local syslog daemon; each event is one RFC 5424 "
                      "message with structured data"},

      // Local interfaces.
      {.name = "http", .type = kMap, .description = "The HTTP listener"},
      {.name = "http.listen",
       .type = kHostPort,
       .default_value = "127.0.0.1:9469",
       .description = "Address serving /metrics and /healthz"},
      {.name = "control", .type = kMap, .description = "The control socket"},
      {.name = "control.socket",
       .type = kPath,
       .default_value = "/run/sovereignd/control.sock",
       .description = "Unix socket sovereignctl talks to"},
  };
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

const std::vector<Keyword>& keyword_table() {
  static const std::vector<Keyword> table = make_table();
  return table;
}

const Keyword* find_keyword(std::string_view name) {
  for (const auto& k : keyword_table()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

bool keyword_applies(const Keyword& kw, std::string_view kind) {
  if (kw.kinds.empty()) return true;
  auto kinds = split_words(kw.kinds);
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case kString:
      return "string";
    case kInteger:
      return "integer";
    case kNumber:
      return "number";
    case kBool:
      return "bool";
    case kDuration:
      return "duration";
    case kPercent:
      return "percent";
    case kDate:
      return "date";
    case kList:
      return "list";
    case kMap:
      return "map";
    case kPath:
      return "path";
    case kHostPort:
      return "host:port";
    case kUrl:
      return "url";
  }
  return "?";
}

const std::vector<std::string>& target_kinds() {
  static const std::vector<std::string> kinds = split_words(kTargetKinds);
  return kinds;
}

const std::vector<std::string>& alert_kinds() {
  static const std::vector<std::string> kinds = split_words(kAlertKinds);
  return kinds;
}

const std::vector<std::string>& alert_events() {
  static const std::vector<std::string> events = split_words(kAlertEvents);
  return events;
}

}  // namespace sov::config
