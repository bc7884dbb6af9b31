// SPDX-License-Identifier: Apache-2.0
#pragma once
// The daemon's long-lived loop: per-target scheduling (scheduler.h), scan-now, reload by
// swapping shared_ptr<const Config> / RuleBook snapshots, graceful stop.
//
// Each wake-up takes the targets that are due (within the global and per-host bounds) and runs
// them as one batch through run_scan() on a worker thread, so the pipeline, its deadlines and its
// store transactions are exactly those of `sovereignctl scan`; the batch is one scan row in the
// store. One batch runs at a time; targets that fall due meanwhile start when it ends. A batch
// keeps the snapshots it started with; a reload applies to the next one.
//
// Threading: construct, call and destroy on the thread running `io` (the loop thread). The
// worker thread touches the Store (exclusively while a batch runs), the metrics Registry
// (internally locked) and calls RunnerHooks::on_target; everything else is posted back to the
// loop. Handlers never throw: anything escaping the pipeline is logged, counted and recorded as
// a failed batch.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/config/config.h"
#include "daemon/engine/engine.h"
#include "daemon/metrics/metrics.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/store/store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sov::engine {

struct RunnerHooks {
  /// Worker thread, after each target is stored: its result. (The alert diff keeps its own
  /// previous state, restored from the store at start: daemon/app/alerts_wiring.h.)
  std::function<void(const TargetResult&)> on_target;
  /// Worker thread, after each batch and before its completion is posted (the outbox flush).
  std::function<void()> after_batch;
  /// Loop thread, after each batch: the one-line summary (for sd_notify STATUS=).
  std::function<void(const std::string& line)> on_batch;
};

struct RunnerOptions {
  const Clock* clock = nullptr;          // required; not owned
  std::string version;                   // recorded with each scan
  metrics::Registry* metrics = nullptr;  // may be null; not owned
  RunnerHooks hooks;
};

/// Extracts the host of a target's `endpoint` ("" when it has none), for the per-host bound.
std::string target_host(const model::Target& target);

class Runner {
 public:
  /// `probes` and `store` must outlive the Runner.
  Runner(boost::asio::io_context& io, const ProbeRegistry& probes, store::Store& store,
         RunnerOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Installs the first snapshots and starts the timer.
  void start(std::shared_ptr<const config::Config> config,
             std::shared_ptr<const ruleset::RuleBook> rules);
  /// Reload: the next batch uses these snapshots; targets keep their schedule by id.
  void swap(std::shared_ptr<const config::Config> config,
            std::shared_ptr<const ruleset::RuleBook> rules);
  /// Makes `target` (every target when nullopt) due now. kNotFound for an unknown target.
  Result<bool> scan_now(const std::optional<std::string>& target);
  /// {"state": "idle"|"scanning"|"stopping", "targets": n, "in_flight": n, "batches": n,
  ///  "last_scan": {...summary...} or null, "next_due": rfc3339 or null}
  model::Json status() const;
  /// Stops scheduling. `done` runs on the loop once no batch is in flight (probes in flight end
  /// at their deadline, the batch's store writes are committed).
  void stop(std::function<void()> done);

  std::shared_ptr<const config::Config> config() const;

  /// Runs `work` on a worker thread when no batch is in flight (before the next batch starts),
  /// with the same exclusive use of the Store a batch has; `work` must not throw and should be
  /// bounded in time (stop() waits for it). Ignored once stopping.
  void run_exclusive(std::function<void()> work);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sov::engine
