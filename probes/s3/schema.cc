// SPDX-License-Identifier: Apache-2.0
// The S3 probe's fact schema: every path it produces, its type and meaning. The rule validator
// checks rule paths against this list.
#include <vector>

#include "probes/s3/s3_probe.h"

namespace sov::probes::s3 {

std::vector<model::FactSchemaEntry> s3_fact_schema() {
  using model::FactType;
  constexpr FactType s = FactType::kString;
  constexpr FactType b = FactType::kBool;
  constexpr FactType i = FactType::kInteger;
  constexpr FactType a = FactType::kAny;
  const char* p = "s3";
  std::vector<model::FactSchemaEntry> out = {
      {"s3", FactType::kObject, a, "S3 bucket facts (GET of the bucket's configuration documents)",
       p},
      {"s3.endpoint", s, a, "the endpoint probed, scheme://host:port", p},
      {"s3.host", s, a, "the host requests went to (bucket.host in virtual-host style)", p},
      {"s3.port", i, a, "TCP port of the endpoint", p},
      {"s3.https", b, a, "requests went over TLS with a verified certificate", p},
      {"s3.bucket", s, a, "the bucket name", p},
      {"s3.addressing", s, a, "path (host/bucket) or virtual (bucket.host)", p},
      {"s3.authenticated", b, a, "requests were signed (AWS SigV4); false: anonymous", p},
      {"s3.provider", s, a,
       "provider recognised from the endpoint's host (aws, scaleway, ovhcloud, ionos, "
       "cloud-temple); null for any other host",
       p},
      {"s3.region", s, a,
       "the bucket's region (GetBucketLocation; empty LocationConstraint = us-east-1, EU = "
       "eu-west-1), or the x-amz-bucket-region header",
       p},
      {"s3.country", s, a,
       "ISO 3166-1 country of s3.region from the provider's region list; null when the host is "
       "no known provider's or the region is not listed",
       p},
      {"s3.encryption", FactType::kObject, a, "default encryption (GetBucketEncryption)", p},
      {"s3.encryption.enabled", b, a,
       "a default server-side encryption rule exists; false on "
       "ServerSideEncryptionConfigurationNotFoundError",
       p},
      {"s3.encryption.algorithm", s, a, "SSEAlgorithm: AES256, aws:kms, aws:kms:dsse", p},
      {"s3.encryption.kms_key", s, a, "KMSMasterKeyID of the default rule; null if none", p},
      {"s3.encryption.bucket_key", b, a, "BucketKeyEnabled of the default rule", p},
      {"s3.replication", FactType::kObject, a, "replication (GetBucketReplication)", p},
      {"s3.replication.enabled", b, a,
       "at least one enabled replication rule; false on ReplicationConfigurationNotFoundError", p},
      {"s3.replication.destinations", FactType::kList, FactType::kObject,
       "destinations of the enabled rules", p},
      {"s3.replication.destinations[*].bucket", s, a, "destination bucket name", p},
      {"s3.replication.destinations[*].arn", s, a, "destination bucket as configured (ARN)", p},
      {"s3.replication.destinations[*].region", s, a,
       "destination region: the ARN's region field, else GetBucketLocation of the destination; "
       "null if neither answers",
       p},
      {"s3.replication.destinations[*].country", s, a,
       "ISO 3166-1 country of the destination region (same table as s3.country)", p},
      {"s3.replication.destinations[*].storage_class", s, a, "StorageClass of the copies", p},
      {"s3.versioning", FactType::kObject, a, "versioning (GetBucketVersioning)", p},
      {"s3.versioning.status", s, a, "enabled, suspended or disabled (never enabled)", p},
      {"s3.versioning.enabled", b, a, "status is enabled", p},
      {"s3.versioning.mfa_delete", b, a, "MFA delete is enabled; null when not reported", p},
      {"s3.object_lock", FactType::kObject, a, "object lock (GetObjectLockConfiguration)", p},
      {"s3.object_lock.enabled", b, a,
       "ObjectLockEnabled; false on ObjectLockConfigurationNotFoundError", p},
      {"s3.object_lock.mode", s, a, "default retention mode: GOVERNANCE or COMPLIANCE", p},
      {"s3.object_lock.retention_days", i, a,
       "default retention in days (Years counted as 365 days)", p},
      {"s3.public", b, a,
       "the bucket is public through its policy (GetBucketPolicyStatus) or its ACL (grants to "
       "AllUsers or AuthenticatedUsers); false only when both are known and neither is",
       p},
      {"s3.public_policy", b, a, "PolicyStatus IsPublic; false when the bucket has no policy", p},
      {"s3.public_acl", b, a, "the ACL grants something to AllUsers or AuthenticatedUsers", p},
      {"s3.public_grants", FactType::kList, s, "public ACL grants, as GROUP:PERMISSION", p},
      {"s3.unknown", FactType::kList, FactType::kObject, "facts left null, with the reason", p},
      {"s3.unknown[*].path", s, a, "the fact path", p},
      {"s3.unknown[*].reason", s, a, "why it is null (not implemented, refused, malformed)", p},
  };
  return out;
}

}  // namespace sov::probes::s3
