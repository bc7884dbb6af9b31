// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test helpers that run the real sovereignd binary: a temp directory with a config whose ports
// and sockets are free, a unix datagram socket standing in for systemd's NOTIFY_SOCKET, the
// child's stderr in a file, and a silent TCP server (listens, never answers) that holds probes
// until their deadline.

#include <chrono>
#include <optional>
#include <string>

#include <sys/types.h>

#include "tests/support/temp_dir.h"
#include "tests/support/tls_server.h"  // free_port()

namespace sov::testing {

/// A TCP listener on 127.0.0.1 that never accepts: connects succeed (backlog), nothing answers.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class DaemonProcess {
 public:
  explicit DaemonProcess(const TempDir& dir);
  ~DaemonProcess();

  /// Starts sovereignd --config `config` with NOTIFY_SOCKET set. Extra environment: "K=V" or "".
  void start(const std::string& config, const std::string& extra_env = "");
  /// Waits for a notification datagram containing `needle`; returns the datagram.
  std::optional<std::string> wait_notify(const std::string& needle,
                                         std::chrono::milliseconds timeout);
  /// Waits until the child's stderr contains `needle`.
  bool wait_log(const std::string& needle, std::chrono::milliseconds timeout) const;
  std::string log() const;
  void signal(int sig) const;
  /// Waits for exit; the exit status, -signal when killed, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  const TempDir& dir_;
  int notify_fd_ = -1;
  std::string notify_path_;
  std::string log_path_;
  pid_t pid_ = -1;
};

/// GET http://127.0.0.1:port/path; the body ("" on failure).
std::string http_get(int port, const std::string& path);

}  // namespace sov::testing
