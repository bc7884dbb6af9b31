// SPDX-License-Identifier: Apache-2.0
#pragma once
// For probes whose work blocks (dlopen and PKCS#11 calls, stat(2) on a network file system, file
// reads): the work runs on a worker thread and its result is delivered once, by the deadline.
// Also the list of facts a probe left unknown, with the reason, that such probes keep.

#include <functional>
#include <string>

#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes {

/// Runs `work` on a new thread and delivers its result through `done` exactly once: posted to
/// ctx.io when set, else on the caller's thread before returning. When ctx.deadline passes first
/// (an unset deadline has passed already), `done` receives the failure "SUBJECT: TIMEOUT_REASON"
/// and the worker's later result is dropped: the thread is abandoned, since neither a hung
/// PKCS#11 module nor a stat(2) on a hung NFS server can be interrupted. `work` must own what it
/// touches. An exception from `work` becomes a failed result.
void run_off_loop(const std::string& subject, const std::string& timeout_reason,
                  const ProbeContext& ctx, std::function<ProbeResult()> work, ProbeDone done);

/// Facts left null, with the reason: PREFIX.unknown[*] = {path, reason}.
class Unknowns {
 public:
  void add(const std::string& path, const std::string& reason) {
    list_.push_back({{"path", path}, {"reason", reason}});
  }
  const model::Json& json() const { return list_; }

 private:
  model::Json list_ = model::Json::array();
};

}  // namespace sov::probes
