// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/control.h"

#include <cerrno>
#include <cstring>
#include <exception>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace sov::control {

namespace asio = boost::asio;
using model::Json;
using Local = asio::local::stream_protocol;

Result<Request> decode_request(std::string_view line) {
  Json j = Json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "request is not JSON");
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "request is not a JSON object");
  auto c = j.find("command");
  if (c == j.end() || !c->is_string() || c->get<std::string>().empty()) {
    return fail(ErrorCode::kInvalidInput, "request has no \"command\" string");
  }
  Request r;
  r.command = c->get<std::string>();
  auto a = j.find("args");
  if (a != j.end() && !a->is_null()) {
    if (!a->is_object()) return fail(ErrorCode::kInvalidInput, "\"args\" is not an object");
    r.args = *a;
  }
  return r;
}

std::string encode_request(const Request& r) {
  return Json{{"command", r.command}, {"args", r.args}}.dump() + "\n";
}

Result<Response> decode_response(std::string_view line) {
  Json j = Json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("result") ||
      !j["result"].is_number_integer()) {
    return fail(ErrorCode::kInvalidInput, "malformed answer from the daemon");
  }
  Response r;
  r.result = j["result"].get<int>();
  if (j.contains("text") && j["text"].is_string()) r.text = j["text"].get<std::string>();
  if (j.contains("data")) r.data = j["data"];
  return r;
}

std::string encode_response(const Response& r) {
  return Json{{"result", r.result}, {"text", r.text}, {"data", r.data}}.dump(
             -1, ' ', false, Json::error_handler_t::replace) +
         "\n";
}

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, std::string p) : io(io_), acceptor(io_), path(std::move(p)) {}
  asio::io_context& io;
  Local::acceptor acceptor;
  std::string path;
  std::map<std::string, Handler> handlers;
  bool closed = false;

  Response dispatch(std::string_view line) {
    auto req = decode_request(line);
    if (!req) return {kResultUnsupported, req.error().to_string(), nullptr};
    auto h = handlers.find(req->command);
    if (h == handlers.end()) {
      return {kResultUnsupported, "unknown command '" + req->command + "'", nullptr};
    }
    // Exception firewall: a handler that throws answers an error, the loop goes on.
    try {
      return h->second(*req);
    } catch (const std::exception& e) {
      return {kResultError, std::string("internal error: ") + e.what(), nullptr};
    }
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(std::shared_ptr<Impl> o, Local::socket s)
        : owner(std::move(o)), socket(std::move(s)), buf(kMaxRequestBytes) {}
    std::shared_ptr<Impl> owner;
    Local::socket socket;
    asio::streambuf buf;
    std::string out;

    void read() {
      auto self = shared_from_this();
      asio::async_read_until(
          socket, buf, '\n', [self](const boost::system::error_code& ec, size_t n) {
            if (ec) return;  // closed, or the line was too long
            std::string line(asio::buffers_begin(self->buf.data()),
                             asio::buffers_begin(self->buf.data()) + n - 1);
            self->buf.consume(n);
            self->out = encode_response(self->owner->dispatch(line));
            asio::async_write(self->socket, asio::buffer(self->out),
                              [self](const boost::system::error_code& wec, size_t) {
                                if (!wec) self->read();
                              });
          });
    }
  };

  void accept() {
    auto self = shared_from_this();
    acceptor.async_accept([self](const boost::system::error_code& ec, Local::socket s) {
      if (self->closed) return;
      if (!ec) std::make_shared<Session>(self, std::move(s))->read();
      self->accept();
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { close(); }

Result<std::unique_ptr<Server>> Server::listen(asio::io_context& io, const std::string& path,
                                               unsigned mode) {
  auto impl = std::make_unique<Impl>(io, path);
  boost::system::error_code ec;
  ::unlink(path.c_str());  // a stale socket of a previous run
  impl->acceptor.open(Local(), ec);
  if (!ec) impl->acceptor.bind(Local::endpoint(path), ec);
  if (!ec && ::chmod(path.c_str(), mode) != 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
  }
  if (!ec) impl->acceptor.listen(16, ec);
  if (ec) return fail(ErrorCode::kIo, "control socket " + path + ": " + ec.message());
  auto server = std::make_unique<Server>(std::move(impl));
  server->impl_->accept();
  return server;
}

void Server::add(const std::string& command, Handler handler) {
  impl_->handlers[command] = std::move(handler);
}

std::vector<std::string> Server::commands() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : impl_->handlers) out.push_back(k);
  return out;
}

void Server::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  ::unlink(impl_->path.c_str());
}

Result<Response> call(const std::string& path, const Request& request,
                      std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorCode::kInvalidInput, "control socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return fail(ErrorCode::kUnavailable, "cannot connect to " + path + ": " + std::strerror(errno) +
                                             " (is sovereignd running?)");
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wait = [&](short events) -> bool {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  };
  std::string out = encode_request(request);
  size_t sent = 0;
  while (sent < out.size()) {
    if (!wait(POLLOUT)) return fail(ErrorCode::kTimeout, "control socket: timed out");
    ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return fail(ErrorCode::kUnavailable, "control socket: write failed");
    sent += static_cast<size_t>(n);
  }
  std::string in;
  char buf[4096];
  while (in.find('\n') == std::string::npos) {
    if (!wait(POLLIN)) return fail(ErrorCode::kTimeout, "control socket: no answer in time");
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return fail(ErrorCode::kUnavailable, "control socket: closed by the daemon");
    in.append(buf, static_cast<size_t>(n));
    if (in.size() > 16 * 1024 * 1024) return fail(ErrorCode::kInvalidInput, "answer too large");
  }
  return decode_response(std::string_view(in).substr(0, in.find('\n')));
}

}  // namespace sov::control
