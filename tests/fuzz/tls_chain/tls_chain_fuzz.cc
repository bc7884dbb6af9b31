// SPDX-License-Identifier: Apache-2.0
// Chain analysis (probes/tls/chain.h): PEM or DER bytes in, certificate facts out. Whatever the
// bytes, analysis returns a value or an error, and the facts serialise to JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "probes/tls/chain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto now = sov::TimePoint(std::chrono::seconds(1790000000));
  auto facts = sov::probes::tls::analyze_encoded_chain(input, "localhost", now);
  if (facts) (void)facts->dump();
  (void)sov::probes::tls::clean_utf8(input);
  return 0;
}
