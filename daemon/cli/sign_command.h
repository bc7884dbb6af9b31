// SPDX-License-Identifier: Apache-2.0
#pragma once
// Signed evidence on the command line (daemon/signing does the work):
//
//   keygen --out KEY                 a new Ed25519 key pair: KEY (0600) and KEY.pub
//   sign FILE --key KEY [--db DB | --config CFG] [--rules DIR...]
//                                    FILE.manifest.json and FILE.sig for any file
//   verify FILE --pubkey KEY [--db DB | --config CFG]
//                                    the signature, the file's hash against the manifest and,
//                                    given a store, that the manifest's chain head is in its chain
//
// Key material is never printed: only paths and fingerprints. Exit status: 0 ok, 1 a file or
// the store cannot be read, 2 bad usage or a bad key, 4 verification failed (the message says
// what does not match).

#include <string>
#include <vector>

#include "daemon/cli/commands.h"
#include "daemon/signing/signing.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sov::cli {

inline constexpr int kExitNotVerified = 4;

/// Signs `file` with the private key `key` and prints the two files written and the key's
/// fingerprint. For `sign` and for `export --sign`.
int sign_and_report(const std::string& file, const std::string& key,
                    const signing::ManifestInput& input);

/// The manifest input for a file exported by this sovereignctl: its version, the rule sets of
/// `rule_paths` (none when empty) and the chain head of the store at `db` ("" = none). Errors
/// when the rules or the store cannot be read.
Result<signing::ManifestInput> manifest_input(const std::vector<std::string>& rule_paths,
                                              const std::string& db);

/// manifest_input() then sign_and_report(), with errors reported: `export --sign KEY`.
int sign_export(const std::string& file, const std::string& key,
                const std::vector<std::string>& rule_paths, const std::string& db);

/// `verify FILE --pubkey KEY [--db DB | --config CFG]`; `use_store`: --db or --config given.
int cmd_verify_export(const std::string& file, const std::string& pubkey, const StoreRef& store,
                      bool use_store);

/// Registers `keygen` and `sign` on `app`; exit status to `*rc` (must outlive parse()).
void add_signing_commands(CLI::App* app, int* rc);

}  // namespace sov::cli
