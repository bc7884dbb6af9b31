// SPDX-License-Identifier: Apache-2.0
#pragma once
// Exports of the evidence store for auditors, GRC tools and SIEMs: HTML (self-contained,
// printable, French or English), native JSON (with a JSON Schema in schemas/), CSV (RFC 4180),
// OSCAL 1.2.1 assessment-results plus the OSCAL catalog of our rule sets, OCSF Compliance
// Finding (JSON Lines). FORMATS.md §5.1 and §5.4-5.6 say what each holds.
//
// Streaming: every writer reads the findings through Store::for_each_finding and writes each one
// to the output stream as it comes, so memory does not grow with the number of findings. The
// aggregates a format needs first (the HTML summary, the OSCAL inventory) come from an earlier
// pass over the same rows, never from a vector of them.
//
// Ids are stable: a finding's uid is a UUIDv5 of (scan, target, rule), so two exports of the
// same scan give the same ids (OSCAL references and SIEM deduplication rely on it).
//
// Errors: kInvalidInput for bad options (a delimiter that cannot be one, an unknown language),
// kNotFound for a scan that does not exist, the store's errors as they come, kIo when the output
// stream fails. Threading: one export per Store at a time (the Store's own rule).

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/store/store.h"

namespace sov::report {

enum class Format { kHtml, kJson, kCsv, kOscal, kOcsf };
std::optional<Format> parse_format(std::string_view name);
std::string_view format_name(Format f);

// The version of the native JSON export; bumped on any incompatible change to
// schemas/sovereignd-export.schema.json.
inline constexpr std::string_view kJsonSchemaVersion = "1.0";
// The OCSF schema version the Compliance Finding objects follow.
inline constexpr std::string_view kOcsfVersion = "1.1.0";
inline constexpr std::string_view kOscalVersion = "1.2.1";

// A rule set as loaded (sovereignctl fills these from --rules; without them the export names
// the rule sets its findings come from, sha256 unknown).
struct RulesetInfo {
  std::string id;
  std::string title;
  std::string version;
  std::string sha256;  // of the rule set file; empty = unknown
};

// A rule's text for the OSCAL catalog and the HTML matrix (optional, as RulesetInfo).
struct RuleInfo {
  std::string id;
  std::string ruleset;
  std::string title;
  std::string description;
  std::string reference;
  std::string source_url;
  std::string severity;
};

struct ExportOptions {
  Format format = Format::kJson;
  // Scope: one scan, every scan started at or after `since`, or (neither) the latest scan that
  // recorded findings.
  std::optional<int64_t> scan_id;
  std::optional<TimePoint> since;
  std::optional<std::string> ruleset;  // only findings of this rule set id
  std::optional<std::string> target;   // only findings of this target id
  std::string lang = "en";             // html: "en" or "fr"
  char delimiter = ';';                // csv
  TimePoint generated_at{};
  std::string generated_by;            // e.g. "sovereignctl 0.1.0 (user@host)"
  std::string version;                 // sovereignd version of the exporter
  std::string signature = "unsigned";  // html cover: "unsigned" or "signed: see FILE.sig"
  std::string catalog_href;            // oscal: where the catalog is, relative to the export
  std::vector<RulesetInfo> rulesets;
  std::vector<RuleInfo> rules;
};

struct ExportStats {
  int64_t findings = 0;
  std::vector<int64_t> scans;  // the scans exported, oldest first
};

// Writes the export of `opt.format` to `out`. The stream is not closed.
Result<ExportStats> write_export(const store::Store& store, const ExportOptions& opt,
                                 std::ostream& out);

// The OSCAL catalog of the rule sets in scope: one group per rule set, one subgroup per legal
// reference (article), one control per rule. write_export(kOscal) points its findings at it.
Result<int64_t> write_oscal_catalog(const store::Store& store, const ExportOptions& opt,
                                    std::ostream& out);

// ---------------------------------------------------------------------------------------------
// Building blocks, public for the tests and fuzz targets.

// Text safe in HTML element content and in double- or single-quoted attribute values: & < > " '
// become entities; invalid UTF-8 becomes U+FFFD; control characters other than tab, LF and CR
// are dropped (they are not allowed in HTML).
std::string html_escape(std::string_view text);

// One CSV cell: a cell starting with = + - @ tab or CR gets a leading ' so spreadsheets do not
// read it as a formula (OWASP CSV injection); then, if it holds the delimiter, a quote, CR or LF,
// it is quoted RFC 4180 style ("" for a quote). Invalid UTF-8 becomes U+FFFD.
std::string csv_cell(std::string_view text, char delimiter);
// Whether `c` can be a CSV delimiter (printable ASCII, not a quote, letter or digit; or tab).
bool valid_delimiter(char c);

// RFC 4122 version 5 (SHA-1) UUID of `name` in sovereignd's namespace, lowercase.
std::string uuid_v5(std::string_view name);
// The stable uid of a finding: uuid_v5("finding/<scan>/<target length>:<target>/<rule>").
std::string finding_uid(int64_t scan_id, std::string_view target, std::string_view rule);

// Replaces invalid UTF-8 sequences by U+FFFD (JSON and HTML writers need valid UTF-8).
std::string clean_utf8(std::string_view text);

}  // namespace sov::report
