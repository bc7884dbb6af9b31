// SPDX-License-Identifier: Apache-2.0
// Resolution of 100,000 addresses (IPv4 and IPv6) against prefix tables the size of the
// published AWS, Azure and Google range files (~20,000 prefixes of mixed lengths), plus the
// registry's hostname patterns. Target: 100,000 addresses in under one second.
#include <random>

#include <benchmark/benchmark.h>

#include "probes/jurisdiction/resolver.h"

namespace sov::probes::jurisdiction {
namespace {

constexpr int kAddresses = 100000;
constexpr int kPrefixes = 20000;

struct Fixture {
  PrefixTable table;
  std::vector<IpAddress> addresses;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture fx;
    std::mt19937_64 rng(42);
    for (int i = 0; i < kPrefixes; ++i) {
      uint32_t base = static_cast<uint32_t>(rng());
      int len = 12 + static_cast<int>(rng() % 17);  // /12 .. /28
      base &= len == 0 ? 0 : ~0U << (32 - len);
      IpAddress ip{false, 0, base};
      std::string text = ip.to_string() + "/" + std::to_string(len);
      fx.table.add({text,
                    i % 3 == 0   ? "aws"
                    : i % 3 == 1 ? "azure"
                                 : "google-cloud",
                    "r", "FR", "", "bench", "2026-11-29", "H"});
      if (i % 4 == 0) {
        IpAddress v6{true, rng() & ~0ULL << 16, 0};
        fx.table.add({v6.to_string() + "/48", "aws", "r", "DE", "", "bench", "2026-11-29", "H"});
      }
    }
    for (int i = 0; i < kAddresses; ++i) {
      if (i % 5 == 0) {
        fx.addresses.push_back({true, rng(), rng()});
      } else {
        fx.addresses.push_back({false, 0, static_cast<uint32_t>(rng())});
      }
    }
    return fx;
  }();
  return f;
}

void BM_Resolve100kAddresses(benchmark::State& state) {
  const Fixture& f = fixture();
  size_t hits = 0;
  for (auto _ : state) {
    for (const auto& ip : f.addresses) hits += f.table.lookup(ip) != nullptr;
    benchmark::DoNotOptimize(hits);
  }
  state.counters["prefixes"] = static_cast<double>(f.table.size());
  state.counters["addresses_per_s"] = benchmark::Counter(
      static_cast<double>(kAddresses), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Resolve100kAddresses)->Unit(benchmark::kMillisecond);

void BM_ResolveHostnames(benchmark::State& state) {
  Diagnostics d;
  static auto r = Resolver::open(std::string(SOV_SOURCE_DIR) + "/rules/providers", "", &d);
  if (!r) {
    state.SkipWithError("registry did not load");
    return;
  }
  const char* hosts[] = {"bucket.s3.eu-west-3.amazonaws.com", "s3.fr-par.scw.cloud",
                         "acct.blob.core.windows.net", "www.example.org"};
  size_t i = 0;
  for (auto _ : state) {
    auto res = r->resolve(hosts[i++ % 4]);
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_ResolveHostnames);

}  // namespace
}  // namespace sov::probes::jurisdiction

BENCHMARK_MAIN();
