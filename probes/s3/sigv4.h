// SPDX-License-Identifier: Apache-2.0
#pragma once
// AWS Signature Version 4 (HMAC-SHA256 over a canonical request), as S3 and the S3-compatible
// services expect it in the Authorization header. Pure functions, no I/O, no clock: the caller
// passes the request time, so the published AWS test vectors can be replayed exactly.
//
// Reference: "Signature Version 4 signing process" and "Authenticating Requests: Using the
// Authorization Header (AWS Signature Version 4)" in the AWS documentation. S3 differs from the
// generic process in one point: the path is URI-encoded once, not twice.
//
// Secrets: Credentials wipes its secret when destroyed; no function here returns or formats the
// secret (the derived signing key is internal to sign()).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/base/time.h"

namespace sov::probes::s3 {

/// An access key pair. The secret is wiped (OPENSSL_cleanse) on destruction.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;

  Credentials() = default;
  Credentials(std::string id, std::string secret)
      : access_key_id(std::move(id)), secret_access_key(std::move(secret)) {}
  Credentials(const Credentials&) = default;
  Credentials& operator=(const Credentials&) = default;
  ~Credentials();
  bool empty() const { return access_key_id.empty(); }
};

/// What is signed. `path` is the request path as sent (already percent-encoded, "/" for the
/// root); `query` holds decoded name/value pairs (a valueless sub-resource like "?location" is
/// {"location", ""}); `headers` must contain host and x-amz-date, and x-amz-content-sha256 for
/// S3. Header names are compared case-insensitively; values are trimmed when canonicalised.
struct SignedRequest {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // lower-case hex SHA-256 of the body
};

/// The credential scope: date (YYYYMMDD), region, service ("s3").
struct Scope {
  std::string date;
  std::string region;
  std::string service = "s3";

  std::string to_string() const;  // "20130524/us-east-1/s3/aws4_request"
};

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything else
/// %XX in upper case; '/' kept when `keep_slash` (paths).
std::string uri_encode(std::string_view text, bool keep_slash);

/// "20150830T123600Z" for `t` (UTC).
std::string amz_date(TimePoint t);

/// The canonical request (method, path, sorted query, sorted lower-case headers, signed header
/// list, payload hash), newline-separated.
std::string canonical_request(const SignedRequest& request);

/// "host;x-amz-content-sha256;x-amz-date": the sorted, lower-case names of request.headers.
std::string signed_headers(const SignedRequest& request);

/// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of the canonical request>".
std::string string_to_sign(std::string_view amz_date_text, const Scope& scope,
                           std::string_view canonical);

/// Lower-case hex of the derived signing key (kSigning): exposed for the AWS documentation's
/// key-derivation example only.
std::string signing_key_hex(std::string_view secret, const Scope& scope);

/// Lower-case hex signature of `request` at `amz_date_text` (its x-amz-date header value).
std::string signature(const Credentials& credentials, const Scope& scope,
                      std::string_view amz_date_text, const SignedRequest& request);

/// The Authorization header value:
/// "AWS4-HMAC-SHA256 Credential=ID/SCOPE, SignedHeaders=..., Signature=...".
std::string authorization(const Credentials& credentials, const Scope& scope,
                          std::string_view amz_date_text, const SignedRequest& request);

}  // namespace sov::probes::s3
