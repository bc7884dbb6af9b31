// SPDX-License-Identifier: Apache-2.0
// The shipped law: every rule set and shared list under rules/ loads under --strict against the
// fact schema the probes declare, every case beside it gives the expected status, every rule
// cites its text and date, and the shared lists hold what their titles say.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/base/diag.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"
#include "probes/jurisdiction/resolver.h"
#include "probes/keys/keys_probe.h"
#include "probes/storage/storage_probe.h"
#if SOV_HAVE_S3_PROBE
#include "probes/s3/s3_probe.h"
#endif
#include "probes/tls/tls_probe.h"
#include "tests/support/temp_dir.h"

namespace sov::ruleset {
namespace {

namespace fs = std::filesystem;

// sov::testing::source_dir() reads SOV_SOURCE_DIR where sov_testsupport is compiled, and that
// library is not given the definition (only test executables are): it then answers "." and the
// test would depend on its working directory. Until it is, fall back to this executable's own
// SOV_SOURCE_DIR.
std::string rules_dir() {
  std::string root = sov::testing::source_dir();
#ifdef SOV_SOURCE_DIR
  if (!fs::exists(fs::path(root) / "rules" / "README.md")) root = SOV_SOURCE_DIR;
#endif
  return root + "/rules";
}

const model::FactSchema& shipped_schema() {
  static const model::FactSchema schema = [] {
    model::FactSchema s;
    s.add_all(probes::core_fact_schema());
    s.add_all(probes::declarable_fact_schema());
    s.add_all(probes::tls::tls_fact_schema());
    s.add_all(probes::jurisdiction::jurisdiction_fact_schema());
    s.add_all(probes::keys::pkcs11_fact_schema());
    s.add_all(probes::keys::key_file_fact_schema());
    s.add_all(probes::keys::kms_fact_schema());
    s.add_all(probes::storage::path_fact_schema());
    s.add_all(probes::storage::postgres_fact_schema());
#if SOV_HAVE_S3_PROBE
    s.add_all(probes::s3::s3_fact_schema());
#endif
    return s;
  }();
  return schema;
}

// Loads rules/ once for the whole suite; diagnostics are kept for the first test to print.
struct Loaded {
  std::shared_ptr<const RuleBook> book;
  Diagnostics diags;
  std::string error;
};

const Loaded& loaded() {
  static const Loaded result = [] {
    Loaded l;
    LoadOptions options;
    options.schema = &shipped_schema();
    options.strict = true;
    auto book = load_rules({rules_dir()}, options, &l.diags);
    if (book) {
      l.book = *book;
    } else {
      l.error = book.error().to_string();
    }
    return l;
  }();
  return result;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every rule-set file (not a case file) under rules/sets/.
std::vector<fs::path> set_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(rules_dir() + "/sets")) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (ends_with(name, ".yaml") && !ends_with(name, ".cases.yaml")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> case_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(rules_dir() + "/sets")) {
    if (e.is_regular_file() && ends_with(e.path().filename().string(), ".cases.yaml")) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const SharedList* find_list(const RuleBook& book, std::string_view id) {
  for (const auto& l : book.lists()) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

std::vector<std::string> list_strings(const SharedList& list) {
  std::vector<std::string> out;
  for (const auto& v : list.values) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

TEST(ShippedRules, LoadStrictWithoutDiagnostics) {
  const Loaded& l = loaded();
  ASSERT_NE(l.book, nullptr) << l.error << "\n" << l.diags.to_string();
  EXPECT_TRUE(l.diags.items().empty()) << l.diags.to_string();
  EXPECT_FALSE(l.book->rulesets().empty());
  EXPECT_FALSE(l.book->rules().empty());
}

TEST(ShippedRules, EveryCaseGivesTheExpectedStatus) {
  const Loaded& l = loaded();
  ASSERT_NE(l.book, nullptr) << l.error << "\n" << l.diags.to_string();
  Diagnostics diags;
  auto report = run_cases(*l.book, {rules_dir()}, &diags);
  ASSERT_TRUE(report) << report.error().to_string() << "\n" << diags.to_string();
  EXPECT_TRUE(diags.items().empty()) << diags.to_string();
  EXPECT_EQ(report->files, case_files().size());
  EXPECT_GT(report->cases, 0u);
  EXPECT_GT(report->checks, 0u);
  for (const auto& m : report->mismatches) {
    ADD_FAILURE() << m.file << ":" << m.line << ": case '" << m.case_name << "', rule " << m.rule_id
                  << ": expected " << m.expected << ", got " << m.actual
                  << (m.message.empty() ? "" : " (" + m.message + ")");
  }
  for (const auto& id : report->uncovered) {
    ADD_FAILURE() << "rule " << id << " lacks a passing case or a failing case";
  }
  std::cout << "[ rules    ] " << report->files << " case files, " << report->cases << " cases, "
            << report->checks << " checks\n";
}

TEST(ShippedRules, EveryRuleCitesItsTextAndDate) {
  const Loaded& l = loaded();
  ASSERT_NE(l.book, nullptr) << l.error << "\n" << l.diags.to_string();
  std::set<std::string> ids;
  for (const auto& r : l.book->rules()) {
    SCOPED_TRACE(r.id + " (" + r.file + ":" + std::to_string(r.line) + ")");
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate rule id";
    EXPECT_FALSE(r.title.empty());
    EXPECT_FALSE(r.description.empty()) << "the description records the confidence";
    EXPECT_FALSE(r.reference.empty());
    EXPECT_FALSE(r.source.url.empty());
    EXPECT_TRUE(r.source.url.rfind("https://", 0) == 0) << r.source.url;
    EXPECT_FALSE(r.source.title.empty());
    EXPECT_TRUE(r.source.date.has_value());
    EXPECT_TRUE(r.effective.has_value());
    EXPECT_FALSE(r.remediation.empty());
  }
  for (const auto& s : l.book->rulesets()) {
    SCOPED_TRACE(s.id + " (" + s.file + ")");
    EXPECT_FALSE(s.title.empty());
    EXPECT_FALSE(s.version.empty());
    EXPECT_FALSE(s.source.url.empty());
    EXPECT_GT(s.rule_count, 0u);
  }
}

TEST(ShippedRules, EveryRuleSetHasItsCaseFileAndViceVersa) {
  std::vector<fs::path> sets = set_files();
  ASSERT_FALSE(sets.empty());
  for (const auto& p : sets) {
    std::string s = p.string();
    fs::path cases = s.substr(0, s.size() - std::string(".yaml").size()) + ".cases.yaml";
    EXPECT_TRUE(fs::exists(cases)) << p << " has no " << cases.filename();
  }
  for (const auto& p : case_files()) {
    std::string s = p.string();
    fs::path set = s.substr(0, s.size() - std::string(".cases.yaml").size()) + ".yaml";
    EXPECT_TRUE(fs::exists(set)) << p << " has no rule set " << set.filename();
  }
  const Loaded& l = loaded();
  ASSERT_NE(l.book, nullptr) << l.error << "\n" << l.diags.to_string();
  EXPECT_EQ(l.book->rulesets().size(), sets.size());
}

TEST(ShippedLists, HoldTheRightCountriesWithoutDuplicates) {
  const Loaded& l = loaded();
  ASSERT_NE(l.book, nullptr) << l.error << "\n" << l.diags.to_string();
  const SharedList* eu27 = find_list(*l.book, "eu27");
  const SharedList* eea = find_list(*l.book, "eea");
  const SharedList* adequacy = find_list(*l.book, "adequacy");
  ASSERT_NE(eu27, nullptr);
  ASSERT_NE(eea, nullptr);
  ASSERT_NE(adequacy, nullptr);
  EXPECT_EQ(eu27->values.size(), 27u);
  EXPECT_EQ(eea->values.size(), 30u);

  const std::regex iso_alpha2("[A-Z]{2}");
  std::map<std::string, std::set<std::string>> sets;
  for (const SharedList* list : {eu27, eea, adequacy}) {
    SCOPED_TRACE(list->id);
    EXPECT_FALSE(list->title.empty());
    EXPECT_FALSE(list->source.url.empty());
    EXPECT_TRUE(list->as_of.has_value());
    std::set<std::string>& seen = sets[list->id];
    for (const auto& v : list_strings(*list)) {
      EXPECT_TRUE(std::regex_match(v, iso_alpha2)) << v << " is not an ISO 3166-1 alpha-2 code";
      EXPECT_TRUE(seen.insert(v).second) << "duplicate " << v;
    }
  }
  const auto& eu = sets["eu27"];
  const auto& ee = sets["eea"];
  const auto& adq = sets["adequacy"];
  // Greece is GR (ISO); EL is the EU's own abbreviation and must not appear.
  EXPECT_TRUE(eu.count("GR"));
  EXPECT_FALSE(eu.count("EL"));
  EXPECT_FALSE(eu.count("GB"));
  for (const auto& c : eu) EXPECT_TRUE(ee.count(c)) << c << " is in eu27 but not in eea";
  for (const char* c : {"IS", "LI", "NO"}) {
    EXPECT_TRUE(ee.count(c)) << c;
    EXPECT_FALSE(eu.count(c)) << c;
  }
  EXPECT_FALSE(ee.count("CH"));
  for (const auto& c : adq) EXPECT_FALSE(ee.count(c)) << c << ": adequacy is for third countries";
  for (const char* c : {"CH", "GB", "JP", "BR", "US", "CA"}) EXPECT_TRUE(adq.count(c)) << c;
}

}  // namespace
}  // namespace sov::ruleset
