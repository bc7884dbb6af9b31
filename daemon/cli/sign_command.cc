// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/sign_command.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "daemon/base/redact.h"
#include "daemon/config/config.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/store/store.h"

namespace sov::cli {

namespace {

int report_error(const Error& e) {
  std::cerr << "sovereignctl: " << redact(e.to_string()) << "\n";
  if (e.code() == ErrorCode::kCorrupt) return kExitNotVerified;
  return e.code() == ErrorCode::kInvalidInput ? kExitInvalid : kExitRuntime;
}

// --db wins, else the `store` of --config; "" when neither was given.
Result<std::string> store_path(const StoreRef& ref) {
  if (!ref.db.empty()) return ref.db;
  if (ref.config.empty()) return std::string();
  Diagnostics diags;
  auto cfg = config::load_config(ref.config, &diags);
  if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
  if (!cfg) return cfg.error();
  return (*cfg)->store;
}

Result<std::unique_ptr<store::Store>> open_read_only(const std::string& db) {
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) {
    return fail(ErrorCode::kNotFound, "no store at " + db);
  }
  store::StoreOptions opts;
  opts.read_only = true;
  return store::Store::open(db, opts);
}

struct SignArgs {
  std::string file, key;
  StoreRef store;
  std::vector<std::string> rules;
};

int run_sign(const SignArgs& a) {
  std::vector<std::string> rules = a.rules;
  if (rules.empty() && !a.store.config.empty()) {
    Diagnostics diags;
    auto cfg = config::load_config(a.store.config, &diags);
    if (!cfg) {
      std::cerr << diags.to_string() << "\n";
      return report_error(cfg.error());
    }
    rules = (*cfg)->rules;
  }
  auto db = store_path(a.store);
  if (!db) return report_error(db.error());
  auto input = manifest_input(rules, *db);
  if (!input) return report_error(input.error());
  return sign_and_report(a.file, a.key, *input);
}

}  // namespace

Result<signing::ManifestInput> manifest_input(const std::vector<std::string>& rule_paths,
                                              const std::string& db) {
  signing::ManifestInput in;
  in.sovereignd_version = SOV_VERSION;
  in.created = SystemClock().now();
  if (!rule_paths.empty()) {
    Diagnostics diags;
    auto book = ruleset::load_rules(rule_paths, ruleset::LoadOptions{}, &diags);
    if (!book) {
      if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
      return book.error();
    }
    for (const auto& s : (*book)->rulesets()) in.rulesets.push_back({s.id, s.version, s.sha256});
  }
  if (!db.empty()) {
    auto st = open_read_only(db);
    if (!st) return st.error();
    auto head = (*st)->chain_head();
    if (!head) return head.error();
    in.chain_head = *head;
  }
  return in;
}

int sign_and_report(const std::string& file, const std::string& key,
                    const signing::ManifestInput& input) {
  auto signed_files = signing::sign_file(file, key, input);
  if (!signed_files) return report_error(signed_files.error());
  const auto& m = signed_files->manifest;
  std::cout << "signed " << file << " (sha256 " << m.export_sha256 << ")\n"
            << "  manifest:  " << signed_files->manifest_path << "\n"
            << "  signature: " << signed_files->signature_path << "\n"
            << "  key:       " << m.key_fingerprint << "\n";
  if (m.chain_head) std::cout << "  chain head: " << *m.chain_head << "\n";
  return kExitOk;
}

int sign_export(const std::string& file, const std::string& key,
                const std::vector<std::string>& rule_paths, const std::string& db) {
  auto input = manifest_input(rule_paths, db);
  if (!input) return report_error(input.error());
  return sign_and_report(file, key, *input);
}

int cmd_verify_export(const std::string& file, const std::string& pubkey, const StoreRef& ref,
                      bool use_store) {
  auto m = signing::verify_file(file, pubkey);
  if (!m) return report_error(m.error());
  std::cout << "signature ok: " << file << " is what key " << m->key_fingerprint << " signed on "
            << format_rfc3339(m->created) << " (sovereignd " << m->sovereignd_version << ")\n";
  for (const auto& r : m->rulesets) {
    std::cout << "  rule set " << r.id << " " << r.version << " sha256 " << r.sha256 << "\n";
  }
  if (!use_store) {
    if (m->chain_head) {
      std::cout << "  chain head " << *m->chain_head
                << " not checked (give --db or --config to check it against the store)\n";
    }
    return kExitOk;
  }
  if (!m->chain_head) {
    return report_error(Error(ErrorCode::kCorrupt,
                              "the manifest names no chain head: nothing to check in the store"));
  }
  auto db = store_path(ref);
  if (!db) return report_error(db.error());
  auto st = open_read_only(*db);
  if (!st) return report_error(st.error());
  auto in_chain = (*st)->chain_contains(*m->chain_head);
  if (!in_chain) return report_error(in_chain.error());
  if (!*in_chain) {
    return report_error(
        Error(ErrorCode::kCorrupt, "chain head " + *m->chain_head +
                                       " of the manifest is not in the "
                                       "hash chain of " +
                                       *db +
                                       ": the export does not come from this store, or the store "
                                       "was rewritten since"));
  }
  std::cout << "chain ok: head " << *m->chain_head << " is in the hash chain of " << *db << "\n";
  return kExitOk;
}

void add_signing_commands(CLI::App* app, int* rc) {
  auto out = std::make_shared<std::string>();
  auto* keygen = app->add_subcommand(
      "keygen", "make an Ed25519 key pair for signing exports: KEY (mode 0600) and KEY.pub");
  keygen->add_option("--out", *out, "private key file to create (refused if it exists)")
      ->required();
  keygen->callback([out, rc] {
    auto kp = signing::generate_key_pair(*out);
    if (!kp) {
      *rc = report_error(kp.error());
      return;
    }
    std::cout << "private key: " << kp->private_key << " (keep it secret)\n"
              << "public key:  " << kp->public_key << "\n"
              << "fingerprint: " << kp->fingerprint << "\n";
    *rc = kExitOk;
  });

  auto args = std::make_shared<SignArgs>();
  auto* sign = app->add_subcommand(
      "sign", "sign any file: FILE.manifest.json (hashes, versions, chain head) and FILE.sig");
  sign->add_option("file", args->file, "file to sign")->required();
  sign->add_option("--key", args->key, "Ed25519 private key (PEM)")->required();
  sign->add_option("--db", args->store.db, "store whose chain head the manifest records");
  sign->add_option("--config", args->store.config,
                   "config whose store and rules the manifest records");
  sign->add_option("--rules", args->rules, "rule directories whose sets the manifest records");
  sign->callback([args, rc] { *rc = run_sign(*args); });
}

}  // namespace sov::cli
