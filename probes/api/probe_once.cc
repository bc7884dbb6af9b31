// SPDX-License-Identifier: Apache-2.0
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

}  // namespace sov::probes
