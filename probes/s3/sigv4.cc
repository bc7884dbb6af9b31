// SPDX-License-Identifier: Apache-2.0
#include "probes/s3/sigv4.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace sov::probes::s3 {

namespace {

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

// Raw HMAC-SHA256. The key may be the secret ("AWS4" + secret) or an intermediate key.
std::string hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading and trailing blanks removed, inner runs of blanks collapsed to one space.
std::string trim_value(std::string_view v) {
  std::string out;
  bool blank = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> canonical_headers(const SignedRequest& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : r.headers) out.emplace_back(lower(name), trim_value(value));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// The derived key: HMAC chain over date, region, service and "aws4_request". Wiped by the
// caller.
std::string derive_key(std::string_view secret, const Scope& scope) {
  std::string k_secret = "AWS4" + std::string(secret);
  std::string k_date = hmac(k_secret, scope.date);
  std::string k_region = hmac(k_date, scope.region);
  std::string k_service = hmac(k_region, scope.service);
  std::string k_signing = hmac(k_service, "aws4_request");
  for (std::string* s : {&k_secret, &k_date, &k_region, &k_service}) {
    OPENSSL_cleanse(s->data(), s->size());
  }
  return k_signing;
}

}  // namespace

Credentials::~Credentials() {
  if (!secret_access_key.empty()) {
    OPENSSL_cleanse(secret_access_key.data(), secret_access_key.size());
  }
}

std::string Scope::to_string() const {
  return date + "/" + region + "/" + service + "/aws4_request";
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return to_hex(digest.data(), digest.size());
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~' ||
        (c == '/' && keep_slash)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[u >> 4]);
      out.push_back(kDigits[u & 0xf]);
    }
  }
  return out;
}

std::string amz_date(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 20> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
  return buf.data();
}

std::string signed_headers(const SignedRequest& request) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(request)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const SignedRequest& request) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : request.query)
    query.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(query.begin(), query.end());
  std::string out = request.method + "\n" + (request.path.empty() ? "/" : request.path) + "\n";
  for (size_t i = 0; i < query.size(); ++i) {
    if (i > 0) out += '&';
    out += query[i].first + "=" + query[i].second;
  }
  out += "\n";
  for (const auto& [name, value] : canonical_headers(request)) out += name + ":" + value + "\n";
  out += "\n" + signed_headers(request) + "\n" + request.payload_sha256;
  return out;
}

std::string string_to_sign(std::string_view amz_date_text, const Scope& scope,
                           std::string_view canonical) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date_text) + "\n" + scope.to_string() + "\n" +
         sha256_hex(canonical);
}

std::string signing_key_hex(std::string_view secret, const Scope& scope) {
  std::string key = derive_key(secret, scope);
  std::string hex = to_hex(reinterpret_cast<const unsigned char*>(key.data()), key.size());
  OPENSSL_cleanse(key.data(), key.size());
  return hex;
}

std::string signature(const Credentials& credentials, const Scope& scope,
                      std::string_view amz_date_text, const SignedRequest& request) {
  std::string key = derive_key(credentials.secret_access_key, scope);
  std::string mac = hmac(key, string_to_sign(amz_date_text, scope, canonical_request(request)));
  OPENSSL_cleanse(key.data(), key.size());
  return to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string authorization(const Credentials& credentials, const Scope& scope,
                          std::string_view amz_date_text, const SignedRequest& request) {
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope.to_string() +
         ", SignedHeaders=" + signed_headers(request) +
         ", Signature=" + signature(credentials, scope, amz_date_text, request);
}

}  // namespace sov::probes::s3
