// SPDX-License-Identifier: Apache-2.0
#include "probes/jurisdiction/explain.h"

#include <set>
#include <sstream>

namespace sov::probes::jurisdiction {
namespace {

struct Link {
  const char* title;
  std::vector<const char*> paths;
  std::vector<const char*> prefixes;  // evidence paths that attach a finding to this link
};

const std::vector<Link>& links() {
  static const std::vector<Link> kLinks = {
      {"Location",
       {"location.region", "location.country", "storage.locations", "net.addresses"},
       {"location.", "storage.", "net.", "operations."}},
      {"Operator",
       {"provider.id", "provider.legal_entity", "provider.registry_id", "provider.seat_country",
        "provider.match.method", "provider.match.confidence", "provider.match.reason",
        "provider.declared_id", "provider.observed_id", "provider.consistent",
        "provider.consistency.reasons"},
       {"provider.id", "provider.legal_entity", "provider.seat_country", "provider.central_admin",
        "provider.principal_establishment", "provider.eu", "provider.match", "provider.declared",
        "provider.observed", "provider.consistent", "provider.consistency"}},
      {"Legal control",
       {"provider.ultimate_parent.name", "provider.ultimate_parent.country",
        "provider.ownership.non_eu_max_single_pct", "provider.ownership.non_eu_total_pct",
        "provider.non_eu_veto", "provider.non_eu_board_majority", "provider.extraterritorial_laws",
        "provider.exposed_third_country_law"},
       {"provider.ultimate_parent", "provider.ownership", "provider.non_eu",
        "provider.extraterritorial", "provider.exposed", "provider.subprocessors",
        "provider.transfers"}},
      {"Certifications",
       {"provider.certifications.secnumcloud.status", "provider.certifications.secnumcloud.offer",
        "provider.certifications.secnumcloud.qualified_on", "provider.certifications.hds.certified",
        "provider.certifications.hds.version", "provider.certifications.hds.activities"},
       {"provider.certifications", "service."}},
  };
  return kLinks;
}

std::string source_text(const model::Source* s) {
  if (!s) return "source unknown";
  std::string out(model::source_kind_name(s->kind));
  if (!s->where.empty()) out += ", " + s->where;
  out += ", " + (s->when ? format_date(*s->when) : std::string("date unknown"));
  return out;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

}  // namespace

std::string explain_chain(const model::Facts& facts, const std::vector<model::Finding>& findings) {
  std::ostringstream out;
  std::set<size_t> shown;
  for (const auto& link : links()) {
    out << link.title << "\n";
    for (const char* path : link.paths) {
      auto fp = model::FactPath::parse(path);
      const model::Json* v = fp ? facts.find(*fp) : nullptr;
      if (!v) continue;
      out << "  " << path << " = " << (v->is_null() ? "unknown" : v->dump()) << "  ["
          << source_text(facts.source_for(path)) << "]\n";
    }
    for (size_t i = 0; i < findings.size(); ++i) {
      if (shown.count(i)) continue;
      bool here = false;
      for (const auto& e : findings[i].evidence)
        for (const char* p : link.prefixes) here = here || starts_with(e.path, p);
      if (!here) continue;
      shown.insert(i);
      const auto& f = findings[i];
      out << "  -> " << f.rule_id << " " << model::status_name(f.status) << " ("
          << model::severity_name(f.severity) << "): " << f.title << "\n";
    }
  }
  bool header = false;
  for (size_t i = 0; i < findings.size(); ++i) {
    if (shown.count(i)) continue;
    if (!header) out << "Other findings\n";
    header = true;
    out << "  -> " << findings[i].rule_id << " " << model::status_name(findings[i].status) << ": "
        << findings[i].title << "\n";
  }
  return out.str();
}

}  // namespace sov::probes::jurisdiction
