// SPDX-License-Identifier: Apache-2.0
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "probes/jurisdiction/importers.h"
#include "probes/jurisdiction/resolver.h"

namespace sov::probes::jurisdiction {
namespace {

using model::Json;

const std::string kProviders = std::string(SOV_SOURCE_DIR) + "/rules/providers";

const Registry& shipped() {
  static const Registry reg = [] {
    Diagnostics d;
    auto r = load_registry(kProviders, &d);
    EXPECT_TRUE(r.has_value()) << d.to_string();
    return r ? *r : Registry{};
  }();
  return reg;
}

const Resolver& resolver() {
  static const Resolver r(shipped());
  return r;
}

TimePoint day(const char* d) { return *parse_time(d); }

// ---------------------------------------------------------------------------------------------
// Registry.

TEST(JurisdictionRegistry, EveryShippedFileLoadsWithoutWarnings) {
  Diagnostics d;
  auto r = load_registry(kProviders, &d);
  ASSERT_TRUE(r.has_value()) << d.to_string();
  EXPECT_EQ(d.items().size(), 0u) << d.to_string();
  // Every provider of LAW.md §7.
  for (const char* id : {"scaleway", "ovhcloud", "outscale", "cloud-temple", "s3ns", "bleu",
                         "numspot", "oodrive", "orange-business", "stackit", "ionos", "hetzner",
                         "azure", "aws", "google-cloud", "oracle-cloud"}) {
    EXPECT_NE(r->find(id), nullptr) << id;
  }
  EXPECT_EQ(r->providers().size(), 16u);
}

TEST(JurisdictionRegistry, EveryValueHasSourceDateAndConfidence) {
  for (const auto& [id, p] : shipped().providers()) {
    for (const auto& [key, v] : p.facts) {
      EXPECT_FALSE(v.provenance.url.empty()) << id << " " << key;
      EXPECT_TRUE(v.provenance.as_of.has_value()) << id << " " << key;
      EXPECT_FALSE(v.provenance.confidence.empty()) << id << " " << key;
      if (v.value.is_null()) {
        EXPECT_EQ(v.provenance.confidence, "U") << id << " " << key;
      }
    }
  }
}

std::string lint(const std::string& file, const std::string& text) {
  Diagnostics d;
  auto p = parse_provider(file, text, &d);
  EXPECT_FALSE(p.has_value());
  return d.to_string();
}

const char* kHeader =
    "provider: demo\n"
    "name: Demo\n"
    "sources:\n"
    "  s1: { title: T, url: \"https://example.org/\", as_of: 2026-01-01 }\n";

TEST(JurisdictionRegistryLint, UnknownFactKeyWithPositionAndSuggestion) {
  std::string text = std::string(kHeader) +
                     "facts:\n"
                     "  seat_contry: { value: FR, source: s1, confidence: H }\n";
  EXPECT_EQ(lint("x/demo.yaml", text),
            "x/demo.yaml:6:3: error: unknown fact 'seat_contry' (did you mean 'seat_country'?)\n"
            "    seat_contry: { value: FR, source: s1, confidence: H }\n"
            "    ^");
}

TEST(JurisdictionRegistryLint, UnknownValueMustHaveConfidenceU) {
  std::string text = std::string(kHeader) +
                     "facts:\n"
                     "  seat_country: { value: null, source: s1, confidence: M }\n";
  EXPECT_EQ(lint("demo.yaml", text),
            "demo.yaml:6:56: error: an unknown value (null) must have confidence U\n"
            "    seat_country: { value: null, source: s1, confidence: M }\n"
            "                                                         ^");
}

TEST(JurisdictionRegistryLint, BadValuesSourcesAndIds) {
  std::string text = std::string(kHeader) +
                     "facts:\n"
                     "  seat_country: { value: France, source: s2, confidence: X }\n"
                     "  ownership.non_eu_total_pct: { value: 140, source: s1, confidence: H }\n"
                     "  certifications.secnumcloud.status: { value: qualifed, source: s1, "
                     "confidence: H }\n"
                     "network: { source: s1, confidence: H, hostnames: [\"a..b\"], regions: "
                     "{ fr-par: France }, prefixes: [\"10.0.0.1/8\"] }\n";
  std::string out = lint("other.yaml", text);
  EXPECT_NE(out.find("other.yaml:1:11: error: provider id 'demo' must match the file name "
                     "'other.yaml'"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("other.yaml:6:26: error: 'seat_country' must be an ISO 3166-1 alpha-2 code"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("other.yaml:6:42: error: unknown source 's2' (did you mean 's1'?)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("confidence must be H, M, L or U"), std::string::npos) << out;
  EXPECT_NE(out.find("'ownership.non_eu_total_pct' must be a percentage 0-100"), std::string::npos)
      << out;
  EXPECT_NE(out.find("(did you mean 'qualified'?)"), std::string::npos) << out;
  EXPECT_NE(out.find("has an empty label"), std::string::npos) << out;
  EXPECT_NE(out.find("region 'fr-par' needs an ISO 3166-1 alpha-2 country"), std::string::npos)
      << out;
  EXPECT_NE(out.find("'10.0.0.1/8' is not a CIDR prefix"), std::string::npos) << out;
}

TEST(JurisdictionRegistryLint, MissingKeysAndSyntaxError) {
  EXPECT_EQ(lint("demo.yaml", "provider: demo\nname: Demo\nsources: {}\n"),
            "demo.yaml:1:1: error: missing key 'facts' in provider file\n"
            "  provider: demo\n"
            "  ^");
  std::string out = lint("demo.yaml", "provider: [demo\n");
  EXPECT_NE(out.find("demo.yaml:"), std::string::npos);
  EXPECT_NE(out.find("error:"), std::string::npos);
}

TEST(JurisdictionRegistryLint, HoldersMustAgreeWithTheOwnershipFacts) {
  std::string text = std::string(kHeader) +
                     "facts:\n"
                     "  ownership.non_eu_max_single_pct: { value: 10, source: s1, confidence: M }\n"
                     "holders:\n"
                     "  - { name: A, country: US, capital_pct: 30, voting_pct: null, source: s1, "
                     "confidence: M }\n"
                     "  - { name: B, country: France, capital_pct: 120, voting_pct: null, "
                     "source: s9, confidence: M }\n"
                     "  - { name: C, country: FR }\n";
  std::string out = lint("demo.yaml", text);
  EXPECT_NE(out.find("demo.yaml:8:3: error: the non-EU holders listed hold 30 %, more than "
                     "ownership.non_eu_max_single_pct = 10"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("demo.yaml:9:25: error: 'country' must be an ISO 3166-1 alpha-2 code"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("'capital_pct' must be a percentage 0-100"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown source 's9'"), std::string::npos) << out;
  EXPECT_NE(out.find("demo.yaml:10:5: error: missing key 'capital_pct' in holder"),
            std::string::npos)
      << out;
}

TEST(JurisdictionRegistryLint, OffersHoldTheirOwnQualifications) {
  std::string text =
      std::string(kHeader) +
      "facts:\n"
      "  certifications.secnumcloud.status: { value: qualified, source: s1, confidence: H }\n"
      "network: { source: s1, confidence: H, regions: { par: FR } }\n"
      "offers:\n"
      "  - id: private\n"
      "    name: Private\n"
      "    regions: [par, ams]\n"
      "    facts:\n"
      "      seat_country: { value: FR, source: s1, confidence: H }\n"
      "  - { id: private, name: Again, facts: {} }\n";
  std::string out = lint("demo.yaml", text);
  EXPECT_NE(out.find("demo.yaml:11:20: error: offer region 'ams' is not in network.regions"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("demo.yaml:13:7: error: unknown fact 'seat_country' (an offer holds "
                     "certifications.* facts only)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("demo.yaml:14:11: error: duplicate offer 'private'"), std::string::npos)
      << out;
  EXPECT_NE(
      out.find(
          "demo.yaml:9:3: error: provider-level 'certifications.secnumcloud.status' (line 6) with "
          "offers: SecNumCloud is qualified per offer, move it into one"),
      std::string::npos)
      << out;
}

TEST(JurisdictionRegistry, HoldersAndOffersOfShippedProviders) {
  const Provider* ovh = shipped().find("ovhcloud");
  ASSERT_NE(ovh, nullptr);
  ASSERT_EQ(ovh->holders.size(), 3u);
  EXPECT_EQ(ovh->holders[1].name, "KKR");
  EXPECT_EQ(ovh->holders[1].country, "US");
  EXPECT_EQ(ovh->holders[1].capital_pct, 8);
  EXPECT_TRUE(ovh->holders[1].voting_pct.is_null());
  EXPECT_EQ(ovh->holders[1].provenance.as_of, day("2021-10-15"));
  ASSERT_NE(ovh->find_offer("Hosted Private Cloud SecNumCloud (VMware)"), nullptr);
  EXPECT_EQ(ovh->find_offer("hosted-private-cloud-snc")
                ->facts.at("certifications.secnumcloud.status")
                .value,
            "qualified");
  ASSERT_NE(ovh->offer_in_region("gra"), nullptr);
  EXPECT_EQ(ovh->offer_in_region("gra")->id, "public-cloud");
  EXPECT_EQ(ovh->offer_in_region("nowhere"), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Hostname patterns and prefix tables.

TEST(JurisdictionHostPattern, RegionExtraction) {
  auto r = resolver().resolve("s3.fr-par.scw.cloud");
  EXPECT_EQ(r.provider, "scaleway");
  EXPECT_EQ(r.method, "hostname");
  EXPECT_EQ(r.region, "fr-par");
  EXPECT_EQ(r.country, "FR");
  r = resolver().resolve("https://my-bucket.s3.eu-west-3.amazonaws.com/key");
  EXPECT_EQ(r.provider, "aws");
  EXPECT_EQ(r.region, "eu-west-3");
  EXPECT_EQ(r.country, "FR");
  r = resolver().resolve("a.b.s3.eu-central-2.amazonaws.com");
  EXPECT_EQ(r.country, "CH");
  r = resolver().resolve("S3-REGION01.cloudavenue.orange-business.com:443");
  EXPECT_EQ(r.provider, "orange-business");
  EXPECT_EQ(r.region, "region01");
  r = resolver().resolve("acct.blob.core.windows.net");
  EXPECT_EQ(r.provider, "azure");
  EXPECT_EQ(r.region, "");
  r = resolver().resolve("www.example.org");
  EXPECT_EQ(r.provider, "");
  EXPECT_EQ(r.method, "none");
  EXPECT_FALSE(r.reason.empty());
}

TEST(JurisdictionHostPattern, Syntax) {
  EXPECT_FALSE(parse_host_pattern("a..b").has_value());
  EXPECT_FALSE(parse_host_pattern("{region}.{region}.x").has_value());
  EXPECT_FALSE(parse_host_pattern("a*b.x").has_value());
  auto p = parse_host_pattern("**.s3.{region}.example.com");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->match("a.b.s3.r1.example.com").value_or("-"), "r1");
  EXPECT_FALSE(p->match("s3.r1.example.com").has_value());
}

TEST(JurisdictionPrefixTable, LongestMatchV4AndV6) {
  PrefixTable t;
  EXPECT_TRUE(t.add({"10.0.0.0/8", "a", "", "", "", "", "", "H"}));
  EXPECT_TRUE(t.add({"10.1.0.0/16", "b", "r1", "FR", "", "", "", "H"}));
  EXPECT_TRUE(t.add({"2001:db8::/32", "c", "", "", "", "", "", "H"}));
  EXPECT_TRUE(t.add({"2001:db8:1::/48", "d", "", "", "", "", "", "H"}));
  EXPECT_FALSE(t.add({"10.0.0.1/8", "x", "", "", "", "", "", "H"}));
  EXPECT_EQ(t.lookup(*parse_ip("10.1.2.3"))->provider, "b");
  EXPECT_EQ(t.lookup(*parse_ip("10.2.2.3"))->provider, "a");
  EXPECT_EQ(t.lookup(*parse_ip("11.0.0.1")), nullptr);
  EXPECT_EQ(t.lookup(*parse_ip("2001:db8:1::5"))->provider, "d");
  EXPECT_EQ(t.lookup(*parse_ip("[2001:db8:2::5]"))->provider, "c");
  EXPECT_EQ(parse_ip("2001:db8::1")->to_string(), "2001:db8::1");
  EXPECT_FALSE(parse_ip("300.1.1.1").has_value());
}

// ---------------------------------------------------------------------------------------------
// Importers, on small files in each provider's format.

const char* kAws = R"({"syncToken":"1","createDate":"2026-11-20-10-00-00",
  "prefixes":[{"ip_prefix":"15.236.0.0/15","region":"eu-west-3","service":"AMAZON",
               "network_border_group":"eu-west-3"},
              {"ip_prefix":"3.5.0.0/19","region":"GLOBAL","service":"AMAZON"}],
  "ipv6_prefixes":[{"ipv6_prefix":"2a05:d012::/36","region":"eu-west-3","service":"AMAZON"}]})";
const char* kAzure = R"({"changeNumber":1,"cloud":"Public","values":[
  {"name":"AzureCloud.francecentral","id":"AzureCloud.francecentral",
   "properties":{"region":"francecentral","systemService":"","addressPrefixes":
     ["20.19.0.0/16","2603:1020:800::/47"]}}]})";
const char* kGoogle = R"({"syncToken":"1","creationTime":"2026-11-21T00:00:00.0",
  "prefixes":[{"ipv4Prefix":"34.155.0.0/16","service":"Google Cloud","scope":"europe-west9"},
              {"ipv6Prefix":"2600:1900:4140::/44","service":"Google Cloud","scope":"europe-west9"}]})";

TEST(JurisdictionImporters, AwsAzureGoogle) {
  auto aws = import_ranges("aws-ip-ranges", kAws, "ip-ranges.json", &shipped());
  ASSERT_TRUE(aws.has_value()) << aws.error().message();
  EXPECT_EQ(aws->provider, "aws");
  EXPECT_EQ(aws->as_of, "2026-11-20");
  ASSERT_EQ(aws->prefixes.size(), 3u);
  EXPECT_EQ(aws->prefixes[0].country, "FR");
  EXPECT_EQ(aws->prefixes[1].region, "");
  auto az = import_ranges("azure-service-tags", kAzure, "dl/ServiceTags_Public_20261123.json",
                          &shipped());
  ASSERT_TRUE(az.has_value()) << az.error().message();
  EXPECT_EQ(az->as_of, "2026-11-23");
  EXPECT_EQ(az->prefixes.size(), 2u);
  EXPECT_EQ(az->prefixes[1].country, "FR");
  auto g = import_ranges("google-cloud", kGoogle, "cloud.json", &shipped());
  ASSERT_TRUE(g.has_value()) << g.error().message();
  EXPECT_EQ(g->prefixes[0].country, "FR");
  EXPECT_EQ(g->as_of, "2026-11-21");

  Resolver r(shipped());
  r.add_imported(*aws);
  r.add_imported(*az);
  r.add_imported(*g);
  auto res = r.resolve("15.237.1.2");
  EXPECT_EQ(res.provider, "aws");
  EXPECT_EQ(res.method, "prefix");
  EXPECT_EQ(res.country, "FR");
  EXPECT_EQ(r.resolve("2603:1020:800::1").provider, "azure");
  EXPECT_EQ(r.resolve("34.155.3.4").region, "europe-west9");
  EXPECT_EQ(r.resolve("192.0.2.1").provider, "");
}

TEST(JurisdictionImporters, Errors) {
  auto e = import_ranges("aws-ip-range", "{}", "f.json", nullptr);
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message().find("did you mean 'aws-ip-ranges'"), std::string::npos);
  e = import_ranges("google-cloud", "[1", "cloud.json", nullptr);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message(), "cloud.json: google-cloud: not a JSON object");
  e = import_ranges("aws-ip-ranges", R"({"prefixes":[{"ip_prefix":"1.2.3.4/8"}]})", "f.json",
                    nullptr);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message(), "f.json: aws-ip-ranges: '1.2.3.4/8' is not a CIDR prefix");
}

TEST(JurisdictionImporters, RoundTripThroughRegistryDirectory) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("sov-juris-" + std::to_string(::getpid()));
  fs::create_directories(dir / "imported");
  fs::copy_file(kProviders + "/aws.yaml", dir / "aws.yaml", fs::copy_options::overwrite_existing);
  auto aws = import_ranges("aws-ip-ranges", kAws, "ip-ranges.json", &shipped());
  ASSERT_TRUE(aws.has_value());
  std::ofstream(dir / "imported" / "aws.json") << aws->to_json().dump();
  Diagnostics d;
  auto r = Resolver::open(dir.string(), "", &d);
  ASSERT_TRUE(r.has_value()) << d.to_string();
  EXPECT_EQ(r->resolve("2a05:d012::9").country, "FR");
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Enrichment of a target's facts.

model::Facts enrich(const Resolver& r, const model::Target& t, model::Facts f = {}) {
  if (t.declared.is_object()) {
    f.doc()["declared"] = t.declared;
    f.merge_missing(t.declared, model::Source{model::SourceKind::kDeclared, "cfg", std::nullopt});
  }
  r.enrich(t, &f, day("2026-11-29"));
  return f;
}

const Json& get(const model::Facts& f, const std::string& path) {
  static const Json kMissing = "<missing>";
  auto fp = model::FactPath::parse(path);
  const Json* v = fp ? f.find(*fp) : nullptr;
  return v ? *v : kMissing;
}

TEST(JurisdictionEnrich, DeclaredIdOnlyTakesRegistryFactsWithSourceAndDate) {
  model::Target t{"hdh",
                  "declared",
                  {},
                  Json::object(),
                  {{"provider", {{"id", "scaleway"}}}, {"location", {{"region", "fr-par"}}}}};
  auto f = enrich(resolver(), t);
  EXPECT_EQ(get(f, "provider.known"), true);
  EXPECT_EQ(get(f, "provider.match.method"), "declared");
  EXPECT_EQ(get(f, "provider.legal_entity"), "Scaleway SAS");
  EXPECT_EQ(get(f, "provider.seat_country"), "FR");
  EXPECT_EQ(get(f, "provider.eu"), true);
  EXPECT_EQ(get(f, "provider.certifications.secnumcloud.status"), "in_process");
  EXPECT_EQ(get(f, "location.country"), "FR");
  EXPECT_EQ(get(f, "storage.locations[0].country"), "FR");
  EXPECT_TRUE(get(f, "provider.consistent").is_null());
  const model::Source* s = f.source_for("provider.certifications.secnumcloud.status");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, model::SourceKind::kDerived);
  EXPECT_NE(s->where.find("scaleway.yaml"), std::string::npos);
  EXPECT_NE(s->where.find("https://www.scaleway.com/"), std::string::npos);
  EXPECT_EQ(s->when, day("2026-10-09"));
  // The milestone carries its own as_of.
  EXPECT_EQ(f.source_for("provider.certifications.secnumcloud.milestone")->when, day("2025-01-08"));
}

TEST(JurisdictionEnrich, UnknownRegistryValueKeepsDeclaredOneElseNull) {
  model::Target t{"t",
                  "declared",
                  {},
                  Json::object(),
                  {{"provider", {{"id", "s3ns"}, {"ownership", {{"non_eu_max_single_pct", 20}}}}}}};
  auto f = enrich(resolver(), t);
  EXPECT_EQ(get(f, "provider.ownership.non_eu_max_single_pct"), 20);
  EXPECT_TRUE(get(f, "provider.ownership.non_eu_total_pct").is_null());
  EXPECT_EQ(get(f, "provider.certifications.secnumcloud.qualified_on"), "2025-12-17");
}

model::Target declared_target(const std::string& provider, const std::string& region,
                              const std::string& offer = "") {
  Json declared = {{"provider", {{"id", provider}}}, {"location", {{"region", region}}}};
  if (!offer.empty()) declared["service"] = {{"offer", offer}};
  return model::Target{"t", "declared", {}, Json::object(), declared};
}

// SecNumCloud is qualified per offer: the declared offer decides; else the one offer of the
// region; else the status is unknown with the reason, never the provider's best offer.
TEST(JurisdictionEnrich, SecNumCloudStatusComesFromTheTargetsOffer) {
  auto hpc = enrich(resolver(), declared_target("ovhcloud", "rbx", "hosted-private-cloud-snc"));
  EXPECT_EQ(get(hpc, "provider.offer.id"), "hosted-private-cloud-snc");
  EXPECT_EQ(get(hpc, "provider.offer.method"), "declared");
  EXPECT_EQ(get(hpc, "provider.certifications.secnumcloud.status"), "qualified");
  EXPECT_NE(
      hpc.source_for("provider.certifications.secnumcloud.status")->where.find("ovhcloud.yaml"),
      std::string::npos);

  auto pub = enrich(resolver(), declared_target("ovhcloud", "gra"));
  EXPECT_EQ(get(pub, "provider.offer.id"), "public-cloud");
  EXPECT_EQ(get(pub, "provider.offer.method"), "region");
  EXPECT_EQ(get(pub, "provider.certifications.secnumcloud.status"), "none");

  auto outscale = enrich(resolver(), declared_target("outscale", "eu-west-2"));
  EXPECT_TRUE(get(outscale, "provider.offer.id").is_null());
  EXPECT_EQ(get(outscale, "provider.offer.method"), "none");
  EXPECT_EQ(get(outscale, "provider.offer.reason"),
            "outscale's qualifications differ per offer (iaas-cloudgouv): declare the target's "
            "service.offer");
  EXPECT_TRUE(get(outscale, "provider.certifications.secnumcloud.status").is_null());
  EXPECT_EQ(get(enrich(resolver(), declared_target("outscale", "cloudgouv-eu-west-1")),
                "provider.certifications.secnumcloud.status"),
            "qualified");

  auto typo = enrich(resolver(), declared_target("ovhcloud", "rbx", "hosted-private"));
  EXPECT_TRUE(get(typo, "provider.certifications.secnumcloud.status").is_null());
  EXPECT_EQ(get(typo, "provider.offer.reason"),
            "declared offer 'hosted-private' is not one of ovhcloud's: hosted-private-cloud-snc, "
            "bare-metal-pod-snc, public-cloud");
}

TEST(JurisdictionEnrich, HoldersWithCountryAndShare) {
  auto ovh = enrich(resolver(), declared_target("ovhcloud", "gra"));
  const Json& holders = get(ovh, "provider.ownership.holders");
  ASSERT_TRUE(holders.is_array());
  ASSERT_EQ(holders.size(), 3u);
  EXPECT_EQ(holders[1]["name"], "KKR");
  EXPECT_EQ(holders[1]["eu"], false);
  EXPECT_EQ(holders[1]["capital_pct"], 8);
  EXPECT_TRUE(holders[1]["voting_pct"].is_null());
  EXPECT_EQ(holders[1]["as_of"], "2021-10-15");
  EXPECT_EQ(holders[0]["eu"], true);
  // A provider whose registry file lists no holders: unknown, not an empty list.
  EXPECT_TRUE(
      get(enrich(resolver(), declared_target("hetzner", "fsn1")), "provider.ownership.holders")
          .is_null());
}

TEST(JurisdictionEnrich, DeclaredContradictsObservedHostname) {
  model::Target t{"t",
                  "tls",
                  {},
                  {{"endpoint", "bucket.s3.eu-west-3.amazonaws.com:443"}},
                  {{"provider", {{"id", "scaleway"}}}, {"location", {{"region", "fr-par"}}}}};
  auto f = enrich(resolver(), t);
  EXPECT_EQ(get(f, "provider.id"), "aws");
  EXPECT_EQ(get(f, "provider.declared_id"), "scaleway");
  EXPECT_EQ(get(f, "provider.observed_id"), "aws");
  EXPECT_EQ(get(f, "provider.match.method"), "hostname");
  EXPECT_EQ(get(f, "provider.match.confidence"), "H");
  EXPECT_EQ(get(f, "provider.consistent"), false);
  EXPECT_EQ(get(f, "provider.consistency.reasons"),
            Json::array({"declared provider 'scaleway', observed 'aws'",
                         "declared region 'fr-par', observed 'eu-west-3'"}));
  EXPECT_EQ(get(f, "location.region"), "eu-west-3");
  EXPECT_EQ(get(f, "provider.extraterritorial_laws"), Json::array({"CLOUD Act", "FISA 702"}));
  EXPECT_EQ(get(f, "declared.provider.id"), "scaleway");
}

TEST(JurisdictionEnrich, DeclaredAgreesWithObserved) {
  model::Target t{"t",
                  "tls",
                  {},
                  {{"endpoint", "s3.fr-par.scw.cloud:443"}},
                  {{"provider", {{"id", "scaleway"}}}, {"location", {{"country", "FR"}}}}};
  auto f = enrich(resolver(), t);
  EXPECT_EQ(get(f, "provider.consistent"), true);
  EXPECT_EQ(get(f, "provider.consistency.reasons"), Json::array());
}

TEST(JurisdictionEnrich, CertificateOrganisationAndConflictWithAddress) {
  Resolver r(shipped());
  r.add_imported(*import_ranges("aws-ip-ranges", kAws, "ip-ranges.json", &shipped()));
  model::Target t{"t", "tls", {}, {{"endpoint", "15.236.1.1:443"}}, Json::object()};
  model::Facts probe;
  probe.doc()["tls"] = {{"leaf", {{"subject", {{"o", "Scaleway SAS"}}}}},
                        {"endpoint", {{"address", "15.236.1.1:443"}}}};
  auto f = enrich(r, t, probe);
  EXPECT_EQ(get(f, "provider.id"), "aws");
  EXPECT_EQ(get(f, "provider.match.method"), "prefix");
  EXPECT_EQ(get(f, "provider.match.conflicts"),
            Json::array({"prefix=aws vs certificate=scaleway (Scaleway SAS)"}));
  EXPECT_EQ(get(f, "net.addresses[0].ip"), "15.236.1.1");
  EXPECT_EQ(get(f, "net.addresses[0].provider"), "aws");
  EXPECT_EQ(get(f, "net.addresses[0].country"), "FR");
  // No declaration: nothing to be consistent with.
  EXPECT_TRUE(get(f, "provider.consistent").is_null());

  // The certificate alone decides, with low confidence.
  model::Target t2{"t2", "tls", {}, {{"endpoint", "api.example.org:443"}}, Json::object()};
  model::Facts probe2;
  probe2.doc()["tls"] = {{"leaf", {{"subject", {{"o", "scaleway sas"}}}}}};
  auto f2 = enrich(r, t2, probe2);
  EXPECT_EQ(get(f2, "provider.id"), "scaleway");
  EXPECT_EQ(get(f2, "provider.match.method"), "certificate");
  EXPECT_EQ(get(f2, "provider.match.confidence"), "L");
}

TEST(JurisdictionEnrich, UnknownProviderIsNullWithReason) {
  model::Target t{
      "t", "tls", {}, {{"endpoint", "api.example.org:443"}}, {{"provider", {{"id", "scalewey"}}}}};
  auto f = enrich(resolver(), t);
  EXPECT_EQ(get(f, "provider.known"), false);
  EXPECT_EQ(get(f, "provider.id"), "scalewey");  // the declaration stays, but is not known
  EXPECT_EQ(get(f, "provider.match.method"), "none");
  EXPECT_EQ(get(f, "provider.match.reason"),
            "declared provider 'scalewey' is not in the registry (did you mean 'scaleway'?)");
  EXPECT_EQ(get(f, "provider.seat_country"), "<missing>");

  model::Target t2{"t2", "tls", {}, {{"endpoint", "api.example.org:443"}}, Json::object()};
  auto f2 = enrich(resolver(), t2);
  EXPECT_TRUE(get(f2, "provider.id").is_null());
  EXPECT_FALSE(get(f2, "provider.match.reason").is_null());
}

TEST(JurisdictionSchema, EveryPathParses) {
  for (const auto& e : jurisdiction_fact_schema()) {
    EXPECT_TRUE(model::FactPath::parse(e.path).has_value()) << e.path;
  }
}

}  // namespace
}  // namespace sov::probes::jurisdiction

// ---------------------------------------------------------------------------------------------
// The sovereignty rule sets over registry-derived facts: strict load with this module's schema,
// every case, and the seed scenario of the demo estate (issue #4, point 7).
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"

namespace sov::probes::jurisdiction {
namespace {

const std::string kRules = std::string(SOV_SOURCE_DIR) + "/rules";

std::vector<std::string> rule_dirs() {
  return {kRules + "/lists", kRules + "/sets/sren", kRules + "/sets/secnumcloud",
          kRules + "/sets/hds", kRules + "/sets/gdpr"};
}

std::shared_ptr<const ruleset::RuleBook> sovereignty_rules() {
  static const std::shared_ptr<const ruleset::RuleBook> book = [] {
    static model::FactSchema schema;
    schema.add_all(probes::core_fact_schema());
    schema.add_all(probes::declarable_fact_schema());
    schema.add_all(jurisdiction_fact_schema());
    ruleset::LoadOptions o;
    o.schema = &schema;
    o.strict = true;
    Diagnostics d;
    auto b = ruleset::load_rules(rule_dirs(), o, &d);
    EXPECT_TRUE(b.has_value()) << d.to_string();
    EXPECT_TRUE(d.items().empty()) << d.to_string();
    return b ? *b : nullptr;
  }();
  return book;
}

TEST(JurisdictionSovereigntyRules, LoadStrictAndEveryCasePasses) {
  auto book = sovereignty_rules();
  ASSERT_NE(book, nullptr);
  Diagnostics d;
  auto report = ruleset::run_cases(*book, rule_dirs(), &d);
  ASSERT_TRUE(report.has_value()) << report.error().to_string() << "\n" << d.to_string();
  for (const auto& m : report->mismatches) {
    ADD_FAILURE() << m.file << ":" << m.line << ": case '" << m.case_name << "', rule " << m.rule_id
                  << ": expected " << m.expected << ", got " << m.actual << " (" << m.message
                  << ")";
  }
  for (const auto& id : report->uncovered) ADD_FAILURE() << "rule " << id << " lacks a case";
  EXPECT_GT(report->cases, 0u);
}

std::map<std::string, model::Status> verdicts(const model::Target& t) {
  model::Facts f;
  f.doc()["target"] = {{"id", t.id}, {"kind", t.kind}};
  f.doc()["declared"] = t.declared;
  f.merge_missing(t.declared, model::Source{model::SourceKind::kDeclared, "demo", std::nullopt});
  resolver().enrich(t, &f, day("2026-11-29"));
  ruleset::EvalContext ctx{day("2026-11-29"), nullptr, nullptr};
  std::map<std::string, model::Status> out;
  for (const auto& finding : sovereignty_rules()->evaluate(t, f, ctx))
    out[finding.rule_id] = finding.status;
  return out;
}

model::Target demo_target(const std::string& id, const std::string& provider,
                          const std::string& region, const Json& storage) {
  model::Target t;
  t.id = id;
  t.kind = "declared";
  t.tags = {{"data_class", {"health", "sensitive"}}, {"entity", {"gip"}}};
  t.declared = {{"provider", {{"id", provider}}},
                {"location", {{"region", region}}},
                {"storage", {{"locations", storage}}}};
  return t;
}

// The seed scenario: a health platform on a US hyperscaler's French region passes data location
// but fails the extra-EU law rules; on the French provider it passes seat and ownership while
// SecNumCloud status is whatever the registry's source says (in process: not qualified).
TEST(JurisdictionSovereigntyRules, SeedScenarioFromTheRegistry) {
  using model::Status;
  auto aws = verdicts(demo_target(
      "hdh-aws-paris", "aws", "eu-west-3",
      Json::array({{{"country", "FR"}, {"region", "eu-west-3"}, {"role", "primary"}},
                   {{"country", "DE"}, {"region", "eu-central-1"}, {"role", "backup"}}})));
  EXPECT_EQ(aws["SREN-31-d2"], Status::kPass);
  EXPECT_EQ(aws["HDS-28"], Status::kPass);
  EXPECT_EQ(aws["GDPR-44-storage"], Status::kPass);
  EXPECT_EQ(aws["SREN-31-c"], Status::kFail);
  EXPECT_EQ(aws["SNC-19.6-a"], Status::kFail);
  EXPECT_EQ(aws["SNC-19.6-b1"], Status::kFail);
  EXPECT_EQ(aws["GDPR-48"], Status::kFail);

  auto scw = verdicts(
      demo_target("hdh-scaleway-paris", "scaleway", "fr-par",
                  Json::array({{{"country", "FR"}, {"region", "fr-par"}, {"role", "primary"}},
                               {{"country", "NL"}, {"region", "nl-ams"}, {"role", "backup"}}})));
  EXPECT_EQ(scw["SNC-19.6-a"], Status::kPass);
  EXPECT_EQ(scw["SNC-19.6-b1"], Status::kPass);
  EXPECT_EQ(scw["SNC-19.6-b2"], Status::kPass);
  EXPECT_EQ(scw["SREN-31-e"], Status::kFail);  // in process, not qualified
  EXPECT_EQ(scw["GDPR-48"], Status::kPass);
  EXPECT_EQ(scw["HDS-28"], Status::kPass);
}

// A provider whose qualification depends on the offer, with no offer known: the SecNumCloud rules
// cannot pass (and do not fail on a guess either).
TEST(JurisdictionSovereigntyRules, UnknownOfferIsNeverAPass) {
  auto outscale = verdicts(demo_target("os", "outscale", "eu-west-2",
                                       Json::array({{{"country", "FR"}, {"role", "primary"}}})));
  EXPECT_EQ(outscale["SREN-31-e"], model::Status::kError);
  auto gouv = verdicts(demo_target("os", "outscale", "cloudgouv-eu-west-1",
                                   Json::array({{{"country", "FR"}, {"role", "primary"}}})));
  EXPECT_EQ(gouv["SREN-31-e"], model::Status::kPass);
}

// OVHcloud's ownership figures date from the 2021 IPO: older than max_age 365d, so stale.
TEST(JurisdictionSovereigntyRules, OldRegistryFactsMakeRulesStale) {
  auto ovh = verdicts(demo_target("ovh", "ovhcloud", "gra",
                                  Json::array({{{"country", "FR"}, {"role", "primary"}}})));
  EXPECT_EQ(ovh["SNC-19.6-b1"], model::Status::kStale);
}

}  // namespace
}  // namespace sov::probes::jurisdiction

// ---------------------------------------------------------------------------------------------
// MaxMind-format database. Debian packages no MMDB writer in C (libmaxmind-db-writer-perl is
// not installed here), so the test writes a minimal IPv4 database itself, following the
// MaxMind DB format spec 2.0: a binary search tree of 24-bit records, 16 zero bytes, the data
// section, then the metadata after "\xAB\xCD\xEFMaxMind.com".
namespace sov::probes::jurisdiction {
namespace {

struct MmdbWriter {
  std::string out;
  // Control byte: type in the top 3 bits (0 = extended, type byte follows), size in the low 5
  // (29 = one more byte holding size - 29; enough here).
  void control(int type, size_t size) {
    int low = size < 29 ? static_cast<int>(size) : 29;
    out += static_cast<char>(((type <= 7 ? type : 0) << 5) | low);
    if (type > 7) out += static_cast<char>(type - 7);
    if (size >= 29) out += static_cast<char>(size - 29);
  }
  void str(const std::string& s) {
    control(2, s.size());
    out += s;
  }
  void uint(int type, uint64_t v) {
    std::string bytes;
    while (v) {
      bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
      v >>= 8;
    }
    control(type, bytes.size());
    out += bytes;
  }
  void map(size_t n) { control(7, n); }
  void array(size_t n) { control(11, n); }
};

// One IPv4 network `base`/`len` -> {country.iso_code, autonomous_system_number, _organization}.
std::string build_mmdb(uint32_t base, int len, const std::string& country, uint32_t asn,
                       const std::string& org) {
  const uint32_t nodes = static_cast<uint32_t>(len);
  MmdbWriter data;
  data.map(3);
  data.str("country");
  data.map(1);
  data.str("iso_code");
  data.str(country);
  data.str("autonomous_system_number");
  data.uint(6, asn);
  data.str("autonomous_system_organization");
  data.str(org);
  std::string tree;
  auto rec = [&](uint32_t v) {
    tree += static_cast<char>((v >> 16) & 0xff);
    tree += static_cast<char>((v >> 8) & 0xff);
    tree += static_cast<char>(v & 0xff);
  };
  for (uint32_t i = 0; i < nodes; ++i) {
    int bit = (base >> (31 - i)) & 1;
    uint32_t next = i + 1 == nodes ? nodes + 16 : i + 1;  // data at offset 0, or the next node
    rec(bit == 0 ? next : nodes);
    rec(bit == 1 ? next : nodes);
  }
  MmdbWriter meta;
  meta.map(9);
  meta.str("node_count");
  meta.uint(6, nodes);
  meta.str("record_size");
  meta.uint(5, 24);
  meta.str("ip_version");
  meta.uint(5, 4);
  meta.str("database_type");
  meta.str("sovereignd-test");
  meta.str("languages");
  meta.array(1);
  meta.str("en");
  meta.str("binary_format_major_version");
  meta.uint(5, 2);
  meta.str("binary_format_minor_version");
  meta.uint(5, 0);
  meta.str("build_epoch");
  meta.uint(9, 1764000000);
  meta.str("description");
  meta.map(1);
  meta.str("en");
  meta.str("test");
  return tree + std::string(16, '\0') + data.out + std::string("\xAB\xCD\xEFMaxMind.com") +
         meta.out;
}

TEST(JurisdictionMaxMind, AsnAndCountryFromADatabaseBuiltInTheTest) {
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / ("sov-juris-" + std::to_string(::getpid()) + ".mmdb");
  std::ofstream(file, std::ios::binary)
      << build_mmdb(0xC0000200, 24, "FR", 12876, "Scaleway S.a.s.");  // 192.0.2.0/24
  auto db = open_maxmind(file.string());
  ASSERT_TRUE(db.has_value()) << db.error().to_string();
  Resolver r(shipped());
  r.set_database(*db);
  auto res = r.resolve("192.0.2.7");
  EXPECT_EQ(res.provider, "scaleway");
  EXPECT_EQ(res.method, "asn");
  EXPECT_EQ(res.country, "FR");
  ASSERT_EQ(res.observations.size(), 1u);
  EXPECT_EQ(res.observations[0].asn, 12876);
  EXPECT_EQ(res.observations[0].as_org, "Scaleway S.a.s.");
  EXPECT_EQ(r.resolve("198.51.100.1").provider, "");

  model::Target t{"t", "tls", {}, {{"endpoint", "192.0.2.7:443"}}, Json::object()};
  auto f = enrich(r, t);
  EXPECT_EQ(get(f, "net.addresses[0].asn"), 12876);
  EXPECT_EQ(get(f, "net.addresses[0].as_org"), "Scaleway S.a.s.");
  EXPECT_EQ(get(f, "location.country"), "FR");
  EXPECT_EQ(get(f, "provider.id"), "scaleway");

  auto bad = open_maxmind((fs::temp_directory_path() / "no-such.mmdb").string());
  EXPECT_FALSE(bad.has_value());
  fs::remove(file);
}

}  // namespace
}  // namespace sov::probes::jurisdiction

namespace sov::probes::jurisdiction {
namespace {

// An endpoint no method recognises: provider facts are null with a reason, and no sovereignty
// rule passes on them (error or manual, or not applicable).
TEST(JurisdictionSovereigntyRules, UnknownProviderNeverPasses) {
  model::Target t;
  t.id = "unknown";
  t.kind = "tls";
  t.tags = {{"data_class", {"health", "sensitive", "personal"}}, {"entity", {"gip"}}};
  t.spec = {{"endpoint", "api.example.org:443"}};
  model::Facts f;
  f.doc()["target"] = {{"id", t.id}, {"kind", t.kind}};
  resolver().enrich(t, &f, day("2026-11-29"));
  ruleset::EvalContext ctx{day("2026-11-29"), nullptr, nullptr};
  auto findings = sovereignty_rules()->evaluate(t, f, ctx);
  ASSERT_FALSE(findings.empty());
  for (const auto& finding : findings) {
    EXPECT_NE(finding.status, model::Status::kPass) << finding.rule_id;
  }
}

}  // namespace
}  // namespace sov::probes::jurisdiction

#include "probes/jurisdiction/explain.h"

namespace sov::probes::jurisdiction {
namespace {

TEST(JurisdictionExplain, ChainWithSourcesAndFindings) {
  model::Target t =
      demo_target("hdh-aws-paris", "aws", "eu-west-3",
                  Json::array({{{"country", "FR"}, {"region", "eu-west-3"}, {"role", "primary"}}}));
  model::Facts f;
  f.doc()["declared"] = t.declared;
  f.merge_missing(t.declared, model::Source{model::SourceKind::kDeclared, "demo", std::nullopt});
  resolver().enrich(t, &f, day("2026-11-29"));
  ruleset::EvalContext ctx{day("2026-11-29"), nullptr, nullptr};
  auto findings = sovereignty_rules()->evaluate(t, f, ctx);
  std::string text = explain_chain(f, findings);
  EXPECT_NE(text.find("Location\n  location.region = \"eu-west-3\""), std::string::npos) << text;
  EXPECT_NE(text.find("provider.legal_entity = \"Amazon Web Services, Inc.\"  [derived, "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rules/providers/aws.yaml (https://aws.amazon.com/compliance/hds/), "
                      "2026-10-09]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Legal control\n"), std::string::npos);
  EXPECT_NE(text.find("-> SREN-31-c fail"), std::string::npos) << text;
  EXPECT_NE(text.find("Certifications\n"), std::string::npos);
}

}  // namespace
}  // namespace sov::probes::jurisdiction
