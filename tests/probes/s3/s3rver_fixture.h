// SPDX-License-Identifier: Apache-2.0
#pragma once
// A real s3rver (npm s3rver 3.x, installed into the build tree by install-s3rver.sh) on
// 127.0.0.1 and a free port, over http or https (a certificate from the test PKI), with buckets
// created at start-up and, optionally, an access key pair of the test's own.

#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_server.h"

namespace sov::testing {

struct S3rverOptions {
  bool https = false;
  std::vector<std::string> buckets = {"bucket-one"};
  std::string service_endpoint;  // s3rver's vhost domain ("s3.example.test" style hosts)
  std::string access_key_id;     // extra key pair; empty: only S3RVER/S3RVER
  std::string secret;
};

class S3rver {
 public:
  explicit S3rver(S3rverOptions options);
  bool started() const { return server_ && server_->started(); }
  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string endpoint() const;
  /// The PEM trust anchor of the https certificate.
  std::string ca_file() const { return dir_.file("root.pem"); }
  const TempDir& dir() const { return dir_; }

  /// Where s3rver lives (SOV_S3RVER_PREFIX) and whether it is installed.
  static std::string prefix();
  static bool installed();

 private:
  S3rverOptions options_;
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ExternalServer> server_;
};

}  // namespace sov::testing
