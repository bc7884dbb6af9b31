// SPDX-License-Identifier: Apache-2.0
// A planted secret access key reaches neither the store nor any output (STYLE.md B11). s3rver
// is given a key pair of the test's own; a real `sovereignctl scan` signs with it (the region
// fact proves s3rver accepted the request under that key), then every byte of the SQLite
// files, of what sovereignctl printed, of `findings --format json` and of `probe s3` is
// searched for it.
#include <array>
#include <cstdio>
#include <map>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/probes/s3/s3rver_fixture.h"
#include "tests/support/temp_dir.h"

namespace {

using sov::testing::S3rver;
using sov::testing::TempDir;
using ::testing::HasSubstr;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

std::string planted_secret() {
  std::random_device rd;
  std::string s = "PlantedS3Secret";
  for (int i = 0; i < 16; ++i) s += "abcdefghijklmnopqrstuvwxyz0123456789"[rd() % 36];
  return s;
}

TEST(S3Secret, PlantedSecretReachesNeitherStoreNorOutput) {
  ASSERT_TRUE(S3rver::installed()) << "run tests/probes/s3/install-s3rver.sh " << S3rver::prefix();
  const std::string secret = planted_secret();
  sov::testing::S3rverOptions options;
  options.access_key_id = "SOVPLANTEDKEY";
  options.secret = secret;
  S3rver server(options);
  ASSERT_TRUE(server.started());
  TempDir dir;
  std::string creds = dir.write("creds",
                                "[default]\naccess_key_id = SOVPLANTEDKEY\n"
                                "secret_access_key = " +
                                    secret + "\n");
  // The endpoint is named as an AWS regional host so that the engine's jurisdiction enrichment
  // has a provider to find; connect_to keeps every request on loopback (s3rver maps the
  // virtual-host name bucket-one.s3.eu-west-3.amazonaws.com to its bucket).
  std::string port = std::to_string(server.port());
  std::string cfg = dir.write("s.yaml", "store: s.db\nrules: [" + std::string(SOV_SOURCE_DIR) +
                                            "/rules]\ntargets:\n"
                                            "  - id: bucket\n    kind: s3\n"
                                            "    endpoint: http://s3.eu-west-3.amazonaws.com:" +
                                            port + "\n    connect_to: 127.0.0.1:" + port +
                                            "\n    bucket: bucket-one\n"
                                            "    credentials: { file: creds }\n"
                                            "    tags: { data_class: [health] }\n");
  std::string ctl = SOVEREIGNCTL;
  std::string scan = run(ctl + " scan --config " + cfg);
  EXPECT_THAT(scan, HasSubstr("1 target")) << scan;
  EXPECT_EQ(scan.find(secret), std::string::npos) << scan;

  std::string db = dir.file("s.db");
  std::string findings = run(ctl + " findings --db " + db + " --format json");
  EXPECT_EQ(findings.find(secret), std::string::npos);
  auto all = nlohmann::json::parse(findings, nullptr, false);
  ASSERT_TRUE(all.is_array()) << findings;
  std::map<std::string, nlohmann::json> evidence;
  for (const auto& f : all) {
    for (const auto& e : f["evidence"]) evidence[e["path"].get<std::string>()] = e["value"];
  }
  // The request under the planted key was accepted: the bucket's region is known, so is its
  // country (s3rver reports us-east-1; the host is AWS's, whose region table says US).
  EXPECT_EQ(evidence["s3.country"], "US") << findings;
  // The engine's jurisdiction enrichment ran on the s3 target: location.* and provider.* from
  // the endpoint's host name.
  EXPECT_EQ(evidence["location.country"], "FR") << findings;
  EXPECT_EQ(evidence["provider.seat_country"], "US") << findings;

  std::string facts = run(ctl + " probe s3 --endpoint " + server.endpoint() +
                          " --bucket bucket-one --credentials-file " + creds);
  EXPECT_THAT(facts, HasSubstr("\"region\": \"us-east-1\"")) << facts;
  EXPECT_EQ(facts.find(secret), std::string::npos);

  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string bytes = sov::testing::read_file(db + suffix);
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "secret found in " << db << suffix;
  }
}

}  // namespace
