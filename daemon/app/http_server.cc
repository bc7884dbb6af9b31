// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/http_server.h"

#include <exception>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "daemon/log/log.h"
#include "daemon/net/net.h"

namespace sov::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket s, const HttpHandler& h)
      : socket(std::move(s)), timer(socket.get_executor()), handler(h) {}
  tcp::socket socket;
  asio::steady_timer timer;
  const HttpHandler& handler;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;

  void start() {
    auto self = shared_from_this();
    timer.expires_after(std::chrono::seconds(10));
    timer.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket.close(ignored);
      }
    });
    http::async_read(socket, buffer, request,
                     [self](const boost::system::error_code& ec, size_t) { self->on_read(ec); });
  }

  void on_read(const boost::system::error_code& ec) {
    if (ec) {
      timer.cancel();
      return;
    }
    HttpAnswer a;
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      a = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else {
      std::string target(request.target());
      std::string path = target.substr(0, target.find('?'));
      // Exception firewall: a failing handler is a 500, not a dead daemon.
      try {
        a = handler(path);
      } catch (const std::exception& e) {
        log::error("http", "http.handler_exception", "reason=" + log::quote(e.what()));
        a = {500, "text/plain; charset=utf-8", "internal error\n"};
      }
    }
    response.version(11);
    response.result(static_cast<http::status>(a.status));
    response.set(http::field::server, "sovereignd");
    response.set(http::field::content_type, a.content_type);
    response.keep_alive(false);
    if (request.method() != http::verb::head) response.body() = std::move(a.body);
    response.prepare_payload();
    auto self = shared_from_this();
    http::async_write(socket, response, [self](const boost::system::error_code&, size_t) {
      boost::system::error_code ignored;
      self->socket.shutdown(tcp::socket::shutdown_both, ignored);
      self->socket.close(ignored);
      self->timer.cancel();
    });
  }
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, HttpHandler h) : acceptor(io), handler(std::move(h)) {}
  tcp::acceptor acceptor;
  HttpHandler handler;
  bool closed = false;

  void accept() {
    auto self = shared_from_this();
    acceptor.async_accept([self](const boost::system::error_code& ec, tcp::socket s) {
      if (self->closed) return;
      if (!ec) std::make_shared<Session>(std::move(s), self->handler)->start();
      self->accept();
    });
  }
};

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { close(); }

Result<std::unique_ptr<HttpServer>> HttpServer::listen(asio::io_context& io,
                                                       const std::string& listen,
                                                       HttpHandler handler) {
  auto hp = net::parse_host_port(listen);
  if (!hp)
    return fail(ErrorCode::kInvalidInput, "http listen '" + listen + "': " + hp.error().message());
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp->host, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidInput,
                "http listen '" + listen + "': an IP address is required, not a host name");
  }
  auto impl = std::make_shared<Impl>(io, std::move(handler));
  tcp::endpoint ep(addr, hp->port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(64, ec);
  if (ec) return fail(ErrorCode::kIo, "http listen " + listen + ": " + ec.message());
  impl->accept();
  return std::make_unique<HttpServer>(impl);
}

std::string HttpServer::address() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return "";
  net::HostPort hp{ep.address().to_string(), ep.port()};
  return hp.to_string();
}

void HttpServer::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace sov::app
