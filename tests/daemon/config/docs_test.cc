// SPDX-License-Identifier: Apache-2.0
// The shipped example and the man page are tested like code (STYLE.md B1.10, B13):
// packaging/examples/sovereignd.yaml must load and hold exactly the keys of the keyword table
// (Kea's all-keys.json idea), and man/sovereignd.yaml.5 must carry each key's entry as the
// table describes it.
//
// To print the man page's KEYS entries from the table: SOV_PRINT_MAN_KEYS=1 sov_config_tests
// --gtest_filter=ConfigDocs.ManPageListsEveryKeyAsTheTableDescribesIt
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "daemon/config/config.h"
#include "tests/support/temp_dir.h"

namespace sov::config {
namespace {

std::string example_path() {
  return std::string(SOV_SOURCE_DIR) + "/packaging/examples/sovereignd.yaml";
}

bool has_rows_below(const std::string& prefix) {
  for (const auto& kw : keyword_table()) {
    if (kw.name.starts_with(prefix)) return true;
  }
  return false;
}

// Every key path of the document, in the table's notation ("targets[].tls.mode"). Free-form
// maps (tags, declared) are not descended into: their keys are the operator's.
void collect_keys(const YAML::Node& node, const std::string& prefix, std::set<std::string>* out) {
  if (!node.IsMap()) return;
  for (const auto& entry : node) {
    std::string name = prefix + entry.first.as<std::string>();
    out->insert(name);
    const Keyword* kw = find_keyword(name);
    if (kw == nullptr) continue;
    if (kw->type == KeyType::kMap && has_rows_below(name + ".")) {
      collect_keys(entry.second, name + ".", out);
    } else if (kw->type == KeyType::kList && kw->element == KeyType::kMap) {
      for (const auto& item : entry.second) collect_keys(item, name + "[].", out);
    }
  }
}

TEST(ConfigDocs, ExampleIsValidAndHoldsExactlyTheKeysOfTheTable) {
  std::string text = testing::read_file(example_path());
  ASSERT_FALSE(text.empty());

  // The example names an attestation file relative to /etc/sovereignd; give it one here.
  testing::TempDir dir;
  dir.write("attestations.d/2026-audit.yaml",
            "attestations:\n  - {rule: SNC-19.2-a, status: pass, by: auditor, "
            "date: 2026-01-05}\n");
  Diagnostics diags;
  auto config = load_config_text("sovereignd.yaml", text, dir.path(), &diags);
  ASSERT_TRUE(config) << diags.to_string();
  EXPECT_EQ(diags.items().size(), 0u) << diags.to_string();

  std::set<std::string> in_example;
  collect_keys(YAML::Load(text), "", &in_example);
  std::set<std::string> in_table;
  for (const auto& kw : keyword_table()) in_table.insert(kw.name);
  for (const auto& name : in_table) {
    EXPECT_TRUE(in_example.count(name) > 0) << "the example lacks key " << name;
  }
  for (const auto& name : in_example) {
    EXPECT_TRUE(in_table.count(name) > 0) << "the example has a key the table lacks: " << name;
  }
  // Every target kind is shown.
  std::set<std::string> kinds;
  for (const auto& t : (*config)->targets) kinds.insert(t.kind);
  for (const auto& k : target_kinds()) EXPECT_TRUE(kinds.count(k) > 0) << k;
}

// The parenthesis after a key's name in sovereignd.yaml(5): "(duration; default: 1h)".
std::string man_summary(const Keyword& kw) {
  std::string type(key_type_name(kw.type));
  if (kw.type == KeyType::kHostPort && kw.url_allowed) type += " or URL";
  if (kw.type == KeyType::kList) type += " of " + std::string(key_type_name(kw.element));
  std::string s = type;
  if (!kw.choices.empty()) {
    s += "; " + std::string(kw.type == KeyType::kList ? "each one of: " : "one of: ") + kw.choices;
  }
  if (!kw.range.empty()) s += "; range: " + kw.range;
  if (!kw.default_value.empty()) s += "; default: " + kw.default_value;
  if (kw.required) s += kw.kinds.empty() ? "; required" : "; required for these kinds";
  if (kw.secret) s += "; secret";
  if (!kw.kinds.empty()) s += "; kinds: " + kw.kinds;
  return s;
}

std::string man_entry(const Keyword& kw) {
  return ".TP\n\\fB" + kw.name + "\\fR (" + man_summary(kw) + ")\n" + kw.description + ".\n";
}

TEST(ConfigDocs, ManPageListsEveryKeyAsTheTableDescribesIt) {
  if (std::getenv("SOV_PRINT_MAN_KEYS") != nullptr) {
    for (const auto& kw : keyword_table()) std::cout << man_entry(kw);
  }
  std::string man = testing::read_file(std::string(SOV_SOURCE_DIR) + "/man/sovereignd.yaml.5");
  ASSERT_FALSE(man.empty());
  size_t last = 0;
  for (const auto& kw : keyword_table()) {
    std::string entry = man_entry(kw);
    size_t at = man.find(entry);
    EXPECT_NE(at, std::string::npos) << "man/sovereignd.yaml.5 lacks or differs for:\n" << entry;
    if (at != std::string::npos) {
      EXPECT_GT(at, last) << "out of the table's order: " << kw.name;
      last = at;
    }
  }
  for (const auto& kind : target_kinds()) {
    EXPECT_THAT(man, ::testing::HasSubstr("\\fB" + kind + "\\fR")) << kind;
  }
  for (const char* section : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH KEYS",
                              ".SH TARGETS", ".SH ATTESTATIONS AND WAIVERS", ".SH SECRETS",
                              ".SH FILES", ".SH EXAMPLES", ".SH SEE ALSO"}) {
    EXPECT_THAT(man, ::testing::HasSubstr(section));
  }
}

}  // namespace
}  // namespace sov::config
