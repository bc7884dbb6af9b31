// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/providers_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "daemon/config/config.h"
#include "probes/jurisdiction/importers.h"
#include "probes/jurisdiction/resolver.h"

namespace sov::cli {
namespace {

namespace juris = probes::jurisdiction;

struct ProviderArgs {
  std::string registry;
  std::string mmdb;
  std::string id;
  std::string subject;
  std::string format;
  std::string file;
  bool json = false;
};

std::string registry_dir(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code ec;
  for (const char* p : {"rules/providers", config::kDefaultProvidersDir}) {
    if (std::filesystem::is_directory(p, ec)) return p;
  }
  return "rules/providers";
}

std::optional<juris::Resolver> open(const ProviderArgs& a, bool with_mmdb) {
  Diagnostics d;
  auto r = juris::Resolver::open(registry_dir(a.registry), with_mmdb ? a.mmdb : "", &d);
  if (!d.items().empty()) std::cerr << d.to_string() << "\n";
  if (!r) {
    std::cerr << "sovereignctl providers: " << r.error().to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*r);
}

std::string value_text(const model::Json& v) {
  if (v.is_null()) return "unknown";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string status_of(const juris::Provider& p, const char* key) {
  const juris::RegistryValue* v = p.fact(key);
  return v ? value_text(v->value) : "unknown";
}

int run_list(const ProviderArgs& a) {
  auto r = open(a, false);
  if (!r) return 2;
  std::printf("%-16s %-22s %-5s %-12s %s\n", "ID", "NAME", "SEAT", "SECNUMCLOUD", "HDS");
  for (const auto& [id, p] : r->registry().providers()) {
    std::printf("%-16s %-22s %-5s %-12s %s\n", id.c_str(), p.name.c_str(),
                status_of(p, "seat_country").c_str(),
                status_of(p, "certifications.secnumcloud.status").c_str(),
                status_of(p, "certifications.hds.certified").c_str());
  }
  return 0;
}

// One curated value with its provenance: "value  [confidence, date, url]  — note".
std::string with_provenance(const model::Json& value, const juris::Provenance& pr) {
  return value_text(value) + "  [" + pr.confidence + ", " +
         (pr.as_of ? format_date(*pr.as_of) : std::string("date unknown")) + ", " + pr.url + "]" +
         (pr.note.empty() ? "" : "  — " + pr.note);
}

int run_show(const ProviderArgs& a) {
  auto r = open(a, false);
  if (!r) return 2;
  const juris::Provider* p = r->registry().find(a.id);
  if (!p) {
    std::cerr << "sovereignctl providers show: no provider '" << a.id << "'"
              << did_you_mean_suffix(a.id, r->registry().ids()) << "\n";
    return 1;
  }
  std::cout << p->id << " — " << p->name << " (" << p->file << ")\n";
  for (const auto& [key, v] : p->facts) {
    std::cout << "  " << key << ": " << with_provenance(v.value, v.provenance) << "\n";
  }
  for (const auto& h : p->holders) {
    std::cout << "  holder " << h.name << " (" << (h.country.empty() ? "?" : h.country)
              << "): capital " << value_text(h.capital_pct) << " %, votes "
              << with_provenance(h.voting_pct, h.provenance) << " %\n";
  }
  for (const auto& o : p->offers) {
    std::cout << "  offer " << o.id << " — " << o.name;
    if (!o.regions.empty()) {
      std::cout << " (regions:";
      for (const auto& region : o.regions) std::cout << " " << region;
      std::cout << ")";
    }
    std::cout << "\n";
    for (const auto& [key, v] : o.facts) {
      std::cout << "    " << key << ": " << with_provenance(v.value, v.provenance) << "\n";
    }
  }
  std::cout << "  network [" << p->network.confidence << ", "
            << (p->network.as_of ? format_date(*p->network.as_of) : "date unknown") << ", "
            << p->network.url << "]\n    asns:";
  for (auto asn : p->asns) std::cout << " AS" << asn;
  std::cout << "\n    hostnames:";
  for (const auto& h : p->hostnames) std::cout << " " << h.text;
  std::cout << "\n    regions:";
  for (const auto& [id, reg] : p->regions) std::cout << " " << id << "=" << reg.country;
  std::cout << "\n";
  return 0;
}

model::Json or_null(const std::string& s) {
  return s.empty() ? model::Json(nullptr) : model::Json(s);
}

int run_resolve(const ProviderArgs& a) {
  auto r = open(a, true);
  if (!r) return 2;
  juris::Resolution res = r->resolve(a.subject);
  model::Json obs = model::Json::array();
  for (const auto& o : res.observations) {
    obs.push_back({{"method", o.method},
                   {"subject", o.subject},
                   {"provider", o.provider},
                   {"region", o.region},
                   {"country", o.country},
                   {"asn", o.asn},
                   {"as_org", o.as_org},
                   {"confidence", o.confidence},
                   {"detail", o.detail}});
  }
  model::Json out = {{"subject", a.subject},          {"provider", or_null(res.provider)},
                     {"method", res.method},          {"confidence", res.confidence},
                     {"region", or_null(res.region)}, {"country", or_null(res.country)},
                     {"reason", or_null(res.reason)}, {"observations", obs}};
  std::cout << out.dump(2) << "\n";
  return res.provider.empty() ? 1 : 0;
}

int run_import(const ProviderArgs& a) {
  auto r = open(a, false);
  if (!r) return 2;
  std::ifstream in(a.file, std::ios::binary);
  if (!in) {
    std::cerr << "sovereignctl providers import: " << a.file << ": cannot read\n";
    return 2;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  auto t = juris::import_ranges(a.format, ss.str(), a.file, &r->registry());
  if (!t) {
    std::cerr << "sovereignctl providers import: " << t.error().to_string() << "\n";
    return 2;
  }
  std::filesystem::path dir = std::filesystem::path(registry_dir(a.registry)) / "imported";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::path out = dir / (t->provider + ".json");
  std::ofstream o(out, std::ios::binary | std::ios::trunc);
  o << t->to_json().dump(1) << "\n";
  if (!o) {
    std::cerr << "sovereignctl providers import: " << out.string() << ": cannot write\n";
    return 2;
  }
  std::cout << "imported " << t->prefixes.size() << " prefixes for " << t->provider << " (as of "
            << (t->as_of.empty() ? "unknown" : t->as_of) << ") into " << out.string() << "\n";
  return 0;
}

int run_check(const ProviderArgs& a) {
  Diagnostics d;
  auto reg = juris::load_registry(registry_dir(a.registry), &d);
  if (!d.items().empty()) std::cerr << d.to_string() << "\n";
  if (!reg) return 2;
  std::cout << reg->providers().size() << " providers, no errors\n";
  return 0;
}

}  // namespace

void add_provider_commands(CLI::App& app, int* rc) {
  auto* cmd = app.add_subcommand("providers", "the provider registry (rules/providers)");
  cmd->require_subcommand(1);
  auto a = std::make_shared<ProviderArgs>();
  cmd->add_option("--registry", a->registry,
                  "registry directory (default: rules/providers, else "
                  "/usr/share/sovereignd/rules/providers)");
  cmd->add_subcommand("list", "one line per provider")->callback([a, rc] { *rc = run_list(*a); });
  auto* show = cmd->add_subcommand("show", "every value of one provider, with its source");
  show->add_option("id", a->id, "provider id")->required();
  show->callback([a, rc] { *rc = run_show(*a); });
  auto* resolve = cmd->add_subcommand("resolve", "provider, region and country of a host or IP");
  resolve->add_option("subject", a->subject, "host name, URL or address (no DNS lookup)")
      ->required();
  resolve->add_option("--mmdb", a->mmdb, "MaxMind-format database (country, ASN)");
  resolve->callback([a, rc] { *rc = run_resolve(*a); });
  auto* imp = cmd->add_subcommand("import", "import a provider-published range file");
  imp->add_option("format", a->format, "aws-ip-ranges, azure-service-tags or google-cloud")
      ->required();
  imp->add_option("file", a->file, "the downloaded JSON file")->required();
  imp->callback([a, rc] { *rc = run_import(*a); });
  cmd->add_subcommand("check", "lint every registry file")->callback([a, rc] {
    *rc = run_check(*a);
  });
}

}  // namespace sov::cli
