// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/chain.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sov::probes::tls {

using model::Json;

namespace {

constexpr size_t kMaxNames = 1000;  // SAN entries and URLs kept per certificate
constexpr size_t kMaxFieldBytes = 1024;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509* mut(const X509* c) { return const_cast<X509*>(c); }

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

Json asn1_string_json(const ASN1_STRING* s) {
  if (s == nullptr) return nullptr;
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0 || utf8 == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  std::string text(reinterpret_cast<char*>(utf8), std::min<size_t>(n, kMaxFieldBytes));
  OPENSSL_free(utf8);
  return clean_utf8(text);
}

Json name_field(const X509_NAME* name, int nid) {
  if (name == nullptr) return nullptr;
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return nullptr;
  const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, idx);
  return asn1_string_json(X509_NAME_ENTRY_get_data(e));
}

Json name_json(const X509_NAME* name) {
  return Json{{"cn", name_field(name, NID_commonName)},
              {"o", name_field(name, NID_organizationName)},
              {"c", name_field(name, NID_countryName)}};
}

std::optional<TimePoint> asn1_time(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  time_t secs = timegm(&tm);
  return std::chrono::system_clock::from_time_t(secs);
}

Json general_name_text(const GENERAL_NAME* gn) {
  if (gn->type == GEN_DNS || gn->type == GEN_URI || gn->type == GEN_EMAIL) {
    return asn1_string_json(gn->d.ia5);
  }
  if (gn->type == GEN_IPADD) {
    const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
    const unsigned char* p = ASN1_STRING_get0_data(ip);
    int n = ASN1_STRING_length(ip);
    char buf[64] = {0};
    if (n == 4) {
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
      return std::string(buf);
    }
    if (n == 16) {
      std::string out;
      for (int i = 0; i < 16; i += 2) {
        if (i) out += ':';
        std::snprintf(buf, sizeof buf, "%x", (p[i] << 8) | p[i + 1]);
        out += buf;
      }
      return out;
    }
  }
  return nullptr;
}

Json san_json(const X509* cert) {
  Json out = Json::array();
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && out.size() < kMaxNames; ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_DNS && gn->type != GEN_IPADD) continue;
    Json v = general_name_text(gn);
    if (!v.is_null()) out.push_back(std::move(v));
  }
  GENERAL_NAMES_free(names);
  return out;
}

Json crl_urls_json(const X509* cert) {
  Json out = Json::array();
  auto* dps = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
  if (dps == nullptr) {
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_DIST_POINT_num(dps) && out.size() < kMaxNames; ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(dps, i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
    const GENERAL_NAMES* full = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(full) && out.size() < kMaxNames; ++j) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(full, j);
      if (gn->type != GEN_URI) continue;
      Json v = general_name_text(gn);
      if (!v.is_null()) out.push_back(std::move(v));
    }
  }
  CRL_DIST_POINTS_free(dps);
  return out;
}

Json ocsp_urls_json(const X509* cert) {
  Json out = Json::array();
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(mut(cert));
  for (int i = 0; i < sk_OPENSSL_STRING_num(urls) && out.size() < kMaxNames; ++i) {
    const char* u = sk_OPENSSL_STRING_value(urls, i);
    out.push_back(clean_utf8(std::string(u).substr(0, kMaxFieldBytes)));
  }
  X509_email_free(urls);
  ERR_clear_error();
  return out;
}

Json key_json(const X509* cert) {
  Json out{{"type", nullptr}, {"bits", nullptr}, {"curve", nullptr}};
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) {
    ERR_clear_error();
    return out;
  }
  int id = EVP_PKEY_get_base_id(key);
  switch (id) {
    case EVP_PKEY_RSA:
      out["type"] = "RSA";
      break;
    case EVP_PKEY_RSA_PSS:
      out["type"] = "RSA-PSS";
      break;
    case EVP_PKEY_EC:
      out["type"] = "EC";
      break;
    case EVP_PKEY_ED25519:
      out["type"] = "Ed25519";
      break;
    case EVP_PKEY_ED448:
      out["type"] = "Ed448";
      break;
    case EVP_PKEY_DSA:
      out["type"] = "DSA";
      break;
    default: {
      const char* sn = OBJ_nid2sn(id);
      if (sn != nullptr) out["type"] = sn;
    }
  }
  int bits = EVP_PKEY_get_bits(key);
  if (bits > 0) out["bits"] = bits;
  if (id == EVP_PKEY_EC) {
    char group[80] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) {
      out["curve"] = std::string(group, len);
    }
  }
  ERR_clear_error();
  return out;
}

}  // namespace

std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) ok = false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (len == 1 && c == 0)) {
        ok = false;
      }
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

Json certificate_facts(const x509_st* cert, TimePoint now) {
  Json out;
  out["subject"] = name_json(X509_get_subject_name(cert));
  out["issuer"] = name_json(X509_get_issuer_name(cert));

  Json serial = nullptr;
  if (const ASN1_INTEGER* sn = X509_get0_serialNumber(cert)) {
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(sn, nullptr)) {
      if (char* h = BN_bn2hex(bn)) {
        std::string s(h);
        OPENSSL_free(h);
        std::transform(s.begin(), s.end(), s.begin(), [](char c) { return std::tolower(c); });
        serial = s;
      }
      BN_free(bn);
    }
  }
  out["serial"] = serial;

  auto nb = asn1_time(X509_get0_notBefore(cert));
  auto na = asn1_time(X509_get0_notAfter(cert));
  out["not_before"] = nb ? Json(format_rfc3339(*nb)) : Json(nullptr);
  out["not_after"] = na ? Json(format_rfc3339(*na)) : Json(nullptr);
  using std::chrono::duration;
  using Days = duration<double, std::ratio<86400>>;
  if (na) {
    out["days_left"] = static_cast<int64_t>(std::floor(Days(*na - now).count()));
  } else {
    out["days_left"] = nullptr;
  }
  if (na && nb && *na >= *nb) {
    // CA/Browser Forum count: the validity period includes both ends (+1 s).
    double lifetime = Days(*na - *nb + std::chrono::seconds(1)).count();
    out["lifetime_days"] = std::round(lifetime * 10000) / 10000;
    double left = 100.0 * Days(*na - now).count() / std::max(lifetime, 1e-9);
    out["lifetime_left_pct"] = std::round(std::clamp(left, 0.0, 100.0) * 100) / 100;
  } else {
    out["lifetime_days"] = nullptr;
    out["lifetime_left_pct"] = nullptr;
  }

  out["key"] = key_json(cert);
  int sig_nid = X509_get_signature_nid(cert);
  const char* sig = sig_nid != NID_undef ? OBJ_nid2ln(sig_nid) : nullptr;
  out["signature_algorithm"] = sig != nullptr ? Json(sig) : Json(nullptr);
  out["san"] = san_json(cert);

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1) {
    out["sha256"] = hex(md, md_len);
  } else {
    out["sha256"] = nullptr;
  }
  out["is_ca"] = (X509_get_extension_flags(mut(cert)) & EXFLAG_CA) != 0;
  out["self_signed"] = X509_self_signed(mut(cert), 1) == 1;
  out["ocsp_urls"] = ocsp_urls_json(cert);
  out["crl_urls"] = crl_urls_json(cert);
  ERR_clear_error();
  return out;
}

bool hostname_matches(const x509_st* cert, std::string_view host) {
  std::string h(host);
  int rc = 0;
  if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(h.c_str())) {
    ASN1_OCTET_STRING_free(ip);
    rc = X509_check_ip_asc(mut(cert), h.c_str(), 0);
  } else {
    rc = X509_check_host(mut(cert), h.data(), h.size(), 0, nullptr);
  }
  ERR_clear_error();
  return rc == 1;
}

Result<std::vector<std::string>> split_certificates(std::string_view data, size_t max_certs) {
  std::vector<std::string> out;
  auto too_many = [&] {
    return fail(ErrorCode::kInvalidInput,
                "more than " + std::to_string(max_certs) + " certificates");
  };
  if (data.find("-----BEGIN") != std::string_view::npos) {
    BIO* bio =
        BIO_new_mem_buf(data.data(), static_cast<int>(std::min<size_t>(data.size(), INT32_MAX)));
    if (bio == nullptr) return fail(ErrorCode::kInternal, "out of memory");
    std::unique_ptr<BIO, decltype(&BIO_free)> guard(bio, BIO_free);
    while (true) {
      X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
      if (!cert) break;
      int len = i2d_X509(cert.get(), nullptr);
      if (len <= 0 || static_cast<size_t>(len) > kMaxCertBytes) {
        ERR_clear_error();
        return fail(ErrorCode::kInvalidInput, "certificate " + std::to_string(out.size() + 1) +
                                                  " is larger than " +
                                                  std::to_string(kMaxCertBytes) + " bytes");
      }
      if (out.size() == max_certs) return too_many();
      std::string der(static_cast<size_t>(len), '\0');
      auto* p = reinterpret_cast<unsigned char*>(der.data());
      i2d_X509(cert.get(), &p);
      out.push_back(std::move(der));
    }
    ERR_clear_error();
    if (out.empty()) return fail(ErrorCode::kInvalidInput, "no PEM certificate found");
    return out;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const auto* end = p + data.size();
  while (p < end) {
    const unsigned char* start = p;
    long remaining = static_cast<long>(end - p);
    X509Ptr cert(d2i_X509(nullptr, &p, remaining));
    if (!cert) {
      ERR_clear_error();
      return fail(ErrorCode::kInvalidInput,
                  "certificate " + std::to_string(out.size() + 1) + " is not valid DER (at byte " +
                      std::to_string(start - reinterpret_cast<const unsigned char*>(data.data())) +
                      ")");
    }
    size_t len = static_cast<size_t>(p - start);
    if (len > kMaxCertBytes) {
      return fail(ErrorCode::kInvalidInput, "certificate " + std::to_string(out.size() + 1) +
                                                " is larger than " + std::to_string(kMaxCertBytes) +
                                                " bytes");
    }
    if (out.size() == max_certs) return too_many();
    out.emplace_back(reinterpret_cast<const char*>(start), len);
  }
  if (out.empty()) return fail(ErrorCode::kInvalidInput, "no certificate");
  return out;
}

Result<Json> analyze_encoded_chain(std::string_view data, std::string_view host, TimePoint now) {
  auto ders = split_certificates(data, kMaxChainCerts);
  if (!ders) return ders.error();
  Json certs = Json::array();
  bool match = false;
  for (size_t i = 0; i < ders->size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>((*ders)[i].data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>((*ders)[i].size())));
    if (!cert) {
      ERR_clear_error();
      return fail(ErrorCode::kInvalidInput, "certificate " + std::to_string(i + 1) + " unreadable");
    }
    certs.push_back(certificate_facts(cert.get(), now));
    if (i == 0 && !host.empty()) match = hostname_matches(cert.get(), host);
  }
  return Json{{"length", certs.size()}, {"certs", std::move(certs)}, {"hostname_match", match}};
}

}  // namespace sov::probes::tls
