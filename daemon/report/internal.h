// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to sov_report: the scope of an export, the walk over its findings, the counters every
// format shares and one writer function per format.

#include <array>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "daemon/report/report.h"

namespace sov::report::detail {

using model::Json;

// The scans an export covers, oldest first, and the scan before the first one (for "changes
// since the previous report").
struct Scope {
  std::vector<store::ScanInfo> scans;
  std::optional<int64_t> previous_scan;
  std::string node;  // of the latest scan in scope
};

Result<Scope> resolve_scope(const store::Store& store, const ExportOptions& opt);

// Calls `visit` for every finding of the scope in scan then recording order, applying the
// rule set and target filters. Returns how many were visited.
Result<int64_t> each_finding(const store::Store& store, const Scope& scope,
                             const ExportOptions& opt,
                             const std::function<Result<bool>(const store::StoredFinding&)>& visit);

// Counts by status, and the score before and after waivers: the share of evaluated findings
// (pass or fail, in force) that pass. Before waivers a waived finding counts as its raw status;
// after, as accepted (pass). nullopt when nothing was evaluated.
struct Tally {
  std::array<int64_t, 7> by_status{};  // index: model::Status
  int64_t total = 0;
  int64_t evaluated_before = 0, passed_before = 0;
  int64_t evaluated_after = 0, passed_after = 0;

  void add(const model::Finding& f);
  std::optional<double> score_before() const;
  std::optional<double> score_after() const;
  int64_t count(model::Status s) const { return by_status[static_cast<size_t>(s)]; }
  Json to_json() const;
};

// The waiver or attestation that decided a status (Finding::basis), flattened for reports. The
// waiver engineer's store fields may grow; unknown fields are ignored, missing ones are empty.
struct BasisInfo {
  std::string kind;  // "waiver", "attestation" or ""
  std::string id, reason, by, category, ticket, expires, created;
};
BasisInfo basis_info(const Json& basis);

// Appends a JSON string literal escaped as nlohmann's dump() does (invalid UTF-8 replaced by
// U+FFFD), and `,"key":"value"`; the JSON and OCSF writers build their text with these rather
// than through json values, a third of the time for a million findings.
void append_json_string(std::string* out, std::string_view text);
void append_json_field(std::string* out, const char* key, std::string_view value);

// JSON text of `j`, replacing invalid UTF-8 rather than throwing.
std::string dump(const Json& j, int indent = -1);

// The rule sets the exported findings came from (`seen`: id -> version, gathered during the
// walk), with title and sha256 from opt.rulesets when sovereignctl loaded the rules (else empty:
// unknown).
std::vector<RulesetInfo> merge_rulesets(const ExportOptions& opt,
                                        const std::map<std::string, std::string>& seen);
Json rulesets_json(const std::vector<RulesetInfo>& sets);

Result<bool> check_stream(std::ostream& out);

Result<ExportStats> write_json(const store::Store& store, const Scope& scope,
                               const ExportOptions& opt, std::ostream& out);
Result<ExportStats> write_csv(const store::Store& store, const Scope& scope,
                              const ExportOptions& opt, std::ostream& out);
Result<ExportStats> write_ocsf(const store::Store& store, const Scope& scope,
                               const ExportOptions& opt, std::ostream& out);
Result<ExportStats> write_oscal(const store::Store& store, const Scope& scope,
                                const ExportOptions& opt, std::ostream& out);
Result<ExportStats> write_html(const store::Store& store, const Scope& scope,
                               const ExportOptions& opt, std::ostream& out);

// An OSCAL token (^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$) made from any id: other characters become
// '_', a leading digit or dot gets a '_' before it.
std::string oscal_token(std::string_view id);

}  // namespace sov::report::detail
