// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sovereignctl probe pkcs11|key-file|kms ...`: runs one key custody probe outside any scan and
// prints its facts as JSON on stdout (the key.* object and probe.{status,error,duration_seconds}).
// Exit status as `probe tls`: 0 when the probe ran (an extractable key or a world-readable file
// is a fact), 1 when the target could not be probed (stderr names it and why), 2 for bad usage.
// The PIN is read by the probe from --pin-file or --pin-env and never printed.

namespace CLI {
class App;
}  // namespace CLI

namespace sov::cli {

/// Registers, under the existing `probe` subcommand `probe_cmd`:
///   pkcs11 --module PATH --token LABEL [--key LABEL] [--pin-file FILE | --pin-env VAR]
///          [--timeout DURATION]
///   key-file PATH [--timeout DURATION]            (PATH: a key file or a directory to scan)
///   kms --endpoint URL [--holder customer|provider] [--origin hyok|byok|provider]
///       [--rotation DURATION]
/// When a command runs, its exit status is stored in `*rc`, which must outlive parse().
void add_key_probe_commands(CLI::App* probe_cmd, int* rc);

}  // namespace sov::cli
