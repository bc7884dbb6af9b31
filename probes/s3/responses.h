// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the S3 probe reads from each answer body: the bucket configuration documents of the S3
// API (GetBucketLocation, GetBucketEncryption, GetBucketReplication, GetBucketVersioning,
// GetObjectLockConfiguration, GetBucketPolicyStatus, GetBucketAcl) and the <Error> document.
// Element names follow the Amazon S3 API Reference; each parser checks the root element, so an
// answer that is some other XML is an error ("unexpected root <X>"), never an empty config.
//
// Pure functions over bytes (the fuzz target tests/fuzz/s3_xml drives them all). Errors are
// kInvalidInput with the parser's "XML line L, column C: ..." or what is missing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"

namespace sov::probes::s3 {

/// <Error><Code>..</Code><Message>..</Message></Error>; nullopt when the body is not one.
struct S3Error {
  std::string code;
  std::string message;
};
std::optional<S3Error> parse_error(std::string_view body);

/// GetBucketLocation: the region. An empty LocationConstraint means us-east-1 and the legacy
/// "EU" means eu-west-1 (API Reference, GetBucketLocation).
Result<std::string> parse_location(std::string_view body);

/// GetBucketEncryption: the first rule's default encryption.
struct Encryption {
  bool enabled = false;
  std::string algorithm;  // AES256, aws:kms, aws:kms:dsse
  std::string kms_key;    // KMSMasterKeyID, empty when none
  std::optional<bool> bucket_key_enabled;
};
Result<Encryption> parse_encryption(std::string_view body);

/// GetBucketReplication: the destinations of the enabled rules.
struct ReplicationDestination {
  std::string bucket_arn;  // arn:aws:s3:::name
  std::string bucket;      // the name from the ARN
  std::string region;      // the ARN's region field when it has one (S3 bucket ARNs do not)
  std::string storage_class;
  std::string account;
};
struct Replication {
  bool enabled = false;  // at least one rule with Status Enabled
  std::vector<ReplicationDestination> destinations;
};
Result<Replication> parse_replication(std::string_view body);

/// GetBucketVersioning: Status is Enabled, Suspended or absent (never enabled).
struct Versioning {
  std::string status;  // "enabled", "suspended", "disabled"
  std::optional<bool> mfa_delete;
};
Result<Versioning> parse_versioning(std::string_view body);

/// GetObjectLockConfiguration.
struct ObjectLock {
  bool enabled = false;
  std::string mode;  // GOVERNANCE, COMPLIANCE; empty without a default retention
  std::optional<long> days;
  std::optional<long> years;
};
Result<ObjectLock> parse_object_lock(std::string_view body);

/// GetBucketPolicyStatus: IsPublic.
Result<bool> parse_policy_status(std::string_view body);

/// GetBucketAcl: grants to the AllUsers and AuthenticatedUsers groups.
struct AclPublic {
  bool is_public = false;
  std::vector<std::string> grants;  // "AllUsers:READ", "AuthenticatedUsers:WRITE"
};
Result<AclPublic> parse_acl(std::string_view body);

}  // namespace sov::probes::s3
