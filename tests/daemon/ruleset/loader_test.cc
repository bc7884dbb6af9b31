// SPDX-License-Identifier: Apache-2.0
// The loader: files and directories, shared lists, validation with positions, the fact schema
// (warnings, --strict), duplicate ids across files, digests and what RuleInfo keeps.

#include <filesystem>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "tests/daemon/ruleset/ruleset_test_util.h"
#include "tests/support/temp_dir.h"

namespace sov::ruleset {
namespace {

using sov::testing::TempDir;
using testing::kSetHeader;
using testing::load_errors;
using testing::must_load;
using testing::one_rule;

std::string sha256(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

std::string set_file(std::string_view id, std::string_view rules) {
  std::string s = "ruleset: " + std::string(id) +
                  "\ntitle: Set\nversion: 2026.1.0\nsource: {title: Law, url: 'https://eu/law', "
                  "date: 2026-01-01}\nrules:\n";
  s += rules;
  return s;
}

std::string rule_line(std::string_view id, std::string_view check) {
  return "  - {id: " + std::string(id) +
         ", title: T, severity: low, reference: R, check: " + std::string(check) + "}\n";
}

constexpr std::string_view kEeaList =
    "list: eea\n"
    "title: European Economic Area\n"
    "as_of: 2026-11-01\n"
    "source: {title: EEA Agreement, url: 'https://eur-lex.europa.eu/eea', date: 1994-01-01}\n"
    "values: [AT, BE, DE, FR, IS, LI, NO]\n";

// --- files and directories -------------------------------------------------------------------

TEST(RuleLoader, LoadsADirectoryOfSetsAndListsInAnyOrder) {
  TempDir dir;
  // "a-sets" sorts before "z-lists": the list is still known when the set is compiled.
  std::string set_text =
      set_file("eu-storage", rule_line("ST-1", "{fact: location.country, in: $eea}") +
                                 rule_line("ST-2", "{fact: provider.eu, eq: true}"));
  dir.write("a-sets/sets/gdpr/storage.yaml", set_text);
  dir.write("a-sets/sets/gdpr/storage.cases.yaml", "cases: []\n");  // not a rule file
  dir.write("a-sets/sets/gdpr/notes.md", "# notes\n");
  dir.write("a-sets/providers/scaleway.yaml", "provider: scaleway\n");  // the registry: skipped
  dir.write("a-sets/z-more.yml",
            set_file("other", rule_line("OT-1", "{fact: provider.known, eq: true}")));
  dir.write("z-lists/eea.yaml", kEeaList);

  LoadOptions options{&testing::probe_schema()};
  Diagnostics diags;
  auto book = load_rules({dir.path()}, options, &diags);
  ASSERT_TRUE(book.has_value()) << diags.to_string();
  EXPECT_EQ(diags.items().size(), 0u) << diags.to_string();
  const RuleBook& b = **book;
  ASSERT_EQ(b.rulesets().size(), 2u);
  const RuleSetInfo& s = b.rulesets()[0];
  EXPECT_EQ(s.id, "eu-storage");
  EXPECT_EQ(s.framework, "gdpr");
  EXPECT_EQ(s.version, "2026.1.0");
  EXPECT_EQ(s.title, "Set");
  EXPECT_EQ(s.source.title, "Law");
  EXPECT_EQ(s.source.url, "https://eu/law");
  EXPECT_EQ(s.source.date, testing::at("2026-01-01"));
  EXPECT_EQ(s.file, dir.file("a-sets/sets/gdpr/storage.yaml"));
  EXPECT_EQ(s.sha256, sha256(set_text));
  EXPECT_EQ(s.rule_count, 2u);
  EXPECT_EQ(b.rulesets()[1].id, "other");
  EXPECT_EQ(b.rulesets()[1].framework, "");
  ASSERT_EQ(b.rules().size(), 3u);
  EXPECT_EQ(b.rules()[0].id, "ST-1");
  EXPECT_EQ(b.rules()[0].ruleset, "eu-storage");
  EXPECT_EQ(b.rules()[2].ruleset, "other");
  ASSERT_EQ(b.lists().size(), 1u);
  const SharedList& l = b.lists()[0];
  EXPECT_EQ(l.id, "eea");
  EXPECT_EQ(l.title, "European Economic Area");
  EXPECT_EQ(l.as_of, testing::at("2026-11-01"));
  EXPECT_EQ(l.values.size(), 7u);
  EXPECT_EQ(l.values[6], "NO");  // Norway is a country, not a boolean
  EXPECT_EQ(l.sha256, sha256(kEeaList));

  model::Facts facts = testing::facts({{"location", {{"country", "NO"}}}});
  EXPECT_EQ(b.evaluate_rule(0, testing::target(), facts, {testing::kNow}).status,
            model::Status::kPass);
}

TEST(RuleLoader, FilesCanBeNamedOneByOne) {
  TempDir dir;
  std::string set = dir.write("s.yaml", set_file("s", rule_line("S-1", "{fact: c, in: $eea}")));
  std::string list = dir.write("eea.yaml", kEeaList);
  Diagnostics diags;
  auto book = load_rules({set, list}, {}, &diags);
  ASSERT_TRUE(book.has_value()) << diags.to_string();
  EXPECT_EQ((*book)->rules().size(), 1u);
}

TEST(RuleLoader, MissingPathIsAnIoError) {
  TempDir dir;
  Diagnostics diags;
  auto book = load_rules({dir.file("nope")}, {}, &diags);
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(book.error().code(), ErrorCode::kIo);
  EXPECT_EQ(diags.to_string(),
            dir.file("nope") + ": error: cannot read: No such file or directory");
}

TEST(RuleLoader, FileOverTheSizeCapIsRejected) {
  TempDir dir;
  std::string big = set_file("big", "") + "# " + std::string(4 << 20, 'x') + "\n";
  dir.write("big.yaml", big);
  Diagnostics diags;
  auto book = load_rules({dir.path()}, {}, &diags);
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(book.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(diags.to_string(), dir.file("big.yaml") + ": error: file is larger than 4 MiB");
  Diagnostics text_diags;
  EXPECT_FALSE(load_rules_text("big.yaml", big, {}, &text_diags).has_value());
  EXPECT_EQ(text_diags.to_string(), "big.yaml: error: file is larger than 4 MiB");
}

TEST(RuleLoader, DuplicateRuleIdAcrossFilesNamesBothPlaces) {
  TempDir dir;
  dir.write("a.yaml", set_file("set-a", rule_line("X-1", "{fact: a, eq: 1}")));
  dir.write("b.yaml", set_file("set-b", rule_line("Y-1", "{fact: a, eq: 1}") +
                                            rule_line("X-1", "{fact: b, eq: 1}")));
  Diagnostics diags;
  auto book = load_rules({dir.path()}, {}, &diags);
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(book.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(diags.to_string(),
            dir.file("b.yaml") + ":7:10: error: duplicate rule id 'X-1' (first defined at " +
                dir.file("a.yaml") +
                ":6:10)\n"
                "    - {id: X-1, title: T, severity: low, reference: R, check: {fact: b, eq: 1}}\n"
                "           ^");
}

TEST(RuleLoader, DuplicateRuleSetAndListIdsAcrossFiles) {
  TempDir dir;
  dir.write("a.yaml", set_file("same", ""));
  dir.write("b.yaml", set_file("same", ""));
  dir.write("l1.yaml", kEeaList);
  dir.write("l2.yaml", kEeaList);
  Diagnostics diags;
  ASSERT_FALSE(load_rules({dir.path()}, {}, &diags).has_value());
  std::string text = diags.to_string();
  EXPECT_NE(text.find(dir.file("b.yaml") +
                      ":1:10: error: duplicate rule set id 'same' (first "
                      "defined at " +
                      dir.file("a.yaml") + ":1:10)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(dir.file("l2.yaml") + ":1:7: error: duplicate list 'eea' (first defined at " +
                      dir.file("l1.yaml") + ":1:7)"),
            std::string::npos)
      << text;
}

TEST(RuleLoader, ErrorsOfEveryFileAreReported) {
  TempDir dir;
  dir.write("a.yaml", set_file("a", rule_line("A-1", "{fact: a, eq: [1]}")));
  dir.write("b.yaml", set_file("b", rule_line("B-1", "{fact: b, lt: x}")));
  Diagnostics diags;
  auto book = load_rules({dir.path()}, {}, &diags);
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(diags.error_count(), 2u) << diags.to_string();
  EXPECT_EQ(diags.items()[0].file, dir.file("a.yaml"));
  EXPECT_EQ(diags.items()[1].file, dir.file("b.yaml"));
  EXPECT_EQ(book.error().message(),
            "invalid rules: 2 errors (first: " + dir.file("a.yaml") +
                ":6:75: 'eq' needs a single value (number, string, boolean, null or date), got a "
                "list; use 'in' for a list of values)");
}

TEST(RuleLoader, AFileIsARuleSetOrAList) {
  EXPECT_EQ(load_errors("- a\n- b\n"),
            "test.yaml:1:1: error: a rule file is a mapping with 'ruleset:' or 'list:' at the "
            "top, got a list\n  - a\n  ^");
  EXPECT_EQ(load_errors("title: x\n"),
            "test.yaml:1:1: error: not a rule set or a shared list: expected 'ruleset:' or "
            "'list:' at the top\n  title: x\n  ^");
  EXPECT_EQ(load_errors("ruleset: a\nlist: b\n"),
            "test.yaml:2:1: error: a file is either a rule set ('ruleset:') or a shared list "
            "('list:'), not both\n  list: b\n  ^");
  EXPECT_EQ(load_errors(""), "test.yaml: error: the file is empty");
  EXPECT_EQ(load_errors("# only a comment\n"), "test.yaml: error: the file is empty");
  EXPECT_EQ(load_errors(std::string(kEeaList) + "---\nlist: x\n"),
            "test.yaml:6:1: error: a rule file holds exactly one YAML document\n  ---\n  ^");
}

// --- keys, types, values ---------------------------------------------------------------------

TEST(RuleLoader, MissingRequiredKeysOfSetAndRule) {
  std::string text = load_errors("ruleset: s\nrules:\n  - {id: R}\n");
  EXPECT_EQ(text,
            "test.yaml:1:1: error: missing required key 'title' in rule set\n"
            "  ruleset: s\n  ^\n"
            "test.yaml:1:1: error: missing required key 'version' in rule set\n"
            "  ruleset: s\n  ^\n"
            "test.yaml:1:1: error: missing required key 'source' in rule set\n"
            "  ruleset: s\n  ^\n"
            "test.yaml:3:5: error: missing required key 'title' in rule\n"
            "    - {id: R}\n      ^\n"
            "test.yaml:3:5: error: missing required key 'severity' in rule\n"
            "    - {id: R}\n      ^\n"
            "test.yaml:3:5: error: missing required key 'reference' in rule\n"
            "    - {id: R}\n      ^\n"
            "test.yaml:3:5: error: missing required key 'check' in rule (or 'manual: true' for a "
            "rule a human attests)\n"
            "    - {id: R}\n      ^");
}

TEST(RuleLoader, UnknownKeysEverywhereWithSuggestions) {
  std::string yaml(kSetHeader);
  yaml +=
      "applies_to: {tag: {x: y}}\n"
      "rules:\n"
      "  - id: R1\n    title: T\n    severity: low\n    reference: R\n"
      "    sources: {title: x}\n"
      "    check: {fact: a, equals: 1}\n";
  EXPECT_EQ(load_errors(yaml, LoadOptions{}),
            "test.yaml:5:14: error: unknown key 'tag' in applies_to (did you mean 'tags'?)\n"
            "  applies_to: {tag: {x: y}}\n"
            "               ^\n"
            "test.yaml:11:5: error: unknown key 'sources' in rule (did you mean 'source'?)\n"
            "      sources: {title: x}\n"
            "      ^\n"
            "test.yaml:12:22: error: unknown key 'equals' in a fact condition\n"
            "      check: {fact: a, equals: 1}\n"
            "                       ^");
}

TEST(RuleLoader, DuplicateKeysAreErrors) {
  std::string yaml = one_rule("{fact: a, eq: 1}", "    title: Again\n");
  EXPECT_EQ(load_errors(yaml, LoadOptions{}),
            "test.yaml:11:5: error: duplicate key 'title'\n      title: Again\n      ^");
  EXPECT_EQ(load_errors(one_rule("{fact: a, eq: 1, eq: 2}"), LoadOptions{}),
            "test.yaml:10:29: error: duplicate key 'eq'\n"
            "      check: {fact: a, eq: 1, eq: 2}\n"
            "                              ^");
}

TEST(RuleLoader, OperandsOfEachOperatorAreChecked) {
  auto first_error = [](std::string_view check) {
    Diagnostics d;
    auto book = load_rules_text("t.yaml", one_rule(check), {}, &d);
    EXPECT_FALSE(book.has_value()) << check;
    return d.items().empty() ? std::string() : d.items()[0].message;
  };
  EXPECT_EQ(first_error("{fact: a, lt: [1]}"), "'lt' needs a number or a date, got a list");
  EXPECT_EQ(first_error("{fact: a, ge: true}"), "'ge' needs a number or a date, got 'true'");
  EXPECT_EQ(first_error("{fact: a, le: \"24\"}"),
            "'le' needs a number or a date, got the string \"24\" (remove the quotes to compare "
            "as a number)");
  EXPECT_EQ(first_error("{fact: a, in: []}"), "'in' needs at least one value");
  EXPECT_EQ(first_error("{fact: a, in: [[1]]}"), "list values must be single values, got a list");
  EXPECT_EQ(first_error("{fact: a, not_in: {x: 1}}"),
            "'not_in' needs a list ([FR, DE]) or a shared list ($eu27), got a mapping");
  EXPECT_EQ(first_error("{fact: a, exists: yes}"), "'exists' must be true or false, got 'yes'");
  EXPECT_EQ(first_error("{fact: a, contains: null}"), "'contains' needs a value, got null");
  EXPECT_EQ(first_error("{fact: a, matches: [x]}"),
            "'matches' needs a regular expression (a string), got a list");
  EXPECT_EQ(first_error("{fact: a, matches: \"[a-\"}"),
            "invalid regular expression '[a-': invalid character range");
  EXPECT_EQ(first_error("{fact: a, eq: now}"), "relative date 'now' needs lt, le, gt or ge");
  EXPECT_EQ(first_error("{fact: a, ge: now+}"),
            "invalid relative date 'now+' (expected now, now+30d or now-1y; units s m h d w y)");
  EXPECT_EQ(
      first_error("{fact: a, ge: now+999y}"),
      "invalid relative date 'now+999y' (expected now, now+30d or now-1y; units s m h d w y)");
  EXPECT_EQ(first_error("{fact: a, ge: 9999-01-01}"),
            "invalid date '9999-01-01' (expected YYYY-MM-DD or RFC 3339)");
  EXPECT_EQ(first_error("{fact: a, le: 1e999}"), "number '1e999' is out of range");
  EXPECT_EQ(first_error("{fact: a, le: .inf}"), "infinite and NaN numbers are not supported");
  EXPECT_EQ(first_error("{fact: a, eq: !custom x}"), "unsupported YAML tag '!custom'");
  EXPECT_EQ(first_error("{fact: a}"),
            "a fact condition needs an operator: eq, ne, lt, le, gt, ge, in, not_in, matches, "
            "exists or contains");
  EXPECT_EQ(first_error("{fact: \"a..b\", eq: 1}"),
            "fact path 'a..b': empty segment at character 3");
  EXPECT_EQ(first_error("{fact: [a], eq: 1}"),
            "a fact path must be a string such as provider.id, got a list");
  EXPECT_EQ(first_error("{fact: \"@x\", eq: 1}"),
            "'@' is the element of an enclosing every or some, and there is none here");
  EXPECT_EQ(first_error("[a]"),
            "a condition must be a mapping such as {fact: PATH, eq: VALUE}, got a list");
  EXPECT_EQ(first_error("{}"), "a condition needs one of all, any, not, fact, every or some");
  EXPECT_EQ(first_error("{all: []}"), "'all' needs a non-empty list of conditions, got a list");
  EXPECT_EQ(first_error("{alll: []}"), "unknown key 'alll' in condition (did you mean 'all'?)");
  EXPECT_EQ(first_error("{every: l, check: {fact: \"@\", eq: 1}, if_empty: maybe}"),
            "invalid if_empty 'maybe' (expected pass, fail, not_applicable or error)");
  EXPECT_EQ(first_error("{every: l, chek: {fact: \"@\", eq: 1}}"),
            "unknown key 'chek' in an 'every' condition (did you mean 'check'?)");
}

TEST(RuleLoader, RuleValuesAreChecked) {
  auto first_error = [](std::string_view extra) {
    Diagnostics d;
    auto book = load_rules_text("t.yaml", one_rule("{fact: a, eq: 1}", extra), {}, &d);
    EXPECT_FALSE(book.has_value()) << extra;
    return d.items().empty() ? std::string() : d.items()[0].message;
  };
  EXPECT_EQ(first_error("    max_age: 0d\n"), "'max_age' must be longer than zero");
  EXPECT_EQ(first_error("    max_age: 180\n"),
            "invalid duration '180' for 'max_age' (expected a number and a unit such as 180d; "
            "units ms s m h d w y)");
  EXPECT_EQ(first_error("    effective: tomorrow\n"),
            "invalid date 'tomorrow' (expected YYYY-MM-DD or RFC 3339)");
  EXPECT_EQ(first_error("    effective: [2026-01-01]\n"), "'effective' must be a date, got a list");
  EXPECT_EQ(first_error("    description: {a: b}\n"),
            "'description' must be a string, got a mapping");
  EXPECT_EQ(first_error("    remediation:\n"), "'remediation' has no value");
  EXPECT_EQ(first_error("    source: {url: x}\n"), "missing required key 'title' in source");
  EXPECT_EQ(first_error("    source: {title: x, date: 2026-13-01}\n"),
            "invalid date '2026-13-01' (expected YYYY-MM-DD or RFC 3339)");
}

TEST(RuleLoader, RuleIdsAreNames) {
  std::string yaml(kSetHeader);
  yaml += "rules:\n" + rule_line("\"R 1\"", "{fact: a, eq: 1}");
  EXPECT_EQ(load_errors(yaml, LoadOptions{}),
            "test.yaml:6:10: error: invalid rule id 'R 1': use letters, digits, '.', '-' and '_'\n"
            "    - {id: \"R 1\", title: T, severity: low, reference: R, check: {fact: a, eq: 1}}\n"
            "           ^");
}

TEST(RuleLoader, ManualRulesHaveNoCheck) {
  std::string yaml(kSetHeader);
  yaml += "rules:\n  - {id: M, title: T, severity: low, reference: R, manual: true}\n";
  auto book = must_load(yaml);
  ASSERT_TRUE(book);
  EXPECT_TRUE(book->rules()[0].manual);
  EXPECT_EQ(book->rules()[0].check_text, "");
}

TEST(RuleLoader, ASetWithOneBadRuleNeverHalfLoads) {
  std::string yaml(kSetHeader);
  yaml +=
      "rules:\n" + rule_line("GOOD", "{fact: a, eq: 1}") + rule_line("BAD", "{fact: a, eq: [1]}");
  Diagnostics diags;
  auto book = load_rules_text("t.yaml", yaml, {}, &diags);
  EXPECT_FALSE(book.has_value());
  EXPECT_EQ(diags.error_count(), 1u);
}

TEST(RuleLoader, ListsAreValidated) {
  EXPECT_EQ(load_errors("list: EU27\ntitle: t\nsource: {title: s}\nvalues: [FR]\n"),
            "test.yaml:1:7: error: invalid list name 'EU27': use lower-case letters, digits, '_' "
            "and '-' (it is referenced as $name)\n  list: EU27\n        ^");
  EXPECT_EQ(load_errors("list: eu\ntitle: t\nsource: {title: s}\nvalues: FR\n"),
            "test.yaml:4:9: error: 'values' must be a list, got 'FR'\n  values: FR\n          ^");
  EXPECT_EQ(load_errors("list: eu\ntitle: t\nsource: {title: s}\nvalues: [FR, ~]\n"),
            "test.yaml:4:14: error: a list value cannot be null\n  values: [FR, ~]\n"
            "               ^");
}

TEST(RuleLoader, AppliesToIsValidated) {
  std::string yaml(kSetHeader);
  yaml += "applies_to: {tags: {data_class: []}, kinds: [tls, {x: 1}]}\nrules: []\n";
  std::string text = load_errors(yaml, LoadOptions{});
  EXPECT_NE(text.find("tag values must be a name or a non-empty list of names, got a list"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("'kinds' must be names, got a mapping"), std::string::npos) << text;
}

// --- the fact schema -------------------------------------------------------------------------

TEST(RuleLoader, UnknownFactPathIsAWarningWithASuggestion) {
  Diagnostics diags;
  LoadOptions options{&testing::probe_schema()};
  auto book =
      load_rules_text("t.yaml", one_rule("{fact: provider.seat_contry, eq: FR}"), options, &diags);
  ASSERT_TRUE(book.has_value()) << diags.to_string();
  EXPECT_EQ(diags.to_string(),
            "t.yaml:10:19: warning: fact path 'provider.seat_contry' is not declared by any probe "
            "(did you mean 'provider.seat_country'?)\n"
            "      check: {fact: provider.seat_contry, eq: FR}\n"
            "                    ^");
}

TEST(RuleLoader, StrictTurnsWarningsIntoErrors) {
  Diagnostics diags;
  LoadOptions options{&testing::probe_schema(), true};
  auto book =
      load_rules_text("t.yaml", one_rule("{fact: provider.seat_contry, eq: FR}"), options, &diags);
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(book.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(diags.items()[0].level, DiagLevel::kError);
}

TEST(RuleLoader, WithoutSchemaNoPathIsChecked) {
  Diagnostics diags;
  auto book =
      load_rules_text("t.yaml", one_rule("{fact: made.up, eq: 1}"), {nullptr, true}, &diags);
  EXPECT_TRUE(book.has_value()) << diags.to_string();
  EXPECT_TRUE(diags.items().empty());
}

TEST(RuleLoader, SchemaKnowsDeclaredPrefixesElementsAndOpenMaps) {
  LoadOptions strict{&testing::probe_schema(), true};
  for (std::string_view check : {
           "{fact: declared.contract.signed, eq: true}",        // site-specific: never checked
           "{fact: provider.ownership, exists: true}",          // prefix of declared paths
           "{fact: target.tags.data_class, contains: health}",  // open map target.tags.*
           "{fact: \"storage.locations[0].country\", eq: FR}",  // index: schema form [*]
           "{fact: \"provider.extraterritorial_laws[*]\", ne: FISA}",  // list element
           "{every: storage.locations, check: {fact: \"@.country\", eq: FR}}",
           "{some: operations.admin_countries, check: {fact: \"@\", eq: FR}}",
       }) {
    Diagnostics diags;
    auto book = load_rules_text("t.yaml", one_rule(check), strict, &diags);
    EXPECT_TRUE(book.has_value()) << check << "\n" << diags.to_string();
  }
}

TEST(RuleLoader, ConstantsMustFitTheDeclaredType) {
  auto message = [](std::string_view check) {
    Diagnostics d;
    auto book = load_rules_text("t.yaml", one_rule(check), {&testing::probe_schema()}, &d);
    return d.items().empty()
               ? std::string("(none)")
               : std::string(d.items()[0].level == DiagLevel::kError ? "error: " : "warning: ") +
                     d.items()[0].message;
  };
  EXPECT_EQ(message("{fact: provider.ownership.non_eu_total_pct, ge: 2026-01-01}"),
            "error: type mismatch: fact 'provider.ownership.non_eu_total_pct' is a number, not a "
            "date; 'ge' compares it with 2026-01-01");
  EXPECT_EQ(message("{fact: provider.certifications.hds.expires, ge: 24}"),
            "error: type mismatch: fact 'provider.certifications.hds.expires' is a date, not a "
            "number; 'ge' compares it with 24");
  EXPECT_EQ(message("{fact: provider.eu, eq: \"true\"}"),
            "error: type mismatch: fact 'provider.eu' is a bool, it cannot equal \"true\"");
  EXPECT_EQ(message("{fact: provider.certifications.hds.version, in: [v1, v2]}"),
            "error: type mismatch: fact 'provider.certifications.hds.version' is an integer, no "
            "value of [v1, v2] has that type");
  EXPECT_EQ(message("{fact: provider.eu, matches: \"t.*\"}"),
            "error: type mismatch: fact 'provider.eu' is a bool, 'matches' needs a string");
  EXPECT_EQ(message("{fact: provider.certifications.hds.activities, contains: one}"),
            "error: type mismatch: fact 'provider.certifications.hds.activities' is a list of "
            "integer values, it cannot contain \"one\"");
  EXPECT_EQ(message("{fact: provider.certifications.secnumcloud.expires, eq: never}"),
            "warning: fact 'provider.certifications.secnumcloud.expires' is a date, compared "
            "with \"never\", which is not a date");
  EXPECT_EQ(message("{fact: provider.certifications.hds.version, eq: 2}"), "(none)");
  EXPECT_EQ(message("{fact: provider.ownership.as_of, ge: now-1y}"), "(none)");
  EXPECT_EQ(message("{fact: provider.id, eq: null}"), "(none)");
}

// --- what a RuleBook keeps -------------------------------------------------------------------

TEST(RuleLoader, RuleInfoKeepsTextsPathsAndSources) {
  std::string yaml(kSetHeader);
  yaml +=
      "rules:\n"
      "  - id: R1\n"
      "    title: Storage in the EEA\n"
      "    description: Every copy.\n"
      "    severity: critical\n"
      "    reference: Art. 5\n"
      "    source: {title: Guidance, url: 'https://example.eu/guide', date: 2025-05-01}\n"
      "    effective: 2026-03-01\n"
      "    max_age: 180d\n"
      "    on_unknown: fail\n"
      "    when: {fact: provider.known, eq: true}\n"
      "    check:\n"
      "      all:\n"
      "        - {every: storage.locations, check: {fact: \"@.country\", in: [FR, \"DE\"]}}\n"
      "        - {fact: provider.known, eq: true}\n"
      "    remediation: Move it.\n"
      "  - {id: R2, title: T, severity: low, reference: R, source: {title: Own}, check: {fact: "
      "provider.eu, eq: true}}\n";
  auto book = must_load(yaml);
  ASSERT_TRUE(book);
  const RuleInfo& r = book->rules()[0];
  EXPECT_EQ(r.id, "R1");
  EXPECT_EQ(r.ruleset, "test-set");
  EXPECT_EQ(r.title, "Storage in the EEA");
  EXPECT_EQ(r.description, "Every copy.");
  EXPECT_EQ(r.severity, model::Severity::kCritical);
  EXPECT_EQ(r.reference, "Art. 5");
  EXPECT_EQ(r.source.title, "Guidance");
  EXPECT_EQ(r.source.url, "https://example.eu/guide");
  EXPECT_EQ(r.source.date, testing::at("2025-05-01"));
  EXPECT_EQ(r.effective, testing::at("2026-03-01"));
  ASSERT_TRUE(r.max_age.has_value());
  EXPECT_EQ(*r.max_age, std::chrono::hours(24 * 180));
  EXPECT_FALSE(r.manual);
  EXPECT_EQ(r.remediation, "Move it.");
  EXPECT_EQ(r.file, "test.yaml");
  EXPECT_EQ(r.line, 6);
  EXPECT_EQ(r.when_text, "{fact: provider.known, eq: true}");
  EXPECT_EQ(r.check_text,
            "{all: [{every: storage.locations, check: {fact: \"@.country\", in: [FR, \"DE\"]}}, "
            "{fact: provider.known, eq: true}]}");
  EXPECT_EQ(r.fact_paths, (std::vector<std::string>{"provider.known", "storage.locations",
                                                    "storage.locations[*].country"}));
  const RuleInfo& r2 = book->rules()[1];
  EXPECT_EQ(r2.source.title, "Own");
  EXPECT_EQ(r2.source.url, "https://example.eu/law");  // the set's URL when the rule has none
  EXPECT_EQ(book->find_rule("R2"), &r2);
  EXPECT_EQ(book->find_rule("R3"), nullptr);
}

TEST(RuleLoader, DigestIsStableAndCoversSetsAndLists) {
  TempDir dir;
  std::string a = dir.write("a.yaml", set_file("a", rule_line("A-1", "{fact: c, in: $eea}")));
  std::string b = dir.write("b.yaml", set_file("b", rule_line("B-1", "{fact: c, eq: 1}")));
  std::string l = dir.write("eea.yaml", kEeaList);
  auto load = [](const std::vector<std::string>& paths) {
    Diagnostics d;
    auto book = load_rules(paths, {}, &d);
    EXPECT_TRUE(book.has_value()) << d.to_string();
    return book ? (*book)->digest() : std::string();
  };
  std::string d1 = load({a, b, l});
  EXPECT_EQ(d1.size(), 64u);
  EXPECT_EQ(d1.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(load({l, b, a}), d1);
  EXPECT_EQ(load({dir.path()}), d1);
  dir.write("eea.yaml", std::string(kEeaList) + "# reviewed\n");
  std::string d2 = load({dir.path()});
  EXPECT_NE(d2, d1);
  dir.write("eea.yaml", kEeaList);
  EXPECT_EQ(load({dir.path()}), d1);
  dir.write("b.yaml", set_file("b", rule_line("B-1", "{fact: c, eq: 2}")));
  EXPECT_NE(load({dir.path()}), d1);
}

TEST(RuleLoader, PreloadedListsAreUsableButNotCopied) {
  SharedList eu;
  eu.id = "eu27";
  eu.values = {"FR"};
  std::vector<SharedList> lists{eu};
  LoadOptions options;
  options.lists = &lists;
  auto book = must_load(one_rule("{fact: c, in: $eu27}"), options);
  ASSERT_TRUE(book);
  EXPECT_TRUE(book->lists().empty());
  // A list file of the same name replaces the preloaded list instead of clashing with it.
  std::string eu27_file(kEeaList);
  eu27_file.replace(eu27_file.find("eea"), 3, "eu27");
  auto relisted = must_load(eu27_file, options);
  ASSERT_TRUE(relisted);
  EXPECT_EQ(relisted->lists().size(), 1u);
  EXPECT_EQ(load_errors(one_rule("{fact: c, in: $eu27}"), LoadOptions{}),
            "test.yaml:10:26: error: unknown list '$eu27'\n"
            "      check: {fact: c, in: $eu27}\n"
            "                           ^");
}

TEST(RuleLoader, ListFileAloneLoads) {
  auto book = must_load(kEeaList);
  ASSERT_TRUE(book);
  EXPECT_TRUE(book->rules().empty());
  ASSERT_EQ(book->lists().size(), 1u);
  EXPECT_EQ(book->lists()[0].source.url, "https://eur-lex.europa.eu/eea");
}

// --- hostile input ---------------------------------------------------------------------------

TEST(RuleLoader, AliasCyclesAndDeepNestingAreRejected) {
  std::string cycle(kSetHeader);
  cycle += "rules:\n  - {id: C, title: T, severity: low, reference: R, check: &c {all: [*c]}}\n";
  EXPECT_NE(load_errors(cycle, LoadOptions{}).find("conditions nested deeper than 64 levels"),
            std::string::npos);
  std::string deep = "{not: ";
  for (int i = 0; i < 70; ++i) deep += "{not: ";
  deep += "{fact: a, eq: 1}";
  for (int i = 0; i < 71; ++i) deep += "}";
  EXPECT_NE(load_errors(one_rule(deep), LoadOptions{}).find("nested deeper than 64 levels"),
            std::string::npos);
}

TEST(RuleLoader, AliasBombsRunOutOfBudget) {
  // Each level references the previous one ten times: 10^7 condition nodes if expanded.
  std::string yaml(kSetHeader);
  yaml += "x0: &x0 {fact: a, eq: 1}\n";
  for (int i = 1; i <= 7; ++i) {
    yaml += "x" + std::to_string(i) + ": &x" + std::to_string(i) + " {all: [";
    for (int k = 0; k < 10; ++k) yaml += std::string(k ? ", " : "") + "*x" + std::to_string(i - 1);
    yaml += "]}\n";
  }
  yaml += "rules:\n  - {id: B, title: T, severity: low, reference: R, check: *x7}\n";
  std::string text = load_errors(yaml, LoadOptions{});
  EXPECT_NE(text.find("too many condition nodes in this file"), std::string::npos) << text;
}

TEST(RuleLoader, StrayCommaDoesNotExhaustMemory) {
  // Found by the rules fuzzer: yaml-cpp 0.7 never consumes a ',' at document level, and
  // YAML::LoadAll then collected empty documents until memory ran out.
  EXPECT_EQ(load_errors(","), "test.yaml:1:1: error: unexpected ','\n  ,\n  ^");
  EXPECT_EQ(load_errors(std::string(kEeaList) + ",\n"),
            "test.yaml:6:1: error: end of map not found\n  ,\n  ^");
  EXPECT_EQ(load_errors("# comment\n ,\n"), "test.yaml:2:2: error: unexpected ','\n   ,\n   ^");
}

TEST(RuleLoader, YamlSyntaxErrorHasItsPosition) {
  EXPECT_EQ(load_errors("ruleset: [a\n"), "test.yaml:2:1: error: end of sequence flow not found");
  EXPECT_EQ(load_errors("ruleset: x\n\tbad: 1\n"),
            "test.yaml:2:1: error: illegal tab when looking for indentation\n  \tbad: 1\n  ^");
}

}  // namespace
}  // namespace sov::ruleset

namespace sov::ruleset {
namespace {

// Regression: a leaf whose value was invalid (a bad regex) returned before its fact path was
// checked, so an unknown path in the same leaf went unreported. Every error of a file counts.
TEST(RuleLoader, LeafWithBadValueStillReportsAnUnknownPath) {
  Diagnostics diags;
  LoadOptions options;
  options.schema = &testing::probe_schema();
  options.strict = true;
  auto book =
      load_rules_text("r.yaml", testing::one_rule("{fact: provider.seat_contry, matches: \"[a-\"}"),
                      options, &diags);
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(diags.error_count(), 2u) << diags.to_string();
  const std::string text = diags.to_string();
  EXPECT_NE(text.find("fact path 'provider.seat_contry'"), std::string::npos) << text;
  EXPECT_NE(text.find("invalid regular expression '[a-'"), std::string::npos) << text;
}

}  // namespace
}  // namespace sov::ruleset
