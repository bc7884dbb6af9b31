// SPDX-License-Identifier: Apache-2.0
// csv_cell (daemon/report/report.h): whatever the bytes and the delimiter (the first input
// byte), the cell never starts a formula, is valid UTF-8, and an RFC 4180 reader gets back
// exactly the (defused) text. A violation aborts, which libFuzzer and the ctest replay report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/report/report.h"

namespace {

// Reads one RFC 4180 cell that must span all of `cell`; aborts on a malformed one.
std::string unquote(const std::string& cell, char delim) {
  if (cell.empty() || cell[0] != '"') {
    for (char c : cell) {
      if (c == delim || c == '"' || c == '\n' || c == '\r') std::abort();
    }
    return cell;
  }
  if (cell.size() < 2 || cell.back() != '"') std::abort();
  std::string out;
  for (size_t i = 1; i + 1 < cell.size(); ++i) {
    if (cell[i] == '"') {
      if (i + 2 >= cell.size() || cell[i + 1] != '"') std::abort();
      ++i;
    }
    out += cell[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  char delim = static_cast<char>(data[0]);
  if (!sov::report::valid_delimiter(delim)) delim = ';';
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string cell = sov::report::csv_cell(text, delim);
  std::string value = unquote(cell, delim);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    std::abort();
  }
  std::string clean = sov::report::clean_utf8(text);
  if (value != clean && value != "'" + clean) std::abort();
  return 0;
}
