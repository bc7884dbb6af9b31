// SPDX-License-Identifier: Apache-2.0
// rules/sets/storage through the real loader (strict, against the path, postgres, S3 and
// jurisdiction fact schemas) and evaluator, with every case beside it; and the jurisdiction
// enrichment placing a network file system's server.
#include <string>

#include <gtest/gtest.h>

#include "daemon/base/diag.h"
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"
#include "probes/jurisdiction/resolver.h"
#include "probes/s3/s3_probe.h"
#include "probes/storage/storage_probe.h"

namespace sov::probes::storage {
namespace {

std::string rules_dir() { return std::string(SOV_SOURCE_DIR) + "/rules"; }

model::FactSchema storage_schema() {
  model::FactSchema s;
  s.add_all(core_fact_schema());
  s.add_all(declarable_fact_schema());
  s.add_all(jurisdiction::jurisdiction_fact_schema());
  s.add_all(path_fact_schema());
  s.add_all(postgres_fact_schema());
  s.add_all(s3::s3_fact_schema());
  return s;
}

TEST(StorageRules, LoadStrictAndEveryCasePasses) {
  auto schema = storage_schema();
  ruleset::LoadOptions options;
  options.schema = &schema;
  // Strict once the S3 probe's schema is built in: until then its s3.* paths are warnings.
  options.strict = true;
  Diagnostics diags;
  const std::string dir = rules_dir() + "/sets/storage";
  auto book = ruleset::load_rules({rules_dir() + "/lists", dir}, options, &diags);
  ASSERT_TRUE(book) << book.error().to_string() << "\n" << diags.to_string();
  if (options.strict) {
    EXPECT_TRUE(diags.items().empty()) << diags.to_string();
  }
  EXPECT_EQ((*book)->rulesets().size(), 3u);

  Diagnostics case_diags;
  auto report = ruleset::run_cases(**book, {dir}, &case_diags);
  ASSERT_TRUE(report) << report.error().to_string() << "\n" << case_diags.to_string();
  EXPECT_TRUE(case_diags.items().empty()) << case_diags.to_string();
  EXPECT_EQ(report->files, 3u);
  EXPECT_EQ(report->cases, 20u);
  EXPECT_GE(report->checks, 36u);
  for (const auto& m : report->mismatches) {
    ADD_FAILURE() << m.file << ":" << m.line << ": case '" << m.case_name << "', rule " << m.rule_id
                  << ": expected " << m.expected << ", got " << m.actual
                  << (m.message.empty() ? "" : " (" + m.message + ")");
  }
}

// The jurisdiction enrichment places the server of a network mount (path.network.server) like
// any endpoint host: here a Hetzner storage host, whose region gives the country.
TEST(StorageJurisdiction, NetworkServerIsLocatedByTheEnrichment) {
  Diagnostics diags;
  auto resolver = jurisdiction::Resolver::open(rules_dir() + "/providers", "", &diags);
  ASSERT_TRUE(resolver) << resolver.error().to_string() << diags.to_string();
  model::Target target;
  target.id = "share";
  target.kind = "path";
  target.spec = {{"path", "/srv/share"}};
  model::Facts facts;
  model::Source src{model::SourceKind::kObserved, "path /srv/share", std::nullopt};
  ASSERT_TRUE(facts.set(
      "path.network",
      {{"filesystem", true}, {"protocol", "nfs"}, {"server", "fsn1.your-objectstorage.com"}}, src));
  resolver->enrich(target, &facts, TimePoint{});
  EXPECT_EQ(facts.doc()["provider"]["id"], "hetzner") << facts.doc().dump(2);
  EXPECT_EQ(facts.doc()["location"]["country"], "DE") << facts.doc().dump(2);

  model::Facts local;
  ASSERT_TRUE(local.set("path.network", {{"filesystem", false}, {"server", nullptr}}, src));
  resolver->enrich(target, &local, TimePoint{});
  EXPECT_NE(local.doc()["provider"]["id"], "hetzner");
}

}  // namespace
}  // namespace sov::probes::storage
