// SPDX-License-Identifier: Apache-2.0
#pragma once
// sovereignctl's commands that talk to a running sovereignd over its control socket:
// `status`, `reload`, and `scan --now [TARGET]` (the flag lives on the one-shot `scan`
// command of main.cc, which calls cmd_scan_now() when it is given).
//
// Exit status: 0 ok, 1 the daemon answered an error or cannot be reached, 2 usage.

#include <optional>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace sov::cli {

inline constexpr const char* kDefaultControlSocket = "/run/sovereignd/control.sock";

/// Adds `status` and `reload` to `app`; each sets *rc to its exit status.
void add_daemon_commands(CLI::App& app, int* rc);

/// `sovereignctl scan --now [TARGET]`: asks the daemon at `socket` to scan `target` (every
/// target when empty) now.
int cmd_scan_now(const std::string& socket, const std::optional<std::string>& target);

}  // namespace sov::cli
