// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the config loader: any bytes go through load_config_text; the loader must
// never crash, hang or throw, and whatever it accepts must dump. Relative paths resolve against
// a directory that does not exist, so attestation files named relatively are never found.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/config/config.h"

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sov::Diagnostics diags;
  auto config =
      sov::config::load_config_text("fuzz.yaml", text, "/nonexistent/sovereignd-fuzz", &diags);
  // Formatting every diagnostic exercises the caret and source-line code too.
  std::string all = diags.to_string();
  if (config) {
    std::string dump = sov::config::dump_redacted(**config);
    (void)dump;
  }
  (void)all;
  return 0;
}
