// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared helpers of the key probes (not part of the public API): the off-loop runner with its
// deadline, and the key.unknown collector.

#include <functional>
#include <optional>
#include <string>

#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes::keys {

/// Runs `work` on a new thread and delivers its result through `done` exactly once: posted to
/// ctx.io when set, else on the caller's thread before returning. When ctx.deadline passes first
/// `done` receives "TARGET: timed out ..." and the worker's later result is dropped. `work` must
/// own everything it touches (it may outlive the caller). Exceptions from `work` become a failed
/// result.
void run_off_loop(const std::string& target_id, const std::string& what, const ProbeContext& ctx,
                  std::function<ProbeResult()> work, ProbeDone done);

/// Facts left null, with the reason: key.unknown[*] = {path, reason}.
class Unknowns {
 public:
  void add(const std::string& path, const std::string& reason) {
    list_.push_back({{"path", path}, {"reason", reason}});
  }
  const model::Json& json() const { return list_; }

 private:
  model::Json list_ = model::Json::array();
};

/// A source for facts this probe observed now ("pkcs11 MODULE", "key_file PATH").
model::Source observed_source(std::optional<TimePoint> when, std::string where);

/// ctx.clock->now(), or nullopt without a clock.
std::optional<TimePoint> now_of(const ProbeContext& ctx);

}  // namespace sov::probes::keys
