// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/keys_command.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "daemon/base/time.h"
#include "daemon/cli/probe_command.h"
#include "daemon/model/model.h"
#include "probes/keys/keys_probe.h"

namespace sov::cli {

namespace {

struct KeyArgs {
  std::string module;
  std::string token;
  std::string key;
  std::string key_id;
  std::string pin_file;
  std::string pin_env;
  std::string path;
  std::string endpoint;
  std::string holder;
  std::string origin;
  std::string rotation;
  std::string timeout = "10s";
};

int usage(const std::string& command, const std::string& msg) {
  std::cerr << "sovereignctl probe " << command << ": " << msg << "\n";
  return 2;
}

// Config paths are absolute; so are the CLI's, resolved against the working directory.
std::string absolute(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  return ec ? p : abs.lexically_normal().string();
}

int run_key_probe(const std::string& command, probes::Probe& probe, model::Target target,
                  const std::string& timeout_text) {
  auto timeout = parse_duration(timeout_text);
  if (!timeout || *timeout <= Duration::zero()) {
    return usage(command, "--timeout: '" + timeout_text + "' is not a duration (e.g. 10s, 1500ms)");
  }
  target.id = "probe";
  SystemClock clock;
  auto started = std::chrono::steady_clock::now();
  auto result = probes::probe_once(
      probe, target, std::chrono::duration_cast<std::chrono::milliseconds>(*timeout), clock);
  return print_probe_result(result, started);
}

int run_pkcs11(const KeyArgs& a) {
  if (!a.pin_file.empty() && !a.pin_env.empty()) {
    return usage("pkcs11", "--pin-file and --pin-env are exclusive");
  }
  model::Target t;
  t.kind = "pkcs11";
  t.spec = {{"module", absolute(a.module)}, {"token", a.token}};
  if (!a.key.empty()) t.spec["key"] = a.key;
  if (!a.key_id.empty()) t.spec["key_id"] = a.key_id;
  if (!a.pin_file.empty()) t.spec["pin_file"] = absolute(a.pin_file);
  if (!a.pin_env.empty()) t.spec["pin_env"] = a.pin_env;
  probes::keys::Pkcs11Probe probe;
  return run_key_probe("pkcs11", probe, std::move(t), a.timeout);
}

int run_key_file(const KeyArgs& a) {
  model::Target t;
  t.kind = "key_file";
  t.spec = {{"path", absolute(a.path)}};
  probes::keys::KeyFileProbe probe;
  return run_key_probe("key-file", probe, std::move(t), a.timeout);
}

int run_kms(const KeyArgs& a) {
  model::Target t;
  t.kind = "kms";
  t.spec = {{"endpoint", a.endpoint}};
  if (!a.holder.empty()) t.spec["holder"] = a.holder;
  if (!a.origin.empty()) t.spec["origin"] = a.origin;
  if (!a.rotation.empty()) {
    if (!parse_duration(a.rotation)) {
      return usage("kms", "--rotation: '" + a.rotation + "' is not a duration (e.g. 90d)");
    }
    t.spec["rotation"] = a.rotation;
  }
  probes::keys::KmsProbe probe;
  return run_key_probe("kms", probe, std::move(t), a.timeout);
}

}  // namespace

void add_key_probe_commands(CLI::App* probe_cmd, int* rc) {
  auto args = std::make_shared<KeyArgs>();

  auto* p11 = probe_cmd->add_subcommand(
      "pkcs11", "custody and attributes of the keys on a PKCS#11 token (HSM or software token)");
  p11->add_option("--module", args->module, "PKCS#11 module (shared library)")->required();
  p11->add_option("--token", args->token, "label of the token")->required();
  p11->add_option("--key", args->key, "label of the key (default: every private and secret key)");
  p11->add_option("--key-id", args->key_id, "CKA_ID of the key, hexadecimal (5ea1 or 5e:a1)");
  p11->add_option("--pin-file", args->pin_file, "file holding the user PIN (never printed)");
  p11->add_option("--pin-env", args->pin_env,
                  "environment variable holding the user PIN (never printed)");
  p11->add_option("--timeout", args->timeout, "deadline for the whole probe")->default_val("10s");
  p11->callback([args, rc] { *rc = run_pkcs11(*args); });

  auto* file = probe_cmd->add_subcommand(
      "key-file",
      "permissions, encryption, type and size of a private key file, or every "
      "private key found under a directory (key material is never printed)");
  file->add_option("path", args->path, "key file, or directory to scan")->required();
  file->add_option("--timeout", args->timeout, "deadline for the whole probe")->default_val("10s");
  file->callback([args, rc] { *rc = run_key_file(*args); });

  auto* kms =
      probe_cmd->add_subcommand("kms", "declared custody of an external key management service");
  kms->add_option("--endpoint", args->endpoint, "https URL of the KMS")->required();
  kms->add_option("--holder", args->holder, "who holds the key material")
      ->check(CLI::IsMember({"customer", "provider"}));
  kms->add_option("--origin", args->origin, "hold or bring your own key, or provider-generated")
      ->check(CLI::IsMember({"hyok", "byok", "provider"}));
  kms->add_option("--rotation", args->rotation, "declared rotation period (e.g. 90d)");
  kms->add_option("--timeout", args->timeout, "deadline for the whole probe")->default_val("10s");
  kms->callback([args, rc] { *rc = run_kms(*args); });
}

}  // namespace sov::cli
