// SPDX-License-Identifier: Apache-2.0
#pragma once
// Answer bodies written from the Amazon S3 API Reference (response syntax and examples of each
// action, https://docs.aws.amazon.com/AmazonS3/latest/API/API_<Action>.html), for the APIs
// s3rver does not implement. Shared by the parser tests and the probe tests that serve them.

namespace sov::probes::s3::aws {

inline constexpr const char* kLocationEuWest3 =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-3"
    "</LocationConstraint>";
inline constexpr const char* kLocationEmpty =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";

inline constexpr const char* kEncryptionKms =
    "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
    "  <Rule>\n"
    "    <ApplyServerSideEncryptionByDefault>\n"
    "      <SSEAlgorithm>aws:kms</SSEAlgorithm>\n"
    "      <KMSMasterKeyID>arn:aws:kms:eu-west-3:111122223333:key/"
    "1234abcd-12ab-34cd-56ef-1234567890ab</KMSMasterKeyID>\n"
    "    </ApplyServerSideEncryptionByDefault>\n"
    "    <BucketKeyEnabled>true</BucketKeyEnabled>\n"
    "  </Rule>\n"
    "</ServerSideEncryptionConfiguration>";
inline constexpr const char* kEncryptionAes256 =
    "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
    "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>";

// GetBucketReplication, "Example: Retrieve replication configuration information".
inline constexpr const char* kReplication =
    "<ReplicationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
    "  <Role>arn:aws:iam::35667example:role/CrossRegionReplicationRoleForS3</Role>\n"
    "  <Rule>\n"
    "    <ID>rule1</ID>\n"
    "    <Status>Enabled</Status>\n"
    "    <Priority>1</Priority>\n"
    "    <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>\n"
    "    <Filter><And><Prefix>TaxDocs</Prefix><Tag><Key>key1</Key><Value>value1</Value></Tag>"
    "</And></Filter>\n"
    "    <Destination>\n"
    "      <Bucket>arn:aws:s3:::exampletargetbucket</Bucket>\n"
    "      <StorageClass>STANDARD_IA</StorageClass>\n"
    "    </Destination>\n"
    "  </Rule>\n"
    "  <Rule>\n"
    "    <ID>rule2</ID><Status>Disabled</Status>\n"
    "    <Destination><Bucket>arn:aws:s3:::unused</Bucket></Destination>\n"
    "  </Rule>\n"
    "</ReplicationConfiguration>";
inline constexpr const char* kReplicationDisabled =
    "<ReplicationConfiguration><Role>arn:aws:iam::1:role/r</Role><Rule><Status>Disabled</Status>"
    "<Destination><Bucket>arn:aws:s3:::b</Bucket></Destination></Rule>"
    "</ReplicationConfiguration>";

inline constexpr const char* kVersioningEnabled =
    "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
    "  <Status>Enabled</Status>\n"
    "</VersioningConfiguration>";
inline constexpr const char* kVersioningNever =
    "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
inline constexpr const char* kVersioningSuspended =
    "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>";

inline constexpr const char* kObjectLock =
    "<ObjectLockConfiguration>\n"
    "  <ObjectLockEnabled>Enabled</ObjectLockEnabled>\n"
    "  <Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>30</Days></DefaultRetention></Rule>\n"
    "</ObjectLockConfiguration>";

inline constexpr const char* kPolicyStatusPublic =
    "<PolicyStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>TRUE</IsPublic>"
    "</PolicyStatus>";
inline constexpr const char* kPolicyStatusPrivate =
    "<PolicyStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>FALSE</IsPublic>"
    "</PolicyStatus>";

// GetBucketAcl: the owner's FULL_CONTROL plus, in the public variant, READ for AllUsers.
#define SOV_AWS_ACL_HEAD                                                               \
  "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"          \
  "  <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>" \
  "<DisplayName>CustomersName@amazon.com</DisplayName></Owner>\n"                      \
  "  <AccessControlList>\n"                                                            \
  "    <Grant>\n"                                                                      \
  "      <Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "            \
  "xsi:type=\"CanonicalUser\"><ID>"                                                    \
  "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"                   \
  "</ID><DisplayName>CustomersName@amazon.com</DisplayName></Grantee>\n"               \
  "      <Permission>FULL_CONTROL</Permission>\n"                                      \
  "    </Grant>\n"
inline constexpr const char* kAclPrivate = SOV_AWS_ACL_HEAD
    "  </AccessControlList>\n"
    "</AccessControlPolicy>";
inline constexpr const char* kAclPublicRead = SOV_AWS_ACL_HEAD
    "    <Grant>\n"
    "      <Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">"
    "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>\n"
    "      <Permission>READ</Permission>\n"
    "    </Grant>\n"
    "  </AccessControlList>\n"
    "</AccessControlPolicy>";
#undef SOV_AWS_ACL_HEAD

// The "no configuration" errors (Error Responses, List of error codes).
inline constexpr const char* kErrorNoEncryption =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
    "ServerSideEncryptionConfigurationNotFoundError</Code><Message>The server side encryption "
    "configuration was not found</Message><BucketName>b</BucketName><RequestId>1</RequestId>"
    "</Error>";
inline constexpr const char* kErrorNoReplication =
    "<Error><Code>ReplicationConfigurationNotFoundError</Code><Message>The replication "
    "configuration was not found</Message></Error>";
inline constexpr const char* kErrorNoObjectLock =
    "<Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>Object Lock configuration "
    "does not exist for this bucket</Message></Error>";
inline constexpr const char* kErrorNoSuchBucket =
    "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
    "</Error>";

}  // namespace sov::probes::s3::aws
