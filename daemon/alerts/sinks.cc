// SPDX-License-Identifier: Apache-2.0
// Delivery of one payload to one sink. Blocking by contract (alerts.h): HTTP sinks run a private
// event loop over daemon/net with the sink's deadline; exec waits for its child with the same
// deadline and kills it on expiry.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/alerts/alerts.h"
#include "daemon/net/net.h"

namespace sov::alerts {

namespace {

struct ParsedUrl {
  net::HostPort where;
  std::string path;
};

Result<ParsedUrl> parse_http_url(const std::string& url) {
  if (url.rfind("https://", 0) == 0) {
    return fail(ErrorCode::kUnsupported, "https sinks are not supported yet");
  }
  if (url.rfind("http://", 0) != 0) return fail(ErrorCode::kInvalidInput, "not an http URL");
  std::string rest = url.substr(7);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  ParsedUrl out;
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (hostport.find(':') == std::string::npos || hostport.back() == ']') hostport += ":80";
  auto hp = net::parse_host_port(hostport);
  if (!hp) return hp.error();
  out.where = *hp;
  return out;
}

// Extra headers from headers_file, "Name: value" a line. X-Sovereignd-Secret is the signing key
// and is not sent.
struct Headers {
  std::string lines;
  std::string secret;
};

Result<Headers> read_headers(const std::string& file) {
  Headers h;
  if (file.empty()) return h;
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::kIo, "cannot read headers_file " + file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (name == "X-Sovereignd-Secret") {
      h.secret = value;
      continue;
    }
    h.lines += name + ": " + value + "\r\n";
  }
  return h;
}

Result<bool> http_post(const SinkConfig& sink, const std::string& path_suffix,
                       const std::string& body) {
  auto url = parse_http_url(sink.url);
  if (!url) return url.error();
  auto headers = read_headers(sink.headers_file);
  if (!headers) return headers.error();
  std::string path = url->path;
  if (!path_suffix.empty()) {
    if (!path.empty() && path.back() == '/') path.pop_back();
    path += path_suffix;
  }
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + url->where.to_string() +
                    "\r\nUser-Agent: sovereignd\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n" + headers->lines;
  if (!headers->secret.empty()) {
    req += "X-Sovereignd-Signature: sha256=" + hmac_sha256_hex(headers->secret, body) + "\r\n";
  }
  req += "\r\n" + body;

  boost::asio::io_context io;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(sink.timeout);
  Result<bool> result = fail(ErrorCode::kInternal, "not completed");
  net::async_connect(io, url->where, deadline, [&](Result<net::Connection> c) {
    if (!c) {
      result = c.error();
      return;
    }
    // Only the status line matters.
    net::async_exchange(
        std::move(c->socket), req, 64 * 1024,
        [](std::string_view got) { return got.find("\r\n") != std::string_view::npos; }, deadline,
        [&](Result<net::Exchange> ex) {
          if (!ex) {
            result = ex.error();
            return;
          }
          const std::string& r = ex->received;
          int status = 0;
          if (r.rfind("HTTP/1.", 0) == 0 && r.size() >= 12) status = std::atoi(r.c_str() + 9);
          if (status >= 200 && status < 300) {
            result = true;
          } else {
            result = fail(ErrorCode::kUnavailable, "HTTP " + std::to_string(status));
          }
        });
  });
  io.run();
  return result;
}

Result<bool> run_exec(const SinkConfig& sink, const std::string& payload) {
  int in_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, "pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return fail(ErrorCode::kIo, "fork failed");
  }
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1);
    std::vector<char*> argv;
    for (const auto& a : sink.command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::signal(SIGPIPE, SIG_IGN);
  size_t off = 0;
  while (off < payload.size()) {
    ssize_t n = ::write(in_pipe[1], payload.data() + off, payload.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(in_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + sink.timeout;
  int st = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      return fail(ErrorCode::kTimeout,
                  sink.command[0] + ": killed after " + format_duration(sink.timeout));
    }
    ::poll(nullptr, 0, 10);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return true;
  return fail(ErrorCode::kIo, sink.command[0] + ": exit status " +
                                  std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : 128));
}

int facility_of(const std::string& f) {
  if (f == "user") return LOG_USER;
  if (f.size() == 6 && f.rfind("local", 0) == 0 && f[5] >= '0' && f[5] <= '7') {
    return LOG_LOCAL0 + (f[5] - '0') * (LOG_LOCAL1 - LOG_LOCAL0);
  }
  return LOG_DAEMON;
}

}  // namespace

Result<bool> deliver(const SinkConfig& sink, const std::string& payload) {
  if (sink.kind == "alertmanager") return http_post(sink, "/api/v2/alerts", payload);
  if (sink.kind == "webhook") return http_post(sink, "", payload);
  if (sink.kind == "exec") return run_exec(sink, payload);
  if (sink.kind == "syslog") {
    // RFC 5424 structured data is not reachable through syslog(3); the event travels as JSON.
    ::syslog(facility_of(sink.facility) | LOG_WARNING, "sovereignd.alert %s", payload.c_str());
    return true;
  }
  return fail(ErrorCode::kUnsupported, "unknown sink kind '" + sink.kind + "'");
}

}  // namespace sov::alerts
