// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sovereignctl providers ...`: the provider registry (rules/providers/) from the command line.
//   providers list                       one line per provider: id, name, seat, SecNumCloud, HDS
//   providers show ID                    every registry value with source, as_of, confidence
//   providers resolve HOST_OR_IP         which provider, region and country, by which method
//   providers import FORMAT FILE         reads a provider-published range file and writes
//                                        <registry>/imported/<provider>.json
//   providers check                      lints every registry file (file:line:col messages)
// Common option: --registry DIR (default: ./rules/providers, else
// /usr/share/sovereignd/rules/providers); --mmdb FILE for resolve.
// Exit status: 0 done, 1 not found / unresolved, 2 usage or invalid registry or input.

namespace CLI {
class App;
}  // namespace CLI

namespace sov::cli {

/// Registers `providers list|show|resolve|import|check` on `app`; the exit status of the command
/// that runs is stored in `*rc`, which must outlive app.parse().
void add_provider_commands(CLI::App& app, int* rc);

}  // namespace sov::cli
