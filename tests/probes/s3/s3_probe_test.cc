// SPDX-License-Identifier: Apache-2.0
// The S3 probe end to end: against a real s3rver on loopback (http and https, path and virtual
// host style, signed with a real key pair that s3rver verifies), against a loopback HTTP server
// serving the AWS API Reference documents for the APIs s3rver lacks (a stand-in, because no S3
// implementation that runs here implements them), and against hostile and silent servers.
#include "probes/s3/s3_probe.h"

#include <chrono>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/probes/s3/aws_documents.h"
#include "tests/probes/s3/s3rver_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_server.h"

namespace sov::probes::s3 {
namespace {

using model::Json;
using sov::testing::HostileServer;
using sov::testing::Hostility;
using sov::testing::HttpAnswer;
using sov::testing::LoopbackHttpServer;
using sov::testing::S3rver;
using sov::testing::S3rverOptions;
using sov::testing::TempDir;
using ::testing::HasSubstr;

ProbeResult probe(const Json& spec, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  model::Target t;
  t.id = "bucket";
  t.kind = "s3";
  t.spec = spec;
  S3Probe p;
  SystemClock clock;
  return probe_once(p, t, timeout, clock);
}

// The reason recorded for `path` in s3.unknown, or "" when it is not there.
std::string unknown_reason(const ProbeResult& r, const std::string& path) {
  for (const auto& u : r.facts.doc()["s3"]["unknown"]) {
    if (u["path"] == path) return u["reason"].get<std::string>();
  }
  return "";
}

std::string credentials_file(const TempDir& dir, const std::string& id, const std::string& secret) {
  return dir.write("credentials", "[default]\naws_access_key_id = " + id +
                                      "\naws_secret_access_key = " + secret + "\n");
}

class S3rverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(S3rver::installed())
        << "s3rver is not installed in " << S3rver::prefix()
        << ": run tests/probes/s3/install-s3rver.sh " << S3rver::prefix();
  }
  TempDir dir_;
};

TEST_F(S3rverTest, SignedRequestsReadTheLocationAndUnimplementedApisStayUnknown) {
  S3rver server(S3rverOptions{});
  ASSERT_TRUE(server.started());
  auto r = probe({{"endpoint", server.endpoint()},
                  {"bucket", "bucket-one"},
                  {"credentials", {{"file", credentials_file(dir_, "S3RVER", "S3RVER")}}}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& s3 = r.facts.doc()["s3"];
  EXPECT_EQ(s3["authenticated"], true);
  EXPECT_EQ(s3["addressing"], "path");
  EXPECT_EQ(s3["region"], "us-east-1");  // s3rver's empty LocationConstraint
  // A region name from a server that is no known provider's does not locate anything.
  EXPECT_TRUE(s3["country"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.country"), HasSubstr("no known provider's S3 endpoint"));
  // s3rver answers NotImplemented: null with the reason, never a pass.
  EXPECT_TRUE(s3["encryption"]["enabled"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.encryption"),
              HasSubstr("the server does not implement GetBucketEncryption (HTTP 501 "
                        "NotImplemented"));
  EXPECT_TRUE(s3["replication"]["enabled"].is_null());
  EXPECT_TRUE(s3["versioning"]["enabled"].is_null());
  EXPECT_TRUE(s3["object_lock"]["enabled"].is_null());
  EXPECT_TRUE(s3["public"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.public_acl"), HasSubstr("GetBucketAcl"));
  EXPECT_FALSE(r.facts.doc().contains("tls"));  // http: no TLS facts
}

// s3rver 3.7 checks only that the key id of a V4 signature exists; the launcher
// (s3rver-launch.js) adds an independent check of the signature itself.
TEST_F(S3rverTest, AWrongSecretIsRefusedBySignatureCheck) {
  S3rver server(S3rverOptions{});
  ASSERT_TRUE(server.started());
  auto r = probe({{"endpoint", server.endpoint()},
                  {"bucket", "bucket-one"},
                  {"credentials", {{"file", credentials_file(dir_, "S3RVER", "not-the-secret")}}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.facts.doc()["s3"]["region"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.region"),
              HasSubstr("GetBucketLocation was refused (HTTP 403 SignatureDoesNotMatch"));
  EXPECT_EQ(r.facts.doc().dump().find("not-the-secret"), std::string::npos);
}

TEST_F(S3rverTest, AnUnknownAccessKeyIsRefusedAndTheRegionStaysUnknown) {
  S3rver server(S3rverOptions{});
  ASSERT_TRUE(server.started());
  auto r =
      probe({{"endpoint", server.endpoint()},
             {"bucket", "bucket-one"},
             {"credentials", {{"file", credentials_file(dir_, "NOSUCHKEY", "not-the-secret")}}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.facts.doc()["s3"]["region"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.region"),
              HasSubstr("GetBucketLocation was refused (HTTP 403 InvalidAccessKeyId"));
  EXPECT_EQ(r.facts.doc().dump().find("not-the-secret"), std::string::npos);
}

TEST_F(S3rverTest, MissingBucketFailsTheProbeNamingTheEndpoint) {
  S3rver server(S3rverOptions{});
  ASSERT_TRUE(server.started());
  auto r = probe({{"endpoint", server.endpoint()}, {"bucket", "no-such-bucket"}});
  ASSERT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("bucket (" + server.endpoint() +
                                 "): bucket 'no-such-bucket' does not exist (GetBucketLocation: "
                                 "HTTP 404 NoSuchBucket"));
  EXPECT_EQ(r.facts.doc()["s3"]["authenticated"], false);
}

TEST_F(S3rverTest, HttpsVerifiesTheCertificateAndAddsTlsFacts) {
  S3rverOptions options;
  options.https = true;
  S3rver server(options);
  ASSERT_TRUE(server.started());
  auto r = probe({{"endpoint", server.endpoint()},
                  {"bucket", "bucket-one"},
                  {"ca_file", server.ca_file()},
                  {"credentials", {{"file", credentials_file(dir_, "S3RVER", "S3RVER")}}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.facts.doc()["s3"]["region"], "us-east-1");
  EXPECT_EQ(r.facts.doc()["s3"]["https"], true);
  ASSERT_TRUE(r.facts.doc().contains("tls")) << r.facts.doc().dump(2);
  EXPECT_THAT(r.facts.doc()["tls"]["protocol"].get<std::string>(), HasSubstr("TLSv1."));
  EXPECT_EQ(r.facts.doc()["tls"]["chain"]["verified"], true) << r.facts.doc()["tls"].dump(2);
  EXPECT_EQ(r.facts.doc()["tls"]["chain"]["hostname_match"], true);

  // The system trust store does not know the test root: the probe refuses to talk.
  auto untrusted = probe({{"endpoint", server.endpoint()}, {"bucket", "bucket-one"}});
  ASSERT_FALSE(untrusted.ok);
  EXPECT_THAT(untrusted.error,
              HasSubstr("bucket (" + server.endpoint() +
                        "): GetBucketLocation: certificate verify failed: unable to get local "
                        "issuer certificate"));
}

TEST_F(S3rverTest, VirtualHostStyleAddressesTheBucketByName) {
  // s3rver maps Host "<bucket>.s3.example.test" to the bucket; connect_to keeps the request on
  // loopback without any DNS.
  S3rverOptions options;
  options.service_endpoint = "example.test";
  S3rver server(options);
  ASSERT_TRUE(server.started());
  std::string port = std::to_string(server.port());
  auto r = probe({{"endpoint", "http://s3.example.test:" + port},
                  {"bucket", "bucket-one"},
                  {"connect_to", "127.0.0.1:" + port},
                  {"credentials", {{"file", credentials_file(dir_, "S3RVER", "S3RVER")}}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.facts.doc()["s3"]["addressing"], "virtual");
  EXPECT_EQ(r.facts.doc()["s3"]["host"], "bucket-one.s3.example.test");
  EXPECT_EQ(r.facts.doc()["s3"]["region"], "us-east-1");
  auto missing = probe({{"endpoint", "http://s3.example.test:" + port},
                        {"bucket", "other-bucket"},
                        {"addressing", "virtual"},
                        {"connect_to", "127.0.0.1:" + port}});
  ASSERT_FALSE(missing.ok);
  EXPECT_THAT(missing.error, HasSubstr("bucket 'other-bucket' does not exist"));
}

TEST_F(S3rverTest, CredentialsFromEnvironmentVariables) {
  S3rver server(S3rverOptions{});
  ASSERT_TRUE(server.started());
  ::setenv("SOV_TEST_S3_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("SOV_TEST_S3_SECRET_ACCESS_KEY", "S3RVER", 1);
  auto r = probe({{"endpoint", server.endpoint()},
                  {"bucket", "bucket-one"},
                  {"credentials", {{"env", "SOV_TEST_S3"}}}});
  ::unsetenv("SOV_TEST_S3_SECRET_ACCESS_KEY");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.facts.doc()["s3"]["region"], "us-east-1");
  auto unset = probe({{"endpoint", server.endpoint()},
                      {"bucket", "bucket-one"},
                      {"credentials", {{"env", "SOV_TEST_S3"}}}});
  ASSERT_FALSE(unset.ok);
  EXPECT_EQ(unset.error, "bucket (" + server.endpoint() +
                             "): environment variable SOV_TEST_S3_SECRET_ACCESS_KEY is not set");
}

// An S3 API stand-in serving the API Reference documents (s3rver implements none of these APIs).
// `answers` maps "bucket?subresource" to an answer; anything else is 404 NoSuchBucket.
LoopbackHttpServer aws_like(std::map<std::string, HttpAnswer> answers) {
  return LoopbackHttpServer(
      [answers](const std::string&, const std::string& path, const std::string&) {
        std::string key = path.substr(1);
        auto it = answers.find(key);
        if (it != answers.end()) return it->second;
        return HttpAnswer{404, aws::kErrorNoSuchBucket, "application/xml"};
      });
}

HttpAnswer xml(const char* body, int status = 200) { return {status, body, "application/xml"}; }

TEST(S3ProbeAwsDocuments, ReadsEveryConfigurationAndLocatesReplicas) {
  auto server = aws_like({
      {"hdh?location", xml(aws::kLocationEuWest3)},
      {"hdh?encryption", xml(aws::kEncryptionKms)},
      {"hdh?replication", xml(aws::kReplication)},
      {"exampletargetbucket?location", xml(aws::kLocationEmpty)},
      {"hdh?versioning", xml(aws::kVersioningEnabled)},
      {"hdh?object-lock", xml(aws::kObjectLock)},
      {"hdh?policyStatus", xml(aws::kPolicyStatusPrivate)},
      {"hdh?acl", xml(aws::kAclPublicRead)},
  });
  // The endpoint names an AWS region host so that the region table applies; connect_to keeps
  // every byte on loopback.
  auto r = probe({{"endpoint", "http://s3.eu-west-3.amazonaws.com"},
                  {"bucket", "hdh"},
                  {"addressing", "path"},
                  {"connect_to", "127.0.0.1:" + std::to_string(server.port())}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& s3 = r.facts.doc()["s3"];
  EXPECT_EQ(s3["provider"], "aws");
  EXPECT_EQ(s3["region"], "eu-west-3");
  EXPECT_EQ(s3["country"], "FR");
  EXPECT_EQ(r.facts.source_for("s3.country")->kind, model::SourceKind::kDerived);
  EXPECT_EQ(s3["encryption"]["enabled"], true);
  EXPECT_EQ(s3["encryption"]["algorithm"], "aws:kms");
  EXPECT_THAT(s3["encryption"]["kms_key"].get<std::string>(), HasSubstr("arn:aws:kms:eu-west-3"));
  EXPECT_EQ(s3["replication"]["enabled"], true);
  ASSERT_EQ(s3["replication"]["destinations"].size(), 1u);
  EXPECT_EQ(s3["replication"]["destinations"][0]["bucket"], "exampletargetbucket");
  EXPECT_EQ(s3["replication"]["destinations"][0]["region"], "us-east-1");
  EXPECT_EQ(s3["replication"]["destinations"][0]["country"], "US");
  EXPECT_EQ(s3["versioning"]["status"], "enabled");
  EXPECT_EQ(s3["object_lock"]["enabled"], true);
  EXPECT_EQ(s3["object_lock"]["mode"], "COMPLIANCE");
  EXPECT_EQ(s3["object_lock"]["retention_days"], 30);
  EXPECT_EQ(s3["public_policy"], false);
  EXPECT_EQ(s3["public_acl"], true);
  EXPECT_EQ(s3["public"], true);
  EXPECT_EQ(s3["public_grants"][0], "AllUsers:READ");
  EXPECT_TRUE(s3["unknown"].empty()) << s3["unknown"].dump(2);
}

TEST(S3ProbeAwsDocuments, NoConfigurationAnswersAreFactsNotUnknowns) {
  auto server = aws_like({
      {"b1?location", xml(aws::kLocationEuWest3)},
      {"b1?encryption", xml(aws::kErrorNoEncryption, 404)},
      {"b1?replication", xml(aws::kErrorNoReplication, 404)},
      {"b1?versioning", xml(aws::kVersioningNever)},
      {"b1?object-lock", xml(aws::kErrorNoObjectLock, 404)},
      {"b1?policyStatus", xml("<Error><Code>NoSuchBucketPolicy</Code></Error>", 404)},
      {"b1?acl", xml(aws::kAclPrivate)},
  });
  auto r =
      probe({{"endpoint", "http://127.0.0.1:" + std::to_string(server.port())}, {"bucket", "b1"}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& s3 = r.facts.doc()["s3"];
  EXPECT_EQ(s3["encryption"]["enabled"], false);
  EXPECT_EQ(s3["replication"]["enabled"], false);
  EXPECT_TRUE(s3["replication"]["destinations"].empty());
  EXPECT_EQ(s3["versioning"]["status"], "disabled");
  EXPECT_EQ(s3["versioning"]["enabled"], false);
  EXPECT_EQ(s3["object_lock"]["enabled"], false);
  EXPECT_EQ(s3["public"], false);
  // Only the country stays unknown (127.0.0.1 is no provider's endpoint).
  ASSERT_EQ(s3["unknown"].size(), 1u) << s3["unknown"].dump(2);
  EXPECT_EQ(s3["unknown"][0]["path"], "s3.country");
}

TEST(S3ProbeAwsDocuments, UnexpectedDocumentsAndStatusesAreUnknown) {
  auto server = aws_like({
      {"b2?location", xml(aws::kLocationEuWest3)},
      {"b2?encryption", xml(aws::kVersioningEnabled)},                   // some other document
      {"b2?replication", xml("<ReplicationConfiguration><Rule>", 200)},  // truncated
      {"b2?versioning", xml("", 405)},
      {"b2?object-lock", xml("<Error><Code>AccessDenied</Code><Message>no</Message></Error>", 403)},
      {"b2?policyStatus", xml("", 500)},
      {"b2?acl", xml(aws::kAclPrivate)},
  });
  auto r =
      probe({{"endpoint", "http://127.0.0.1:" + std::to_string(server.port())}, {"bucket", "b2"}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& s3 = r.facts.doc()["s3"];
  EXPECT_TRUE(s3["encryption"]["enabled"].is_null());
  EXPECT_EQ(unknown_reason(r, "s3.encryption"),
            "GetBucketEncryption: the answer is not a ServerSideEncryptionConfiguration "
            "(unexpected root <VersioningConfiguration>, expected "
            "<ServerSideEncryptionConfiguration>)");
  EXPECT_THAT(unknown_reason(r, "s3.replication"), HasSubstr("XML line 1, column 33"));
  EXPECT_EQ(unknown_reason(r, "s3.versioning"),
            "the server does not implement GetBucketVersioning (HTTP 405)");
  EXPECT_EQ(unknown_reason(r, "s3.object_lock"),
            "GetObjectLockConfiguration was refused (HTTP 403 AccessDenied: no)");
  EXPECT_EQ(unknown_reason(r, "s3.public_policy"), "GetBucketPolicyStatus answered HTTP 500");
  // The ACL is private but the policy is unknown: public is unknown, not false.
  EXPECT_TRUE(s3["public"].is_null());
  EXPECT_EQ(s3["public_acl"], false);
}

TEST(S3ProbeAwsDocuments, AReplicaBucketMissingHereLeavesItsRegionUnknown) {
  auto server = aws_like({
      {"b3?location", xml(aws::kLocationEuWest3)},
      {"b3?replication", xml(aws::kReplication)},  // exampletargetbucket: NoSuchBucket here
      {"b3?encryption", xml(aws::kErrorNoEncryption, 404)},
      {"b3?versioning", xml(aws::kVersioningNever)},
      {"b3?object-lock", xml(aws::kErrorNoObjectLock, 404)},
      {"b3?policyStatus", xml(aws::kPolicyStatusPrivate)},
      {"b3?acl", xml(aws::kAclPrivate)},
  });
  auto r =
      probe({{"endpoint", "http://127.0.0.1:" + std::to_string(server.port())}, {"bucket", "b3"}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& dest = r.facts.doc()["s3"]["replication"]["destinations"][0];
  EXPECT_EQ(dest["bucket"], "exampletargetbucket");
  EXPECT_TRUE(dest["region"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.replication.destinations[0].region"),
              HasSubstr("location of destination bucket 'exampletargetbucket': bucket "
                        "'exampletargetbucket' does not exist"));
}

TEST(S3ProbeHostile, SilentServerEndsByTheDeadlineNamingTheEndpoint) {
  HostileServer silent(Hostility::kSilent);
  std::string endpoint = "http://" + silent.endpoint();
  auto started = std::chrono::steady_clock::now();
  auto r = probe({{"endpoint", endpoint}, {"bucket", "b"}}, std::chrono::milliseconds(600));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "bucket (" + endpoint + "): GetBucketLocation: timed out reading the answer");
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_TRUE(r.facts.doc()["s3"]["encryption"]["enabled"].is_null());
  EXPECT_THAT(unknown_reason(r, "s3.encryption.enabled"), HasSubstr("not reached: "));
}

// The hostile server answers "HTTP/1.0 400" and binary garbage as a body that only the close
// would end, then falls silent: the deadline ends the read.
TEST(S3ProbeHostile, GarbageBodyThenSilenceEndsByTheDeadline) {
  HostileServer garbage(Hostility::kGarbage);
  std::string endpoint = "http://" + garbage.endpoint();
  auto r = probe({{"endpoint", endpoint}, {"bucket", "b"}}, std::chrono::milliseconds(800));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "bucket (" + endpoint + "): GetBucketLocation: timed out reading the answer");
}

TEST(S3ProbeHostile, GarbageXmlFailsTheProbeWithThePosition) {
  LoopbackHttpServer server([](const std::string&, const std::string&, const std::string&) {
    return HttpAnswer{200, "<LocationConstraint><<garbage", "application/xml"};
  });
  std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  auto r = probe({{"endpoint", endpoint}, {"bucket", "b"}});
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "bucket (" + endpoint +
                         "): GetBucketLocation: the answer is not S3's LocationConstraint "
                         "document (XML line 1, column 22: expected a name)");
}

TEST(S3ProbeHostile, HugeBodyIsCutAtTheCap) {
  LoopbackHttpServer server([](const std::string&, const std::string&, const std::string&) {
    return HttpAnswer{200, std::string(3 << 20, 'x'), "application/xml"};
  });
  std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  auto r = probe({{"endpoint", endpoint}, {"bucket", "b"}});
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "bucket (" + endpoint + "): GetBucketLocation: answer larger than 1048576 bytes");
}

TEST(S3ProbeSpec, BadSpecsNameTheField) {
  EXPECT_EQ(probe({{"bucket", "b"}}).error,
            "bucket: spec: endpoint is required (https://host[:port])");
  EXPECT_EQ(probe({{"endpoint", "https://s3.example"}}).error, "bucket: spec: bucket is required");
  EXPECT_EQ(probe({{"endpoint", "ftp://x"}, {"bucket", "b"}}).error,
            "bucket: spec: endpoint 'ftp://x' is neither http:// nor https://");
  EXPECT_EQ(probe({{"endpoint", "https://x/path"}, {"bucket", "b"}}).error,
            "bucket: spec: endpoint 'https://x/path' must be scheme://host[:port] without a path");
  EXPECT_EQ(probe({{"endpoint", "https://x"}, {"bucket", "b"}, {"addressing", "sideways"}}).error,
            "bucket: spec: addressing must be path, virtual or auto, not 'sideways'");
  EXPECT_EQ(probe({{"endpoint", "https://127.0.0.1"}, {"bucket", "b.c"}, {"addressing", "virtual"}})
                .error,
            "bucket: spec: bucket 'b.c' cannot be addressed as a host name (virtual)");
  EXPECT_EQ(probe({{"endpoint", "https://x"},
                   {"bucket", "b"},
                   {"credentials", {{"file", "/nonexistent/creds"}}}})
                .error,
            "bucket (https://x:443): cannot read credentials file /nonexistent/creds: No such file "
            "or directory");
}

TEST(S3ProbeSchema, EveryProducedPathIsInTheSchema) {
  auto server = aws_like({
      {"hdh?location", xml(aws::kLocationEuWest3)},
      {"hdh?encryption", xml(aws::kEncryptionKms)},
      {"hdh?replication", xml(aws::kReplication)},
      {"exampletargetbucket?location", xml(aws::kLocationEmpty)},
      {"hdh?versioning", xml(aws::kVersioningSuspended)},
      {"hdh?object-lock", xml(aws::kObjectLock)},
      {"hdh?policyStatus", xml(aws::kPolicyStatusPublic)},
      {"hdh?acl", xml(aws::kAclPublicRead)},
  });
  auto r =
      probe({{"endpoint", "http://127.0.0.1:" + std::to_string(server.port())}, {"bucket", "hdh"}});
  ASSERT_TRUE(r.ok) << r.error;
  model::FactSchema schema;
  schema.add_all(s3_fact_schema());
  // Every key below s3, list elements' keys included (the elements themselves are covered by
  // their list's entry).
  std::function<void(const Json&, const std::string&, bool)> walk =
      [&](const Json& j, const std::string& path, bool check) {
        if (check) {
          EXPECT_NE(schema.lookup(path), nullptr) << path;
        }
        if (j.is_object()) {
          for (const auto& [k, v] : j.items()) walk(v, path + "." + k, true);
        } else if (j.is_array()) {
          for (size_t i = 0; i < j.size(); ++i) {
            walk(j[i], path + "[" + std::to_string(i) + "]", false);
          }
        }
      };
  walk(r.facts.doc()["s3"], "s3", true);
}

}  // namespace
}  // namespace sov::probes::s3
