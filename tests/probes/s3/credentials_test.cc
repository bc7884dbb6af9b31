// SPDX-License-Identifier: Apache-2.0
// Reading the access key pair: the AWS shared-credentials style, profiles, and errors that name
// the file and line without ever quoting a value.
#include "probes/s3/credentials.h"

#include <gtest/gtest.h>

namespace sov::probes::s3 {
namespace {

TEST(S3Credentials, ReadsBothKeyStylesAndPicksDefault) {
  auto c = parse_credentials(
      "# comment\n[other]\naccess_key_id = O\nsecret_access_key = OS\n"
      "[default]\naws_access_key_id = AKID\naws_secret_access_key = "
      "SECRET/with=equals\n",
      "creds", "");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->secret_access_key, "SECRET/with=equals");
  auto other =
      parse_credentials("[other]\naccess_key_id = O\nsecret_access_key = OS\n", "creds", "");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->access_key_id, "O");
  auto bare = parse_credentials("access_key_id=A\nsecret_access_key=S\n", "creds", "");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->secret_access_key, "S");
  auto named = parse_credentials(
      "[a]\naccess_key_id=A\nsecret_access_key=S\n[profile b]\n"
      "access_key_id=B\nsecret_access_key=T\n",
      "creds", "b");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->access_key_id, "B");
}

TEST(S3Credentials, ErrorsNameFileAndLineNeverTheValue) {
  auto e = parse_credentials("[default]\nthis-line-is-a-secret\n", "/etc/creds", "");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(), "/etc/creds:2: expected 'name = value'");
  EXPECT_EQ(parse_credentials("[default]\naccess_key_id = A\n", "f", "").error().message(),
            "f: no secret_access_key in [default]");
  EXPECT_EQ(parse_credentials("secret_access_key = hidden\n", "f", "").error().message(),
            "f: no access_key_id");
  EXPECT_EQ(
      parse_credentials("[a]\naccess_key_id=A\n[b]\naccess_key_id=B\n", "f", "").error().message(),
      "f: several profiles and no [default]: name one with credentials.profile");
  EXPECT_EQ(parse_credentials("[a]\naccess_key_id=A\n", "f", "zz").error().message(),
            "f: no profile [zz]");
  EXPECT_EQ(parse_credentials("", "f", "").error().message(),
            "f: no access_key_id and secret_access_key");
}

TEST(S3Credentials, NoCredentialsMeansAnonymous) {
  auto c = load_credentials(model::Json::object());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
  EXPECT_EQ(load_credentials({{"credentials", {{"file", "a"}, {"env", "B"}}}}).error().message(),
            "spec: credentials.file and credentials.env exclude each other");
}

}  // namespace
}  // namespace sov::probes::s3
