// SPDX-License-Identifier: Apache-2.0
// Pure parts of the TLS probe: endpoint parsing, the hand-built ClientHello and ServerHello
// reader, chain analysis from PEM/DER, and the fact schema.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "daemon/net/net.h"
#include "probes/tls/chain.h"
#include "probes/tls/hello.h"
#include "probes/tls/tls_probe.h"
#include "tests/support/test_pki.h"

namespace sov::probes::tls {
namespace {

using model::Json;
using State = ServerHelloReading::State;

TEST(HostPort, ParsesNamesAddressesAndRejectsBadPorts) {
  auto a = net::parse_host_port("example.fr:443");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "example.fr");
  EXPECT_EQ(a->port, 443);
  auto b = net::parse_host_port("[::1]:8443");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->to_string(), "[::1]:8443");
  EXPECT_FALSE(net::parse_host_port("example.fr"));
  EXPECT_FALSE(net::parse_host_port("example.fr:0"));
  EXPECT_FALSE(net::parse_host_port("example.fr:70000"));
  EXPECT_FALSE(net::parse_host_port(":443"));
  EXPECT_FALSE(net::parse_host_port("::1:443"));
  EXPECT_EQ(net::parse_host_port("x:99999").error().message(),
            "'x:99999': port must be a number from 1 to 65535");
}

// A ServerHello record choosing `suite` (and compression method `compression`), optionally split
// over two records.
std::string server_hello(uint16_t suite, bool split, char compression = '\0') {
  std::string body;
  body += std::string("\x03\x03", 2);
  body += std::string(32, 'r');
  body += std::string("\x20", 1) + std::string(32, 's');
  body.push_back(static_cast<char>(suite >> 8));
  body.push_back(static_cast<char>(suite & 0xff));
  body.push_back(compression);
  std::string hs;
  hs.push_back(2);
  hs.push_back(0);
  hs.push_back(static_cast<char>(body.size() >> 8));
  hs.push_back(static_cast<char>(body.size() & 0xff));
  hs += body;
  auto record = [](const std::string& payload) {
    std::string r("\x16\x03\x03", 3);
    r.push_back(static_cast<char>(payload.size() >> 8));
    r.push_back(static_cast<char>(payload.size() & 0xff));
    return r + payload;
  };
  if (!split) return record(hs);
  return record(hs.substr(0, 10)) + record(hs.substr(10));
}

TEST(ServerHelloReader, ReadsTheChosenSuiteEvenWhenSplitOverRecords) {
  for (bool split : {false, true}) {
    std::string data = server_hello(0x000A, split);
    auto r = read_server_hello(data);
    EXPECT_EQ(r.state, State::kServerHello);
    EXPECT_EQ(r.suite, 0x000A);
    EXPECT_EQ(r.version, 0x0303);
    // Every strict prefix asks for more bytes.
    for (size_t n = 0; n + 1 < data.size(); ++n) {
      EXPECT_EQ(read_server_hello(data.substr(0, n)).state, State::kNeedMore) << n;
    }
  }
}

// No server on this machine can compress (Debian's OpenSSL 3 and GnuTLS 3.7 are built without
// TLS compression), so the DEFLATE answer is tested on the reader; the probe test covers "none".
TEST(ServerHelloReader, ReadsTheCompressionMethod) {
  auto none = read_server_hello(server_hello(0xC02F, false));
  ASSERT_EQ(none.state, State::kServerHello);
  EXPECT_EQ(none.compression, 0);
  auto deflate = read_server_hello(server_hello(0xC02F, true, '\x01'));
  ASSERT_EQ(deflate.state, State::kServerHello);
  EXPECT_EQ(deflate.compression, 1);
}

TEST(ServerHelloReader, ReportsAlertsAndNonTls) {
  auto alert = read_server_hello(std::string("\x15\x03\x03\x00\x02\x02\x28", 7));
  EXPECT_EQ(alert.state, State::kAlert);
  EXPECT_EQ(alert.alert, 40);  // handshake_failure
  auto http = read_server_hello("HTTP/1.1 400 Bad Request\r\n");
  EXPECT_EQ(http.state, State::kNotTls);
  auto not_hello = read_server_hello(std::string("\x16\x03\x03\x00\x04\x0b\x00\x00\x00", 9));
  EXPECT_EQ(not_hello.state, State::kMalformed);
  auto huge = read_server_hello(std::string("\x16\x03\x03\xff\xff", 5));
  EXPECT_EQ(huge.state, State::kMalformed);
}

TEST(ClientHello, IsOneHandshakeRecordListingTheSuitesAndTheName) {
  std::string hello = build_client_hello({0x000A, 0xC012}, "example.fr");
  ASSERT_GT(hello.size(), 50u);
  EXPECT_EQ(hello[0], 0x16);
  size_t record_len =
      (static_cast<unsigned char>(hello[3]) << 8) | static_cast<unsigned char>(hello[4]);
  EXPECT_EQ(record_len + 5, hello.size());
  EXPECT_EQ(hello[5], 1);  // client_hello
  EXPECT_NE(hello.find(std::string("\x00\x0a\xc0\x12\x00\xff", 6)), std::string::npos);
  EXPECT_NE(hello.find("example.fr"), std::string::npos);
  // Compression methods follow the suites (ending with the renegotiation SCSV): null only, or
  // DEFLATE then null when asked.
  EXPECT_NE(hello.find(std::string("\x00\xff\x01\x00", 4)), std::string::npos);
  std::string deflate = build_client_hello({0x000A}, "", true);
  EXPECT_NE(deflate.find(std::string("\x00\xff\x02\x01\x00", 5)), std::string::npos);
}

TEST(WeakSuites, HaveUniqueIdsAndIanaNames) {
  std::set<uint16_t> ids;
  for (const auto& s : weak_suites()) {
    EXPECT_TRUE(ids.insert(s.id).second) << s.name;
    EXPECT_EQ(std::string(s.name).rfind("TLS_", 0), 0u) << s.name;
  }
  EXPECT_EQ(weak_suite_name(0x000A), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_EQ(weak_suite_name(0x1301), "0x1301");
}

TEST(ChainAnalysis, ReadsPemAndDerChains) {
  testing::TestPki pki;
  auto root = pki.self_signed(testing::TestPki::ca_spec("Root", testing::KeyKind::kEcP384));
  auto spec = testing::TestPki::leaf_spec(testing::KeyKind::kRsa2048);
  spec.crl_url = "http://127.0.0.1:1/ca.crl";
  spec.ocsp_url = "http://127.0.0.1:1/ocsp";
  auto leaf = pki.issue(spec, root);
  TimePoint now = std::chrono::system_clock::now();
  for (const std::string& data : {leaf.cert_pem() + root.cert_pem(), leaf.der() + root.der()}) {
    auto facts = analyze_encoded_chain(data, "localhost", now);
    ASSERT_TRUE(facts) << facts.error().to_string();
    EXPECT_EQ((*facts)["length"], 2);
    EXPECT_EQ((*facts)["hostname_match"], true);
    const Json& l = (*facts)["certs"][0];
    EXPECT_EQ(l["subject"]["cn"], "localhost");
    EXPECT_EQ(l["subject"]["o"], "Sovereign Test Site");
    EXPECT_EQ(l["issuer"]["cn"], "Root");
    EXPECT_EQ(l["issuer"]["c"], "FR");
    EXPECT_EQ(l["key"]["type"], "RSA");
    EXPECT_EQ(l["key"]["bits"], 2048);
    EXPECT_TRUE(l["key"]["curve"].is_null());
    EXPECT_EQ(l["signature_algorithm"], "ecdsa-with-SHA256");
    EXPECT_EQ(l["san"], Json::array({"localhost", "127.0.0.1"}));
    EXPECT_EQ(l["crl_urls"], Json::array({"http://127.0.0.1:1/ca.crl"}));
    EXPECT_EQ(l["ocsp_urls"], Json::array({"http://127.0.0.1:1/ocsp"}));
    EXPECT_EQ(l["is_ca"], false);
    EXPECT_EQ(l["self_signed"], false);
    EXPECT_EQ(l["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(l["days_left"], 89);
    EXPECT_NEAR(l["lifetime_days"].get<double>(), 90.0, 0.001);
    const Json& r = (*facts)["certs"][1];
    EXPECT_EQ(r["key"]["type"], "EC");
    EXPECT_EQ(r["key"]["bits"], 384);
    EXPECT_EQ(r["key"]["curve"], "secp384r1");
    EXPECT_EQ(r["is_ca"], true);
    EXPECT_EQ(r["self_signed"], true);
  }
  EXPECT_FALSE(analyze_encoded_chain("not a certificate", "x", now));
  EXPECT_FALSE(analyze_encoded_chain(leaf.der().substr(0, 100), "x", now));
}

TEST(ChainAnalysis, CleansInvalidUtf8) {
  EXPECT_EQ(clean_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(clean_utf8("a\xff"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(clean_utf8("\xc0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong NUL
}

TEST(TlsFactSchema, NamesEveryFactOfTheIssueOnce) {
  std::set<std::string> paths;
  for (const auto& e : tls_fact_schema()) {
    EXPECT_TRUE(paths.insert(e.path).second) << e.path;
    EXPECT_FALSE(e.description.empty()) << e.path;
    EXPECT_EQ(e.producer, "tls");
  }
  for (const char* p : {"tls.endpoint.host",
                        "tls.endpoint.port",
                        "tls.endpoint.sni",
                        "tls.endpoint.address",
                        "tls.handshake.ok",
                        "tls.handshake.error",
                        "tls.protocol",
                        "tls.cipher",
                        "tls.group",
                        "tls.alpn",
                        "tls.ocsp.stapled",
                        "tls.versions.accepted",
                        "tls.versions.untestable",
                        "tls.ciphers.weak_accepted",
                        "tls.compression",
                        "tls.chain.verified",
                        "tls.chain.error",
                        "tls.chain.hostname_match",
                        "tls.chain.length",
                        "tls.chain.served_complete",
                        "tls.chain.certs[*].subject.cn",
                        "tls.chain.certs[*].issuer.o",
                        "tls.chain.certs[*].serial",
                        "tls.chain.certs[*].not_before",
                        "tls.chain.certs[*].not_after",
                        "tls.chain.certs[*].days_left",
                        "tls.chain.certs[*].lifetime_days",
                        "tls.chain.certs[*].key.type",
                        "tls.chain.certs[*].key.bits",
                        "tls.chain.certs[*].key.curve",
                        "tls.chain.certs[*].signature_algorithm",
                        "tls.chain.certs[*].san",
                        "tls.chain.certs[*].sha256",
                        "tls.chain.certs[*].is_ca",
                        "tls.chain.certs[*].self_signed",
                        "tls.chain.certs[*].ocsp_urls",
                        "tls.chain.certs[*].crl_urls",
                        "tls.leaf.not_after",
                        "tls.anchor.subject.o",
                        "tls.anchor.subject.c",
                        "tls.revocation.status",
                        "tls.revocation.source"}) {
    EXPECT_TRUE(paths.count(p)) << p;
  }
}

}  // namespace
}  // namespace sov::probes::tls
