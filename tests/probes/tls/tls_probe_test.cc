// SPDX-License-Identifier: Apache-2.0
// The TLS probe against real servers on loopback: each test starts the server it needs with a
// chain generated now by TestPki and asserts the facts, not only that the probe ran.
#include "probes/tls/tls_probe.h"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_server.h"

namespace sov::probes::tls {
namespace {

using model::Json;
using sov::testing::Credential;
using sov::testing::KeyKind;
using sov::testing::LoopbackTlsServer;
using sov::testing::TestPki;
using sov::testing::TlsServerConfig;
using namespace std::chrono_literals;

constexpr int kTls10 = 0x0301;
constexpr int kTls11 = 0x0302;
constexpr int kTls12 = 0x0303;
constexpr int kTls13 = 0x0304;
// Modern suites only, so that a "good" server has no weak suite.
constexpr const char* kModern = "ECDHE+AESGCM:ECDHE+CHACHA20";

Json strings(std::initializer_list<const char*> items) {
  Json out = Json::array();
  for (const char* s : items) out.push_back(s);
  return out;
}

bool has_unknown(const Json& tls, const std::string& path) {
  for (const auto& u : tls["unknown"]) {
    if (u["path"] == path) return true;
  }
  return false;
}

class TlsProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = pki_.self_signed(TestPki::ca_spec("Sovereign Test Root"));
    intermediate_ = pki_.issue(TestPki::ca_spec("Sovereign Test Issuing CA"), root_);
    leaf_ = pki_.issue(TestPki::leaf_spec(), intermediate_);
    ca_file_ = dir_.file("roots.pem");
    TestPki::write_pem(ca_file_, {root_});
  }

  TlsServerConfig good_config(const Credential& leaf) {
    TlsServerConfig c;
    c.chain = {leaf, intermediate_};
    c.min_version = kTls12;
    c.ciphers = kModern;
    return c;
  }

  ProbeResult probe(const std::string& endpoint, Json extra = Json::object(),
                    std::chrono::milliseconds timeout = 10s) {
    model::Target t;
    t.id = "web";
    t.kind = "tls";
    t.spec = {{"endpoint", endpoint}, {"ca_file", ca_file_}};
    t.spec.update(extra);
    return probe_once(probe_, t, timeout, clock_);
  }

  static const Json& tls(const ProbeResult& r) { return r.facts.doc().at("tls"); }

  TestPki pki_;
  sov::testing::TempDir dir_;
  Credential root_, intermediate_, leaf_;
  std::string ca_file_;
  TlsProbe probe_;
  SystemClock clock_;
};

TEST_F(TlsProbeTest, RecordsAGoodEcdsaChainInFull) {
  LoopbackTlsServer server(good_config(leaf_));
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["mode"], "full");
  EXPECT_EQ(t["endpoint"]["host"], "127.0.0.1");
  EXPECT_EQ(t["endpoint"]["port"], server.port());
  EXPECT_TRUE(t["endpoint"]["sni"].is_null());  // no SNI for an address
  EXPECT_EQ(t["endpoint"]["address"], server.endpoint());
  EXPECT_EQ(t["handshake"]["ok"], true);
  EXPECT_TRUE(t["handshake"]["error"].is_null());
  EXPECT_EQ(t["protocol"], "TLSv1.3");
  EXPECT_EQ(t["cipher"], "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(t["group"], "x25519");
  EXPECT_TRUE(t["alpn"].is_null());
  EXPECT_EQ(t["ocsp"]["stapled"], false);
  EXPECT_EQ(t["versions"]["accepted"], strings({"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(t["versions"]["untestable"], Json::array());
  EXPECT_EQ(t["ciphers"]["weak_accepted"], Json::array());
  const Json& chain = t["chain"];
  EXPECT_EQ(chain["verified"], true);
  EXPECT_TRUE(chain["error"].is_null());
  EXPECT_EQ(chain["hostname_match"], true);
  EXPECT_EQ(chain["length"], 2);
  EXPECT_EQ(chain["served_complete"], true);
  EXPECT_EQ(chain["certs"][0], t["leaf"]);
  EXPECT_EQ(chain["certs"][1]["subject"]["cn"], "Sovereign Test Issuing CA");
  EXPECT_EQ(chain["certs"][1]["is_ca"], true);
  EXPECT_EQ(t["leaf"]["key"]["type"], "EC");
  EXPECT_EQ(t["leaf"]["key"]["bits"], 256);
  EXPECT_EQ(t["leaf"]["key"]["curve"], "prime256v1");
  EXPECT_EQ(t["leaf"]["signature_algorithm"], "ecdsa-with-SHA256");
  EXPECT_EQ(t["leaf"]["issuer"]["cn"], "Sovereign Test Issuing CA");
  EXPECT_EQ(t["anchor"]["subject"]["cn"], "Sovereign Test Root");
  EXPECT_EQ(t["anchor"]["subject"]["o"], "Sovereign Test CA");
  EXPECT_EQ(t["anchor"]["subject"]["c"], "FR");
  EXPECT_EQ(t["revocation"]["status"], "unknown");
  EXPECT_TRUE(t["revocation"]["source"].is_null());
  EXPECT_TRUE(has_unknown(t, "tls.revocation.status"));
  // Facts are JSON-serialisable and the source names the endpoint.
  EXPECT_NO_THROW((void)r.facts.doc().dump());
  ASSERT_NE(r.facts.source_for("tls.protocol"), nullptr);
  EXPECT_EQ(r.facts.source_for("tls.protocol")->where, "tls " + server.endpoint());
}

TEST_F(TlsProbeTest, RecordsAnRsaChainOverTls12WithSni) {
  auto root = pki_.self_signed(TestPki::ca_spec("RSA Root", KeyKind::kRsa2048));
  auto spec = TestPki::leaf_spec(KeyKind::kRsa2048);
  auto leaf = pki_.issue(spec, root);
  TestPki::write_pem(ca_file_, {root_, root});
  TlsServerConfig c;
  c.chain = {leaf};
  c.min_version = kTls12;
  c.max_version = kTls12;
  c.ciphers = kModern;
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), {{"sni", "localhost"}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["endpoint"]["sni"], "localhost");
  EXPECT_EQ(t["protocol"], "TLSv1.2");
  EXPECT_EQ(t["cipher"], "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  EXPECT_EQ(t["group"], "x25519");
  EXPECT_EQ(t["leaf"]["key"]["type"], "RSA");
  EXPECT_EQ(t["leaf"]["key"]["bits"], 2048);
  EXPECT_EQ(t["leaf"]["signature_algorithm"], "sha256WithRSAEncryption");
  EXPECT_EQ(t["chain"]["verified"], true);
  EXPECT_EQ(t["chain"]["hostname_match"], true);
  EXPECT_EQ(t["chain"]["served_complete"], true);
  EXPECT_EQ(t["anchor"]["subject"]["cn"], "RSA Root");
  EXPECT_EQ(t["versions"]["accepted"], strings({"TLSv1.2"}));
  // Offered DEFLATE in a TLS 1.2 hello, the server kept the null method.
  EXPECT_EQ(t["compression"], "none");
}

TEST_F(TlsProbeTest, ReportsAnExpiredLeaf) {
  auto spec = TestPki::leaf_spec();
  spec.not_before = -std::chrono::hours(24 * 100);
  spec.lifetime = std::chrono::hours(24 * 90 + 1);  // expired 9 days 23 hours ago
  LoopbackTlsServer server(good_config(pki_.issue(spec, intermediate_)));
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;  // a bad chain is a fact, not a failure
  const Json& t = tls(r);
  EXPECT_EQ(t["chain"]["verified"], false);
  EXPECT_EQ(t["chain"]["error"], "certificate has expired");
  EXPECT_EQ(t["leaf"]["days_left"], -10);
  EXPECT_EQ(t["leaf"]["lifetime_left_pct"], 0.0);
  EXPECT_TRUE(t["anchor"].is_null());
  EXPECT_TRUE(has_unknown(t, "tls.anchor"));
}

TEST_F(TlsProbeTest, ReportsANotYetValidLeaf) {
  auto spec = TestPki::leaf_spec();
  spec.not_before = std::chrono::hours(24 * 2);
  LoopbackTlsServer server(good_config(pki_.issue(spec, intermediate_)));
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(tls(r)["chain"]["verified"], false);
  EXPECT_EQ(tls(r)["chain"]["error"], "certificate is not yet valid");
}

TEST_F(TlsProbeTest, ReportsAnExpiringLeafWithItsLifetimeLeft) {
  auto spec = TestPki::leaf_spec();
  spec.not_before = -std::chrono::hours(24 * 80);
  spec.lifetime = std::chrono::hours(24 * 90) + 1h;
  LoopbackTlsServer server(good_config(pki_.issue(spec, intermediate_)));
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& leaf = tls(r)["leaf"];
  EXPECT_EQ(tls(r)["chain"]["verified"], true);
  EXPECT_EQ(leaf["days_left"], 10);
  EXPECT_NEAR(leaf["lifetime_left_pct"].get<double>(), 100.0 * 10.04 / 90.04, 0.2);
  EXPECT_NEAR(leaf["lifetime_days"].get<double>(), 90.04, 0.01);
}

TEST_F(TlsProbeTest, ReportsASelfSignedLeaf) {
  auto self = pki_.self_signed(TestPki::leaf_spec());
  TlsServerConfig c = good_config(self);
  c.chain = {self};
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["chain"]["verified"], false);
  EXPECT_EQ(t["chain"]["error"], "self-signed certificate");
  EXPECT_EQ(t["leaf"]["self_signed"], true);
  EXPECT_EQ(t["chain"]["served_complete"], true);
  EXPECT_EQ(t["chain"]["length"], 1);
}

TEST_F(TlsProbeTest, ReportsAnUntrustedRoot) {
  auto other_root = pki_.self_signed(TestPki::ca_spec("Unknown Root"));
  auto other_int = pki_.issue(TestPki::ca_spec("Unknown Issuing CA"), other_root);
  auto leaf = pki_.issue(TestPki::leaf_spec(), other_int);
  TlsServerConfig c = good_config(leaf);
  c.chain = {leaf, other_int, other_root};
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["chain"]["verified"], false);
  EXPECT_EQ(t["chain"]["error"], "self-signed certificate in certificate chain");
  EXPECT_EQ(t["chain"]["served_complete"], true);
  EXPECT_EQ(t["chain"]["length"], 3);
  EXPECT_TRUE(t["anchor"].is_null());
}

TEST_F(TlsProbeTest, ReportsAWrongHost) {
  auto spec = TestPki::leaf_spec();
  spec.cn = "other.example";
  spec.dns = {"other.example"};
  spec.ips = {};
  LoopbackTlsServer server(good_config(pki_.issue(spec, intermediate_)));
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(tls(r)["chain"]["verified"], true);  // trust and name are separate facts
  EXPECT_EQ(tls(r)["chain"]["hostname_match"], false);
  auto by_name =
      probe(server.endpoint(), {{"sni", "other.example"}, {"tls", {{"mode", "handshake"}}}});
  EXPECT_EQ(tls(by_name)["chain"]["hostname_match"], true);
}

TEST_F(TlsProbeTest, ReportsAMissingIntermediate) {
  TlsServerConfig c = good_config(leaf_);
  c.chain = {leaf_};
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["chain"]["verified"], false);
  EXPECT_EQ(t["chain"]["error"], "unable to get local issuer certificate");
  EXPECT_EQ(t["chain"]["served_complete"], false);
  // With the intermediate in the trust store the chain verifies, but is still not served whole.
  TestPki::write_pem(ca_file_, {root_, intermediate_});
  TlsProbe fresh;
  model::Target target;
  target.id = "web";
  target.spec = {
      {"endpoint", server.endpoint()}, {"ca_file", ca_file_}, {"tls", {{"mode", "handshake"}}}};
  auto r2 = probe_once(fresh, target, 10s, clock_);
  ASSERT_TRUE(r2.ok) << r2.error;
  EXPECT_EQ(tls(r2)["chain"]["verified"], true);
  EXPECT_EQ(tls(r2)["chain"]["served_complete"], false);
}

TEST_F(TlsProbeTest, ReportsSha1AndWeakRsaKeys) {
  auto sha1_spec = TestPki::leaf_spec(KeyKind::kRsa2048);
  sha1_spec.sha1 = true;
  auto rsa_int = pki_.issue(TestPki::ca_spec("Weak Issuing CA", KeyKind::kRsa1024), root_);
  auto weak_leaf = pki_.issue(TestPki::leaf_spec(KeyKind::kRsa1024), rsa_int);
  {
    TlsServerConfig c;
    c.chain = {pki_.issue(sha1_spec, intermediate_), intermediate_};
    LoopbackTlsServer server(c);
    auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(tls(r)["leaf"]["signature_algorithm"], "ecdsa-with-SHA1");
    EXPECT_EQ(tls(r)["leaf"]["key"]["bits"], 2048);
  }
  {
    TlsServerConfig c;
    c.chain = {weak_leaf, rsa_int};
    LoopbackTlsServer server(c);
    auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(tls(r)["leaf"]["key"]["type"], "RSA");
    EXPECT_EQ(tls(r)["leaf"]["key"]["bits"], 1024);
    EXPECT_EQ(tls(r)["chain"]["certs"][1]["key"]["bits"], 1024);
    EXPECT_EQ(tls(r)["chain"]["verified"], true);  // strength is for the rules to judge
  }
}

TEST_F(TlsProbeTest, FindsARevokedLeafInTheCrlAndCachesTheCrl) {
  std::string crl_body;
  sov::testing::LoopbackHttpServer http(
      [&](const std::string&, const std::string& path, const std::string&) {
        if (path != "/issuing.crl") return sov::testing::HttpAnswer{404, "", "text/plain"};
        return sov::testing::HttpAnswer{200, crl_body, "application/pkix-crl"};
      });
  auto spec = TestPki::leaf_spec();
  spec.crl_url = http.url("/issuing.crl");
  auto revoked = pki_.issue(spec, intermediate_);
  auto good = pki_.issue(spec, intermediate_);
  crl_body = pki_.crl(intermediate_, {revoked});
  {
    LoopbackTlsServer server(good_config(revoked));
    auto r = probe(server.endpoint());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(tls(r)["revocation"]["status"], "revoked");
    EXPECT_EQ(tls(r)["revocation"]["source"], "crl");
    EXPECT_EQ(tls(r)["leaf"]["crl_urls"], strings({spec.crl_url.c_str()}));
  }
  EXPECT_EQ(http.requests(), 1u);
  {
    LoopbackTlsServer server(good_config(good));
    auto r = probe(server.endpoint());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(tls(r)["revocation"]["status"], "good");
    EXPECT_EQ(tls(r)["revocation"]["source"], "crl");
  }
  EXPECT_EQ(http.requests(), 1u);  // cached until its nextUpdate
}

TEST_F(TlsProbeTest, RejectsACrlSignedByAnotherKey) {
  std::string crl_body;
  sov::testing::LoopbackHttpServer http(
      [&](const std::string&, const std::string&, const std::string&) {
        return sov::testing::HttpAnswer{200, crl_body};
      });
  auto spec = TestPki::leaf_spec();
  spec.crl_url = http.url("/c.crl");
  auto leaf = pki_.issue(spec, intermediate_);
  crl_body = pki_.crl(root_, {leaf});  // wrong issuer
  LoopbackTlsServer server(good_config(leaf));
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(tls(r)["revocation"]["status"], "unknown");
  EXPECT_TRUE(has_unknown(tls(r), "tls.revocation.status"));
}

TEST_F(TlsProbeTest, ReadsStapledOcspResponses) {
  for (bool revoked : {false, true}) {
    TlsServerConfig c = good_config(leaf_);
    c.ocsp_staple = pki_.ocsp_response(leaf_, intermediate_, revoked);
    LoopbackTlsServer server(c);
    auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(tls(r)["ocsp"]["stapled"], true);
    EXPECT_EQ(tls(r)["revocation"]["status"], revoked ? "revoked" : "good");
    EXPECT_EQ(tls(r)["revocation"]["source"], "ocsp-stapled");
  }
}

TEST_F(TlsProbeTest, AsksTheOcspResponderTheLeafNames) {
  Credential leaf;
  sov::testing::LoopbackHttpServer http(
      [&](const std::string& method, const std::string&, const std::string& body) {
        if (method != "POST" || body.empty()) return sov::testing::HttpAnswer{400, ""};
        return sov::testing::HttpAnswer{200, pki_.ocsp_response(leaf, intermediate_, true),
                                        "application/ocsp-response"};
      });
  auto spec = TestPki::leaf_spec();
  spec.ocsp_url = http.url("/ocsp");
  leaf = pki_.issue(spec, intermediate_);
  LoopbackTlsServer server(good_config(leaf));
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(tls(r)["revocation"]["status"], "revoked");
  EXPECT_EQ(tls(r)["revocation"]["source"], "ocsp");
}

TEST_F(TlsProbeTest, FindsTls10And11AndTheirCbcSuites) {
  TlsServerConfig c = good_config(leaf_);
  c.min_version = kTls10;
  c.max_version = kTls11;
  c.ciphers = "DEFAULT";
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["protocol"], "TLSv1.1");
  EXPECT_EQ(t["versions"]["accepted"], strings({"TLSv1", "TLSv1.1"}));
  const Json& weak = t["ciphers"]["weak_accepted"];
  ASSERT_TRUE(weak.is_array());
  EXPECT_NE(std::find(weak.begin(), weak.end(), "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"), weak.end())
      << weak.dump();
  EXPECT_NE(std::find(weak.begin(), weak.end(), "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
            weak.end());
}

TEST_F(TlsProbeTest, FindsStaticRsaAndCbcSuites) {
  auto root = pki_.self_signed(TestPki::ca_spec("RSA Root", KeyKind::kRsa2048));
  auto leaf = pki_.issue(TestPki::leaf_spec(KeyKind::kRsa2048), root);
  TlsServerConfig c;
  c.chain = {leaf};
  c.min_version = kTls12;
  c.max_version = kTls12;
  c.ciphers = "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:ECDHE-RSA-AES256-SHA";
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["cipher"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  Json weak = t["ciphers"]["weak_accepted"];
  std::sort(weak.begin(), weak.end());
  EXPECT_EQ(weak, strings({"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"}));
}

TEST_F(TlsProbeTest, FindsA3desSuiteOnGnutls) {
  // OpenSSL 3 can neither offer nor serve 3DES: gnutls-serv serves it, the hand-built
  // ClientHello offers it. gnutls-serv has no bind option: ExternalServer's preloaded shim keeps
  // it on loopback, which the test checks.
  auto root = pki_.self_signed(TestPki::ca_spec("RSA Root", KeyKind::kRsa2048));
  auto leaf = pki_.issue(TestPki::leaf_spec(KeyKind::kRsa2048), root);
  std::string cert = dir_.write("gnutls-cert.pem", leaf.cert_pem());
  std::string key = dir_.write("gnutls-key.pem", leaf.key_pem());
  uint16_t port = sov::testing::free_port();
  sov::testing::ExternalServer server(
      {"gnutls-serv", "--port", std::to_string(port), "--x509certfile", cert, "--x509keyfile", key,
       "--priority", "NORMAL:+3DES-CBC:+RSA:-VERS-TLS1.3", "--disable-client-cert", "--quiet"},
      port);
  ASSERT_TRUE(server.started()) << "gnutls-serv (Debian package gnutls-bin) did not start";
  auto listening = sov::testing::listening_addresses(port);
  ASSERT_FALSE(listening.empty());
  for (const auto& a : listening) EXPECT_TRUE(a == "127.0.0.1" || a == "::1") << a;
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& weak = tls(r)["ciphers"]["weak_accepted"];
  ASSERT_TRUE(weak.is_array()) << tls(r)["unknown"].dump();
  bool has_3des = false;
  for (const auto& s : weak)
    has_3des = has_3des || s.get<std::string>().find("3DES") != std::string::npos;
  EXPECT_TRUE(has_3des) << weak.dump();
}

TEST_F(TlsProbeTest, FindsATls13OnlyServer) {
  TlsServerConfig c = good_config(leaf_);
  c.min_version = kTls13;
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), {{"alpn", {"h2", "http/1.1"}}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(tls(r)["versions"]["accepted"], strings({"TLSv1.3"}));
  EXPECT_EQ(tls(r)["ciphers"]["weak_accepted"], Json::array());
  EXPECT_TRUE(tls(r)["alpn"].is_null());     // the server selects none
  EXPECT_EQ(tls(r)["compression"], "none");  // refuses TLS 1.2; TLS 1.3 has no compression
}

TEST_F(TlsProbeTest, SpeaksStarttlsForPostgresAndSmtp) {
  for (auto [kind, name] : {std::pair{sov::testing::Starttls::kPostgres, "postgres"},
                            std::pair{sov::testing::Starttls::kSmtp, "smtp"}}) {
    TlsServerConfig c = good_config(leaf_);
    c.starttls = kind;
    LoopbackTlsServer server(c);
    auto r = probe(server.endpoint(), {{"starttls", name}});
    ASSERT_TRUE(r.ok) << name << ": " << r.error;
    EXPECT_EQ(tls(r)["protocol"], "TLSv1.3") << name;
    EXPECT_EQ(tls(r)["chain"]["verified"], true) << name;
    EXPECT_EQ(tls(r)["versions"]["accepted"], strings({"TLSv1.2", "TLSv1.3"})) << name;
    EXPECT_EQ(tls(r)["ciphers"]["weak_accepted"], Json::array()) << name;
  }
}

TEST_F(TlsProbeTest, HandshakeModeLeavesEnumerationUnknown) {
  LoopbackTlsServer server(good_config(leaf_));
  auto r = probe(server.endpoint(), {{"tls", {{"mode", "handshake"}}}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& t = tls(r);
  EXPECT_EQ(t["mode"], "handshake");
  EXPECT_TRUE(t["versions"]["accepted"].is_null());
  EXPECT_TRUE(t["ciphers"]["weak_accepted"].is_null());
  EXPECT_TRUE(t["revocation"]["status"].is_null());
  EXPECT_TRUE(has_unknown(t, "tls.versions.accepted"));
  EXPECT_TRUE(has_unknown(t, "tls.ciphers.weak_accepted"));
  EXPECT_EQ(server.connections(), 1u);  // one handshake, no enumeration
}

TEST_F(TlsProbeTest, EveryProducedFactIsInTheSchema) {
  TlsServerConfig c = good_config(leaf_);
  c.ocsp_staple = pki_.ocsp_response(leaf_, intermediate_, false);
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint());
  ASSERT_TRUE(r.ok) << r.error;
  model::FactSchema schema;
  schema.add_all(tls_fact_schema());
  std::vector<std::string> missing;
  std::function<void(const Json&, const std::string&)> walk = [&](const Json& j,
                                                                  const std::string& p) {
    if (j.is_object() && !j.empty()) {
      if (schema.lookup(p) != nullptr && schema.lookup(p)->type == model::FactType::kObject &&
          p != "tls.leaf" && p != "tls.anchor") {
        // Described as a whole, children listed too.
      }
      for (auto it = j.begin(); it != j.end(); ++it)
        walk(it.value(), p.empty() ? it.key() : p + "." + it.key());
      return;
    }
    if (j.is_array() && !j.empty() && j[0].is_object()) {
      for (size_t i = 0; i < j.size(); ++i) walk(j[i], p + "[" + std::to_string(i) + "]");
      return;
    }
    if (schema.lookup(p) == nullptr) missing.push_back(p);
  };
  walk(r.facts.doc(), "");
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
}

TEST_F(TlsProbeTest, RunsManyTargetsConcurrentlyOnOneLoop) {
  LoopbackTlsServer server(good_config(leaf_));
  boost::asio::io_context io;
  std::vector<ProbeResult> results;
  for (int i = 0; i < 24; ++i) {
    model::Target t;
    t.id = "t" + std::to_string(i);
    t.spec = {{"endpoint", server.endpoint()},
              {"ca_file", ca_file_},
              {"tls", {{"mode", i % 2 ? "full" : "handshake"}}}};
    ProbeContext ctx{&io, &clock_, std::chrono::steady_clock::now() + 20s};
    probe_.run(t, ctx, [&](ProbeResult r) { results.push_back(std::move(r)); });
  }
  io.run();
  ASSERT_EQ(results.size(), 24u);
  for (const auto& r : results) {
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(tls(r)["chain"]["verified"], true);
  }
}

// ----- the endpoint cannot be probed: probe error with the reason, within the deadline

TEST_F(TlsProbeTest, GivesUpOnASilentServerAtTheDeadline) {
  sov::testing::HostileServer silent(sov::testing::Hostility::kSilent);
  auto start = std::chrono::steady_clock::now();
  auto r = probe(silent.endpoint(), Json::object(), 600ms);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "web (" + silent.endpoint() + "): timed out during the TLS handshake");
  // The probe stops a tenth of its budget early so that its own reason reaches the caller.
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(tls(r)["handshake"]["ok"], false);
  EXPECT_EQ(tls(r)["handshake"]["error"], "timed out during the TLS handshake");
}

TEST_F(TlsProbeTest, SaysNotTlsForGarbage) {
  sov::testing::HostileServer garbage(sov::testing::Hostility::kGarbage);
  auto r = probe(garbage.endpoint(), Json::object(), 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("not TLS"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.rfind("web (" + garbage.endpoint() + "): ", 0), 0u) << r.error;
}

TEST_F(TlsProbeTest, ReportsAResetMidHandshake) {
  sov::testing::HostileServer reset(sov::testing::Hostility::kReset);
  auto r = probe(reset.endpoint(), Json::object(), 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("reset during the TLS handshake"), std::string::npos) << r.error;
}

TEST_F(TlsProbeTest, RefusesAHundredCertificateChain) {
  std::vector<Credential> chain = {leaf_};
  for (int i = 0; i < 99; ++i) chain.push_back(intermediate_);
  TlsServerConfig c = good_config(leaf_);
  c.chain = chain;
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), Json::object(), 5s);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("the server sent 100 certificates; at most 16 are analysed"),
            std::string::npos)
      << r.error;
}

TEST_F(TlsProbeTest, RefusesAOneMegabyteCertificate) {
  auto spec = TestPki::leaf_spec();
  spec.padding_bytes = 1 << 20;
  TlsServerConfig c = good_config(leaf_);
  c.chain = {pki_.issue(spec, intermediate_), intermediate_};
  LoopbackTlsServer server(c);
  auto r = probe(server.endpoint(), Json::object(), 5s);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("handshake message is too large"), std::string::npos) << r.error;
}

TEST_F(TlsProbeTest, ReportsARefusedConnection) {
  uint16_t port = sov::testing::free_port();
  std::string endpoint = "127.0.0.1:" + std::to_string(port);
  auto r = probe(endpoint, Json::object(), 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "web (" + endpoint + "): connection refused by " + endpoint);
}

TEST_F(TlsProbeTest, RejectsABadSpecNamingTheField) {
  model::Target t;
  t.id = "web";
  t.spec = {{"endpoint", "127.0.0.1"}};
  auto r = probe_once(probe_, t, 1s, clock_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "web: endpoint '127.0.0.1': expected HOST:PORT (the port is required)");
  t.spec = {{"endpoint", "127.0.0.1:443"}, {"starttls", "imap"}};
  EXPECT_EQ(probe_once(probe_, t, 1s, clock_).error,
            "web: `starttls` must be postgres or smtp, not 'imap'");
  t.spec = {{"endpoint", "127.0.0.1:443"}, {"tls", {{"mode", "deep"}}}};
  EXPECT_EQ(probe_once(probe_, t, 1s, clock_).error,
            "web: `tls.mode` must be handshake or full, not 'deep'");
}

}  // namespace
}  // namespace sov::probes::tls
