// SPDX-License-Identifier: Apache-2.0
// CSV export: one row per rule, target and scan (FORMATS.md §5.6, columns after Prowler's), RFC
// 4180 (CRLF line ends, quoted cells), every cell through csv_cell() against formula injection.
#include "daemon/report/internal.h"

namespace sov::report::detail {

namespace {

constexpr const char* kColumns[] = {"finding_uid", "scan_id",         "evaluated_at", "rule_id",
                                    "ruleset",     "ruleset_version", "title",        "severity",
                                    "target",      "status",          "raw_status",   "in_force",
                                    "waiver_id",   "waiver_expires",  "reference",    "source_url",
                                    "message",     "observed",        "remediation"};

// "path=value" for each evidence item, "path=missing" when absent, joined by " | ".
std::string observed(const model::Finding& f) {
  std::string out;
  for (const auto& e : f.evidence) {
    if (!out.empty()) out += " | ";
    out += e.path + "=";
    if (e.missing) {
      out += "missing";
    } else {
      out += e.value.is_string() ? e.value.get<std::string>() : dump(e.value);
    }
  }
  return out;
}

void write_row(std::ostream& out, const std::vector<std::string>& cells, char delimiter) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out << delimiter;
    out << csv_cell(cells[i], delimiter);
  }
  out << "\r\n";
}

}  // namespace

Result<ExportStats> write_csv(const store::Store& store, const Scope& scope,
                              const ExportOptions& opt, std::ostream& out) {
  write_row(out, std::vector<std::string>(std::begin(kColumns), std::end(kColumns)), opt.delimiter);
  std::vector<std::string> cells;
  auto n = each_finding(store, scope, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    const model::Finding& f = sf.finding;
    BasisInfo b = basis_info(f.basis);
    cells = {finding_uid(sf.scan_id, f.target_id, f.rule_id),
             std::to_string(sf.scan_id),
             format_rfc3339(f.evaluated_at),
             f.rule_id,
             f.ruleset,
             f.ruleset_version,
             f.title,
             std::string(model::severity_name(f.severity)),
             f.target_id,
             std::string(model::status_name(f.status)),
             f.raw_status ? std::string(model::status_name(*f.raw_status)) : std::string(),
             f.in_force ? "true" : "false",
             b.kind == "waiver" ? b.id : std::string(),
             b.kind == "waiver" ? b.expires : std::string(),
             f.reference,
             f.source_url,
             f.message,
             observed(f),
             f.remediation};
    write_row(out, cells, opt.delimiter);
    return check_stream(out);
  });
  if (!n) return n.error();
  ExportStats stats;
  stats.findings = *n;
  return stats;
}

}  // namespace sov::report::detail
