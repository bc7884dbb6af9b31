// SPDX-License-Identifier: Apache-2.0
// A minimal HTTP/1.1 client (Boost.Beast) for CRLs, OCSP and S3: one request, "Connection:
// close", size-capped, under a deadline, over plain TCP or over TLS with the server's certificate
// verified (there is deliberately no way to skip verification: a probe that accepted any
// certificate would record an impostor's answers as facts).
#include <algorithm>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "daemon/net/deadline.h"
#include "daemon/net/net.h"

namespace sov::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using TlsStream = asio::ssl::stream<Socket>;

namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024;

struct Url {
  bool tls = false;
  HostPort where;
  std::string target;  // path and query
};

Result<Url> parse_http_url(const std::string& url) {
  Url out;
  std::string_view rest(url);
  if (rest.rfind("https://", 0) == 0) {
    out.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return fail(ErrorCode::kUnsupported, "not an http:// or https:// URL: '" + url + "'");
  } else {
    return fail(ErrorCode::kInvalidInput, "not an http:// or https:// URL: '" + url + "'");
  }
  auto slash = rest.find('/');
  auto question = rest.find('?');
  auto end = std::min(slash, question);
  std::string_view authority = rest.substr(0, end);
  if (end == std::string_view::npos) {
    out.target = "/";
  } else {
    out.target = (end == question ? "/" : "") + std::string(rest.substr(end));
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput, "URLs with user information are not fetched");
  }
  bool has_port = !authority.empty() && authority.back() != ']' &&
                  authority.find(':', authority.rfind(']') == std::string_view::npos
                                          ? 0
                                          : authority.rfind(']')) != std::string_view::npos;
  std::string default_port = out.tls ? ":443" : ":80";
  auto hp =
      parse_host_port(has_port ? std::string(authority) : std::string(authority) + default_port);
  if (!hp) return fail(ErrorCode::kInvalidInput, "bad URL '" + url + "': " + hp.error().message());
  out.where = *hp;
  return out;
}

// The Host header: the port only when it is not the scheme's default.
std::string host_header(const Url& url) {
  uint16_t default_port = url.tls ? 443 : 80;
  if (url.where.port != default_port) return url.where.to_string();
  return url.where.host.find(':') != std::string::npos ? "[" + url.where.host + "]"
                                                       : url.where.host;
}

Socket& lowest(Socket& s) { return s; }
Socket& lowest(TlsStream& s) { return s.next_layer(); }

// Why a TLS handshake failed: a certificate that does not verify is the local policy refusing
// the server (kInvalidInput); anything else is the server or the network (kUnavailable).
Error classify_handshake(TlsStream& stream, const boost::system::error_code& ec) {
  long verify = SSL_get_verify_result(stream.native_handle());
  std::string queued = drain_openssl_errors();
  if (verify != X509_V_OK) {
    return Error(ErrorCode::kInvalidInput, std::string("certificate verify failed: ") +
                                               X509_verify_cert_error_string(verify));
  }
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return Error(ErrorCode::kUnavailable, "connection closed during the TLS handshake");
  }
  if (ec == asio::error::connection_reset) {
    return Error(ErrorCode::kUnavailable, "connection reset during the TLS handshake");
  }
  std::string why = queued.empty() ? ec.message() : queued;
  if (why.find("wrong version number") != std::string::npos ||
      why.find("packet length too long") != std::string::npos) {
    return Error(ErrorCode::kInvalidInput, "not TLS (" + why + ")");
  }
  return Error(ErrorCode::kUnavailable, "TLS handshake failed: " + why);
}

template <typename Stream>
struct HttpOp : std::enable_shared_from_this<HttpOp<Stream>> {
  template <typename... Args>
  explicit HttpOp(Args&&... args)
      : stream(std::forward<Args>(args)...), timer(lowest(stream).get_executor()) {}

  Stream stream;
  asio::steady_timer timer;
  std::shared_ptr<asio::ssl::context> tls_context;  // https: outlives the stream's SSL
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  boost::beast::flat_buffer buffer;
  HttpDone done;
  bool timed_out = false;
  bool finished = false;
  size_t max_body = 0;

  void start(Deadline deadline) {
    auto self = this->shared_from_this();
    detail::arm_deadline(self, deadline, [](auto& op) {
      boost::system::error_code ignored;
      lowest(op.stream).close(ignored);
    });
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream.async_handshake(
          asio::ssl::stream_base::client, [self](const boost::system::error_code& ec) {
            if (self->timed_out) {
              return self->finish(fail(ErrorCode::kTimeout, "timed out in the TLS handshake"));
            }
            if (ec) return self->finish(classify_handshake(self->stream, ec));
            self->send();
          });
    } else {
      send();
    }
  }

  void send() {
    auto self = this->shared_from_this();
    parser.emplace();
    parser->header_limit(kMaxHeaderBytes);
    parser->body_limit(max_body);
    http::async_write(stream, request, [self](const boost::system::error_code& ec, size_t) {
      if (self->timed_out) return self->finish(fail(ErrorCode::kTimeout, "timed out sending"));
      if (ec) {
        return self->finish(
            fail(ErrorCode::kUnavailable, "cannot send the request: " + ec.message()));
      }
      // Header first: a declared length over the cap is refused before any body byte is
      // read. (With Boost 1.74, async_read let a Content-Length body past the parser's
      // body_limit in our tests; bodies ended by the close are capped by the parser.)
      http::async_read_header(self->stream, self->buffer, *self->parser,
                              [self](const boost::system::error_code& hec, size_t) {
                                if (hec) return self->on_read(hec);
                                auto length = self->parser->content_length();
                                if (length && *length > self->max_body) {
                                  return self->on_read(http::error::body_limit);
                                }
                                http::async_read(self->stream, self->buffer, *self->parser,
                                                 [self](const boost::system::error_code& rec,
                                                        size_t) { self->on_read(rec); });
                              });
    });
  }

  void on_read(const boost::system::error_code& ec) {
    if (timed_out) return finish(fail(ErrorCode::kTimeout, "timed out reading the answer"));
    if (ec == http::error::body_limit) {
      return finish(fail(ErrorCode::kInvalidInput,
                         "answer larger than " + std::to_string(max_body) + " bytes"));
    }
    if (ec == http::error::header_limit) {
      return finish(fail(ErrorCode::kInvalidInput, "answer headers larger than 16 KiB"));
    }
    // A TLS peer that closes without close_notify after a complete answer is common (and
    // harmless with Content-Length); before a complete answer it is a truncation.
    bool complete = ec == asio::ssl::error::stream_truncated && parser->is_done();
    if (!complete && (ec == asio::error::connection_reset || ec == asio::error::eof ||
                      ec == asio::ssl::error::stream_truncated)) {
      return finish(fail(ErrorCode::kUnavailable, "connection closed before a complete answer"));
    }
    if (ec && !complete) {
      return finish(fail(ErrorCode::kInvalidInput, "malformed HTTP answer: " + ec.message()));
    }
    if (parser->get().body().size() > max_body) return on_read(http::error::body_limit);
    auto msg = parser->release();
    HttpResponse out;
    out.status = static_cast<int>(msg.result_int());
    out.content_type = std::string(msg[http::field::content_type]);
    for (const auto& field : msg) {
      out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body = std::move(msg.body());
    finish(std::move(out));
  }

  void finish(Result<HttpResponse> result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    boost::system::error_code ignored;
    lowest(stream).close(ignored);
    auto d = std::move(done);
    d(std::move(result));
  }
};

template <typename Stream>
void fill_request(HttpOp<Stream>& op, HttpRequest& request, const Url& url) {
  op.max_body = request.max_body;
  op.request.method_string(request.method);
  op.request.target(url.target);
  op.request.version(11);
  op.request.set(http::field::host, host_header(url));
  op.request.set(http::field::user_agent, "sovereignd");
  op.request.set(http::field::connection, "close");
  if (!request.content_type.empty()) {
    op.request.set(http::field::content_type, request.content_type);
  }
  for (auto& h : request.headers) op.request.insert(h.name, h.value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    op.request.body() = std::move(request.body);
    op.request.prepare_payload();
  }
}

// A client context that verifies the server against `ca_file` (or the system's store).
Result<std::shared_ptr<asio::ssl::context>> verifying_context(const std::string& ca_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    std::string queued = drain_openssl_errors();
    return fail(ErrorCode::kInvalidInput,
                (ca_file.empty() ? std::string("cannot load the system trust store")
                                 : "cannot read ca_file " + ca_file) +
                    ": " + (queued.empty() ? ec.message() : queued));
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

// Host checks on the new SSL: the name (with SNI) or the address the certificate must carry.
Result<bool> expect_host(TlsStream& stream, const std::string& host) {
  SSL* ssl = stream.native_handle();
  bool ok = true;
  if (is_ip_literal(host)) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  } else {
    ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
  }
  if (!ok) {
    return fail(ErrorCode::kInvalidInput,
                "cannot set the expected host '" + host + "': " + drain_openssl_errors());
  }
  return true;
}

void start_https(Connection conn, HttpRequest& request, const Url& url, Deadline deadline,
                 HttpDone done) {
  auto ctx = verifying_context(request.ca_file);
  if (!ctx) return done(ctx.error());
  auto op = std::make_shared<HttpOp<TlsStream>>(std::move(conn.socket), **ctx);
  op->tls_context = *ctx;
  if (auto host = expect_host(op->stream, url.where.host); !host) return done(host.error());
  fill_request(*op, request, url);
  op->done = std::move(done);
  op->start(deadline);
}

}  // namespace

void async_http(asio::io_context& io, HttpRequest request, Deadline deadline, HttpDone done) {
  auto url = parse_http_url(request.url);
  if (!url) return done(url.error());
  HostPort to = request.connect_to.value_or(url->where);
  async_connect(io, to, deadline,
                [request = std::move(request), url = *url, deadline,
                 done = std::move(done)](Result<Connection> conn) mutable {
                  if (!conn) return done(conn.error());
                  if (url.tls) {
                    return start_https(std::move(*conn), request, url, deadline, std::move(done));
                  }
                  auto op = std::make_shared<HttpOp<Socket>>(std::move(conn->socket));
                  fill_request(*op, request, url);
                  op->done = std::move(done);
                  op->start(deadline);
                });
}

}  // namespace sov::net
