// SPDX-License-Identifier: Apache-2.0
// The TLS handshake with a deadline, and the translation of OpenSSL's failures into messages an
// operator can act on.
#include <utility>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "daemon/net/deadline.h"
#include "daemon/net/net.h"

namespace sov::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TlsSession::Impl {
  Impl(tcp::socket socket, asio::ssl::context& ctx, std::string addr)
      : stream(std::move(socket), ctx), address(std::move(addr)) {}
  asio::ssl::stream<tcp::socket> stream;
  std::string address;
};

TlsSession::TlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsSession::~TlsSession() { close(); }
ssl_st* TlsSession::native_handle() const { return impl_->stream.native_handle(); }
const std::string& TlsSession::address() const { return impl_->address; }
void TlsSession::close() {
  if (!impl_) return;
  boost::system::error_code ignored;
  impl_->stream.lowest_layer().close(ignored);
}

std::string drain_openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    std::string text = reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    if (out.find(text) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += text;
  }
  ERR_clear_error();
  return out;
}

namespace {

// Why a handshake failed, in the operator's words, and which kind of failure it is.
Error classify(const boost::system::error_code& ec) {
  std::string queued = drain_openssl_errors();
  auto with_queue = [&](std::string msg) {
    if (!queued.empty() && msg.find(queued) == std::string::npos) msg += " (" + queued + ")";
    return msg;
  };
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return Error(ErrorCode::kUnavailable, with_queue("connection closed during the TLS handshake"));
  }
  if (ec == asio::error::connection_reset) {
    return Error(ErrorCode::kUnavailable, with_queue("connection reset during the TLS handshake"));
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    unsigned long code = static_cast<unsigned long>(ec.value());
    int reason = ERR_GET_REASON(code);
    const char* text = ERR_reason_error_string(code);
    std::string why = text != nullptr ? text : "TLS error " + std::to_string(reason);
    if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
      if (reason >= SSL_AD_REASON_OFFSET) {
        return Error(ErrorCode::kUnavailable, with_queue("alert from the server: " + why));
      }
      switch (reason) {
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_UNKNOWN_PROTOCOL:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
          return Error(ErrorCode::kInvalidInput, with_queue("not TLS (" + why + ")"));
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_NO_SHARED_CIPHER:
        case SSL_R_NO_CIPHERS_AVAILABLE:
        case SSL_R_WRONG_CIPHER_RETURNED:
        case SSL_R_WRONG_SSL_VERSION:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_VERSION_TOO_HIGH:
          return Error(ErrorCode::kUnavailable,
                       with_queue("no common protocol or cipher (" + why + ")"));
        case SSL_R_EXCESSIVE_MESSAGE_SIZE:
          return Error(ErrorCode::kInvalidInput,
                       with_queue("the server's handshake message is too large (" + why + ")"));
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
          return Error(ErrorCode::kInvalidInput, with_queue("certificate rejected (" + why + ")"));
        default:
          return Error(ErrorCode::kInvalidInput, with_queue("TLS handshake failed (" + why + ")"));
      }
    }
    return Error(ErrorCode::kInvalidInput, with_queue("TLS handshake failed (" + why + ")"));
  }
  return Error(ErrorCode::kIo, with_queue("TLS handshake failed: " + ec.message()));
}

struct HandshakeOp : std::enable_shared_from_this<HandshakeOp> {
  HandshakeOp(std::unique_ptr<TlsSession::Impl> i)
      : impl(std::move(i)), timer(impl->stream.get_executor()) {}

  std::unique_ptr<TlsSession::Impl> impl;
  asio::steady_timer timer;
  HandshakeDone done;
  bool timed_out = false;
  bool finished = false;

  void start(Deadline deadline) {
    auto self = shared_from_this();
    detail::arm_deadline(self, deadline, [](auto& op) {
      boost::system::error_code ignored;
      op.impl->stream.lowest_layer().close(ignored);
    });
    impl->stream.async_handshake(
        asio::ssl::stream_base::client, [self](const boost::system::error_code& ec) {
          if (self->timed_out) {
            ERR_clear_error();
            return self->finish(fail(ErrorCode::kTimeout, "timed out during the TLS handshake"));
          }
          if (ec) return self->finish(classify(ec));
          self->finish(std::make_unique<TlsSession>(std::move(self->impl)));
        });
  }

  void finish(Result<std::unique_ptr<TlsSession>> result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    auto d = std::move(done);
    d(std::move(result));
  }
};

}  // namespace

void async_tls_handshake(Connection connection, asio::ssl::context& context,
                         const TlsOptions& options, Deadline deadline, HandshakeDone done) {
  ERR_clear_error();
  auto impl = std::make_unique<TlsSession::Impl>(std::move(connection.socket), context,
                                                 std::move(connection.address));
  SSL* ssl = impl->stream.native_handle();
  if (!options.sni.empty() && SSL_set_tlsext_host_name(ssl, options.sni.c_str()) != 1) {
    return done(fail(ErrorCode::kInvalidInput,
                     "cannot send server name '" + options.sni + "': " + drain_openssl_errors()));
  }
  if (!options.alpn.empty()) {
    std::string wire;
    for (const auto& p : options.alpn) {
      if (p.empty() || p.size() > 255) {
        return done(fail(ErrorCode::kInvalidInput, "ALPN protocol names are 1 to 255 bytes"));
      }
      wire.push_back(static_cast<char>(p.size()));
      wire += p;
    }
    // SSL_set_alpn_protos returns 0 on success.
    if (SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size())) != 0) {
      return done(fail(ErrorCode::kInvalidInput, "cannot set ALPN: " + drain_openssl_errors()));
    }
  }
  if (options.request_ocsp) SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
  if (options.configure) options.configure(ssl);
  auto op = std::make_shared<HandshakeOp>(std::move(impl));
  op->done = std::move(done);
  op->start(deadline);
}

}  // namespace sov::net
