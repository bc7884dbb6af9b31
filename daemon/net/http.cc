// SPDX-License-Identifier: Apache-2.0
// A minimal HTTP/1.1 client (Boost.Beast) for CRLs and OCSP: one request, "Connection: close",
// size-capped, under a deadline.
#include <charconv>
#include <optional>
#include <utility>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "daemon/net/deadline.h"
#include "daemon/net/net.h"

namespace sov::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

struct Url {
  HostPort where;
  std::string target;  // path and query
};

Result<Url> parse_http_url(const std::string& url) {
  constexpr std::string_view kHttp = "http://";
  if (url.rfind("https://", 0) == 0) {
    return fail(ErrorCode::kUnsupported, "https URLs are not fetched: '" + url + "'");
  }
  if (url.rfind(kHttp, 0) != 0) {
    return fail(ErrorCode::kInvalidInput, "not an http:// URL: '" + url + "'");
  }
  std::string_view rest(url);
  rest.remove_prefix(kHttp.size());
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Url out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput, "URLs with user information are not fetched");
  }
  bool has_port = !authority.empty() && authority.back() != ']' &&
                  authority.find(':', authority.rfind(']') == std::string_view::npos
                                          ? 0
                                          : authority.rfind(']')) != std::string_view::npos;
  auto hp = parse_host_port(has_port ? std::string(authority) : std::string(authority) + ":80");
  if (!hp) return fail(ErrorCode::kInvalidInput, "bad URL '" + url + "': " + hp.error().message());
  out.where = *hp;
  return out;
}

struct HttpOp : std::enable_shared_from_this<HttpOp> {
  HttpOp(Socket s) : socket(std::move(s)), timer(socket.get_executor()) {}

  Socket socket;
  asio::steady_timer timer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  boost::beast::flat_buffer buffer;
  HttpDone done;
  bool timed_out = false;
  bool finished = false;
  size_t max_body = 0;

  void start(Deadline deadline) {
    auto self = shared_from_this();
    detail::arm_deadline(self, deadline, [](auto& op) {
      boost::system::error_code ignored;
      op.socket.close(ignored);
    });
    parser.emplace();
    parser->header_limit(16 * 1024);
    parser->body_limit(max_body);
    http::async_write(socket, request, [self](const boost::system::error_code& ec, size_t) {
      if (self->timed_out) return self->finish(fail(ErrorCode::kTimeout, "timed out sending"));
      if (ec) {
        return self->finish(
            fail(ErrorCode::kUnavailable, "cannot send the request: " + ec.message()));
      }
      http::async_read(
          self->socket, self->buffer, *self->parser,
          [self](const boost::system::error_code& rec, size_t) { self->on_read(rec); });
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
    if (ec == asio::error::connection_reset || ec == asio::error::eof) {
      return finish(fail(ErrorCode::kUnavailable, "connection closed before a complete answer"));
    }
    if (ec) return finish(fail(ErrorCode::kInvalidInput, "malformed HTTP answer: " + ec.message()));
    auto msg = parser->release();
    HttpResponse out;
    out.status = static_cast<int>(msg.result_int());
    out.content_type = std::string(msg[http::field::content_type]);
    out.body = std::move(msg.body());
    finish(std::move(out));
  }

  void finish(Result<HttpResponse> result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
    auto d = std::move(done);
    d(std::move(result));
  }
};

}  // namespace

void async_http(asio::io_context& io, HttpRequest request, Deadline deadline, HttpDone done) {
  auto url = parse_http_url(request.url);
  if (!url) return done(url.error());
  auto host = url->where.port == 80 ? url->where.host : url->where.to_string();
  async_connect(io, url->where, deadline,
                [request = std::move(request), url = *url, host, deadline,
                 done = std::move(done)](Result<Connection> conn) mutable {
                  if (!conn) return done(conn.error());
                  auto op = std::make_shared<HttpOp>(std::move(conn->socket));
                  op->max_body = request.max_body;
                  op->request.method_string(request.method);
                  op->request.target(url.target);
                  op->request.version(11);
                  op->request.set(http::field::host, host);
                  op->request.set(http::field::user_agent, "sovereignd");
                  op->request.set(http::field::connection, "close");
                  if (!request.content_type.empty()) {
                    op->request.set(http::field::content_type, request.content_type);
                  }
                  if (!request.body.empty() || request.method == "POST") {
                    op->request.body() = std::move(request.body);
                    op->request.prepare_payload();
                  }
                  op->done = std::move(done);
                  op->start(deadline);
                });
}

}  // namespace sov::net
