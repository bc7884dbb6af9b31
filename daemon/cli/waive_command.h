// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sovereignctl waive add|list|revoke|lint`: the waiver register kept in waiver files (the
// `attestation_files` of sovereignd.yaml(5), format in sovereignd-waivers(5)).
//
//   add FILE --id ID --rule R... [--target T|tag:K=V...] --reason TEXT --approved-by WHO
//       (--expires DATE | --for DURATION) [--category C] [--ticket T] [--created DATE]
//       [--review-every D] [--mode report_only|skip] [--rules DIR...] [--config CFG]
//   list FILE... [--config CFG] [--at DATE] [--format table|json]
//   revoke FILE ID --by WHO [--at DATE]
//   lint FILE... [--rules DIR...] [--config CFG] [--at DATE] [--strict]
//
// Files are edited as text (an entry appended, two keys inserted), so comments and layout stay;
// each edit is validated by loading the result before it replaces the file. Nothing is ever
// deleted: a revoked waiver stays with its `revoked` date and `revoked_by`.
//
// Exit status: 0 ok; 1 a file cannot be read or written; 2 bad usage or an invalid waiver (the
// diagnostics name file:line:column); lint exits 2 when it found an error (or, with --strict, a
// warning).

namespace CLI {
class App;
}  // namespace CLI

namespace sov::cli {

/// Registers `waive` and its four subcommands on `app`. A command's exit status goes to `*rc`,
/// which must outlive parse().
void add_waive_commands(CLI::App* app, int* rc);

}  // namespace sov::cli
