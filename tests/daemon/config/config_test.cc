// SPDX-License-Identifier: Apache-2.0
// daemon/config: defaults, every key type, every kind of error, relative paths, attestation
// files, the node cap and dump_redacted(). Whole error texts are asserted in golden_test.cc.
#include "daemon/config/config.h"

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/base/redact.h"
#include "tests/support/temp_dir.h"

namespace sov::config {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct Loaded {
  std::shared_ptr<const Config> config;
  std::string errors;  // every diagnostic, formatted
  size_t error_count = 0;
  std::optional<Error> error;
};

Loaded load(std::string_view text, const std::string& base_dir = "/etc/sovereignd") {
  Diagnostics diags;
  auto r = load_config_text("test.yaml", text, base_dir, &diags);
  Loaded out;
  out.errors = diags.to_string();
  out.error_count = diags.error_count();
  if (r) {
    out.config = *r;
  } else {
    out.error = r.error();
  }
  return out;
}

// Loads `text`, expecting success.
std::shared_ptr<const Config> ok(std::string_view text,
                                 const std::string& base_dir = "/etc/sovereignd") {
  Loaded l = load(text, base_dir);
  EXPECT_TRUE(l.config) << l.errors;
  EXPECT_EQ(l.errors, "");
  return l.config;
}

// Loads `text`, expecting exactly one error, and returns its formatted text.
std::string one_error(std::string_view text) {
  Loaded l = load(text);
  EXPECT_FALSE(l.config);
  EXPECT_EQ(l.error_count, 1u) << l.errors;
  return l.errors;
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

constexpr const char* kTls = "targets:\n  - {id: api, kind: tls, endpoint: api.example.fr:443}\n";

// ---------------------------------------------------------------------------------------------
// Defaults and types.

TEST(ConfigLoader, EmptyDocumentGivesEveryDefault) {
  for (std::string_view text : {"", "# only a comment\n", "~\n"}) {
    auto c = ok(text);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->node, host_name());
    EXPECT_EQ(c->store, "/var/lib/sovereignd/sovereignd.db");
    EXPECT_THAT(c->rules, ElementsAre("/usr/share/sovereignd/rules", "/etc/sovereignd/rules.d"));
    EXPECT_FALSE(c->strict_rules);
    EXPECT_EQ(c->retention, Duration{0});
    EXPECT_EQ(c->log_level, "info");
    EXPECT_EQ(c->schedule.interval, std::chrono::hours(1));
    EXPECT_DOUBLE_EQ(c->schedule.jitter, 0.10);
    EXPECT_EQ(c->schedule.concurrency, 64);
    EXPECT_EQ(c->schedule.per_host_concurrency, 4);
    EXPECT_EQ(c->schedule.probe_timeout, std::chrono::seconds(10));
    EXPECT_TRUE(c->targets.empty());
    EXPECT_TRUE(c->attestations.empty());
    EXPECT_TRUE(c->waivers.empty());
    EXPECT_TRUE(c->alerts.empty());
    EXPECT_EQ(c->http_listen, "127.0.0.1:9469");
    EXPECT_EQ(c->control_socket, "/run/sovereignd/control.sock");
    EXPECT_EQ(c->file, "");
    EXPECT_EQ(c->source_name, "test.yaml");
  }
}

TEST(ConfigLoader, ReadsEveryScalarType) {
  auto c = ok(R"(node: hds-node-01
store: /srv/sov.db
rules: [/opt/rules]
strict_rules: true
retention: 90d
log_level: debug
schedule:
  interval: 30m
  jitter: 12.5%
  concurrency: 10
  per_host_concurrency: 2
  probe_timeout: 1500ms
http: {listen: "[::1]:9000"}
control: {socket: /tmp/sov.sock}
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node, "hds-node-01");
  EXPECT_EQ(c->store, "/srv/sov.db");
  EXPECT_THAT(c->rules, ElementsAre("/opt/rules"));
  EXPECT_TRUE(c->strict_rules);
  EXPECT_EQ(c->retention, std::chrono::hours(24 * 90));
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->schedule.interval, std::chrono::minutes(30));
  EXPECT_DOUBLE_EQ(c->schedule.jitter, 0.125);
  EXPECT_EQ(c->schedule.concurrency, 10);
  EXPECT_EQ(c->schedule.per_host_concurrency, 2);
  EXPECT_EQ(c->schedule.probe_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->http_listen, "[::1]:9000");
  EXPECT_EQ(c->control_socket, "/tmp/sov.sock");
}

TEST(ConfigLoader, AcceptsZeroRetentionAndZeroJitter) {
  auto c = ok("retention: 0\nschedule: {jitter: 0}\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->retention, Duration{0});
  EXPECT_EQ(c->schedule.jitter, 0.0);
}

TEST(ConfigLoader, EmptySectionsTakeDefaults) {
  auto c = ok("schedule:\ntargets:\nalerts: []\nhttp: {}\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->schedule.concurrency, 64);
  EXPECT_TRUE(c->targets.empty());
}

TEST(ConfigLoader, BuildsTargetsWithTagsDeclaredFactsAndSpec) {
  auto c = ok(R"(targets:
  - id: api
    kind: tls
    endpoint: api.example.fr:443
    sni: www.example.fr
    alpn: [h2, http/1.1]
    starttls: smtp
    tags: {data_class: health, entity: [operateur_etat, ose]}
    declared:
      provider: scaleway
      encrypted: true
      replicas: 3
      share: 0.5
      version: "3"
      nothing: ~
      sites: [paris, {city: lyon}]
    declared_as_of: 2026-03-01
    interval: 15m
  - id: kms
    kind: kms
    endpoint: https://kms.fr-par.scw.cloud
    holder: customer
    origin: byok
    rotation: 90d
    declared: {holder: customer}
    declared_source: contract 2026-001
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->targets.size(), 2u);
  const model::Target& api = c->targets[0];
  EXPECT_EQ(api.id, "api");
  EXPECT_EQ(api.kind, "tls");
  EXPECT_THAT(api.tags.at("data_class"), ElementsAre("health"));
  EXPECT_THAT(api.tags.at("entity"), ElementsAre("operateur_etat", "ose"));
  EXPECT_TRUE(api.has_tag("data_class", "health"));
  EXPECT_EQ(api.declared["provider"], "scaleway");
  EXPECT_EQ(api.declared["encrypted"], true);
  EXPECT_EQ(api.declared["replicas"], 3);
  EXPECT_EQ(api.declared["share"], 0.5);
  EXPECT_EQ(api.declared["version"], "3");  // quoted: stays a string
  EXPECT_TRUE(api.declared["nothing"].is_null());
  EXPECT_EQ(api.declared["sites"][1]["city"], "lyon");
  EXPECT_EQ(api.declared_source.kind, model::SourceKind::kDeclared);
  EXPECT_EQ(api.declared_source.where, "test.yaml:9");
  ASSERT_TRUE(api.declared_source.when);
  EXPECT_EQ(format_date(*api.declared_source.when), "2026-03-01");
  EXPECT_EQ(api.spec["endpoint"], "api.example.fr:443");
  EXPECT_EQ(api.spec["sni"], "www.example.fr");
  EXPECT_EQ(api.spec["alpn"], model::Json::array({"h2", "http/1.1"}));
  EXPECT_EQ(api.spec["starttls"], "smtp");
  EXPECT_EQ(api.spec["tls"]["mode"], "full");  // default filled in
  EXPECT_EQ(api.spec["interval"], "15m");
  EXPECT_FALSE(api.spec.contains("tags"));
  EXPECT_FALSE(api.spec.contains("bucket"));
  EXPECT_EQ(target_interval(*c, api), std::chrono::minutes(15));

  const model::Target& kms = c->targets[1];
  EXPECT_EQ(kms.spec["holder"], "customer");
  EXPECT_EQ(kms.spec["origin"], "byok");
  EXPECT_EQ(kms.spec["rotation"], "90d");
  EXPECT_FALSE(kms.spec.contains("tls"));
  EXPECT_EQ(kms.declared_source.where, "contract 2026-001");
  EXPECT_FALSE(kms.declared_source.when);
  EXPECT_EQ(target_interval(*c, kms), std::chrono::hours(1));
}

TEST(ConfigLoader, AcceptsEveryTargetKind) {
  auto c = ok(R"(targets:
  - {id: d, kind: declared, declared: {provider: ovh}}
  - {id: t, kind: tls, endpoint: "[2001:db8::1]:443", tls: {mode: full}}
  - {id: s, kind: s3, endpoint: https://s3.fr-par.scw.cloud, bucket: b, region: fr-par,
     credentials: {env: SOV_S3}}
  - {id: p, kind: path, path: /srv/data}
  - {id: pg, kind: postgres, endpoint: postgres://db.internal:5432/app}
  - {id: k, kind: key_file, path: /etc/ssl/private/api.key}
  - {id: h, kind: pkcs11, module: /usr/lib/softhsm/libsofthsm2.so, token: hdh, key: master,
     pin_env: SOV_PIN}
  - {id: m, kind: kms, endpoint: kms.example.fr:443}
)");
  ASSERT_TRUE(c);
  std::vector<std::string> kinds;
  for (const auto& t : c->targets) kinds.push_back(t.kind);
  EXPECT_THAT(
      kinds, ElementsAre("declared", "tls", "s3", "path", "postgres", "key_file", "pkcs11", "kms"));
  EXPECT_EQ(c->targets[1].spec["tls"]["mode"], "full");
  EXPECT_EQ(c->targets[2].spec["credentials"]["env"], "SOV_S3");
  EXPECT_EQ(c->targets[6].spec["pin_env"], "SOV_PIN");
  EXPECT_EQ(target_kinds(), (std::vector<std::string>{"declared", "tls", "s3", "path", "postgres",
                                                      "key_file", "pkcs11", "kms"}));
}

TEST(ConfigLoader, BuildsAlertsWithDefaults) {
  auto c = ok(R"(alerts:
  - {kind: alertmanager, url: http://127.0.0.1:9093}
  - {kind: webhook, url: https://hooks.example.fr/sov, on: [new_failure, resolved],
     headers_file: secrets/hook-headers, timeout: 3s}
  - {kind: exec, command: [/usr/local/bin/notify-oncall, --urgent]}
  - {kind: syslog}
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->alerts.size(), 4u);
  const auto& am = c->alerts[0];
  EXPECT_EQ(am["kind"], "alertmanager");
  EXPECT_EQ(am["url"], "http://127.0.0.1:9093");
  EXPECT_EQ(am["timeout"], "10s");
  EXPECT_EQ(am["on"].size(), alert_events().size());
  EXPECT_FALSE(am.contains("facility"));
  EXPECT_FALSE(am.contains("command"));
  const auto& hook = c->alerts[1];
  EXPECT_EQ(hook["on"], model::Json::array({"new_failure", "resolved"}));
  EXPECT_EQ(hook["headers_file"], "/etc/sovereignd/secrets/hook-headers");
  EXPECT_EQ(hook["timeout"], "3s");
  EXPECT_EQ(c->alerts[2]["command"],
            model::Json::array({"/usr/local/bin/notify-oncall", "--urgent"}));
  EXPECT_EQ(c->alerts[3]["facility"], "daemon");
  EXPECT_FALSE(c->alerts[3].contains("timeout"));
}

TEST(ConfigLoader, BuildsAttestationsAndWaivers) {
  auto c = ok(std::string(kTls) + R"(attestations:
  - {rule: SNC-19.6-b1, target: api, status: pass, by: "J. Doe, DPO",
     statement: Capital table reviewed, date: 2026-01-15, expires: 2027-01-15}
  - {rule: HDS-4.2, status: fail, by: auditor, date: "2026-02-01T10:00:00Z"}
waivers:
  - id: w-2026-01
    rule: SNC-19.2
    target: api
    reason: Migration planned for Q3
    by: CISO
    created: 2026-01-10
    expires: 2026-09-30
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->attestations.size(), 2u);
  const auto& a = c->attestations[0];
  EXPECT_EQ(a.rule_id, "SNC-19.6-b1");
  EXPECT_EQ(a.target_id, "api");
  EXPECT_EQ(a.status, model::Status::kPass);
  EXPECT_EQ(a.by, "J. Doe, DPO");
  EXPECT_EQ(a.statement, "Capital table reviewed");
  EXPECT_EQ(format_date(a.date), "2026-01-15");
  ASSERT_TRUE(a.expires);
  EXPECT_EQ(a.file, "test.yaml:4");
  EXPECT_EQ(c->attestations[1].status, model::Status::kFail);
  EXPECT_EQ(c->attestations[1].target_id, "");
  EXPECT_EQ(format_rfc3339(c->attestations[1].date), "2026-02-01T10:00:00Z");
  ASSERT_EQ(c->waivers.size(), 1u);
  const auto& w = c->waivers[0];
  EXPECT_EQ(w.id, "w-2026-01");
  EXPECT_EQ(w.rule_id, "SNC-19.2");
  EXPECT_EQ(w.reason, "Migration planned for Q3");
  EXPECT_EQ(format_date(w.created), "2026-01-10");
  ASSERT_TRUE(w.expires);
  EXPECT_EQ(format_date(*w.expires), "2026-09-30");
  EXPECT_EQ(w.file, "test.yaml:8");
}

TEST(ConfigLoader, AcceptsAliasesWithinTheBudget) {
  auto c = ok(R"(targets:
  - {id: a, kind: tls, endpoint: a.example.fr:443, tags: &health {data_class: health}}
  - {id: b, kind: tls, endpoint: b.example.fr:443, tags: *health}
)");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->targets[1].has_tag("data_class", "health"));
}

// ---------------------------------------------------------------------------------------------
// Paths.

TEST(ConfigLoader, ResolvesRelativePathsAgainstTheConfigDirectory) {
  testing::TempDir dir;
  dir.write("conf/decisions.yaml",
            "waivers:\n  - {id: w1, rule: R1, reason: r, by: me, created: 2026-01-01, "
            "expires: 2026-06-01}\n");
  std::string file = dir.write("conf/sovereignd.yaml", R"(store: data/sov.db
rules: [rules, /abs/rules, ../shared/rules]
attestation_files: [decisions.yaml]
control: {socket: run/control.sock}
targets:
  - {id: s, kind: s3, endpoint: https://s3.example.fr, bucket: b,
     credentials: {file: credentials/s3}}
  - {id: h, kind: pkcs11, module: lib/p11.so, token: t, pin_file: ./pin}
  - {id: p, kind: path, path: srv/data}
alerts:
  - {kind: webhook, url: https://hooks.example.fr/x, headers_file: hook.headers}
)");
  Diagnostics diags;
  auto r = load_config(file, &diags);
  ASSERT_TRUE(r) << diags.to_string();
  const Config& c = **r;
  std::string base = dir.path() + "/conf";
  EXPECT_EQ(c.file, file);
  EXPECT_EQ(c.source_name, file);
  EXPECT_EQ(c.store, base + "/data/sov.db");
  EXPECT_THAT(c.rules, ElementsAre(base + "/rules", "/abs/rules", dir.path() + "/shared/rules"));
  EXPECT_THAT(c.attestation_files, ElementsAre(base + "/decisions.yaml"));
  EXPECT_EQ(c.control_socket, base + "/run/control.sock");
  EXPECT_EQ(c.targets[0].spec["credentials"]["file"], base + "/credentials/s3");
  EXPECT_EQ(c.targets[1].spec["module"], base + "/lib/p11.so");
  EXPECT_EQ(c.targets[1].spec["pin_file"], base + "/pin");
  EXPECT_EQ(c.targets[2].spec["path"], base + "/srv/data");
  EXPECT_EQ(c.alerts[0]["headers_file"], base + "/hook.headers");
  ASSERT_EQ(c.waivers.size(), 1u);
  EXPECT_EQ(c.waivers[0].file, base + "/decisions.yaml:2");
}

TEST(ConfigLoader, TextResolvesAgainstTheGivenDirectory) {
  auto c = ok("store: sov.db\n", "/srv/sov/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->store, "/srv/sov/sov.db");
}

// ---------------------------------------------------------------------------------------------
// Reading.

TEST(ConfigLoader, HashesTheBytesWithSha256) {
  auto c = ok("");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto d = ok("node: abc\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->sha256.size(), 64u);
  EXPECT_NE(d->sha256, c->sha256);
}

TEST(ConfigLoader, MissingFileIsAnIoErrorWithoutDiagnostics) {
  testing::TempDir dir;
  Diagnostics diags;
  auto r = load_config(dir.file("absent.yaml"), &diags);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_THAT(r.error().message(), HasSubstr("absent.yaml"));
  EXPECT_EQ(diags.items().size(), 0u);
}

TEST(ConfigLoader, RejectsADirectoryAndAFileOverTheCap) {
  testing::TempDir dir;
  Diagnostics diags;
  auto r = load_config(dir.path(), &diags);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(diags.to_string(), HasSubstr("not a regular file"));

  std::string big = "# " + std::string(kMaxConfigBytes, 'x') + "\n";
  std::string file = dir.write("big.yaml", big);
  Diagnostics d2;
  auto r2 = load_config(file, &d2);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(d2.to_string(), HasSubstr("larger than 4194304 bytes"));

  Loaded l = load(big);
  EXPECT_FALSE(l.config);
  EXPECT_THAT(l.errors, HasSubstr("test.yaml: error: the file is larger than 4194304 bytes"));
}

TEST(ConfigLoader, StopsABillionLaughsDocument) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string name(1, c);
    text += name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", *" : "*") + prev;
    text += "]\n";
    prev = name;
  }
  // Hidden in free-form facts, where the loader walks everything.
  text = "targets:\n  - id: t\n    kind: declared\n    declared:\n" + [&] {
    std::string indented;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      indented += "      " + text.substr(start, end - start + 1);
      start = end + 1;
    }
    return indented;
  }();
  Loaded l = load(text);
  EXPECT_FALSE(l.config);
  EXPECT_THAT(l.errors, HasSubstr("the document expands to more than 1000000 nodes through "
                                  "aliases"));
}

TEST(ConfigLoader, RejectsTooManyNodes) {
  std::string text = "targets:\n  - id: t\n    kind: declared\n    declared: {l: [";
  for (size_t i = 0; i < kMaxConfigNodes; ++i) text += "1,";
  text += "1]}\n";
  Loaded l = load(text);
  EXPECT_FALSE(l.config);
  EXPECT_THAT(l.errors, HasSubstr("the document has more than 1000000 nodes"));
}

TEST(ConfigLoader, RejectsDeepNesting) {
  std::string text = "targets:\n  - {id: t, kind: declared, declared: {a: " + std::string(40, '[') +
                     "1" + std::string(40, ']') + "}}\n";
  EXPECT_THAT(one_error(text), HasSubstr("is nested more than 32 levels deep"));
  std::string deeper = "a: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  EXPECT_THAT(one_error(deeper), HasSubstr("invalid YAML: nested too deeply"));
}

TEST(ConfigLoader, RejectsASecondDocumentAndARecursiveAlias) {
  EXPECT_THAT(one_error("node: a\n---\nnode: b\n"),
              HasSubstr("test.yaml:2:1: error: a configuration file holds one YAML document"));
  EXPECT_THAT(one_error("targets:\n  - {id: t, kind: declared, declared: &a {x: *a}}\n"),
              HasSubstr("an alias cannot refer to a node that contains it"));
}

// ---------------------------------------------------------------------------------------------
// Each kind of error (the exact texts of the common ones are in tests/data/config/).

TEST(ConfigErrors, UnknownKeySuggestsTheClosestValidKey) {
  EXPECT_THAT(one_error("schedule: {intervall: 1h}\n"),
              HasSubstr("unknown key 'intervall' in 'schedule' (did you mean 'interval'?)"));
  EXPECT_THAT(one_error("stor: /x\n"), HasSubstr("unknown key 'stor' (did you mean 'store'?)"));
  EXPECT_THAT(one_error("frobnicate: 1\n"),
              AllOf(HasSubstr("unknown key 'frobnicate'"), Not(HasSubstr("did you mean"))));
  // Only keys that apply to the target's kind are suggested.
  EXPECT_THAT(one_error("targets:\n  - {id: a, kind: s3, endpoint: s3.fr:443, bucket: b, "
                        "regoin: fr}\n"),
              HasSubstr("unknown key 'regoin' in 'targets[]' (did you mean 'region'?)"));
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_THAT(one_error("schedule: {concurrency: lots}\n"),
              HasSubstr("'schedule.concurrency' must be an integer, not 'lots'"));
  EXPECT_THAT(one_error("strict_rules: yes\n"),
              HasSubstr("'strict_rules' must be true or false, not 'yes'"));
  EXPECT_THAT(one_error("rules: /etc/rules\n"),
              HasSubstr("'rules' must be a list, not '/etc/rules'"));
  EXPECT_THAT(one_error("schedule: [1h]\n"), HasSubstr("'schedule' must be a map, not a list"));
  EXPECT_THAT(one_error("store: {a: b}\n"), HasSubstr("'store' must be a path, not a map"));
  EXPECT_THAT(one_error("store:\n"), HasSubstr("test.yaml:1:1: error: 'store' must be a path, "
                                               "not empty"));
  EXPECT_THAT(one_error("rules: [/a, [b]]\n"),
              HasSubstr("each item of 'rules' must be a path, not a list"));
  EXPECT_THAT(one_error("targets: [api]\n"),
              HasSubstr("each item of 'targets' must be a map, not 'api'"));
  EXPECT_THAT(one_error("- a\n- b\n"), HasSubstr("the file must be a map of keys, not a list"));
  EXPECT_THAT(one_error("[a]: b\n"), HasSubstr("a key must be a string, not a list"));
}

TEST(ConfigErrors, BadScalarSyntaxes) {
  EXPECT_THAT(one_error("retention: 90 days\n"),
              HasSubstr("'retention' must be a duration such as 30s, 15m, 1h or 90d, not '90 "
                        "days'"));
  EXPECT_THAT(one_error("retention: 999999999999y\n"), HasSubstr("must be a duration"));
  EXPECT_THAT(one_error("schedule: {jitter: 150%}\n"),
              HasSubstr("'schedule.jitter' must be a percentage from 0% to 100%, not '150%'"));
  EXPECT_THAT(one_error("schedule: {jitter: 0.1}\n"), HasSubstr("must be a percentage"));
  EXPECT_THAT(one_error("http: {listen: localhost}\n"),
              HasSubstr("'http.listen' must be host:port, not 'localhost'"));
  EXPECT_THAT(one_error("http: {listen: \"127.0.0.1:99999\"}\n"), HasSubstr("must be host:port"));
  EXPECT_THAT(one_error("http: {listen: \"http://127.0.0.1:9469\"}\n"),
              HasSubstr("must be host:port"));
  EXPECT_THAT(one_error("targets:\n  - {id: a, kind: tls, endpoint: api.example.fr}\n"),
              HasSubstr("'targets[].endpoint' must be host:port or a URL, not 'api.example.fr'"));
  EXPECT_THAT(one_error("waivers:\n  - {id: w, rule: r, reason: x, by: y, created: 2026-02-30, "
                        "expires: 2027-01-01}\n"),
              HasSubstr("'waivers[].created' must be a date (YYYY-MM-DD or RFC 3339), not "
                        "'2026-02-30'"));
  // Years a nanosecond clock cannot hold are refused, not overflowed.
  EXPECT_THAT(one_error("attestations:\n  - {rule: r, status: pass, by: y, date: 9999-01-01}\n"),
              HasSubstr("'attestations[].date' must be a date"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: webhook, url: hooks.example.fr/x}\n"),
              HasSubstr("'alerts[].url' must be a URL (scheme://host[:port][/path])"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: webhook, url: \"ftp://hooks.example.fr/x\"}\n"),
              HasSubstr("'alerts[].url' must be an http or https URL"));
  EXPECT_THAT(one_error("log_level: inf\n"),
              HasSubstr("'log_level' must be one of trace, debug, info, warn, error, not 'inf' "
                        "(did you mean 'info'?)"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: syslog, on: [new_failure, resolve]}\n"),
              HasSubstr("each item of 'alerts[].on' must be one of new_failure, resolved, "
                        "still_failing, cert_expiring, provider_changed, scan_error, not "
                        "'resolve' (did you mean 'resolved'?)"));
  EXPECT_THAT(one_error("node: \"\"\n"), HasSubstr("'node' must be a string, not empty"));
}

TEST(ConfigErrors, OutOfRangeValues) {
  EXPECT_THAT(one_error("schedule: {concurrency: 0}\n"),
              HasSubstr("'schedule.concurrency' must be between 1 and 10000, not 0"));
  EXPECT_THAT(one_error("schedule: {concurrency: 10001, per_host_concurrency: 4}\n"),
              HasSubstr("must be between 1 and 10000, not 10001"));
  EXPECT_THAT(one_error("schedule: {interval: 500ms}\n"),
              HasSubstr("'schedule.interval' must be between 1s and 366d, not 500ms"));
  EXPECT_THAT(one_error("schedule: {concurrency: 99999999999999999999}\n"),
              HasSubstr("must be an integer"));
  EXPECT_THAT(one_error("targets:\n  - {id: k, kind: kms, endpoint: k.fr:443, rotation: 1h}\n"),
              HasSubstr("'targets[].rotation' must be at least 1d, not 1h"));
}

TEST(ConfigErrors, ConflictingValues) {
  EXPECT_THAT(one_error("schedule: {concurrency: 8, per_host_concurrency: 16}\n"),
              HasSubstr("1:50: error: 'schedule.per_host_concurrency' (16) cannot exceed "
                        "'schedule.concurrency' (8)"));
  EXPECT_THAT(one_error("schedule: {interval: 10s}\n"),
              HasSubstr("'schedule.probe_timeout' (10s) must be shorter than 'schedule.interval' "
                        "(10s)"));
  EXPECT_THAT(one_error(std::string(kTls) + "  - {id: b, kind: declared, declared: {a: 1}, "
                                            "interval: 5s}\n"),
              HasSubstr("'targets[].interval' (5s) must be longer than 'schedule.probe_timeout' "
                        "(10s)"));
  // A value already reported as invalid does not cause a second, confusing error.
  Loaded l = load("schedule: {concurrency: 0, per_host_concurrency: 16}\n");
  EXPECT_EQ(l.error_count, 1u) << l.errors;
}

TEST(ConfigErrors, MissingRequiredKeys) {
  EXPECT_THAT(one_error("targets:\n  - {kind: tls, endpoint: a.fr:443}\n"),
              HasSubstr("2:5: error: missing required key 'id' in this entry of 'targets'"));
  EXPECT_THAT(one_error("targets:\n  - id: a\n    kind: s3\n    endpoint: s3.fr:443\n"),
              HasSubstr("2:5: error: missing required key 'bucket' for targets of kind 's3'"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: exec}\n"),
              HasSubstr("missing required key 'command' for alerts of kind 'exec'"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: exec, command: []}\n"),
              HasSubstr("'alerts[].command' needs at least the program to run"));
  EXPECT_THAT(one_error("waivers:\n  - {id: w, rule: r, reason: x, by: y, created: 2026-01-01}\n"),
              HasSubstr("missing required key 'expires' in this entry of 'waivers'"));
  EXPECT_THAT(one_error("targets:\n  - {id: d, kind: declared}\n"),
              HasSubstr("a target of kind 'declared' needs a non-empty 'declared' map of facts"));
}

TEST(ConfigErrors, KeyThatDoesNotApplyToTheKind) {
  EXPECT_THAT(one_error("targets:\n  - {id: a, kind: tls, endpoint: a.fr:443, bucket: b}\n"),
              HasSubstr("2:44: error: key 'bucket' does not apply to targets of kind 'tls'"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: webhook, url: \"https://h.fr\", command: [x]}\n"),
              HasSubstr("key 'command' does not apply to alerts of kind 'webhook'"));
}

TEST(ConfigErrors, UnknownKindSuggestsAKnownOne) {
  EXPECT_THAT(one_error("targets:\n  - {id: a, kind: tsl, endpoint: a.fr:443}\n"),
              HasSubstr("'targets[].kind' must be one of declared, tls, s3, path, postgres, "
                        "key_file, pkcs11, kms, not 'tsl' (did you mean 'tls'?)"));
}

TEST(ConfigErrors, InlineSecretsAreRefused) {
  EXPECT_THAT(one_error("targets:\n  - {id: s, kind: s3, endpoint: s3.fr:443, bucket: b,\n"
                        "     credentials: {file: /etc/c, secret_access_key: abc}}\n"),
              HasSubstr("3:34: error: 'secret_access_key' would put a secret in the configuration: "
                        "store it in a file readable only by sovereignd and name that file with "
                        "'credentials.file'"));
  EXPECT_THAT(
      one_error("targets:\n  - {id: h, kind: pkcs11, module: /m.so, token: t, pin: 1234}\n"),
      HasSubstr("name that file with 'pin_file' (or the environment variable with "
                "'pin_env')"));
  EXPECT_THAT(one_error("alerts:\n  - {kind: webhook, url: \"https://h.fr\", token: abc}\n"),
              HasSubstr("name that file with 'headers_file'"));
  // The secret itself appears nowhere, not even in the quoted source line of another error.
  Loaded l = load(
      "targets:\n  - {id: h, kind: pkcs11, module: /m.so, token: t, "
      "password: \"hunter2\", bucket: x}\n");
  EXPECT_EQ(l.error_count, 2u) << l.errors;
  EXPECT_THAT(l.errors, Not(HasSubstr("hunter2")));
  EXPECT_THAT(l.errors, HasSubstr("password: \"<redacted>\", bucket: x}"));
}

TEST(ConfigErrors, NeverQuoteUrlCredentials) {
  std::string e = one_error("alerts:\n  - {kind: webhook, url: \"ftp://bob:pa55@h.fr/x\"}\n");
  EXPECT_THAT(e, Not(HasSubstr("pa55")));
  EXPECT_THAT(e, HasSubstr("not 'ftp://<redacted>@h.fr/x'"));
  EXPECT_THAT(e, HasSubstr("url: \"ftp://<redacted>@h.fr/x\"}"));
}

TEST(ConfigErrors, CredentialsAndPinTakeOneSource) {
  EXPECT_THAT(one_error("targets:\n  - {id: s, kind: s3, endpoint: s3.fr:443, bucket: b, "
                        "credentials: {file: /c, env: C}}\n"),
              HasSubstr("'credentials' takes 'file' or 'env', not both"));
  EXPECT_THAT(one_error("targets:\n  - {id: s, kind: s3, endpoint: s3.fr:443, bucket: b, "
                        "credentials: {}}\n"),
              HasSubstr("'credentials' needs 'file' or 'env'"));
  EXPECT_THAT(one_error("targets:\n  - {id: h, kind: pkcs11, module: /m.so, token: t, "
                        "pin_file: /p, pin_env: P}\n"),
              HasSubstr("'pin_file' and 'pin_env' exclude each other"));
}

TEST(ConfigErrors, DuplicatesNameTheFirstOne) {
  EXPECT_THAT(one_error("targets:\n  - {id: api, kind: tls, endpoint: a.fr:443}\n"
                        "  - {id: api, kind: tls, endpoint: b.fr:443}\n"),
              HasSubstr("3:10: error: duplicate target id 'api' (first defined at line 2)"));
  EXPECT_THAT(one_error("waivers:\n"
                        "  - {id: w1, rule: r, reason: x, by: y, created: 2026-01-01, "
                        "expires: 2027-01-01}\n"
                        "  - {id: w1, rule: r, reason: x, by: y, created: 2026-01-01, "
                        "expires: 2027-01-01}\n"),
              HasSubstr("duplicate waiver id 'w1' (first defined at line 2)"));
  EXPECT_THAT(one_error("node: a\nstore: /x\nnode: b\n"),
              HasSubstr("3:1: error: duplicate key 'node' (first at line 1)"));
  EXPECT_THAT(one_error("targets:\n  - {id: t, kind: declared, declared: {a: 1, a: 2}}\n"),
              HasSubstr("duplicate key 'a'"));
}

TEST(ConfigErrors, BadIds) {
  EXPECT_THAT(one_error("targets:\n  - {id: \"my api\", kind: tls, endpoint: a.fr:443}\n"),
              HasSubstr("target id 'my api' may only contain letters, digits, '_', '.' and '-'"));
}

TEST(ConfigErrors, ReferencesToUnknownTargets) {
  EXPECT_THAT(one_error(std::string(kTls) +
                        "waivers:\n  - {id: w1, rule: r, target: apj, reason: x, by: y, "
                        "created: 2026-01-01, expires: 2027-01-01}\n"),
              HasSubstr("waiver 'w1' names unknown target 'apj' (did you mean 'api'?)"));
  EXPECT_THAT(one_error(std::string(kTls) + "attestations:\n  - {rule: r, target: db, status: "
                                            "pass, by: y, date: 2026-01-01}\n"),
              HasSubstr("attestation names unknown target 'db'"));
  // A target whose other keys are wrong still counts as known: one error, not two.
  Loaded l = load(
      "targets:\n  - {id: api, kind: tls, endpoint: nope}\n"
      "attestations:\n  - {rule: r, target: api, status: pass, by: y, date: "
      "2026-01-01}\n");
  EXPECT_EQ(l.error_count, 1u) << l.errors;
}

TEST(ConfigErrors, ExpiryMustFollowTheStart) {
  EXPECT_THAT(one_error("waivers:\n  - {id: w, rule: r, reason: x, by: y, created: 2026-05-01, "
                        "expires: 2026-04-01}\n"),
              HasSubstr("'expires' (2026-04-01) must be after 'created' (2026-05-01)"));
  EXPECT_THAT(one_error("attestations:\n  - {rule: r, status: pass, by: y, date: 2026-05-01, "
                        "expires: 2026-05-01}\n"),
              HasSubstr("'expires' (2026-05-01) must be after 'date' (2026-05-01)"));
}

TEST(ConfigErrors, TagsMustBeStringsOrListsOfStrings) {
  EXPECT_THAT(one_error("targets:\n  - {id: t, kind: declared, declared: {a: 1}, tags: {x: {y: "
                        "z}}}\n"),
              HasSubstr("tag 'x' in 'targets[].tags' must be a string or a list of strings, not "
                        "a map"));
}

TEST(ConfigErrors, SyntaxErrorHasAPosition) {
  Loaded l = load("node: a\nschedule: {interval: 1h\n");
  EXPECT_FALSE(l.config);
  EXPECT_THAT(l.errors, HasSubstr("test.yaml:3:1: error: invalid YAML: "));
}

TEST(ConfigErrors, UnclosedQuoteIsAnError) {
  // yaml-cpp alone would read the rest of the file into the string.
  EXPECT_THAT(one_error("node: \"abc\nstore: /x\n"),
              HasSubstr("1:7: error: invalid YAML: this quoted string is never closed"));
  EXPECT_THAT(one_error("node: 'it''s\nstore: /x\n"), HasSubstr("never closed"));
  auto c = ok("node: 'it''s'\nstore: \"/x\\\"y\"\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node, "it's");
  EXPECT_EQ(c->store, "/x\"y");
}

TEST(ConfigErrors, ReportsEveryErrorInOnePass) {
  Loaded l = load(R"(stor: /x
log_level: loud
schedule: {interval: soon, concurrency: 0}
targets:
  - {id: a, kind: tls, endpoint: a.fr:443, bucket: b}
  - {id: a, kind: tls, endpoint: a.fr:443}
  - {id: c, kind: nope}
waivers:
  - {id: w, rule: r, target: zz, reason: x, by: y, created: 2026-01-01, expires: 2025-01-01}
)");
  EXPECT_FALSE(l.config);
  EXPECT_EQ(l.error_count, 9u) << l.errors;
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error->code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(l.error->message(), "test.yaml: 9 errors");
}

// ---------------------------------------------------------------------------------------------
// Attestation files.

TEST(AttestationFiles, ErrorsArePositionedInTheReferencedFile) {
  testing::TempDir dir;
  std::string decisions = dir.write("d/decisions.yaml", R"(waivers:
  - id: w1
    rule: R1
    target: apj
    reason: planned
    by: CISO
    created: 2026-01-01
    expires: 2026-13-01
attestation:
  - {rule: R2}
)");
  std::string main =
      "targets:\n  - {id: api, kind: tls, endpoint: a.fr:443}\n"
      "waivers:\n  - {id: w1, rule: R, reason: x, by: y, created: 2026-01-01, "
      "expires: 2027-01-01}\n"
      "attestation_files: [d/decisions.yaml, d/missing.yaml]\n";
  std::string file = dir.write("sovereignd.yaml", main);
  Diagnostics diags;
  auto r = load_config(file, &diags);
  ASSERT_FALSE(r);
  const std::string& base = dir.path();
  EXPECT_EQ(diags.to_string(),
            file + ":5:39: error: attestation file: cannot read " + base +
                "/d/missing.yaml: No such file or directory\n"
                "  attestation_files: [d/decisions.yaml, d/missing.yaml]\n"
                "                                        ^\n" +
                decisions + ":2:9: error: duplicate waiver id 'w1' (first defined at " + file +
                ":4)\n"
                "    - id: w1\n"
                "          ^\n" +
                decisions +
                ":4:13: error: waiver 'w1' names unknown target 'apj' (did you mean 'api'?)\n"
                "      target: apj\n"
                "              ^\n" +
                decisions +
                ":8:14: error: 'waivers[].expires' must be a date (YYYY-MM-DD or RFC 3339), not "
                "'2026-13-01'\n"
                "      expires: 2026-13-01\n"
                "               ^\n" +
                decisions +
                ":9:1: error: unknown key 'attestation' (did you mean 'attestations'?)\n"
                "  attestation:\n"
                "  ^");
  EXPECT_EQ(r.error().message(), file + ": 5 errors");
}

// Issue 8: waivers as audited objects (scope lists, tag selectors, category, approval, review,
// mode, revocation) and the waiver files read on their own by `sovereignctl waive`.
TEST(WaiverKeys, BuildScopeApprovalReviewModeAndRevocation) {
  auto c = ok(std::string(kTls) + R"(waivers:
  - id: W-7
    rules: [SNC-19.6-*, "HDS-4.?"]
    targets: [api, tag:env=prod]
    reason: Exit plan signed
    category: remediation-planned
    approved_by: "J. Doe, CISO"
    ticket: RISK-42
    created: 2026-01-10
    expires: 2026-03-01
    review_every: 30d
    mode: skip
    revoked: 2026-02-01
    revoked_by: DPO
attestations:
  - {rule: M-1, status: pass, by: auditor, date: 2026-01-05, evidence: "https://ged/doc/17"}
waiver_max_duration: {high: 60d}
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->waivers.size(), 1u);
  const auto& w = c->waivers[0];
  EXPECT_THAT(w.rules, ElementsAre("SNC-19.6-*", "HDS-4.?"));
  EXPECT_THAT(w.targets, ElementsAre("api", "tag:env=prod"));
  EXPECT_EQ(w.rule_id, "SNC-19.6-*");
  EXPECT_EQ(w.target_id, "api");
  EXPECT_EQ(w.category, "remediation-planned");
  EXPECT_EQ(w.by, "J. Doe, CISO");
  EXPECT_EQ(w.ticket, "RISK-42");
  EXPECT_EQ(w.review_every, std::chrono::days(30));
  EXPECT_EQ(w.mode, model::WaiverMode::kSkip);
  ASSERT_TRUE(w.revoked);
  EXPECT_EQ(format_date(*w.revoked), "2026-02-01");
  EXPECT_EQ(w.revoked_by, "DPO");
  EXPECT_EQ(w.state(*parse_time("2026-02-15")), "revoked");
  // Positions for lint: each rules item, each targets item, expires.
  ASSERT_EQ(w.rules_at.size(), 2u);
  EXPECT_EQ(w.rules_at[0].line, 5);
  EXPECT_EQ(w.rules_at[0].column, 13);
  EXPECT_EQ(w.rules_at[1].column, 25);
  EXPECT_EQ(w.targets_at[1].column, 20);
  EXPECT_EQ(w.expires_at.line, 12);
  EXPECT_EQ(w.expires_at.column, 14);
  EXPECT_EQ(c->attestations[0].evidence, "https://ged/doc/17");
  EXPECT_EQ(c->waiver_max_duration.high, std::chrono::days(60));
  EXPECT_EQ(c->waiver_max_duration.critical, std::chrono::days(30));
  EXPECT_EQ(c->waiver_max_duration.for_severity(model::Severity::kInfo), std::chrono::days(365));
  // The dump keeps every key and loads back to the same waiver.
  auto again = ok(dump_redacted(*c));
  ASSERT_TRUE(again);
  model::Json before = w.to_json(), after = again->waivers[0].to_json();
  before.erase("file");
  after.erase("file");
  EXPECT_EQ(after, before);
  EXPECT_EQ(again->attestations[0].evidence, "https://ged/doc/17");
}

TEST(WaiverKeys, OlderSingleRuleAndTargetKeysStillWork) {
  auto c = ok(std::string(kTls) +
              "waivers:\n  - {id: w, rule: R1, target: api, reason: r, by: me, "
              "created: 2026-01-01, expires: 2026-02-01}\n");
  ASSERT_TRUE(c);
  EXPECT_THAT(c->waivers[0].rules, ElementsAre("R1"));
  EXPECT_THAT(c->waivers[0].targets, ElementsAre("api"));
  EXPECT_EQ(c->waivers[0].mode, model::WaiverMode::kReportOnly);
}

TEST(WaiverKeys, ErrorsNameTheirPosition) {
  const std::string head = "waivers:\n  - {id: w, ";
  const std::string dates = "created: 2026-01-01, expires: 2026-02-01}\n";
  EXPECT_EQ(one_error(head + "rule: R, rules: [R], reason: r, by: b, " + dates),
            "test.yaml:2:13: error: waiver 'w' takes 'rules' or 'rule', not both\n"
            "    - {id: w, rule: R, rules: [R], reason: r, by: b, created: 2026-01-01, "
            "expires: 2026-02-01}\n"
            "              ^");
  EXPECT_THAT(one_error(head + "reason: r, by: b, " + dates),
              HasSubstr("test.yaml:2:5: error: waiver 'w' needs 'rules'"));
  EXPECT_THAT(one_error(head + "rules: [R], reason: r, " + dates),
              HasSubstr("waiver 'w' needs 'approved_by'"));
  EXPECT_THAT(one_error(head + "rules: [R], reason: \"  \", by: b, " + dates),
              HasSubstr("test.yaml:2:33: error: waiver 'w' needs a non-empty 'reason'"));
  EXPECT_THAT(one_error(head + "rules: [R], targets: [\"tag:env\"], reason: r, by: b, " + dates),
              HasSubstr("test.yaml:2:35: error: waiver 'w': tag selector 'tag:env' must read "
                        "tag:KEY=VALUE"));
  EXPECT_THAT(one_error(head + "rules: [R], reason: r, by: b, revoked: 2026-01-15, " + dates),
              HasSubstr("waiver 'w': 'revoked' needs 'revoked_by'"));
  EXPECT_THAT(one_error(head + "rules: [R], reason: r, by: b, category: whatever, " + dates),
              HasSubstr("'waivers[].category' must be one of"));
  EXPECT_THAT(one_error(head + "rules: [R], reason: r, by: b, mode: ignore, " + dates),
              HasSubstr("'waivers[].mode' must be one of"));
  EXPECT_THAT(one_error("waiver_max_duration: {critical: 2h}\n"),
              HasSubstr("'waiver_max_duration.critical'"));
}

TEST(WaiverFiles, LoadOnTheirOwnWithOrWithoutAConfig) {
  testing::TempDir dir;
  std::string file = dir.write("w.yaml",
                               "waivers:\n  - {id: w1, rules: [R1], targets: [db-9], reason: r, "
                               "approved_by: b, created: 2026-01-01, expires: 2026-02-01}\n");
  Diagnostics diags;
  auto d = load_decisions_file(file, nullptr, &diags);
  ASSERT_TRUE(d) << diags.to_string();
  ASSERT_EQ(d->waivers.size(), 1u);
  EXPECT_EQ(d->waivers[0].file, file + ":2");
  auto c = ok(kTls);
  Diagnostics with_config;
  auto checked = load_decisions_file(file, c.get(), &with_config);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message(), file + ": 1 error");
  EXPECT_THAT(with_config.to_string(),
              HasSubstr(file + ":2:37: error: waiver 'w1' names unknown target 'db-9'"));
  auto missing = load_decisions_file(dir.file("absent.yaml"), nullptr, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
}

TEST(AttestationFiles, AddTheirDecisionsAfterTheConfigFiles) {
  testing::TempDir dir;
  dir.write("a.yaml", "attestations:\n  - {rule: R9, status: pass, by: me, date: 2026-01-01}\n");
  dir.write("b.yaml",
            "waivers:\n  - {id: w2, rule: R1, reason: r, by: me, "
            "created: 2026-01-01, expires: 2026-02-01}\n");
  auto c =
      ok("attestation_files: [a.yaml, b.yaml]\n"
         "waivers:\n  - {id: w1, rule: R1, reason: r, by: me, "
         "created: 2026-01-01, expires: 2026-02-01}\n",
         dir.path());
  ASSERT_TRUE(c);
  ASSERT_EQ(c->waivers.size(), 2u);
  EXPECT_EQ(c->waivers[0].id, "w1");
  EXPECT_EQ(c->waivers[1].id, "w2");
  EXPECT_EQ(c->waivers[1].file, dir.path() + "/b.yaml:2");
  ASSERT_EQ(c->attestations.size(), 1u);
  EXPECT_EQ(c->attestations[0].rule_id, "R9");
}

TEST(AttestationFiles, MayNotHoldOtherKeys) {
  testing::TempDir dir;
  dir.write("a.yaml", "targets: []\nattestation_files: [a.yaml]\n");
  Loaded l = load("attestation_files: [a.yaml]\n", dir.path());
  EXPECT_FALSE(l.config);
  EXPECT_EQ(l.error_count, 2u) << l.errors;
  EXPECT_THAT(l.errors, HasSubstr("a.yaml:1:1: error: unknown key 'targets'"));
  EXPECT_THAT(l.errors, HasSubstr("a.yaml:2:1: error: unknown key 'attestation_files'"));
}

// ---------------------------------------------------------------------------------------------
// dump_redacted().

constexpr const char* kWithSecrets = R"(node: n1
targets:
  - {id: s, kind: s3, endpoint: "https://user:hunter2@s3.example.fr", bucket: b,
     credentials: {file: /etc/sovereignd/credentials/s3-top-secret}}
  - {id: h, kind: pkcs11, module: /m.so, token: t, pin_env: SOV_SECRET_PIN_VAR}
alerts:
  - {kind: webhook, url: "https://hooks.example.fr/x?token=s3cr3t",
     headers_file: /etc/sovereignd/hook-secret-headers}
)";

TEST(DumpRedacted, MasksSecretKeysAndUrlCredentials) {
  auto c = ok(kWithSecrets);
  ASSERT_TRUE(c);
  std::string dump = dump_redacted(*c);
  for (const char* secret :
       {"hunter2", "s3-top-secret", "SOV_SECRET_PIN_VAR", "s3cr3t", "hook-secret-headers"}) {
    EXPECT_THAT(dump, Not(HasSubstr(secret))) << dump;
  }
  EXPECT_THAT(dump, HasSubstr(std::string(kRedacted)));
  EXPECT_THAT(dump, HasSubstr("file: " + std::string(kRedacted)));
  EXPECT_THAT(dump, HasSubstr("pin_env: " + std::string(kRedacted)));
  EXPECT_THAT(dump, HasSubstr("headers_file: " + std::string(kRedacted)));
  // Not a secret: stays readable.
  EXPECT_THAT(dump, HasSubstr("bucket: b"));
  // Masked from the table's secret flag, not from a list in dump.cc.
  for (const auto& kw : keyword_table()) {
    if (kw.secret) {
      EXPECT_TRUE(kw.name.starts_with("targets[].") || kw.name.starts_with("alerts"));
    }
  }
}

TEST(DumpRedacted, FillsDefaultsAndLoadsBackToTheSameConfig) {
  auto c =
      ok(std::string(kTls) + R"(  - {id: d, kind: declared, declared: {provider: ovh, n: 2, v: "2"},
     declared_as_of: 2026-01-02, tags: {env: [prod, eu]}}
schedule: {jitter: 12.5%}
attestations:
  - {rule: R, status: pass, by: me, date: 2026-01-01}
waivers:
  - {id: w, rule: R, target: api, reason: "yes: because", by: me, created: 2026-01-01,
     expires: 2026-02-01T12:00:00Z}
alerts:
  - {kind: syslog, on: [scan_error]}
)");
  ASSERT_TRUE(c);
  std::string dump = dump_redacted(*c);
  EXPECT_THAT(dump, HasSubstr("store: /var/lib/sovereignd/sovereignd.db"));
  EXPECT_THAT(dump, HasSubstr("interval: 1h"));
  EXPECT_THAT(dump, HasSubstr("jitter: 12.5%"));
  EXPECT_THAT(dump, HasSubstr("mode: full"));
  EXPECT_THAT(dump, HasSubstr("facility: daemon"));
  auto again = ok(dump);
  ASSERT_TRUE(again) << dump;
  EXPECT_EQ(dump_redacted(*again), dump);
  EXPECT_EQ(again->targets[1].declared, c->targets[1].declared);
  EXPECT_EQ(again->targets[1].tags, c->targets[1].tags);
  EXPECT_EQ(again->targets[0].spec, c->targets[0].spec);
  EXPECT_EQ(again->alerts, c->alerts);
  EXPECT_EQ(again->schedule.jitter, c->schedule.jitter);
  EXPECT_EQ(again->waivers[0].expires, c->waivers[0].expires);
  EXPECT_EQ(again->waivers[0].reason, "yes: because");
  EXPECT_EQ(again->attestations.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The keyword table itself.

TEST(KeywordTable, IsWellFormed) {
  std::set<std::string> names;
  for (const auto& kw : keyword_table()) {
    SCOPED_TRACE(kw.name);
    EXPECT_TRUE(names.insert(kw.name).second) << "duplicate row";
    EXPECT_FALSE(kw.description.empty());
    EXPECT_EQ(kw.description.find('\n'), std::string::npos);
    EXPECT_EQ(find_keyword(kw.name), &kw);
    // A nested row has its parent in the table.
    size_t dot = kw.name.rfind('.');
    if (dot != std::string::npos) {
      std::string parent = kw.name.substr(0, dot);
      if (parent.ends_with("[]")) parent.resize(parent.size() - 2);
      EXPECT_NE(find_keyword(parent), nullptr) << parent;
    }
    if (!kw.kinds.empty()) {
      const auto& all = kw.name.starts_with("alerts[].") ? alert_kinds() : target_kinds();
      std::string kinds = kw.kinds + " ";
      for (size_t p = 0, q; (q = kinds.find(' ', p)) != std::string::npos; p = q + 1) {
        EXPECT_NE(std::find(all.begin(), all.end(), kinds.substr(p, q - p)), all.end());
      }
    }
  }
  EXPECT_EQ(find_keyword("nope"), nullptr);
  EXPECT_EQ(key_type_name(KeyType::kHostPort), "host:port");
  EXPECT_TRUE(keyword_applies(*find_keyword("targets[].bucket"), "s3"));
  EXPECT_FALSE(keyword_applies(*find_keyword("targets[].bucket"), "tls"));
  EXPECT_TRUE(keyword_applies(*find_keyword("targets[].id"), "tls"));
}

}  // namespace
}  // namespace sov::config
