// SPDX-License-Identifier: Apache-2.0
// Rule evaluation throughput: 1,000 simple rules over 10,000 targets of synthetic facts, one
// RuleBook::evaluate_rule call per iteration (the goal is >= 1 million evaluations per second per
// core). Further cases measure heavier conditions, whole-target evaluation and loading.
//
//   ./sov_ruleset_bench --benchmark_min_time=0.2

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"

namespace {

using sov::model::Json;

constexpr size_t kRules = 1000;
constexpr size_t kTargets = 10000;
constexpr const char* kCountries[] = {"FR", "DE", "IT", "US", "NL", "IN", "ES", "PL"};

// 1,000 one-leaf rules cycling through the operators a rule set uses most.
std::string simple_rules() {
  std::string s =
      "ruleset: bench\ntitle: Bench\nversion: 1.0.0\nsource: {title: Bench law, date: "
      "2026-01-01}\nrules:\n";
  const char* const checks[] = {
      "{fact: provider.ownership.non_eu_max_single_pct, le: 24}",
      "{fact: provider.seat_country, in: [AT, BE, DE, ES, FR, IT, NL, PL]}",
      "{fact: provider.eu, eq: true}",
      "{fact: provider.certifications.hds.expires, ge: now+30d}",
      "{fact: provider.id, ne: acme}",
  };
  for (size_t i = 0; i < kRules; ++i) {
    s += "  - {id: B-" + std::to_string(i) +
         ", title: Bench rule, severity: high, reference: Art. 1, check: " + checks[i % 5] + "}\n";
  }
  return s;
}

std::string composite_rules() {
  return "ruleset: bench-composite\ntitle: Bench\nversion: 1.0.0\nsource: {title: Bench law}\n"
         "rules:\n"
         "  - id: C-1\n    title: Composite\n    severity: high\n    reference: Art. 1\n"
         "    max_age: 365d\n"
         "    when: {fact: provider.known, eq: true}\n"
         "    check:\n"
         "      all:\n"
         "        - {fact: provider.ownership.non_eu_max_single_pct, le: 24}\n"
         "        - {every: storage.locations, check: {fact: \"@.country\", in: [DE, FR, IT]}}\n"
         "        - {not: {fact: provider.extraterritorial_laws, contains: CLOUD Act}}\n"
         "        - {fact: provider.id, matches: \"[a-z]+\"}\n";
}

std::shared_ptr<const sov::ruleset::RuleBook> load(const std::string& text) {
  sov::Diagnostics diags;
  auto book = sov::ruleset::load_rules_text("bench.yaml", text, {}, &diags);
  if (!book) std::abort();
  return *book;
}

struct Estate {
  std::vector<sov::model::Target> targets;
  std::vector<sov::model::Facts> facts;
};

const Estate& estate() {
  static const Estate e = [] {
    Estate out;
    out.targets.reserve(kTargets);
    out.facts.reserve(kTargets);
    const sov::TimePoint observed = *sov::parse_time("2026-11-01");
    for (size_t i = 0; i < kTargets; ++i) {
      sov::model::Target t;
      t.id = "target-" + std::to_string(i);
      t.kind = "declared";
      out.targets.push_back(std::move(t));
      Json doc = {
          {"provider",
           {{"known", true},
            {"id", i % 7 == 0 ? "acme" : "scaleway"},
            {"eu", i % 3 != 0},
            {"seat_country", kCountries[i % 8]},
            {"ownership", {{"non_eu_max_single_pct", static_cast<double>(i % 50)}}},
            {"extraterritorial_laws", i % 4 == 0 ? Json::array({"CLOUD Act"}) : Json::array()},
            {"certifications", {{"hds", {{"expires", i % 2 ? "2027-06-30" : "2026-12-01"}}}}}}},
          {"storage",
           {{"locations",
             {{{"country", kCountries[i % 8]}, {"role", "primary"}},
              {{"country", "FR"}, {"role", "backup"}}}}}}};
      sov::model::Facts f(std::move(doc));
      f.set_source("", {sov::model::SourceKind::kObserved, "bench", observed});
      out.facts.push_back(std::move(f));
    }
    return out;
  }();
  return e;
}

// Evaluation at a fixed instant, 2026-11-29T09:00:00Z.
constexpr sov::ruleset::EvalContext kContext{sov::TimePoint{std::chrono::seconds(1795942800)}};

// The headline figure: one simple rule on one target per iteration.
void evaluate_simple_rule(benchmark::State& state) {
  auto book = load(simple_rules());
  const Estate& e = estate();
  size_t rule = 0, target = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        book->evaluate_rule(rule, e.targets[target], e.facts[target], kContext));
    if (++rule == kRules) {
      rule = 0;
      if (++target == kTargets) target = 0;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("evaluations");
}
BENCHMARK(evaluate_simple_rule);

// A rule with `when`, `all`, a quantifier, `not`, `contains`, `matches` and `max_age`.
void evaluate_composite_rule(benchmark::State& state) {
  auto book = load(composite_rules());
  const Estate& e = estate();
  size_t target = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book->evaluate_rule(0, e.targets[target], e.facts[target], kContext));
    if (++target == kTargets) target = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("evaluations");
}
BENCHMARK(evaluate_composite_rule);

// RuleBook::evaluate: all 1,000 rules on one target per iteration (items = rule evaluations).
void evaluate_target(benchmark::State& state) {
  auto book = load(simple_rules());
  const Estate& e = estate();
  size_t target = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book->evaluate(e.targets[target], e.facts[target], kContext));
    if (++target == kTargets) target = 0;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRules));
  state.SetLabel("evaluations");
}
BENCHMARK(evaluate_target);

// Loading, validating and compiling 1,000 rules against the probes' fact schema.
void load_thousand_rules(benchmark::State& state) {
  sov::model::FactSchema schema;
  schema.add_all(sov::probes::core_fact_schema());
  schema.add_all(sov::probes::declarable_fact_schema());
  std::string text = simple_rules();
  for (auto _ : state) {
    sov::Diagnostics diags;
    auto book = sov::ruleset::load_rules_text("bench.yaml", text, {&schema, true}, &diags);
    if (!book) std::abort();
    benchmark::DoNotOptimize(book);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRules));
  state.SetLabel("rules loaded");
}
BENCHMARK(load_thousand_rules)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
