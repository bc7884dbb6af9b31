// SPDX-License-Identifier: Apache-2.0
#include "tests/support/tls_server.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <list>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sov::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// One io_context on its own thread, with an acceptor on 127.0.0.1:0.
struct Loop {
  Loop() : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  ~Loop() { stop(); }
  void run() {
    thread = std::thread([this] {
      try {
        io.run();
      } catch (...) {
        // A test server failing must not take the test binary down.
      }
    });
  }
  void stop() {
    io.stop();
    if (thread.joinable()) thread.join();
  }
  uint16_t port() const { return acceptor.local_endpoint().port(); }

  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

std::string endpoint_of(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

int staple_callback(SSL* ssl, void* arg) {
  const auto* staple = static_cast<const std::string*>(arg);
  if (staple == nullptr || staple->empty()) return SSL_TLSEXT_ERR_NOACK;
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(staple->size()));
  std::memcpy(copy, staple->data(), staple->size());
  SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(staple->size()));
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct LoopbackTlsServer::Impl {
  explicit Impl(TlsServerConfig c) : config(std::move(c)), ctx(make_context()) {}

  asio::ssl::context make_context() {
    SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
    if (raw == nullptr) throw std::runtime_error("SSL_CTX_new");
    asio::ssl::context out(raw);
    if (!config.ciphers.empty() && SSL_CTX_set_cipher_list(raw, config.ciphers.c_str()) != 1) {
      throw std::runtime_error("bad cipher list " + config.ciphers);
    }
    if (!config.ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(raw, config.ciphersuites.c_str()) != 1) {
      throw std::runtime_error("bad ciphersuites " + config.ciphersuites);
    }
    SSL_CTX_set_security_level(raw, config.security_level);
    if (config.min_version != 0) SSL_CTX_set_min_proto_version(raw, config.min_version);
    if (config.max_version != 0) SSL_CTX_set_max_proto_version(raw, config.max_version);
    if (config.chain.empty()) throw std::runtime_error("LoopbackTlsServer needs a chain");
    if (SSL_CTX_use_certificate(raw, config.chain[0].cert()) != 1 ||
        SSL_CTX_use_PrivateKey(raw, config.chain[0].key()) != 1) {
      throw std::runtime_error("cannot use the leaf certificate or key");
    }
    for (size_t i = 1; i < config.chain.size(); ++i) {
      SSL_CTX_add1_chain_cert(raw, config.chain[i].cert());
    }
    SSL_CTX_set_tlsext_status_cb(raw, staple_callback);
    SSL_CTX_set_tlsext_status_arg(raw, &config.ocsp_staple);
    ERR_clear_error();
    return out;
  }

  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(tcp::socket s, Impl& i) : socket(std::move(s)), impl(i) {}
    tcp::socket socket;
    Impl& impl;
    std::unique_ptr<asio::ssl::stream<tcp::socket>> tls;
    asio::streambuf line;
    std::array<char, 4096> buf{};
    std::string out;

    void start() {
      auto self = shared_from_this();
      switch (impl.config.starttls) {
        case Starttls::kNone:
          return handshake();
        case Starttls::kPostgres:
          asio::async_read(socket, asio::buffer(buf.data(), 8),
                           [self](boost::system::error_code ec, size_t) {
                             if (ec) return;
                             self->out = "S";
                             asio::async_write(self->socket, asio::buffer(self->out),
                                               [self](boost::system::error_code wec, size_t) {
                                                 if (!wec) self->handshake();
                                               });
                           });
          return;
        case Starttls::kSmtp:
          return smtp(0);
      }
    }

    void smtp(int step) {
      static const std::array<const char*, 3> kReplies = {
          "220 test.invalid ESMTP\r\n", "250-test.invalid\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
          "220 2.0.0 ready\r\n"};
      auto self = shared_from_this();
      out = kReplies[step];
      asio::async_write(
          socket, asio::buffer(out), [self, step](boost::system::error_code ec, size_t) {
            if (ec) return;
            if (step == 2) return self->handshake();
            asio::async_read_until(self->socket, self->line, "\r\n",
                                   [self, step](boost::system::error_code rec, size_t n) {
                                     if (rec) return;
                                     self->line.consume(n);
                                     self->smtp(step + 1);
                                   });
          });
    }

    void handshake() {
      tls = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), impl.ctx);
      auto self = shared_from_this();
      tls->async_handshake(asio::ssl::stream_base::server, [self](boost::system::error_code ec) {
        ERR_clear_error();
        if (ec) return;
        ++self->impl.handshakes;
        self->drain();
      });
    }

    void drain() {
      auto self = shared_from_this();
      tls->async_read_some(asio::buffer(buf), [self](boost::system::error_code ec, size_t) {
        if (!ec) self->drain();
      });
    }
  };

  void accept() {
    loop.acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      ++connections;
      std::make_shared<Conn>(std::move(s), *this)->start();
      accept();
    });
  }

  TlsServerConfig config;
  asio::ssl::context ctx;
  Loop loop;
  std::atomic<size_t> handshakes{0};
  std::atomic<size_t> connections{0};
};

LoopbackTlsServer::LoopbackTlsServer(TlsServerConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {
  impl_->accept();
  impl_->loop.run();
}
LoopbackTlsServer::~LoopbackTlsServer() { impl_->loop.stop(); }
uint16_t LoopbackTlsServer::port() const { return impl_->loop.port(); }
std::string LoopbackTlsServer::endpoint() const { return endpoint_of(port()); }
size_t LoopbackTlsServer::handshakes() const { return impl_->handshakes; }
size_t LoopbackTlsServer::connections() const { return impl_->connections; }

// ---------------------------------------------------------------------------------------------

struct HostileServer::Impl {
  explicit Impl(Hostility h) : how(h) {}

  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(tcp::socket s, Impl& i) : socket(std::move(s)), impl(i) { ++impl.open; }
    ~Conn() { --impl.open; }
    tcp::socket socket;
    Impl& impl;
    std::array<char, 4096> buf{};
    std::string out;

    void start() {
      auto self = shared_from_this();
      socket.async_read_some(asio::buffer(buf), [self](boost::system::error_code ec, size_t) {
        if (ec) return;
        switch (self->impl.how) {
          case Hostility::kSilent:
            return self->start();  // read and ignore, forever
          case Hostility::kGarbage: {
            self->out = "HTTP/1.0 400 Bad Request\r\n\r\n";
            for (int i = 0; i < 2048; ++i) self->out.push_back(static_cast<char>((i * 131) & 0xff));
            asio::async_write(self->socket, asio::buffer(self->out),
                              [self](boost::system::error_code, size_t) { self->start_silent(); });
            return;
          }
          case Hostility::kReset: {
            boost::system::error_code ignored;
            self->socket.set_option(asio::socket_base::linger(true, 0), ignored);
            self->socket.close(ignored);
            return;
          }
        }
      });
    }
    void start_silent() {
      auto self = shared_from_this();
      socket.async_read_some(asio::buffer(buf), [self](boost::system::error_code ec, size_t) {
        if (!ec) self->start_silent();
      });
    }
  };

  void accept() {
    loop.acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Conn>(std::move(s), *this)->start();
      accept();
    });
  }

  Hostility how;
  std::atomic<size_t> open{0};
  Loop loop;
};

HostileServer::HostileServer(Hostility how) : impl_(std::make_unique<Impl>(how)) {
  impl_->accept();
  impl_->loop.run();
}
HostileServer::~HostileServer() { impl_->loop.stop(); }
uint16_t HostileServer::port() const { return impl_->loop.port(); }
std::string HostileServer::endpoint() const { return endpoint_of(port()); }
size_t HostileServer::open_connections() const { return impl_->open; }

// ---------------------------------------------------------------------------------------------

struct LoopbackHttpServer::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}

  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(tcp::socket s, Impl& i) : socket(std::move(s)), impl(i) {}
    tcp::socket socket;
    Impl& impl;
    asio::streambuf in;
    std::string method, path, body, out;
    size_t content_length = 0;

    void start() {
      auto self = shared_from_this();
      asio::async_read_until(
          socket, in, "\r\n\r\n", [self](boost::system::error_code ec, size_t n) {
            if (ec) return;
            std::string head(asio::buffers_begin(self->in.data()),
                             asio::buffers_begin(self->in.data()) + static_cast<long>(n));
            self->in.consume(n);
            auto sp1 = head.find(' ');
            auto sp2 = head.find(' ', sp1 + 1);
            self->method = head.substr(0, sp1);
            self->path = head.substr(sp1 + 1, sp2 - sp1 - 1);
            std::string lower = head;
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            auto cl = lower.find("content-length:");
            if (cl != std::string::npos) self->content_length = std::stoul(head.substr(cl + 15));
            self->read_body();
          });
    }

    void read_body() {
      auto self = shared_from_this();
      size_t have = in.size();
      if (have >= content_length) {
        body.assign(asio::buffers_begin(in.data()),
                    asio::buffers_begin(in.data()) + static_cast<long>(content_length));
        return answer();
      }
      asio::async_read(socket, in, asio::transfer_exactly(content_length - have),
                       [self](boost::system::error_code ec, size_t) {
                         if (!ec) self->read_body();
                       });
    }

    void answer() {
      ++impl.requests;
      HttpAnswer a = impl.handler(method, path, body);
      out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: " + a.content_type +
            "\r\nContent-Length: " + std::to_string(a.body.size()) +
            "\r\nConnection: close\r\n\r\n" + a.body;
      auto self = shared_from_this();
      asio::async_write(socket, asio::buffer(out), [self](boost::system::error_code, size_t) {
        boost::system::error_code ignored;
        self->socket.shutdown(tcp::socket::shutdown_both, ignored);
        self->socket.close(ignored);
      });
    }
  };

  void accept() {
    loop.acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Conn>(std::move(s), *this)->start();
      accept();
    });
  }

  Handler handler;
  std::atomic<size_t> requests{0};
  Loop loop;
};

LoopbackHttpServer::LoopbackHttpServer(Handler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->accept();
  impl_->loop.run();
}
LoopbackHttpServer::~LoopbackHttpServer() { impl_->loop.stop(); }
uint16_t LoopbackHttpServer::port() const { return impl_->loop.port(); }
std::string LoopbackHttpServer::url(const std::string& path) const {
  return "http://" + endpoint_of(port()) + path;
}
size_t LoopbackHttpServer::requests() const { return impl_->requests; }

// ---------------------------------------------------------------------------------------------

uint16_t free_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::vector<std::string> listening_addresses(uint16_t port) {
  std::vector<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      auto colon = local.find(':');
      if (state != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
      if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
      // The address is in network order, printed as host-order 32-bit words.
      std::string hex = local.substr(0, colon);
      unsigned char bytes[16] = {};
      for (size_t w = 0; w < hex.size() / 8; ++w) {
        uint32_t word = static_cast<uint32_t>(std::stoul(hex.substr(w * 8, 8), nullptr, 16));
        std::memcpy(bytes + w * 4, &word, 4);
      }
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(hex.size() == 8 ? AF_INET : AF_INET6, bytes, text, sizeof text);
      out.emplace_back(text);
    }
  }
  return out;
}

ExternalServer::ExternalServer(std::vector<std::string> argv, uint16_t port) : port_(port) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    // Peers without a bind option (gnutls-serv) still listen on loopback only.
    setenv("LD_PRELOAD", SOV_LOOPBACK_BIND_SO, 1);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (pid_ < 0) return;
  // Readiness, not correctness: poll until the child listens (or exits).
  for (int i = 0; i < 200 && !started_; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    asio::io_context io;
    tcp::socket s(io);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    if (!ec) {
      started_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ExternalServer::~ExternalServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string ExternalServer::endpoint() const { return endpoint_of(port_); }

}  // namespace sov::testing
