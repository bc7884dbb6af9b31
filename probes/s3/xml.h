// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small, bounded XML reader for S3 answers: elements, attributes (skipped), character data,
// CDATA, comments, the XML declaration, the five predefined entities and numeric character
// references. No DTD (a <!DOCTYPE is refused, so no entity can expand), no namespaces beyond
// dropping the prefix of a name. Its input is whatever a server sends, so it is written for
// hostile bytes: limits on size, depth and element count, and every error names line:column.
//
// Pure functions; the tree is a plain value.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"

namespace sov::probes::s3 {

struct XmlElement {
  std::string name;  // local name: "Rule" for "<s3:Rule>"
  std::string text;  // character data directly inside, entities decoded, trimmed
  std::vector<XmlElement> children;

  /// The first child named `name`, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  /// Every child named `name`.
  std::vector<const XmlElement*> all(std::string_view child_name) const;
  /// The text of the first child named `name`; empty when absent.
  std::string child_text(std::string_view child_name) const;
};

struct XmlLimits {
  size_t max_bytes = 1 << 20;
  size_t max_depth = 32;
  size_t max_elements = 20000;
};

/// Parses one document with a single root element. Errors (kInvalidInput):
/// "XML line L, column C: what is wrong", e.g. "expected '>' after the element name".
Result<XmlElement> parse_xml(std::string_view document, const XmlLimits& limits = {});

}  // namespace sov::probes::s3
