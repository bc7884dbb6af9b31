// SPDX-License-Identifier: Apache-2.0
#include "daemon/model/model.h"

#include <gtest/gtest.h>

#include "probes/api/probe.h"

namespace sov::model {
namespace {

TEST(Status, NamesRoundTrip) {
  for (Status s : kAllStatuses) {
    auto back = parse_status(status_name(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(parse_status("ok"));
  EXPECT_EQ(parse_severity("critical"), Severity::kCritical);
  EXPECT_FALSE(parse_severity("urgent"));
}

TEST(FactPath, ParsesKeysIndicesAndWildcards) {
  auto p = FactPath::parse("tls.chain.certs[2].key.bits");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->segments().size(), 6u);
  EXPECT_EQ(p->segments()[2].kind, FactPath::Segment::Kind::kKey);
  EXPECT_EQ(p->segments()[3].kind, FactPath::Segment::Kind::kIndex);
  EXPECT_EQ(p->segments()[3].index, 2u);
  EXPECT_FALSE(p->has_wildcard());
  EXPECT_EQ(p->schema_form(), "tls.chain.certs[*].key.bits");
  auto w = FactPath::parse("a[*].b");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->has_wildcard());
}

TEST(FactPath, RejectsMalformedPathsWithThePlace) {
  EXPECT_EQ(FactPath::parse("a..b").error().message(),
            "fact path 'a..b': empty segment at character 3");
  EXPECT_EQ(FactPath::parse("a.").error().message(), "fact path 'a.' ends with '.'");
  EXPECT_EQ(FactPath::parse("a[x]").error().message(),
            "fact path 'a[x]': expected a number or '*' inside [] at character 3");
  EXPECT_EQ(FactPath::parse("a[1").error().message(),
            "fact path 'a[1': unclosed '[' at character 2");
  EXPECT_EQ(FactPath::parse("a b").error().message(),
            "fact path 'a b': unexpected character ' ' at character 2");
  EXPECT_FALSE(FactPath::parse(""));
  EXPECT_FALSE(FactPath::parse("[0]"));
}

TEST(Facts, FindsNestedValuesAndMissingPaths) {
  Facts f(Json::parse(R"({"provider":{"ownership":{"pct":30}},"list":[{"c":"FR"},{"c":"US"}]})"));
  auto p = FactPath::parse("provider.ownership.pct");
  ASSERT_TRUE(p);
  const Json* v = f.find(*p);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 30);
  EXPECT_EQ(f.find(*FactPath::parse("provider.seat")), nullptr);
  EXPECT_EQ(*f.find(*FactPath::parse("list[1].c")), "US");
  EXPECT_EQ(f.find(*FactPath::parse("list[5].c")), nullptr);
}

TEST(Facts, ExpandsWildcardsAndReportsMissingElements) {
  Facts f(Json::parse(R"({"list":[{"c":"FR"},{"x":1},{"c":"DE"}],"empty":[]})"));
  std::vector<Facts::Match> m;
  f.find_all(*FactPath::parse("list[*].c"), &m);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].path, "list[0].c");
  EXPECT_EQ(*m[0].value, "FR");
  EXPECT_EQ(m[1].path, "list[1].c");
  EXPECT_EQ(m[1].value, nullptr);
  EXPECT_EQ(m[2].path, "list[2].c");
  m.clear();
  f.find_all(*FactPath::parse("empty[*].c"), &m);
  EXPECT_TRUE(m.empty());
  m.clear();
  f.find_all(*FactPath::parse("nothere[*].c"), &m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].path, "nothere");
  EXPECT_EQ(m[0].value, nullptr);
}

TEST(Facts, RecordsSourcesByLongestPrefix) {
  Facts f;
  Source declared{SourceKind::kDeclared, "cfg.yaml", std::nullopt};
  Source observed{SourceKind::kObserved, "tls", from_unix_seconds(100)};
  ASSERT_TRUE(f.set("provider.id", "aws", declared));
  ASSERT_TRUE(f.set("tls.protocol", "TLSv1.3", observed));
  f.set_source("tls", observed);
  EXPECT_EQ(f.source_for("provider.id")->kind, SourceKind::kDeclared);
  EXPECT_EQ(f.source_for("tls.chain.certs[0].key")->where, "tls");
  EXPECT_EQ(f.source_for("other"), nullptr);
  EXPECT_EQ(f.doc()["provider"]["id"], "aws");
}

TEST(Facts, SetRefusesToOverwriteAScalarWithAnObject) {
  Facts f;
  Source s;
  ASSERT_TRUE(f.set("a", 1, s));
  auto r = f.set("a.b", 2, s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "cannot set 'a.b': 'a' is not an object");
}

TEST(Facts, MergeMissingKeepsObservedValues) {
  Facts f(Json::parse(R"({"provider":{"id":"scaleway"}})"));
  f.set_source("provider", Source{SourceKind::kObserved, "jurisdiction", std::nullopt});
  f.merge_missing(
      Json::parse(R"({"provider":{"id":"aws","seat_country":"US"},"location":{"country":"FR"}})"),
      Source{SourceKind::kDeclared, "cfg", std::nullopt});
  EXPECT_EQ(f.doc()["provider"]["id"], "scaleway");
  EXPECT_EQ(f.doc()["provider"]["seat_country"], "US");
  EXPECT_EQ(f.doc()["location"]["country"], "FR");
  EXPECT_EQ(f.source_for("provider.id")->kind, SourceKind::kObserved);
  EXPECT_EQ(f.source_for("provider.seat_country")->kind, SourceKind::kDeclared);
}

TEST(WaiverAndAttestation, ApplyByRuleTargetAndDates) {
  Waiver w;
  w.rule_id = "R1";
  w.target_id = "t1";
  w.created = *parse_time("2026-01-01");
  w.expires = *parse_time("2026-06-01");
  EXPECT_TRUE(w.applies("R1", "t1", *parse_time("2026-03-01")));
  EXPECT_FALSE(w.applies("R1", "t2", *parse_time("2026-03-01")));
  EXPECT_FALSE(w.applies("R2", "t1", *parse_time("2026-03-01")));
  EXPECT_FALSE(w.applies("R1", "t1", *parse_time("2026-06-01")));  // expired at the instant
  EXPECT_FALSE(w.applies("R1", "t1", *parse_time("2025-12-31")));  // not yet created
  Attestation a;
  a.rule_id = "M1";
  a.date = *parse_time("2026-01-01");
  EXPECT_TRUE(a.applies("M1", "any-target", *parse_time("2026-01-01")));
}

TEST(FactSchema, LooksUpIndexedPathsAndOpenMaps) {
  FactSchema s;
  s.add_all(probes::core_fact_schema());
  s.add_all(probes::declarable_fact_schema());
  EXPECT_NE(s.lookup("storage.locations[3].country"), nullptr);
  EXPECT_NE(s.lookup("storage.locations[*].country"), nullptr);
  EXPECT_NE(s.lookup("target.tags.data_class"), nullptr);
  EXPECT_EQ(s.lookup("provider.nope"), nullptr);
  EXPECT_TRUE(FactSchema::is_site_declared("declared.contract.signed"));
  EXPECT_FALSE(FactSchema::is_site_declared("declaredx"));
}

TEST(Finding, JsonKeepsRawStatusBesideWaived) {
  Finding f;
  f.rule_id = "R";
  f.status = Status::kWaived;
  f.raw_status = Status::kFail;
  f.evidence.push_back({"provider.id", "aws", false, std::nullopt});
  Json j = f.to_json();
  EXPECT_EQ(j["status"], "waived");
  EXPECT_EQ(j["raw_status"], "fail");
  EXPECT_EQ(j["evidence"][0]["path"], "provider.id");
  EXPECT_FALSE(f.is_in_force_failure());
}

}  // namespace
}  // namespace sov::model
