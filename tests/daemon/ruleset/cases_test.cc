// SPDX-License-Identifier: Apache-2.0
// run_cases: case files are validated with positions, built into targets and facts, evaluated by
// the real evaluator and compared; mismatches name file, line and case; coverage is reported.

#include <gtest/gtest.h>

#include "tests/daemon/ruleset/ruleset_test_util.h"
#include "tests/support/temp_dir.h"

namespace sov::ruleset {
namespace {

using sov::testing::TempDir;

constexpr std::string_view kSet =
    "ruleset: cases-demo\n"
    "title: Demo\n"
    "version: 1.0.0\n"
    "source: {title: Law, date: 2026-01-01}\n"
    "applies_to: {tags: {data_class: [health]}}\n"
    "rules:\n"
    "  - id: CAP-1\n"
    "    title: No single non-EU holder above 24 %\n"
    "    severity: critical\n"
    "    reference: Art. 1\n"
    "    max_age: 180d\n"
    "    when: {fact: provider.known, eq: true}\n"
    "    check: {fact: provider.ownership.non_eu_max_single_pct, le: 24}\n"
    "  - id: MAN-1\n"
    "    title: Fundamental rights\n"
    "    severity: high\n"
    "    reference: Art. 2\n"
    "    manual: true\n";

constexpr std::string_view kCases =
    "cases:\n"
    "  - name: French provider\n"
    "    now: 2026-11-29\n"
    "    target: {id: t1, kind: declared, tags: {data_class: [health]}}\n"
    "    facts: {provider: {known: true, ownership: {non_eu_max_single_pct: 0}}}\n"
    "    attestations: [{rule: MAN-1, status: pass, by: DPO, date: 2026-10-01}]\n"
    "    expect: {CAP-1: pass, MAN-1: pass}\n"
    "  - name: US holder at 30 %\n"
    "    now: 2026-11-29\n"
    "    target: {id: t1, tags: {data_class: health}}\n"
    "    facts: {provider: {known: true, ownership: {non_eu_max_single_pct: 30}}}\n"
    "    expect: {CAP-1: fail, MAN-1: manual}\n"
    "  - name: Old ownership data\n"
    "    now: 2026-11-29\n"
    "    target: {id: t1, tags: {data_class: [health]}}\n"
    "    facts: {provider: {known: true, ownership: {non_eu_max_single_pct: 0}}}\n"
    "    sources: {provider.ownership: {kind: declared, when: 2025-01-01, where: registry}}\n"
    "    expect: {CAP-1: stale}\n"
    "  - name: Waived failure\n"
    "    now: 2026-11-29\n"
    "    target: {id: t1, tags: {data_class: [health]}}\n"
    "    facts: {provider: {known: true, ownership: {non_eu_max_single_pct: 30}}}\n"
    "    waivers: [{id: W1, rule: CAP-1, reason: exit planned, by: CISO, created: 2026-10-01}]\n"
    "    expect: {CAP-1: waived}\n"
    "  - name: Not health data\n"
    "    now: 2026-11-29\n"
    "    target: {id: t2, tags: {data_class: [public]}}\n"
    "    expect: {CAP-1: none}\n";

std::shared_ptr<const RuleBook> load_set(std::string_view yaml = kSet) {
  return testing::must_load(yaml);
}

TEST(RunCases, PassingCasesGiveACleanReport) {
  TempDir dir;
  dir.write("demo.cases.yaml", kCases);
  dir.write("demo.yaml", kSet);  // not a case file: ignored
  auto book = load_set();
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases(*book, {dir.path()}, &diags);
  ASSERT_TRUE(report.has_value()) << diags.to_string();
  EXPECT_EQ(report->files, 1u);
  EXPECT_EQ(report->cases, 5u);
  EXPECT_EQ(report->checks, 7u);
  for (const auto& m : report->mismatches) {
    ADD_FAILURE() << m.case_name << ": " << m.rule_id << " expected " << m.expected << " got "
                  << m.actual << ": " << m.message;
  }
  EXPECT_TRUE(report->uncovered.empty());
  EXPECT_TRUE(diags.items().empty());
}

TEST(RunCases, MismatchNamesFileLineCaseAndMessage) {
  TempDir dir;
  std::string file = dir.write("x.cases.yaml",
                               "cases:\n"
                               "  - name: first\n"
                               "    now: 2026-11-29\n"
                               "    target: {id: t1, tags: {data_class: [health]}}\n"
                               "    facts: {provider: {known: true, ownership: "
                               "{non_eu_max_single_pct: 30}}}\n"
                               "    expect: {CAP-1: pass}\n"
                               "  - name: second\n"
                               "    now: 2026-11-29\n"
                               "    target: {id: t1, tags: {data_class: [health]}}\n"
                               "    facts: {provider: {known: true}}\n"
                               "    expect: {CAP-1: fail}\n");
  auto book = load_set();
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases(*book, {file}, &diags);
  ASSERT_TRUE(report.has_value()) << diags.to_string();
  ASSERT_EQ(report->mismatches.size(), 2u);
  const CaseMismatch& m = report->mismatches[0];
  EXPECT_EQ(m.file, file);
  EXPECT_EQ(m.line, 2);
  EXPECT_EQ(m.case_name, "first");
  EXPECT_EQ(m.rule_id, "CAP-1");
  EXPECT_EQ(m.expected, "pass");
  EXPECT_EQ(m.actual, "fail");
  EXPECT_EQ(m.message, "provider.ownership.non_eu_max_single_pct = 30, expected <= 24");
  EXPECT_EQ(report->mismatches[1].line, 7);
  EXPECT_EQ(report->mismatches[1].actual, "error");
  EXPECT_EQ(report->mismatches[1].message,
            "fact 'provider.ownership.non_eu_max_single_pct' is missing");
}

TEST(RunCases, UncoveredRulesAreListed) {
  TempDir dir;
  dir.write("x.cases.yaml",
            "cases:\n"
            "  - name: only a pass\n"
            "    now: 2026-11-29\n"
            "    target: {id: t1, tags: {data_class: [health]}}\n"
            "    facts: {provider: {known: true, ownership: {non_eu_max_single_pct: 0}}}\n"
            "    expect: {CAP-1: pass, MAN-1: manual}\n");
  auto book = load_set();
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases(*book, {dir.path()}, &diags);
  ASSERT_TRUE(report.has_value()) << diags.to_string();
  EXPECT_TRUE(report->mismatches.empty());
  // CAP-1 has no failing case; MAN-1 has no case passing through an attestation.
  EXPECT_EQ(report->uncovered, (std::vector<std::string>{"CAP-1", "MAN-1"}));
}

TEST(RunCases, TargetFactsAreAvailableToRules) {
  std::string set(testing::kSetHeader);
  set +=
      "rules:\n"
      "  - {id: TG, title: T, severity: low, reference: R, check: {fact: target.tags.env, "
      "contains: prod}}\n";
  TempDir dir;
  dir.write("t.cases.yaml",
            "cases:\n"
            "  - {name: prod, now: 2026-11-29, target: {id: a, tags: {env: prod}}, expect: {TG: "
            "pass}}\n"
            "  - {name: dev, now: 2026-11-29, target: {id: b, tags: {env: [dev]}}, expect: {TG: "
            "fail}}\n");
  auto book = testing::must_load(set);
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases(*book, {dir.path()}, &diags);
  ASSERT_TRUE(report.has_value()) << diags.to_string();
  EXPECT_TRUE(report->mismatches.empty());
  EXPECT_TRUE(report->uncovered.empty());
}

TEST(RunCases, UnknownRuleAndStatusArePositionedErrors) {
  TempDir dir;
  std::string file = dir.write("bad.cases.yaml",
                               "cases:\n"
                               "  - name: typo\n"
                               "    now: 2026-11-29\n"
                               "    target: {id: t1}\n"
                               "    expect: {CAP-2: pass, MAN-1: passed}\n"
                               "    waivers: [{id: W, rule: CAP-9, reason: r, by: b, created: "
                               "2026-01-01}]\n");
  auto book = load_set();
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases(*book, {dir.path()}, &diags);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(diags.to_string(),
            file +
                ":5:14: error: unknown rule 'CAP-2' (did you mean 'CAP-1'?)\n"
                "      expect: {CAP-2: pass, MAN-1: passed}\n"
                "               ^\n" +
                file +
                ":5:34: error: unknown status 'passed' (expected pass, fail, error, "
                "not_applicable, manual, stale, waived or none) (did you mean 'pass'?)\n"
                "      expect: {CAP-2: pass, MAN-1: passed}\n"
                "                                   ^\n" +
                file +
                ":6:29: error: unknown rule 'CAP-9' (did you mean 'CAP-1'?)\n"
                "      waivers: [{id: W, rule: CAP-9, reason: r, by: b, created: 2026-01-01}]\n"
                "                              ^");
}

TEST(RunCases, MalformedCaseFilesAreReported) {
  auto book = load_set();
  ASSERT_TRUE(book);
  auto errors = [&](std::string_view text) {
    TempDir dir;
    dir.write("m.cases.yaml", text);
    Diagnostics diags;
    auto report = run_cases(*book, {dir.path()}, &diags);
    EXPECT_FALSE(report.has_value()) << text;
    std::string out;
    for (const auto& d : diags.items()) out += d.message + "\n";
    return out;
  };
  EXPECT_EQ(errors("cases: {a: 1}\n"), "'cases' must be a list, got a mapping\n");
  EXPECT_EQ(errors("case: []\n"), "unknown key 'case' in case file (did you mean 'cases'?)\n");
  EXPECT_EQ(errors("cases: [{name: x, target: {id: t}, expect: {CAP-1: pass}, fact: {}}]\n"),
            "unknown key 'fact' in case (did you mean 'facts'?)\n");
  EXPECT_EQ(errors("cases: [{name: x, target: {id: t}}]\n"),
            "missing required key 'expect' in case\n");
  EXPECT_EQ(errors("cases: [{name: x, now: soon, target: {id: t}, expect: {}}]\n"),
            "invalid date 'soon' (expected YYYY-MM-DD or RFC 3339)\n");
  EXPECT_EQ(errors("cases: [{name: x, target: {id: t}, facts: [1], expect: {}}]\n"),
            "'facts' must be a mapping, got a list\n");
  EXPECT_EQ(errors("cases: [{name: x, target: {id: t}, facts: {a: 1, a: 2}, expect: {}}]\n"),
            "duplicate key 'a'\n");
  EXPECT_EQ(errors("cases: [{name: x, target: {id: t}, sources: {a: {kind: seen}}, expect: "
                   "{}}]\n"),
            "unknown source kind 'seen' (expected observed, declared, attested or derived)\n");
  EXPECT_EQ(errors("cases: [{name: x, target: {id: t}, attestations: [{rule: MAN-1, status: "
                   "waived, by: x, date: 2026-01-01}], expect: {}}]\n"),
            "an attestation's status is pass or fail, got 'waived'\n");
  EXPECT_EQ(errors("cases: [\n"), "end of sequence flow not found\n");
}

TEST(RunCases, SourcesWithoutDateAreOfUnknownAge) {
  TempDir dir;
  dir.write("s.cases.yaml",
            "cases:\n"
            "  - name: undated\n"
            "    now: 2026-11-29\n"
            "    target: {id: t1, tags: {data_class: [health]}}\n"
            "    facts: {provider: {known: true, ownership: {non_eu_max_single_pct: 0}}}\n"
            "    sources: {provider: {kind: declared}}\n"
            "    expect: {CAP-1: stale}\n");
  auto book = load_set();
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases(*book, {dir.path()}, &diags);
  ASSERT_TRUE(report.has_value()) << diags.to_string();
  EXPECT_TRUE(report->mismatches.empty()) << report->mismatches[0].actual;
}

TEST(RunCases, InMemoryCaseFileGivesTheSameReport) {
  auto book = load_set();
  ASSERT_TRUE(book);
  Diagnostics diags;
  auto report = run_cases_text(*book, "demo.cases.yaml", kCases, &diags);
  ASSERT_TRUE(report.has_value()) << diags.to_string();
  EXPECT_EQ(report->files, 1u);
  EXPECT_EQ(report->cases, 5u);
  EXPECT_TRUE(report->mismatches.empty());
  EXPECT_TRUE(report->uncovered.empty());
  Diagnostics bad;
  auto broken = run_cases_text(*book, "x.cases.yaml", "cases: [{name: x}]\n", &bad);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().message(), "invalid case files: 2 errors");
  EXPECT_EQ(bad.to_string(),
            "x.cases.yaml:1:9: error: missing required key 'target' in case\n"
            "  cases: [{name: x}]\n"
            "          ^\n"
            "x.cases.yaml:1:9: error: missing required key 'expect' in case\n"
            "  cases: [{name: x}]\n"
            "          ^");
}

TEST(RunCases, MissingPathIsAnIoError) {
  auto book = load_set();
  ASSERT_TRUE(book);
  TempDir dir;
  Diagnostics diags;
  auto report = run_cases(*book, {dir.file("none")}, &diags);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace sov::ruleset
