// SPDX-License-Identifier: Apache-2.0
// Helpers of the key probes; their blocking work (dlopen, PKCS#11 calls, file reads) runs
// through probes::run_off_loop.
#include <utility>

#include "probes/keys/internal.h"

namespace sov::probes::keys {

model::Source observed_source(std::optional<TimePoint> when, std::string where) {
  return model::Source{model::SourceKind::kObserved, std::move(where), when};
}

std::optional<TimePoint> now_of(const ProbeContext& ctx) {
  if (ctx.clock == nullptr) return std::nullopt;
  return ctx.clock->now();
}

void run_keys_off_loop(const std::string& target_id, const std::string& what,
                       const ProbeContext& ctx, std::function<ProbeResult()> work, ProbeDone done) {
  run_off_loop(target_id,
               what + ": timed out before the deadline (the module or file system did not answer)",
               ctx, std::move(work), std::move(done));
}

}  // namespace sov::probes::keys
