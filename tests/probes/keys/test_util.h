// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers shared by the key probe tests.

#include <string>
#include <vector>

#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes::keys::test {

/// Every leaf path of `doc` in schema form (indices as [*]) that is missing from `schema`.
inline void missing_from_schema(const model::Json& j, const std::string& path,
                                const model::FactSchema& schema, std::vector<std::string>* out) {
  if (j.is_object() && !j.empty() && path != "key.unknown[*]") {
    for (auto it = j.begin(); it != j.end(); ++it) {
      missing_from_schema(it.value(), path.empty() ? it.key() : path + "." + it.key(), schema, out);
    }
    return;
  }
  if (j.is_array() && !j.empty() && !j[0].is_string() && path != "key.unknown") {
    for (const auto& e : j) missing_from_schema(e, path + "[*]", schema, out);
    return;
  }
  if (schema.lookup(path) == nullptr) out->push_back(path);
}

inline std::vector<std::string> unknown_schema_paths(const ProbeResult& r,
                                                     const std::vector<model::FactSchemaEntry>& s) {
  model::FactSchema schema;
  schema.add_all(s);
  std::vector<std::string> out;
  missing_from_schema(r.facts.doc(), "", schema, &out);
  return out;
}

}  // namespace sov::probes::keys::test
