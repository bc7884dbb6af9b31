// SPDX-License-Identifier: Apache-2.0
// The KMS probe: declared custody of an external key manager, plus the endpoint's host. The
// provider's jurisdiction comes from the jurisdiction probe once it exists (key.unknown says so).
#include <optional>
#include <string>

#include "daemon/base/redact.h"
#include "probes/keys/internal.h"
#include "probes/keys/keys_probe.h"

namespace sov::probes::keys {

using model::Json;

namespace {

struct Url {
  std::string scheme;
  std::string host;
  int port = 0;
};

// "https://host[:port][/path]"; userinfo is refused (it would carry credentials).
std::optional<Url> parse_url(const std::string& text, std::string* why) {
  auto colon = text.find("://");
  if (colon == std::string::npos) {
    *why = "not a URL (expected https://HOST[:PORT][/PATH])";
    return std::nullopt;
  }
  Url u;
  u.scheme = text.substr(0, colon);
  std::string rest = text.substr(colon + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) {
    *why = "the URL carries user information; put credentials elsewhere";
    return std::nullopt;
  }
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) {
      *why = "unbalanced [ in the host";
      return std::nullopt;
    }
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else {
    auto c = authority.rfind(':');
    u.host = authority.substr(0, c);
    if (c != std::string::npos) port = authority.substr(c + 1);
  }
  if (u.host.empty()) {
    *why = "no host in the URL";
    return std::nullopt;
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
      *why = "bad port '" + port + "'";
      return std::nullopt;
    }
    u.port = std::stoi(port);
  } else {
    u.port = u.scheme == "https" ? 443 : 0;
  }
  return u;
}

ProbeResult inspect_kms(const model::Target& target, const ProbeContext& ctx) {
  ProbeResult out;
  const Json& spec = target.spec;
  std::string endpoint = spec.value("endpoint", std::string());
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.error = target.id + " (" + (endpoint.empty() ? "kms" : redact(endpoint)) + "): " + why;
    return out;
  };
  if (endpoint.empty()) return fail("spec: `endpoint` is required for kind kms");
  std::string why;
  auto url = parse_url(endpoint, &why);
  if (!url) return fail(why);
  if (url->scheme != "https") return fail("the endpoint must be https, not " + url->scheme);

  Unknowns unknown;
  Json kms = Json::object();
  kms["endpoint"] = endpoint;
  kms["host"] = url->host;
  kms["port"] = url->port;
  kms["holder"] = nullptr;
  kms["origin"] = nullptr;
  kms["rotation_days"] = nullptr;
  if (spec.contains("holder") && spec["holder"].is_string()) {
    kms["holder"] = spec["holder"];
  } else {
    unknown.add("key.kms.holder", "not declared (holder: customer | provider)");
  }
  if (spec.contains("origin") && spec["origin"].is_string()) {
    kms["origin"] = spec["origin"];
  } else {
    unknown.add("key.kms.origin", "not declared (origin: hyok | byok | provider)");
  }
  if (spec.contains("rotation") && spec["rotation"].is_string()) {
    auto d = parse_duration(spec["rotation"].get<std::string>());
    if (!d)
      return fail("spec: rotation '" + spec["rotation"].get<std::string>() +
                  "' is not a duration (e.g. 90d)");
    kms["rotation_days"] = std::chrono::duration<double, std::ratio<86400>>(*d).count();
  } else {
    unknown.add("key.kms.rotation_days", "no rotation period declared");
  }
  kms["jurisdiction"] = nullptr;
  unknown.add("key.kms.jurisdiction",
              "needs the jurisdiction probe (not built yet): the endpoint's operator and its law "
              "are not established");
  Json key = Json::object();
  key["custody"] = "kms";
  key["custody_reason"] = "an external key management service holds the key";
  key["kms"] = std::move(kms);
  key["unknown"] = unknown.json();
  model::Source declared{model::SourceKind::kDeclared,
                         target.declared_source.where.empty() ? "config target " + target.id
                                                              : target.declared_source.where,
                         now_of(ctx)};
  (void)out.facts.set("key", std::move(key), declared);
  out.ok = true;
  return out;
}

}  // namespace

std::vector<model::FactSchemaEntry> KmsProbe::fact_schema() const { return kms_fact_schema(); }

void KmsProbe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  // Nothing blocks: no network yet. Delivered like the other probes.
  ProbeResult r;
  try {
    r = inspect_kms(target, ctx);
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = target.id + ": internal error: " + e.what();
  }
  done(std::move(r));
}

}  // namespace sov::probes::keys
