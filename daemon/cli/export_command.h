// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sovereignctl export`: the evidence store as a report for auditors (html), GRC tools (oscal),
// SIEMs (ocsf), scripts (json) and spreadsheets (csv); daemon/report does the writing.
//
//   export --format html|json|csv|oscal|ocsf [--scan N | --since DATE] [--ruleset R]
//          [--target T] --db DB [--rules DIR...] [--lang fr|en] [--delimiter C] --out FILE
//          [--sign KEY]
//
// --sign KEY signs the written file (FILE.sig, FILE.manifest.json; see sign_command.h) and the
// html cover says "signed: see FILE.sig".
// The export is written to FILE.tmp and renamed, so FILE is never half-written. oscal also
// writes the catalog of the rule sets beside FILE (FILE without .json + ".catalog.json"), which
// the assessment results point to. Exit status: 0 written, 1 the store or FILE cannot be read or
// written, or no such scan; 2 bad usage (unknown format, language or delimiter, bad date, bad
// rules).

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace sov::cli {

struct ExportArgs {
  std::string format;
  std::optional<long long> scan;
  std::string since;  // YYYY-MM-DD or RFC 3339
  std::string ruleset;
  std::string target;
  std::string db;
  std::vector<std::string> rules;  // rule directories: rule-set versions and sha256 for the cover
  std::string lang = "en";
  std::string delimiter = ";";
  std::string out;
  std::string signature = "unsigned";  // the cover's signature line (`--sign` sets it)
};

/// Writes the export; returns the exit status above.
int cmd_export(const ExportArgs& args);

/// The path of the OSCAL catalog written beside an oscal export at `out`.
std::string oscal_catalog_path(const std::string& out);

/// Registers `export` on `app`; the exit status of the command is stored in `*rc`, which must
/// outlive app.parse().
void add_export_command(CLI::App* app, int* rc);

}  // namespace sov::cli
