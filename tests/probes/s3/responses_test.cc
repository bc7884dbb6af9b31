// SPDX-License-Identifier: Apache-2.0
// The XML reader and the S3 answer parsers. s3rver implements none of GetBucketEncryption,
// GetBucketReplication, GetBucketVersioning, GetObjectLockConfiguration, GetBucketPolicyStatus
// and GetBucketAcl (it answers NotImplemented), so these documents are written from the Amazon
// S3 API Reference's response syntax and examples for each action
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_<Action>.html).
#include "probes/s3/responses.h"

#include <gtest/gtest.h>

#include "probes/s3/xml.h"
#include "tests/probes/s3/aws_documents.h"

namespace sov::probes::s3 {
namespace {

TEST(Xml, ReadsElementsTextEntitiesAndCdata) {
  auto doc = parse_xml(
      "<?xml version=\"1.0\"?>\n<!-- c --><a:Root xmlns:a=\"x\" b='1'>\n"
      "  <Item>one &amp; &lt;two&gt; &#233;&#x41;</Item><Item><![CDATA[<raw>]]></Item><Empty/>"
      "</a:Root>\n");
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->name, "Root");
  ASSERT_EQ(doc->all("Item").size(), 2u);
  EXPECT_EQ(doc->all("Item")[0]->text,
            "one & <two> \xC3\xA9"
            "A");
  EXPECT_EQ(doc->all("Item")[1]->text, "<raw>");
  EXPECT_NE(doc->child("Empty"), nullptr);
  EXPECT_EQ(doc->child_text("Missing"), "");
}

TEST(Xml, ErrorsNameLineAndColumn) {
  auto bad = parse_xml("<a>\n  <b>text</c>\n</a>");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "XML line 2, column 12: closing tag does not match <b>");
  auto open = parse_xml("<a><b>");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().message(), "XML line 1, column 7: unterminated element <b>");
  EXPECT_EQ(parse_xml("not xml").error().message(),
            "XML line 1, column 1: expected the root element");
  EXPECT_EQ(parse_xml("<a/><b/>").error().message(),
            "XML line 1, column 5: content after the root element");
}

TEST(Xml, RefusesDtdsSoNoEntityCanExpand) {
  auto doc = parse_xml("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().message(), "XML line 1, column 1: DTD and declarations are not accepted");
  EXPECT_EQ(parse_xml("<a>&x;</a>").error().message(),
            "XML line 1, column 4: unknown entity '&x;'");
}

TEST(Xml, BoundsDepthElementsAndSize) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  EXPECT_EQ(parse_xml(deep).error().message(),
            "XML line 1, column 97: elements nested deeper than 32");
  std::string many = "<r>";
  for (int i = 0; i < 30; ++i) many += "<i/>";
  many += "</r>";
  XmlLimits small;
  small.max_elements = 10;
  EXPECT_EQ(parse_xml(many, small).error().message(),
            "XML line 1, column 40: more than 10 elements");
  small.max_bytes = 8;
  EXPECT_EQ(parse_xml(many, small).error().message(), "XML document larger than 8 bytes");
}

TEST(S3Responses, LocationMapsEmptyAndLegacyNames) {
  EXPECT_EQ(*parse_location(aws::kLocationEuWest3), "eu-west-3");
  EXPECT_EQ(*parse_location(aws::kLocationEmpty), "us-east-1");
  EXPECT_EQ(*parse_location("<LocationConstraint>EU</LocationConstraint>"), "eu-west-1");
  auto wrong = parse_location(aws::kVersioningEnabled);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message(),
            "unexpected root <VersioningConfiguration>, expected <LocationConstraint>");
}

TEST(S3Responses, EncryptionWithKmsKey) {
  auto e = parse_encryption(aws::kEncryptionKms);
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_TRUE(e->enabled);
  EXPECT_EQ(e->algorithm, "aws:kms");
  EXPECT_EQ(e->kms_key,
            "arn:aws:kms:eu-west-3:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
  EXPECT_EQ(e->bucket_key_enabled, true);
  auto sse = parse_encryption(aws::kEncryptionAes256);
  ASSERT_TRUE(sse);
  EXPECT_EQ(sse->algorithm, "AES256");
  EXPECT_EQ(sse->kms_key, "");
}

TEST(S3Responses, ReplicationDestinationsFromEnabledRulesOnly) {
  auto r = parse_replication(aws::kReplication);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->enabled);
  ASSERT_EQ(r->destinations.size(), 1u);
  EXPECT_EQ(r->destinations[0].bucket, "exampletargetbucket");
  EXPECT_EQ(r->destinations[0].bucket_arn, "arn:aws:s3:::exampletargetbucket");
  EXPECT_EQ(r->destinations[0].region, "");
  EXPECT_EQ(r->destinations[0].storage_class, "STANDARD_IA");
  auto none = parse_replication(aws::kReplicationDisabled);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->enabled);
  EXPECT_TRUE(none->destinations.empty());
}

TEST(S3Responses, VersioningStatuses) {
  EXPECT_EQ(parse_versioning(aws::kVersioningEnabled)->status, "enabled");
  EXPECT_EQ(parse_versioning(aws::kVersioningNever)->status, "disabled");
  EXPECT_EQ(parse_versioning(aws::kVersioningSuspended)->status, "suspended");
  EXPECT_EQ(parse_versioning(aws::kVersioningSuspended)->mfa_delete, false);
  EXPECT_FALSE(
      parse_versioning("<VersioningConfiguration><Status>On</Status>"
                       "</VersioningConfiguration>"));
}

TEST(S3Responses, ObjectLockWithDefaultRetention) {
  auto o = parse_object_lock(aws::kObjectLock);
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->enabled);
  EXPECT_EQ(o->mode, "COMPLIANCE");
  EXPECT_EQ(o->days, 30);
  EXPECT_FALSE(o->years.has_value());
}

TEST(S3Responses, PolicyStatusAndAclGrants) {
  EXPECT_EQ(*parse_policy_status(aws::kPolicyStatusPublic), true);
  EXPECT_FALSE(parse_policy_status("<PolicyStatus/>"));
  auto acl = parse_acl(aws::kAclPublicRead);
  ASSERT_TRUE(acl) << acl.error().message();
  EXPECT_TRUE(acl->is_public);
  ASSERT_EQ(acl->grants.size(), 1u);
  EXPECT_EQ(acl->grants[0], "AllUsers:READ");
  auto priv = parse_acl(aws::kAclPrivate);
  ASSERT_TRUE(priv);
  EXPECT_FALSE(priv->is_public);
}

TEST(S3Responses, ErrorDocument) {
  auto e = parse_error(aws::kErrorNoEncryption);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ServerSideEncryptionConfigurationNotFoundError");
  EXPECT_FALSE(parse_error(aws::kVersioningEnabled));
  EXPECT_FALSE(parse_error("garbage"));
}

}  // namespace
}  // namespace sov::probes::s3
