// SPDX-License-Identifier: Apache-2.0
#pragma once
// Revocation checks for the leaf: a CRL (DER or PEM, as fetched over HTTP) or an OCSP response
// (stapled or from the responder), each verified against the issuer before its answer is
// believed. Internal to probes/tls. Pure functions, no I/O.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/base/time.h"

struct x509_st;
struct X509_crl_st;
struct x509_store_st;
struct stack_st_X509;

namespace sov::probes::tls {

struct RevocationVerdict {
  std::string status;  // "good", "revoked" or "unknown"
  std::string reason;  // why unknown, or the revocation reason; empty when good
};

struct CrlDeleter {
  void operator()(X509_crl_st* crl) const;
};
using CrlPtr = std::shared_ptr<X509_crl_st>;

/// Parses a CRL (DER or PEM). Errors: nullptr, with `error` saying why.
CrlPtr parse_crl(std::string_view data, std::string* error);
/// The CRL's nextUpdate, if it has one.
std::optional<TimePoint> crl_next_update(const X509_crl_st* crl);

/// The leaf's status in `crl`, whose signature must verify with `issuer`'s key and whose
/// nextUpdate must not have passed at `now`.
RevocationVerdict check_crl(const X509_crl_st* crl, x509_st* leaf, x509_st* issuer, TimePoint now);

/// The leaf's status in a DER OCSP response, verified with `untrusted` (the served chain) and
/// `store` (the trust store).
RevocationVerdict check_ocsp_response(std::string_view der, x509_st* leaf, x509_st* issuer,
                                      stack_st_X509* untrusted, x509_store_st* store);

/// A DER OCSP request for the leaf (SHA-1 CertID, as responders expect), or "" on failure.
std::string build_ocsp_request(x509_st* leaf, x509_st* issuer);

}  // namespace sov::probes::tls
