// SPDX-License-Identifier: Apache-2.0
// AWS Signature V4 against the values AWS publishes. Sources of the expected values:
// - [suite] the AWS SigV4 test suite, case "get-vanilla" (access key AKIDEXAMPLE, secret
//   wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service "service"),
//   formerly https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html;
// - [s3] "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)",
//   Examples (access key AKIAIOSFODNN7EXAMPLE, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,
//   20130524T000000Z, us-east-1, examplebucket), https://docs.aws.amazon.com/AmazonS3/latest/
//   API/sig-v4-header-based-auth.html;
// - [derive] "Examples of how to derive a signing key for Signature Version 4" (secret
//   wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam),
//   https://docs.aws.amazon.com/general/latest/gr/signature-v4-examples.html.
#include "probes/s3/sigv4.h"

#include <gtest/gtest.h>

namespace sov::probes::s3 {
namespace {

constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4, DerivesTheDocumentedSigningKey) {  // [derive]
  Scope scope{"20120215", "us-east-1", "iam"};
  EXPECT_EQ(signing_key_hex("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", scope),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4, SignsTheTestSuiteGetVanillaCase) {  // [suite] get-vanilla
  Credentials creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  SignedRequest r;
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payload_sha256 = kEmpty;
  Scope scope{"20150830", "us-east-1", "service"};
  std::string canonical = canonical_request(r);
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                std::string(kEmpty));
  EXPECT_EQ(string_to_sign("20150830T123600Z", scope, canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(authorization(creds, scope, "20150830T123600Z", r),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

class SigV4S3Examples : public ::testing::Test {
 protected:
  Credentials creds_{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  Scope scope_{"20130524", "us-east-1", "s3"};
  SignedRequest request(std::string path) {
    SignedRequest r;
    r.path = std::move(path);
    r.payload_sha256 = kEmpty;
    r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"x-amz-content-sha256", kEmpty},
                 {"x-amz-date", "20130524T000000Z"}};
    return r;
  }
};

TEST_F(SigV4S3Examples, GetObjectWithRange) {  // [s3] Example: GET Object
  SignedRequest r = request("/test.txt");
  r.headers.push_back({"Range", "bytes=0-9"});
  EXPECT_EQ(signed_headers(r), "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(sha256_hex(canonical_request(r)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signature(creds_, scope_, "20130524T000000Z", r),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_F(SigV4S3Examples, GetBucketLifecycleSubresource) {  // [s3] Example: GET Bucket Lifecycle
  SignedRequest r = request("/");
  r.query = {{"lifecycle", ""}};
  EXPECT_EQ(canonical_request(r).substr(0, 17), "GET\n/\nlifecycle=\n");
  EXPECT_EQ(signature(creds_, scope_, "20130524T000000Z", r),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_F(SigV4S3Examples, ListObjectsSortsTheQuery) {  // [s3] Example: Get Bucket (List Objects)
  SignedRequest r = request("/");
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};
  EXPECT_EQ(canonical_request(r).substr(0, 26), "GET\n/\nmax-keys=2&prefix=J\n");
  EXPECT_EQ(signature(creds_, scope_, "20130524T000000Z", r),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, EncodesAsRfc3986Unreserved) {
  EXPECT_EQ(uri_encode("a b/c~d_e.f-g*", true), "a%20b/c~d_e.f-g%2A");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xC3\xA9", false), "%C3%A9");
}

TEST(SigV4, FormatsTheRequestDateInUtc) {
  EXPECT_EQ(amz_date(from_unix_seconds(1440938160)), "20150830T123600Z");
}

TEST(SigV4, CredentialsWipeTheirSecret) {
  // The destructor's OPENSSL_cleanse is observable through a copy's buffer only after it ran;
  // what can be asserted portably is that the secret is never part of the header.
  Credentials creds("AKIDEXAMPLE", "s3cr3t-never-printed");
  SignedRequest r;
  r.headers = {{"host", "h"}, {"x-amz-date", "20150830T123600Z"}};
  r.payload_sha256 = kEmpty;
  std::string header =
      authorization(creds, Scope{"20150830", "us-east-1", "s3"}, "20150830T123600Z", r);
  EXPECT_EQ(header.find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace sov::probes::s3
