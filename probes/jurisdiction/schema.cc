// SPDX-License-Identifier: Apache-2.0
#include "probes/jurisdiction/resolver.h"

namespace sov::probes::jurisdiction {

std::vector<model::FactSchemaEntry> jurisdiction_fact_schema() {
  using model::FactType;
  const char* j = "jurisdiction";
  auto s = FactType::kString;
  auto b = FactType::kBool;
  auto i = FactType::kInteger;
  auto l = FactType::kList;
  auto o = FactType::kObject;
  auto a = FactType::kAny;
  return {
      {"provider.declared_id", s, a, "the provider id the target declares; null if none", j},
      {"provider.observed_id", s, a,
       "the provider an observation (hostname, prefix, ASN, certificate) identified; null if none",
       j},
      {"provider.consistent", b, a,
       "declared provider, region and country agree with what was observed; null when nothing "
       "could be compared",
       j},
      {"provider.consistency.reasons", l, s, "each contradiction between declared and observed", j},
      {"provider.match.method", s, a,
       "how the provider was decided: hostname, prefix, asn, certificate, declared or none", j},
      {"provider.match.confidence", s, a, "confidence of that decision: H, M, L or U", j},
      {"provider.match.reason", s, a, "why the provider is unknown; null when known", j},
      {"provider.match.conflicts", l, s, "observations that named different providers", j},
      {"provider.match.observations", l, o, "every observation, with method and detail", j},
      {"provider.match.observations[*].method", s, a, "hostname, prefix, asn, certificate", j},
      {"provider.match.observations[*].subject", s, a, "host, address or organisation", j},
      {"provider.match.observations[*].provider", s, a, "provider found; null if none", j},
      {"provider.match.observations[*].region", s, a, "region found; null if none", j},
      {"provider.match.observations[*].country", s, a, "country found; null if none", j},
      {"provider.match.observations[*].confidence", s, a, "H, M, L or U", j},
      {"provider.match.observations[*].detail", s, a, "pattern, prefix or database used", j},
      {"provider.ownership.holders", l, o,
       "holders of the provider's capital (registry); null when the registry lists none", j},
      {"provider.ownership.holders[*].name", s, a, "holder's name", j},
      {"provider.ownership.holders[*].country", s, a, "country the holder is controlled from", j},
      {"provider.ownership.holders[*].eu", b, a, "the holder's country is in the EU27", j},
      {"provider.ownership.holders[*].capital_pct", FactType::kNumber, a,
       "share of the capital, percent; null when not published", j},
      {"provider.ownership.holders[*].voting_pct", FactType::kNumber, a,
       "share of the voting rights, percent; null when not published", j},
      {"provider.ownership.holders[*].confidence", s, a, "H, M, L or U", j},
      {"provider.ownership.holders[*].source", s, a, "registry file and source URL", j},
      {"provider.ownership.holders[*].as_of", FactType::kDate, a, "date the share was true", j},
      {"provider.offer.id", s, a,
       "the provider offer the target runs on (registry offers); null when not known", j},
      {"provider.offer.name", s, a, "that offer's name", j},
      {"provider.offer.method", s, a, "declared (service.offer), region, or none", j},
      {"provider.offer.reason", s, a, "why the offer is unknown; null when known", j},
      {"net.addresses", l, o, "addresses of the target with what is known of each", j},
      {"net.addresses[*].ip", s, a, "IPv4 or IPv6 address", j},
      {"net.addresses[*].asn", i, a, "origin AS number; null if unknown", j},
      {"net.addresses[*].as_org", s, a, "AS holder name; null if unknown", j},
      {"net.addresses[*].country", s, a, "ISO country of the address; null if unknown", j},
      {"net.addresses[*].provider", s, a, "provider registry id; null if unknown", j},
      {"net.addresses[*].region", s, a, "provider region; null if unknown", j},
      {"net.addresses[*].method", s, a, "prefix or asn", j},
      {"net.addresses[*].detail", s, a, "prefix table or database that answered", j},
  };
}

}  // namespace sov::probes::jurisdiction
