// SPDX-License-Identifier: Apache-2.0
#pragma once
// The TLS probe (kind `tls`): connects to one endpoint, optionally after STARTTLS, and records
// what the handshake shows (protocol, cipher, group, ALPN, stapled OCSP), the served chain and
// its verification against a trust store, and in `full` mode which protocol versions and weak
// cipher suites the server accepts and whether the leaf is revoked (CRL over HTTP, OCSP). Facts
// live under tls.*; tls_fact_schema() lists every path with its type and meaning.
//
// Target::spec fields read: endpoint ("host:port", required), sni, alpn (list), starttls
// ("postgres" | "smtp"), tls: { mode: handshake | full }, ca_file, ca_dir. A bad spec fails the
// probe with the field named.
//
// Threading: run() starts asynchronous work on ctx.io and returns; `done` is called once on the
// thread running ctx.io. With ctx.io null, run() runs a private event loop and calls `done`
// before returning. Every connection, handshake and HTTP fetch ends by ctx.deadline (a single
// version or cipher test also by its own, shorter, attempt deadline). The probe object may serve
// many runs at once; its caches (TLS contexts, CRLs until their nextUpdate) are shared and
// guarded by a mutex.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes::tls {

enum class Mode {
  kHandshake,  // one handshake: endpoint, protocol, cipher, chain, stapled OCSP
  kFull,       // plus version and weak-cipher enumeration and revocation (CRL, OCSP)
};

/// Defaults for every target; a target's spec overrides them.
struct TlsProbeOptions {
  Mode mode = Mode::kFull;
  std::string ca_file;  // trust store; both empty: the system's
  std::string ca_dir;
  /// Longest a single version or weak-cipher test may take (it also ends by the probe deadline).
  std::chrono::milliseconds attempt_timeout{3000};
  /// Largest CRL fetched.
  size_t max_crl_bytes = 8 << 20;
};

class TlsProbe final : public Probe {
 public:
  explicit TlsProbe(TlsProbeOptions options = {});
  ~TlsProbe() override;
  TlsProbe(const TlsProbe&) = delete;
  TlsProbe& operator=(const TlsProbe&) = delete;

  std::string_view kind() const override { return "tls"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  /// ProbeResult::ok is false when the endpoint could not be probed at all (bad spec, refused,
  /// timed out, reset, not TLS, handshake rejected); `error` then reads
  /// "target (host:port): reason". A bad chain, an old version or a revoked leaf are facts, not
  /// failures.
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// Every fact path the TLS probe produces, with type and meaning (producer "tls").
std::vector<model::FactSchemaEntry> tls_fact_schema();

}  // namespace sov::probes::tls
