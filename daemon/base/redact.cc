// SPDX-License-Identifier: Apache-2.0
#include "daemon/base/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sov {

bool looks_secret(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  static constexpr std::array<std::string_view, 8> kWords = {
      "password", "passwd", "secret", "token", "pin", "authorization", "credential", "private_key"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return k.find(w) != std::string::npos; });
}

std::string redact(std::string_view text) {
  std::string out(text);
  // URL user-info: scheme://userinfo@host
  for (size_t pos = out.find("://"); pos != std::string::npos; pos = out.find("://", pos + 3)) {
    size_t start = pos + 3;
    size_t end = out.find_first_of("/ \t\"'", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at > start && at < end) {
      out.replace(start, at - start, kRedacted);
    }
  }
  // key=value and key: value pairs whose key looks secret.
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '=' && out[i] != ':') continue;
    size_t kend = i;
    size_t kstart = kend;
    while (kstart > 0 && (std::isalnum(static_cast<unsigned char>(out[kstart - 1])) ||
                          out[kstart - 1] == '_' || out[kstart - 1] == '-')) {
      --kstart;
    }
    if (kstart == kend || !looks_secret(std::string_view(out).substr(kstart, kend - kstart))) {
      continue;
    }
    size_t vstart = i + 1;
    while (vstart < out.size() && out[vstart] == ' ') ++vstart;
    size_t vend = vstart;
    // "Authorization: Bearer xyz": mask to the end of the line.
    bool to_eol = out[i] == ':';
    while (vend < out.size() && out[vend] != '\n' &&
           (to_eol || (out[vend] != ' ' && out[vend] != '&')))
      ++vend;
    if (vend > vstart) {
      out.replace(vstart, vend - vstart, kRedacted);
      i = vstart + kRedacted.size();
    }
  }
  return out;
}

}  // namespace sov
