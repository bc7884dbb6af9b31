// SPDX-License-Identifier: Apache-2.0
#include "probes/jurisdiction/registry.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "probes/jurisdiction/prefix_table.h"

namespace sov::probes::jurisdiction {
namespace {

constexpr size_t kMaxFileBytes = size_t{1} << 20;

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }
int col_of(const YAML::Node& n) { return n.Mark().column >= 0 ? n.Mark().column + 1 : 0; }

struct Lint {
  Diagnostics* d;
  void error(const YAML::Node& n, std::string msg) { d->error(line_of(n), col_of(n), msg); }
  void warning(const YAML::Node& n, std::string msg) { d->warning(line_of(n), col_of(n), msg); }

  // Unknown and missing keys of a mapping; the position of a key is its own node's.
  bool keys(const YAML::Node& map, const std::vector<std::string>& allowed,
            const std::vector<std::string>& required, std::string_view what) {
    if (!map.IsMap()) {
      error(map, std::string(what) + " must be a mapping");
      return false;
    }
    bool ok = true;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string k = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        error(it->first,
              "unknown key '" + k + "' in " + std::string(what) + did_you_mean_suffix(k, allowed));
        ok = false;
      }
      if (!seen.insert(k).second) {
        error(it->first, "duplicate key '" + k + "' in " + std::string(what));
        ok = false;
      }
    }
    for (const auto& r : required) {
      if (!seen.count(r)) {
        error(map, "missing key '" + r + "' in " + std::string(what));
        ok = false;
      }
    }
    return ok;
  }
};

bool is_country(const std::string& s) {
  return s.size() == 2 && std::isupper(static_cast<unsigned char>(s[0])) &&
         std::isupper(static_cast<unsigned char>(s[1]));
}

bool is_confidence(const std::string& s) { return s == "H" || s == "M" || s == "L" || s == "U"; }

// YAML scalar to JSON under the core schema: plain true/false, integers, decimals; else string.
model::Json scalar_json(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  static const std::regex kInt("-?[0-9]+");
  static const std::regex kNum("-?[0-9]+\\.[0-9]+");
  if (std::regex_match(s, kInt)) return std::stoll(s);
  if (std::regex_match(s, kNum)) return std::stod(s);
  return s;
}

model::Json node_json(const YAML::Node& n) {
  if (!n || n.IsNull()) return nullptr;
  if (n.IsScalar()) return scalar_json(n);
  if (n.IsSequence()) {
    model::Json a = model::Json::array();
    for (const auto& e : n) a.push_back(node_json(e));
    return a;
  }
  model::Json o = model::Json::object();
  for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = node_json(it->second);
  return o;
}

// Checks `value` against the kind of its key; reports at `at`.
void check_value(Lint& lint, const YAML::Node& at, std::string_view key, std::string_view kind,
                 const model::Json& v) {
  std::string k(key);
  auto bad = [&](const std::string& want) {
    lint.error(at, "'" + k + "' must be " + want + ", not " + v.dump());
  };
  if (v.is_null()) return;
  if (kind == "string") {
    if (!v.is_string()) bad("a string");
  } else if (kind == "country") {
    if (!v.is_string() || !is_country(v.get<std::string>())) bad("an ISO 3166-1 alpha-2 code");
  } else if (kind == "pct") {
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 100) bad("a percentage 0-100");
  } else if (kind == "bool") {
    if (!v.is_boolean()) bad("true or false");
  } else if (kind == "list") {
    if (!v.is_array()) {
      bad("a list of strings");
    } else {
      for (const auto& e : v)
        if (!e.is_string()) bad("a list of strings");
    }
  } else if (kind == "date") {
    if (!v.is_string() || !is_calendar_date(v.get<std::string>()) ||
        !parse_time(v.get<std::string>()))
      bad("a date YYYY-MM-DD");
  } else if (kind == "snc_status") {
    static const std::vector<std::string> kStatuses = {"none", "in_process", "qualified", "expired",
                                                       "unknown"};
    if (!v.is_string() ||
        std::find(kStatuses.begin(), kStatuses.end(), v.get<std::string>()) == kStatuses.end()) {
      std::string got = v.is_string() ? v.get<std::string>() : v.dump();
      lint.error(at, "'" + k + "' must be one of none, in_process, qualified, expired, unknown" +
                         did_you_mean_suffix(got, kStatuses));
    }
  } else if (kind == "hds_version") {
    if (!v.is_number_integer() || (v.get<int>() != 1 && v.get<int>() != 2)) bad("1 or 2");
  } else if (kind == "activities") {
    bool ok = v.is_array();
    if (ok)
      for (const auto& e : v) ok = ok && e.is_number_integer() && e >= 1 && e <= 6;
    if (!ok) bad("a list of HDS activities 1 to 6");
  }
}

struct SourceDef {
  std::string title, url;
  std::optional<TimePoint> as_of;
};

std::optional<TimePoint> read_date(Lint& lint, const YAML::Node& n, std::string_view what) {
  if (!n.IsScalar() || !is_calendar_date(n.Scalar()) || !parse_time(n.Scalar())) {
    lint.error(n, std::string(what) + " must be a date YYYY-MM-DD");
    return std::nullopt;
  }
  return parse_time(n.Scalar());
}

std::string read_confidence(Lint& lint, const YAML::Node& n) {
  if (!n.IsScalar() || !is_confidence(n.Scalar())) {
    lint.error(n, "confidence must be H, M, L or U" +
                      (n.IsScalar() ? did_you_mean_suffix(n.Scalar(), {"H", "M", "L", "U"})
                                    : std::string()));
    return "U";
  }
  return n.Scalar();
}

void parse_network(Lint& lint, const YAML::Node& net, const std::map<std::string, SourceDef>& src,
                   const std::string& file, Provider* p) {
  if (!lint.keys(net,
                 {"source", "confidence", "asns", "hostnames", "regions", "prefixes",
                  "cert_organisations", "note"},
                 {"source", "confidence"}, "network"))
    return;
  const std::string key = net["source"].Scalar();
  auto s = src.find(key);
  if (s == src.end()) {
    lint.error(net["source"], "unknown source '" + key + "'");
  } else {
    p->network = {file, line_of(net), s->second.title, s->second.url, s->second.as_of, "", ""};
  }
  p->network.confidence = read_confidence(lint, net["confidence"]);
  if (auto a = net["asns"]) {
    if (!a.IsSequence()) lint.error(a, "asns must be a list of AS numbers");
    for (const auto& e : a) {
      auto v = node_json(e);
      if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > 4294967295LL)
        lint.error(e, "an AS number must be an integer 1-4294967295");
      else
        p->asns.push_back(v.get<int64_t>());
    }
  }
  if (auto h = net["hostnames"]) {
    if (!h.IsSequence()) lint.error(h, "hostnames must be a list of patterns");
    for (const auto& e : h) {
      auto hp = parse_host_pattern(e.IsScalar() ? e.Scalar() : std::string());
      if (!hp) {
        lint.error(e, hp.error().message());
        continue;
      }
      p->hostnames.push_back(*hp);
    }
  }
  if (auto r = net["regions"]) {
    if (!r.IsMap()) lint.error(r, "regions must map a region id to a country");
    for (auto it = r.begin(); r.IsMap() && it != r.end(); ++it) {
      Region region{it->first.Scalar(), "", p->network.confidence};
      const YAML::Node v = it->second;
      if (v.IsMap()) {
        if (!lint.keys(v, {"country", "confidence", "note"}, {"country"}, "region")) continue;
        if (v["confidence"]) region.confidence = read_confidence(lint, v["confidence"]);
      }
      // yaml-cpp's Node::operator= writes through to the node: never reassign a Node.
      const YAML::Node country = v.IsMap() ? v["country"] : v;
      if (!country.IsScalar() || !is_country(country.Scalar())) {
        lint.error(country, "region '" + region.id + "' needs an ISO 3166-1 alpha-2 country");
        continue;
      }
      region.country = country.Scalar();
      p->regions[region.id] = region;
    }
  }
  if (auto pr = net["prefixes"]) {
    if (!pr.IsSequence()) lint.error(pr, "prefixes must be a list of CIDR prefixes");
    for (const auto& e : pr) {
      std::string text = e.IsScalar() ? e.Scalar() : std::string();
      if (!parse_prefix(text)) {
        lint.error(e, "'" + text + "' is not a CIDR prefix (192.0.2.0/24, 2001:db8::/32)");
        continue;
      }
      p->prefixes.push_back(text);
    }
  }
  if (auto c = net["cert_organisations"]) {
    for (const auto& e : c) p->cert_organisations.push_back(e.Scalar());
  }
}

}  // namespace

const std::vector<RegistryKey>& registry_keys() {
  static const std::vector<RegistryKey> kKeys = {
      {"legal_entity", "string", "legal entity operating the service"},
      {"registry_id", "string", "company registry id (SIREN, HRB)"},
      {"seat_country", "country", "country of the registered office"},
      {"central_admin_country", "country", "country of the central administration"},
      {"principal_establishment_country", "country", "country of the principal establishment"},
      {"ultimate_parent.name", "string", "ultimate parent company"},
      {"ultimate_parent.country", "country", "country of the ultimate parent"},
      {"ownership.non_eu_max_single_pct", "pct", "largest non-EU holding, percent"},
      {"ownership.non_eu_total_pct", "pct", "all non-EU holdings, percent"},
      {"non_eu_veto", "bool", "a non-EU entity holds a veto right"},
      {"non_eu_board_majority", "bool", "non-EU entities appoint a board majority"},
      {"extraterritorial_laws", "list", "non-EU laws with extraterritorial reach"},
      {"exposed_third_country_law", "bool", "exposed to third-country law allowing access"},
      {"subprocessors.non_eu_technical_access", "bool", "a non-EU party can obtain the data"},
      {"transfers.non_eea_access", "bool", "data accessed from outside the EEA"},
      {"transfers.countries", "list", "countries data is accessed from outside the EEA"},
      {"transfers.legal_basis", "string", "adequacy, scc, bcr or none"},
      {"transfers.mapping_url", "string", "published map of non-EEA transfers (HDS 31)"},
      {"certifications.secnumcloud.status", "snc_status", "SecNumCloud status"},
      {"certifications.secnumcloud.milestone", "string", "J0, J1, J2 while in process"},
      {"certifications.secnumcloud.offer", "string", "the qualified offer"},
      {"certifications.secnumcloud.qualified_on", "date", "date of qualification"},
      {"certifications.secnumcloud.expires", "date", "end of the qualification"},
      {"certifications.hds.certified", "bool", "holds an HDS certificate"},
      {"certifications.hds.version", "hds_version", "HDS referential version"},
      {"certifications.hds.activities", "activities", "certified HDS activities"},
      {"certifications.hds.expires", "date", "end of the HDS certificate"},
  };
  return kKeys;
}

Result<HostPattern> parse_host_pattern(std::string_view text) {
  HostPattern hp;
  hp.text = std::string(text);
  if (text.empty()) return fail(ErrorCode::kInvalidInput, "a hostname pattern must be a string");
  int regions = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    std::string label(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (label.empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "hostname pattern '" + hp.text + "' has an empty label");
    }
    size_t r = label.find("{region}");
    if (r != std::string::npos) ++regions;
    std::string rest = r == std::string::npos ? label : label.substr(0, r) + label.substr(r + 8);
    for (char c : rest) {
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                (c == '*' && (label == "*" || label == "**"));
      if (!ok) {
        return fail(ErrorCode::kInvalidInput, "hostname pattern '" + hp.text + "': label '" +
                                                  label +
                                                  "' may hold letters, digits, '-', {region}, "
                                                  "or be * or **");
      }
    }
    hp.labels.push_back(label);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (regions > 1) {
    return fail(ErrorCode::kInvalidInput, "hostname pattern '" + hp.text + "' has two {region}");
  }
  return hp;
}

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool match_labels(const std::vector<std::string>& pat, size_t pi,
                  const std::vector<std::string_view>& host, size_t hi, std::string* region) {
  if (pi == pat.size()) return hi == host.size();
  if (hi == host.size()) return false;
  const std::string& p = pat[pi];
  if (p == "**") {
    for (size_t k = hi + 1; k <= host.size(); ++k)
      if (match_labels(pat, pi + 1, host, k, region)) return true;
    return false;
  }
  std::string_view h = host[hi];
  if (p == "*") return match_labels(pat, pi + 1, host, hi + 1, region);
  size_t r = p.find("{region}");
  if (r == std::string::npos) {
    return iequal(p, h) && match_labels(pat, pi + 1, host, hi + 1, region);
  }
  std::string_view pre = std::string_view(p).substr(0, r);
  std::string_view post = std::string_view(p).substr(r + 8);
  if (h.size() <= pre.size() + post.size()) return false;
  if (!iequal(h.substr(0, pre.size()), pre) || !iequal(h.substr(h.size() - post.size()), post))
    return false;
  std::string saved = *region;
  std::string captured(h.substr(pre.size(), h.size() - pre.size() - post.size()));
  std::transform(captured.begin(), captured.end(), captured.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  *region = captured;
  if (match_labels(pat, pi + 1, host, hi + 1, region)) return true;
  *region = saved;
  return false;
}

}  // namespace

std::optional<std::string> HostPattern::match(std::string_view host) const {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::string region;
  if (match_labels(labels, 0, parts, 0, &region)) return region;
  return std::nullopt;
}

const RegistryValue* Provider::fact(std::string_view key) const {
  auto it = facts.find(std::string(key));
  return it == facts.end() ? nullptr : &it->second;
}

std::string Provider::legal_entity() const {
  const RegistryValue* v = fact("legal_entity");
  return v && v->value.is_string() ? v->value.get<std::string>() : std::string();
}

const Offer* Provider::find_offer(std::string_view id_or_name) const {
  for (const auto& o : offers) {
    if (iequal(o.id, id_or_name) || iequal(o.name, id_or_name)) return &o;
  }
  return nullptr;
}

const Offer* Provider::offer_in_region(std::string_view region) const {
  const Offer* found = nullptr;
  for (const auto& o : offers) {
    if (std::find(o.regions.begin(), o.regions.end(), region) == o.regions.end()) continue;
    if (found != nullptr) return nullptr;
    found = &o;
  }
  return found;
}

const Provider* Registry::find(std::string_view id) const {
  auto it = providers_.find(std::string(id));
  return it == providers_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, p] : providers_) out.push_back(id);
  return out;
}

void Registry::add(Provider p) { providers_[p.id] = std::move(p); }

namespace {

std::optional<Provider> parse_provider_unguarded(const std::string& file, std::string_view text,
                                                 Diagnostics* diags);

}  // namespace

std::optional<Provider> parse_provider(const std::string& file, std::string_view text,
                                       Diagnostics* diags) {
  try {
    return parse_provider_unguarded(file, text, diags);
  } catch (const YAML::Exception& e) {
    diags->error(e.mark.line + 1, e.mark.column + 1, e.msg);
  } catch (const std::exception& e) {
    diags->error(0, 0, e.what());
  }
  return std::nullopt;
}

namespace {

// The provenance a `source:` key names; an unknown key is reported at `at`.
Provenance provenance_of(Lint& lint, const YAML::Node& at,
                         const std::map<std::string, SourceDef>& sources, const std::string& file,
                         int line) {
  Provenance pv;
  pv.file = file;
  pv.line = line;
  auto s = sources.find(at.Scalar());
  if (s == sources.end()) {
    std::vector<std::string> names;
    for (const auto& [n, d] : sources) names.push_back(n);
    lint.error(at,
               "unknown source '" + at.Scalar() + "'" + did_you_mean_suffix(at.Scalar(), names));
  } else {
    pv.source_title = s->second.title;
    pv.url = s->second.url;
    pv.as_of = s->second.as_of;
  }
  return pv;
}

// A `facts:` mapping (the provider's, or an offer's when `only_prefix` limits the keys).
void parse_facts(Lint& lint, const YAML::Node& facts,
                 const std::map<std::string, SourceDef>& sources, const std::string& file,
                 std::string_view only_prefix, std::map<std::string, RegistryValue>* out) {
  std::vector<std::string> key_names;
  for (const auto& k : registry_keys()) {
    if (k.key.starts_with(only_prefix)) key_names.emplace_back(k.key);
  }
  if (!facts.IsMap()) {
    lint.error(facts, "facts must be a mapping of fact keys to {value, source, confidence}");
    return;
  }
  std::set<std::string> seen;
  for (auto it = facts.begin(); it != facts.end(); ++it) {
    std::string key = it->first.Scalar();
    auto kit = std::find_if(registry_keys().begin(), registry_keys().end(),
                            [&](const RegistryKey& k) { return k.key == key; });
    if (kit == registry_keys().end() || !key.starts_with(only_prefix)) {
      std::string where = only_prefix.empty()
                              ? ""
                              : " (an offer holds " + std::string(only_prefix) + "* facts only)";
      lint.error(it->first,
                 "unknown fact '" + key + "'" + where + did_you_mean_suffix(key, key_names));
      continue;
    }
    if (!seen.insert(key).second) {
      lint.error(it->first, "duplicate fact '" + key + "'");
      continue;
    }
    const YAML::Node& f = it->second;
    if (!lint.keys(f, {"value", "source", "confidence", "as_of", "note"},
                   {"value", "source", "confidence"}, "fact '" + key + "'"))
      continue;
    RegistryValue rv;
    rv.value = node_json(f["value"]);
    check_value(lint, f["value"], key, kit->kind, rv.value);
    rv.provenance = provenance_of(lint, f["source"], sources, file, line_of(it->first));
    rv.provenance.confidence = read_confidence(lint, f["confidence"]);
    if (f["as_of"]) rv.provenance.as_of = read_date(lint, f["as_of"], "as_of");
    if (f["note"]) rv.provenance.note = f["note"].Scalar();
    if (rv.value.is_null() && rv.provenance.confidence != "U") {
      lint.error(f["confidence"], "an unknown value (null) must have confidence U");
    }
    (*out)[key] = std::move(rv);
  }
}

// `holders:` a list of {name, country, capital_pct, voting_pct, source, confidence, note}.
// Known non-EU holdings may not exceed what the ownership facts say (they are derived from the
// same sources; a contradiction is a curation error).
void parse_holders(Lint& lint, const YAML::Node& list,
                   const std::map<std::string, SourceDef>& sources, const std::string& file,
                   Provider* p) {
  if (!list.IsSequence()) {
    lint.error(list,
               "holders must be a list of {name, country, capital_pct, voting_pct, source, "
               "confidence}");
    return;
  }
  double max_single = 0, total = 0;
  for (const auto& h : list) {
    if (!lint.keys(
            h, {"name", "country", "capital_pct", "voting_pct", "source", "confidence", "note"},
            {"name", "country", "capital_pct", "voting_pct", "source", "confidence"}, "holder"))
      continue;
    Holder holder;
    holder.name = h["name"].Scalar();
    model::Json country = node_json(h["country"]);
    check_value(lint, h["country"], "country", "country", country);
    holder.country = country.is_string() ? country.get<std::string>() : "";
    holder.capital_pct = node_json(h["capital_pct"]);
    holder.voting_pct = node_json(h["voting_pct"]);
    check_value(lint, h["capital_pct"], "capital_pct", "pct", holder.capital_pct);
    check_value(lint, h["voting_pct"], "voting_pct", "pct", holder.voting_pct);
    holder.provenance = provenance_of(lint, h["source"], sources, file, line_of(h));
    holder.provenance.confidence = read_confidence(lint, h["confidence"]);
    if (h["note"]) holder.provenance.note = h["note"].Scalar();
    if (is_country(holder.country) && !is_eu27(holder.country) && holder.capital_pct.is_number()) {
      max_single = std::max(max_single, holder.capital_pct.get<double>());
      total += holder.capital_pct.get<double>();
    }
    p->holders.push_back(std::move(holder));
  }
  auto check = [&](const char* key, double derived) {
    const RegistryValue* v = p->fact(key);
    if (v && v->value.is_number() && derived > v->value.get<double>()) {
      std::ostringstream pct;
      pct << derived;
      lint.error(list, "the non-EU holders listed hold " + pct.str() + " %, more than " + key +
                           " = " + v->value.dump());
    }
  };
  check("ownership.non_eu_max_single_pct", max_single);
  check("ownership.non_eu_total_pct", total);
}

// `offers:` a list of {id, name, regions, facts}; a provider with offers keeps its SecNumCloud
// facts there, not at the provider level (where they would wrongly cover every offer).
void parse_offers(Lint& lint, const YAML::Node& list,
                  const std::map<std::string, SourceDef>& sources, const std::string& file,
                  Provider* p) {
  if (!list.IsSequence()) {
    lint.error(list, "offers must be a list of {id, name, regions, facts}");
    return;
  }
  static const std::regex kId("[a-z0-9][a-z0-9-]*");
  std::set<std::string> ids;
  for (const auto& o : list) {
    if (!lint.keys(o, {"id", "name", "regions", "facts", "note"}, {"id", "name", "facts"}, "offer"))
      continue;
    Offer offer;
    offer.id = o["id"].Scalar();
    offer.name = o["name"].Scalar();
    offer.line = line_of(o);
    if (!std::regex_match(offer.id, kId)) {
      lint.error(o["id"], "offer id '" + offer.id + "' must be lower-case letters, digits, -");
    }
    if (!ids.insert(offer.id).second) lint.error(o["id"], "duplicate offer '" + offer.id + "'");
    if (auto r = o["regions"]) {
      if (!r.IsSequence()) lint.error(r, "an offer's regions must be a list of region ids");
      for (const auto& e : r) {
        if (!p->regions.count(e.Scalar())) {
          lint.error(e, "offer region '" + e.Scalar() + "' is not in network.regions");
        }
        offer.regions.push_back(e.Scalar());
      }
    }
    parse_facts(lint, o["facts"], sources, file, "certifications.", &offer.facts);
    p->offers.push_back(std::move(offer));
  }
  for (const auto& [key, v] : p->facts) {
    if (key.starts_with("certifications.secnumcloud.")) {
      lint.error(list, "provider-level '" + key + "' (line " + std::to_string(v.provenance.line) +
                           ") with offers: SecNumCloud is qualified per offer, move it into one");
    }
  }
}

}  // namespace

namespace {

std::optional<Provider> parse_provider_unguarded(const std::string& file, std::string_view text,
                                                 Diagnostics* diags) {
  diags->set_source(file, text);
  Lint lint{diags};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    diags->error(e.mark.line + 1, e.mark.column + 1, e.msg);
    return std::nullopt;
  }
  size_t before = diags->error_count();
  if (!lint.keys(root,
                 {"provider", "name", "sources", "facts", "network", "holders", "offers", "note"},
                 {"provider", "name", "sources", "facts"}, "provider file"))
    return std::nullopt;
  Provider p;
  p.file = file;
  p.id = root["provider"].Scalar();
  p.name = root["name"].Scalar();
  static const std::regex kId("[a-z0-9][a-z0-9-]*");
  if (!std::regex_match(p.id, kId)) {
    lint.error(root["provider"],
               "provider id '" + p.id + "' must be lower-case letters, digits, -");
  }
  std::string stem = std::filesystem::path(file).stem().string();
  if (stem != p.id) {
    lint.error(root["provider"],
               "provider id '" + p.id + "' must match the file name '" + stem + ".yaml'");
  }
  std::map<std::string, SourceDef> sources;
  const YAML::Node& src = root["sources"];
  if (!src.IsMap()) {
    lint.error(src, "sources must map a key to {title, url, as_of}");
  } else {
    for (auto it = src.begin(); it != src.end(); ++it) {
      const YAML::Node& s = it->second;
      if (!lint.keys(s, {"title", "url", "as_of"}, {"title", "url", "as_of"}, "source")) continue;
      SourceDef def{s["title"].Scalar(), s["url"].Scalar(), read_date(lint, s["as_of"], "as_of")};
      if (def.url.rfind("https://", 0) != 0 && def.url.rfind("http://", 0) != 0)
        lint.error(s["url"], "url must start with https:// or http://");
      sources[it->first.Scalar()] = def;
    }
  }
  parse_facts(lint, root["facts"], sources, file, "", &p.facts);
  if (root["network"]) parse_network(lint, root["network"], sources, file, &p);
  if (root["holders"]) parse_holders(lint, root["holders"], sources, file, &p);
  if (root["offers"]) parse_offers(lint, root["offers"], sources, file, &p);
  if (diags->error_count() > before) return std::nullopt;
  return p;
}

}  // namespace

Result<Registry> load_registry(const std::string& dir, Diagnostics* diags) {
  std::error_code ec;
  std::vector<std::string> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".yaml")
      files.push_back(it->path().string());
  }
  if (ec) return fail(ErrorCode::kIo, dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  Registry reg;
  bool ok = true;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    Diagnostics d;
    if (!in && !in.eof()) {
      d.set_source(f, "");
      d.error(0, 0, "cannot read the file");
      ok = false;
    } else if (text.size() > kMaxFileBytes) {
      d.set_source(f, "");
      d.error(0, 0, "file larger than 1 MiB");
      ok = false;
    } else if (auto p = parse_provider(f, text, &d)) {
      reg.add(std::move(*p));
    } else {
      ok = false;
    }
    diags->append(d);
  }
  if (!ok) return fail(ErrorCode::kInvalidInput, dir + ": the provider registry has errors");
  return reg;
}

bool is_eu27(std::string_view c) {
  static const std::set<std::string_view> kEu = {
      "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU",
      "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"};
  return kEu.count(c) > 0;
}

bool is_eea(std::string_view c) { return is_eu27(c) || c == "IS" || c == "LI" || c == "NO"; }

}  // namespace sov::probes::jurisdiction
