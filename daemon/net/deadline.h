// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to daemon/net: the one way an operation meets its deadline on Boost 1.74, which has
// no per-operation cancellation. The operation owns a steady_timer; when it fires before the
// operation finished, the operation is marked timed out and `cut` closes what it is waiting on,
// so the pending I/O completes at once with an error that the operation reports as a timeout.

#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "daemon/net/net.h"

namespace sov::net::detail {

/// Requires: `Op` has members `timer` (steady_timer), `finished` and `timed_out` (bool). `cut`
/// is called on the loop, at most once, with the operation.
template <typename Op, typename Cut>
void arm_deadline(const std::shared_ptr<Op>& op, Deadline deadline, Cut cut) {
  op->timer.expires_at(deadline);
  op->timer.async_wait([op, cut](const boost::system::error_code& ec) {
    if (ec || op->finished) return;
    op->timed_out = true;
    cut(*op);
  });
}

}  // namespace sov::net::detail
