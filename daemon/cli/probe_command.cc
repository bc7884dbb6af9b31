// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/probe_command.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "daemon/net/net.h"
#include "probes/s3/s3_probe.h"
#include "probes/storage/storage_probe.h"
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
  auto result = probes::probe_once(
      probe, target, std::chrono::duration_cast<std::chrono::milliseconds>(*timeout), clock);
  return print_probe_result(result, started);
}

// `probe s3` (issue 5): one bucket, with the endpoint's TLS facts when https.
struct ProbeS3Args {
  std::string endpoint;
  std::string bucket;
  std::string region;
  std::string credentials_file;
  std::string credentials_env;
  std::string profile;
  std::string addressing = "auto";
  std::string ca_file;
  std::string connect_to;
  std::string timeout = "10s";
};

int run_probe_s3(const ProbeS3Args& a) {
  auto timeout = parse_duration(a.timeout);
  if (!timeout || *timeout <= Duration::zero()) {
    std::cerr << "sovereignctl probe s3: --timeout: '" << a.timeout
              << "' is not a duration (e.g. 10s, 1500ms)\n";
    return 2;
  }
  if (!a.credentials_file.empty() && !a.credentials_env.empty()) {
    std::cerr << "sovereignctl probe s3: --credentials-file and --credentials-env exclude each "
                 "other\n";
    return 2;
  }
  model::Target target;
  target.id = "probe";
  target.kind = "s3";
  target.spec = {{"endpoint", a.endpoint}, {"bucket", a.bucket}, {"addressing", a.addressing}};
  if (!a.region.empty()) target.spec["region"] = a.region;
  if (!a.ca_file.empty()) target.spec["ca_file"] = a.ca_file;
  if (!a.connect_to.empty()) target.spec["connect_to"] = a.connect_to;
  if (!a.credentials_file.empty()) target.spec["credentials"] = {{"file", a.credentials_file}};
  if (!a.credentials_env.empty()) target.spec["credentials"] = {{"env", a.credentials_env}};
  if (!a.profile.empty() && target.spec.contains("credentials")) {
    target.spec["credentials"]["profile"] = a.profile;
  }
  probes::s3::S3Probe probe;
  SystemClock clock;
  auto started = std::chrono::steady_clock::now();
  auto result = probes::probe_once(
      probe, target, std::chrono::duration_cast<std::chrono::milliseconds>(*timeout), clock);
  return print_probe_result(result, started);
}

void add_s3_probe_command(CLI::App* probe, int* rc) {
  auto args = std::make_shared<ProbeS3Args>();
  auto* s3 = probe->add_subcommand(
      "s3",
      "location, encryption, replication, versioning, object lock and public access of an "
      "S3 bucket, plus the endpoint's TLS facts");
  s3->add_option("--endpoint", args->endpoint, "https://HOST[:PORT] or http://HOST[:PORT]")
      ->required();
  s3->add_option("--bucket", args->bucket, "bucket name")->required();
  s3->add_option("--region", args->region,
                 "region to sign with (default: the bucket's location, us-east-1 until known)");
  s3->add_option("--credentials-file", args->credentials_file,
                 "file with access_key_id and secret_access_key lines (default: anonymous)");
  s3->add_option("--credentials-env", args->credentials_env,
                 "prefix P of the variables P_ACCESS_KEY_ID and P_SECRET_ACCESS_KEY");
  s3->add_option("--profile", args->profile, "section of the credentials file");
  s3->add_option("--addressing", args->addressing, "path, virtual or auto")
      ->check(CLI::IsMember({"auto", "path", "virtual"}))
      ->default_val("auto");
  s3->add_option("--ca-file", args->ca_file,
                 "trust store: a PEM file of CA certificates (default: the system's)");
  s3->add_option("--connect-to", args->connect_to,
                 "HOST:PORT to connect to instead of the endpoint's host");
  s3->add_option("--timeout", args->timeout, "deadline for the whole probe")->default_val("10s");
  s3->callback([args, rc] { *rc = run_probe_s3(*args); });
}

// `probe path` and `probe postgres` (issue 5): the storage probes, run once.
struct ProbeStorageArgs {
  std::string subject;  // PATH or HOST:PORT
  std::string sysroot;
  std::string ca_file;
  std::string user;
  std::string database;
  std::string mode = "handshake";
  std::string timeout = "10s";
};

int run_storage_probe(const char* name, probes::Probe& probe, model::Target target,
                      const std::string& timeout_text) {
  auto timeout = parse_duration(timeout_text);
  if (!timeout || *timeout <= Duration::zero()) {
    std::cerr << "sovereignctl probe " << name << ": --timeout: '" << timeout_text
              << "' is not a duration (e.g. 10s, 1500ms)\n";
    return 2;
  }
  SystemClock clock;
  auto started = std::chrono::steady_clock::now();
  auto result = probes::probe_once(
      probe, target, std::chrono::duration_cast<std::chrono::milliseconds>(*timeout), clock);
  return print_probe_result(result, started);
}

int run_probe_path(const ProbeStorageArgs& a) {
  model::Target target;
  target.id = "probe";
  target.kind = "path";
  std::error_code ec;  // a relative PATH is taken from the current directory
  auto absolute = std::filesystem::absolute(a.subject, ec);
  target.spec = {{"path", ec ? a.subject : absolute.lexically_normal().string()}};
  probes::storage::PathProbe probe({a.sysroot});
  return run_storage_probe("path", probe, std::move(target), a.timeout);
}

int run_probe_postgres(const ProbeStorageArgs& a) {
  if (auto hp = net::parse_host_port(a.subject); !hp) {
    std::cerr << "sovereignctl probe postgres: " << hp.error().message() << "\n";
    return 2;
  }
  model::Target target;
  target.id = "probe";
  target.kind = "postgres";
  target.spec = {{"endpoint", a.subject}, {"tls", {{"mode", a.mode}}}};
  if (!a.ca_file.empty()) target.spec["ca_file"] = a.ca_file;
  if (!a.user.empty()) target.spec["user"] = a.user;
  if (!a.database.empty()) target.spec["database"] = a.database;
  probes::storage::PostgresProbe probe;
  return run_storage_probe("postgres", probe, std::move(target), a.timeout);
}

void add_storage_probe_commands(CLI::App* probe, int* rc) {
  auto pa = std::make_shared<ProbeStorageArgs>();
  auto* path = probe->add_subcommand(
      "path", "mount, file system, network server, encryption at rest and mode of a local path");
  path->add_option("path", pa->subject, "absolute path of a directory or file")->required();
  path->add_option("--sysroot", pa->sysroot,
                   "read proc/ and sys/ (and dev/ for LUKS headers) under DIR instead of /");
  path->add_option("--timeout", pa->timeout, "deadline for the whole probe")->default_val("10s");
  path->callback([pa, rc] { *rc = run_probe_path(*pa); });

  auto pg = std::make_shared<ProbeStorageArgs>();
  auto* postgres = probe->add_subcommand(
      "postgres", "TLS (SSLRequest) and plaintext refusal of a PostgreSQL server at HOST:PORT");
  postgres->add_option("endpoint", pg->subject, "HOST:PORT ([v6]:PORT for IPv6)")->required();
  postgres->add_option("--ca-file", pg->ca_file,
                       "trust store: a PEM file of CA certificates (default: the system's)");
  postgres->add_option("--user", pg->user,
                       "user named in the plain StartupMessage (default sovereignd; no password "
                       "is ever sent)");
  postgres->add_option("--database", pg->database, "database named (default: the user)");
  postgres
      ->add_option("--mode", pg->mode,
                   "TLS probe mode: handshake, or full (versions, weak suites, revocation)")
      ->check(CLI::IsMember({"handshake", "full"}))
      ->default_val("handshake");
  postgres->add_option("--timeout", pg->timeout, "deadline for the whole probe")
      ->default_val("10s");
  postgres->callback([pg, rc] { *rc = run_probe_postgres(*pg); });
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
  add_storage_probe_commands(probe, rc);
  add_s3_probe_command(probe, rc);
}

}  // namespace sov::cli
