// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to daemon/config: a YAML document read through yaml-cpp's event parser into a flat,
// position-carrying tree. Unlike YAML::Node it keeps whether a scalar was quoted, reports the
// position of every key, counts nodes while parsing (the cap stops a huge or alias-bombed
// document before memory is spent on it) and never throws: parse errors become diagnostics.
//
// An alias is stored as a second reference to the anchored node, so the tree is a DAG; walkers
// must bound their work (see Budget in config.cc). An alias to a node that contains it is
// rejected, so there are no cycles.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/diag.h"

namespace sov::config::internal {

struct YamlNode {
  enum class Kind : unsigned char { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  bool plain = true;  // a scalar written without quotes and without a tag
  int line = 0;       // 1-based
  int column = 0;     // 1-based
  std::string value;  // scalar text
  // Sequence: the items. Map: key, value, key, value...
  std::vector<int> children;
};

struct YamlDoc {
  std::vector<YamlNode> nodes;
  int root = -1;  // -1: the stream holds no document (empty file, only comments)

  const YamlNode& at(int i) const { return nodes[static_cast<size_t>(i)]; }
};

// Parses `text` (one YAML document at most). Errors go to `diags` (whose source is `text`);
// returns false on error. At most `max_nodes` nodes and alias uses are accepted.
bool parse_yaml(std::string_view text, size_t max_nodes, YamlDoc* doc, Diagnostics* diags);

}  // namespace sov::config::internal
