// SPDX-License-Identifier: Apache-2.0
#include "probes/jurisdiction/importers.h"

#include <algorithm>
#include <cctype>

namespace sov::probes::jurisdiction {
namespace {

using model::Json;

std::string str(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "2024-01-30-18-03-11" (AWS) or "2024-01-30T10:00:00.12" (Google) -> "2024-01-30".
std::string date_prefix(const std::string& s) {
  if (s.size() >= 10 && is_calendar_date(s.substr(0, 10))) return s.substr(0, 10);
  return "";
}

void add_region_country(const Registry* registry, ImportedTable* t) {
  const Provider* p = registry ? registry->find(t->provider) : nullptr;
  for (auto& e : t->prefixes) {
    e.provider = t->provider;
    e.source = t->source;
    e.as_of = t->as_of;
    e.confidence = "H";  // published by the provider itself
    if (p) {
      auto r = p->regions.find(e.region);
      if (r != p->regions.end()) e.country = r->second.country;
    }
  }
}

Result<ImportedTable> import_aws(const Json& doc, ImportedTable t) {
  t.provider = "aws";
  t.as_of = date_prefix(str(doc, "createDate"));
  auto take = [&](const char* list, const char* key) -> bool {
    auto it = doc.find(list);
    if (it == doc.end()) return true;
    if (!it->is_array()) return false;
    for (const auto& e : *it) {
      if (!e.is_object() || str(e, key).empty()) return false;
      std::string region = str(e, "region");
      if (region == "GLOBAL") region.clear();
      t.prefixes.push_back({str(e, key), "", region, "", str(e, "service"), "", "", ""});
    }
    return true;
  };
  if (!doc.contains("prefixes") || !take("prefixes", "ip_prefix") ||
      !take("ipv6_prefixes", "ipv6_prefix"))
    return fail(ErrorCode::kInvalidInput,
                "expected {\"prefixes\": [{\"ip_prefix\", \"region\", \"service\"}], "
                "\"ipv6_prefixes\": [...]}");
  return t;
}

Result<ImportedTable> import_azure(const Json& doc, ImportedTable t) {
  t.provider = "azure";
  auto it = doc.find("values");
  if (it == doc.end() || !it->is_array())
    return fail(ErrorCode::kInvalidInput, "expected {\"values\": [{\"name\", \"properties\"}]}");
  for (const auto& v : *it) {
    if (!v.is_object() || !v.contains("properties") || !v["properties"].is_object())
      return fail(ErrorCode::kInvalidInput, "a value without \"properties\"");
    const Json& p = v["properties"];
    auto ap = p.find("addressPrefixes");
    if (ap == p.end() || !ap->is_array())
      return fail(ErrorCode::kInvalidInput,
                  "value '" + str(v, "name") + "' has no addressPrefixes");
    std::string service = str(p, "systemService");
    if (service.empty()) service = str(v, "name");
    for (const auto& a : *ap) {
      if (!a.is_string())
        return fail(ErrorCode::kInvalidInput, "an address prefix is not a string");
      t.prefixes.push_back({a.get<std::string>(), "", str(p, "region"), "", service, "", "", ""});
    }
  }
  return t;
}

Result<ImportedTable> import_google(const Json& doc, ImportedTable t) {
  t.provider = "google-cloud";
  t.as_of = date_prefix(str(doc, "creationTime"));
  auto it = doc.find("prefixes");
  if (it == doc.end() || !it->is_array())
    return fail(ErrorCode::kInvalidInput,
                "expected {\"prefixes\": [{\"ipv4Prefix\" or \"ipv6Prefix\", \"scope\"}]}");
  for (const auto& e : *it) {
    std::string pfx = e.is_object() ? str(e, "ipv4Prefix") : "";
    if (pfx.empty() && e.is_object()) pfx = str(e, "ipv6Prefix");
    if (pfx.empty())
      return fail(ErrorCode::kInvalidInput, "a prefix without ipv4Prefix/ipv6Prefix");
    std::string scope = str(e, "scope");
    if (scope == "global") scope.clear();
    t.prefixes.push_back({pfx, "", scope, "", str(e, "service"), "", "", ""});
  }
  return t;
}

}  // namespace

const std::vector<std::string>& import_formats() {
  static const std::vector<std::string> kFormats = {"aws-ip-ranges", "azure-service-tags",
                                                    "google-cloud"};
  return kFormats;
}

Result<ImportedTable> import_ranges(std::string_view format, std::string_view text,
                                    const std::string& source_name, const Registry* registry) {
  std::string f(format);
  if (std::find(import_formats().begin(), import_formats().end(), f) == import_formats().end()) {
    return fail(ErrorCode::kInvalidInput, "unknown format '" + f + "'" +
                                              did_you_mean_suffix(f, import_formats()) +
                                              "; formats: aws-ip-ranges, azure-service-tags, "
                                              "google-cloud");
  }
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorCode::kInvalidInput, source_name + ": " + f + ": not a JSON object");
  }
  ImportedTable t;
  t.format = f;
  t.source = source_name;
  Result<ImportedTable> r = f == "aws-ip-ranges"        ? import_aws(doc, t)
                            : f == "azure-service-tags" ? import_azure(doc, t)
                                                        : import_google(doc, t);
  if (!r)
    return fail(ErrorCode::kInvalidInput, source_name + ": " + f + ": " + r.error().message());
  for (const auto& e : r->prefixes) {
    if (!parse_prefix(e.prefix)) {
      return fail(ErrorCode::kInvalidInput,
                  source_name + ": " + f + ": '" + e.prefix + "' is not a CIDR prefix");
    }
  }
  if (r->as_of.empty()) {
    // Azure's file carries no date but is published as ServiceTags_Public_YYYYMMDD.json.
    for (size_t i = 0; i + 8 <= source_name.size(); ++i) {
      std::string d = source_name.substr(i, 4) + "-" + source_name.substr(i + 4, 2) + "-" +
                      source_name.substr(i + 6, 2);
      if (std::all_of(source_name.begin() + i, source_name.begin() + i + 8, ::isdigit) &&
          is_calendar_date(d) && parse_time(d)) {
        r->as_of = d;
        break;
      }
    }
  }
  add_region_country(registry, &*r);
  return r;
}

model::Json ImportedTable::to_json() const {
  Json list = Json::array();
  for (const auto& e : prefixes) {
    list.push_back({{"prefix", e.prefix},
                    {"region", e.region},
                    {"country", e.country},
                    {"service", e.service}});
  }
  return {{"format", format},
          {"provider", provider},
          {"source", source},
          {"as_of", as_of},
          {"prefixes", list}};
}

Result<ImportedTable> ImportedTable::from_json(std::string_view text, const std::string& name) {
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("prefixes") ||
      !doc["prefixes"].is_array()) {
    return fail(ErrorCode::kInvalidInput, name + ": not an imported prefix table");
  }
  ImportedTable t;
  t.format = str(doc, "format");
  t.provider = str(doc, "provider");
  t.source = str(doc, "source");
  t.as_of = str(doc, "as_of");
  if (t.provider.empty()) return fail(ErrorCode::kInvalidInput, name + ": no provider");
  for (const auto& e : doc["prefixes"]) {
    if (!e.is_object()) return fail(ErrorCode::kInvalidInput, name + ": a prefix is not an object");
    PrefixInfo p{str(e, "prefix"),  t.provider,
                 str(e, "region"),  str(e, "country"),
                 str(e, "service"), name + " (" + t.source + ")",
                 t.as_of,           "H"};
    if (!parse_prefix(p.prefix)) {
      return fail(ErrorCode::kInvalidInput, name + ": '" + p.prefix + "' is not a CIDR prefix");
    }
    t.prefixes.push_back(std::move(p));
  }
  return t;
}

}  // namespace sov::probes::jurisdiction
