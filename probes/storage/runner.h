// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to probes/storage: blocking work on a worker thread, delivered once, by the deadline.

#include <functional>
#include <string>

#include "probes/api/probe.h"

namespace sov::probes::storage {

/// Runs `work` on a new thread and delivers its result through `done` exactly once: posted to
/// ctx.io when set, else on the caller's thread before returning. When ctx.deadline passes first,
/// `done` receives "SUBJECT: timed out ..." and the worker's later result is dropped (the thread
/// is abandoned: a stat(2) on a hung NFS server cannot be interrupted). `work` must own what it
/// touches. An exception from `work` becomes a failed result.
void run_off_loop(const std::string& subject, const ProbeContext& ctx,
                  std::function<ProbeResult()> work, ProbeDone done);

}  // namespace sov::probes::storage
