// SPDX-License-Identifier: Apache-2.0
// The evaluator: every operator and quantifier with its edges, three-valued logic, every status,
// evidence, dates against a fixed "now", attestations, waivers and applicability.

#include <gtest/gtest.h>

#include "tests/daemon/ruleset/ruleset_test_util.h"

namespace sov::ruleset {
namespace {

using model::Status;
using testing::at;
using testing::facts;
using testing::kNow;
using testing::must_load;
using testing::one_rule;
using testing::target;
using Json = model::Json;

// Evaluates a one-rule set (no schema: any path) against `doc`.
model::Finding run(std::string_view check, const Json& doc, std::string_view extra = {},
                   const EvalContext& ctx = {kNow}) {
  auto book = must_load(one_rule(check, extra), LoadOptions{});
  if (!book) return {};
  return book->evaluate_rule(0, target(), facts(doc), ctx);
}

Status status_of(std::string_view check, const Json& doc, std::string_view extra = {}) {
  return run(check, doc, extra).status;
}

// --- eq / ne ----------------------------------------------------------------------------------

TEST(Evaluator, EqComparesNumbersStringsBooleansAndNull) {
  EXPECT_EQ(status_of("{fact: a, eq: 3}", {{"a", 3}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a, eq: 3}", {{"a", 3.0}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a, eq: 3}", {{"a", 4}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a, eq: FR}", {{"a", "FR"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a, eq: FR}", {{"a", "fr"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a, eq: true}", {{"a", true}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a, eq: false}", {{"a", true}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a, eq: null}", {{"a", nullptr}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a, eq: null}", {{"a", 1}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a, ne: null}", {{"a", 1}}), Status::kPass);
}

TEST(Evaluator, QuotedNumberIsAString) {
  EXPECT_EQ(status_of("{fact: a, eq: \"24\"}", {{"a", "24"}}), Status::kPass);
  auto f = run("{fact: a, eq: \"24\"}", {{"a", 24}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'a' = 24 is not a string (for == \"24\")");
}

TEST(Evaluator, NorwayIsAStringNotABoolean) {
  EXPECT_EQ(status_of("{fact: c, eq: NO}", {{"c", "NO"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: c, in: [NO, SE]}", {{"c", "NO"}}), Status::kPass);
}

TEST(Evaluator, EqOnWrongTypeIsAnError) {
  auto f = run("{fact: a, eq: 3}", {{"a", "3"}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'a' = \"3\" is not a number (for == 3)");
}

TEST(Evaluator, NeIsTheNegationOfEq) {
  EXPECT_EQ(status_of("{fact: a, ne: FR}", {{"a", "DE"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a, ne: FR}", {{"a", "FR"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a, ne: FR}", {{"a", nullptr}}), Status::kError);
}

TEST(Evaluator, EqWithDateComparesInstants) {
  EXPECT_EQ(status_of("{fact: d, eq: 2026-03-01}", {{"d", "2026-03-01T00:00:00Z"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: d, eq: 2026-03-01}", {{"d", "2026-03-01T02:00:00+02:00"}}),
            Status::kPass);
  EXPECT_EQ(status_of("{fact: d, eq: 2026-03-01}", {{"d", "2026-03-02"}}), Status::kFail);
  // A string that is not a date is compared as a string.
  EXPECT_EQ(status_of("{fact: d, eq: 2026-03-01}", {{"d", "soon"}}), Status::kFail);
}

// --- lt le gt ge -----------------------------------------------------------------------------

TEST(Evaluator, OrderingOfNumbersAtTheBoundary) {
  Json at24 = {{"p", 24}};
  EXPECT_EQ(status_of("{fact: p, le: 24}", at24), Status::kPass);
  EXPECT_EQ(status_of("{fact: p, lt: 24}", at24), Status::kFail);
  EXPECT_EQ(status_of("{fact: p, ge: 24}", at24), Status::kPass);
  EXPECT_EQ(status_of("{fact: p, gt: 24}", at24), Status::kFail);
  EXPECT_EQ(status_of("{fact: p, le: 24}", {{"p", 24.0001}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: p, gt: -1.5}", {{"p", -1}}), Status::kPass);
}

TEST(Evaluator, FailureMessageShowsValueAndExpectation) {
  auto f = run("{fact: provider.ownership.non_eu_max_single_pct, le: 24}",
               {{"provider", {{"ownership", {{"non_eu_max_single_pct", 30}}}}}});
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "provider.ownership.non_eu_max_single_pct = 30, expected <= 24");
  auto p = run("{fact: provider.ownership.non_eu_max_single_pct, le: 24}",
               {{"provider", {{"ownership", {{"non_eu_max_single_pct", 0}}}}}});
  EXPECT_EQ(p.status, Status::kPass);
  EXPECT_EQ(p.message, "provider.ownership.non_eu_max_single_pct = 0, meets <= 24");
}

TEST(Evaluator, OrderingOfStringIsATypeError) {
  auto f = run("{fact: p, le: 24}", {{"p", "abc"}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'p' = \"abc\" is not a number (for <= 24)");
  EXPECT_EQ(status_of("{fact: p, le: 24}", {{"p", true}}), Status::kError);
  EXPECT_EQ(status_of("{fact: p, le: 24}", {{"p", Json::array()}}), Status::kError);
}

TEST(Evaluator, DatesCompareAsInstantsAtTheBoundary) {
  std::string_view ge = "{fact: d, ge: 2026-03-01}";
  EXPECT_EQ(status_of(ge, {{"d", "2026-03-01"}}), Status::kPass);
  EXPECT_EQ(status_of(ge, {{"d", "2026-03-01T00:00:00Z"}}), Status::kPass);
  EXPECT_EQ(status_of(ge, {{"d", "2026-02-28T23:59:59Z"}}), Status::kFail);
  // 01:00 at +02:00 is 23:00 the day before in UTC.
  EXPECT_EQ(status_of(ge, {{"d", "2026-03-01T01:00:00+02:00"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: d, lt: 2026-03-01T12:00:00Z}", {{"d", "2026-03-01T11:59:59Z"}}),
            Status::kPass);
}

TEST(Evaluator, DateComparisonWithNonDateIsAnError) {
  auto f = run("{fact: d, ge: 2026-03-01}", {{"d", "soon"}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'd' = \"soon\" is not a date (for >= 2026-03-01)");
  EXPECT_EQ(status_of("{fact: d, ge: 2026-03-01}", {{"d", 20260301}}), Status::kError);
  EXPECT_EQ(status_of("{fact: d, ge: 2026-03-01}", {{"d", "2026-02-30"}}), Status::kError);
}

TEST(Evaluator, RelativeDatesUseTheContextNow) {
  // now = 2026-11-29T09:00:00Z, so now+30d = 2026-12-29T09:00:00Z.
  std::string_view check = "{fact: expires, ge: now+30d}";
  EXPECT_EQ(status_of(check, {{"expires", "2026-12-29T09:00:00Z"}}), Status::kPass);
  EXPECT_EQ(status_of(check, {{"expires", "2026-12-29T08:59:59Z"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: d, gt: now-1y}", {{"d", "2025-11-29T09:00:01Z"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: d, gt: now-1y}", {{"d", "2025-11-29T09:00:00Z"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: d, lt: now}", {{"d", "2026-11-29T08:59:59Z"}}), Status::kPass);

  auto book = must_load(one_rule(check), LoadOptions{});
  ASSERT_TRUE(book);
  Json doc = {{"expires", "2026-12-29T09:00:00Z"}};
  EvalContext later{kNow + std::chrono::hours(1)};
  EXPECT_EQ(book->evaluate_rule(0, target(), facts(doc), later).status, Status::kFail);
}

// --- in / not_in -----------------------------------------------------------------------------

TEST(Evaluator, InAndNotInWithInlineLists) {
  EXPECT_EQ(status_of("{fact: c, in: [FR, DE]}", {{"c", "DE"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: c, in: [FR, DE]}", {{"c", "US"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: c, not_in: [FR, DE]}", {{"c", "US"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: c, not_in: [FR, DE]}", {{"c", "FR"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: v, in: [1, 2]}", {{"v", 2}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: v, in: [1, 2]}", {{"v", 2.5}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: v, in: [true]}", {{"v", true}}), Status::kPass);
  auto f = run("{fact: c, in: [FR, DE]}", {{"c", "US"}});
  EXPECT_EQ(f.message, "c = \"US\", expected in [FR, DE]");
}

TEST(Evaluator, InWithWrongTypeOrNullIsAnError) {
  auto f = run("{fact: c, in: [FR, DE]}", {{"c", 33}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'c' = 33 is not a string (for in [FR, DE])");
  EXPECT_EQ(status_of("{fact: c, in: [FR]}", {{"c", Json::array({"FR"})}}), Status::kError);
  auto n = run("{fact: c, not_in: [FR]}", {{"c", nullptr}});
  EXPECT_EQ(n.status, Status::kError);
  EXPECT_EQ(n.message, "fact 'c' is unknown");
}

TEST(Evaluator, InWithSharedList) {
  std::string yaml = one_rule("{fact: c, in: $eu}");
  SharedList eu;
  eu.id = "eu";
  eu.values = {"FR", "DE", "IT"};
  std::vector<SharedList> lists{eu};
  LoadOptions options;
  options.lists = &lists;
  auto book = must_load(yaml, options);
  ASSERT_TRUE(book);
  EXPECT_EQ(book->evaluate_rule(0, target(), facts({{"c", "IT"}}), {kNow}).status, Status::kPass);
  auto f = book->evaluate_rule(0, target(), facts({{"c", "US"}}), {kNow});
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "c = \"US\", expected in $eu");
}

// --- matches / exists / contains -------------------------------------------------------------

TEST(Evaluator, MatchesIsAWholeStringMatch) {
  EXPECT_EQ(status_of("{fact: s, matches: \"fr-[a-z]+\"}", {{"s", "fr-par"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: s, matches: \"fr-[a-z]+\"}", {{"s", "xfr-par"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: s, matches: par}", {{"s", "fr-par"}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: s, matches: par}", {{"s", 3}}), Status::kError);
  EXPECT_EQ(status_of("{fact: s, matches: \".*\"}", {{"s", std::string(5000, 'a')}}),
            Status::kError);
}

TEST(Evaluator, ExistsNeverGivesError) {
  EXPECT_EQ(status_of("{fact: a.b, exists: true}", {{"a", {{"b", 0}}}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a.b, exists: true}", {{"a", {{"b", nullptr}}}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a.b, exists: true}", Json::object()), Status::kFail);
  EXPECT_EQ(status_of("{fact: a.b, exists: true}", {{"a", 5}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: a.b, exists: false}", Json::object()), Status::kPass);
  EXPECT_EQ(status_of("{fact: a.b, exists: false}", {{"a", {{"b", nullptr}}}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: a.b, exists: false}", {{"a", {{"b", "x"}}}}), Status::kFail);
}

TEST(Evaluator, ContainsOnListsAndStrings) {
  Json laws = {{"laws", {"CLOUD Act", "FISA 702"}}};
  EXPECT_EQ(status_of("{fact: laws, contains: FISA 702}", laws), Status::kPass);
  EXPECT_EQ(status_of("{fact: laws, contains: EO 12333}", laws), Status::kFail);
  EXPECT_EQ(status_of("{fact: laws, contains: x}", {{"laws", Json::array()}}), Status::kFail);
  EXPECT_EQ(status_of("{fact: acts, contains: 3}", {{"acts", {1, 3, 5}}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: name, contains: Cloud}", {{"name", "Big Cloud Inc"}}), Status::kPass);
  EXPECT_EQ(status_of("{fact: name, contains: 3}", {{"name", "x3"}}), Status::kError);
  EXPECT_EQ(status_of("{fact: n, contains: 3}", {{"n", 3}}), Status::kError);
  EXPECT_EQ(status_of("{fact: n, contains: 3}", {{"n", nullptr}}), Status::kError);
}

// --- missing, unknown, on_unknown ------------------------------------------------------------

TEST(Evaluator, MissingFactIsAnErrorNamingThePath) {
  auto f = run("{fact: provider.seat_country, in: [FR]}", {{"provider", {{"id", "x"}}}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'provider.seat_country' is missing");
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_TRUE(f.evidence[0].missing);
  EXPECT_EQ(f.evidence[0].path, "provider.seat_country");
  EXPECT_FALSE(f.evidence[0].source.has_value());
}

TEST(Evaluator, MissingFactMentionsAFailedProbe) {
  auto f = run("{fact: tls.version, eq: TLSv1.3}",
               {{"probe", {{"status", "error"}, {"error", "api (10.0.0.1:443): timed out"}}}});
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message,
            "fact 'tls.version' is missing (the probe failed: api (10.0.0.1:443): timed out)");
}

TEST(Evaluator, NullFactFollowsOnUnknown) {
  Json doc = {{"provider", {{"eu", nullptr}}}};
  std::string_view check = "{fact: provider.eu, eq: true}";
  auto e = run(check, doc);
  EXPECT_EQ(e.status, Status::kError);
  EXPECT_EQ(e.message, "fact 'provider.eu' is unknown");
  EXPECT_EQ(run(check, doc, "    on_unknown: error\n").status, Status::kError);
  auto f = run(check, doc, "    on_unknown: fail\n");
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "fact 'provider.eu' is unknown (on_unknown: fail)");
  auto m = run(check, doc, "    on_unknown: manual\n");
  EXPECT_EQ(m.status, Status::kManual);
  // on_unknown applies to null facts only: a missing fact stays an error.
  EXPECT_EQ(run(check, Json::object(), "    on_unknown: fail\n").status, Status::kError);
}

TEST(Evaluator, OnUnknownManualTakesAnAttestation) {
  std::vector<model::Attestation> atts(1);
  atts[0].rule_id = "R1";
  atts[0].status = Status::kPass;
  atts[0].by = "DPO";
  atts[0].date = at("2026-10-01");
  auto f = run("{fact: provider.eu, eq: true}", {{"provider", {{"eu", nullptr}}}},
               "    on_unknown: manual\n", {kNow, &atts, nullptr});
  EXPECT_EQ(f.status, Status::kPass);
  EXPECT_EQ(f.basis["kind"], "attestation");
}

// --- three-valued logic ----------------------------------------------------------------------

TEST(Evaluator, AllAndAnyFollowKleeneLogic) {
  Json doc = {{"t", true}, {"f", false}};  // `m` is missing: error
  auto s = [&](std::string_view c) { return status_of(c, doc); };
  std::string t = "{fact: t, eq: true}", f = "{fact: f, eq: true}", e = "{fact: m, eq: true}";
  EXPECT_EQ(s("{all: [" + t + ", " + t + "]}"), Status::kPass);
  EXPECT_EQ(s("{all: [" + t + ", " + f + "]}"), Status::kFail);
  EXPECT_EQ(s("{all: [" + e + ", " + f + "]}"), Status::kFail);
  EXPECT_EQ(s("{all: [" + t + ", " + e + "]}"), Status::kError);
  EXPECT_EQ(s("{any: [" + f + ", " + t + "]}"), Status::kPass);
  EXPECT_EQ(s("{any: [" + e + ", " + t + "]}"), Status::kPass);
  EXPECT_EQ(s("{any: [" + f + ", " + e + "]}"), Status::kError);
  EXPECT_EQ(s("{any: [" + f + ", " + f + "]}"), Status::kFail);
  EXPECT_EQ(s("{not: " + t + "}"), Status::kFail);
  EXPECT_EQ(s("{not: " + f + "}"), Status::kPass);
  EXPECT_EQ(s("{not: " + e + "}"), Status::kError);
  EXPECT_EQ(s("{not: {not: " + t + "}}"), Status::kPass);
}

TEST(Evaluator, ErrorKindsRankMissingAboveUnknown) {
  // One null (unknown) and one missing fact: the missing one decides, so on_unknown does not
  // turn the error into a fail.
  Json doc = {{"n", nullptr}};
  auto f = run("{all: [{fact: n, eq: 1}, {fact: m, eq: 1}]}", doc, "    on_unknown: fail\n");
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'm' is missing");
}

TEST(Evaluator, MessagesOfCompositeConditions) {
  Json doc = {{"a", 1}, {"b", 2}};
  EXPECT_EQ(run("{all: [{fact: a, eq: 1}, {fact: b, eq: 2}]}", doc).message,
            "all 2 conditions hold");
  EXPECT_EQ(run("{all: [{fact: a, eq: 1}, {fact: b, eq: 3}]}", doc).message,
            "b = 2, expected == 3");
  EXPECT_EQ(run("{any: [{fact: a, eq: 5}, {fact: b, eq: 3}]}", doc).message,
            "none of 2 conditions holds");
  EXPECT_EQ(run("{not: {fact: a, eq: 1}}", doc).message, "a = 1, expected not (== 1)");
  EXPECT_EQ(run("{not: {fact: a, eq: 2}}", doc).message, "a = 1, meets not (== 2)");
}

// --- quantifiers -----------------------------------------------------------------------------

Json locations(std::vector<std::string> countries) {
  Json list = Json::array();
  for (const auto& c : countries) list.push_back({{"country", c}, {"role", "primary"}});
  return {{"storage", {{"locations", list}}}};
}

constexpr std::string_view kEveryEu =
    "{every: storage.locations, check: {fact: \"@.country\", in: [FR, DE, IT]}}";
constexpr std::string_view kSomeFr =
    "{some: storage.locations, check: {fact: \"@.country\", eq: FR}}";

TEST(Evaluator, EveryAndSomeOverElements) {
  EXPECT_EQ(status_of(kEveryEu, locations({"FR", "DE"})), Status::kPass);
  auto f = run(kEveryEu, locations({"FR", "US", "DE"}));
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "storage.locations[1].country = \"US\", expected in [FR, DE, IT]");
  EXPECT_EQ(status_of(kSomeFr, locations({"US", "FR"})), Status::kPass);
  auto s = run(kSomeFr, locations({"US", "DE"}));
  EXPECT_EQ(s.status, Status::kFail);
  EXPECT_EQ(s.message, "no element of storage.locations holds (2 elements)");
  EXPECT_EQ(run(kEveryEu, locations({"FR", "DE"})).message,
            "all 2 elements of storage.locations hold");
}

TEST(Evaluator, EmptyListsAndIfEmpty) {
  Json empty = locations({});
  auto e = run(kEveryEu, empty);
  EXPECT_EQ(e.status, Status::kPass);
  EXPECT_EQ(e.message, "storage.locations is empty");
  EXPECT_EQ(status_of(kSomeFr, empty), Status::kFail);
  auto with = [](std::string_view v) {
    return "{every: storage.locations, if_empty: " + std::string(v) +
           ", check: {fact: \"@.country\", eq: FR}}";
  };
  EXPECT_EQ(status_of(with("pass"), empty), Status::kPass);
  EXPECT_EQ(status_of(with("fail"), empty), Status::kFail);
  EXPECT_EQ(status_of(with("error"), empty), Status::kError);
  auto na = run(with("not_applicable"), empty);
  EXPECT_EQ(na.status, Status::kNotApplicable);
  EXPECT_EQ(na.message, "not applicable: storage.locations is empty (if_empty: not_applicable)");
  // if_empty only matters for an empty list.
  EXPECT_EQ(status_of(with("fail"), locations({"FR"})), Status::kPass);
}

TEST(Evaluator, MissingOrWrongListIsAnError) {
  auto m = run(kEveryEu, {{"storage", Json::object()}});
  EXPECT_EQ(m.status, Status::kError);
  EXPECT_EQ(m.message, "fact 'storage.locations' is missing");
  auto w = run(kEveryEu, {{"storage", {{"locations", "FR"}}}});
  EXPECT_EQ(w.status, Status::kError);
  EXPECT_EQ(w.message, "fact 'storage.locations' = \"FR\" is not a list (for every)");
  EXPECT_EQ(status_of(kSomeFr, {{"storage", {{"locations", nullptr}}}}), Status::kError);
}

TEST(Evaluator, ElementFieldMissingIsAnError) {
  Json doc = {{"storage", {{"locations", {{{"country", "FR"}}, {{"region", "x"}}}}}}};
  auto f = run(kEveryEu, doc);
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'storage.locations[1].country' is missing");
}

TEST(Evaluator, AtIsTheElementItself) {
  std::string_view check =
      "{every: operations.admin_countries, check: {fact: \"@\", in: [FR, DE]}}";
  EXPECT_EQ(status_of(check, {{"operations", {{"admin_countries", {"FR", "DE"}}}}}), Status::kPass);
  auto f = run(check, {{"operations", {{"admin_countries", {"FR", "IN"}}}}});
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "operations.admin_countries[1] = \"IN\", expected in [FR, DE]");
}

TEST(Evaluator, NestedQuantifiers) {
  std::string_view check =
      "{every: services, check: {some: \"@.ports\", check: {fact: \"@\", eq: 443}}}";
  Json ok = {{"services", {{{"ports", {80, 443}}}, {{"ports", {443}}}}}};
  Json bad = {{"services", {{{"ports", {80, 443}}}, {{"ports", {22}}}}}};
  EXPECT_EQ(status_of(check, ok), Status::kPass);
  auto f = run(check, bad);
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "services[1].ports[0] = 22, expected == 443");
  Json none = {{"services", {{{"ports", {80, 22}}}}}};
  EXPECT_EQ(run(check, none).message, "no element of services[0].ports holds (2 elements)");
  // Outer paths stay readable from inside: `@` is the inner element, others are from the root.
  std::string_view mixed =
      "{every: services, check: {all: [{fact: \"@.ports[0]\", ge: 1}, {fact: min, le: 80}]}}";
  EXPECT_EQ(status_of(mixed, {{"min", 22}, {"services", {{{"ports", {80}}}}}}), Status::kPass);
}

TEST(Evaluator, WildcardLeafMeansEveryElement) {
  std::string_view check = "{fact: \"tls.chain.certs[*].key.bits\", ge: 2048}";
  auto certs = [](std::vector<int> bits) {
    Json list = Json::array();
    for (int b : bits) list.push_back({{"key", {{"bits", b}}}});
    return Json{{"tls", {{"chain", {{"certs", list}}}}}};
  };
  EXPECT_EQ(status_of(check, certs({4096, 2048})), Status::kPass);
  auto f = run(check, certs({4096, 1024}));
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.message, "tls.chain.certs[1].key.bits = 1024, expected >= 2048");
  auto e = run(check, certs({}));
  EXPECT_EQ(e.status, Status::kPass);
  EXPECT_EQ(e.message, "no element matches tls.chain.certs[*].key.bits");
  EXPECT_EQ(status_of(check, {{"tls", Json::object()}}), Status::kError);
  EXPECT_EQ(status_of(check, {{"tls", {{"chain", {{"certs", {{{"key", Json::object()}}}}}}}}}),
            Status::kError);
}

TEST(Evaluator, LongListsAreEvaluatedWithOneEvidenceItemPerElement) {
  Json list = Json::array();
  for (int i = 0; i < 5000; ++i) list.push_back({{"country", i == 4321 ? "US" : "FR"}});
  Json doc = {{"storage", {{"locations", list}}}};
  auto f = run("{every: storage.locations, check: {fact: \"@.country\", eq: FR}}", doc);
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.evidence.size(), 4322u);  // `every` stops at the first failing element
  auto w = run("{fact: \"storage.locations[*].country\", ne: DE}", doc);
  EXPECT_EQ(w.status, Status::kPass);
  EXPECT_EQ(w.evidence.size(), 5000u);
  EXPECT_EQ(w.evidence[4999].path, "storage.locations[4999].country");
  // Reading the same paths twice does not duplicate them.
  auto twice =
      run("{all: [{fact: \"storage.locations[*].country\", ne: DE}, "
          "{every: storage.locations, check: {fact: \"@.country\", ne: DE}}]}",
          doc);
  EXPECT_EQ(twice.evidence.size(), 5000u);
}

// --- statuses --------------------------------------------------------------------------------

TEST(Evaluator, WhenFalseIsNotApplicableWithItsEvidence) {
  auto f = run("{fact: provider.ownership.non_eu_max_single_pct, le: 24}",
               {{"provider", {{"known", false}}}}, "    when: {fact: provider.known, eq: true}\n");
  EXPECT_EQ(f.status, Status::kNotApplicable);
  EXPECT_EQ(f.message, "not applicable: provider.known = false, expected == true");
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_EQ(f.evidence[0].path, "provider.known");
  EXPECT_EQ(f.evidence[0].value, false);
}

TEST(Evaluator, WhenErrorIsAnError) {
  auto f = run("{fact: a, eq: 1}", {{"a", 1}}, "    when: {fact: provider.known, eq: true}\n");
  EXPECT_EQ(f.status, Status::kError);
  EXPECT_EQ(f.message, "fact 'provider.known' is missing");
}

TEST(Evaluator, EvidenceHoldsEveryFactReadOnce) {
  Json doc = {{"provider", {{"known", true}, {"seat_country", "FR"}}}};
  auto f = run("{all: [{fact: provider.known, eq: true}, {fact: provider.seat_country, in: [FR]}]}",
               doc, "    when: {fact: provider.known, eq: true}\n");
  EXPECT_EQ(f.status, Status::kPass);
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0].path, "provider.known");
  EXPECT_EQ(f.evidence[1].path, "provider.seat_country");
  EXPECT_EQ(f.evidence[1].value, "FR");
  EXPECT_FALSE(f.evidence[1].missing);
  ASSERT_TRUE(f.evidence[1].source.has_value());
  EXPECT_EQ(f.evidence[1].source->where, "test");
  EXPECT_EQ(f.evidence[1].source->when, kNow);
}

TEST(Evaluator, EvidenceOfQuantifierHasConcretePaths) {
  auto f = run(kEveryEu, locations({"FR", "DE"}));
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0].path, "storage.locations[0].country");
  EXPECT_EQ(f.evidence[1].path, "storage.locations[1].country");
  EXPECT_EQ(f.evidence[1].value, "DE");
  auto e = run(kEveryEu, locations({}));
  ASSERT_EQ(e.evidence.size(), 1u);
  EXPECT_EQ(e.evidence[0].path, "storage.locations");
  EXPECT_EQ(e.evidence[0].value, Json::array());
}

TEST(Evaluator, EvidenceSourceIsTheLongestPrefix) {
  auto book = must_load(one_rule("{fact: provider.eu, eq: true}"), LoadOptions{});
  ASSERT_TRUE(book);
  model::Facts fs = facts({{"provider", {{"eu", true}}}});
  fs.set_source("provider", {model::SourceKind::kDeclared, "sovereignd.yaml", at("2026-10-01")});
  auto f = book->evaluate_rule(0, target(), fs, {kNow});
  ASSERT_EQ(f.evidence.size(), 1u);
  ASSERT_TRUE(f.evidence[0].source.has_value());
  EXPECT_EQ(f.evidence[0].source->kind, model::SourceKind::kDeclared);
  EXPECT_EQ(f.evidence[0].source->where, "sovereignd.yaml");
}

TEST(Evaluator, FindingCarriesRuleMetadata) {
  std::string yaml(testing::kSetHeader);
  yaml +=
      "rules:\n"
      "  - id: SNC-19.6-b1\n"
      "    title: No single non-EU holder above 24 %\n"
      "    severity: critical\n"
      "    reference: SecNumCloud 3.2 §19.6 b\n"
      "    effective: 2022-03-08\n"
      "    check: {fact: p, le: 24}\n"
      "    remediation: Move the workload.\n";
  auto book = must_load(yaml, LoadOptions{});
  ASSERT_TRUE(book);
  auto f = book->evaluate_rule(0, target("api"), facts({{"p", 1}}), {kNow});
  EXPECT_EQ(f.rule_id, "SNC-19.6-b1");
  EXPECT_EQ(f.ruleset, "test-set");
  EXPECT_EQ(f.ruleset_version, "1.0.0");
  EXPECT_EQ(f.title, "No single non-EU holder above 24 %");
  EXPECT_EQ(f.severity, model::Severity::kCritical);
  EXPECT_EQ(f.reference, "SecNumCloud 3.2 §19.6 b");
  EXPECT_EQ(f.source_url, "https://example.eu/law");
  EXPECT_EQ(f.target_id, "api");
  EXPECT_EQ(f.remediation, "Move the workload.");
  EXPECT_EQ(f.effective, at("2022-03-08"));
  EXPECT_EQ(f.evaluated_at, kNow);
  EXPECT_EQ(format_rfc3339(kNow), "2026-11-29T09:00:00Z");
  EXPECT_TRUE(f.in_force);
  EXPECT_FALSE(f.raw_status.has_value());
  EXPECT_TRUE(f.basis.is_null());
}

// --- effective dates -------------------------------------------------------------------------

TEST(Evaluator, EffectiveTodayIsInForce) {
  // kNow is 2026-11-29T09:00Z; effective 2026-11-29 means midnight UTC, already past.
  auto f = run("{fact: p, le: 24}", {{"p", 30}}, "    effective: 2026-11-29\n");
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_TRUE(f.in_force);
  EXPECT_TRUE(f.is_in_force_failure());
  EXPECT_EQ(f.message, "p = 30, expected <= 24");
}

TEST(Evaluator, EffectiveYesterdayIsInForce) {
  auto f = run("{fact: p, le: 24}", {{"p", 30}}, "    effective: 2026-11-28\n");
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_TRUE(f.in_force);
}

TEST(Evaluator, EffectiveTomorrowIsNotYetInForce) {
  auto f = run("{fact: p, le: 24}", {{"p", 30}}, "    effective: 2026-11-30\n");
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_FALSE(f.in_force);
  EXPECT_FALSE(f.is_in_force_failure());
  EXPECT_EQ(f.message, "not yet in force (effective 2026-11-30): p = 30, expected <= 24");
  auto p = run("{fact: p, le: 24}", {{"p", 3}}, "    effective: 2026-11-30\n");
  EXPECT_EQ(p.status, Status::kPass);
  EXPECT_FALSE(p.in_force);
  EXPECT_EQ(p.message, "p = 3, meets <= 24");
}

// --- manual rules and attestations -----------------------------------------------------------

std::string manual_rule() {
  std::string s(testing::kSetHeader);
  s += "rules:\n  - id: M1\n    title: Fundamental rights\n    severity: high\n"
       "    reference: Art. 2\n    manual: true\n";
  return s;
}

model::Attestation attestation(Status status, std::string_view date,
                               std::optional<std::string_view> expires = {},
                               std::string target_id = {}) {
  model::Attestation a;
  a.rule_id = "M1";
  a.target_id = std::move(target_id);
  a.status = status;
  a.by = "DPO";
  a.statement = "reviewed";
  a.date = at(date);
  if (expires) a.expires = at(*expires);
  return a;
}

TEST(Evaluator, ManualRuleWithoutAttestationIsManual) {
  auto book = must_load(manual_rule(), LoadOptions{});
  ASSERT_TRUE(book);
  auto f = book->evaluate_rule(0, target(), facts(Json::object()), {kNow});
  EXPECT_EQ(f.status, Status::kManual);
  EXPECT_EQ(f.message, "needs a human attestation (manual rule)");
  EXPECT_TRUE(book->rules()[0].manual);
}

TEST(Evaluator, AttestationDecidesAManualRule) {
  auto book = must_load(manual_rule(), LoadOptions{});
  ASSERT_TRUE(book);
  std::vector<model::Attestation> pass{attestation(Status::kPass, "2026-10-01")};
  auto f = book->evaluate_rule(0, target(), facts(Json::object()), {kNow, &pass, nullptr});
  EXPECT_EQ(f.status, Status::kPass);
  EXPECT_EQ(f.basis, pass[0].to_json());
  EXPECT_EQ(f.message, "attested pass by DPO on 2026-10-01: reviewed");
  std::vector<model::Attestation> fail{attestation(Status::kFail, "2026-10-01")};
  EXPECT_EQ(book->evaluate_rule(0, target(), facts(Json::object()), {kNow, &fail, nullptr}).status,
            Status::kFail);
}

TEST(Evaluator, ExpiredOrForeignAttestationDoesNotApply) {
  auto book = must_load(manual_rule(), LoadOptions{});
  ASSERT_TRUE(book);
  auto status = [&](std::vector<model::Attestation> atts) {
    return book->evaluate_rule(0, target("t1"), facts(Json::object()), {kNow, &atts, nullptr})
        .status;
  };
  EXPECT_EQ(status({attestation(Status::kPass, "2026-01-01", "2026-11-29T09:00:00Z")}),
            Status::kManual);  // expired exactly now
  EXPECT_EQ(status({attestation(Status::kPass, "2026-01-01", "2026-11-29T09:00:01Z")}),
            Status::kPass);
  EXPECT_EQ(status({attestation(Status::kPass, "2026-11-30")}), Status::kManual);  // future
  EXPECT_EQ(status({attestation(Status::kPass, "2026-01-01", {}, "other")}), Status::kManual);
  EXPECT_EQ(status({attestation(Status::kPass, "2026-01-01", {}, "t1")}), Status::kPass);
  // The latest attestation wins.
  EXPECT_EQ(
      status({attestation(Status::kPass, "2026-01-01"), attestation(Status::kFail, "2026-06-01")}),
      Status::kFail);
}

TEST(Evaluator, ManualRuleWithFalseWhenIsNotApplicable) {
  std::string yaml = manual_rule() + "    when: {fact: provider.known, eq: true}\n";
  auto book = must_load(yaml, LoadOptions{});
  ASSERT_TRUE(book);
  auto f = book->evaluate_rule(0, target(), facts({{"provider", {{"known", false}}}}), {kNow});
  EXPECT_EQ(f.status, Status::kNotApplicable);
}

// --- max_age and stale evidence ----------------------------------------------------------------

TEST(Evaluator, OldEvidenceIsStale) {
  auto book = must_load(one_rule("{fact: p, le: 24}", "    max_age: 180d\n"), LoadOptions{});
  ASSERT_TRUE(book);
  auto f = book->evaluate_rule(0, target(), facts({{"p", 1}}, at("2026-01-01")), {kNow});
  EXPECT_EQ(f.status, Status::kStale);
  EXPECT_EQ(f.message,
            "evidence is stale: fact 'p' is 332d old (max_age 180d); the check gave pass: "
            "p = 1, meets <= 24");
  // A fail on stale evidence is stale too.
  EXPECT_EQ(book->evaluate_rule(0, target(), facts({{"p", 99}}, at("2026-01-01")), {kNow}).status,
            Status::kStale);
  // Exactly max_age old is still fresh.
  EXPECT_EQ(book->evaluate_rule(0, target(), facts({{"p", 1}}, kNow - std::chrono::hours(24 * 180)),
                                {kNow})
                .status,
            Status::kPass);
  EXPECT_EQ(book->evaluate_rule(0, target(), facts({{"p", 99}}, at("2026-11-01")), {kNow}).status,
            Status::kFail);
}

TEST(Evaluator, EvidenceOfUnknownAgeIsStale) {
  auto book = must_load(one_rule("{fact: p, le: 24}", "    max_age: 30d\n"), LoadOptions{});
  ASSERT_TRUE(book);
  model::Facts fs(Json{{"p", 1}});
  fs.set_source("", {model::SourceKind::kDeclared, "config", std::nullopt});
  auto f = book->evaluate_rule(0, target(), fs, {kNow});
  EXPECT_EQ(f.status, Status::kStale);
  EXPECT_EQ(f.message,
            "evidence is stale: fact 'p' has no known date (max_age 30d); the check gave pass: "
            "p = 1, meets <= 24");
  model::Facts no_source(Json{{"p", 1}});
  EXPECT_EQ(book->evaluate_rule(0, target(), no_source, {kNow}).status, Status::kStale);
}

TEST(Evaluator, ErrorWinsOverStale) {
  auto book =
      must_load(one_rule("{all: [{fact: p, le: 24}, {fact: q, eq: 1}]}", "    max_age: 30d\n"),
                LoadOptions{});
  ASSERT_TRUE(book);
  auto f = book->evaluate_rule(0, target(), facts({{"p", 1}}, at("2020-01-01")), {kNow});
  EXPECT_EQ(f.status, Status::kError);
}

// --- waivers ---------------------------------------------------------------------------------

model::Waiver waiver(std::string_view created, std::optional<std::string_view> expires = {},
                     std::string target_id = {}) {
  model::Waiver w;
  w.id = "W1";
  w.rule_id = "R1";
  w.target_id = std::move(target_id);
  w.reason = "migration planned";
  w.by = "CISO";
  w.created = at(created);
  if (expires) w.expires = at(*expires);
  return w;
}

TEST(Evaluator, WaiverTurnsAFailIntoWaivedKeepingTheRawStatus) {
  std::vector<model::Waiver> ws{waiver("2026-10-01", "2027-01-01")};
  auto f = run("{fact: p, le: 24}", {{"p", 30}}, {}, {kNow, nullptr, &ws});
  EXPECT_EQ(f.status, Status::kWaived);
  ASSERT_TRUE(f.raw_status.has_value());
  EXPECT_EQ(*f.raw_status, Status::kFail);
  EXPECT_EQ(f.basis, ws[0].to_json());
  EXPECT_EQ(f.message, "waived (W1): p = 30, expected <= 24");
  EXPECT_FALSE(f.is_in_force_failure());
}

TEST(Evaluator, WaiverCoversErrorStaleAndManual) {
  std::vector<model::Waiver> ws{waiver("2026-10-01")};
  EvalContext ctx{kNow, nullptr, &ws};
  auto e = run("{fact: p, le: 24}", Json::object(), {}, ctx);
  EXPECT_EQ(e.status, Status::kWaived);
  EXPECT_EQ(*e.raw_status, Status::kError);
  auto book = must_load(one_rule("{fact: p, le: 24}", "    max_age: 1d\n"), LoadOptions{});
  ASSERT_TRUE(book);
  auto s = book->evaluate_rule(0, target(), facts({{"p", 1}}, at("2026-01-01")), ctx);
  EXPECT_EQ(s.status, Status::kWaived);
  EXPECT_EQ(*s.raw_status, Status::kStale);
  auto m = run("{fact: p, le: 24}", {{"p", nullptr}}, "    on_unknown: manual\n", ctx);
  EXPECT_EQ(m.status, Status::kWaived);
  EXPECT_EQ(*m.raw_status, Status::kManual);
}

TEST(Evaluator, WaiverNeverCoversPassOrNotApplicable) {
  std::vector<model::Waiver> ws{waiver("2026-10-01")};
  EvalContext ctx{kNow, nullptr, &ws};
  auto p = run("{fact: p, le: 24}", {{"p", 1}}, {}, ctx);
  EXPECT_EQ(p.status, Status::kPass);
  EXPECT_FALSE(p.raw_status.has_value());
  EXPECT_TRUE(p.basis.is_null());
  auto na = run("{fact: p, le: 24}", {{"k", false}}, "    when: {fact: k, eq: true}\n", ctx);
  EXPECT_EQ(na.status, Status::kNotApplicable);
}

TEST(Evaluator, ExpiredFutureOrForeignWaiverDoesNotApply) {
  auto status = [](model::Waiver w) {
    std::vector<model::Waiver> ws{std::move(w)};
    return run("{fact: p, le: 24}", {{"p", 30}}, {}, {kNow, nullptr, &ws}).status;
  };
  EXPECT_EQ(status(waiver("2026-01-01", "2026-11-29T09:00:00Z")), Status::kFail);
  EXPECT_EQ(status(waiver("2026-12-01")), Status::kFail);
  EXPECT_EQ(status(waiver("2026-01-01", {}, "other")), Status::kFail);
  EXPECT_EQ(status(waiver("2026-01-01", {}, "t1")), Status::kWaived);
}

TEST(Evaluator, FailBeforeEffectiveCanBeWaived) {
  std::vector<model::Waiver> ws{waiver("2026-10-01")};
  auto f =
      run("{fact: p, le: 24}", {{"p", 30}}, "    effective: 2027-01-01\n", {kNow, nullptr, &ws});
  EXPECT_EQ(f.status, Status::kWaived);
  EXPECT_FALSE(f.in_force);
  EXPECT_EQ(f.message,
            "waived (W1): not yet in force (effective 2027-01-01): p = 30, expected <= 24");
}

// Issue 8: waivers scoped by rule globs and target tags, skip mode, and the history of a waiver
// that ended.
model::Finding run_on(const model::Target& t, const std::vector<model::Waiver>& ws,
                      TimePoint now = kNow, std::string_view check = "{fact: p, le: 24}",
                      const Json& doc = {{"p", 30}}) {
  auto book = must_load(one_rule(check), LoadOptions{});
  if (!book) return {};
  EvalContext ctx{now, nullptr, &ws};
  return book->evaluate_rule(0, t, facts(doc), ctx);
}

model::Waiver scoped(std::vector<std::string> rules, std::vector<std::string> targets) {
  model::Waiver w = waiver("2026-10-01", "2027-01-01");
  w.rule_id = rules.front();
  w.rules = std::move(rules);
  w.targets = std::move(targets);
  return w;
}

// A waiver longer than waiver_max_duration allows for the rule's severity does not apply, wherever
// it came from (sovereignctl waive add/lint refuse it earlier, with its position).
TEST(Evaluator, OverLongWaiverIsNotApplied) {
  auto book = must_load(one_rule("{fact: p, le: 24}"), LoadOptions{});
  ASSERT_NE(book, nullptr);
  std::vector<model::Waiver> ws{waiver("2026-10-01", "2027-01-01")};  // 92 days
  model::WaiverLimits defaults;                                       // high: 90 days
  EvalContext ctx{kNow, nullptr, &ws, &defaults};
  auto f = book->evaluate_rule(0, target(), facts({{"p", 30}}), ctx);
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_FALSE(f.raw_status.has_value());
  EXPECT_NE(f.message.find("(waiver W1 not applied: it lasts 92d, longer than the 90d allowed for "
                           "a high rule (waiver_max_duration))"),
            std::string::npos)
      << f.message;
  EXPECT_TRUE(f.is_in_force_failure());
  model::WaiverLimits loose;
  loose.high = std::chrono::days(120);
  ctx.waiver_limits = &loose;
  EXPECT_EQ(book->evaluate_rule(0, target(), facts({{"p", 30}}), ctx).status, Status::kWaived);
}

TEST(Evaluator, WaiverRuleGlobCoversMatchingRulesOnly) {
  EXPECT_EQ(run_on(target(), {scoped({"R*"}, {})}).status, Status::kWaived);
  EXPECT_EQ(run_on(target(), {scoped({"R?"}, {})}).status, Status::kWaived);
  EXPECT_EQ(run_on(target(), {scoped({"S*", "X-1"}, {})}).status, Status::kFail);
  EXPECT_EQ(run_on(target(), {scoped({"R1*x"}, {})}).status, Status::kFail);
}

TEST(Evaluator, WaiverTagSelectorCoversTaggedTargetsOnly) {
  model::Target prod = target("web-1");
  prod.tags["env"] = {"prod", "eu"};
  model::Target dev = target("web-2");
  dev.tags["env"] = {"dev"};
  std::vector<model::Waiver> ws{scoped({"R1"}, {"tag:env=prod"})};
  auto f = run_on(prod, ws);
  EXPECT_EQ(f.status, Status::kWaived);
  EXPECT_EQ(*f.raw_status, Status::kFail);
  EXPECT_EQ(run_on(dev, ws).status, Status::kFail);
  // Ids and selectors mix: either one selects.
  EXPECT_EQ(run_on(dev, {scoped({"R1"}, {"tag:env=prod", "web-2"})}).status, Status::kWaived);
}

TEST(Evaluator, ExpiredWaiverResurfacesTheFindingWithItsHistory) {
  FakeClock clock(at("2026-12-31"));
  std::vector<model::Waiver> ws{scoped({"R1"}, {})};
  EXPECT_EQ(run_on(target(), ws, clock.now()).status, Status::kWaived);
  clock.set(at("2027-01-01"));  // the expiry instant: it no longer applies
  auto f = run_on(target(), ws, clock.now());
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_FALSE(f.raw_status.has_value());
  EXPECT_EQ(f.basis["kind"], "waiver_expired");
  EXPECT_EQ(f.basis["id"], "W1");
  EXPECT_EQ(f.basis["note"], "waiver W1 expired on 2027-01-01");
  EXPECT_EQ(f.message, "p = 30, expected <= 24 (waiver W1 expired on 2027-01-01)");
  EXPECT_TRUE(f.is_in_force_failure());
  // A pass owes nothing to an old waiver: no history on it.
  auto p = run_on(target(), ws, clock.now(), "{fact: p, le: 24}", {{"p", 1}});
  EXPECT_EQ(p.status, Status::kPass);
  EXPECT_TRUE(p.basis.is_null());
}

TEST(Evaluator, RevokedWaiverStopsApplyingFromItsDate) {
  model::Waiver w = scoped({"R1"}, {});
  w.revoked = at("2026-11-01");
  w.revoked_by = "CISO";
  auto f = run_on(target(), {w});
  EXPECT_EQ(f.status, Status::kFail);
  EXPECT_EQ(f.basis["kind"], "waiver_revoked");
  EXPECT_EQ(f.basis["note"], "waiver W1 revoked on 2026-11-01");
  EXPECT_EQ(run_on(target(), {w}, at("2026-10-15")).status, Status::kWaived);
}

TEST(Evaluator, SkipModeWaivesWithoutJudging) {
  model::Waiver w = scoped({"R1"}, {});
  w.mode = model::WaiverMode::kSkip;
  for (int p : {1, 30}) {
    auto f = run_on(target(), {w}, kNow, "{fact: p, le: 24}", {{"p", p}});
    EXPECT_EQ(f.status, Status::kWaived);
    EXPECT_FALSE(f.raw_status.has_value());
    EXPECT_TRUE(f.evidence.empty());
    EXPECT_EQ(f.message, "not evaluated: skipped by waiver W1");
    EXPECT_EQ(f.basis["mode"], "skip");
  }
}

// --- applicability ---------------------------------------------------------------------------

std::string scoped_set(std::string_view applies_to) {
  std::string s =
      "ruleset: scoped\ntitle: Scoped\nversion: '1'\nsource: {title: Law}\napplies_to: ";
  s += applies_to;
  s += "\nrules:\n  - {id: S1, title: T, severity: low, reference: A, check: {fact: a, eq: 1}}\n";
  return s;
}

TEST(Evaluator, AppliesToTagsFiltersTargets) {
  auto book =
      must_load(scoped_set("{tags: {data_class: [health, sensitive], env: prod}}"), LoadOptions{});
  ASSERT_TRUE(book);
  model::Target health = target();
  health.tags = {{"data_class", {"public", "health"}}, {"env", {"prod"}}};
  model::Target public_only = target();
  public_only.tags = {{"data_class", {"public"}}, {"env", {"prod"}}};
  model::Target no_env = target();
  no_env.tags = {{"data_class", {"health"}}};
  EXPECT_EQ(book->evaluate(health, facts({{"a", 1}}), {kNow}).size(), 1u);
  EXPECT_TRUE(book->evaluate(public_only, facts({{"a", 1}}), {kNow}).empty());
  EXPECT_TRUE(book->evaluate(no_env, facts({{"a", 1}}), {kNow}).empty());
  auto f = book->evaluate_rule(0, public_only, facts({{"a", 1}}), {kNow});
  EXPECT_EQ(f.status, Status::kNotApplicable);
  EXPECT_EQ(f.message, "rule set 'scoped' does not apply to target 't1'");
}

TEST(Evaluator, AppliesToKindsFiltersTargets) {
  auto book = must_load(scoped_set("{kinds: [s3, declared]}"), LoadOptions{});
  ASSERT_TRUE(book);
  EXPECT_EQ(book->evaluate(target("a", "s3"), facts({{"a", 1}}), {kNow}).size(), 1u);
  EXPECT_TRUE(book->evaluate(target("b", "tls"), facts({{"a", 1}}), {kNow}).empty());
}

TEST(Evaluator, EvaluateGivesOneFindingPerRuleInLoadOrder) {
  std::string yaml(testing::kSetHeader);
  yaml +=
      "rules:\n"
      "  - {id: A, title: T, severity: low, reference: R, check: {fact: a, eq: 1}}\n"
      "  - {id: B, title: T, severity: low, reference: R, check: {fact: b, eq: 1}}\n"
      "  - {id: C, title: T, severity: low, reference: R, manual: true}\n";
  auto book = must_load(yaml, LoadOptions{});
  ASSERT_TRUE(book);
  auto findings = book->evaluate(target(), facts({{"a", 1}, {"b", 2}}), {kNow});
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].rule_id, "A");
  EXPECT_EQ(findings[0].status, Status::kPass);
  EXPECT_EQ(findings[1].status, Status::kFail);
  EXPECT_EQ(findings[2].status, Status::kManual);
}

TEST(Evaluator, EvaluationIsPureAndRepeatable) {
  auto book = must_load(one_rule(kEveryEu), LoadOptions{});
  ASSERT_TRUE(book);
  model::Facts fs = facts(locations({"FR", "US"}));
  auto a = book->evaluate_rule(0, target(), fs, {kNow});
  auto b = book->evaluate_rule(0, target(), fs, {kNow});
  EXPECT_EQ(a.to_json(), b.to_json());
}

}  // namespace
}  // namespace sov::ruleset
