// SPDX-License-Identifier: Apache-2.0
// Sources: the providers' region pages, as summarised with
// dates in LAW.md §7.2 and rules/providers/*.yaml; AWS: "AWS service endpoints", Amazon S3
// section.
#include "probes/s3/regions.h"

#include <array>

namespace sov::probes::s3 {

namespace {

struct Entry {
  std::string_view provider;
  std::string_view region;
  std::string_view country;
  std::string_view source;
};

constexpr std::string_view kAws = "https://docs.aws.amazon.com/general/latest/gr/s3.html";
constexpr std::string_view kScaleway =
    "https://www.scaleway.com/en/docs/object-storage/concepts/#region-and-availability-zone";
constexpr std::string_view kOvh =
    "https://help.ovhcloud.com/csm/en-public-cloud-storage-s3-location";
constexpr std::string_view kIonos =
    "https://docs.ionos.com/cloud/storage-and-backup/ionos-object-storage/endpoints";
constexpr std::string_view kCloudTemple = "https://docs.cloud-temple.com/";
constexpr std::string_view kAsOf = "2026-10-09";

constexpr std::array kTable = {
    // AWS commercial regions.
    Entry{"aws", "us-east-1", "US", kAws},
    Entry{"aws", "us-east-2", "US", kAws},
    Entry{"aws", "us-west-1", "US", kAws},
    Entry{"aws", "us-west-2", "US", kAws},
    Entry{"aws", "ca-central-1", "CA", kAws},
    Entry{"aws", "ca-west-1", "CA", kAws},
    Entry{"aws", "sa-east-1", "BR", kAws},
    Entry{"aws", "mx-central-1", "MX", kAws},
    Entry{"aws", "eu-west-1", "IE", kAws},
    Entry{"aws", "eu-west-2", "GB", kAws},
    Entry{"aws", "eu-west-3", "FR", kAws},
    Entry{"aws", "eu-central-1", "DE", kAws},
    Entry{"aws", "eu-central-2", "CH", kAws},
    Entry{"aws", "eu-north-1", "SE", kAws},
    Entry{"aws", "eu-south-1", "IT", kAws},
    Entry{"aws", "eu-south-2", "ES", kAws},
    Entry{"aws", "eusc-de-east-1", "DE", kAws},
    Entry{"aws", "me-south-1", "BH", kAws},
    Entry{"aws", "me-central-1", "AE", kAws},
    Entry{"aws", "il-central-1", "IL", kAws},
    Entry{"aws", "af-south-1", "ZA", kAws},
    Entry{"aws", "ap-east-1", "HK", kAws},
    Entry{"aws", "ap-south-1", "IN", kAws},
    Entry{"aws", "ap-south-2", "IN", kAws},
    Entry{"aws", "ap-northeast-1", "JP", kAws},
    Entry{"aws", "ap-northeast-2", "KR", kAws},
    Entry{"aws", "ap-northeast-3", "JP", kAws},
    Entry{"aws", "ap-southeast-1", "SG", kAws},
    Entry{"aws", "ap-southeast-2", "AU", kAws},
    Entry{"aws", "ap-southeast-3", "ID", kAws},
    Entry{"aws", "ap-southeast-4", "AU", kAws},
    Entry{"aws", "ap-southeast-5", "MY", kAws},
    Entry{"aws", "ap-southeast-7", "TH", kAws},
    // Scaleway.
    Entry{"scaleway", "fr-par", "FR", kScaleway},
    Entry{"scaleway", "nl-ams", "NL", kScaleway},
    Entry{"scaleway", "pl-waw", "PL", kScaleway},
    // OVHcloud.
    Entry{"ovhcloud", "gra", "FR", kOvh},
    Entry{"ovhcloud", "rbx", "FR", kOvh},
    Entry{"ovhcloud", "sbg", "FR", kOvh},
    Entry{"ovhcloud", "eu-west-par", "FR", kOvh},
    Entry{"ovhcloud", "eu-south-mil", "IT", kOvh},
    Entry{"ovhcloud", "de", "DE", kOvh},
    Entry{"ovhcloud", "waw", "PL", kOvh},
    Entry{"ovhcloud", "uk", "GB", kOvh},
    Entry{"ovhcloud", "bhs", "CA", kOvh},
    Entry{"ovhcloud", "ca-east-tor", "CA", kOvh},
    Entry{"ovhcloud", "sgp", "SG", kOvh},
    Entry{"ovhcloud", "ap-southeast-syd", "AU", kOvh},
    Entry{"ovhcloud", "ap-south-mum", "IN", kOvh},
    // IONOS.
    Entry{"ionos", "de", "DE", kIonos},
    Entry{"ionos", "eu-central-1", "DE", kIonos},
    Entry{"ionos", "eu-central-2", "DE", kIonos},
    Entry{"ionos", "eu-south-2", "ES", kIonos},
    Entry{"ionos", "eu-central-3", "DE", kIonos},
    Entry{"ionos", "us-central-1", "US", kIonos},
    // Cloud Temple.
    Entry{"cloud-temple", "fr1", "FR", kCloudTemple},
};

struct HostSuffix {
  std::string_view suffix;
  std::string_view provider;
};

constexpr std::array kHosts = {
    HostSuffix{".amazonaws.com", "aws"},    HostSuffix{".amazonaws.eu", "aws"},
    HostSuffix{".scw.cloud", "scaleway"},   HostSuffix{".ovh.net", "ovhcloud"},
    HostSuffix{".ionoscloud.com", "ionos"}, HostSuffix{".cloud-temple.com", "cloud-temple"},
};

}  // namespace

std::string_view provider_of_host(std::string_view host) {
  for (const HostSuffix& h : kHosts) {
    if (host.size() > h.suffix.size() && host.substr(host.size() - h.suffix.size()) == h.suffix) {
      return h.provider;
    }
  }
  return {};
}

std::optional<RegionCountry> region_country(std::string_view region, std::string_view host) {
  std::string_view provider = provider_of_host(host);
  if (provider.empty()) return std::nullopt;
  for (const Entry& e : kTable) {
    if (e.provider == provider && e.region == region) {
      return RegionCountry{e.provider, e.country, e.source, kAsOf};
    }
  }
  return std::nullopt;
}

}  // namespace sov::probes::s3
