// SPDX-License-Identifier: Apache-2.0
#include "daemon/engine/engine.h"

#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace sov::engine {
namespace {

using model::Json;
using model::Status;

constexpr const char* kRules = R"(
ruleset: test-set
title: Test set
version: 1.0.0
source: { title: Test law, url: "https://example.eu/law", date: 2024-01-01 }
rules:
  - id: T-SEAT
    title: Provider seat in the EU
    severity: high
    reference: "Test law art. 1"
    effective: 2024-01-01
    check: { fact: provider.seat_country, in: [FR, DE] }
  - id: T-PROBE
    title: Probe succeeded
    severity: low
    reference: "Test law art. 2"
    effective: 2024-01-01
    check: { fact: probe.status, eq: ok }
)";

constexpr const char* kConfig = R"(
node: test-node
store: state/test.db
rules: []
schedule: { probe_timeout: 200ms, concurrency: 2, per_host_concurrency: 2 }
targets:
  - id: french
    kind: declared
    declared: { provider: { seat_country: FR } }
  - id: american
    kind: declared
    declared: { provider: { seat_country: US } }
)";

struct Fixture {
  sov::testing::TempDir dir;
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const ruleset::RuleBook> rules;
  std::unique_ptr<store::Store> store;

  explicit Fixture(const std::string& config_text = kConfig) {
    Diagnostics diags;
    // A broken fixture throws: gtest reports it as a failure of the test, with the reason.
    auto cfg = config::load_config_text("test.yaml", config_text, dir.path(), &diags);
    if (!cfg) throw std::runtime_error(diags.to_string());
    config = *cfg;
    auto book = ruleset::load_rules_text("rules.yaml", kRules, {}, &diags);
    if (!book) throw std::runtime_error(diags.to_string());
    rules = *book;
    auto st = store::Store::open(config->store);
    if (!st) throw std::runtime_error(st.error().to_string());
    store = std::move(*st);
  }
};

const model::Finding* find(const std::vector<model::Finding>& fs, const std::string& target,
                           const std::string& rule) {
  for (const auto& f : fs) {
    if (f.target_id == target && f.rule_id == rule) return &f;
  }
  return nullptr;
}

TEST(Engine, ScansDeclaredTargetsAndStoresFindings) {
  Fixture fx;
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  ProbeRegistry probes = builtin_probes();
  std::vector<TargetResult> seen;
  auto summary = run_scan(*fx.config, *fx.rules, probes, *fx.store, {&clock, "test"},
                          [&](const TargetResult& tr) { seen.push_back(tr); });
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->targets, 2u);
  EXPECT_EQ(summary->in_force_failures, 1u);
  EXPECT_EQ(summary->by_status[Status::kPass], 3u);
  ASSERT_EQ(seen.size(), 2u);

  store::FindingQuery q;
  q.scan_id = summary->scan_id;
  auto rows = fx.store->findings(q);
  ASSERT_TRUE(rows);
  std::vector<model::Finding> fs;
  for (auto& r : *rows) fs.push_back(r.finding);
  ASSERT_EQ(fs.size(), 4u);
  const auto* us = find(fs, "american", "T-SEAT");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->status, Status::kFail);
  EXPECT_EQ(us->reference, "Test law art. 1");
  ASSERT_EQ(us->evidence.size(), 1u);
  EXPECT_EQ(us->evidence[0].path, "provider.seat_country");
  EXPECT_EQ(us->evidence[0].value, "US");
  ASSERT_TRUE(us->evidence[0].source);
  EXPECT_EQ(us->evidence[0].source->kind, model::SourceKind::kDeclared);
  EXPECT_EQ(find(fs, "french", "T-SEAT")->status, Status::kPass);

  auto scan = fx.store->scan(summary->scan_id);
  ASSERT_TRUE(scan);
  EXPECT_EQ(scan->state, store::ScanState::kComplete);
  EXPECT_EQ(scan->summary["in_force_failures"], 1);
  auto v = fx.store->verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok) << v->message;
}

TEST(Engine, AssemblesTargetProbeAndDeclaredFacts) {
  model::Target t;
  t.id = "t1";
  t.kind = "declared";
  t.tags["data_class"] = {"health"};
  t.declared = Json::parse(R"({"provider":{"id":"aws"},"contract":{"signed":true}})");
  t.declared_source.when = parse_time("2026-10-01");
  probes::ProbeResult pr;
  model::Source observed{model::SourceKind::kObserved, "probe", parse_time("2026-11-29")};
  ASSERT_TRUE(pr.facts.set("provider.id", "scaleway", observed));
  store::ProbeOutcome out;
  model::Facts f = assemble_facts(t, std::move(pr), out, *parse_time("2026-11-29"), "c.yaml");
  const Json& d = f.doc();
  EXPECT_EQ(d["target"]["id"], "t1");
  EXPECT_EQ(d["target"]["tags"]["data_class"][0], "health");
  EXPECT_EQ(d["probe"]["status"], "ok");
  EXPECT_EQ(d["provider"]["id"], "scaleway");  // observed wins
  EXPECT_EQ(d["declared"]["provider"]["id"], "aws");
  EXPECT_EQ(d["contract"]["signed"], true);
  EXPECT_EQ(f.source_for("contract.signed")->kind, model::SourceKind::kDeclared);
  EXPECT_EQ(f.source_for("contract.signed")->when, parse_time("2026-10-01"));
}

// A probe that never answers. No real component is needed to show that the engine's deadline
// cuts a probe off: the probe API is the seam, and this is the silent server's behaviour at it.
class SilentProbe final : public probes::Probe {
 public:
  std::string_view kind() const override { return "declared"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override { return {}; }
  void run(const model::Target&, const probes::ProbeContext&, probes::ProbeDone) override {}
};

class ThrowingProbe final : public probes::Probe {
 public:
  std::string_view kind() const override { return "declared"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override { return {}; }
  void run(const model::Target&, const probes::ProbeContext&, probes::ProbeDone) override {
    throw std::runtime_error("boom");
  }
};

TEST(Engine, CutsOffAProbePastItsDeadline) {
  Fixture fx;
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  ProbeRegistry probes;
  probes.add(std::make_unique<SilentProbe>());
  auto summary = run_scan(*fx.config, *fx.rules, probes, *fx.store, {&clock, "test"});
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->probe_errors, 2u);
  store::FindingQuery q;
  q.rule_id = "T-PROBE";
  auto rows = fx.store->findings(q);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].finding.status, Status::kFail);
  auto facts = fx.store->facts(summary->scan_id, "french");
  ASSERT_TRUE(facts);
  EXPECT_EQ((*facts)["probe"]["error"], "french: probe timed out after 200ms");
}

TEST(Engine, TurnsAThrowingProbeIntoAProbeError) {
  Fixture fx;
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  ProbeRegistry probes;
  probes.add(std::make_unique<ThrowingProbe>());
  auto summary = run_scan(*fx.config, *fx.rules, probes, *fx.store, {&clock, "test"});
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->probe_errors, 2u);
  auto facts = fx.store->facts(summary->scan_id, "american");
  ASSERT_TRUE(facts);
  EXPECT_EQ((*facts)["probe"]["error"], "american: probe raised an exception: boom");
}

TEST(Engine, RecordsKindsWithoutAProbeAsErrors) {
  Fixture fx(R"(
store: s.db
rules: []
targets:
  - { id: web, kind: tls, endpoint: "127.0.0.1:1" }
)");
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  ProbeRegistry probes;  // a build whose table lacks the tls probe
  probes.add(std::make_unique<probes::DeclaredProbe>());
  auto summary = run_scan(*fx.config, *fx.rules, probes, *fx.store, {&clock, "test"});
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->probe_errors, 1u);
  auto facts = fx.store->facts(summary->scan_id, "web");
  ASSERT_TRUE(facts);
  EXPECT_EQ((*facts)["probe"]["error"], "web: no probe for kind 'tls' in this build");
  store::FindingQuery q;
  q.rule_id = "T-SEAT";
  auto rows = fx.store->findings(q);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].finding.status, Status::kError);  // the fact is missing: never a pass
}

// The provider registry named by `providers:` enriches a target that only names its provider: the
// seat comes from the registry file, with the registry as its source.
TEST(Engine, EnrichesFromTheRegistryNamedInTheConfig) {
  sov::testing::TempDir registry;
  std::filesystem::copy_file(sov::testing::source_dir() + "/rules/providers/scaleway.yaml",
                             registry.path() + "/scaleway.yaml");
  Fixture fx(R"(
store: s.db
rules: []
providers: )" +
             registry.path() + R"(
targets:
  - { id: object-store, kind: declared, declared: { provider: { id: scaleway } } }
)");
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  auto summary = run_scan(*fx.config, *fx.rules, builtin_probes(), *fx.store, {&clock, "test"});
  ASSERT_TRUE(summary) << summary.error().to_string();
  auto facts = fx.store->facts(summary->scan_id, "object-store");
  ASSERT_TRUE(facts);
  EXPECT_EQ((*facts)["provider"]["seat_country"], "FR");
  EXPECT_EQ((*facts)["provider"]["match"]["method"], "declared");
  store::FindingQuery q;
  q.rule_id = "T-SEAT";
  auto rows = fx.store->findings(q);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].finding.status, Status::kPass);
  ASSERT_TRUE((*rows)[0].finding.evidence[0].source);
  EXPECT_EQ((*rows)[0].finding.evidence[0].source->kind, model::SourceKind::kDerived);
}

// A configured address database that cannot be opened stops the scan before anything is
// recorded, naming the file; a scan never runs with half its jurisdiction methods silently gone.
TEST(Engine, RefusesAnAddressDatabaseItCannotOpen) {
  sov::testing::TempDir registry;
  std::filesystem::copy_file(sov::testing::source_dir() + "/rules/providers/scaleway.yaml",
                             registry.path() + "/scaleway.yaml");
  Fixture fx(R"(
store: s.db
rules: []
providers: )" +
             registry.path() + R"(
address_database: missing.mmdb
targets:
  - { id: object-store, kind: declared, declared: { provider: { id: scaleway } } }
)");
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  auto summary = run_scan(*fx.config, *fx.rules, builtin_probes(), *fx.store, {&clock, "test"});
  ASSERT_FALSE(summary);
  EXPECT_NE(summary.error().to_string().find(fx.dir.path() + "/missing.mmdb"), std::string::npos)
      << summary.error().to_string();
  auto scans = fx.store->scans();
  ASSERT_TRUE(scans);
  EXPECT_TRUE(scans->empty());
}

model::Finding finding(const std::string& target, const std::string& rule, Status s,
                       bool in_force = true) {
  model::Finding f;
  f.target_id = target;
  f.rule_id = rule;
  f.status = s;
  f.in_force = in_force;
  return f;
}

// Issue 8: a waiver from the config, scoped by tag, judged by the real engine into a real store:
// the waived finding keeps its raw status; once the waiver expires (the clock moves, nothing
// sleeps) the finding resurfaces with the waiver's history, and the store keeps the register.
TEST(Engine, WaiverAppliesUntilItExpiresAndTheStoreKeepsItsVersions) {
  Fixture fx(std::string(kConfig) + R"(    tags: { env: [prod] }
waivers:
  - id: W-SEAT
    rules: ["T-*"]
    targets: ["tag:env=prod"]
    reason: Exit plan signed
    approved_by: CISO
    created: 2026-11-01
    expires: 2026-12-01
)");
  FakeClock clock(*parse_time("2026-11-29T10:00:00Z"));
  ProbeRegistry probes = builtin_probes();
  auto first = run_scan(*fx.config, *fx.rules, probes, *fx.store, {&clock, "test"});
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->in_force_failures, 0u);
  store::FindingQuery q;
  q.scan_id = first->scan_id;
  q.target_id = "american";
  q.rule_id = "T-SEAT";
  auto rows = fx.store->findings(q);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const model::Finding& waived = (*rows)[0].finding;
  EXPECT_EQ(waived.status, Status::kWaived);
  ASSERT_TRUE(waived.raw_status);
  EXPECT_EQ(*waived.raw_status, Status::kFail);
  EXPECT_EQ(waived.basis["id"], "W-SEAT");

  clock.set(*parse_time("2026-12-02T10:00:00Z"));
  auto second = run_scan(*fx.config, *fx.rules, probes, *fx.store, {&clock, "test"});
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(second->in_force_failures, 1u);
  q.scan_id = second->scan_id;
  rows = fx.store->findings(q);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const model::Finding& back = (*rows)[0].finding;
  EXPECT_EQ(back.status, Status::kFail);
  EXPECT_EQ(back.basis["kind"], "waiver_expired");
  EXPECT_EQ(back.basis["note"], "waiver W-SEAT expired on 2026-12-01");

  auto history = fx.store->waiver_history("W-SEAT");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);  // the same version, seen by both scans
  EXPECT_EQ((*history)[0].first_seen, *parse_time("2026-11-29T10:00:00Z"));
  EXPECT_EQ((*history)[0].last_seen, *parse_time("2026-12-02T10:00:00Z"));
  EXPECT_TRUE(fx.store->verify()->ok);
}

TEST(Diff, ClassifiesNewResolvedAndChanged) {
  std::vector<model::Finding> a = {
      finding("t", "A", Status::kPass), finding("t", "B", Status::kFail),
      finding("t", "C", Status::kError), finding("t", "D", Status::kFail),
      finding("t", "E", Status::kFail, false)};
  std::vector<model::Finding> b = {
      finding("t", "A", Status::kFail), finding("t", "B", Status::kPass),
      finding("t", "C", Status::kPass), finding("t", "E", Status::kFail),
      finding("t", "F", Status::kFail)};
  FindingDiff d = diff_findings(a, b);
  ASSERT_EQ(d.new_failures.size(), 3u);  // A (pass->fail), E (now in force), F (new)
  EXPECT_EQ(d.new_failures[0].rule_id, "A");
  EXPECT_EQ(d.new_failures[1].rule_id, "E");
  EXPECT_EQ(d.new_failures[2].rule_id, "F");
  EXPECT_FALSE(d.new_failures[2].before.has_value());
  ASSERT_EQ(d.resolved.size(), 2u);  // B fixed, D gone
  EXPECT_EQ(d.resolved[0].rule_id, "B");
  EXPECT_EQ(d.resolved[1].rule_id, "D");
  EXPECT_FALSE(d.resolved[1].after.has_value());
  ASSERT_EQ(d.changed.size(), 1u);  // C error->pass
  EXPECT_EQ(d.changed[0].rule_id, "C");
}

TEST(Diff, NothingChangedGivesEmptyDiff) {
  std::vector<model::Finding> a = {finding("t", "A", Status::kFail),
                                   finding("t", "B", Status::kPass)};
  FindingDiff d = diff_findings(a, a);
  EXPECT_TRUE(d.new_failures.empty());
  EXPECT_TRUE(d.resolved.empty());
  EXPECT_TRUE(d.changed.empty());
}

}  // namespace
}  // namespace sov::engine
