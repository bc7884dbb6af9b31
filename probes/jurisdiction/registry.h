// SPDX-License-Identifier: Apache-2.0
#pragma once
// The provider registry: rules/providers/<id>.yaml, one file per provider, read and linted with
// positions (file:line:col) like the rules. Every value carries its source, the date it was
// true (as_of) and a confidence (H, M, L, U); an unknown value stays null with confidence U.
//
// A Registry is an immutable value once loaded; share it by const reference between threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/diag.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::probes::jurisdiction {

/// Where a registry value comes from: the file, the cited source, the date it was true.
struct Provenance {
  std::string file;  // registry file, as named in diagnostics
  int line = 0;
  std::string source_title;
  std::string url;
  std::optional<TimePoint> as_of;
  std::string confidence;  // H, M, L or U
  std::string note;
};

/// One curated value: a JSON scalar or list (null = unknown) and its provenance.
struct RegistryValue {
  model::Json value;
  Provenance provenance;
};

/// A provider region id and the ISO country its data lives in.
struct Region {
  std::string id;
  std::string country;
  std::string confidence;
};

/// A hostname pattern, matched label by label: `*` is one label, `**` one or more labels, and
/// one label may hold `{region}` (with a literal prefix or suffix) whose text is the region id.
struct HostPattern {
  std::string text;
  std::vector<std::string> labels;
  /// The region captured ("" when the pattern has none) when `host` matches; nullopt otherwise.
  std::optional<std::string> match(std::string_view host) const;
};

/// Parses a hostname pattern; kInvalidInput names what is wrong.
Result<HostPattern> parse_host_pattern(std::string_view text);

/// One holder of the provider's capital (the `holders:` block). Percentages are null when not
/// published; `country` is where the holder is controlled from (ISO alpha-2, "" when unknown).
struct Holder {
  std::string name;
  std::string country;
  model::Json capital_pct;  // number 0-100, or null
  model::Json voting_pct;   // number 0-100, or null
  Provenance provenance;
};

/// One offer of the provider (the `offers:` block): qualifications are granted per offer (a
/// provider's private cloud may be SecNumCloud-qualified while its public cloud is not).
/// `facts` holds certifications.* keys only; `regions` the region ids the offer runs in, used to
/// recognise it when a target does not name it.
struct Offer {
  std::string id;
  std::string name;
  std::vector<std::string> regions;
  std::map<std::string, RegistryValue> facts;
  int line = 0;
};

struct Provider {
  std::string id;
  std::string name;
  std::string file;
  /// Facts by path relative to `provider.` (legal_entity, ownership.non_eu_total_pct, ...).
  std::map<std::string, RegistryValue> facts;
  Provenance network;  // provenance of everything below
  std::vector<int64_t> asns;
  std::vector<HostPattern> hostnames;
  std::map<std::string, Region> regions;
  std::vector<std::string> prefixes;  // CIDR, from the registry file itself
  std::vector<std::string> cert_organisations;
  std::vector<Holder> holders;
  std::vector<Offer> offers;

  const RegistryValue* fact(std::string_view key) const;
  /// The offer whose id or name equals `name` (case-insensitive), or nullptr.
  const Offer* find_offer(std::string_view id_or_name) const;
  /// The one offer running in `region`, or nullptr when none or several do.
  const Offer* offer_in_region(std::string_view region) const;
  /// The legal entity's name, or "" when unknown.
  std::string legal_entity() const;
};

/// Every fact key a registry file may hold under `facts:`, with its meaning.
struct RegistryKey {
  std::string_view key;
  std::string_view kind;  // string, country, pct, bool, list, date, snc_status, hds_version,
                          // activities
  std::string_view description;
};
const std::vector<RegistryKey>& registry_keys();

class Registry {
 public:
  const Provider* find(std::string_view id) const;
  const std::map<std::string, Provider>& providers() const { return providers_; }
  std::vector<std::string> ids() const;
  void add(Provider p);

 private:
  std::map<std::string, Provider> providers_;
};

/// Parses and lints one registry file's text. Every problem goes to `diags` (whose source is set
/// here) with its position; returns nullopt when any is an error. `file` names the file in
/// diagnostics; its stem must equal the `provider:` id.
std::optional<Provider> parse_provider(const std::string& file, std::string_view text,
                                       Diagnostics* diags);

/// Loads every *.yaml file directly in `dir` (sorted). Diagnostics of all files go to `diags`;
/// kInvalidInput when any file has an error, kIo when the directory cannot be read.
Result<Registry> load_registry(const std::string& dir, Diagnostics* diags);

/// EU27 and EEA membership (LAW.md §6 "EEA"); `GR` and `EL` both name Greece.
bool is_eu27(std::string_view country);
bool is_eea(std::string_view country);

}  // namespace sov::probes::jurisdiction
