// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/probe_command.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "daemon/net/net.h"
#include "probes/tls/tls_probe.h"

namespace sov::cli {

namespace {

struct ProbeTlsArgs {
  std::string endpoint;
  std::string sni;
  std::string ca;
  std::string starttls;
  std::string timeout = "10s";
  std::string mode = "full";
  std::vector<std::string> alpn;
};

int run_probe_tls(const ProbeTlsArgs& a) {
  auto usage = [](const std::string& msg) {
    std::cerr << "sovereignctl probe tls: " << msg << "\n";
    return 2;
  };
  auto hp = net::parse_host_port(a.endpoint);
  if (!hp) return usage(hp.error().message());
  auto timeout = parse_duration(a.timeout);
  if (!timeout || *timeout <= Duration::zero()) {
    return usage("--timeout: '" + a.timeout + "' is not a duration (e.g. 10s, 1500ms)");
  }
  model::Target target;
  target.id = "probe";
  target.kind = "tls";
  target.spec = {{"endpoint", a.endpoint}, {"tls", {{"mode", a.mode}}}};
  if (!a.sni.empty()) target.spec["sni"] = a.sni;
  if (!a.ca.empty()) target.spec["ca_file"] = a.ca;
  if (!a.starttls.empty()) target.spec["starttls"] = a.starttls;
  if (!a.alpn.empty()) target.spec["alpn"] = a.alpn;

  probes::tls::TlsProbe probe;
  SystemClock clock;
  auto started = std::chrono::steady_clock::now();
  auto result = probes::tls::probe_once(
      probe, target, std::chrono::duration_cast<std::chrono::milliseconds>(*timeout), clock);
  return print_probe_result(result, started);
}

}  // namespace

int print_probe_result(const probes::ProbeResult& result,
                       std::chrono::steady_clock::time_point started) {
  model::Json doc = result.facts.doc();
  doc["probe"] = {
      {"status", result.ok ? "ok" : "error"},
      {"error", result.ok ? model::Json(nullptr) : model::Json(result.error)},
      {"duration_seconds",
       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
  std::cout << doc.dump(2) << "\n";
  if (!result.ok) {
    std::cerr << "sovereignctl: " << result.error << "\n";
    return 1;
  }
  return 0;
}

void add_probe_commands(CLI::App& app, int* rc) {
  auto* probe = app.add_subcommand("probe", "probe one endpoint and print its facts as JSON");
  probe->require_subcommand(1);
  auto args = std::make_shared<ProbeTlsArgs>();
  auto* tls = probe->add_subcommand(
      "tls", "TLS handshake, chain, versions, weak suites and revocation of HOST:PORT");
  tls->add_option("endpoint", args->endpoint, "HOST:PORT ([v6]:PORT for IPv6)")->required();
  tls->add_option("--sni", args->sni, "server name to send (default: the host, unless an address)");
  tls->add_option("--ca", args->ca,
                  "trust store: a PEM file of CA certificates (default: the system's)");
  tls->add_option("--starttls", args->starttls, "speak this protocol before TLS")
      ->check(CLI::IsMember({"postgres", "smtp"}));
  tls->add_option("--timeout", args->timeout, "deadline for the whole probe")->default_val("10s");
  tls->add_option("--mode", args->mode,
                  "handshake: one handshake; full: also versions, weak suites and revocation")
      ->check(CLI::IsMember({"handshake", "full"}))
      ->default_val("full");
  tls->add_option("--alpn", args->alpn, "ALPN protocol to offer (repeatable)");
  tls->callback([args, rc] { *rc = run_probe_tls(*args); });
}

}  // namespace sov::cli
