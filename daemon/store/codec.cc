// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/codec.h"

#include <chrono>

#include <openssl/err.h>
#include <openssl/evp.h>

namespace sov::store::codec {

int64_t to_ns(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint from_ns(int64_t ns) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns)));
}

std::optional<int64_t> to_ns(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return to_ns(*t);
}

std::optional<TimePoint> from_ns(const std::optional<int64_t>& ns) {
  if (!ns) return std::nullopt;
  return from_ns(*ns);
}

int64_t status_code(model::Status s) {
  switch (s) {
    case model::Status::kPass:
      return 0;
    case model::Status::kFail:
      return 1;
    case model::Status::kError:
      return 2;
    case model::Status::kNotApplicable:
      return 3;
    case model::Status::kManual:
      return 4;
    case model::Status::kStale:
      return 5;
    case model::Status::kWaived:
      return 6;
  }
  return 2;
}

std::optional<model::Status> status_from_code(int64_t code) {
  for (model::Status s : model::kAllStatuses) {
    if (status_code(s) == code) return s;
  }
  return std::nullopt;
}

std::optional<model::SourceKind> parse_source_kind(std::string_view name) {
  for (auto k : {model::SourceKind::kObserved, model::SourceKind::kDeclared,
                 model::SourceKind::kAttested, model::SourceKind::kDerived}) {
    if (model::source_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<Json> parse(std::string_view text, std::string_view what) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return fail(ErrorCode::kCorrupt, std::string(what) + ": stored JSON does not parse");
  }
  return j;
}

void append_json_string(std::string* out, std::string_view s) {
  // Fast path for printable ASCII, which dump() copies verbatim; anything else goes through
  // nlohmann itself so the bytes always agree with dump().
  bool plain = true;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
    return;
  }
  out->append(dump(Json(std::string(s))));
}

// ---------------------------------------------------------------------------------------------

void append_json_value(std::string* out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      out->append("null");
      return;
    case Json::value_t::boolean:
      out->append(j.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer:
      out->append(std::to_string(j.get<int64_t>()));
      return;
    case Json::value_t::number_unsigned:
      out->append(std::to_string(j.get<uint64_t>()));
      return;
    case Json::value_t::string:
      append_json_string(out, j.get_ref<const std::string&>());
      return;
    default:
      out->append(dump(j));
      return;
  }
}

namespace {

Error corrupt(std::string what) { return Error(ErrorCode::kCorrupt, std::move(what)); }

const Json* member(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

void append_source(std::string* out, const model::Source& s, std::optional<int64_t> base) {
  out->append("{\"kind\":\"");
  out->append(model::source_kind_name(s.kind));  // plain ASCII names
  out->append("\",\"when\":");
  if (s.when) {
    out->append(std::to_string(to_ns(*s.when) - base.value_or(0)));
  } else {
    out->append("null");
  }
  out->append(",\"where\":");
  append_json_string(out, s.where);
  out->push_back('}');
}

Result<model::Source> decode_source(const Json& j, std::optional<int64_t> base) {
  if (!j.is_object()) return corrupt("stored source is not an object");
  const Json* kind = member(j, "kind");
  const Json* where = member(j, "where");
  const Json* when = member(j, "when");
  if (kind == nullptr || !kind->is_string() || where == nullptr || !where->is_string()) {
    return corrupt("stored source lacks kind or where");
  }
  auto k = parse_source_kind(kind->get_ref<const std::string&>());
  if (!k) return corrupt("stored source has unknown kind " + kind->dump());
  model::Source s;
  s.kind = *k;
  s.where = where->get<std::string>();
  if (when != nullptr && !when->is_null()) {
    if (!when->is_number_integer()) return corrupt("stored source time is not an integer");
    s.when = from_ns(when->get<int64_t>() + base.value_or(0));
  }
  return s;
}

}  // namespace

std::optional<int64_t> evidence_base(const std::vector<model::EvidenceItem>& evidence) {
  for (const auto& e : evidence) {
    if (e.source && e.source->when) return to_ns(*e.source->when);
  }
  return std::nullopt;
}

void append_evidence(std::string* out, const std::vector<model::EvidenceItem>& evidence,
                     std::optional<int64_t> base) {
  out->push_back('[');
  bool first = true;
  for (const auto& e : evidence) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('{');
    if (e.missing) out->append("\"missing\":true,");
    out->append("\"path\":");
    append_json_string(out, e.path);
    if (e.source) {
      out->append(",\"source\":");
      append_source(out, *e.source, base);
    }
    out->append(",\"value\":");
    append_json_value(out, e.value);
    out->push_back('}');
  }
  out->push_back(']');
}

Result<std::vector<model::EvidenceItem>> decode_evidence(const Json& j,
                                                         std::optional<int64_t> base) {
  if (!j.is_array()) return corrupt("stored evidence is not a list");
  std::vector<model::EvidenceItem> out;
  out.reserve(j.size());
  for (const Json& item : j) {
    if (!item.is_object()) return corrupt("stored evidence item is not an object");
    const Json* path = member(item, "path");
    if (path == nullptr || !path->is_string()) return corrupt("stored evidence item lacks path");
    model::EvidenceItem e;
    e.path = path->get<std::string>();
    if (const Json* v = member(item, "value")) e.value = *v;
    if (const Json* m = member(item, "missing")) e.missing = m->is_boolean() && m->get<bool>();
    if (const Json* s = member(item, "source")) {
      auto src = decode_source(*s, base);
      if (!src) return src.error();
      e.source = std::move(*src);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<int64_t> sources_base(const std::map<std::string, model::Source>& sources) {
  for (const auto& [path, s] : sources) {
    if (s.when) return to_ns(*s.when);
  }
  return std::nullopt;
}

void append_sources(std::string* out, const std::map<std::string, model::Source>& sources,
                    std::optional<int64_t> base) {
  // std::map iterates in byte order, which is the order dump() sorts object keys in.
  out->push_back('{');
  bool first = true;
  for (const auto& [path, s] : sources) {
    if (!first) out->push_back(',');
    first = false;
    append_json_string(out, path);
    out->push_back(':');
    append_source(out, s, base);
  }
  out->push_back('}');
}

Result<std::map<std::string, model::Source>> decode_sources(const Json& j,
                                                            std::optional<int64_t> base) {
  if (!j.is_object()) return corrupt("stored sources are not an object");
  std::map<std::string, model::Source> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto s = decode_source(it.value(), base);
    if (!s) return s.error();
    out.emplace(it.key(), std::move(*s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

namespace {

void key(std::string* out, const char* k) {
  if (out->back() != '{') out->push_back(',');  // no value ends with '{'
  out->push_back('"');
  out->append(k);
  out->append("\":");
}

void optional_int(std::string* out, const std::optional<int64_t>& v) {
  if (v) {
    out->append(std::to_string(*v));
  } else {
    out->append("null");
  }
}

}  // namespace

std::string canonical_finding(const ChainFields& f) {
  std::string out;
  out.reserve(256 + f.message.size() + f.evidence_json.size() + f.basis_json.size());
  out.push_back('{');
  // Keys in the byte order nlohmann's std::map gives them.
  key(&out, "basis");
  out.append(f.basis_json);
  key(&out, "effective");
  optional_int(&out, f.effective);
  key(&out, "evaluated_at");
  out.append(std::to_string(f.evaluated_at));
  key(&out, "evidence");
  out.append(f.evidence_json);
  key(&out, "id");
  out.append(std::to_string(f.id));
  key(&out, "in_force");
  out.append(f.in_force ? "true" : "false");
  key(&out, "message");
  append_json_string(&out, f.message);
  key(&out, "raw_status");
  if (f.raw_status) {
    append_json_string(&out, *f.raw_status);
  } else {
    out.append("null");
  }
  key(&out, "reference");
  append_json_string(&out, f.reference);
  key(&out, "remediation");
  append_json_string(&out, f.remediation);
  key(&out, "rule_id");
  append_json_string(&out, f.rule_id);
  key(&out, "ruleset");
  append_json_string(&out, f.ruleset);
  key(&out, "ruleset_version");
  append_json_string(&out, f.ruleset_version);
  key(&out, "scan_id");
  out.append(std::to_string(f.scan_id));
  key(&out, "severity");
  append_json_string(&out, f.severity);
  key(&out, "source_url");
  append_json_string(&out, f.source_url);
  key(&out, "status");
  append_json_string(&out, f.status);
  key(&out, "target");
  append_json_string(&out, f.target);
  key(&out, "title");
  append_json_string(&out, f.title);
  out.push_back('}');
  return out;
}

std::string canonical_details(std::string_view message, std::string_view evidence_json,
                              std::string_view basis_json) {
  std::string out;
  out.reserve(40 + message.size() + evidence_json.size() + basis_json.size());
  out.append("{\"basis\":");
  out.append(basis_json);
  out.append(",\"evidence\":");
  out.append(evidence_json);
  out.append(",\"message\":");
  append_json_string(&out, message);
  out.push_back('}');
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string genesis_hash() { return std::string(kHashSize, '\0'); }

// ---------------------------------------------------------------------------------------------

struct Sha256::State {
  struct MdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
  };
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD, MdFree> md;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx;
};

namespace {

// Drains OpenSSL's per-thread error queue into one message.
Error openssl_error(std::string_view what) {
  std::string msg = "SHA-256: " + std::string(what);
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  return Error(ErrorCode::kInternal, std::move(msg));
}

}  // namespace

Sha256::Sha256(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

Result<Sha256> Sha256::create() {
  ERR_clear_error();
  auto state = std::make_unique<State>();
  state->md.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!state->md) return openssl_error("fetch algorithm");
  state->ctx.reset(EVP_MD_CTX_new());
  if (!state->ctx) return openssl_error("new context");
  return Sha256(std::move(state));
}

Result<std::string> Sha256::digest(std::string_view a, std::string_view b) {
  EVP_MD_CTX* ctx = state_->ctx.get();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, state_->md.get(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 || EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    return openssl_error("digest");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace sov::store::codec
