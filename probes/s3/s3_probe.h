// SPDX-License-Identifier: Apache-2.0
#pragma once
// The S3 probe (kind `s3`): where an S3-compatible bucket stores and replicates its data and how
// it protects it. It sends signed (AWS Signature V4) or anonymous GET requests for the bucket's
// configuration documents and records s3.* facts: region and its country, default encryption,
// replication destinations with their regions and countries, versioning, object lock, public
// access (policy status and ACL). When the endpoint is https it also runs the TLS probe
// (handshake mode) on it, so tls.* facts sit beside s3.*. s3_fact_schema() lists every path.
//
// Target::spec fields read:
//   endpoint     "https://host[:port]", "http://host[:port]" or "host:port" (https) (required)
//   bucket       the bucket name (required)
//   region       region to sign with; default: the bucket's location, us-east-1 until known
//   addressing   "path" (https://host/bucket), "virtual" (https://bucket.host/) or "auto"
//                (default: virtual for a DNS-compatible bucket on a DNS name, else path)
//   credentials  {file: PATH} (AWS shared-credentials style, [profile] optional) or
//                {env: PREFIX} (PREFIX_ACCESS_KEY_ID and PREFIX_SECRET_ACCESS_KEY);
//                optional `profile`. None: anonymous requests.
//   ca_file      PEM trust anchors for https; default: the system's
//   connect_to   "host:port" to connect to instead of the URL's host (the Host header, SNI and
//                certificate check keep the URL's): split-horizon set-ups and tests
//
// An API the server does not implement (NotImplemented, 405, 501, an answer that is not the
// expected document) leaves its facts null with the reason in s3.unknown[*], never a pass. The
// "no configuration" answers (ServerSideEncryptionConfigurationNotFoundError,
// ReplicationConfigurationNotFoundError, ObjectLockConfigurationNotFoundError) are facts: false.
//
// ProbeResult::ok is false when the bucket could not be probed at all: bad spec, unreadable
// credentials, the endpoint refused, timed out, failed TLS verification or answered something
// other than HTTP, or the bucket does not exist. `error` reads "target (endpoint): reason".
//
// Secrets: the secret access key is read on every run, kept in memory that is wiped after use,
// and never appears in facts, errors or logs (a server message quoting it is redacted).
//
// Threading: as the TLS probe. run() starts asynchronous work on ctx.io and returns; `done` is
// called once on the thread running ctx.io. With ctx.io null, run() runs a private event loop and
// calls `done` before returning. Every request ends by ctx.deadline; each answer is capped.

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes::s3 {

struct S3ProbeOptions {
  /// Largest answer body read from the S3 endpoint; a larger one is an error of that request.
  size_t max_body = 1 << 20;
  /// Destination buckets whose location is asked for (replication), at most.
  size_t max_destinations = 16;
};

class S3Probe final : public Probe {
 public:
  explicit S3Probe(S3ProbeOptions options = {});
  ~S3Probe() override;
  S3Probe(const S3Probe&) = delete;
  S3Probe& operator=(const S3Probe&) = delete;

  std::string_view kind() const override { return "s3"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// Every fact path the S3 probe produces (producer "s3"); tls.* come from tls_fact_schema().
std::vector<model::FactSchemaEntry> s3_fact_schema();

}  // namespace sov::probes::s3
