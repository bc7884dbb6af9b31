// SPDX-License-Identifier: Apache-2.0
// The off-loop runner shared by the probes whose work blocks.
#include "probes/api/off_loop.h"

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

namespace sov::probes {

namespace asio = boost::asio;

namespace {

struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;  // `done` was called or is about to be: drop any later result
  std::optional<ProbeResult> result;
};

ProbeResult failed(const std::string& subject, const std::string& message) {
  ProbeResult r;
  r.ok = false;
  r.error = subject + ": " + message;
  return r;
}

ProbeResult run_guarded(const std::string& subject, const std::function<ProbeResult()>& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    return failed(subject, std::string("internal error: ") + e.what());
  } catch (...) {
    return failed(subject, "internal error");
  }
}

}  // namespace

void run_off_loop(const std::string& subject, const std::string& timeout_reason,
                  const ProbeContext& ctx, std::function<ProbeResult()> work, ProbeDone done) {
  const auto deadline = ctx.deadline;
  auto timeout_result = [subject, timeout_reason] { return failed(subject, timeout_reason); };
  if (std::chrono::steady_clock::now() >= deadline) {
    done(timeout_result());
    return;
  }
  auto shared = std::make_shared<Shared>();
  auto done_ptr = std::make_shared<ProbeDone>(std::move(done));
  asio::io_context* io = ctx.io;
  std::shared_ptr<asio::steady_timer> timer;
  if (io != nullptr) {
    // The timer keeps the loop alive until either side finishes.
    timer = std::make_shared<asio::steady_timer>(*io);
    timer->expires_at(deadline);
    // The handler owns the timer; the worker only holds a weak reference, so the timer never
    // outlives the io_context through an abandoned worker.
    timer->async_wait([timer, shared, done_ptr, timeout_result](const boost::system::error_code&) {
      {
        std::lock_guard<std::mutex> lock(shared->mu);
        if (shared->finished) return;
        shared->finished = true;
      }
      (*done_ptr)(timeout_result());
    });
  }
  std::weak_ptr<asio::steady_timer> weak_timer = timer;
  try {
    std::thread([shared, io, weak_timer, done_ptr, subject, work = std::move(work)] {
      ProbeResult r = run_guarded(subject, work);
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->finished) return;
      if (io == nullptr) {
        shared->result = std::move(r);
        shared->cv.notify_all();
        return;
      }
      asio::post(*io, [shared, weak_timer, done_ptr, r = std::move(r)]() mutable {
        {
          std::lock_guard<std::mutex> inner(shared->mu);
          if (shared->finished) return;
          shared->finished = true;
        }
        if (auto t = weak_timer.lock()) t->cancel();
        (*done_ptr)(std::move(r));
      });
    }).detach();
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->finished = true;
    }
    auto r = failed(subject, std::string("cannot start a worker thread: ") + e.what());
    if (io == nullptr) return (*done_ptr)(std::move(r));
    timer->cancel();
    asio::post(*io, [done_ptr, r = std::move(r)]() mutable { (*done_ptr)(std::move(r)); });
    return;
  }
  if (io != nullptr) return;
  std::optional<ProbeResult> out;
  {
    std::unique_lock<std::mutex> lock(shared->mu);
    shared->cv.wait_until(lock, deadline, [&] { return shared->result.has_value(); });
    shared->finished = true;
    if (shared->result) out = std::move(shared->result);
  }
  (*done_ptr)(out ? std::move(*out) : timeout_result());
}

}  // namespace sov::probes
