// SPDX-License-Identifier: Apache-2.0
#pragma once
// Region name -> country (ISO 3166-1 alpha-2) for the S3 services whose region lists we know:
// AWS and the European providers LAW.md §7.2 lists. Region names are per provider and collide
// (eu-central-2 is Zurich at AWS, Berlin at IONOS), and an S3-compatible server elsewhere
// reports whatever name it is configured with (MinIO and s3rver say us-east-1 wherever they
// run), so the provider is recognised from the endpoint's host first. Anything else is unknown
// (null and a reason in s3.unknown), never guessed. Each entry carries its source.

#include <optional>
#include <string>
#include <string_view>

namespace sov::probes::s3 {

struct RegionCountry {
  std::string_view provider;  // "aws", "scaleway", "ovhcloud", "ionos", "cloud-temple"
  std::string_view country;   // "FR", "US", "GB"
  std::string_view source;    // URL of the provider's region list
  std::string_view as_of;     // date that list was read
};

/// The provider whose S3 endpoints live under `host`, or empty.
std::string_view provider_of_host(std::string_view host);

/// The country of `region` at the provider serving `host`, or nullopt when the host is no known
/// provider's or the provider has no such region.
std::optional<RegionCountry> region_country(std::string_view region, std::string_view host);

}  // namespace sov::probes::s3
