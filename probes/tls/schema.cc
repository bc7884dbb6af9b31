// SPDX-License-Identifier: Apache-2.0
// The TLS probe's fact schema: every path it produces, its type and its meaning. The rule
// validator checks rule paths against this list; sovereign-rules(5) documents the same paths.
#include "probes/tls/tls_probe.h"

namespace sov::probes::tls {

using model::FactSchemaEntry;
using model::FactType;

namespace {

// The facts of one certificate, under `prefix` (tls.leaf, tls.anchor, tls.chain.certs[*]).
void add_certificate(std::vector<FactSchemaEntry>* out, const std::string& prefix,
                     const std::string& which) {
  const char* p = "tls";
  auto s = FactType::kString;
  auto a = FactType::kAny;
  auto add = [&](const std::string& key, FactType type, FactType elem, const std::string& what) {
    out->push_back({prefix + "." + key, type, elem, what + " (" + which + ")", p});
  };
  add("subject.cn", s, a, "subject common name, null if absent");
  add("subject.o", s, a, "subject organisation, null if absent");
  add("subject.c", s, a, "subject country (ISO 3166-1 alpha-2), null if absent");
  add("issuer.cn", s, a, "issuer common name");
  add("issuer.o", s, a, "issuer organisation");
  add("issuer.c", s, a, "issuer country (ISO 3166-1 alpha-2)");
  add("serial", s, a, "serial number, lower-case hexadecimal");
  add("not_before", FactType::kDate, a, "start of validity (RFC 3339, UTC)");
  add("not_after", FactType::kDate, a, "end of validity (RFC 3339, UTC)");
  add("days_left", FactType::kInteger, a,
      "whole days from the probe's time to not_after; negative once expired");
  add("lifetime_days", FactType::kNumber, a,
      "validity period in days, (not_after - not_before + 1 s) as the CA/Browser Forum counts it");
  add("lifetime_left_pct", FactType::kNumber, a,
      "share of the validity period still ahead at the probe's time, 0 to 100");
  add("key.type", s, a, "public key type: RSA, RSA-PSS, EC, Ed25519, Ed448, DSA");
  add("key.bits", FactType::kInteger, a, "public key size in bits (RSA modulus, EC group order)");
  add("key.curve", s, a,
      "EC curve name as OpenSSL names it (prime256v1, secp384r1); null if not EC");
  add("signature_algorithm", s, a,
      "signature algorithm of the certificate (sha256WithRSAEncryption, ecdsa-with-SHA384, ...)");
  add("san", FactType::kList, s, "subjectAltName DNS names and IP addresses");
  add("sha256", s, a, "SHA-256 fingerprint of the DER encoding, lower-case hexadecimal");
  add("is_ca", FactType::kBool, a, "basicConstraints CA:TRUE");
  add("self_signed", FactType::kBool, a,
      "issued by itself and its signature verifies with its own key");
  add("ocsp_urls", FactType::kList, s, "OCSP responders named in authorityInfoAccess");
  add("crl_urls", FactType::kList, s, "CRL distribution point URLs");
}

}  // namespace

std::vector<FactSchemaEntry> tls_fact_schema() {
  const char* p = "tls";
  auto s = FactType::kString;
  auto b = FactType::kBool;
  auto l = FactType::kList;
  auto a = FactType::kAny;
  std::vector<FactSchemaEntry> out = {
      {"tls.mode", s, a, "what the probe gathered: handshake (one handshake) or full", p},
      {"tls.endpoint.host", s, a, "host from the target's endpoint", p},
      {"tls.endpoint.port", FactType::kInteger, a, "TCP port", p},
      {"tls.endpoint.sni", s, a, "server name sent (SNI); null when none was sent (IP literal)", p},
      {"tls.endpoint.address", s, a, "address:port connected to; null if the connection failed", p},
      {"tls.handshake.ok", b, a, "the main handshake completed", p},
      {"tls.handshake.error", s, a, "why the connection or handshake failed; null when ok", p},
      {"tls.protocol", s, a, "negotiated protocol: TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3", p},
      {"tls.cipher", s, a, "negotiated cipher suite, IANA name (TLS_AES_256_GCM_SHA384)", p},
      {"tls.group", s, a,
       "key exchange group (x25519, secp256r1, ffdhe2048, DH-<bits>); null for RSA key exchange",
       p},
      {"tls.alpn", s, a, "protocol selected by ALPN; null when none was selected", p},
      {"tls.ocsp.stapled", b, a, "the server stapled an OCSP response", p},
      {"tls.versions.accepted", l, s,
       "protocol versions the server accepts, each tried on its own (full mode); null when a test "
       "was inconclusive or not run (see tls.unknown)",
       p},
      {"tls.versions.untestable", l, s, "versions this build's OpenSSL cannot offer", p},
      {"tls.ciphers.weak_accepted", l, s,
       "weak suites the server accepts (IANA names; EXPORT, NULL, anonymous, RC4, 3DES, static "
       "RSA key exchange, CBC mode), found with hand-built ClientHellos (full mode); null when "
       "inconclusive or not run",
       p},
      {"tls.compression", s, a,
       "compression the server selects when a TLS 1.2 client offers DEFLATE: none, deflate (full "
       "mode; TLS 1.3-only servers: none); null when inconclusive or not run",
       p},
      {"tls.chain.verified", b, a,
       "the served chain verifies to an anchor of the trust store at the probe's time", p},
      {"tls.chain.error", s, a, "OpenSSL's reason when not verified; null when verified", p},
      {"tls.chain.hostname_match", b, a, "the leaf's names match the SNI (or the host)", p},
      {"tls.chain.length", FactType::kInteger, a, "number of certificates served", p},
      {"tls.chain.served_complete", b, a,
       "the served certificates alone (without AIA fetching) form a path from the leaf to a "
       "self-signed root; false when an intermediate is missing",
       p},
      {"tls.chain.certs", l, FactType::kObject, "the served certificates, leaf first", p},
      {"tls.leaf", FactType::kObject, a, "the leaf certificate (tls.chain.certs[0])", p},
      {"tls.anchor", FactType::kObject, a,
       "the trust-store certificate the chain verified to; null when not verified", p},
      {"tls.revocation.status", s, a,
       "good, revoked or unknown (full mode; in handshake mode only from a stapled response)", p},
      {"tls.revocation.source", s, a, "ocsp-stapled, crl or ocsp; null when unknown", p},
      {"tls.unknown", l, FactType::kObject, "facts left null or unknown, with the reason", p},
      {"tls.unknown[*].path", s, a, "the fact path", p},
      {"tls.unknown[*].reason", s, a, "why it is unknown", p},
  };
  add_certificate(&out, "tls.chain.certs[*]", "each served certificate");
  add_certificate(&out, "tls.leaf", "leaf");
  add_certificate(&out, "tls.anchor", "trust anchor");
  return out;
}

}  // namespace sov::probes::tls
