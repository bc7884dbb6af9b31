// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared helpers of the key probes (not part of the public API). The off-loop runner and the
// key.unknown collector are probes/api's (off_loop.h); run_keys_off_loop names what timed out.

#include <functional>
#include <optional>
#include <string>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/api/off_loop.h"
#include "probes/api/probe.h"

namespace sov::probes::keys {

/// probes::run_off_loop for a key probe: on timeout, "TARGET: WHAT: timed out before the
/// deadline (the module or file system did not answer)".
void run_keys_off_loop(const std::string& target_id, const std::string& what,
                       const ProbeContext& ctx, std::function<ProbeResult()> work, ProbeDone done);

/// A source for facts this probe observed now ("pkcs11 MODULE", "key_file PATH").
model::Source observed_source(std::optional<TimePoint> when, std::string where);

/// ctx.clock->now(), or nullopt without a clock.
std::optional<TimePoint> now_of(const ProbeContext& ctx);

}  // namespace sov::probes::keys
