// SPDX-License-Identifier: Apache-2.0
// The PostgreSQL endpoint probe: SSLRequest, the TLS probe over STARTTLS, and whether a plain
// StartupMessage is refused for lack of encryption. Protocol: PostgreSQL frontend/backend
// protocol 3.0 ("Message Formats" in the PostgreSQL 15 manual, chapter 55).
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "daemon/net/net.h"
#include "probes/storage/internal.h"
#include "probes/storage/storage_probe.h"
#include "probes/tls/tls_probe.h"

namespace sov::probes::storage {

using model::Json;
namespace asio = boost::asio;

namespace {

constexpr size_t kMaxAnswerBytes = 64 * 1024;
const std::string kSslRequest("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);

uint32_t be32(std::string_view b, size_t off) {
  return (uint32_t{static_cast<unsigned char>(b[off])} << 24) |
         (uint32_t{static_cast<unsigned char>(b[off + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[off + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(b[off + 3])};
}

void put32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

// StartupMessage, protocol 3.0, without SSL: user and database only. No password is ever sent:
// the probe closes the connection at the first answer.
std::string startup_message(const std::string& user, const std::string& database) {
  std::string body;
  put32(&body, 196608);  // 3.0
  for (const auto& [k, v] :
       {std::pair<std::string, std::string>{"user", user}, {"database", database}}) {
    body += k;
    body.push_back('\0');
    body += v;
    body.push_back('\0');
  }
  body.push_back('\0');
  std::string out;
  put32(&out, static_cast<uint32_t>(body.size() + 4));
  return out + body;
}

// One backend message is complete (type byte, length, body), or the bytes cannot be one.
bool message_complete(std::string_view r) {
  if (r.empty()) return false;
  char t = r[0];
  if (t != 'R' && t != 'E' && t != 'N' && t != 'v') return true;  // not PostgreSQL: classify now
  if (r.size() < 5) return false;
  uint32_t len = be32(r, 1);
  if (len < 4 || len > kMaxAnswerBytes - 1) return true;
  return r.size() >= 1 + static_cast<size_t>(len);
}

struct ErrorFields {
  std::string sqlstate;
  std::string message;
};

ErrorFields error_fields(std::string_view body) {
  ErrorFields f;
  size_t i = 0;
  while (i < body.size() && body[i] != '\0') {
    char code = body[i++];
    size_t end = body.find('\0', i);
    if (end == std::string_view::npos) end = body.size();
    std::string value(body.substr(i, end - i));
    if (code == 'C') f.sqlstate = value;
    if (code == 'M') f.message = value;
    i = end + 1;
  }
  return f;
}

std::string auth_name(uint32_t code) {
  switch (code) {
    case 0:
      return "none (trust)";
    case 2:
      return "Kerberos V5";
    case 3:
      return "cleartext password";
    case 5:
      return "MD5 password";
    case 7:
      return "GSSAPI";
    case 9:
      return "SSPI";
    case 10:
      return "SASL (SCRAM)";
    default:
      return "method " + std::to_string(code);
  }
}

struct Verdict {
  Json refused;  // true, false or null
  std::string answer;
  std::string sqlstate;
};

// What the answer to a plain StartupMessage says about plaintext connections.
Verdict classify(std::string_view r) {
  Verdict v;
  v.refused = nullptr;
  if (r.size() >= 9 && r[0] == 'R') {
    v.refused = false;
    v.answer = "authentication request: " + auth_name(be32(r, 5));
    return v;
  }
  if (r.size() >= 5 && r[0] == 'E') {
    uint32_t len = be32(r, 1);
    auto f = error_fields(r.substr(5, std::min<size_t>(r.size() - 5, len >= 4 ? len - 4 : 0)));
    v.sqlstate = f.sqlstate;
    v.answer = "error " + f.sqlstate + ": " + f.message;
    // pg_hba.conf matched no line, or a `hostnossl ... reject` line, for an unencrypted
    // connection: "..., no encryption" (PostgreSQL 12+), "..., SSL off" (older).
    bool no_encryption = f.message.find("no encryption") != std::string::npos ||
                         f.message.find("SSL off") != std::string::npos;
    if (f.sqlstate == "28000" && no_encryption) {
      v.refused = true;
    } else if (f.sqlstate == "3D000" ||
               (f.sqlstate == "28000" && f.message.find("does not exist") != std::string::npos)) {
      // Unknown database or role: pg_hba.conf let the plain connection through.
      v.refused = false;
    }
    return v;
  }
  v.answer = r.empty()
                 ? "no answer"
                 : std::string("not a PostgreSQL message (type byte 0x") +
                       "0123456789abcdef"[(r[0] >> 4) & 0xf] + "0123456789abcdef"[r[0] & 0xf] + ")";
  return v;
}

std::string spec_string(const Json& spec, const char* key, const std::string& fallback) {
  auto it = spec.find(key);
  if (it != spec.end() && it->is_string() && !it->get<std::string>().empty())
    return it->get<std::string>();
  return fallback;
}

class PgRun : public std::enable_shared_from_this<PgRun> {
 public:
  PgRun(asio::io_context& io, model::Target target, const ProbeContext& ctx, ProbeDone done)
      : io_(io), target_(std::move(target)), ctx_(ctx), done_(std::move(done)) {
    ctx_.io = &io;
  }

  void start() {
    std::string endpoint = spec_string(target_.spec, "endpoint", "");
    auto hp = net::parse_host_port(endpoint);
    if (!hp) return finish(false, target_.id + ": `endpoint`: " + hp.error().message());
    hp_ = *hp;
    subject_ = target_.id + " (" + hp_.to_string() + ")";
    user_ = spec_string(target_.spec, "user", "sovereignd");
    database_ = spec_string(target_.spec, "database", user_);
    pg_ = {{"endpoint", hp_.to_string()},
           {"address", nullptr},
           {"user", user_},
           {"database", database_},
           {"ssl_answer", nullptr},
           {"tls", nullptr},
           {"tls_error", nullptr},
           {"plaintext_refused", nullptr},
           {"plaintext_answer", nullptr},
           {"sqlstate", nullptr}};
    ssl_request();
  }

 private:
  void ssl_request() {
    auto self = shared_from_this();
    net::async_connect(io_, hp_, ctx_.deadline, [self](Result<net::Connection> c) {
      if (!c) return self->finish(false, self->subject_ + ": " + c.error().message());
      self->pg_["address"] = c->address;
      net::async_exchange(
          std::move(c->socket), kSslRequest, 1, [](std::string_view r) { return !r.empty(); },
          self->ctx_.deadline,
          [self](Result<net::Exchange> x) {
            if (!x) {
              return self->finish(false, self->subject_ + ": SSLRequest: " + x.error().message());
            }
            char a = x->received[0];
            if (a != 'S' && a != 'N') {
              return self->finish(false,
                                  self->subject_ + ": not a PostgreSQL answer to SSLRequest");
            }
            self->pg_["ssl_answer"] = std::string(1, a);
            if (a == 'S') return self->run_tls();
            self->pg_["tls"] = false;
            self->unknown_.add("tls", "the server answered 'N' to SSLRequest: no TLS to probe");
            self->plaintext();
          });
    });
  }

  void run_tls() {
    model::Target t = target_;
    t.kind = "tls";
    t.spec["starttls"] = "postgres";
    for (const char* k : {"user", "database"}) t.spec.erase(k);
    tls_ = std::make_shared<tls::TlsProbe>();
    auto self = shared_from_this();
    tls_->run(t, ctx_, [self](ProbeResult r) {
      if (r.facts.doc().contains("tls")) {
        self->facts_.doc()["tls"] = r.facts.doc()["tls"];
        for (const auto& [prefix, src] : r.facts.sources()) self->facts_.set_source(prefix, src);
      }
      self->pg_["tls"] = r.ok;
      if (!r.ok) self->pg_["tls_error"] = r.error;
      asio::post(self->io_, [self] { self->plaintext(); });
    });
  }

  void plaintext() {
    auto self = shared_from_this();
    auto unknown = [self](const std::string& why) {
      self->unknown_.add("postgres.plaintext_refused", why);
      self->finish(true, "");
    };
    net::async_connect(io_, hp_, ctx_.deadline, [self, unknown](Result<net::Connection> c) {
      if (!c) return unknown("plain connection: " + c.error().message());
      net::async_exchange(
          std::move(c->socket), startup_message(self->user_, self->database_), kMaxAnswerBytes,
          message_complete, self->ctx_.deadline, [self, unknown](Result<net::Exchange> x) {
            if (!x) return unknown("StartupMessage without TLS: " + x.error().message());
            Verdict v = classify(x->received);
            self->pg_["plaintext_refused"] = v.refused;
            self->pg_["plaintext_answer"] = v.answer;
            if (!v.sqlstate.empty()) self->pg_["sqlstate"] = v.sqlstate;
            if (v.refused.is_null()) {
              self->unknown_.add("postgres.plaintext_refused",
                                 "the answer to a plain StartupMessage does not say: " + v.answer);
            }
            self->finish(true, "");
          });
    });
  }

  void finish(bool ok, std::string error) {
    if (finished_) return;
    finished_ = true;
    ProbeResult r;
    r.ok = ok;
    r.error = std::move(error);
    if (!pg_.is_null()) {
      pg_["unknown"] = unknown_.json();
      auto when = ctx_.clock ? std::optional<TimePoint>(ctx_.clock->now()) : std::nullopt;
      model::Source src{model::SourceKind::kObserved, "postgres " + hp_.to_string(), when};
      (void)facts_.set("postgres", pg_, src);
    }
    r.facts = std::move(facts_);
    auto done = std::move(done_);
    done(std::move(r));
  }

  asio::io_context& io_;
  model::Target target_;
  ProbeContext ctx_;
  ProbeDone done_;
  net::HostPort hp_;
  std::string subject_;
  std::string user_;
  std::string database_;
  Json pg_;
  Unknowns unknown_;
  model::Facts facts_;
  std::shared_ptr<tls::TlsProbe> tls_;
  bool finished_ = false;
};

}  // namespace

void PostgresProbe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  try {
    if (ctx.io != nullptr) {
      std::make_shared<PgRun>(*ctx.io, target, ctx, std::move(done))->start();
      return;
    }
    asio::io_context io;
    std::make_shared<PgRun>(io, target, ctx, std::move(done))->start();
    io.run();
  } catch (const std::exception& e) {
    ProbeResult r;
    r.ok = false;
    r.error = target.id + ": internal error: " + e.what();
    if (done) done(std::move(r));
  }
}

std::vector<model::FactSchemaEntry> PostgresProbe::fact_schema() const {
  return postgres_fact_schema();
}

}  // namespace sov::probes::storage
