// SPDX-License-Identifier: Apache-2.0
// The registration table: the one place naming the concrete probes built into this binary.
#include "daemon/engine/engine.h"
#include "probes/keys/keys_probe.h"
#include "probes/s3/s3_probe.h"
#include "probes/storage/storage_probe.h"
#include "probes/tls/tls_probe.h"

namespace sov::engine {

ProbeRegistry builtin_probes() {
  ProbeRegistry registry;
  registry.add(std::make_unique<probes::DeclaredProbe>());
  registry.add(std::make_unique<probes::tls::TlsProbe>());
  registry.add(std::make_unique<probes::keys::Pkcs11Probe>());
  registry.add(std::make_unique<probes::keys::KeyFileProbe>());
  registry.add(std::make_unique<probes::keys::KmsProbe>());
  registry.add(std::make_unique<probes::s3::S3Probe>());
  registry.add(std::make_unique<probes::storage::PathProbe>());
  registry.add(std::make_unique<probes::storage::PostgresProbe>());
  // Jurisdiction is not a probe of its own: run_scan enriches every target after its probe.
  return registry;
}

}  // namespace sov::engine
