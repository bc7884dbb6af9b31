// SPDX-License-Identifier: Apache-2.0
#pragma once
// The Probe interface: how sovereignd gathers facts about a target. Probes gather, rules judge:
// a probe never sees rules, the store or alerts; it returns facts.
//
// Contract of Probe::run:
// - `done` is called exactly once, with the facts gathered so far, even on failure. A fact the
//   probe could not establish is recorded as null with a reason beside it (never guessed).
// - Every network or blocking operation respects `ctx.deadline`; a probe that runs past it is
//   cut off by the engine and recorded as an error.
// - run() and `done` are called on the thread running ctx.io (or the caller's thread for
//   synchronous probes when ctx.io is null). No exception escapes run() or a handler.
// - Secrets (credentials, PINs) never appear in facts or in the error text.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sov::probes {

struct ProbeContext {
  boost::asio::io_context* io = nullptr;  // the event loop async probes run on; may be null
  const Clock* clock = nullptr;           // wall clock for fact timestamps
  std::chrono::steady_clock::time_point deadline{};
};

struct ProbeResult {
  model::Facts facts;  // the probe's own namespace(s): tls.*, s3.*, ...
  bool ok = true;      // false: the probe failed as a whole (error says why)
  std::string error;   // "target (host:port): reason", redacted
};

using ProbeDone = std::function<void(ProbeResult)>;

class Probe {
 public:
  virtual ~Probe() = default;
  // The config `kind` this probe serves.
  virtual std::string_view kind() const = 0;
  // Every fact path this probe can produce: the rule validator checks rule paths against it.
  virtual std::vector<model::FactSchemaEntry> fact_schema() const = 0;
  virtual void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) = 0;
};

// The probe for `kind: declared`: observes nothing; the target's facts are the ones it declares.
// Lets the whole pipeline run before the network probes exist, and models facts a site can only
// declare (contracts, provider attestations).
class DeclaredProbe final : public Probe {
 public:
  std::string_view kind() const override { return "declared"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;
};

// Runs `probe` once on a private event loop with a deadline `timeout` from now and returns its
// result (for `sovereignctl probe ...` and tests). Whatever the probe does, the call returns by
// the deadline plus the probe's own clean-up.
ProbeResult probe_once(Probe& probe, const model::Target& target, std::chrono::milliseconds timeout,
                       const Clock& clock);

// For asynchronous probes called with ctx.io null: runs `probe` on a private event loop (with
// the system clock when ctx.clock is null), calls `done` through it, and returns true; with
// ctx.io set, does nothing and returns false.
bool run_on_private_loop(Probe& probe, const model::Target& target, const ProbeContext& ctx,
                         ProbeDone& done);

// The deadline an asynchronous probe works to: ctx.deadline (30 s from now when unset), less a
// margin of min(250 ms, a tenth of what is left), so that the caller receives the probe's own
// facts and reason ("timed out during the TLS handshake") rather than cutting it off.
std::chrono::steady_clock::time_point working_deadline(const ProbeContext& ctx);

// Facts every target has, whatever its kind: target.* (id, kind, tags) and probe.* (status,
// error, duration), set by the engine.
std::vector<model::FactSchemaEntry> core_fact_schema();

// Facts a target may declare about who operates it and where its data lives (provider.*,
// location.*, storage.*, operations.*, service.*). The jurisdiction probe observes the same
// paths later; declared values stay readable under declared.*.
std::vector<model::FactSchemaEntry> declarable_fact_schema();

}  // namespace sov::probes
