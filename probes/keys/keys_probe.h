// SPDX-License-Identifier: Apache-2.0
#pragma once
// Key custody probes: who could use or extract the keys that protect a target's data.
//
// - Pkcs11Probe (kind `pkcs11`): loads the PKCS#11 module named by spec.module (dlopen), opens
//   the token labelled spec.token, logs in with the user PIN read from spec.pin_file or the
//   environment variable spec.pin_env, and reads the attributes of the private and secret keys
//   labelled spec.key (every such key when spec.key is absent). Facts: key.custody,
//   key.token.*, key.keys[*].*, and key.type|bits|curve|extractable|... for the single key
//   selected.
// - KeyFileProbe (kind `key_file`): spec.path is a PEM key file, or a directory scanned for stray
//   private keys. Facts: key.file.* (a file), key.files[*].* (every private key file found),
//   key.scan.* (a directory), key.type|bits|curve (a file). Key material never leaves OpenSSL:
//   an encrypted key is recognised without being decrypted (the passphrase callback refuses).
// - KmsProbe (kind `kms`): spec.endpoint, holder, origin, rotation as declared. Facts key.kms.*.
//
// A fact that cannot be established is null and key.unknown[*] says why. The PIN is read inside
// the worker, kept in memory that is wiped after login, and never appears in facts or errors.
//
// Threading: run() hands the blocking work (dlopen, every PKCS#11 call, file reads) to a worker
// thread and returns. With ctx.io set, `done` is posted to ctx.io; with ctx.io null, run() waits
// for the worker and calls `done` before returning. Either way `done` is called exactly once, by
// ctx.deadline: a worker still busy then (a hung module) is abandoned and the run reports
// "timed out". The probe objects may serve many runs at once; PKCS#11 runs on one module are
// serialised (C_Initialize ... C_Finalize per run, so a replaced token is seen on the next run).
// No exception escapes run() or `done`'s caller.

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes::keys {

class Pkcs11Probe final : public Probe {
 public:
  Pkcs11Probe();
  ~Pkcs11Probe() override;
  Pkcs11Probe(const Pkcs11Probe&) = delete;
  Pkcs11Probe& operator=(const Pkcs11Probe&) = delete;

  std::string_view kind() const override { return "pkcs11"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  /// ok is false when the token could not be inspected: bad spec, missing or non-PKCS#11 module,
  /// token not found, PIN unreadable or refused, no matching key, timeout. `error` reads
  /// "target (token 'LABEL' via MODULE): reason" and never contains the PIN.
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

class KeyFileProbe final : public Probe {
 public:
  std::string_view kind() const override { return "key_file"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  /// ok is false when spec.path is missing, absent or unreadable, or a file holds no key.
  /// Permissions, encryption and sizes are facts, not failures.
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;
};

class KmsProbe final : public Probe {
 public:
  std::string_view kind() const override { return "kms"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  /// ok is false when spec.endpoint is missing or not an https URL. Observes nothing on the
  /// network yet: key.kms.* are the declared custody facts plus the endpoint's host.
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;
};

/// Every fact path each probe produces, with type and meaning (producers pkcs11, key_file, kms).
std::vector<model::FactSchemaEntry> pkcs11_fact_schema();
std::vector<model::FactSchemaEntry> key_file_fact_schema();
std::vector<model::FactSchemaEntry> kms_fact_schema();

}  // namespace sov::probes::keys
