// SPDX-License-Identifier: Apache-2.0
// The registration table: the one place naming the concrete probes built into this binary.
#include "daemon/engine/engine.h"
#include "probes/tls/tls_probe.h"

namespace sov::engine {

ProbeRegistry builtin_probes() {
  ProbeRegistry registry;
  registry.add(std::make_unique<probes::DeclaredProbe>());
  registry.add(std::make_unique<probes::tls::TlsProbe>());
  // TODO(#5): S3, path and postgres probes. TODO(#6): key probes. TODO(#4): jurisdiction.
  return registry;
}

}  // namespace sov::engine
