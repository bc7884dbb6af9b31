// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sovereignctl probe <kind> ...`: runs one probe against one endpoint, outside any scan, and
// prints its facts as JSON on stdout. Exit status: 0 when the probe ran (a bad chain is a fact),
// 1 when the endpoint could not be probed (the message on stderr names the endpoint and why),
// 2 for bad usage.

#include <chrono>

namespace CLI {
class App;
}  // namespace CLI

namespace sov::probes {
struct ProbeResult;
}  // namespace sov::probes

namespace sov::cli {

/// Prints a probe's facts as JSON on stdout, with `probe.status|error|duration_seconds` (the
/// duration counted from `started`), and the error on stderr. Returns the exit status every
/// `probe` command shares: 0 when the probe ran, 1 when the endpoint could not be probed.
int print_probe_result(const probes::ProbeResult& result,
                       std::chrono::steady_clock::time_point started);

/// Registers `probe tls HOST:PORT [--sni NAME] [--ca FILE] [--starttls postgres|smtp]
/// [--timeout DURATION] [--mode handshake|full] [--alpn PROTO]...` on `app`. When the command
/// runs, its exit status is stored in `*rc`, which must outlive app.parse().
void add_probe_commands(CLI::App& app, int* rc);

}  // namespace sov::cli
