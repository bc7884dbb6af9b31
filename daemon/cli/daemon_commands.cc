// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/daemon_commands.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "daemon/control/control.h"

namespace sov::cli {

namespace {

using namespace std::chrono_literals;

int run(const std::string& socket, const control::Request& request, bool json) {
  auto r = control::call(socket, request, 10s);
  if (!r) {
    std::cerr << "sovereignctl: " << r.error().to_string() << "\n";
    return 1;
  }
  if (json) {
    std::cout << model::Json{{"result", r->result}, {"text", r->text}, {"data", r->data}}.dump(2)
              << "\n";
  } else {
    (r->result == control::kResultOk ? std::cout : std::cerr) << r->text << "\n";
  }
  return r->result == control::kResultOk ? 0 : (r->result == control::kResultUnsupported ? 2 : 1);
}

}  // namespace

void add_daemon_commands(CLI::App& app, int* rc) {
  struct Args {
    std::string socket = kDefaultControlSocket;
    std::string format = "table";
  };
  auto status_args = std::make_shared<Args>();
  auto* status = app.add_subcommand("status", "ask the running sovereignd for its state");
  status->add_option("--socket", status_args->socket, "control socket of the daemon")
      ->default_val(kDefaultControlSocket);
  status->add_option("--format", status_args->format, "output: table or json")
      ->default_val("table");
  status->callback([rc, status_args] {
    *rc =
        run(status_args->socket, {"status", model::Json::object()}, status_args->format == "json");
  });

  auto reload_args = std::make_shared<Args>();
  auto* reload = app.add_subcommand(
      "reload", "ask the running sovereignd to reload its configuration and rules (as SIGHUP)");
  reload->add_option("--socket", reload_args->socket, "control socket of the daemon")
      ->default_val(kDefaultControlSocket);
  reload->callback([rc, reload_args] {
    *rc = run(reload_args->socket, {"reload", model::Json::object()}, false);
  });
}

int cmd_scan_now(const std::string& socket, const std::optional<std::string>& target) {
  model::Json args = model::Json::object();
  if (target && !target->empty()) args["target"] = *target;
  return run(socket, {"scan-now", args}, false);
}

}  // namespace sov::cli
