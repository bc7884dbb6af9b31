// SPDX-License-Identifier: Apache-2.0
#include "probes/s3/responses.h"

#include <charconv>

#include "probes/s3/xml.h"

namespace sov::probes::s3 {

namespace {

// S3 answers are small; a configuration larger than this is not one.
constexpr size_t kMaxDocument = 1 << 20;

Result<XmlElement> root_named(std::string_view body, std::string_view expected) {
  XmlLimits limits;
  limits.max_bytes = kMaxDocument;
  auto doc = parse_xml(body, limits);
  if (!doc) return doc.error();
  if (doc->name != expected) {
    return fail(ErrorCode::kInvalidInput,
                "unexpected root <" + doc->name + ">, expected <" + std::string(expected) + ">");
  }
  return doc;
}

std::optional<long> number(const std::string& text) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<bool> boolean(const std::string& text) {
  if (text == "true" || text == "TRUE" || text == "True") return true;
  if (text == "false" || text == "FALSE" || text == "False") return false;
  return std::nullopt;
}

// arn:partition:service:region:account:resource
ReplicationDestination destination_from(const XmlElement& d) {
  ReplicationDestination out;
  out.bucket_arn = d.child_text("Bucket");
  out.storage_class = d.child_text("StorageClass");
  out.account = d.child_text("Account");
  std::string_view arn = out.bucket_arn;
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) break;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() == 5 && parts[0] == "arn") {
    out.region = std::string(parts[3]);
    std::string_view resource = arn.substr(start);
    if (auto slash = resource.rfind('/'); slash != std::string_view::npos) {
      resource = resource.substr(slash + 1);  // Outposts: .../bucket/NAME
    }
    out.bucket = std::string(resource);
  } else {
    out.bucket = out.bucket_arn;  // some S3-compatible servers give the bare name
  }
  return out;
}

}  // namespace

std::optional<S3Error> parse_error(std::string_view body) {
  XmlLimits limits;
  limits.max_bytes = kMaxDocument;
  auto doc = parse_xml(body, limits);
  if (!doc || doc->name != "Error") return std::nullopt;
  return S3Error{doc->child_text("Code"), doc->child_text("Message")};
}

Result<std::string> parse_location(std::string_view body) {
  auto doc = root_named(body, "LocationConstraint");
  if (!doc) return doc.error();
  if (!doc->children.empty()) {
    return fail(ErrorCode::kInvalidInput, "<LocationConstraint> holds elements, not a region");
  }
  if (doc->text.empty()) return std::string("us-east-1");
  if (doc->text == "EU") return std::string("eu-west-1");
  return doc->text;
}

Result<Encryption> parse_encryption(std::string_view body) {
  auto doc = root_named(body, "ServerSideEncryptionConfiguration");
  if (!doc) return doc.error();
  Encryption out;
  for (const XmlElement* rule : doc->all("Rule")) {
    const XmlElement* apply = rule->child("ApplyServerSideEncryptionByDefault");
    if (apply == nullptr) continue;
    out.algorithm = apply->child_text("SSEAlgorithm");
    out.kms_key = apply->child_text("KMSMasterKeyID");
    out.bucket_key_enabled = boolean(rule->child_text("BucketKeyEnabled"));
    out.enabled = !out.algorithm.empty();
    if (out.enabled) break;
  }
  return out;
}

Result<Replication> parse_replication(std::string_view body) {
  auto doc = root_named(body, "ReplicationConfiguration");
  if (!doc) return doc.error();
  Replication out;
  for (const XmlElement* rule : doc->all("Rule")) {
    if (rule->child_text("Status") != "Enabled") continue;
    const XmlElement* dest = rule->child("Destination");
    if (dest == nullptr) {
      return fail(ErrorCode::kInvalidInput, "an enabled replication <Rule> has no <Destination>");
    }
    out.enabled = true;
    out.destinations.push_back(destination_from(*dest));
  }
  return out;
}

Result<Versioning> parse_versioning(std::string_view body) {
  auto doc = root_named(body, "VersioningConfiguration");
  if (!doc) return doc.error();
  Versioning out;
  std::string status = doc->child_text("Status");
  if (status == "Enabled") {
    out.status = "enabled";
  } else if (status == "Suspended") {
    out.status = "suspended";
  } else if (status.empty()) {
    out.status = "disabled";
  } else {
    return fail(ErrorCode::kInvalidInput, "unknown versioning <Status> '" + status + "'");
  }
  std::string mfa = doc->child_text("MfaDelete");
  if (mfa == "Enabled") out.mfa_delete = true;
  if (mfa == "Disabled") out.mfa_delete = false;
  return out;
}

Result<ObjectLock> parse_object_lock(std::string_view body) {
  auto doc = root_named(body, "ObjectLockConfiguration");
  if (!doc) return doc.error();
  ObjectLock out;
  out.enabled = doc->child_text("ObjectLockEnabled") == "Enabled";
  if (const XmlElement* rule = doc->child("Rule")) {
    if (const XmlElement* retention = rule->child("DefaultRetention")) {
      out.mode = retention->child_text("Mode");
      out.days = number(retention->child_text("Days"));
      out.years = number(retention->child_text("Years"));
    }
  }
  return out;
}

Result<bool> parse_policy_status(std::string_view body) {
  auto doc = root_named(body, "PolicyStatus");
  if (!doc) return doc.error();
  auto v = boolean(doc->child_text("IsPublic"));
  if (!v) return fail(ErrorCode::kInvalidInput, "<PolicyStatus> has no true/false <IsPublic>");
  return *v;
}

Result<AclPublic> parse_acl(std::string_view body) {
  auto doc = root_named(body, "AccessControlPolicy");
  if (!doc) return doc.error();
  const XmlElement* list = doc->child("AccessControlList");
  if (list == nullptr) return fail(ErrorCode::kInvalidInput, "no <AccessControlList>");
  AclPublic out;
  for (const XmlElement* grant : list->all("Grant")) {
    const XmlElement* grantee = grant->child("Grantee");
    if (grantee == nullptr) continue;
    std::string uri = grantee->child_text("URI");
    std::string group;
    if (uri == "http://acs.amazonaws.com/groups/global/AllUsers") group = "AllUsers";
    if (uri == "http://acs.amazonaws.com/groups/global/AuthenticatedUsers") {
      group = "AuthenticatedUsers";
    }
    if (group.empty()) continue;
    out.is_public = true;
    out.grants.push_back(group + ":" + grant->child_text("Permission"));
  }
  return out;
}

}  // namespace sov::probes::s3
