// SPDX-License-Identifier: Apache-2.0
#pragma once
// Real servers on loopback for the TLS probe's tests, each on port 0 with its own thread:
// - LoopbackTlsServer: an OpenSSL server with a chosen chain, versions, suites, stapled OCSP
//   response and optional STARTTLS (PostgreSQL SSLRequest, SMTP);
// - HostileServer: accepts and never answers, answers garbage, or resets mid-handshake;
// - LoopbackHttpServer: answers GET/POST from a handler (CRLs, OCSP);
// - ExternalServer: a child process (gnutls-serv) on a free port, killed on destruction.
// Destructors stop the thread (or the process) and wait for it. Not copyable.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_pki.h"

namespace sov::testing {

enum class Starttls { kNone, kPostgres, kSmtp };

struct TlsServerConfig {
  std::vector<Credential> chain;  // served, leaf first; the leaf's key signs
  int min_version = 0;            // 0x0301 (TLS 1.0) .. 0x0304 (TLS 1.3); 0 = library default
  int max_version = 0;
  std::string ciphers;       // TLS 1.2 and below, OpenSSL syntax; empty = default
  std::string ciphersuites;  // TLS 1.3; empty = default
  int security_level = 0;    // so weak keys and SHA-1 can be served
  std::string ocsp_staple;   // DER OCSP response stapled when asked; empty = none
  Starttls starttls = Starttls::kNone;
};

class LoopbackTlsServer {
 public:
  explicit LoopbackTlsServer(TlsServerConfig config);
  ~LoopbackTlsServer();
  LoopbackTlsServer(const LoopbackTlsServer&) = delete;
  LoopbackTlsServer& operator=(const LoopbackTlsServer&) = delete;

  uint16_t port() const;
  std::string endpoint() const;  // "127.0.0.1:PORT"
  /// Handshakes completed so far (the server side may complete after the client did).
  size_t handshakes() const;
  /// Connections accepted so far: final once a client's handshake with this server completed.
  size_t connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

enum class Hostility {
  kSilent,   // accepts, reads, never answers
  kGarbage,  // answers the ClientHello with bytes that are not TLS
  kReset,    // reads the ClientHello, then resets the connection (RST)
};

class HostileServer {
 public:
  explicit HostileServer(Hostility how);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;
  uint16_t port() const;
  std::string endpoint() const;
  /// Connections currently open on the server side.
  size_t open_connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

struct HttpAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/octet-stream";
};

class LoopbackHttpServer {
 public:
  using Handler = std::function<HttpAnswer(const std::string& method, const std::string& path,
                                           const std::string& body)>;
  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;
  uint16_t port() const;
  std::string url(const std::string& path) const;  // "http://127.0.0.1:PORT" + path
  size_t requests() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// A free loopback TCP port (bound then released: another process could take it meanwhile).
uint16_t free_port();

/// The local addresses listening on TCP `port` (from /proc/net/tcp and tcp6), e.g. "127.0.0.1",
/// "::1", "0.0.0.0": tests check that what they start listens on loopback only.
std::vector<std::string> listening_addresses(uint16_t port);

class ExternalServer {
 public:
  /// Starts argv (argv[0] found on PATH) with a preloaded shim that turns a wildcard bind() into
  /// a loopback one, and waits until 127.0.0.1:`port` accepts connections (up to 10 s).
  /// started() is false when the program is missing or never listened.
  ExternalServer(std::vector<std::string> argv, uint16_t port);
  ~ExternalServer();
  ExternalServer(const ExternalServer&) = delete;
  ExternalServer& operator=(const ExternalServer&) = delete;
  bool started() const { return started_; }
  std::string endpoint() const;

 private:
  int pid_ = -1;
  uint16_t port_;
  bool started_ = false;
};

}  // namespace sov::testing
