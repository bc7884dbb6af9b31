// SPDX-License-Identifier: Apache-2.0
// The registration table: the one place naming the concrete probes built into this binary.
#include "daemon/engine/engine.h"

namespace sov::engine {

ProbeRegistry builtin_probes() {
  ProbeRegistry registry;
  registry.add(std::make_unique<probes::DeclaredProbe>());
  // TODO(#3): TlsProbe. TODO(#5): S3, path and postgres probes. TODO(#6): key probes.
  return registry;
}

}  // namespace sov::engine
