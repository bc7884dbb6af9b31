// SPDX-License-Identifier: Apache-2.0
// The TLS probe's state machine. One Session per run: it owns what the run learns and binds
// shared_from_this() into each completion, so it lives exactly as long as its operations. Steps
// run one after another (main handshake, versions, weak suites, revocation); concurrency comes
// from running many sessions on one io_context.
#include "probes/tls/tls_probe.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "daemon/net/net.h"
#include "probes/tls/chain.h"
#include "probes/tls/hello.h"
#include "probes/tls/revocation.h"

namespace sov::probes::tls {

namespace asio = boost::asio;
using model::Json;
using net::Deadline;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::array<const char*, 4> kVersionNames = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
constexpr std::array<int, 4> kVersionCodes = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
                                              TLS1_3_VERSION};
constexpr size_t kMaxCrlCache = 256;
constexpr size_t kMaxWeakAttempts = 80;
constexpr size_t kMaxStarttlsBytes = 16 * 1024;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using StackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;

X509Ptr up_ref(X509* x) {
  if (x == nullptr) return nullptr;
  X509_up_ref(x);
  return X509Ptr(x);
}

// What the verify callback saw during the main handshake. Verification never stops the
// handshake (the chain's faults are facts), except for a chain longer than we analyse.
struct VerifyCapture {
  int first_error = X509_V_OK;
  size_t served = 0;
  bool too_many = false;
};

int capture_index() {
  static const int kIndex = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return kIndex;
}

int verify_callback(int ok, X509_STORE_CTX* store_ctx) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* cap =
      ssl != nullptr ? static_cast<VerifyCapture*>(SSL_get_ex_data(ssl, capture_index())) : nullptr;
  if (cap == nullptr) return 1;
  STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(store_ctx);
  cap->served = untrusted != nullptr ? static_cast<size_t>(sk_X509_num(untrusted)) : 0;
  if (cap->served > kMaxChainCerts) {
    cap->too_many = true;
    return 0;
  }
  if (ok == 0 && cap->first_error == X509_V_OK) {
    cap->first_error = X509_STORE_CTX_get_error(store_ctx);
  }
  return 1;
}

std::shared_ptr<asio::ssl::context> wrap(SSL_CTX* raw) {
  // asio::ssl::context takes ownership of the native handle.
  return std::make_shared<asio::ssl::context>(raw);
}

void common_client_options(SSL_CTX* c) {
  SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION | SSL_OP_LEGACY_SERVER_CONNECT);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
}

struct Spec {
  std::string target_id;
  net::HostPort endpoint;
  std::string sni;  // empty: none sent
  std::vector<std::string> alpn;
  std::string starttls;  // "", "postgres", "smtp"
  Mode mode = Mode::kFull;
  std::string ca_file;
  std::string ca_dir;
};

Result<Spec> parse_spec(const model::Target& target, const TlsProbeOptions& defaults) {
  Spec s;
  s.target_id = target.id;
  s.mode = defaults.mode;
  s.ca_file = defaults.ca_file;
  s.ca_dir = defaults.ca_dir;
  const Json& j = target.spec;
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kInvalidInput, target.id + ": " + what);
  };
  auto string_field = [&](const char* key, std::string* out) -> std::optional<Error> {
    if (!j.is_object() || !j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_string())
      return Error(ErrorCode::kInvalidInput, target.id + ": `" + key + "` must be a string");
    *out = j[key].get<std::string>();
    return std::nullopt;
  };
  std::string endpoint;
  if (auto e = string_field("endpoint", &endpoint)) return *e;
  if (endpoint.empty()) return bad("`endpoint` (host:port) is required");
  auto hp = net::parse_host_port(endpoint);
  if (!hp) return bad("endpoint " + hp.error().message());
  s.endpoint = *hp;
  bool sni_given = j.is_object() && j.contains("sni") && !j["sni"].is_null();
  if (auto e = string_field("sni", &s.sni)) return *e;
  if (!sni_given && !net::is_ip_literal(s.endpoint.host)) s.sni = s.endpoint.host;
  if (auto e = string_field("starttls", &s.starttls)) return *e;
  if (!s.starttls.empty() && s.starttls != "postgres" && s.starttls != "smtp") {
    return bad("`starttls` must be postgres or smtp, not '" + s.starttls + "'");
  }
  if (auto e = string_field("ca_file", &s.ca_file)) return *e;
  if (auto e = string_field("ca_dir", &s.ca_dir)) return *e;
  if (j.is_object() && j.contains("alpn") && !j["alpn"].is_null()) {
    if (!j["alpn"].is_array()) return bad("`alpn` must be a list of protocol names");
    for (const auto& a : j["alpn"]) {
      if (!a.is_string() || a.get<std::string>().empty() || a.get<std::string>().size() > 255) {
        return bad("`alpn` entries are protocol names of 1 to 255 bytes");
      }
      s.alpn.push_back(a.get<std::string>());
    }
  }
  if (j.is_object() && j.contains("tls") && j["tls"].is_object()) {
    const Json& t = j["tls"];
    if (t.contains("mode") && !t["mode"].is_null()) {
      if (!t["mode"].is_string()) return bad("`tls.mode` must be handshake or full");
      auto m = t["mode"].get<std::string>();
      if (m == "handshake") {
        s.mode = Mode::kHandshake;
      } else if (m == "full") {
        s.mode = Mode::kFull;
      } else {
        return bad("`tls.mode` must be handshake or full, not '" + m + "'");
      }
    }
  }
  return s;
}

// True once `received` holds a complete SMTP reply (the line whose code is followed by a space).
bool smtp_reply_complete(std::string_view received) {
  size_t start = 0;
  while (true) {
    size_t nl = received.find('\n', start);
    if (nl == std::string_view::npos) return false;
    std::string_view line = received.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() == 3 || (line.size() >= 4 && line[3] == ' ')) return true;
    start = nl + 1;
  }
}

std::string first_line(std::string_view text) {
  auto nl = text.find_first_of("\r\n");
  return clean_utf8(text.substr(0, std::min<size_t>(nl, 200)));
}

struct CachedCrl {
  CrlPtr crl;
  std::optional<TimePoint> next_update;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct TlsProbe::Impl {
  explicit Impl(TlsProbeOptions o) : options(std::move(o)) {}

  TlsProbeOptions options;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<asio::ssl::context>> main_contexts;  // by trust store
  std::array<std::shared_ptr<asio::ssl::context>, 4> version_contexts;
  std::array<bool, 4> version_testable{};
  bool versions_checked = false;
  std::map<std::string, CachedCrl> crls;

  Result<std::shared_ptr<asio::ssl::context>> main_context(const std::string& ca_file,
                                                           const std::string& ca_dir) {
    std::lock_guard<std::mutex> lock(mu);
    std::string key = ca_file + '\n' + ca_dir;
    auto it = main_contexts.find(key);
    if (it != main_contexts.end()) return it->second;
    ERR_clear_error();
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c == nullptr)
      return fail(ErrorCode::kInternal,
                  "cannot create a TLS context: " + net::drain_openssl_errors());
    auto ctx = wrap(c);
    common_client_options(c);
    SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(c, 0);
    // Level 0 so that old servers still complete the handshake: their weakness is a fact.
    SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, verify_callback);
    SSL_CTX_set_verify_depth(c, static_cast<int>(kMaxChainCerts) + 4);
    if (ca_file.empty() && ca_dir.empty()) {
      if (SSL_CTX_set_default_verify_paths(c) != 1) {
        return fail(ErrorCode::kUnavailable,
                    "cannot load the system trust store: " + net::drain_openssl_errors());
      }
    } else if (SSL_CTX_load_verify_locations(c, ca_file.empty() ? nullptr : ca_file.c_str(),
                                             ca_dir.empty() ? nullptr : ca_dir.c_str()) != 1) {
      return fail(ErrorCode::kInvalidInput, "cannot load the trust store " +
                                                (ca_file.empty() ? ca_dir : ca_file) + ": " +
                                                net::drain_openssl_errors());
    }
    main_contexts.emplace(key, ctx);
    return ctx;
  }

  // Contexts offering exactly one version, with every suite that version allows, at security
  // level 0; null when this OpenSSL cannot offer the version.
  void check_versions() {
    std::lock_guard<std::mutex> lock(mu);
    if (versions_checked) return;
    versions_checked = true;
    for (size_t i = 0; i < kVersionCodes.size(); ++i) {
      SSL_CTX* c = SSL_CTX_new(TLS_client_method());
      if (c == nullptr) continue;
      auto ctx = wrap(c);
      common_client_options(c);
      bool ok = SSL_CTX_set_min_proto_version(c, kVersionCodes[i]) == 1 &&
                SSL_CTX_set_max_proto_version(c, kVersionCodes[i]) == 1 &&
                SSL_CTX_set_cipher_list(c, "ALL:@SECLEVEL=0") == 1;
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      if (ok) {
        SSL* ssl = SSL_new(c);
        STACK_OF(SSL_CIPHER)* sup = ssl != nullptr ? SSL_get1_supported_ciphers(ssl) : nullptr;
        ok = sup != nullptr && sk_SSL_CIPHER_num(sup) > 0;
        sk_SSL_CIPHER_free(sup);
        SSL_free(ssl);
      }
      ERR_clear_error();
      version_testable[i] = ok;
      if (ok) version_contexts[i] = ctx;
    }
  }

  std::optional<CachedCrl> cached_crl(const std::string& url, TimePoint now) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = crls.find(url);
    if (it == crls.end()) return std::nullopt;
    if (!it->second.next_update || *it->second.next_update <= now) {
      crls.erase(it);
      return std::nullopt;
    }
    return it->second;
  }

  void store_crl(const std::string& url, CachedCrl entry, TimePoint now) {
    if (!entry.next_update || *entry.next_update <= now) return;  // nothing says how long
    std::lock_guard<std::mutex> lock(mu);
    if (crls.size() >= kMaxCrlCache) {
      for (auto it = crls.begin(); it != crls.end();) {
        it = (!it->second.next_update || *it->second.next_update <= now) ? crls.erase(it)
                                                                         : std::next(it);
      }
      if (crls.size() >= kMaxCrlCache) crls.erase(crls.begin());
    }
    crls[url] = std::move(entry);
  }
};

// ---------------------------------------------------------------------------------------------

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<TlsProbe::Impl> impl, asio::io_context& io, const Clock& clock,
          Deadline deadline, Spec spec, ProbeDone done)
      : impl_(std::move(impl)),
        io_(io),
        clock_(clock),
        deadline_(deadline),
        spec_(std::move(spec)),
        done_(std::move(done)) {}

  void start() {
    tls_["mode"] = spec_.mode == Mode::kFull ? "full" : "handshake";
    tls_["endpoint"] = {{"host", spec_.endpoint.host},
                        {"port", spec_.endpoint.port},
                        {"sni", spec_.sni.empty() ? Json(nullptr) : Json(spec_.sni)},
                        {"address", nullptr}};
    tls_["handshake"] = {{"ok", false}, {"error", nullptr}};
    auto ctx = impl_->main_context(spec_.ca_file, spec_.ca_dir);
    if (!ctx) return fail_probe(ctx.error().message());
    main_ctx_ = *ctx;
    auto self = shared_from_this();
    open_transport(deadline_, [self](Result<net::Connection> conn) {
      self->guarded([&] {
        if (!conn) {
          self->tls_["handshake"]["error"] = conn.error().message();
          return self->fail_probe(conn.error().message());
        }
        self->tls_["endpoint"]["address"] = conn->address;
        self->main_handshake(std::move(*conn));
      });
    });
  }

 private:
  using TransportDone = std::function<void(Result<net::Connection>)>;

  template <typename F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      fail_probe(std::string("internal error: ") + e.what());
    } catch (...) {
      fail_probe("internal error");
    }
  }

  Deadline attempt_deadline() const {
    return std::min(deadline_, SteadyClock::now() + impl_->options.attempt_timeout);
  }

  void unknown(const std::string& path, const std::string& reason) {
    unknown_.push_back({{"path", path}, {"reason", reason}});
  }

  // ----- transport: TCP, then STARTTLS when asked

  void open_transport(Deadline d, TransportDone cb) {
    auto self = shared_from_this();
    net::async_connect(io_, spec_.endpoint, d,
                       [self, d, cb = std::move(cb)](Result<net::Connection> c) mutable {
                         if (!c || self->spec_.starttls.empty()) return cb(std::move(c));
                         if (self->spec_.starttls == "postgres")
                           return self->starttls_postgres(std::move(*c), d, std::move(cb));
                         self->starttls_smtp(std::move(*c), d, std::move(cb));
                       });
  }

  void starttls_postgres(net::Connection c, Deadline d, TransportDone cb) {
    static const std::string kSslRequest("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
    std::string address = c.address;
    net::async_exchange(
        std::move(c.socket), kSslRequest, 1, [](std::string_view r) { return !r.empty(); }, d,
        [address, cb = std::move(cb)](Result<net::Exchange> x) mutable {
          if (!x) {
            return cb(Error(x.error().code(), "STARTTLS (postgres): " + x.error().message()));
          }
          if (x->received[0] == 'N') {
            return cb(Error(ErrorCode::kUnavailable,
                            "STARTTLS (postgres): the server does not accept TLS (answered 'N')"));
          }
          if (x->received[0] != 'S') {
            return cb(Error(ErrorCode::kInvalidInput,
                            "STARTTLS (postgres): not a PostgreSQL answer to SSLRequest"));
          }
          cb(net::Connection{std::move(x->socket), address});
        });
  }

  // Greeting, EHLO, STARTTLS: three exchanges, each expecting a complete reply.
  void starttls_smtp(net::Connection c, Deadline d, TransportDone cb, int step = 0) {
    static const std::array<const char*, 3> kSend = {"", "EHLO sovereignd.invalid\r\n",
                                                     "STARTTLS\r\n"};
    static const std::array<const char*, 3> kExpect = {"220", "250", "220"};
    auto self = shared_from_this();
    std::string address = c.address;
    net::async_exchange(
        std::move(c.socket), kSend[step], kMaxStarttlsBytes, smtp_reply_complete, d,
        [self, address, d, step, cb = std::move(cb)](Result<net::Exchange> x) mutable {
          if (!x) return cb(Error(x.error().code(), "STARTTLS (smtp): " + x.error().message()));
          const std::string& r = x->received;
          if (r.compare(0, 3, kExpect[step]) != 0) {
            return cb(Error(ErrorCode::kUnavailable,
                            "STARTTLS (smtp): unexpected reply '" + first_line(r) + "'"));
          }
          if (step == 1) {
            std::string upper = r;
            std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
            if (upper.find("STARTTLS") == std::string::npos) {
              return cb(Error(ErrorCode::kUnavailable,
                              "STARTTLS (smtp): the server does not offer STARTTLS"));
            }
          }
          if (step == 2) return cb(net::Connection{std::move(x->socket), address});
          self->starttls_smtp(net::Connection{std::move(x->socket), address}, d, std::move(cb),
                              step + 1);
        });
  }

  // ----- the main handshake

  void main_handshake(net::Connection conn) {
    net::TlsOptions opt;
    opt.sni = spec_.sni;
    opt.alpn = spec_.alpn;
    opt.request_ocsp = true;
    auto self = shared_from_this();
    opt.configure = [self](SSL* ssl) {
      SSL_set_ex_data(ssl, capture_index(), &self->capture_);
      X509_VERIFY_PARAM_set_time(SSL_get0_param(ssl),
                                 std::chrono::system_clock::to_time_t(self->clock_.now()));
    };
    net::async_tls_handshake(
        std::move(conn), *main_ctx_, opt, deadline_,
        [self](Result<std::unique_ptr<net::TlsSession>> r) {
          self->guarded([&] {
            if (!r) {
              std::string msg = r.error().message();
              if (self->capture_.too_many) {
                msg = "the server sent " + std::to_string(self->capture_.served) +
                      " certificates; at most " + std::to_string(kMaxChainCerts) + " are analysed";
              }
              self->tls_["handshake"]["error"] = msg;
              return self->fail_probe(msg);
            }
            self->record_handshake(**r);
            (*r)->close();
            if (self->spec_.mode == Mode::kFull) return self->start_versions();
            self->skip_full_mode();
            self->finish_revocation_handshake_mode();
          });
        });
  }

  void record_handshake(net::TlsSession& s) {
    SSL* ssl = s.native_handle();
    TimePoint now = clock_.now();
    tls_["handshake"] = {{"ok", true}, {"error", nullptr}};
    protocol_ = SSL_get_version(ssl);
    tls_["protocol"] = protocol_;
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    const char* cname = cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : nullptr;
    tls_["cipher"] = cname != nullptr ? Json(cname) : Json(nullptr);
    tls_["group"] = negotiated_group(ssl);
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    tls_["alpn"] =
        alpn_len > 0 ? Json(clean_utf8(std::string(reinterpret_cast<const char*>(alpn), alpn_len)))
                     : Json(nullptr);
    const unsigned char* ocsp = nullptr;
    long ocsp_len = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp);
    if (ocsp != nullptr && ocsp_len > 0)
      stapled_.assign(reinterpret_cast<const char*>(ocsp), ocsp_len);
    tls_["ocsp"] = {{"stapled", !stapled_.empty()}};

    // The served chain, as sent (leaf first).
    STACK_OF(X509)* served = SSL_get_peer_cert_chain(ssl);
    served_.reset(served != nullptr ? X509_chain_up_ref(served) : sk_X509_new_null());
    int n = sk_X509_num(served_.get());
    Json certs = Json::array();
    for (int i = 0; i < n && static_cast<size_t>(i) < kMaxChainCerts; ++i) {
      certs.push_back(certificate_facts(sk_X509_value(served_.get(), i), now));
    }
    Json chain;
    chain["length"] = n;
    chain["certs"] = certs;
    leaf_ = n > 0 ? up_ref(sk_X509_value(served_.get(), 0)) : nullptr;
    tls_["leaf"] = n > 0 ? certs[0] : Json(nullptr);
    if (!leaf_) unknown("tls.leaf", "the server sent no certificate");
    std::string name = spec_.sni.empty() ? spec_.endpoint.host : spec_.sni;
    chain["hostname_match"] = leaf_ ? Json(hostname_matches(leaf_.get(), name)) : Json(nullptr);

    long result = SSL_get_verify_result(ssl);
    int first = capture_.first_error != X509_V_OK ? capture_.first_error : static_cast<int>(result);
    bool verified = leaf_ && first == X509_V_OK;
    chain["verified"] = verified;
    chain["error"] = verified
                         ? Json(nullptr)
                         : Json(leaf_ ? X509_verify_cert_error_string(first) : "no certificate");

    // The chain OpenSSL built from the served certificates and the trust store.
    STACK_OF(X509)* built = SSL_get0_verified_chain(ssl);
    int bn = built != nullptr ? sk_X509_num(built) : 0;
    bool complete = false;
    if (bn > 0) {
      X509* top = sk_X509_value(built, bn - 1);
      if (X509_self_signed(top, 0) == 1) {
        complete = true;
        for (int i = 0; i < bn - 1; ++i) {
          bool found = false;
          for (int j = 0; j < n && !found; ++j) {
            found = X509_cmp(sk_X509_value(built, i), sk_X509_value(served_.get(), j)) == 0;
          }
          complete = complete && found;
        }
      }
      if (bn > 1) issuer_ = up_ref(sk_X509_value(built, 1));
    }
    if (!issuer_ && n > 1 &&
        X509_check_issued(sk_X509_value(served_.get(), 1), leaf_.get()) == X509_V_OK) {
      issuer_ = up_ref(sk_X509_value(served_.get(), 1));
    }
    chain["served_complete"] = complete;
    if (verified && bn > 0) {
      tls_["anchor"] = certificate_facts(sk_X509_value(built, bn - 1), now);
    } else {
      tls_["anchor"] = nullptr;
      unknown("tls.anchor", "the chain does not verify to the trust store");
    }
    tls_["chain"] = std::move(chain);
    ERR_clear_error();
  }

  static Json negotiated_group(SSL* ssl) {
    int nid = SSL_get_negotiated_group(ssl);
    if (nid != NID_undef && nid != 0) {
      const char* name = SSL_group_to_name(ssl, nid);
      if (name != nullptr) return name;
    }
    EVP_PKEY* key = nullptr;
    if (SSL_get_peer_tmp_key(ssl, &key) == 1 && key != nullptr) {
      Json out = nullptr;
      char group[80] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) {
        out = std::string(group, len);
      } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_DH) {
        out = "DH-" + std::to_string(EVP_PKEY_get_bits(key));
      } else if (const char* sn = OBJ_nid2sn(EVP_PKEY_get_base_id(key))) {
        out = sn;
      }
      EVP_PKEY_free(key);
      ERR_clear_error();
      return out;
    }
    ERR_clear_error();
    return nullptr;  // RSA key exchange: no group
  }

  void skip_full_mode() {
    impl_->check_versions();
    Json untestable = Json::array();
    for (size_t i = 0; i < kVersionNames.size(); ++i) {
      if (!impl_->version_testable[i]) untestable.push_back(kVersionNames[i]);
    }
    tls_["versions"] = {{"accepted", nullptr}, {"untestable", untestable}};
    unknown("tls.versions.accepted", "not tested in handshake mode");
    tls_["ciphers"] = {{"weak_accepted", nullptr}};
    unknown("tls.ciphers.weak_accepted", "not tested in handshake mode");
    tls_["compression"] = nullptr;
    unknown("tls.compression", "not tested in handshake mode");
  }

  // ----- versions, each on its own

  void start_versions() {
    impl_->check_versions();
    versions_accepted_ = Json::array();
    versions_untestable_ = Json::array();
    next_version(0);
  }

  void next_version(size_t i) {
    if (i >= kVersionNames.size()) return end_versions();
    if (!impl_->version_testable[i]) {
      versions_untestable_.push_back(kVersionNames[i]);
      return next_version(i + 1);
    }
    if (protocol_ == kVersionNames[i]) {
      versions_accepted_.push_back(kVersionNames[i]);
      return next_version(i + 1);
    }
    if (SteadyClock::now() >= deadline_) {
      version_problem_ = std::string(kVersionNames[i]) + ": not tested before the probe deadline";
      return next_version(i + 1);
    }
    auto self = shared_from_this();
    Deadline d = attempt_deadline();
    open_transport(d, [self, i, d](Result<net::Connection> c) {
      self->guarded([&] {
        if (!c) {
          self->version_problem_ = std::string(kVersionNames[i]) + ": " + c.error().message();
          return self->next_version(i + 1);
        }
        net::TlsOptions opt;
        opt.sni = self->spec_.sni;
        net::async_tls_handshake(std::move(*c), *self->impl_->version_contexts[i], opt, d,
                                 [self, i](Result<std::unique_ptr<net::TlsSession>> r) {
                                   self->guarded([&] {
                                     if (r) {
                                       self->versions_accepted_.push_back(kVersionNames[i]);
                                     } else if (r.error().code() != ErrorCode::kUnavailable &&
                                                r.error().code() != ErrorCode::kInvalidInput) {
                                       self->version_problem_ = std::string(kVersionNames[i]) +
                                                                ": " + r.error().message();
                                     }
                                     self->next_version(i + 1);
                                   });
                                 });
      });
    });
  }

  void end_versions() {
    Json v;
    v["untestable"] = versions_untestable_;
    if (version_problem_.empty()) {
      v["accepted"] = versions_accepted_;
    } else {
      v["accepted"] = nullptr;
      unknown("tls.versions.accepted", "inconclusive: " + version_problem_);
    }
    tls_["versions"] = std::move(v);
    weak_remaining_.clear();
    for (const auto& s : weak_suites()) weak_remaining_.push_back(s.id);
    weak_accepted_ = Json::array();
    next_weak(0);
  }

  // ----- weak suites, by hand-built ClientHello: offer them all, remove the one the server
  // picks, repeat until it refuses.

  void next_weak(size_t attempt) {
    if (weak_remaining_.empty() || attempt >= kMaxWeakAttempts) return end_weak();
    if (SteadyClock::now() >= deadline_) {
      weak_problem_ = "not finished before the probe deadline";
      return end_weak();
    }
    auto self = shared_from_this();
    Deadline d = attempt_deadline();
    open_transport(d, [self, attempt, d](Result<net::Connection> c) {
      self->guarded([&] {
        if (!c) {
          self->weak_problem_ = c.error().message();
          return self->end_weak();
        }
        std::string hello = build_client_hello(self->weak_remaining_, self->spec_.sni);
        net::async_exchange(
            std::move(c->socket), std::move(hello), kMaxServerHelloBytes,
            [](std::string_view r) {
              return read_server_hello(r).state != ServerHelloReading::State::kNeedMore;
            },
            d,
            [self, attempt](Result<net::Exchange> x) {
              self->guarded([&] { self->on_weak_answer(attempt, std::move(x)); });
            });
      });
    });
  }

  void on_weak_answer(size_t attempt, Result<net::Exchange> x) {
    using State = ServerHelloReading::State;
    if (!x) {
      // A close or reset after our hello is how many servers refuse.
      if (x.error().code() != ErrorCode::kUnavailable) weak_problem_ = x.error().message();
      return end_weak();
    }
    ServerHelloReading r = read_server_hello(x->received);
    if (r.state == State::kServerHello) {
      auto it = std::find(weak_remaining_.begin(), weak_remaining_.end(), r.suite);
      if (it == weak_remaining_.end()) {
        weak_problem_ =
            "the server chose a suite it was not offered (" + weak_suite_name(r.suite) + ")";
        return end_weak();
      }
      weak_accepted_.push_back(weak_suite_name(r.suite));
      weak_remaining_.erase(it);
      return next_weak(attempt + 1);
    }
    if (r.state != State::kAlert) weak_problem_ = r.error;
    end_weak();
  }

  void end_weak() {
    if (weak_problem_.empty()) {
      tls_["ciphers"] = {{"weak_accepted", weak_accepted_}};
    } else {
      tls_["ciphers"] = {{"weak_accepted", nullptr}};
      Json partial = weak_accepted_;
      unknown("tls.ciphers.weak_accepted",
              "inconclusive: " + weak_problem_ +
                  (partial.empty() ? "" : " (accepted before that: " + partial.dump() + ")"));
    }
    start_compression();
  }

  // ----- compression (ANSSI TLS-COMP): one hand-built TLS 1.2 hello offering DEFLATE; the
  // ServerHello's compression method is the answer. TLS 1.3 has no compression at all.

  void start_compression() {
    if (SteadyClock::now() >= deadline_) {
      return end_compression(nullptr, "not tested before the probe deadline");
    }
    auto self = shared_from_this();
    Deadline d = attempt_deadline();
    open_transport(d, [self, d](Result<net::Connection> c) {
      self->guarded([&] {
        if (!c) return self->end_compression(nullptr, c.error().message());
        std::vector<uint16_t> suites = common_suites();
        for (const auto& s : weak_suites()) suites.push_back(s.id);
        std::string hello = build_client_hello(suites, self->spec_.sni, /*offer_deflate=*/true);
        net::async_exchange(
            std::move(c->socket), std::move(hello), kMaxServerHelloBytes,
            [](std::string_view r) {
              return read_server_hello(r).state != ServerHelloReading::State::kNeedMore;
            },
            d,
            [self](Result<net::Exchange> x) {
              self->guarded([&] { self->on_compression_answer(std::move(x)); });
            });
      });
    });
  }

  void on_compression_answer(Result<net::Exchange> x) {
    ServerHelloReading r;
    if (x) r = read_server_hello(x->received);
    if (r.state == ServerHelloReading::State::kServerHello) {
      if (r.compression == 0) return end_compression("none", "");
      if (r.compression == 1) return end_compression("deflate", "");
      return end_compression("method " + std::to_string(r.compression), "");
    }
    // Refused: a server accepting no version below TLS 1.3 cannot compress.
    const Json& accepted = tls_["versions"]["accepted"];
    bool only_13 = accepted.is_array() && !accepted.empty();
    for (const auto& v : accepted) only_13 = only_13 && v == "TLSv1.3";
    if (only_13) return end_compression("none", "");
    std::string why = !x ? x.error().message() : !r.error.empty() ? r.error : "alert or close";
    end_compression(nullptr, "the server refused a TLS 1.2 hello offering compression: " + why);
  }

  void end_compression(const Json& method, const std::string& reason) {
    tls_["compression"] = method;
    if (method.is_null()) unknown("tls.compression", "inconclusive: " + reason);
    start_revocation();
  }

  // ----- revocation: stapled OCSP, else the CRL, else the OCSP responder

  void set_revocation(const std::string& status, const Json& source, const std::string& reason) {
    tls_["revocation"] = {{"status", status}, {"source", source}};
    if (status == "unknown") unknown("tls.revocation.status", reason);
  }

  X509_STORE* trust_store() const { return SSL_CTX_get_cert_store(main_ctx_->native_handle()); }

  void finish_revocation_handshake_mode() {
    if (!stapled_.empty() && leaf_ && issuer_) {
      auto v =
          check_ocsp_response(stapled_, leaf_.get(), issuer_.get(), served_.get(), trust_store());
      if (v.status != "unknown") {
        set_revocation(v.status, "ocsp-stapled", v.reason);
        return finish();
      }
    }
    tls_["revocation"] = {{"status", nullptr}, {"source", nullptr}};
    unknown("tls.revocation.status", "not checked in handshake mode");
    finish();
  }

  void start_revocation() {
    if (!leaf_ || !issuer_) {
      set_revocation("unknown", nullptr,
                     leaf_ ? "the issuer of the leaf is not available" : "no leaf certificate");
      return finish();
    }
    if (!stapled_.empty()) {
      auto v =
          check_ocsp_response(stapled_, leaf_.get(), issuer_.get(), served_.get(), trust_store());
      if (v.status != "unknown") {
        set_revocation(v.status, "ocsp-stapled", v.reason);
        return finish();
      }
      revocation_notes_.push_back("stapled OCSP: " + v.reason);
    }
    const Json& leaf = tls_["leaf"];
    for (const auto& u : leaf["crl_urls"]) {
      if (u.get<std::string>().rfind("http://", 0) == 0) crl_urls_.push_back(u.get<std::string>());
    }
    for (const auto& u : leaf["ocsp_urls"]) {
      if (u.get<std::string>().rfind("http://", 0) == 0) ocsp_urls_.push_back(u.get<std::string>());
    }
    next_crl(0);
  }

  void next_crl(size_t i) {
    if (i >= crl_urls_.size() || i >= 2) return next_ocsp(0);
    const std::string url = crl_urls_[i];
    TimePoint now = clock_.now();
    if (auto cached = impl_->cached_crl(url, now)) return on_crl(i, cached->crl);
    net::HttpRequest req;
    req.url = url;
    req.max_body = impl_->options.max_crl_bytes;
    auto self = shared_from_this();
    net::async_http(
        io_, std::move(req), attempt_deadline(), [self, i, url](Result<net::HttpResponse> r) {
          self->guarded([&] {
            if (!r) {
              self->revocation_notes_.push_back("CRL " + url + ": " + r.error().message());
              return self->next_crl(i + 1);
            }
            if (r->status != 200) {
              self->revocation_notes_.push_back("CRL " + url + ": HTTP status " +
                                                std::to_string(r->status));
              return self->next_crl(i + 1);
            }
            std::string error;
            CrlPtr crl = parse_crl(r->body, &error);
            if (!crl) {
              self->revocation_notes_.push_back("CRL " + url + ": " + error);
              return self->next_crl(i + 1);
            }
            self->impl_->store_crl(url, CachedCrl{crl, crl_next_update(crl.get())},
                                   self->clock_.now());
            self->on_crl(i, crl);
          });
        });
  }

  void on_crl(size_t i, const CrlPtr& crl) {
    auto v = check_crl(crl.get(), leaf_.get(), issuer_.get(), clock_.now());
    if (v.status != "unknown") {
      set_revocation(v.status, "crl", v.reason);
      return finish();
    }
    revocation_notes_.push_back("CRL " + crl_urls_[i] + ": " + v.reason);
    next_crl(i + 1);
  }

  void next_ocsp(size_t i) {
    if (i >= ocsp_urls_.size() || i >= 2) {
      std::string why = "no CRL or OCSP answer";
      if (crl_urls_.empty() && ocsp_urls_.empty() && revocation_notes_.empty()) {
        why = "the leaf names no http CRL distribution point or OCSP responder";
      }
      for (const auto& n : revocation_notes_) why += "; " + n;
      set_revocation("unknown", nullptr, why);
      return finish();
    }
    std::string body = build_ocsp_request(leaf_.get(), issuer_.get());
    if (body.empty()) {
      revocation_notes_.push_back("cannot build an OCSP request");
      return next_ocsp(ocsp_urls_.size());
    }
    net::HttpRequest req;
    req.method = "POST";
    req.url = ocsp_urls_[i];
    req.content_type = "application/ocsp-request";
    req.body = std::move(body);
    req.max_body = 64 * 1024;
    auto self = shared_from_this();
    std::string url = ocsp_urls_[i];
    net::async_http(
        io_, std::move(req), attempt_deadline(), [self, i, url](Result<net::HttpResponse> r) {
          self->guarded([&] {
            if (!r || r->status != 200) {
              self->revocation_notes_.push_back(
                  "OCSP " + url + ": " +
                  (r ? "HTTP status " + std::to_string(r->status) : r.error().message()));
              return self->next_ocsp(i + 1);
            }
            auto v = check_ocsp_response(r->body, self->leaf_.get(), self->issuer_.get(),
                                         self->served_.get(), self->trust_store());
            if (v.status != "unknown") {
              self->set_revocation(v.status, "ocsp", v.reason);
              return self->finish();
            }
            self->revocation_notes_.push_back("OCSP " + url + ": " + v.reason);
            self->next_ocsp(i + 1);
          });
        });
  }

  // ----- completion

  model::Facts facts() {
    tls_["unknown"] = unknown_;
    model::Facts f;
    f.doc()["tls"] = tls_;
    f.set_source("tls", model::Source{model::SourceKind::kObserved,
                                      "tls " + spec_.endpoint.to_string(), clock_.now()});
    return f;
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    ProbeResult r;
    r.facts = facts();
    auto d = std::move(done_);
    d(std::move(r));
  }

  void fail_probe(const std::string& reason) {
    if (finished_) return;
    finished_ = true;
    ProbeResult r;
    r.ok = false;
    r.error = spec_.target_id + " (" + spec_.endpoint.to_string() + "): " + reason;
    try {
      r.facts = facts();
    } catch (...) {
      r.facts = model::Facts{};
    }
    auto d = std::move(done_);
    d(std::move(r));
  }

  std::shared_ptr<TlsProbe::Impl> impl_;
  asio::io_context& io_;
  const Clock& clock_;
  Deadline deadline_;
  Spec spec_;
  ProbeDone done_;
  bool finished_ = false;

  std::shared_ptr<asio::ssl::context> main_ctx_;
  VerifyCapture capture_;
  Json tls_ = Json::object();
  Json unknown_ = Json::array();
  std::string protocol_;
  std::string stapled_;
  StackPtr served_;
  X509Ptr leaf_;
  X509Ptr issuer_;

  Json versions_accepted_;
  Json versions_untestable_;
  std::string version_problem_;
  std::vector<uint16_t> weak_remaining_;
  Json weak_accepted_;
  std::string weak_problem_;
  std::vector<std::string> crl_urls_;
  std::vector<std::string> ocsp_urls_;
  std::vector<std::string> revocation_notes_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

TlsProbe::TlsProbe(TlsProbeOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
TlsProbe::~TlsProbe() = default;

std::vector<model::FactSchemaEntry> TlsProbe::fact_schema() const { return tls_fact_schema(); }

void TlsProbe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  if (run_on_private_loop(*this, target, ctx, done)) return;
  static const SystemClock kSystemClock;
  const Clock& clock = ctx.clock != nullptr ? *ctx.clock : kSystemClock;
  Deadline deadline = working_deadline(ctx);
  auto spec = parse_spec(target, impl_->options);
  if (!spec) {
    ProbeResult r;
    r.ok = false;
    r.error = spec.error().message();
    done(std::move(r));
    return;
  }
  auto session =
      std::make_shared<Session>(impl_, *ctx.io, clock, deadline, std::move(*spec), std::move(done));
  session->start();
}

}  // namespace sov::probes::tls
