// SPDX-License-Identifier: Apache-2.0
// Running probes: once for the CLI and tests, on a private loop when the caller has none, and
// the deadline an asynchronous probe works to.
#include <algorithm>

#include <boost/asio/io_context.hpp>

#include "probes/api/probe.h"

namespace sov::probes {

ProbeResult probe_once(Probe& probe, const model::Target& target, std::chrono::milliseconds timeout,
                       const Clock& clock) {
  boost::asio::io_context io;
  ProbeResult out;
  out.ok = false;
  out.error = target.id + ": the probe did not answer";
  ProbeContext ctx{&io, &clock, std::chrono::steady_clock::now() + timeout};
  probe.run(target, ctx, [&out](ProbeResult r) { out = std::move(r); });
  io.run();
  return out;
}

bool run_on_private_loop(Probe& probe, const model::Target& target, const ProbeContext& ctx,
                         ProbeDone& done) {
  if (ctx.io != nullptr) return false;
  static const SystemClock kSystemClock;
  boost::asio::io_context io;
  ProbeContext local = ctx;
  local.io = &io;
  if (local.clock == nullptr) local.clock = &kSystemClock;
  probe.run(target, local, std::move(done));
  io.run();
  return true;
}

std::chrono::steady_clock::time_point working_deadline(const ProbeContext& ctx) {
  using SteadyClock = std::chrono::steady_clock;
  SteadyClock::time_point deadline = ctx.deadline;
  if (deadline == SteadyClock::time_point{})
    deadline = SteadyClock::now() + std::chrono::seconds(30);
  auto remaining = deadline - SteadyClock::now();
  if (remaining > SteadyClock::duration::zero()) {
    deadline -= std::min<SteadyClock::duration>(std::chrono::milliseconds(250), remaining / 10);
  }
  return deadline;
}

}  // namespace sov::probes
