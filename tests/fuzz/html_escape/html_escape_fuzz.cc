// SPDX-License-Identifier: Apache-2.0
// html_escape (daemon/report/report.h): whatever the bytes, the output is valid UTF-8 with no
// markup character left (< > " ' and & only as the start of an entity) and no C0 control other
// than tab, LF and CR. A violation aborts, which libFuzzer and the ctest replay report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out = sov::report::html_escape(input);
  if (sov::report::clean_utf8(out) != out) std::abort();
  for (size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c == '<' || c == '>' || c == '"' || c == '\'') std::abort();
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') std::abort();
    if (c == 0x7F) std::abort();
    if (c == '&') {
      size_t semi = out.find(';', i);
      if (semi == std::string::npos || semi - i > 6) std::abort();
    }
  }
  return 0;
}
