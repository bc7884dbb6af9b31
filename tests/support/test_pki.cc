// SPDX-License-Identifier: Apache-2.0
#include "tests/support/test_pki.h"

#include <fstream>
#include <stdexcept>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sov::testing {

namespace {

// Test helpers may throw: a broken fixture should fail the test loudly.
void check(bool ok, const char* what) {
  if (!ok) {
    unsigned long e = ERR_get_error();
    char buf[256] = {0};
    ERR_error_string_n(e, buf, sizeof buf);
    throw std::runtime_error(std::string("TestPki: ") + what + ": " + buf);
  }
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

Credential::Credential(std::shared_ptr<x509_st> cert, std::shared_ptr<evp_pkey_st> key)
    : cert_(std::move(cert)), key_(std::move(key)) {}

std::string Credential::cert_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert_.get());
  return bio_string(bio);
}

std::string Credential::key_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_string(bio);
}

std::string Credential::der() const {
  int len = i2d_X509(cert_.get(), nullptr);
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(cert_.get(), &p);
  return out;
}

TestPki::TestPki() = default;
TestPki::~TestPki() = default;

std::shared_ptr<EVP_PKEY> TestPki::key(KeyKind kind) {
  auto it = keys_.find(kind);
  if (it != keys_.end()) return it->second;
  EVP_PKEY* k = nullptr;
  switch (kind) {
    case KeyKind::kRsa1024:
      k = EVP_RSA_gen(1024);
      break;
    case KeyKind::kRsa2048:
      k = EVP_RSA_gen(2048);
      break;
    case KeyKind::kRsa3072:
      k = EVP_RSA_gen(3072);
      break;
    case KeyKind::kEcP256:
      k = EVP_EC_gen("P-256");
      break;
    case KeyKind::kEcP384:
      k = EVP_EC_gen("P-384");
      break;
  }
  check(k != nullptr, "key generation");
  std::shared_ptr<EVP_PKEY> key(k, EVP_PKEY_free);
  keys_[kind] = key;
  return key;
}

CertSpec TestPki::ca_spec(std::string cn, KeyKind key) {
  CertSpec s;
  s.cn = std::move(cn);
  s.o = "Sovereign Test CA";
  s.c = "FR";
  s.key = key;
  s.ca = true;
  s.lifetime = std::chrono::hours(24 * 3650);
  return s;
}

CertSpec TestPki::leaf_spec(KeyKind key) {
  CertSpec s;
  s.cn = "localhost";
  s.o = "Sovereign Test Site";
  s.c = "FR";
  s.dns = {"localhost"};
  s.ips = {"127.0.0.1"};
  s.key = key;
  return s;
}

Credential TestPki::issue(const CertSpec& spec, const Credential& issuer) {
  return make(spec, &issuer);
}

Credential TestPki::self_signed(const CertSpec& spec) { return make(spec, nullptr); }

Credential TestPki::make(const CertSpec& spec, const Credential* issuer) {
  auto pkey = key(spec.key);
  X509* raw = X509_new();
  check(raw != nullptr, "X509_new");
  std::shared_ptr<X509> cert(raw, X509_free);
  X509_set_version(raw, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(raw), ++serial_);
  X509_gmtime_adj(X509_getm_notBefore(raw), static_cast<long>(spec.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(raw),
                  static_cast<long>((spec.not_before + spec.lifetime).count()));
  X509_set_pubkey(raw, pkey.get());
  X509_NAME* name = X509_get_subject_name(raw);
  auto add_name = [&](const char* field, const std::string& value) {
    if (value.empty()) return;
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add_name("C", spec.c);
  add_name("O", spec.o);
  add_name("CN", spec.cn);
  X509* issuer_cert = issuer != nullptr ? issuer->cert() : raw;
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key() : pkey.get();
  X509_set_issuer_name(raw, X509_get_subject_name(issuer_cert));

  add_ext(raw, issuer_cert, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(raw, issuer_cert, NID_key_usage,
          spec.ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                  : "critical,digitalSignature,keyEncipherment");
  add_ext(raw, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(raw, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!spec.ca) add_ext(raw, issuer_cert, NID_ext_key_usage, "serverAuth");
  std::string san;
  for (const auto& d : spec.dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : spec.ips) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!san.empty()) add_ext(raw, issuer_cert, NID_subject_alt_name, san);
  if (!spec.crl_url.empty()) {
    add_ext(raw, issuer_cert, NID_crl_distribution_points, "URI:" + spec.crl_url);
  }
  if (!spec.ocsp_url.empty()) {
    add_ext(raw, issuer_cert, NID_info_access, "OCSP;URI:" + spec.ocsp_url);
  }
  if (spec.padding_bytes > 0) {
    // A private, non-critical extension carrying junk: the way to make a huge certificate.
    ASN1_OBJECT* obj = OBJ_txt2obj("1.3.6.1.4.1.55555.1", 1);
    ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
    std::string junk(spec.padding_bytes, 'x');
    ASN1_OCTET_STRING_set(data, reinterpret_cast<const unsigned char*>(junk.data()),
                          static_cast<int>(junk.size()));
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, data);
    check(ext != nullptr, "padding extension");
    X509_add_ext(raw, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(data);
    ASN1_OBJECT_free(obj);
  }
  check(X509_sign(raw, signing_key, spec.sha1 ? EVP_sha1() : EVP_sha256()) > 0, "X509_sign");
  return Credential(cert, pkey);
}

std::string TestPki::crl(const Credential& ca, const std::vector<Credential>& revoked,
                         std::chrono::seconds next_update) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.cert()));
  ASN1_TIME* last = X509_gmtime_adj(nullptr, -3600);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, static_cast<long>(next_update.count()));
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  for (const auto& r : revoked) {
    X509_REVOKED* rev = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(rev, const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(r.cert())));
    X509_REVOKED_set_revocationDate(rev, last);
    X509_CRL_add0_revoked(crl, rev);
  }
  X509_CRL_sort(crl);
  check(X509_CRL_sign(crl, ca.key(), EVP_sha256()) > 0, "X509_CRL_sign");
  int len = i2d_X509_CRL(crl, nullptr);
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509_CRL(crl, &p);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  return out;
}

std::string TestPki::ocsp_response(const Credential& leaf, const Credential& ca, bool revoked) {
  OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, leaf.cert(), ca.cert());
  ASN1_TIME* now = X509_gmtime_adj(nullptr, -60);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 3600 * 24);
  check(OCSP_basic_add1_status(basic, id,
                               revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD,
                               revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                               revoked ? now : nullptr, now, next) != nullptr,
        "OCSP_basic_add1_status");
  check(OCSP_basic_sign(basic, ca.cert(), ca.key(), EVP_sha256(), nullptr, 0) == 1,
        "OCSP_basic_sign");
  OCSP_RESPONSE* resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
  int len = i2d_OCSP_RESPONSE(resp, nullptr);
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_OCSP_RESPONSE(resp, &p);
  OCSP_RESPONSE_free(resp);
  OCSP_BASICRESP_free(basic);
  OCSP_CERTID_free(id);
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  return out;
}

void TestPki::write_pem(const std::string& path, const std::vector<Credential>& certs) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& c : certs) out << c.cert_pem();
}

}  // namespace sov::testing
