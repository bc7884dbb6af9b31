// SPDX-License-Identifier: Apache-2.0
#pragma once
// Importers for provider-published address range files, and the imported-table format that
// `sovereignctl providers import` writes beside the registry (rules/providers/imported/*.json)
// and the resolver reads back:
//   aws-ip-ranges   https://ip-ranges.amazonaws.com/ip-ranges.json
//   azure-service-tags  ServiceTags_Public_YYYYMMDD.json (Microsoft download centre)
//   google-cloud    https://www.gstatic.com/ipranges/cloud.json
// Importers are pure functions over the file's text: no I/O, no exceptions escape.

#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/model/model.h"
#include "probes/jurisdiction/prefix_table.h"
#include "probes/jurisdiction/registry.h"

namespace sov::probes::jurisdiction {

struct ImportedTable {
  std::string format;    // aws-ip-ranges, azure-service-tags, google-cloud
  std::string provider;  // registry id
  std::string source;    // file it was imported from
  std::string as_of;     // YYYY-MM-DD from the file (createDate, creationTime) or "" if absent
  std::vector<PrefixInfo> prefixes;

  model::Json to_json() const;
  static Result<ImportedTable> from_json(std::string_view text, const std::string& name);
};

/// The formats `import_ranges` understands.
const std::vector<std::string>& import_formats();

/// Parses `text` in `format`. Regions are mapped to countries through the provider's registry
/// entry when `registry` knows it (else country stays ""). kInvalidInput names the format, the
/// file and what is wrong.
Result<ImportedTable> import_ranges(std::string_view format, std::string_view text,
                                    const std::string& source_name, const Registry* registry);

}  // namespace sov::probes::jurisdiction
