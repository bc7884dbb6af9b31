// SPDX-License-Identifier: Apache-2.0
// Escaping for the text formats and the stable ids. Every string a report shows comes from the
// outside world (target names, certificate subjects, messages), so each one goes through here.
#include <algorithm>
#include <array>
#include <memory>

#include <openssl/evp.h>

#include "daemon/report/report.h"

namespace sov::report {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// Length of the valid UTF-8 sequence at text[i], or 0 if it is not one (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as in RFC 3629).
size_t utf8_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Calls emit(valid sequence) for each character of `text`, U+FFFD for each invalid byte.
template <typename F>
void each_char(std::string_view text, F&& emit) {
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_length(text, i);
    if (n == 0) {
      emit(kReplacement);
      ++i;
    } else {
      emit(text.substr(i, n));
      i += n;
    }
  }
}

}  // namespace

std::string clean_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  each_char(text, [&](std::string_view c) { out.append(c); });
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  each_char(text, [&](std::string_view c) {
    if (c.size() > 1) {
      out.append(c);
      return;
    }
    switch (c[0]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += c;
        break;
      default:
        // C0 controls and DEL are not allowed in HTML text: dropped.
        if (static_cast<unsigned char>(c[0]) >= 0x20 && c[0] != 0x7F) out += c;
    }
  });
  return out;
}

bool valid_delimiter(char c) {
  if (c == '\t') return true;
  auto u = static_cast<unsigned char>(c);
  if (u < 0x21 || u > 0x7E) return false;
  if (c == '"' || c == '\'') return false;
  return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

std::string csv_cell(std::string_view text, char delimiter) {
  std::string cell;
  cell.reserve(text.size() + 2);
  // OWASP: these first characters start a formula (or, tab and CR, hide one) in Excel,
  // LibreOffice and Google Sheets. The quote makes the cell text.
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    cell += '\'';
  }
  bool ascii = std::all_of(text.begin(), text.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    cell.append(text);  // fast path: nothing to validate
  } else {
    each_char(text, [&](std::string_view c) { cell.append(c); });
  }
  const char special[] = {delimiter, '"', '\n', '\r', '\0'};
  if (cell.find_first_of(special) == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string uuid_v5(std::string_view name) {
  // sovereignd's namespace: uuid5(NAMESPACE_URL, "https://sovereignd.eu/ns/report"), fixed for
  // good so that ids stay the same across releases.
  static constexpr std::array<unsigned char, 16> kNamespace = {0x3c, 0x5e, 0x9a, 0x41, 0x7b, 0x2d,
                                                               0x5f, 0x0e, 0x8a, 0x61, 0x4d, 0x93,
                                                               0x2b, 0xc7, 0x10, 0x5a};
  // One fetched SHA-1 and one context per thread: an export computes one id per finding, and
  // OpenSSL 3's implicit fetch on every EVP_sha1() use costs more than the hash itself.
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx.get(), sha1, nullptr);
  EVP_DigestUpdate(ctx.get(), kNamespace.data(), kNamespace.size());
  EVP_DigestUpdate(ctx.get(), name.data(), name.size());
  EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
  md[6] = static_cast<unsigned char>((md[6] & 0x0F) | 0x50);  // version 5
  md[8] = static_cast<unsigned char>((md[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0F];
  }
  return out;
}

std::string finding_uid(int64_t scan_id, std::string_view target, std::string_view rule) {
  // The target's length keeps "a/b" + "c" apart from "a" + "b/c".
  std::string name =
      "finding/" + std::to_string(scan_id) + "/" + std::to_string(target.size()) + ":";
  name.append(target);
  name += '/';
  name.append(rule);
  return uuid_v5(name);
}

}  // namespace sov::report
