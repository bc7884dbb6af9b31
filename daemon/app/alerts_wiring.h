// SPDX-License-Identifier: Apache-2.0
#pragma once
// The daemon's alert path: derives events from each target's result (daemon/alerts), writes them
// to the store's outbox on the scan worker (the thread that owns the Store during a batch), and
// delivers due outbox items to the configured sinks, also on a worker thread, between batches
// (Runner::run_exclusive), so the Store is never used by two threads at once.

#include <memory>
#include <vector>

#include "daemon/base/time.h"
#include "daemon/config/config.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/runner.h"
#include "daemon/metrics/metrics.h"
#include "daemon/store/store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sov::app {

class AlertsWiring {
 public:
  AlertsWiring(boost::asio::io_context& io, store::Store& store, const Clock& clock,
               metrics::Registry& metrics);
  ~AlertsWiring();
  AlertsWiring(const AlertsWiring&) = delete;
  AlertsWiring& operator=(const AlertsWiring&) = delete;

  /// Loop thread: takes the sinks of a (new) config snapshot.
  void configure(const config::Config& config);
  /// Loop thread, after configure() and before the runner starts (the Store has no other user
  /// yet): loads each configured target's last recorded result from the store, so the first
  /// scan after a restart is diffed against it instead of against nothing (no second
  /// new_failure for a finding already announced; a change made while the daemon was down
  /// still alerts), and Alertmanager keeps receiving the alerts still firing. Returns how many
  /// targets were restored; store errors are returned (the daemon runs on, diffing against
  /// nothing).
  Result<size_t> restore(const config::Config& config);
  /// Loop thread: the runner that owns the worker slot.
  void set_runner(engine::Runner* runner);
  /// Scan worker thread: derives and enqueues the events of one target.
  void on_target(const engine::TargetResult& tr);
  /// Scan worker thread, after a batch: re-sends active alerts to Alertmanager sinks.
  void after_batch();
  /// Loop thread: schedules a delivery pass of due outbox items.
  void deliver_due();
  /// Loop thread: no more delivery passes.
  void stop();
  /// Outbox items not delivered yet (as of the last pass).
  int64_t pending() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sov::app
