// SPDX-License-Identifier: Apache-2.0
// The S3 answer parsers (probes/s3/responses.h) over arbitrary bytes: every parser returns a
// value or an error, never crashes, and its own XML reader stays within its limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "probes/s3/responses.h"
#include "probes/s3/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace s3 = sov::probes::s3;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)s3::parse_xml(input);
  (void)s3::parse_error(input);
  (void)s3::parse_location(input);
  (void)s3::parse_encryption(input);
  (void)s3::parse_replication(input);
  (void)s3::parse_versioning(input);
  (void)s3::parse_object_lock(input);
  (void)s3::parse_policy_status(input);
  (void)s3::parse_acl(input);
  return 0;
}
