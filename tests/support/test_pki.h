// SPDX-License-Identifier: Apache-2.0
#pragma once
// TestPki: certificates, CRLs and OCSP responses generated at test time through OpenSSL's API
// (never committed). Variants cover what the TLS probe must tell apart: good RSA and ECDSA
// chains, expired, not yet valid, expiring soon, self-signed, untrusted root, wrong host,
// SHA-1-signed, weak RSA keys, CRL and OCSP URLs, huge certificates.
//
// Keys are generated once per TestPki and kind (RSA generation is slow) and reused across
// certificates; each certificate still has its own serial and validity. Not thread-safe: use one
// TestPki per test or fixture.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct x509_st;
struct evp_pkey_st;

namespace sov::testing {

enum class KeyKind { kRsa1024, kRsa2048, kRsa3072, kEcP256, kEcP384 };

/// A certificate with its private key. Cheap to copy (shared handles).
class Credential {
 public:
  Credential() = default;
  Credential(std::shared_ptr<x509_st> cert, std::shared_ptr<evp_pkey_st> key);

  x509_st* cert() const { return cert_.get(); }
  evp_pkey_st* key() const { return key_.get(); }
  std::string cert_pem() const;
  std::string key_pem() const;
  std::string der() const;
  bool valid() const { return cert_ != nullptr; }

 private:
  std::shared_ptr<x509_st> cert_;
  std::shared_ptr<evp_pkey_st> key_;
};

struct CertSpec {
  std::string cn = "localhost";
  std::string o;
  std::string c;
  std::vector<std::string> dns;  // subjectAltName DNS names
  std::vector<std::string> ips;  // subjectAltName IP addresses
  KeyKind key = KeyKind::kEcP256;
  /// Validity relative to now.
  std::chrono::seconds not_before{-3600};
  std::chrono::seconds lifetime{std::chrono::hours(24 * 90)};
  bool ca = false;
  bool sha1 = false;  // signed with SHA-1 instead of SHA-256
  std::string crl_url;
  std::string ocsp_url;
  size_t padding_bytes = 0;  // a private extension of this size (the 1 MB certificate)
};

class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  /// A certificate signed by `issuer`.
  Credential issue(const CertSpec& spec, const Credential& issuer);
  /// A self-signed certificate (a root when spec.ca).
  Credential self_signed(const CertSpec& spec);

  /// A CA certificate spec: `cn`, organisation and country, CA:TRUE, ten years.
  static CertSpec ca_spec(std::string cn, KeyKind key = KeyKind::kEcP256);
  /// A leaf for 127.0.0.1 and localhost.
  static CertSpec leaf_spec(KeyKind key = KeyKind::kEcP256);

  /// A DER CRL from `ca` listing `revoked`, valid from an hour ago for `next_update`.
  std::string crl(const Credential& ca, const std::vector<Credential>& revoked,
                  std::chrono::seconds next_update = std::chrono::hours(24));
  /// A DER OCSP response for `leaf`, signed by its issuer `ca`.
  std::string ocsp_response(const Credential& leaf, const Credential& ca, bool revoked);

  /// Writes a PEM bundle to `path`.
  static void write_pem(const std::string& path, const std::vector<Credential>& certs);

  std::shared_ptr<evp_pkey_st> key(KeyKind kind);

 private:
  Credential make(const CertSpec& spec, const Credential* issuer);

  std::map<KeyKind, std::shared_ptr<evp_pkey_st>> keys_;
  long serial_ = 1000;
};

/// A root, an intermediate and a leaf for 127.0.0.1/localhost.
struct TestChain {
  Credential root;
  Credential intermediate;
  Credential leaf;
};

}  // namespace sov::testing
