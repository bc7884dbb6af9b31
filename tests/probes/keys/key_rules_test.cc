// SPDX-License-Identifier: Apache-2.0
// rules/sets/key-custody through the real loader (strict, against the key probes' fact schemas)
// and evaluator, with every case beside it. tests/rules runs the same once the shipped schema
// there includes the key probes; until then this is where the key-custody law is checked.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "daemon/base/diag.h"
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"
#include "probes/keys/keys_probe.h"

namespace sov::probes::keys {
namespace {

std::string rules_dir() { return std::string(SOV_SOURCE_DIR) + "/rules"; }

model::FactSchema key_schema() {
  model::FactSchema s;
  s.add_all(core_fact_schema());
  s.add_all(declarable_fact_schema());
  s.add_all(pkcs11_fact_schema());
  s.add_all(key_file_fact_schema());
  s.add_all(kms_fact_schema());
  return s;
}

TEST(KeyCustodyRules, LoadStrictAndEveryCasePasses) {
  auto schema = key_schema();
  ruleset::LoadOptions options;
  options.schema = &schema;
  options.strict = true;
  Diagnostics diags;
  const std::string dir = rules_dir() + "/sets/key-custody";
  auto book = ruleset::load_rules({rules_dir() + "/lists", dir}, options, &diags);
  ASSERT_TRUE(book) << book.error().to_string() << "\n" << diags.to_string();
  EXPECT_TRUE(diags.items().empty()) << diags.to_string();
  EXPECT_EQ((*book)->rulesets().size(), 4u);

  Diagnostics case_diags;
  auto report = ruleset::run_cases(**book, {dir}, &case_diags);
  ASSERT_TRUE(report) << report.error().to_string() << "\n" << case_diags.to_string();
  EXPECT_TRUE(case_diags.items().empty()) << case_diags.to_string();
  EXPECT_EQ(report->files, 4u);
  EXPECT_EQ(report->cases, 23u);
  EXPECT_GE(report->checks, 65u);
  for (const auto& m : report->mismatches) {
    ADD_FAILURE() << m.file << ":" << m.line << ": case '" << m.case_name << "', rule " << m.rule_id
                  << ": expected " << m.expected << ", got " << m.actual
                  << (m.message.empty() ? "" : " (" + m.message + ")");
  }
}

}  // namespace
}  // namespace sov::probes::keys
