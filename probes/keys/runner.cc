// SPDX-License-Identifier: Apache-2.0
// The off-loop runner: blocking work (dlopen, PKCS#11 calls, file reads) on a worker thread,
// delivered once, by the deadline.
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "probes/keys/internal.h"

namespace sov::probes::keys {

namespace asio = boost::asio;

namespace {

struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;  // `done` was called (or is about to be): drop any later result
  std::optional<ProbeResult> result;
};

ProbeResult failed(const std::string& target_id, const std::string& message) {
  ProbeResult r;
  r.ok = false;
  r.error = target_id + ": " + message;
  return r;
}

ProbeResult run_guarded(const std::string& target_id, const std::function<ProbeResult()>& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    return failed(target_id, std::string("internal error: ") + e.what());
  } catch (...) {
    return failed(target_id, "internal error");
  }
}

}  // namespace

model::Source observed_source(std::optional<TimePoint> when, std::string where) {
  return model::Source{model::SourceKind::kObserved, std::move(where), when};
}

std::optional<TimePoint> now_of(const ProbeContext& ctx) {
  if (ctx.clock == nullptr) return std::nullopt;
  return ctx.clock->now();
}

void run_off_loop(const std::string& target_id, const std::string& what, const ProbeContext& ctx,
                  std::function<ProbeResult()> work, ProbeDone done) {
  // A deadline is mandatory (STYLE.md B8): an unset one is in the past and times out at once.
  const auto deadline = ctx.deadline;
  auto timeout_result = [target_id, what] {
    return failed(target_id, what +
                                 ": timed out before the deadline (the module or file system "
                                 "did not answer)");
  };
  if (std::chrono::steady_clock::now() >= deadline) {
    done(timeout_result());
    return;
  }
  auto shared = std::make_shared<Shared>();

  if (ctx.io == nullptr) {
    try {
      std::thread([shared, target_id, work = std::move(work)] {
        ProbeResult r = run_guarded(target_id, work);
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->result = std::move(r);
        shared->cv.notify_all();
      }).detach();
    } catch (const std::exception& e) {
      done(failed(target_id, std::string("cannot start a worker thread: ") + e.what()));
      return;
    }
    std::optional<ProbeResult> out;
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      shared->cv.wait_until(lock, deadline, [&] { return shared->result.has_value(); });
      shared->finished = true;
      if (shared->result) out = std::move(shared->result);
    }
    done(out ? std::move(*out) : timeout_result());
    return;
  }

  // Event loop: a timer for the deadline keeps the loop alive until either side finishes; the
  // worker posts its result only while the run is unfinished, so it never touches an io_context
  // whose run has ended.
  auto* io = ctx.io;
  auto timer = std::make_shared<asio::steady_timer>(*io);
  auto done_ptr = std::make_shared<ProbeDone>(std::move(done));
  timer->expires_at(deadline);
  timer->async_wait([shared, done_ptr, timeout_result](const boost::system::error_code&) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->finished) return;
      shared->finished = true;
    }
    (*done_ptr)(timeout_result());
  });
  try {
    std::thread([shared, io, timer, done_ptr, target_id, work = std::move(work)] {
      ProbeResult r = run_guarded(target_id, work);
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->finished) return;
      asio::post(*io, [shared, timer, done_ptr, r = std::move(r)]() mutable {
        {
          std::lock_guard<std::mutex> inner(shared->mu);
          if (shared->finished) return;
          shared->finished = true;
        }
        timer->cancel();
        (*done_ptr)(std::move(r));
      });
    }).detach();
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->finished = true;
    }
    timer->cancel();
    auto msg = std::string("cannot start a worker thread: ") + e.what();
    asio::post(*io,
               [done_ptr, r = failed(target_id, msg)]() mutable { (*done_ptr)(std::move(r)); });
  }
}

}  // namespace sov::probes::keys
