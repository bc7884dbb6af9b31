// SPDX-License-Identifier: Apache-2.0
#pragma once
// daemon/net: the network operations probes and sinks use, each bounded by a deadline.
//
// Every operation is asynchronous on the caller's io_context, takes a mandatory Deadline and
// completes exactly once with a Result; no exception leaves it. Deadlines work the Boost 1.74
// way (no per-operation cancellation): each operation owns a steady_timer that closes its socket
// when the deadline passes, and the aborted operation then completes with kTimeout.
//
// Ownership: an operation takes its socket (or TLS session) by value and hands it back in its
// result, so nothing outlives the operation by accident. All functions must be called from, and
// complete on, the thread running the io_context. Nothing here logs.
//
// Error codes in results: kTimeout (the deadline passed), kUnavailable (refused, reset, closed
// by the peer, or the peer rejected the TLS handshake), kInvalidInput (an argument, or an answer
// from the peer that is not what the protocol allows, e.g. "not TLS"), kIo (anything else),
// kUnsupported (a URL scheme async_http does not speak). Messages never contain the endpoint:
// callers prefix "target (host:port): ".

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "daemon/base/result.h"

// OpenSSL and asio::ssl types, only pointed to here.
struct ssl_st;
namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace sov::net {

/// The instant an operation must have completed by.
using Deadline = std::chrono::steady_clock::time_point;

/// "host:port"; IPv6 addresses in brackets ("[::1]:443").
struct HostPort {
  std::string host;  // a name or an address, without brackets
  uint16_t port = 0;

  std::string to_string() const;
};

/// Parses "host:port" or "[v6]:port". Errors: kInvalidInput naming what is wrong.
Result<HostPort> parse_host_port(std::string_view text);

/// True when `host` is an IPv4 or IPv6 literal.
bool is_ip_literal(std::string_view host);

using Socket = boost::asio::ip::tcp::socket;

/// A connected TCP socket and the address it reached ("127.0.0.1:443", "[::1]:443").
struct Connection {
  Socket socket;
  std::string address;
};

using ConnectDone = std::function<void(Result<Connection>)>;

/// Resolves `where` (skipped for address literals) and connects to the first address that
/// accepts. Errors: kTimeout, kUnavailable ("connection refused", "name not resolved: ...").
void async_connect(boost::asio::io_context& io, const HostPort& where, Deadline deadline,
                   ConnectDone done);

/// Bytes received by async_exchange, with the socket handed back.
struct Exchange {
  Socket socket;
  std::string received;
};

/// Decides when enough has been received: returns true to complete.
using EnoughPredicate = std::function<bool(std::string_view received)>;
using ExchangeDone = std::function<void(Result<Exchange>)>;

/// Writes `to_send` (may be empty), then reads until `enough(received)` holds. Never keeps more
/// than `max_bytes`: reaching the cap without `enough` is kInvalidInput. The peer closing the
/// connection first is kUnavailable ("connection closed by the peer after N bytes"); `received`
/// is then lost, so a protocol that ends with a close should make `enough` accept it.
void async_exchange(Socket socket, std::string to_send, size_t max_bytes, EnoughPredicate enough,
                    Deadline deadline, ExchangeDone done);

/// An established TLS connection (asio::ssl::stream over TCP), behind a pimpl so that this header
/// stays free of OpenSSL. Closing it (or destroying it) closes the socket without waiting for a
/// close_notify.
class TlsSession {
 public:
  struct Impl;
  explicit TlsSession(std::unique_ptr<Impl> impl);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  /// The OpenSSL handle, for reading what was negotiated. Valid while this object lives.
  ssl_st* native_handle() const;
  const std::string& address() const;
  void close();

 private:
  std::unique_ptr<Impl> impl_;
};

struct TlsOptions {
  std::string sni;                         // empty: no server_name extension
  std::vector<std::string> alpn;           // offered protocols, in order; empty: none
  bool request_ocsp = false;               // status_request extension
  std::function<void(ssl_st*)> configure;  // called on the new SSL before the handshake
};

using HandshakeDone = std::function<void(Result<std::unique_ptr<TlsSession>>)>;

/// Runs a client TLS handshake over `connection` with `context` (which the caller keeps alive
/// until `done` runs). Errors: kTimeout; kUnavailable when the peer rejects the handshake (an
/// alert, a close or a reset), the message naming it ("alert from the server: protocol
/// version", "connection closed during the handshake"); kInvalidInput when the peer does not
/// speak TLS ("not TLS (wrong version number)") or the local policy stops it (verify callback);
/// kIo otherwise. The OpenSSL error queue is drained into the message and left empty.
void async_tls_handshake(Connection connection, boost::asio::ssl::context& context,
                         const TlsOptions& options, Deadline deadline, HandshakeDone done);

/// Drains this thread's OpenSSL error queue into "reason; reason" (empty if none).
std::string drain_openssl_errors();

/// One HTTP header, name and value as sent or received.
struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path?query or https://host[:port]/path?query
  std::string content_type;
  std::string body;
  /// Sent as given, after Host, User-Agent and Connection (which they may not repeat). The
  /// caller keeps secrets out of error paths: headers never appear in a message.
  std::vector<HttpHeader> headers;
  size_t max_body = 1 << 20;  // a larger answer is kInvalidInput
  /// https only: PEM file of trust anchors; empty: the system's. The server's certificate must
  /// chain to one of them and name the URL's host (DNS name or IP address); there is no switch
  /// to turn verification off.
  std::string ca_file;
  /// Connect here instead of the URL's host (as curl's --connect-to); the Host header, SNI and
  /// the certificate check keep the URL's host.
  std::optional<HostPort> connect_to;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<HttpHeader> headers;  // every header received, in order
};

using HttpDone = std::function<void(Result<HttpResponse>)>;

/// One HTTP/1.1 request with "Connection: close" (no redirects, no keep-alive), over TLS for
/// https:// URLs (SNI set for names, certificate verified against `ca_file` or the system's
/// trust store). Any status is a success; the caller judges it. Errors: kInvalidInput (bad URL,
/// unreadable ca_file, malformed or oversized answer, a certificate that does not verify:
/// "certificate verify failed: <reason>"), kUnsupported (another scheme), kTimeout,
/// kUnavailable (refused, reset, closed, TLS handshake rejected).
void async_http(boost::asio::io_context& io, HttpRequest request, Deadline deadline, HttpDone done);

}  // namespace sov::net
