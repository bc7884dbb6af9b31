// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/export_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "daemon/base/diag.h"
#include "daemon/base/redact.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/sign_command.h"
#include "daemon/report/report.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/store/store.h"

namespace sov::cli {
namespace {

int fail_with(const Error& e) {
  std::cerr << "sovereignctl export: " << redact(e.to_string()) << "\n";
  return e.code() == ErrorCode::kInvalidInput ? kExitInvalid : kExitRuntime;
}

std::string generated_by() {
  std::string who = "sovereignctl " SOV_VERSION;
  char host[256] = {};
  const char* user = std::getenv("USER");
  if (gethostname(host, sizeof host - 1) == 0) {
    who += std::string(" (") + (user != nullptr ? user : "?") + "@" + host + ")";
  }
  return who;
}

// Rule-set ids, versions and sha256 for the cover and the catalog. No fact-path checking: the
// rules only describe themselves here, they are not evaluated.
Result<bool> load_rules_info(const std::vector<std::string>& paths, report::ExportOptions* opt) {
  if (paths.empty()) return true;
  Diagnostics diags;
  auto book = ruleset::load_rules(paths, ruleset::LoadOptions{}, &diags);
  if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
  if (!book) return book.error();
  for (const auto& s : (*book)->rulesets()) {
    opt->rulesets.push_back({s.id, s.title, s.version, s.sha256});
  }
  for (const auto& r : (*book)->rules()) {
    opt->rules.push_back({r.id, r.ruleset, r.title, r.description, r.reference, r.source.url,
                          std::string(model::severity_name(r.severity))});
  }
  return true;
}

Result<report::ExportOptions> build_options(const ExportArgs& a) {
  report::ExportOptions opt;
  auto format = report::parse_format(a.format);
  if (!format) {
    return fail(ErrorCode::kInvalidInput,
                "--format must be html, json, csv, oscal or ocsf, not '" + a.format + "'");
  }
  opt.format = *format;
  if (a.scan && !a.since.empty()) {
    return fail(ErrorCode::kInvalidInput, "--scan and --since exclude each other");
  }
  if (a.scan) opt.scan_id = *a.scan;
  if (!a.since.empty()) {
    opt.since = parse_time(a.since);
    if (!opt.since) {
      return fail(ErrorCode::kInvalidInput,
                  "--since '" + a.since + "' is not a date (YYYY-MM-DD or RFC 3339)");
    }
  }
  if (!a.ruleset.empty()) opt.ruleset = a.ruleset;
  if (!a.target.empty()) opt.target = a.target;
  if (a.lang != "en" && a.lang != "fr") {
    return fail(ErrorCode::kInvalidInput, "--lang must be en or fr, not '" + a.lang + "'");
  }
  opt.lang = a.lang;
  std::string delim = a.delimiter == "\\t" || a.delimiter == "tab" ? "\t" : a.delimiter;
  if (delim.size() != 1 || !report::valid_delimiter(delim[0])) {
    return fail(ErrorCode::kInvalidInput, "--delimiter '" + a.delimiter +
                                              "' cannot separate CSV cells (one character such "
                                              "as ; , | or tab)");
  }
  opt.delimiter = delim[0];
  opt.generated_at = SystemClock().now();
  opt.generated_by = generated_by();
  opt.version = SOV_VERSION;
  opt.signature = a.signature;
  opt.catalog_href = std::filesystem::path(oscal_catalog_path(a.out)).filename().string();
  auto rules = load_rules_info(a.rules, &opt);
  if (!rules) return rules.error();
  return opt;
}

// Writes through FILE.tmp and renames, so a failed export leaves no truncated FILE behind.
template <typename Write>
Result<bool> write_atomically(const std::string& path, Write&& write) {
  std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return fail(ErrorCode::kIo, tmp + ": cannot create: " + std::strerror(errno));
  auto ok = write(out);
  out.close();
  if (ok && out.fail()) ok = fail(ErrorCode::kIo, tmp + ": write failed (disk full?)");
  std::error_code ec;
  if (!ok) {
    std::filesystem::remove(tmp, ec);
    return ok;
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kIo, path + ": cannot rename from " + tmp + ": " + ec.message());
  return true;
}

}  // namespace

std::string oscal_catalog_path(const std::string& out) {
  std::string base = out;
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) {
    base.resize(base.size() - 5);
  }
  return base + ".catalog.json";
}

int cmd_export(const ExportArgs& args) {
  auto opt = build_options(args);
  if (!opt) return fail_with(opt.error());
  std::error_code ec;
  if (!std::filesystem::exists(args.db, ec)) {
    return fail_with(Error(ErrorCode::kNotFound, "no store at " + args.db));
  }
  store::StoreOptions so;
  so.read_only = true;  // beside a running daemon, which holds the writer lock
  auto st = store::Store::open(args.db, so);
  if (!st) return fail_with(st.error());
  report::ExportStats stats;
  auto ok = write_atomically(args.out, [&](std::ostream& out) -> Result<bool> {
    auto s = report::write_export(**st, *opt, out);
    if (!s) return s.error();
    stats = std::move(*s);
    return true;
  });
  if (!ok) return fail_with(ok.error());  // errors name FILE.tmp or the store already
  std::cout << "wrote " << args.out << ": " << stats.findings << " findings of "
            << stats.scans.size() << " scan(s), " << report::format_name(opt->format) << "\n";
  if (opt->format == report::Format::kOscal) {
    std::string catalog = oscal_catalog_path(args.out);
    int64_t controls = 0;
    ok = write_atomically(catalog, [&](std::ostream& out) -> Result<bool> {
      auto n = report::write_oscal_catalog(**st, *opt, out);
      if (!n) return n.error();
      controls = *n;
      return true;
    });
    if (!ok) return fail_with(ok.error());
    std::cout << "wrote " << catalog << ": OSCAL catalog, " << controls << " controls\n";
  }
  return kExitOk;
}

void add_export_command(CLI::App* app, int* rc) {
  auto args = std::make_shared<ExportArgs>();
  auto scan = std::make_shared<long long>(0);
  auto* c = app->add_subcommand(
      "export", "write findings as html, json, csv, oscal or ocsf for auditors and tools");
  c->add_option("--format", args->format,
                "html, json, csv, oscal (assessment results + catalog) "
                "or ocsf (JSON Lines)")
      ->required();
  auto* o_scan = c->add_option("--scan", *scan, "scan id (default: the latest with findings)");
  c->add_option("--since", args->since,
                "every scan started at or after DATE (YYYY-MM-DD or RFC 3339)")
      ->excludes(o_scan);
  c->add_option("--ruleset", args->ruleset, "only findings of this rule set id");
  c->add_option("--target", args->target, "only findings of this target id");
  c->add_option("--db", args->db, "SQLite store to read (opened read-only)")->required();
  c->add_option("--rules", args->rules,
                "rule directories: rule-set titles and sha256 for the cover and the catalog");
  c->add_option("--lang", args->lang, "html: language, en or fr")->default_val("en");
  c->add_option("--delimiter", args->delimiter, "csv: cell delimiter, one character or tab")
      ->default_val(";");
  c->add_option("--out", args->out, "file to write (oscal: also FILE.catalog.json)")->required();
  // Signing (issue 8): FILE.manifest.json and FILE.sig by daemon/signing, see sign_command.h.
  auto sign_key = std::make_shared<std::string>();
  c->add_option("--sign", *sign_key,
                "sign the export with this Ed25519 private key (FILE.sig, FILE.manifest.json)");
  c->callback([args, scan, o_scan, sign_key, rc] {
    if (o_scan->count() > 0) args->scan = *scan;
    if (!sign_key->empty()) {
      args->signature =
          "signed: see " + std::filesystem::path(args->out).filename().string() + ".sig";
    }
    *rc = cmd_export(*args);
    if (*rc == kExitOk && !sign_key->empty()) {
      *rc = sign_export(args->out, *sign_key, args->rules, args->db);
    }
  });
}

}  // namespace sov::cli
