// SPDX-License-Identifier: Apache-2.0
// Delivery of one payload to one sink. Blocking by contract (alerts.h): HTTP sinks run a private
// event loop over daemon/net with the sink's deadline; exec waits for its child with the same
// deadline and kills it on expiry.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/alerts/alerts.h"
#include "daemon/net/net.h"

namespace sov::alerts {

using model::Json;

namespace {

// Extra headers from headers_file, "Name: value" a line. X-Sovereignd-Secret is the signing key
// and is not sent.
struct Headers {
  std::vector<net::HttpHeader> list;
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
    h.list.push_back({name, value});
  }
  return h;
}

// POST `body` to the sink's URL (+ `path_suffix`) over http or verified https (the sink's
// ca_file, else the system's trust store); only a 2xx status counts as delivered.
Result<bool> http_post(const SinkConfig& sink, const std::string& path_suffix,
                       const std::string& body) {
  auto headers = read_headers(sink.headers_file);
  if (!headers) return headers.error();
  net::HttpRequest request;
  request.method = "POST";
  request.url = sink.url;
  if (!path_suffix.empty()) {
    if (!request.url.empty() && request.url.back() == '/') request.url.pop_back();
    request.url += path_suffix;
  }
  request.content_type = "application/json";
  request.body = body;
  request.headers = std::move(headers->list);
  if (!headers->secret.empty()) {
    request.headers.push_back(
        {"X-Sovereignd-Signature", "sha256=" + hmac_sha256_hex(headers->secret, body)});
  }
  request.max_body = 64 * 1024;  // only the status matters
  request.ca_file = sink.ca_file;
  boost::asio::io_context io;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(sink.timeout);
  Result<bool> result = fail(ErrorCode::kInternal, "not completed");
  net::async_http(io, std::move(request), deadline, [&](Result<net::HttpResponse> r) {
    if (!r) {
      result = r.error();
    } else if (r->status >= 200 && r->status < 300) {
      result = true;
    } else {
      result = fail(ErrorCode::kUnavailable, "HTTP " + std::to_string(r->status));
    }
  });
  io.run();
  return result;
}

// The event's identity as SOVEREIGND_* variables beside the inherited environment, so a script
// can branch without parsing its stdin. Built before fork(): the child only calls async-signal-
// safe functions.
std::vector<std::string> exec_environment(const std::string& payload) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "SOVEREIGND_", 11) != 0) env.emplace_back(*e);
  }
  Json j = Json::parse(payload, nullptr, false);
  if (!j.is_object()) return env;
  for (auto [var, key] : {std::pair{"SOVEREIGND_EVENT", "event"},
                          {"SOVEREIGND_RULE_ID", "rule_id"},
                          {"SOVEREIGND_TARGET", "target"},
                          {"SOVEREIGND_SEVERITY", "severity"},
                          {"SOVEREIGND_FRAMEWORK", "framework"},
                          {"SOVEREIGND_NODE", "node"},
                          {"SOVEREIGND_FINGERPRINT", "fingerprint"}}) {
    if (j.contains(key) && j[key].is_string()) {
      env.push_back(std::string(var) + "=" + j[key].get<std::string>());
    }
  }
  env.push_back(std::string("SOVEREIGND_STATUS=") +
                (j.contains("ends_at") ? "resolved" : "firing"));
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Writes the payload to the child's stdin without blocking past the deadline (a child that
// does not read must not hold the daemon's worker). False on timeout; a child that closed its
// stdin early just gets less.
bool feed_stdin(int fd, const std::string& payload,
                std::chrono::steady_clock::time_point deadline) {
  size_t off = 0;
  while (off < payload.size()) {
    pollfd p{fd, POLLOUT, 0};
    int ms = remaining_ms(deadline);
    if (ms == 0) return false;
    if (::poll(&p, 1, ms) <= 0) continue;
    ssize_t n = ::write(fd, payload.data() + off, payload.size() - off);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Kills the child's whole process group (a shell's children too) and reaps the child.
void kill_group(pid_t pid, int* status) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, status, 0);
}

Result<bool> run_exec(const SinkConfig& sink, const std::string& payload) {
  auto deadline = std::chrono::steady_clock::now() + sink.timeout;
  std::vector<std::string> args = sink.command;
  std::vector<std::string> env = exec_environment(payload);
  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(env);
  int in_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, "pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return fail(ErrorCode::kIo, "fork failed");
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group, so the timeout kills what it started too
    ::dup2(in_pipe[0], 0);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here: no race with the kill below
  ::close(in_pipe[0]);
  ::signal(SIGPIPE, SIG_IGN);
  ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  bool fed = feed_stdin(in_pipe[1], payload, deadline);
  ::close(in_pipe[1]);
  int st = 0;
  while (true) {
    pid_t r = fed ? ::waitpid(pid, &st, WNOHANG) : 0;
    if (r == pid) break;
    if (!fed || std::chrono::steady_clock::now() >= deadline) {
      kill_group(pid, &st);
      return fail(ErrorCode::kTimeout,
                  sink.command[0] + ": killed after " + format_duration(sink.timeout));
    }
    ::poll(nullptr, 0, std::min(10, remaining_ms(deadline) + 1));
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

// Syslog severity of an event: the rule's severity while firing, notice once resolved.
int syslog_severity(const Json& event) {
  if (event.contains("ends_at")) return LOG_NOTICE;
  std::string s = event.value("severity", std::string());
  if (s == "critical") return LOG_CRIT;
  if (s == "high") return LOG_ERR;
  if (s == "low") return LOG_NOTICE;
  return LOG_WARNING;
}

// RFC 5424 §6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE.
std::string sd_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

// RFC 5424 header fields are printable US-ASCII without spaces, "-" when empty.
std::string header_field(const std::string& v, size_t max) {
  std::string out;
  for (char c : v.substr(0, max)) out += (c > 32 && c < 127) ? c : '_';
  return out.empty() ? "-" : out;
}

}  // namespace

std::string syslog_message(const std::string& payload, const std::string& facility, TimePoint now) {
  Json e = Json::parse(payload, nullptr, false);
  if (!e.is_object()) e = Json::object();
  auto field = [&](const char* key) {
    auto it = e.find(key);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  int pri = facility_of(facility) | syslog_severity(e);
  std::string line = "<" + std::to_string(pri) + ">1 " + format_rfc3339(now) + " " +
                     header_field(field("node"), 255) + " sovereignd " +
                     std::to_string(::getpid()) + " " + header_field(field("event"), 32) + " ";
  // 32473 is the private enterprise number RFC 5612 reserves for documentation: the SD-ID is
  // stable for parsers, and changes only if sovereignd registers its own number.
  line += "[sovereignd@32473";
  for (const char* key :
       {"event", "rule_id", "target", "severity", "framework", "reference", "fingerprint"}) {
    std::string v = field(key);
    if (!v.empty()) line += std::string(" ") + key + "=\"" + sd_escape(v) + "\"";
  }
  line += std::string(" status=\"") + (e.contains("ends_at") ? "resolved" : "firing") + "\"]";
  std::string summary = field("summary");
  if (!summary.empty()) line += " " + summary;
  return line;
}

namespace {

// One datagram to the syslog socket; never blocks (a full queue is a failed attempt, retried).
Result<bool> send_syslog(const SinkConfig& sink, const std::string& payload) {
  std::string msg = syslog_message(payload, sink.facility, SystemClock().now());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kIo, "syslog: socket: " + std::string(std::strerror(errno)));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (sink.socket.size() >= sizeof a.sun_path) {
    ::close(fd);
    return fail(ErrorCode::kInvalidInput, "syslog socket path too long: " + sink.socket);
  }
  std::memcpy(a.sun_path, sink.socket.c_str(), sink.socket.size() + 1);
  ssize_t n = ::sendto(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                       reinterpret_cast<sockaddr*>(&a), sizeof a);
  int err = errno;
  ::close(fd);
  if (n < 0) {
    return fail(ErrorCode::kUnavailable,
                "syslog socket " + sink.socket + ": " + std::string(std::strerror(err)));
  }
  return true;
}

}  // namespace

Result<bool> deliver(const SinkConfig& sink, const std::string& payload) {
  if (sink.kind == "alertmanager") return http_post(sink, "/api/v2/alerts", payload);
  if (sink.kind == "webhook") return http_post(sink, "", payload);
  if (sink.kind == "exec") return run_exec(sink, payload);
  if (sink.kind == "syslog") return send_syslog(sink, payload);
  return fail(ErrorCode::kUnsupported, "unknown sink kind '" + sink.kind + "'");
}

}  // namespace sov::alerts
