// SPDX-License-Identifier: Apache-2.0
#pragma once
// Addresses, CIDR prefixes and a longest-prefix-match table from prefix to provider, region and
// country. Fed by the registry's own prefixes and by provider-published range files (importers.h).
// A PrefixTable is not thread-safe while being filled; lookups on a filled table are const.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sov::probes::jurisdiction {

/// An IPv4 or IPv6 address; IPv4 is kept in the low 32 bits of `lo`.
struct IpAddress {
  bool v6 = false;
  uint64_t hi = 0;
  uint64_t lo = 0;
  std::string to_string() const;
};

/// A literal address ("192.0.2.1", "2001:db8::1", "[2001:db8::1]"), or nullopt.
std::optional<IpAddress> parse_ip(std::string_view text);

struct Prefix {
  IpAddress base;  // host bits cleared
  int length = 0;
};

/// "192.0.2.0/24" or "2001:db8::/32" (host bits must be zero), or nullopt.
std::optional<Prefix> parse_prefix(std::string_view text);

/// What a prefix says about the addresses in it.
struct PrefixInfo {
  std::string prefix;  // as written
  std::string provider;
  std::string region;   // "" when unknown
  std::string country;  // "" when unknown
  std::string service;  // "" when unknown (AWS service, Azure service tag)
  std::string source;   // registry file or imported table, and its URL
  std::string as_of;    // YYYY-MM-DD of the source
  std::string confidence;
};

class PrefixTable {
 public:
  /// Adds a prefix; a second entry for the same prefix keeps the first. False when `info.prefix`
  /// does not parse.
  bool add(PrefixInfo info);
  /// The most specific entry covering `ip`, or nullptr.
  const PrefixInfo* lookup(const IpAddress& ip) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Key {
    uint64_t hi, lo;
    bool operator==(const Key& o) const { return hi == o.hi && lo == o.lo; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.hi * 0x9E3779B97F4A7C15ULL ^ k.lo; }
  };
  std::vector<PrefixInfo> entries_;
  std::array<std::unordered_map<uint32_t, uint32_t>, 33> v4_;
  std::array<std::unordered_map<Key, uint32_t, KeyHash>, 129> v6_;
  std::vector<int> v4_lengths_;  // present lengths, longest first
  std::vector<int> v6_lengths_;
};

}  // namespace sov::probes::jurisdiction
