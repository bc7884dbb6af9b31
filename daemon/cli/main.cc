// SPDX-License-Identifier: Apache-2.0
// sovereignctl: the command line of sovereignd. A table of commands (Ninja's kTools idea): each
// subcommand parses its options here and calls one function of commands.h.
#include <iostream>

#include <CLI/CLI.hpp>

#include "daemon/cli/commands.h"
#include "daemon/cli/daemon_commands.h"
#include "daemon/cli/export_command.h"
#include "daemon/cli/keys_command.h"
#include "daemon/cli/probe_command.h"
#include "daemon/cli/providers_command.h"
#include "daemon/cli/sign_command.h"
#include "daemon/cli/waive_command.h"
#include "daemon/config/config.h"

namespace {

using namespace sov::cli;

void add_store_options(CLI::App* cmd, StoreRef* ref) {
  cmd->add_option("--db", ref->db, "SQLite store to read (default: the config's `store`)");
  cmd->add_option("--config", ref->config,
                  std::string("config file whose `store` to use (default ") +
                      sov::config::kDefaultConfigPath + ")");
}

void add_rules_options(CLI::App* cmd, RulesArgs* args, bool with_paths) {
  if (with_paths) {
    cmd->add_option("paths", args->paths,
                    "rule directories or files (default: the config's `rules`, else "
                    "/usr/share/sovereignd/rules)");
  }
  cmd->add_option("--config", args->config, "config file whose `rules` to use");
  cmd->add_flag("--strict", args->strict, "treat warnings (undeclared fact paths) as errors");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sovereignctl: audit hosting against EU sovereign-hosting law, read and verify findings",
      "sovereignctl"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "print help for every command");
  bool show_version = false;
  app.add_flag("--version", show_version, "print the version and the library versions, then exit");
  app.failure_message(CLI::FailureMessage::help);

  int rc = kExitOk;

  ScanArgs scan;
  auto* c_scan = app.add_subcommand(
      "scan", "one-shot audit: load config and rules, probe, judge, store, summarise");
  c_scan->add_option("--config", scan.config, "config file")
      ->default_val(sov::config::kDefaultConfigPath);
  c_scan->add_option("--db", scan.db, "SQLite store to write (default: the config's `store`)");
  c_scan->add_flag("--strict", scan.strict, "treat rule warnings as errors");
  c_scan->add_option("--format", scan.format, "output: table or json")->default_val("table");
  bool scan_now = false;
  std::string scan_target;
  std::string scan_socket = sov::cli::kDefaultControlSocket;
  c_scan->add_flag("--now", scan_now,
                   "ask the running sovereignd to scan now instead of scanning here");
  c_scan->add_option("target", scan_target, "with --now: the target to scan (default: all)");
  c_scan->add_option("--socket", scan_socket, "with --now: the daemon's control socket")
      ->default_val(sov::cli::kDefaultControlSocket);
  c_scan->callback([&] {
    rc = scan_now ? sov::cli::cmd_scan_now(
                        scan_socket, scan_target.empty() ? std::nullopt
                                                         : std::optional<std::string>(scan_target))
                  : cmd_scan(scan);
  });

  FindingsArgs fa;
  long long fa_scan = 0;
  auto* c_findings =
      app.add_subcommand("findings", "list findings of a scan (default: the latest)");
  add_store_options(c_findings, &fa.store);
  c_findings->add_option("--status", fa.status,
                         "only this status (pass fail error not_applicable manual stale waived)");
  c_findings->add_option("--rule", fa.rule, "only this rule id");
  c_findings->add_option("--target", fa.target, "only this target id");
  auto* o_scan = c_findings->add_option("--scan", fa_scan, "scan id (default: the latest)");
  c_findings->add_option("--format", fa.format, "output: table or json")->default_val("table");
  c_findings->add_option(
      "--explain", fa.explain,
      "show one target's chain: location, operator, legal control, certifications");
  c_findings->callback([&] {
    if (o_scan->count() > 0) fa.scan = fa_scan;
    rc = cmd_findings(fa);
  });

  StoreRef hist_store;
  size_t hist_limit = 20;
  std::string hist_format = "table";
  auto* c_hist = app.add_subcommand("history", "list past scans, most recent first");
  add_store_options(c_hist, &hist_store);
  c_hist->add_option("--limit", hist_limit, "how many scans (0 = all)")->default_val(20);
  c_hist->add_option("--format", hist_format, "output: table or json")->default_val("table");
  c_hist->callback([&] { rc = cmd_history(hist_store, hist_limit, hist_format); });

  StoreRef diff_store;
  long long diff_a = 0, diff_b = 0;
  std::string diff_format = "table";
  auto* c_diff = app.add_subcommand("diff", "compare two scans: new failures, resolved, changed");
  add_store_options(c_diff, &diff_store);
  c_diff->add_option("scan_a", diff_a, "older scan id")->required();
  c_diff->add_option("scan_b", diff_b, "newer scan id")->required();
  c_diff->add_option("--format", diff_format, "output: table or json")->default_val("table");
  c_diff->callback([&] { rc = cmd_diff(diff_store, diff_a, diff_b, diff_format); });

  StoreRef verify_store;
  std::string verify_file, verify_pubkey;
  auto* c_verify = app.add_subcommand(
      "verify",
      "recompute the findings hash chain and name the first row that does not match; with "
      "FILE, check a signed export (signature, hash, chain head in the store)");
  add_store_options(c_verify, &verify_store);
  c_verify->add_option("file", verify_file,
                       "signed export to check (FILE.sig, FILE.manifest.json)");
  c_verify->add_option("--pubkey", verify_pubkey, "with FILE: the signer's public key (PEM)");
  c_verify->callback([&] {
    if (verify_file.empty()) {
      rc = cmd_verify(verify_store);
    } else if (verify_pubkey.empty()) {
      std::cerr << "sovereignctl: verify FILE needs --pubkey KEY\n";
      rc = kExitInvalid;
    } else {
      rc = sov::cli::cmd_verify_export(verify_file, verify_pubkey, verify_store,
                                       !verify_store.db.empty() || !verify_store.config.empty());
    }
  });

  auto* c_rules = app.add_subcommand("rules", "validate, test, list and explain rule sets");
  c_rules->require_subcommand(1);
  RulesArgs rv, rt, rl, re;
  std::string explain_id;
  auto* c_rv = c_rules->add_subcommand(
      "validate", "load and validate rule sets; print every error with its position");
  add_rules_options(c_rv, &rv, true);
  c_rv->callback([&] { rc = cmd_rules_validate(rv); });
  auto* c_rt = c_rules->add_subcommand(
      "test", "run the *.cases.yaml beside the rule sets; name each mismatch");
  add_rules_options(c_rt, &rt, true);
  c_rt->callback([&] { rc = cmd_rules_test(rt); });
  auto* c_rl = c_rules->add_subcommand("list", "list the rules with their legal references");
  add_rules_options(c_rl, &rl, true);
  c_rl->add_option("--format", rl.format, "output: table or json")->default_val("table");
  c_rl->callback([&] { rc = cmd_rules_list(rl); });
  auto* c_re = c_rules->add_subcommand(
      "explain", "show one rule: its law, source, condition and the facts it reads");
  c_re->add_option("rule_id", explain_id, "rule id, e.g. SNC-19.6-b1")->required();
  c_re->add_option("--rules", re.paths, "rule directories (default: the config's `rules`)");
  c_re->add_option("--config", re.config, "config file whose `rules` to use");
  c_re->callback([&] { rc = cmd_rules_explain(re, explain_id); });

  auto* c_config = app.add_subcommand("config", "check a config file, print the keyword table");
  c_config->require_subcommand(1);
  std::string check_file = sov::config::kDefaultConfigPath;
  auto* c_check = c_config->add_subcommand(
      "check", "validate a config file and the rules it names, exactly as the daemon does");
  c_check->add_option("file", check_file, "config file")
      ->default_val(sov::config::kDefaultConfigPath);
  c_check->callback([&] { rc = cmd_config_check(check_file); });
  std::string schema_format = "table";
  auto* c_schema = c_config->add_subcommand(
      "schema", "print every config key with its type, default and meaning");
  c_schema->add_option("--format", schema_format, "output: table or json")->default_val("table");
  c_schema->callback([&] { rc = cmd_config_schema(schema_format); });

  sov::cli::add_probe_commands(app, &rc);
  sov::cli::add_provider_commands(app, &rc);
  sov::cli::add_export_command(&app, &rc);
  sov::cli::add_daemon_commands(app, &rc);
  sov::cli::add_key_probe_commands(app.get_subcommand("probe"), &rc);
  sov::cli::add_waive_commands(&app, &rc);
  sov::cli::add_signing_commands(&app, &rc);

  // --version works without a subcommand.
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--version") {
      std::cout << version_text();
      return kExitOk;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitInvalid;
  }
  return rc;
}
