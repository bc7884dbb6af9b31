// SPDX-License-Identifier: Apache-2.0
#pragma once
// The jurisdiction resolver: decides, for a target of any kind, the provider operating it and
// where its data lives, from what the target declares and what its probe observed, and records
// the method and confidence of each step. It runs as an ENRICHMENT step after the target's own
// probe (engine: assemble_facts), never touches the network, and is deterministic.
//
// Methods, strongest first: hostname pattern (with region extraction), address prefix (registry
// and imported provider range files), ASN (optional MaxMind-format database), certificate
// subject organisation, the target's declared provider id. A declared provider or location that
// contradicts an observation yields provider.consistent = false with both sides recorded.
//
// A Resolver is immutable after open()/add_*(); enrich() and resolve() are const and may run on
// several threads at once.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/diag.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/jurisdiction/importers.h"
#include "probes/jurisdiction/prefix_table.h"
#include "probes/jurisdiction/registry.h"

namespace sov::probes::jurisdiction {

/// What one method saw.
struct Observation {
  std::string method;    // hostname, prefix, asn, certificate, declared
  std::string subject;   // the host, address or organisation looked at
  std::string provider;  // registry id; "" when the method found no provider
  std::string region;
  std::string country;
  std::string confidence;  // H, M, L, U
  std::string detail;      // the pattern, prefix or database that decided
  int64_t asn = 0;
  std::string as_org;
};

/// A resolution: every observation, and the provider and location retained.
struct Resolution {
  std::vector<Observation> observations;
  std::string provider;  // "" = unknown
  std::string method;    // method of the retained provider, "none" when unknown
  std::string confidence;
  std::string region;
  std::string country;
  std::vector<std::string> conflicts;  // "hostname=aws vs certificate=scaleway"
  std::string reason;                  // why the provider is unknown
};

/// An address-metadata database (MaxMind DB format: GeoLite2-Country/ASN or compatible).
class AddressDatabase {
 public:
  virtual ~AddressDatabase() = default;
  struct Answer {
    std::string country;  // ISO code, "" when absent
    int64_t asn = 0;
    std::string as_org;
  };
  virtual std::optional<Answer> lookup(const IpAddress& ip) const = 0;
  virtual std::string name() const = 0;
};

/// Opens a MaxMind-format database through libmaxminddb; kUnsupported when built without it.
Result<std::shared_ptr<const AddressDatabase>> open_maxmind(const std::string& path);

class Resolver {
 public:
  explicit Resolver(Registry registry);

  /// Loads `dir` (rules/providers) and its imported/*.json prefix tables; diagnostics carry
  /// positions. `mmdb_path` (may be empty) names an optional MaxMind-format database.
  static Result<Resolver> open(const std::string& dir, const std::string& mmdb_path,
                               Diagnostics* diags);

  void add_imported(const ImportedTable& table);
  void set_database(std::shared_ptr<const AddressDatabase> db) { db_ = std::move(db); }

  const Registry& registry() const { return registry_; }
  const PrefixTable& prefixes() const { return prefixes_; }

  /// Observations for one host name or address (no DNS): `sovereignctl providers resolve`.
  Resolution resolve(std::string_view host_or_ip) const;

  /// Provider and location of a target from its declaration and its probe's facts.
  Resolution resolve_target(const model::Target& target, const model::Facts& facts) const;

  /// Writes provider.*, location.*, net.addresses[] and storage.locations (when absent) into
  /// `facts` with Source kDerived: where = registry file + source URL, when = as_of. Values the
  /// registry holds override declared ones (still under declared.*); unknown registry values
  /// leave declared ones in place and are otherwise null.
  void enrich(const model::Target& target, model::Facts* facts, TimePoint now) const;

 private:
  void observe_host(std::string_view host, std::vector<Observation>* out) const;
  void observe_address(const IpAddress& ip, std::vector<Observation>* out) const;
  void observe_organisation(std::string_view org, std::vector<Observation>* out) const;
  std::string region_country(const std::string& provider, const std::string& region) const;

  Registry registry_;
  PrefixTable prefixes_;
  std::shared_ptr<const AddressDatabase> db_;
};

/// Fact paths the enrichment adds beyond probes::declarable_fact_schema(): provider.match.*,
/// provider.declared_id, provider.observed_id, provider.consistent, net.addresses[*].*, ...
std::vector<model::FactSchemaEntry> jurisdiction_fact_schema();

}  // namespace sov::probes::jurisdiction
