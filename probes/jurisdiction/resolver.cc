// SPDX-License-Identifier: Apache-2.0
#include "probes/jurisdiction/resolver.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "daemon/net/net.h"

namespace sov::probes::jurisdiction {
namespace {

using model::Json;
using model::Source;
using model::SourceKind;

int confidence_rank(std::string_view c) { return c == "H" ? 3 : c == "M" ? 2 : c == "L" ? 1 : 0; }

int method_rank(std::string_view m) {
  return m == "hostname" ? 4 : m == "prefix" ? 3 : m == "asn" ? 2 : m == "certificate" ? 1 : 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The host of "host:port", "[v6]:port", "https://host:port/path" or a bare host.
std::string host_of(std::string_view text) {
  size_t scheme = text.find("://");
  if (scheme != std::string_view::npos) text = text.substr(scheme + 3);
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) text = text.substr(0, slash);
  size_t at = text.rfind('@');
  if (at != std::string_view::npos) text = text.substr(at + 1);
  if (parse_ip(text))
    return std::string(text.front() == '[' ? text.substr(1, text.size() - 2) : text);
  if (auto hp = net::parse_host_port(text)) return hp->host;
  return std::string(text);
}

const Json* at(const Json& doc, std::initializer_list<const char*> keys) {
  const Json* node = &doc;
  for (const char* k : keys) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(k);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

std::string str_at(const Json& doc, std::initializer_list<const char*> keys) {
  const Json* v = at(doc, keys);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string provenance_where(const Provenance& p) {
  return p.file + (p.url.empty() ? "" : " (" + p.url + ")");
}

Source derived(const Provenance& p) {
  return Source{SourceKind::kDerived, provenance_where(p), p.as_of};
}

bool fact_present(const model::Facts& facts, const std::string& path) {
  auto fp = model::FactPath::parse(path);
  const Json* v = fp ? facts.find(*fp) : nullptr;
  return v && !v->is_null();
}

// provider.ownership.holders[]: each holder with its own source in the list entry (the list's
// Source is the first holder's: Facts keep one source per path).
void enrich_holders(const Provider& p, model::Facts* facts, TimePoint now) {
  if (p.holders.empty()) {
    if (!fact_present(*facts, "provider.ownership.holders")) {
      (void)facts->set("provider.ownership.holders", nullptr,
                       derived(Provenance{p.file, 0, "", "", now, "U", ""}));
    }
    return;
  }
  Json list = Json::array();
  for (const auto& h : p.holders) {
    list.push_back(
        {{"name", h.name},
         {"country", h.country.empty() ? Json(nullptr) : Json(h.country)},
         {"eu", h.country.empty() ? Json(nullptr) : Json(is_eu27(h.country))},
         {"capital_pct", h.capital_pct},
         {"voting_pct", h.voting_pct},
         {"confidence", h.provenance.confidence},
         {"source", provenance_where(h.provenance)},
         {"as_of", h.provenance.as_of ? Json(format_date(*h.provenance.as_of)) : Json(nullptr)}});
  }
  (void)facts->set("provider.ownership.holders", list, derived(p.holders.front().provenance));
}

// provider.offer.* and the offer's certifications: the offer the target declares
// (service.offer), else the one offer running in its region. A provider whose qualifications
// differ per offer gets null certifications (with the reason) when the offer is not known:
// never the best offer's status by default.
void enrich_offer(const Provider& p, const model::Target& target, const std::string& region,
                  model::Facts* facts, const Source& engine, TimePoint now) {
  if (p.offers.empty()) return;
  const Offer* offer = nullptr;
  std::string method, reason;
  std::string ids;
  for (const auto& o : p.offers) ids += (ids.empty() ? "" : ", ") + o.id;
  std::string declared = str_at(target.declared, {"service", "offer"});
  if (!declared.empty()) {
    offer = p.find_offer(declared);
    method = "declared";
    if (!offer) reason = "declared offer '" + declared + "' is not one of " + p.id + "'s: " + ids;
  } else if (!region.empty() && (offer = p.offer_in_region(region)) != nullptr) {
    method = "region";
  } else {
    reason = p.id + "'s qualifications differ per offer (" + ids +
             "): declare the target's service.offer";
  }
  auto text = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  (void)facts->set("provider.offer.id", offer ? Json(offer->id) : Json(nullptr), engine);
  (void)facts->set("provider.offer.name", offer ? Json(offer->name) : Json(nullptr), engine);
  (void)facts->set("provider.offer.method", text(offer ? method : "none"), engine);
  (void)facts->set("provider.offer.reason", text(reason), engine);
  for (const auto& k : registry_keys()) {
    if (!k.key.starts_with("certifications.")) continue;
    std::string path = "provider." + std::string(k.key);
    const RegistryValue* v = nullptr;
    if (offer) {
      auto it = offer->facts.find(std::string(k.key));
      if (it != offer->facts.end()) v = &it->second;
    }
    if (v && !v->value.is_null()) {
      (void)facts->set(path, v->value, derived(v->provenance));
    } else if (k.key.starts_with("certifications.secnumcloud.") && !fact_present(*facts, path)) {
      Provenance none =
          v ? v->provenance : Provenance{p.file, offer ? offer->line : 0, "", "", now, "U", reason};
      (void)facts->set(path, nullptr, derived(none));
    }
  }
}

std::string read_text(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  *ok = static_cast<bool>(in) || in.eof();
  return ss.str();
}

}  // namespace

Resolver::Resolver(Registry registry) : registry_(std::move(registry)) {
  for (const auto& [id, p] : registry_.providers()) {
    for (const auto& pfx : p.prefixes) {
      std::string as_of = p.network.as_of ? format_date(*p.network.as_of) : "";
      prefixes_.add(
          {pfx, id, "", "", "", provenance_where(p.network), as_of, p.network.confidence});
    }
  }
}

Result<Resolver> Resolver::open(const std::string& dir, const std::string& mmdb_path,
                                Diagnostics* diags) {
  auto reg = load_registry(dir, diags);
  if (!reg) return reg.error();
  Resolver r(std::move(*reg));
  std::error_code ec;
  std::filesystem::path imported = std::filesystem::path(dir) / "imported";
  if (std::filesystem::is_directory(imported, ec)) {
    std::vector<std::string> files;
    for (std::filesystem::directory_iterator it(imported, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().extension() == ".json") files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      bool ok = false;
      std::string text = read_text(f, &ok);
      if (!ok) return fail(ErrorCode::kIo, f + ": cannot read");
      auto t = ImportedTable::from_json(text, f);
      if (!t) return t.error();
      r.add_imported(*t);
    }
  }
  if (!mmdb_path.empty()) {
    auto db = open_maxmind(mmdb_path);
    if (!db) return db.error();
    r.set_database(*db);
  }
  return r;
}

void Resolver::add_imported(const ImportedTable& table) {
  for (auto e : table.prefixes) {
    if (e.country.empty() && !e.region.empty()) e.country = region_country(e.provider, e.region);
    prefixes_.add(std::move(e));
  }
}

std::string Resolver::region_country(const std::string& provider, const std::string& region) const {
  const Provider* p = registry_.find(provider);
  if (!p) return "";
  auto it = p->regions.find(region);
  return it == p->regions.end() ? "" : it->second.country;
}

void Resolver::observe_host(std::string_view host, std::vector<Observation>* out) const {
  for (const auto& [id, p] : registry_.providers()) {
    for (const auto& pat : p.hostnames) {
      auto region = pat.match(host);
      if (!region) continue;
      Observation o;
      o.method = "hostname";
      o.subject = std::string(host);
      o.provider = id;
      o.confidence = p.network.confidence;
      o.detail = pat.text + " (" + p.file + ")";
      if (!region->empty()) {
        auto r = p.regions.find(*region);
        if (r != p.regions.end()) {
          o.region = *region;
          o.country = r->second.country;
          if (confidence_rank(r->second.confidence) < confidence_rank(o.confidence))
            o.confidence = r->second.confidence;
        } else {
          // A label in the region slot that the registry does not know: not a region of this
          // provider (e.g. a bucket name), so the pattern does not decide the location.
          o.detail += "; '" + *region + "' is not a known region";
        }
      }
      out->push_back(std::move(o));
      break;
    }
  }
}

void Resolver::observe_address(const IpAddress& ip, std::vector<Observation>* out) const {
  if (const PrefixInfo* e = prefixes_.lookup(ip)) {
    Observation o;
    o.method = "prefix";
    o.subject = ip.to_string();
    o.provider = e->provider;
    o.region = e->region;
    o.country = e->country;
    o.confidence = e->confidence.empty() ? "M" : e->confidence;
    o.detail = e->prefix + " (" + e->source + ")";
    out->push_back(std::move(o));
  }
  if (db_) {
    if (auto a = db_->lookup(ip)) {
      Observation o;
      o.method = "asn";
      o.subject = ip.to_string();
      o.country = a->country;
      o.asn = a->asn;
      o.as_org = a->as_org;
      o.confidence = "M";
      o.detail = db_->name();
      for (const auto& [id, p] : registry_.providers()) {
        if (a->asn && std::find(p.asns.begin(), p.asns.end(), a->asn) != p.asns.end()) {
          o.provider = id;
          break;
        }
      }
      out->push_back(std::move(o));
    }
  }
}

void Resolver::observe_organisation(std::string_view org, std::vector<Observation>* out) const {
  std::string o = lower(org);
  for (const auto& [id, p] : registry_.providers()) {
    std::vector<std::string> names = p.cert_organisations;
    if (!p.legal_entity().empty()) names.push_back(p.legal_entity());
    for (const auto& n : names) {
      if (lower(n) != o) continue;
      Observation ob;
      ob.method = "certificate";
      ob.subject = std::string(org);
      ob.provider = id;
      ob.confidence = "L";  // a certificate names who holds the key, not who hosts the data
      ob.detail = "subject O = legal entity in " + p.file;
      out->push_back(std::move(ob));
      return;
    }
  }
}

Resolution Resolver::resolve(std::string_view host_or_ip) const {
  Resolution r;
  std::string host = host_of(host_or_ip);
  if (auto ip = parse_ip(host)) {
    observe_address(*ip, &r.observations);
  } else {
    observe_host(host, &r.observations);
  }
  // Pick as resolve_target does.
  const Observation* best = nullptr;
  for (const auto& o : r.observations) {
    if (o.provider.empty()) continue;
    if (!best || confidence_rank(o.confidence) > confidence_rank(best->confidence) ||
        (confidence_rank(o.confidence) == confidence_rank(best->confidence) &&
         method_rank(o.method) > method_rank(best->method)))
      best = &o;
  }
  if (best) {
    r.provider = best->provider;
    r.method = best->method;
    r.confidence = best->confidence;
  } else {
    r.method = "none";
    r.confidence = "U";
    r.reason = "no hostname pattern, prefix or ASN of the registry matches '" + host + "'";
  }
  for (const auto& o : r.observations) {
    if (r.region.empty() && !o.region.empty()) r.region = o.region;
    if (r.country.empty() && !o.country.empty()) r.country = o.country;
  }
  return r;
}

Resolution Resolver::resolve_target(const model::Target& target, const model::Facts& facts) const {
  Resolution r;
  const Json& doc = facts.doc();
  // Hosts and addresses: the target's spec, its probe's endpoint facts, declared net.*.
  std::vector<std::string> hosts;
  auto add_host = [&](const std::string& h) {
    if (!h.empty() && std::find(hosts.begin(), hosts.end(), lower(h)) == hosts.end())
      hosts.push_back(lower(h));
  };
  for (const char* key : {"endpoint", "host", "hostname", "url", "server_name", "sni",
                          "endpoint_url", "bucket_endpoint"}) {
    auto it = target.spec.find(key);
    if (it != target.spec.end() && it->is_string()) add_host(host_of(it->get<std::string>()));
  }
  add_host(str_at(doc, {"tls", "endpoint", "host"}));
  add_host(str_at(doc, {"tls", "endpoint", "sni"}));
  // A path on a network file system is stored on its server (path probe, issue 5).
  add_host(str_at(doc, {"path", "network", "server"}));
  std::string connected = str_at(doc, {"tls", "endpoint", "address"});
  if (!connected.empty()) add_host(host_of(connected));
  if (const Json* names = at(target.declared, {"net", "hostnames"}); names && names->is_array()) {
    for (const auto& n : *names)
      if (n.is_string()) add_host(n.get<std::string>());
  }
  if (const Json* addrs = at(target.declared, {"net", "addresses"}); addrs && addrs->is_array()) {
    for (const auto& a : *addrs) {
      if (a.is_string()) add_host(a.get<std::string>());
      if (a.is_object() && a.contains("ip") && a["ip"].is_string())
        add_host(a["ip"].get<std::string>());
    }
  }
  for (const auto& h : hosts) {
    if (auto ip = parse_ip(h)) {
      size_t before = r.observations.size();
      observe_address(*ip, &r.observations);
      if (r.observations.size() == before) {
        r.observations.push_back({"prefix", ip->to_string(), "", "", "", "U",
                                  "no prefix table or database entry", 0, ""});
      }
    } else {
      observe_host(h, &r.observations);
    }
  }
  std::string org = str_at(doc, {"tls", "leaf", "subject", "o"});
  if (!org.empty()) observe_organisation(org, &r.observations);

  // The observed provider: highest confidence, then strongest method.
  const Observation* best = nullptr;
  std::set<std::string> seen;
  for (const auto& o : r.observations) {
    if (o.provider.empty()) continue;
    seen.insert(o.provider);
    if (!best || confidence_rank(o.confidence) > confidence_rank(best->confidence) ||
        (confidence_rank(o.confidence) == confidence_rank(best->confidence) &&
         method_rank(o.method) > method_rank(best->method)))
      best = &o;
  }
  if (seen.size() > 1 && best) {
    for (const auto& o : r.observations) {
      if (!o.provider.empty() && o.provider != best->provider)
        r.conflicts.push_back(best->method + "=" + best->provider + " vs " + o.method + "=" +
                              o.provider + " (" + o.subject + ")");
    }
  }
  std::string declared_id = str_at(target.declared, {"provider", "id"});
  if (best) {
    r.provider = best->provider;
    r.method = best->method;
    r.confidence = best->confidence;
  } else if (!declared_id.empty() && registry_.find(declared_id)) {
    r.provider = declared_id;
    r.method = "declared";
    r.confidence = "M";
    r.observations.push_back(
        {"declared", declared_id, declared_id, "", "", "M", "declared provider.id", 0, ""});
  } else {
    r.method = "none";
    r.confidence = "U";
    r.reason = !declared_id.empty()
                   ? "declared provider '" + declared_id + "' is not in the registry" +
                         did_you_mean_suffix(declared_id, registry_.ids())
                   : "no declared provider id, and no hostname pattern, prefix, ASN or "
                     "certificate organisation of the registry matched";
  }
  // Location: the retained provider's observation first, then any observation.
  for (const auto& o : r.observations) {
    if (o.provider == r.provider && !o.region.empty() && r.region.empty()) r.region = o.region;
    if (o.provider == r.provider && !o.country.empty() && r.country.empty()) r.country = o.country;
  }
  for (const auto& o : r.observations) {
    if (r.country.empty() && !o.country.empty()) r.country = o.country;
  }
  return r;
}

void Resolver::enrich(const model::Target& target, model::Facts* facts, TimePoint now) const {
  Resolution r = resolve_target(target, *facts);
  Json& doc = facts->doc();
  const Source engine{SourceKind::kDerived, "jurisdiction", now};
  auto set = [&](const std::string& path, Json v, const Source& s) {
    (void)facts->set(path, std::move(v), s);
  };
  auto present = [&](const std::string& path) { return fact_present(*facts, path); };

  const Provider* p = r.provider.empty() ? nullptr : registry_.find(r.provider);
  std::string declared_id = str_at(target.declared, {"provider", "id"});
  set("provider.declared_id", declared_id.empty() ? Json(nullptr) : Json(declared_id), engine);
  std::string observed;
  for (const auto& o : r.observations)
    if (o.method != "declared" && !o.provider.empty() && o.provider == r.provider)
      observed = o.provider;
  set("provider.observed_id", observed.empty() ? Json(nullptr) : Json(observed), engine);
  set("provider.match.method", r.method, engine);
  set("provider.match.confidence", r.confidence, engine);
  set("provider.match.reason", r.reason.empty() ? Json(nullptr) : Json(r.reason), engine);
  set("provider.match.conflicts", r.conflicts, engine);
  Json obs = Json::array();
  for (const auto& o : r.observations) {
    obs.push_back({{"method", o.method},
                   {"subject", o.subject},
                   {"provider", o.provider.empty() ? Json(nullptr) : Json(o.provider)},
                   {"region", o.region.empty() ? Json(nullptr) : Json(o.region)},
                   {"country", o.country.empty() ? Json(nullptr) : Json(o.country)},
                   {"confidence", o.confidence},
                   {"detail", o.detail}});
  }
  set("provider.match.observations", obs, engine);

  if (p) {
    set("provider.known", true, engine);
    set("provider.id", p->id, engine);
    set("provider.name", p->name, engine);
    for (const auto& k : registry_keys()) {
      std::string path = "provider." + std::string(k.key);
      const RegistryValue* v = p->fact(k.key);
      if (v && !v->value.is_null()) {
        set(path, v->value, derived(v->provenance));
      } else if (!present(path)) {
        // A key the registry file does not hold: unknown as of this scan (so a rule's max_age
        // does not call the absence itself stale).
        Provenance none = v ? v->provenance : Provenance{p->file, 0, "", "", now, "U", ""};
        set(path, nullptr, derived(none));
      }
    }
    // provider.eu: seat, central administration and principal establishment all in the EU27.
    std::vector<const Json*> cs;
    for (const char* k :
         {"seat_country", "central_admin_country", "principal_establishment_country"}) {
      cs.push_back(at(doc, {"provider", k}));
    }
    bool any_null = false, all_eu = true;
    for (const Json* c : cs) {
      if (!c || !c->is_string()) {
        any_null = true;
      } else if (!is_eu27(c->get<std::string>())) {
        all_eu = false;
      }
    }
    Source eu_src = engine;
    if (const RegistryValue* v = p->fact("seat_country")) eu_src = derived(v->provenance);
    set("provider.eu", !all_eu ? Json(false) : any_null ? Json(nullptr) : Json(true), eu_src);
    enrich_holders(*p, facts, now);
  } else {
    set("provider.known", false, engine);
    if (!present("provider.id")) set("provider.id", nullptr, engine);
  }

  // Location: observed wins over declared; a declared region gets its country from the registry.
  std::string declared_region = str_at(target.declared, {"location", "region"});
  std::string declared_country = str_at(target.declared, {"location", "country"});
  Source loc_src{SourceKind::kDerived,
                 "jurisdiction: " + r.method + (p ? " (" + p->file + ")" : std::string()),
                 p && p->network.as_of ? p->network.as_of : std::optional<TimePoint>(now)};
  std::string region = r.region;
  std::string country = r.country;
  if (region.empty() && !declared_region.empty() && p) {
    region = declared_region;
    if (country.empty()) country = region_country(p->id, declared_region);
  }
  if (!region.empty()) set("location.region", region, loc_src);
  if (!country.empty()) set("location.country", country, loc_src);
  if (!region.empty() && !country.empty() && !doc.contains("storage")) {
    set("storage.locations",
        Json::array({{{"country", country}, {"region", region}, {"role", "primary"}}}), loc_src);
  }
  if (p) enrich_offer(*p, target, region, facts, engine, now);

  // Declared against observed.
  std::vector<std::string> reasons;
  bool compared = false;
  if (!declared_id.empty() && !observed.empty()) {
    compared = true;
    if (declared_id != observed)
      reasons.push_back("declared provider '" + declared_id + "', observed '" + observed + "'");
  }
  for (const auto& c : r.conflicts)
    if (!declared_id.empty()) reasons.push_back("observations disagree: " + c);
  std::string obs_region, obs_country;
  for (const auto& o : r.observations) {
    if (o.method == "declared") continue;
    if (obs_region.empty() && !o.region.empty()) obs_region = o.region;
    if (obs_country.empty() && !o.country.empty()) obs_country = o.country;
  }
  if (!declared_region.empty() && !obs_region.empty()) {
    compared = true;
    if (declared_region != obs_region)
      reasons.push_back("declared region '" + declared_region + "', observed '" + obs_region + "'");
  }
  if (!declared_country.empty() && !obs_country.empty()) {
    compared = true;
    if (declared_country != obs_country)
      reasons.push_back("declared country " + declared_country + ", observed " + obs_country);
  }
  set("provider.consistent",
      !reasons.empty() ? Json(false)
      : compared       ? Json(true)
                       : Json(nullptr),
      engine);
  set("provider.consistency.reasons",
      reasons.empty() && !compared
          ? Json::array({"nothing observed to compare with the declaration"})
          : Json(reasons),
      engine);

  // net.addresses[]: one entry per address observation.
  Json addrs = Json::array();
  std::set<std::string> done;
  for (const auto& o : r.observations) {
    if (o.method != "prefix" && o.method != "asn") continue;
    if (!done.insert(o.subject).second) {
      for (auto& a : addrs) {
        if (a["ip"] != o.subject) continue;
        if (o.asn) a["asn"] = o.asn;
        if (!o.as_org.empty()) a["as_org"] = o.as_org;
        if (a["country"].is_null() && !o.country.empty()) a["country"] = o.country;
        if (a["provider"].is_null() && !o.provider.empty()) a["provider"] = o.provider;
      }
      continue;
    }
    addrs.push_back({{"ip", o.subject},
                     {"asn", o.asn ? Json(o.asn) : Json(nullptr)},
                     {"as_org", o.as_org.empty() ? Json(nullptr) : Json(o.as_org)},
                     {"country", o.country.empty() ? Json(nullptr) : Json(o.country)},
                     {"provider", o.provider.empty() ? Json(nullptr) : Json(o.provider)},
                     {"region", o.region.empty() ? Json(nullptr) : Json(o.region)},
                     {"method", o.method},
                     {"detail", o.detail}});
  }
  if (!addrs.empty() || !present("net.addresses")) set("net.addresses", addrs, engine);
}

}  // namespace sov::probes::jurisdiction
