// SPDX-License-Identifier: Apache-2.0
#pragma once
// Certificate and chain analysis: an X.509 certificate in, its facts out (the shape of
// tls.chain.certs[i], tls.leaf and tls.anchor). Internal to probes/tls; also the surface of the
// tls_chain fuzz target. Pure functions: no I/O, callable from any thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

struct x509_st;

namespace sov::probes::tls {

/// Certificates of a served chain that are analysed; a server sending more fails the probe.
inline constexpr size_t kMaxChainCerts = 16;
/// Largest encoded certificate analysed.
inline constexpr size_t kMaxCertBytes = 64 * 1024;

/// The facts of one certificate (see tls_fact_schema() for every key). `now` gives days_left and
/// lifetime_left_pct. Never fails: a field that cannot be read is null.
model::Json certificate_facts(const x509_st* cert, TimePoint now);

/// Splits PEM (any number of CERTIFICATE blocks) or concatenated DER into DER blobs, at most
/// `max_certs` of at most kMaxCertBytes each. Errors: kInvalidInput naming the first problem.
Result<std::vector<std::string>> split_certificates(std::string_view data, size_t max_certs);

/// Facts of an encoded chain, leaf first: {"length": n, "certs": [...], "hostname_match": bool}
/// with the hostname checked against `host`. The tls_chain fuzz target's entry point.
Result<model::Json> analyze_encoded_chain(std::string_view data, std::string_view host,
                                          TimePoint now);

/// True when `host` (a DNS name or an IP literal) matches the certificate's names.
bool hostname_matches(const x509_st* cert, std::string_view host);

/// Replaces bytes that are not valid UTF-8 by U+FFFD, so that JSON serialisation cannot throw.
std::string clean_utf8(std::string_view text);

}  // namespace sov::probes::tls
