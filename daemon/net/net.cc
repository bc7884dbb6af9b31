// SPDX-License-Identifier: Apache-2.0
#include "daemon/net/net.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "daemon/net/deadline.h"

namespace sov::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string HostPort::to_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "'" + std::string(text) + "': missing ']'");
    }
    out.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(ErrorCode::kInvalidInput,
                  "'" + std::string(text) + "': expected ':port' after the address");
    }
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput,
                  "'" + std::string(text) + "': expected HOST:PORT (the port is required)");
    }
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return fail(ErrorCode::kInvalidInput,
                  "'" + std::string(text) + "': write IPv6 addresses in brackets, [::1]:443");
    }
    port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    return fail(ErrorCode::kInvalidInput, "'" + std::string(text) + "': empty host");
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return fail(ErrorCode::kInvalidInput,
                "'" + std::string(text) + "': port must be a number from 1 to 65535");
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

bool is_ip_literal(std::string_view host) {
  boost::system::error_code ec;
  asio::ip::make_address(std::string(host), ec);
  return !ec;
}

namespace {

std::string endpoint_text(const tcp::endpoint& ep) {
  auto a = ep.address();
  std::string h = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return h + ":" + std::to_string(ep.port());
}

// One connect: resolution (unless the host is a literal), then each address in turn.
struct ConnectOp : std::enable_shared_from_this<ConnectOp> {
  explicit ConnectOp(asio::io_context& io) : resolver(io), socket(io), timer(io) {}

  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  std::vector<tcp::endpoint> endpoints;
  size_t next = 0;
  bool timed_out = false;
  bool finished = false;
  std::string last_error;
  ConnectDone done;

  void start(const HostPort& where, Deadline deadline) {
    auto self = shared_from_this();
    detail::arm_deadline(self, deadline, [](auto& op) {
      op.resolver.cancel();
      boost::system::error_code ignored;
      op.socket.close(ignored);
    });
    boost::system::error_code ec;
    auto address = asio::ip::make_address(where.host, ec);
    if (!ec) {
      endpoints.emplace_back(address, where.port);
      try_next();
      return;
    }
    resolver.async_resolve(
        where.host, std::to_string(where.port), tcp::resolver::numeric_service,
        [self](const boost::system::error_code& rec, const tcp::resolver::results_type& results) {
          if (self->timed_out) {
            return self->finish(fail(ErrorCode::kTimeout, "timed out resolving the name"));
          }
          if (rec) {
            return self->finish(
                fail(ErrorCode::kUnavailable, "name not resolved: " + rec.message()));
          }
          for (const auto& r : results) self->endpoints.push_back(r.endpoint());
          self->try_next();
        });
  }

  void try_next() {
    if (next >= endpoints.size()) {
      return finish(fail(ErrorCode::kUnavailable,
                         last_error.empty() ? "no address to connect to" : last_error));
    }
    const tcp::endpoint ep = endpoints[next++];
    boost::system::error_code ignored;
    socket.close(ignored);
    auto self = shared_from_this();
    socket.async_connect(ep, [self, ep](const boost::system::error_code& ec) {
      if (self->timed_out) {
        return self->finish(fail(ErrorCode::kTimeout, "timed out connecting"));
      }
      if (ec) {
        self->last_error = ec == asio::error::connection_refused
                               ? "connection refused by " + endpoint_text(ep)
                               : "cannot connect to " + endpoint_text(ep) + ": " + ec.message();
        return self->try_next();
      }
      self->finish(Connection{std::move(self->socket), endpoint_text(ep)});
    });
  }

  void finish(Result<Connection> result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    auto d = std::move(done);
    d(std::move(result));
  }
};

struct ExchangeOp : std::enable_shared_from_this<ExchangeOp> {
  ExchangeOp(Socket s, size_t cap) : socket(std::move(s)), timer(socket.get_executor()), max(cap) {}

  Socket socket;
  asio::steady_timer timer;
  size_t max;
  std::string out;
  std::string received;
  std::array<char, 4096> buf{};
  EnoughPredicate enough;
  ExchangeDone done;
  bool timed_out = false;
  bool finished = false;

  void start(Deadline deadline) {
    auto self = shared_from_this();
    detail::arm_deadline(self, deadline, [](auto& op) {
      boost::system::error_code ignored;
      op.socket.close(ignored);
    });
    if (out.empty()) return read();
    asio::async_write(
        socket, asio::buffer(out), [self](const boost::system::error_code& ec, size_t) {
          if (self->timed_out) {
            return self->finish(fail(ErrorCode::kTimeout, "timed out sending"));
          }
          if (ec) {
            return self->finish(fail(ErrorCode::kUnavailable, "cannot send: " + ec.message()));
          }
          self->read();
        });
  }

  void read() {
    if (enough(received)) return finish(Exchange{std::move(socket), std::move(received)});
    if (received.size() >= max) {
      return finish(fail(
          ErrorCode::kInvalidInput,
          "the peer sent more than " + std::to_string(max) + " bytes without a complete answer"));
    }
    auto self = shared_from_this();
    size_t want = std::min(buf.size(), max - received.size());
    socket.async_read_some(asio::buffer(buf.data(), want), [self](
                                                               const boost::system::error_code& ec,
                                                               size_t n) {
      if (self->timed_out) {
        return self->finish(fail(ErrorCode::kTimeout, "timed out waiting for an answer (" +
                                                          std::to_string(self->received.size()) +
                                                          " bytes received)"));
      }
      self->received.append(self->buf.data(), n);
      if (ec) {
        if (self->enough(self->received)) {
          return self->finish(Exchange{std::move(self->socket), std::move(self->received)});
        }
        std::string what = ec == asio::error::eof                ? "connection closed by the peer"
                           : ec == asio::error::connection_reset ? "connection reset by the peer"
                                                                 : "read failed: " + ec.message();
        return self->finish(
            fail(ErrorCode::kUnavailable,
                 what + " after " + std::to_string(self->received.size()) + " bytes"));
      }
      self->read();
    });
  }

  void finish(Result<Exchange> result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    auto d = std::move(done);
    d(std::move(result));
  }
};

}  // namespace

void async_connect(asio::io_context& io, const HostPort& where, Deadline deadline,
                   ConnectDone done) {
  auto op = std::make_shared<ConnectOp>(io);
  op->done = std::move(done);
  op->start(where, deadline);
}

void async_exchange(Socket socket, std::string to_send, size_t max_bytes, EnoughPredicate enough,
                    Deadline deadline, ExchangeDone done) {
  auto op = std::make_shared<ExchangeOp>(std::move(socket), max_bytes);
  op->out = std::move(to_send);
  op->enough = std::move(enough);
  op->done = std::move(done);
  op->start(deadline);
}

}  // namespace sov::net
