// SPDX-License-Identifier: Apache-2.0
// Alert events, payloads and sinks (unit), then delivery end to end through the real sovereignd:
// a webhook receiver that fails, times out, then recovers; a restart after SIGKILL with
// undelivered alerts; and a real Alertmanager on loopback.
#include "daemon/alerts/alerts.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <boost/asio/io_context.hpp>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/control/control.h"
#include "daemon/net/net.h"
#include "daemon/store/store.h"
#include "tests/daemon/app/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace {

using namespace std::chrono_literals;
using sov::TimePoint;
using sov::alerts::Alert;
using sov::alerts::Event;
using sov::alerts::TargetState;
using sov::model::Finding;
using sov::model::Json;
using sov::model::Status;
using ::testing::HasSubstr;
using ::testing::Not;

const TimePoint kT0 = sov::from_unix_seconds(1'800'000'000);

Finding finding(const std::string& rule, Status st, TimePoint at) {
  Finding f;
  f.rule_id = rule;
  f.ruleset = "fr-secnumcloud-3.2";
  f.title = "title of " + rule;
  f.reference = "SecNumCloud 3.2 §19.6 b";
  f.target_id = "web";
  f.status = st;
  f.evaluated_at = at;
  f.message = "because";
  return f;
}

TargetState state(std::vector<Finding> fs, TimePoint at, bool ok = true) {
  TargetState s;
  s.target_id = "web";
  s.findings = std::move(fs);
  s.evaluated_at = at;
  s.probe_ok = ok;
  if (!ok) s.probe_error = "web (127.0.0.1:1): connection refused";
  return s;
}

std::vector<std::string> names(const std::vector<Alert>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.emplace_back(sov::alerts::event_name(a.event));
  return out;
}

TEST(AlertsDerive, FirstResultRaisesNewFailuresOnlyForInForceFailures) {
  auto fresh = finding("R1", Status::kFail, kT0);
  auto future = finding("R2", Status::kFail, kT0);
  future.in_force = false;
  auto now = state({fresh, future, finding("R3", Status::kPass, kT0)}, kT0);
  auto ev = sov::alerts::derive(now, nullptr, {"node-1"});
  ASSERT_EQ(names(ev), std::vector<std::string>{"new_failure"});
  EXPECT_EQ(ev[0].rule_id, "R1");
  EXPECT_EQ(ev[0].labels()["alertname"], "SovereigndCheckFailing");
  EXPECT_EQ(ev[0].labels()["host"], "node-1");
}

TEST(AlertsDerive, ResolvedStillFailingAndScanErrorFromTwoResults) {
  auto before = state({finding("R1", Status::kFail, kT0), finding("R2", Status::kFail, kT0),
                       finding("R4", Status::kFail, kT0)},
                      kT0);
  auto now = state({finding("R1", Status::kPass, kT0 + 1h), finding("R2", Status::kFail, kT0 + 1h)},
                   kT0 + 1h, false);
  auto ev = sov::alerts::derive(now, &before, {"n"});
  EXPECT_THAT(names(ev), ::testing::UnorderedElementsAre("resolved", "still_failing", "resolved",
                                                         "scan_error"));
  for (const auto& a : ev) {
    if (a.event == Event::kResolved) {
      ASSERT_TRUE(a.ends_at.has_value());
    }
  }
}

TEST(AlertsDerive, StillFailingKeyChangesOncePerReminderPeriod) {
  auto f0 = state({finding("R", Status::kFail, kT0)}, kT0);
  sov::alerts::DeriveOptions o{"n", 24h};
  auto a = sov::alerts::derive(state({finding("R", Status::kFail, kT0 + 1h)}, kT0 + 1h), &f0, o);
  auto b = sov::alerts::derive(state({finding("R", Status::kFail, kT0 + 2h)}, kT0 + 2h), &f0, o);
  auto c = sov::alerts::derive(state({finding("R", Status::kFail, kT0 + 30h)}, kT0 + 30h), &f0, o);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].dedup_key, b[0].dedup_key);
  EXPECT_NE(a[0].dedup_key, c[0].dedup_key);
  // Firing and resolved of one alert share the fingerprint.
  auto r = sov::alerts::derive(state({finding("R", Status::kPass, kT0 + 3h)}, kT0 + 3h), &f0, o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fingerprint(), a[0].fingerprint());
}

TEST(AlertsDerive, CertificateExpiringAndProviderChanged) {
  auto before = state({}, kT0);
  before.provider = "scaleway";
  auto now = state({}, kT0 + 1h);
  now.provider = "aws";
  now.cert_not_after = kT0 + 24h * 10;
  auto ev = sov::alerts::derive(now, &before, {"n"});
  EXPECT_THAT(names(ev), ::testing::UnorderedElementsAre("cert_expiring", "provider_changed"));
  Json facts = {{"provider", {{"id", "ovh"}}},
                {"tls", {{"leaf", {{"not_after", "2027-01-01T00:00:00Z"}}}}}};
  TargetState s;
  sov::alerts::read_target_facts(facts, &s);
  EXPECT_EQ(s.provider, "ovh");
  EXPECT_EQ(s.cert_not_after, sov::parse_time("2027-01-01T00:00:00Z"));
}

TEST(AlertsPayload, WebhookHasTheAlertmanagerV4Shape) {
  auto ev = sov::alerts::derive(state({finding("R1", Status::kFail, kT0)}, kT0), nullptr, {"n"});
  Json p = sov::alerts::webhook_payload(ev, "sovereignd");
  for (const char* k :
       {"receiver", "status", "alerts", "groupLabels", "commonLabels", "commonAnnotations",
        "externalURL", "version", "groupKey", "truncatedAlerts"}) {
    EXPECT_TRUE(p.contains(k)) << k;
  }
  EXPECT_EQ(p["version"], "4");
  EXPECT_EQ(p["status"], "firing");
  const Json& a = p["alerts"][0];
  for (const char* k :
       {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}) {
    EXPECT_TRUE(a.contains(k)) << k;
  }
  Json am = sov::alerts::alertmanager_alert(ev[0]);
  EXPECT_FALSE(am.contains("endsAt"));
  EXPECT_EQ(am["labels"]["rule_id"], "R1");
}

TEST(AlertsPayload, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(sov::alerts::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AlertsSink, ExecGetsJsonOnStdinAndIsKilledOnExpiry) {
  sov::testing::TempDir dir;
  std::string out = dir.file("got.json");
  sov::alerts::SinkConfig ok;
  ok.kind = "exec";
  ok.command = {"/bin/sh", "-c", "cat > " + out};
  ok.timeout = 5s;
  ASSERT_TRUE(sov::alerts::deliver(ok, R"({"event":"new_failure"})"));
  EXPECT_EQ(sov::testing::read_file(out), R"({"event":"new_failure"})");

  sov::alerts::SinkConfig slow = ok;
  slow.command = {"/bin/sleep", "30"};
  slow.timeout = 200ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = sov::alerts::deliver(slow, "{}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), sov::ErrorCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

  sov::alerts::SinkConfig failing = ok;
  failing.command = {"/bin/false"};
  EXPECT_FALSE(sov::alerts::deliver(failing, "{}"));
}

// A real event as the daemon builds it, for the exec and syslog sinks.
std::string event_payload(bool resolved) {
  Finding f = finding("SNC-19.6-b1", Status::kFail, kT0);
  f.severity = sov::model::Severity::kCritical;
  f.reference = "SecNumCloud 3.2 §19.6 \"b]\"";
  TargetState before = state({}, kT0);
  TargetState now = state({f}, kT0);
  if (resolved) {
    before = now;
    Finding fixed = f;
    fixed.status = Status::kPass;
    now = state({fixed}, kT0 + 1h);
  }
  sov::alerts::DeriveOptions o;
  o.node = "node-1";
  auto events = sov::alerts::derive(now, &before, o);
  EXPECT_EQ(events.size(), 1u);
  return sov::alerts::event_json(events.at(0)).dump();
}

TEST(AlertsSink, ExecGetsTheEventInItsEnvironment) {
  sov::testing::TempDir dir;
  std::string out = dir.file("env.txt");
  sov::alerts::SinkConfig sink;
  sink.kind = "exec";
  sink.command = {"/bin/sh", "-c", "cat > /dev/null; env | grep ^SOVEREIGND_ | sort > " + out};
  sink.timeout = 5s;
  ::setenv("SOVEREIGND_STALE", "from the daemon's own environment", 1);
  ASSERT_TRUE(sov::alerts::deliver(sink, event_payload(false)));
  ::unsetenv("SOVEREIGND_STALE");
  std::string env = sov::testing::read_file(out);
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_EVENT=new_failure\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_RULE_ID=SNC-19.6-b1\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_TARGET=web\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_SEVERITY=critical\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_FRAMEWORK=fr-secnumcloud-3.2\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_NODE=node-1\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_STATUS=firing\n"));
  EXPECT_THAT(env, HasSubstr("SOVEREIGND_FINGERPRINT="));
  // Variables of that prefix in the daemon's environment do not leak into the event's.
  EXPECT_THAT(env, Not(HasSubstr("SOVEREIGND_STALE")));

  ASSERT_TRUE(sov::alerts::deliver(sink, event_payload(true)));
  EXPECT_THAT(sov::testing::read_file(out), HasSubstr("SOVEREIGND_STATUS=resolved\n"));
}

TEST(AlertsSink, ExecTimeoutKillsTheWholeGroupAndAChildThatDoesNotRead) {
  sov::testing::TempDir dir;
  std::string pidfile = dir.file("grandchild.pid");
  sov::alerts::SinkConfig sink;
  sink.kind = "exec";
  // The shell starts a grandchild and waits for it: killing the shell alone would leave it.
  sink.command = {"/bin/sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"};
  sink.timeout = 300ms;
  auto r = sov::alerts::deliver(sink, "{}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), sov::ErrorCode::kTimeout);
  pid_t grandchild = std::stoi(sov::testing::read_file(pidfile));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(grandchild, 0) != 0;  // reaped by init once killed
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone) << "grandchild " << grandchild << " survived the timeout";

  // 1 MiB on stdin to a child that never reads: the pipe fills, the deadline still holds.
  sink.command = {"/bin/sleep", "30"};
  auto t0 = std::chrono::steady_clock::now();
  r = sov::alerts::deliver(sink, std::string(1 << 20, 'x'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), sov::ErrorCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

// The syslog daemon's socket, bound by the test (no syslog daemon or journald runs here).
class DatagramSocket {
 public:
  explicit DatagramSocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~DatagramSocket() { ::close(fd_); }
  std::optional<std::string> receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(AlertsSink, SyslogSendsRfc5424WithStructuredData) {
  sov::testing::TempDir dir;
  DatagramSocket log(dir.file("log.sock"));
  sov::alerts::SinkConfig sink;
  sink.kind = "syslog";
  sink.facility = "local3";
  sink.socket = dir.file("log.sock");
  ASSERT_TRUE(sov::alerts::deliver(sink, event_payload(false)));
  auto got = log.receive(2s);
  ASSERT_TRUE(got);
  // PRI = local3 (19) * 8 + crit (2); version 1; then timestamp, host, app, procid, msgid.
  EXPECT_THAT(*got, ::testing::MatchesRegex(
                        R"(<154>1 [0-9T:.-]+Z node-1 sovereignd [0-9]+ new_failure \[.*)"));
  EXPECT_THAT(*got, HasSubstr(R"([sovereignd@32473 event="new_failure" rule_id="SNC-19.6-b1" )"
                              R"(target="web" severity="critical" framework="fr-secnumcloud-3.2" )"
                              R"(reference="SecNumCloud 3.2 §19.6 \"b\]\"" fingerprint=")"));
  EXPECT_THAT(*got, HasSubstr(R"( status="firing"] SNC-19.6-b1 fails on web)"));

  ASSERT_TRUE(sov::alerts::deliver(sink, event_payload(true)));
  got = log.receive(2s);
  ASSERT_TRUE(got);
  EXPECT_THAT(*got, ::testing::StartsWith("<157>1 "));  // local3, notice
  EXPECT_THAT(*got, HasSubstr(R"(status="resolved"])"));

  // No syslog daemon listening: a failed attempt naming the socket, retried by the outbox.
  sink.socket = dir.file("absent.sock");
  auto r = sov::alerts::deliver(sink, event_payload(false));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), sov::ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().to_string(), HasSubstr("absent.sock"));
}

TEST(AlertsSink, RefusedWebhookIsUnavailableAndHttpsIsVerified) {
  sov::alerts::SinkConfig s;
  s.kind = "webhook";
  s.url = "http://127.0.0.1:" + std::to_string(sov::testing::free_port()) + "/hook";
  s.timeout = 1s;
  auto r = sov::alerts::deliver(s, "{}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), sov::ErrorCode::kUnavailable);
  // https is attempted like http (a refused port is unavailable, retried); certificate checks
  // are AlertsDelivery.AlertmanagerOverHttpsWithItsCa.
  s.url = "https://127.0.0.1:" + std::to_string(sov::testing::free_port()) + "/hook";
  auto tls = sov::alerts::deliver(s, "{}");
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code(), sov::ErrorCode::kUnavailable) << tls.error().to_string();
}

// ---------------------------------------------------------------------------------------------
// End to end.

// A webhook receiver on loopback: answers 500 to the first request, never answers the second
// (the sink's deadline cuts it), then 200 to every later one, keeping their bodies and headers.
class FlakyReceiver {
 public:
  FlakyReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 64);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~FlakyReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<std::string> bodies() {
    std::lock_guard l(mu_);
    return bodies_;
  }
  std::vector<std::string> requests() {
    std::lock_guard l(mu_);
    return requests_;
  }
  int seen() const { return seen_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string req = read_request(c);
      int n = ++seen_;
      if (n == 1) {
        send_all(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
      } else if (n == 2) {
        // Silent: hold the connection past the sink's 500 ms deadline.
        for (int i = 0; i < 30 && !stop_; ++i) std::this_thread::sleep_for(50ms);
      } else {
        {
          std::lock_guard l(mu_);
          requests_.push_back(req);
          bodies_.push_back(req.substr(req.find("\r\n\r\n") + 4));
        }
        send_all(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      }
      ::close(c);
    }
  }
  static void send_all(int c, const std::string& s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); }
  static std::string read_request(int c) {
    std::string in;
    char buf[8192];
    while (true) {
      auto h = in.find("\r\n\r\n");
      if (h != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        size_t len = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= h + 4 + len) return in;
      }
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return in;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return in;
      in.append(buf, static_cast<size_t>(n));
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> seen_{0};
  std::mutex mu_;
  std::vector<std::string> bodies_, requests_;
  std::thread thread_;
};

// The demo estate's declared targets (in-force SecNumCloud failures on one of them) with the
// alerts given.
std::string estate(const sov::testing::TempDir& dir, int http_port, const std::string& alerts) {
  std::string src = sov::testing::source_dir();
  std::string demo = sov::testing::read_file(src + "/packaging/examples/demo/sovereignd.yaml");
  auto from = demo.find("targets:");
  auto to = demo.find("  # Real TLS endpoints");
  std::string t = "node: test-node\nstore: " + dir.file("state.db") + "\n" + "rules: [" + src +
                  "/rules]\n" + "schedule:\n  interval: 1h\n  jitter: 0%\n  probe_timeout: 2s\n" +
                  demo.substr(from, to - from) + alerts +
                  "http:\n  listen: 127.0.0.1:" + std::to_string(http_port) +
                  "\ncontrol:\n  socket: " + dir.file("control.sock") + "\n";
  return t;
}

std::vector<sov::store::OutboxItem> outbox(const sov::testing::TempDir& dir) {
  sov::store::StoreOptions ro;
  ro.read_only = true;
  auto st = sov::store::Store::open(dir.file("state.db"), ro);
  if (!st) return {};
  auto items = (*st)->outbox_items();
  return items ? *items : std::vector<sov::store::OutboxItem>{};
}

TEST(AlertsDelivery, FlakyWebhookGetsEveryAlertOnceItRecovers) {
  sov::testing::TempDir dir;
  FlakyReceiver receiver;
  dir.write("hook-headers", "X-Sovereignd-Secret: s3cret-for-test\nX-Team: sec\n");
  std::string alerts =
      "alerts:\n  - kind: webhook\n    url: http://127.0.0.1:" + std::to_string(receiver.port()) +
      "/hook\n    timeout: 500ms\n" + "    headers_file: " + dir.file("hook-headers") + "\n";
  std::string cfg = dir.write("sovereignd.yaml", estate(dir, sov::testing::free_port(), alerts));
  sov::testing::DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();
  ASSERT_TRUE(d.wait_log("alerts.delivery_failed", 20s)) << d.log();
  // Every enqueued item is delivered in the end, in spite of the 500 and the silent answer.
  bool drained = false;
  for (int i = 0; i < 600 && !drained; ++i) {
    auto r = sov::control::call(dir.file("control.sock"), {"status", Json::object()}, 2s);
    drained = r && r->data["alerts_pending"] == 0 && !receiver.bodies().empty();
    if (!drained) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(drained) << d.log();
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait_exit(20s), 0) << d.log();
  auto items = outbox(dir);
  ASSERT_FALSE(items.empty());
  for (const auto& it : items) EXPECT_TRUE(it.delivered.has_value()) << it.dedup_key;
  // Each item reached the receiver (at least once: a request the sink gave up on may still
  // have been read by the receiver later, and is then sent again).
  auto bodies = receiver.bodies();
  std::set<std::string> distinct(bodies.begin(), bodies.end());
  std::set<std::string> sent;
  for (const auto& it : items) sent.insert(it.payload);
  EXPECT_EQ(distinct, sent);
  EXPECT_GE(bodies.size(), items.size());
  EXPECT_THAT(d.log(), HasSubstr("HTTP 500"));
  EXPECT_THAT(d.log(), HasSubstr("alerts.delivery_failed"));
  auto reqs = receiver.requests();
  ASSERT_FALSE(reqs.empty());
  // Signed, the extra header sent, the secret never.
  for (size_t i = 0; i < reqs.size(); ++i) {
    std::string body = receiver.bodies()[i];
    EXPECT_THAT(reqs[i], HasSubstr("X-Sovereignd-Signature: sha256=" +
                                   sov::alerts::hmac_sha256_hex("s3cret-for-test", body)));
    EXPECT_THAT(reqs[i], HasSubstr("X-Team: sec"));
    EXPECT_EQ(reqs[i].find("s3cret-for-test"), std::string::npos);
    Json p = Json::parse(body);
    EXPECT_EQ(p["version"], "4");
  }
  EXPECT_EQ(d.log().find("s3cret-for-test"), std::string::npos);
}

TEST(AlertsDelivery, UndeliveredAlertsSurviveSigkillAndAreDeliveredAfterRestart) {
  sov::testing::TempDir dir;
  int hook_port = sov::testing::free_port();  // nobody listens yet
  std::string alerts =
      "alerts:\n  - kind: webhook\n    url: http://127.0.0.1:" + std::to_string(hook_port) +
      "/hook\n    timeout: 500ms\n";
  std::string cfg = dir.write("sovereignd.yaml", estate(dir, sov::testing::free_port(), alerts));
  {
    sov::testing::DaemonProcess d(dir);
    d.start(cfg);
    ASSERT_TRUE(d.wait_log("alerts.delivery_failed", 20s)) << d.log();
    d.signal(SIGKILL);
    ASSERT_EQ(d.wait_exit(5s), -SIGKILL);
  }
  auto before = outbox(dir);
  ASSERT_FALSE(before.empty());
  for (const auto& it : before) EXPECT_FALSE(it.delivered.has_value());

  // The receiver comes up on that port: a plain 200 server.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(hook_port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::listen(fd, 64);
  std::atomic<bool> stop{false};
  std::atomic<int> got{0};
  std::thread server([&] {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd, nullptr, nullptr);
      char buf[65536];
      ::recv(c, buf, sizeof buf, 0);
      std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      ::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
      ::close(c);
      ++got;
    }
  });
  sov::testing::DaemonProcess again(dir);
  again.start(cfg);
  ASSERT_TRUE(again.wait_notify("READY=1", 20s));
  bool done = false;
  for (int i = 0; i < 200 && !done; ++i) {
    auto r = sov::control::call(dir.file("control.sock"), {"status", Json::object()}, 2s);
    done = r && r->data["alerts_pending"] == 0 && got.load() > 0;
    if (!done) std::this_thread::sleep_for(50ms);
  }
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait_exit(20s), 0);
  stop = true;
  server.join();
  ::close(fd);
  auto after = outbox(dir);
  for (const auto& b : before) {
    bool delivered = false;
    for (const auto& x : after) delivered |= x.id == b.id && x.delivered.has_value();
    EXPECT_TRUE(delivered) << b.dedup_key;
  }
}

// GET over https with the receiver's CA, through the client the sinks use; "" on any failure.
std::string https_get(int port, const std::string& path, const std::string& ca_file) {
  boost::asio::io_context io;
  sov::net::HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(port) + path;
  req.ca_file = ca_file;
  std::string body;
  sov::net::async_http(io, req, std::chrono::steady_clock::now() + 2s,
                       [&](sov::Result<sov::net::HttpResponse> r) {
                         if (r && r->status == 200) body = r->body;
                       });
  io.run();
  return body;
}

// A real Alertmanager (Debian prometheus-alertmanager) on a free loopback port, clustering off,
// its storage in the test's directory; over https when given a web config naming a certificate
// (`ca_file` is then the trust anchor the test reads its API with).
class Alertmanager {
 public:
  explicit Alertmanager(const sov::testing::TempDir& dir, std::string web_config = "",
                        std::string ca_file = "")
      : port_(sov::testing::free_port()), ca_file_(std::move(ca_file)) {
    std::string cfg =
        dir.write("am.yml", "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
    std::string web = web_config.empty() ? "" : dir.write("am-web.yml", web_config);
    std::string log = dir.file("am.log");
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::string a1 = "--config.file=" + cfg;
      std::string a2 = "--storage.path=" + dir.file("am-data");
      std::string a3 = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      std::string a4 = "--web.config.file=" + web;
      ::execl(kBinary, kBinary, a1.c_str(), a2.c_str(), a3.c_str(),
              "--cluster.listen-address=", web.empty() ? static_cast<char*>(nullptr) : a4.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (get("/-/ready").find("OK") != std::string::npos) break;
      std::this_thread::sleep_for(50ms);
    }
  }
  ~Alertmanager() {
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  int port() const { return port_; }
  std::string get(const std::string& path) const {
    return ca_file_.empty() ? sov::testing::http_get(port_, path)
                            : https_get(port_, path, ca_file_);
  }
  Json alerts() const {
    Json j = Json::parse(get("/api/v2/alerts"), nullptr, false);
    return j.is_discarded() ? Json::array() : j;
  }
  static constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";

 private:
  int port_;
  std::string ca_file_;
  pid_t pid_ = -1;
};

const Json* find_alert(const Json& list, const std::string& target, const std::string& rule) {
  for (const auto& a : list) {
    const Json& l = a["labels"];
    if (l.value("target", "") == target && l.value("rule_id", "") == rule) return &a;
  }
  return nullptr;
}

TEST(AlertsDelivery, AlertmanagerShowsTheFailureThenItsResolution) {
  ASSERT_TRUE(std::filesystem::exists(Alertmanager::kBinary))
      << "install prometheus-alertmanager (run.sh deps)";
  sov::testing::TempDir dir;
  Alertmanager am(dir);
  std::string alerts =
      "alerts:\n  - kind: alertmanager\n    url: http://127.0.0.1:" + std::to_string(am.port()) +
      "\n    timeout: 2s\n";
  std::string text = estate(dir, sov::testing::free_port(), alerts);
  std::string cfg = dir.write("sovereignd.yaml", text);
  sov::testing::DaemonProcess d(dir);
  d.start(cfg);
  ASSERT_TRUE(d.wait_notify("READY=1", 20s)) << d.log();
  const std::string rule = "SNC-19.6-b1";  // capital held outside the EU: fails on AWS
  Json firing;
  for (int i = 0; i < 200; ++i) {
    Json list = am.alerts();
    if (const Json* a = find_alert(list, "hdh-aws-paris", rule)) {
      firing = *a;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(firing.is_null()) << d.log();
  EXPECT_EQ(firing["labels"]["alertname"], "SovereigndCheckFailing");
  EXPECT_EQ(firing["labels"]["host"], "test-node");
  EXPECT_EQ(firing["status"]["state"], "active");

  // The same target now declares the French provider's facts: the rule passes, and sovereignd
  // sends the alert again with endsAt.
  auto from = text.find("  - id: hdh-aws-paris");
  auto scw = text.find("  - id: hdh-scaleway-paris");
  auto end = text.find("alerts:\n");
  std::string block = text.substr(scw, end - scw);
  block.replace(0, std::string("  - id: hdh-scaleway-paris").size(), "  - id: hdh-aws-paris");
  std::string fixed = text.substr(0, from) + block + text.substr(end);
  dir.write("sovereignd.yaml", fixed);
  auto r = sov::control::call(dir.file("control.sock"), {"reload", Json::object()}, 5s);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->result, 0) << r->text;
  r = sov::control::call(dir.file("control.sock"), {"scan-now", Json{{"target", "hdh-aws-paris"}}},
                         5s);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->result, 0) << r->text;
  bool resolved = false;
  for (int i = 0; i < 200 && !resolved; ++i) {
    Json list = am.alerts();
    const Json* a = find_alert(list, "hdh-aws-paris", rule);
    resolved = a == nullptr || (*a)["status"]["state"] != "active" ||
               sov::parse_time((*a)["endsAt"].get<std::string>().substr(0, 19) + "Z") <=
                   sov::SystemClock().now();
    if (!resolved) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(resolved) << d.log();
  ASSERT_TRUE(
      d.wait_log("alerts.delivered sink=alertmanager key=\"resolved|hdh-aws-paris|" + rule, 10s))
      << d.log();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(20s), 0);
}

// An Alertmanager served over https: the sink verifies its certificate against the configured
// CA, and refuses it against another one (no switch turns verification off).
TEST(AlertsDelivery, AlertmanagerOverHttpsWithItsCa) {
  ASSERT_TRUE(std::filesystem::exists(Alertmanager::kBinary))
      << "install prometheus-alertmanager (run.sh deps)";
  sov::testing::TempDir dir;
  sov::testing::TestPki pki;
  auto root = pki.self_signed(sov::testing::TestPki::ca_spec("Receiver Root"));
  auto leaf = pki.issue(sov::testing::TestPki::leaf_spec(), root);
  auto other = pki.self_signed(sov::testing::TestPki::ca_spec("Another Root"));
  std::string ca = dir.write("ca.pem", root.cert_pem());
  std::string wrong_ca = dir.write("other.pem", other.cert_pem());
  std::string web = "tls_server_config:\n  cert_file: " + dir.write("am.crt", leaf.cert_pem()) +
                    "\n  key_file: " + dir.write("am.key", leaf.key_pem()) + "\n";
  Alertmanager am(dir, web, ca);
  ASSERT_NE(am.get("/-/ready").find("OK"), std::string::npos) << "alertmanager did not start";

  // Now, not kT0: Alertmanager refuses an alert that starts after its default end.
  const TimePoint now = sov::SystemClock().now();
  auto ev = sov::alerts::derive(state({finding("R-TLS", Status::kFail, now)}, now), nullptr, {"n"});
  ASSERT_FALSE(ev.empty());
  std::string payload = Json::array({sov::alerts::alertmanager_alert(ev[0])}).dump();
  auto sink =
      sov::alerts::sink_from_json(Json{{"kind", "alertmanager"},
                                       {"url", "https://127.0.0.1:" + std::to_string(am.port())},
                                       {"timeout", "3s"},
                                       {"ca_file", ca}});
  ASSERT_TRUE(sink) << sink.error().to_string();
  auto sent = sov::alerts::deliver(*sink, payload);
  ASSERT_TRUE(sent) << sent.error().to_string();
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    for (const auto& a : am.alerts()) seen = seen || a["labels"].value("rule_id", "") == "R-TLS";
    if (!seen) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(seen);

  sink->ca_file = wrong_ca;
  auto refused = sov::alerts::deliver(*sink, payload);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().to_string(), ::testing::HasSubstr("certificate verify failed"));
}

}  // namespace
