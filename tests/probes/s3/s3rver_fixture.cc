// SPDX-License-Identifier: Apache-2.0
#include "tests/probes/s3/s3rver_fixture.h"

#include <sys/stat.h>

namespace sov::testing {

std::string S3rver::prefix() { return SOV_S3RVER_PREFIX; }

bool S3rver::installed() {
  struct stat st {};
  return ::stat((prefix() + "/node_modules/s3rver/package.json").c_str(), &st) == 0;
}

S3rver::S3rver(S3rverOptions options) : options_(std::move(options)) {
  port_ = free_port();
  std::vector<std::string> argv = {
      "node",      std::string(SOV_SOURCE_DIR) + "/tests/probes/s3/s3rver-launch.js",
      "--modules", prefix(),
      "--port",    std::to_string(port_),
      "--dir",     dir_.file("data")};
  for (const auto& b : options_.buckets) {
    argv.push_back("--bucket");
    argv.push_back(b);
  }
  if (options_.https) {
    TestPki pki;
    Credential root = pki.self_signed(TestPki::ca_spec("S3 Test Root"));
    Credential leaf = pki.issue(TestPki::leaf_spec(), root);
    dir_.write("root.pem", root.cert_pem());
    argv.insert(argv.end(), {"--key", dir_.write("leaf.key", leaf.key_pem()), "--cert",
                             dir_.write("leaf.pem", leaf.cert_pem())});
  }
  if (!options_.service_endpoint.empty()) {
    argv.insert(argv.end(), {"--service-endpoint", options_.service_endpoint});
  }
  if (!options_.access_key_id.empty()) {
    argv.insert(argv.end(), {"--access-key-id", options_.access_key_id, "--secret-file",
                             dir_.write("secret", options_.secret)});
  }
  server_ = std::make_unique<ExternalServer>(argv, port_);
}

std::string S3rver::endpoint() const {
  return std::string(options_.https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

}  // namespace sov::testing
