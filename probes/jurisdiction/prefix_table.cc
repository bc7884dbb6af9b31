// SPDX-License-Identifier: Apache-2.0
#include "probes/jurisdiction/prefix_table.h"

#include <algorithm>
#include <charconv>

#include <arpa/inet.h>

namespace sov::probes::jurisdiction {
namespace {

uint64_t mask64(int bits) { return bits <= 0 ? 0 : bits >= 64 ? ~0ULL : ~0ULL << (64 - bits); }

IpAddress masked(const IpAddress& ip, int length) {
  IpAddress out = ip;
  if (!ip.v6) {
    uint32_t m = length == 0 ? 0 : static_cast<uint32_t>(~0U << (32 - length));
    out.lo = ip.lo & m;
  } else {
    out.hi = ip.hi & mask64(length);
    out.lo = ip.lo & mask64(length - 64);
  }
  return out;
}

void insert_sorted(std::vector<int>* lengths, int l) {
  if (std::find(lengths->begin(), lengths->end(), l) != lengths->end()) return;
  lengths->push_back(l);
  std::sort(lengths->rbegin(), lengths->rend());
}

}  // namespace

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!v6) {
    uint32_t n = htonl(static_cast<uint32_t>(lo));
    inet_ntop(AF_INET, &n, buf, sizeof buf);
  } else {
    unsigned char b[16];
    for (int i = 0; i < 8; ++i) {
      b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
      b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
    }
    inet_ntop(AF_INET6, b, buf, sizeof buf);
  }
  return buf;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  IpAddress ip;
  if (s.find(':') == std::string::npos) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    ip.lo = ntohl(a.s_addr);
    return ip;
  }
  unsigned char b[16];
  if (inet_pton(AF_INET6, s.c_str(), b) != 1) return std::nullopt;
  ip.v6 = true;
  for (int i = 0; i < 8; ++i) {
    ip.hi = (ip.hi << 8) | b[i];
    ip.lo = (ip.lo << 8) | b[8 + i];
  }
  return ip;
}

std::optional<Prefix> parse_prefix(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string_view len = text.substr(slash + 1);
  int l = -1;
  auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), l);
  if (ec != std::errc() || ptr != len.data() + len.size() || l < 0 || l > (ip->v6 ? 128 : 32))
    return std::nullopt;
  IpAddress m = masked(*ip, l);
  if (m.hi != ip->hi || m.lo != ip->lo) return std::nullopt;
  return Prefix{m, l};
}

bool PrefixTable::add(PrefixInfo info) {
  auto p = parse_prefix(info.prefix);
  if (!p) return false;
  auto index = static_cast<uint32_t>(entries_.size());
  bool inserted = false;
  if (!p->base.v6) {
    inserted = v4_[p->length].emplace(static_cast<uint32_t>(p->base.lo), index).second;
    if (inserted) insert_sorted(&v4_lengths_, p->length);
  } else {
    inserted = v6_[p->length].emplace(Key{p->base.hi, p->base.lo}, index).second;
    if (inserted) insert_sorted(&v6_lengths_, p->length);
  }
  if (inserted) entries_.push_back(std::move(info));
  return true;
}

const PrefixInfo* PrefixTable::lookup(const IpAddress& ip) const {
  if (!ip.v6) {
    for (int l : v4_lengths_) {
      const auto& m = v4_[l];
      auto it = m.find(static_cast<uint32_t>(masked(ip, l).lo));
      if (it != m.end()) return &entries_[it->second];
    }
    return nullptr;
  }
  for (int l : v6_lengths_) {
    IpAddress k = masked(ip, l);
    const auto& m = v6_[l];
    auto it = m.find(Key{k.hi, k.lo});
    if (it != m.end()) return &entries_[it->second];
  }
  return nullptr;
}

}  // namespace sov::probes::jurisdiction
