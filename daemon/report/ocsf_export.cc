// SPDX-License-Identifier: Apache-2.0
// OCSF Compliance Finding (class 2003, FORMATS.md §5.5), one JSON object per line. Status and
// severity map as in the table of §5.1; a waived finding keeps its raw status and says so in
// status_detail.
#include "daemon/report/internal.h"

namespace sov::report::detail {

namespace {

struct OcsfStatus {
  int id;
  const char* name;
};

// compliance.status_id: 0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other.
OcsfStatus ocsf_status(model::Status s) {
  switch (s) {
    case model::Status::kPass:
      return {1, "Pass"};
    case model::Status::kFail:
      return {3, "Fail"};
    case model::Status::kManual:
      return {2, "Warning"};
    case model::Status::kError:
      return {99, "Other"};
    case model::Status::kNotApplicable:
      return {99, "Other"};
    case model::Status::kStale:
    case model::Status::kWaived:
      return {0, "Unknown"};
  }
  return {0, "Unknown"};
}

// severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
std::pair<int, const char*> ocsf_severity(model::Severity s) {
  switch (s) {
    case model::Severity::kInfo:
      return {1, "Informational"};
    case model::Severity::kLow:
      return {2, "Low"};
    case model::Severity::kMedium:
      return {3, "Medium"};
    case model::Severity::kHigh:
      return {4, "High"};
    case model::Severity::kCritical:
      return {5, "Critical"};
  }
  return {0, "Unknown"};
}

int64_t epoch_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// One Compliance Finding object, written as text (see append_json_string).
void append_ocsf(std::string* out, const store::StoredFinding& sf, const ExportOptions& opt) {
  const model::Finding& f = sf.finding;
  std::string uid = finding_uid(sf.scan_id, f.target_id, f.rule_id);
  model::Status shown = f.raw_status.value_or(f.status);
  OcsfStatus st = ocsf_status(shown);
  std::string detail(model::status_name(shown));
  if (f.status == model::Status::kWaived) {
    BasisInfo b = basis_info(f.basis);
    detail = "waived(" + detail + ")" + (b.id.empty() ? "" : " by waiver " + b.id);
  }
  auto [sev_id, sev_name] = ocsf_severity(f.severity);
  std::string time = std::to_string(epoch_ms(f.evaluated_at));
  *out +=
      "{\"activity_id\":1,\"activity_name\":\"Create\",\"category_uid\":2,\"category_name\":"
      "\"Findings\",\"class_uid\":2003,\"class_name\":\"Compliance Finding\",\"type_uid\":"
      "200301,\"type_name\":\"Compliance Finding: Create\",\"severity_id\":" +
      std::to_string(sev_id);
  append_json_field(out, "severity", sev_name);
  *out += ",\"time\":" + time;
  append_json_field(out, "message", f.message);
  *out += ",\"metadata\":{\"product\":{\"name\":\"sovereignd\",\"vendor_name\":\"sovereignd\"";
  append_json_field(out, "version", opt.version);
  *out += "}";
  append_json_field(out, "version", kOcsfVersion);
  append_json_field(out, "uid", uid);
  *out += "},\"finding_info\":{\"uid\":";
  append_json_string(out, uid);
  append_json_field(out, "title", f.title);
  append_json_field(out, "desc", f.message);
  *out += ",\"created_time\":" + time + ",\"types\":[";
  append_json_string(out, "sovereignd/" + f.ruleset);
  *out += "]},\"compliance\":{\"standards\":[";
  append_json_string(out, f.ruleset + " " + f.ruleset_version);
  *out += "],\"requirements\":[";
  append_json_string(out, f.reference);
  *out += "]";
  append_json_field(out, "control", f.rule_id);
  append_json_field(out, "status", st.name);
  *out += ",\"status_id\":" + std::to_string(st.id);
  append_json_field(out, "status_detail", detail);
  *out += "},\"resources\":[{\"uid\":";
  append_json_string(out, f.target_id);
  append_json_field(out, "name", f.target_id);
  *out += "}],\"evidences\":[";
  for (size_t i = 0; i < f.evidence.size(); ++i) {
    *out += i == 0 ? "{\"data\":" : ",{\"data\":";
    *out += dump(f.evidence[i].to_json()) + "}";
  }
  *out += "],\"unmapped\":{\"sovereignd_status\":";
  append_json_string(out, model::status_name(f.status));
  *out += f.in_force ? ",\"in_force\":true" : ",\"in_force\":false";
  *out += ",\"scan_id\":" + std::to_string(sf.scan_id);
  append_json_field(out, "hash", sf.hash);
  append_json_field(out, "source_url", f.source_url);
  append_json_field(out, "remediation", f.remediation);
  *out += "}}\n";
}

}  // namespace

Result<ExportStats> write_ocsf(const store::Store& store, const Scope& scope,
                               const ExportOptions& opt, std::ostream& out) {
  std::string line;
  auto n = each_finding(store, scope, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    line.clear();
    append_ocsf(&line, sf, opt);
    out << line;
    return check_stream(out);
  });
  if (!n) return n.error();
  ExportStats stats;
  stats.findings = *n;
  return stats;
}

}  // namespace sov::report::detail
