// SPDX-License-Identifier: Apache-2.0
// The PostgreSQL probe against a real PostgreSQL 15 (Debian's /usr/lib/postgresql/15) started by
// the suite on 127.0.0.1 with a certificate from the test PKI, restarted with each pg_hba.conf
// variant; and against a silent and a garbage-answering loopback server.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/base/time.h"
#include "probes/storage/storage_probe.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_server.h"

namespace sov::probes::storage {
namespace {

using model::Json;
namespace fs = std::filesystem;

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs a command as `nobody` when we are root (PostgreSQL refuses to run as root).
int as_server_user(const std::string& cmd) {
  std::string full = ::geteuid() == 0 ? "runuser -u nobody -- " + cmd : cmd;
  return std::system((full + " >/dev/null 2>&1").c_str());
}

// One PostgreSQL cluster for the suite: initdb once, restarted for each configuration.
class PgServer {
 public:
  PgServer() {
    fs::permissions(dir_.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    data_ = dir_.path() + "/data";
    fs::create_directory(data_);
    fs::permissions(data_, fs::perms::owner_all);
    if (::geteuid() == 0) std::system(("chown nobody " + data_).c_str());
    port_ = free_port();
    ok_ = as_server_user(std::string(kPgBin) + "/initdb -D " + data_ +
                         " -A reject -U postgres --no-sync --no-instructions") == 0;
    if (!ok_) return;
    testing::TestPki pki;
    root_ = pki.self_signed(testing::TestPki::ca_spec("Test Root"));
    auto leaf = pki.issue(testing::TestPki::leaf_spec(), root_);
    std::ofstream(data_ + "/server.crt") << leaf.cert_pem();
    std::ofstream(data_ + "/server.key") << leaf.key_pem();
    ca_file_ = dir_.write("ca.pem", root_.cert_pem());
    fs::permissions(data_ + "/server.key", fs::perms::owner_read | fs::perms::owner_write);
    if (::geteuid() == 0) std::system(("chown nobody " + data_ + "/server.*").c_str());
    std::ofstream(data_ + "/postgresql.conf", std::ios::app)
        << "listen_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '"
        << data_ << "'\nssl_cert_file = 'server.crt'\n"
        << "ssl_key_file = 'server.key'\nfsync = off\ninclude_if_exists = 'variant.conf'\n";
  }
  ~PgServer() { stop(); }

  // Restarts with `ssl` on or off and this pg_hba.conf.
  bool start(bool ssl, const std::string& hba) {
    stop();
    std::ofstream(data_ + "/variant.conf") << "ssl = " << (ssl ? "on" : "off") << "\n";
    std::ofstream(data_ + "/pg_hba.conf") << hba;
    running_ = as_server_user(std::string(kPgBin) + "/pg_ctl -D " + data_ + " -l " + data_ +
                              "/log -w -t 30 start") == 0;
    return running_;
  }
  void stop() {
    if (!running_) return;
    (void)as_server_user(std::string(kPgBin) + "/pg_ctl -D " + data_ + " -m immediate -w stop");
    running_ = false;
  }
  bool ok() const { return ok_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& ca_file() const { return ca_file_; }
  std::string log() const { return testing::read_file(data_ + "/log"); }

 private:
  testing::TempDir dir_;
  std::string data_;
  std::string ca_file_;
  testing::Credential root_;
  uint16_t port_ = 0;
  bool ok_ = false;
  bool running_ = false;
};

ProbeResult probe_pg(const std::string& endpoint, const std::string& ca_file = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  SystemClock clock;
  PostgresProbe probe;
  model::Target t;
  t.id = "db";
  t.kind = "postgres";
  t.spec = {{"endpoint", endpoint}, {"tls", {{"mode", "handshake"}}}};
  if (!ca_file.empty()) t.spec["ca_file"] = ca_file;
  return probe_once(probe, t, timeout, clock);
}

const Json& PG(const ProbeResult& r) { return r.facts.doc().at("postgres"); }

class PostgresProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fs::exists(std::string(kPgBin) + "/initdb")) server_ = new PgServer();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << kPgBin << "/initdb is missing (postgresql-15)";
    ASSERT_TRUE(server_->ok()) << "initdb failed";
  }
  static PgServer* server_;
};
PgServer* PostgresProbeTest::server_ = nullptr;

TEST_F(PostgresProbeTest, HostsslOnlyRefusesPlaintext) {
  ASSERT_TRUE(server_->start(true,
                             "hostssl all all 127.0.0.1/32 scram-sha-256\n"
                             "hostnossl all all 127.0.0.1/32 reject\n"));
  auto r = probe_pg(server_->endpoint(), server_->ca_file());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(PG(r)["ssl_answer"], "S");
  EXPECT_EQ(PG(r)["tls"], true) << PG(r).dump(2);
  EXPECT_EQ(PG(r)["plaintext_refused"], true) << PG(r).dump(2);
  EXPECT_EQ(PG(r)["sqlstate"], "28000");
  EXPECT_NE(PG(r)["plaintext_answer"].get<std::string>().find("no encryption"), std::string::npos);
  // The TLS probe's facts are kept: the chain verifies against the test root.
  ASSERT_TRUE(r.facts.doc().contains("tls")) << r.facts.doc().dump(2);
  EXPECT_EQ(r.facts.doc()["tls"]["chain"]["verified"], true) << r.facts.doc()["tls"].dump(2);
  EXPECT_EQ(PG(r)["endpoint"], server_->endpoint());
}

TEST_F(PostgresProbeTest, HostLineAcceptsPlaintextAndNoPasswordIsSent) {
  ASSERT_TRUE(server_->start(true, "host all all 127.0.0.1/32 scram-sha-256\n"));
  auto r = probe_pg(server_->endpoint(), server_->ca_file());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(PG(r)["ssl_answer"], "S");
  EXPECT_EQ(PG(r)["plaintext_refused"], false) << PG(r).dump(2);
  EXPECT_EQ(PG(r)["plaintext_answer"], "authentication request: SASL (SCRAM)");
  EXPECT_TRUE(PG(r)["unknown"].empty()) << PG(r)["unknown"];
  // The probe hung up at the authentication request: the server logged no failed password.
  EXPECT_EQ(server_->log().find("password authentication failed"), std::string::npos)
      << server_->log();
}

TEST_F(PostgresProbeTest, SslOffAnswersNAndAcceptsPlaintext) {
  ASSERT_TRUE(server_->start(false, "host all all 127.0.0.1/32 scram-sha-256\n"));
  auto r = probe_pg(server_->endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(PG(r)["ssl_answer"], "N");
  EXPECT_EQ(PG(r)["tls"], false);
  EXPECT_FALSE(r.facts.doc().contains("tls"));
  EXPECT_EQ(PG(r)["plaintext_refused"], false);
}

TEST_F(PostgresProbeTest, TrustLineAcceptsPlaintext) {
  // trust: the server says AuthenticationOk before it looks the role up.
  ASSERT_TRUE(server_->start(true, "host all all 127.0.0.1/32 trust\n"));
  auto r = probe_pg(server_->endpoint(), server_->ca_file());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(PG(r)["plaintext_refused"], false) << PG(r).dump(2);
  EXPECT_EQ(PG(r)["plaintext_answer"], "authentication request: none (trust)");
}

// A scripted PostgreSQL look-alike: answers 'N' to SSLRequest, then a fixed reply to the
// StartupMessage. Exists because a real server's "too many clients" (any error that is not
// about encryption) cannot be produced reliably on demand.
class ScriptedPg {
 public:
  explicit ScriptedPg(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (int i = 0; i < 2; ++i) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[512];
        (void)::read(c, buf, sizeof buf);
        std::string out = i == 0 ? std::string("N") : reply_;
        (void)::write(c, out.data(), out.size());
        ::close(c);
      }
    });
  }
  ~ScriptedPg() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

std::string error_response(const std::string& sqlstate, const std::string& message) {
  std::string body = "SFATAL";
  body.push_back('\0');
  body += "C" + sqlstate;
  body.push_back('\0');
  body += "M" + message;
  body.push_back('\0');
  body.push_back('\0');
  uint32_t len = static_cast<uint32_t>(body.size() + 4);
  std::string out = "E";
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(len >> shift));
  return out + body;
}

TEST(PostgresProbeScripted, OtherErrorIsUnknownWithTheReason) {
  ScriptedPg server(error_response("53300", "sorry, too many clients already"));
  auto r = probe_pg(server.endpoint(), "", std::chrono::seconds(5));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(PG(r)["ssl_answer"], "N");
  EXPECT_TRUE(PG(r)["plaintext_refused"].is_null());
  EXPECT_EQ(PG(r)["sqlstate"], "53300");
  EXPECT_NE(PG(r)["unknown"].dump().find("too many clients"), std::string::npos)
      << PG(r)["unknown"];
}

TEST(PostgresProbeScripted, UnknownRoleMeansPgHbaLetPlaintextThrough) {
  // A role or database error as the first answer: the plain connection got past pg_hba.conf.
  // (PostgreSQL itself sends AuthenticationOk or a challenge first, see above; the probe must
  // still not read this as a refusal for lack of encryption.)
  ScriptedPg server(error_response("28000", "role \"sovereignd\" does not exist"));
  auto r = probe_pg(server.endpoint(), "", std::chrono::seconds(5));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(PG(r)["plaintext_refused"], false) << PG(r).dump(2);
  EXPECT_EQ(PG(r)["sqlstate"], "28000");
}

TEST(PostgresProbeScripted, GarbageAfterSslRequestIsUnknown) {
  ScriptedPg server(std::string("\xff\x00garbage", 9));
  auto r = probe_pg(server.endpoint(), "", std::chrono::seconds(5));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(PG(r)["plaintext_refused"].is_null());
  EXPECT_NE(PG(r)["plaintext_answer"].get<std::string>().find("not a PostgreSQL message"),
            std::string::npos);
}

TEST(PostgresProbeHostile, SilentServerEndsByTheDeadline) {
  testing::HostileServer silent(testing::Hostility::kSilent);
  auto started = std::chrono::steady_clock::now();
  auto r = probe_pg(silent.endpoint(), "", std::chrono::milliseconds(1500));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find(silent.endpoint()), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_LT(took, std::chrono::milliseconds(3000));
}

TEST(PostgresProbeHostile, GarbageIsNotPostgres) {
  testing::HostileServer garbage(testing::Hostility::kGarbage);
  auto r = probe_pg(garbage.endpoint(), "", std::chrono::seconds(3));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("not a PostgreSQL answer to SSLRequest"), std::string::npos) << r.error;
}

TEST(PostgresProbeHostile, RefusedPortAndBadEndpoint) {
  auto refused = probe_pg("127.0.0.1:" + std::to_string(free_port()), "", std::chrono::seconds(3));
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("db (127.0.0.1:"), std::string::npos) << refused.error;
  auto bad = probe_pg("no-port-here", "", std::chrono::seconds(1));
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("endpoint"), std::string::npos) << bad.error;
}

}  // namespace
}  // namespace sov::probes::storage
