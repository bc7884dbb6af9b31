// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers shared by the sov_ruleset tests: fixed instants, the probes' fact schema, and small
// builders for rule sets and facts, so each test states only what it is about.

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"

namespace sov::ruleset::testing {

using model::Json;

// A fixed instant; tests never read the clock.
inline TimePoint at(std::string_view text) {
  auto t = parse_time(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(TimePoint{});
}

// 2026-11-29T09:00:00Z, the evaluation time of most tests.
inline constexpr TimePoint kNow{std::chrono::seconds(1795942800)};

// core_fact_schema() + declarable_fact_schema(), as the daemon checks rules against.
inline const model::FactSchema& probe_schema() {
  static const model::FactSchema schema = [] {
    model::FactSchema s;
    s.add_all(probes::core_fact_schema());
    s.add_all(probes::declarable_fact_schema());
    return s;
  }();
  return schema;
}

inline constexpr std::string_view kSetHeader =
    "ruleset: test-set\n"
    "title: Test set\n"
    "version: 1.0.0\n"
    "source: {title: Test law, url: 'https://example.eu/law', date: 2026-01-01}\n";

// A rule set with one rule `R1` whose `check` is `check` (YAML flow) and `extra` added to the rule
// (lines indented by four spaces, e.g. "    on_unknown: fail\n").
inline std::string one_rule(std::string_view check, std::string_view extra = {}) {
  std::string s(kSetHeader);
  s += "rules:\n  - id: R1\n    title: Rule one\n    severity: high\n    reference: Art. 1\n";
  if (!check.empty()) {
    s += "    check: ";
    s += check;
    s += "\n";
  }
  s += extra;
  return s;
}

// Loads `yaml` as "test.yaml" with the probe schema; fails the test (and returns null) on error.
inline std::shared_ptr<const RuleBook> must_load(std::string_view yaml,
                                                 LoadOptions options = {&probe_schema()}) {
  Diagnostics diags;
  auto book = load_rules_text("test.yaml", yaml, options, &diags);
  EXPECT_TRUE(book.has_value()) << diags.to_string() << "\n--- input ---\n" << yaml;
  return book ? *book : nullptr;
}

// The diagnostics text of a load that must fail.
inline std::string load_errors(std::string_view yaml, LoadOptions options = {&probe_schema()}) {
  Diagnostics diags;
  auto book = load_rules_text("test.yaml", yaml, options, &diags);
  EXPECT_FALSE(book.has_value()) << "loaded:\n" << yaml;
  return diags.to_string();
}

inline model::Target target(std::string id = "t1", std::string kind = "declared") {
  model::Target t;
  t.id = std::move(id);
  t.kind = std::move(kind);
  return t;
}

// Facts whose every subtree was observed by "test" at `when`.
inline model::Facts facts(Json doc, TimePoint when = kNow) {
  model::Facts f(std::move(doc));
  f.set_source("", model::Source{model::SourceKind::kObserved, "test", when});
  return f;
}

}  // namespace sov::ruleset::testing
