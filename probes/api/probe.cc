// SPDX-License-Identifier: Apache-2.0
#include "probes/api/probe.h"

namespace sov::probes {

using model::FactSchemaEntry;
using model::FactType;

std::vector<FactSchemaEntry> DeclaredProbe::fact_schema() const { return {}; }

void DeclaredProbe::run(const model::Target& /*target*/, const ProbeContext& /*ctx*/,
                        ProbeDone done) {
  done(ProbeResult{});
}

std::vector<FactSchemaEntry> core_fact_schema() {
  const char* core = "core";
  return {
      {"target.id", FactType::kString, FactType::kAny, "the target's id from the config", core},
      {"target.kind", FactType::kString, FactType::kAny,
       "the target's kind (declared, tls, s3, ...)", core},
      {"target.tags", FactType::kObject, FactType::kAny, "the target's tags", core},
      {"target.tags.*", FactType::kList, FactType::kString,
       "the values of one tag, always a list (data_class: [health])", core},
      {"probe.status", FactType::kString, FactType::kAny, "ok or error", core},
      {"probe.error", FactType::kString, FactType::kAny, "why the probe failed, null when ok",
       core},
      {"probe.duration_seconds", FactType::kNumber, FactType::kAny, "how long the probe ran", core},
      {"probe.started", FactType::kDate, FactType::kAny, "when the probe started (RFC 3339)", core},
  };
}

std::vector<FactSchemaEntry> declarable_fact_schema() {
  const char* d = "declared";
  auto s = FactType::kString;
  auto n = FactType::kNumber;
  auto b = FactType::kBool;
  auto dt = FactType::kDate;
  auto l = FactType::kList;
  auto a = FactType::kAny;
  return {
      {"provider.known", b, a, "true when the operating provider is identified", d},
      {"provider.id", s, a, "provider registry id (scaleway, aws, ...)", d},
      {"provider.name", s, a, "commercial name", d},
      {"provider.legal_entity", s, a, "legal entity operating the service", d},
      {"provider.registry_id", s, a, "company registry id (SIREN, HRB, ...)", d},
      {"provider.seat_country", s, a, "ISO 3166-1 alpha-2 country of the registered office", d},
      {"provider.central_admin_country", s, a, "country of the central administration", d},
      {"provider.principal_establishment_country", s, a, "country of the principal establishment",
       d},
      {"provider.eu", b, a,
       "seat, central administration and principal establishment all in the EU", d},
      {"provider.ultimate_parent.name", s, a, "ultimate parent company", d},
      {"provider.ultimate_parent.country", s, a, "ISO country of the ultimate parent", d},
      {"provider.ownership.non_eu_max_single_pct", n, a,
       "largest share of capital or votes held by one non-EU entity, percent", d},
      {"provider.ownership.non_eu_total_pct", n, a,
       "share of capital or votes held by all non-EU entities together, percent", d},
      {"provider.ownership.as_of", dt, a, "date of the ownership data", d},
      {"provider.non_eu_veto", b, a, "a non-EU entity holds a veto right", d},
      {"provider.non_eu_board_majority", b, a,
       "non-EU entities may appoint the majority of a board", d},
      {"provider.extraterritorial_laws", l, s,
       "non-EU laws the provider is exposed to (CLOUD Act, FISA 702, ...)", d},
      {"provider.certifications.secnumcloud.status", s, a,
       "none, in_process, qualified, expired or unknown", d},
      {"provider.certifications.secnumcloud.milestone", s, a, "J0, J1, J2 while in process", d},
      {"provider.certifications.secnumcloud.offer", s, a, "the qualified offer", d},
      {"provider.certifications.secnumcloud.qualified_on", dt, a, "date of qualification", d},
      {"provider.certifications.secnumcloud.expires", dt, a, "end of the qualification", d},
      {"provider.certifications.hds.certified", b, a, "holds an HDS certificate", d},
      {"provider.certifications.hds.version", FactType::kInteger, a,
       "HDS referential version (1 or 2)", d},
      {"provider.certifications.hds.activities", l, FactType::kInteger,
       "certified HDS activities, 1 to 6", d},
      {"provider.certifications.hds.expires", dt, a, "end of the HDS certificate", d},
      {"provider.exposed_third_country_law", b, a,
       "provider or a subcontractor exposed to third-country law allowing access (HDS 30)", d},
      {"provider.subprocessors.non_eu_technical_access", b, a,
       "a non-EU third party can technically obtain the data (SecNumCloud 19.6 c)", d},
      {"provider.transfers.non_eea_access", b, a, "data accessed from outside the EEA (HDS 29)", d},
      {"provider.transfers.countries", l, s, "countries data is accessed from outside the EEA", d},
      {"provider.transfers.legal_basis", s, a, "adequacy, scc, bcr or none", d},
      {"provider.transfers.mapping_url", s, a,
       "published map of transfers outside the EEA (HDS 31)", d},
      {"location.country", s, a, "ISO country where the data is stored", d},
      {"location.region", s, a, "provider region id (fr-par, eu-west-3)", d},
      {"storage.locations", l, FactType::kObject, "every place the data is stored", d},
      {"storage.locations[*].country", s, a, "ISO country of one storage location", d},
      {"storage.locations[*].region", s, a, "provider region id of one storage location", d},
      {"storage.locations[*].role", s, a, "primary, replica or backup", d},
      {"operations.admin_countries", l, s, "countries the service is administered from", d},
      {"operations.technical_data_countries", l, s,
       "countries technical data (logs, identities, directory) is stored in", d},
      {"operations.support_outside_eu", b, a, "support performed from outside the EU", d},
      {"operations.support_documented", b, a,
       "support from outside the EU is documented and supervised from the EU", d},
      {"service.offer", s, a, "the provider offer the target uses", d},
      {"service.secnumcloud_qualified", b, a,
       "the offer the target uses is inside the provider's SecNumCloud-qualified scope", d},
      {"service.in_hds_scope", b, a,
       "the service and region the target uses are covered by the provider's HDS certificate", d},
      {"operations.processing_countries", l, s, "countries the data is processed in", d},
  };
}

}  // namespace sov::probes
