// SPDX-License-Identifier: Apache-2.0
// The S3 probe's state machine. One Session per run: it owns what the run learns and binds
// shared_from_this() into each completion. Requests go one after another (location first, so
// that the rest are signed for the bucket's region); concurrency comes from running many
// sessions on one io_context.
#include "probes/s3/s3_probe.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "daemon/net/net.h"
#include "probes/s3/credentials.h"
#include "probes/s3/regions.h"
#include "probes/s3/responses.h"
#include "probes/s3/sigv4.h"
#include "probes/tls/tls_probe.h"

namespace sov::probes::s3 {

namespace asio = boost::asio;
using model::Json;
using net::Deadline;
using SteadyClock = std::chrono::steady_clock;

struct S3Probe::Impl {
  explicit Impl(S3ProbeOptions o) : options(o), tls(tls_options()) {}

  static tls::TlsProbeOptions tls_options() {
    tls::TlsProbeOptions o;
    o.mode = tls::Mode::kHandshake;
    return o;
  }

  S3ProbeOptions options;
  tls::TlsProbe tls;
};

namespace {

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Spec {
  std::string target_id;
  bool https = true;
  net::HostPort endpoint;  // as configured
  std::string bucket;
  std::string region;  // configured signing region, or empty
  bool virtual_host = false;
  std::string ca_file;
  std::optional<net::HostPort> connect_to;
  std::string endpoint_text;  // "https://host:port", for messages and facts
};

// A bucket name a DNS label can carry (virtual-host style, and TLS wildcard certificates).
bool dns_compatible(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

// A bucket name S3 would accept at all (path-style may carry dots and upper case on old
// buckets): 1..255 printable characters without '/', '?', '#' or blanks.
bool plausible_bucket(const std::string& bucket) {
  if (bucket.empty() || bucket.size() > 255) return false;
  for (char c : bucket) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%') return false;
  }
  return true;
}

Result<Spec> parse_spec(const model::Target& target) {
  Spec s;
  s.target_id = target.id;
  const Json& j = target.spec;
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kInvalidInput, target.id + ": " + what);
  };
  auto text = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string endpoint = text("endpoint");
  if (endpoint.empty()) return bad("spec: endpoint is required (https://host[:port])");
  std::string rest = endpoint;
  if (rest.rfind("https://", 0) == 0) {
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    s.https = false;
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return bad("spec: endpoint '" + endpoint + "' is neither http:// nor https://");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos || rest.find('@') != std::string::npos) {
    return bad("spec: endpoint '" + endpoint + "' must be scheme://host[:port] without a path");
  }
  bool has_port = !rest.empty() && rest.back() != ']' &&
                  rest.find(':', rest.rfind(']') == std::string::npos ? 0 : rest.rfind(']')) !=
                      std::string::npos;
  auto hp = net::parse_host_port(has_port ? rest : rest + (s.https ? ":443" : ":80"));
  if (!hp) return bad("spec: endpoint '" + endpoint + "': " + hp.error().message());
  s.endpoint = *hp;
  s.bucket = text("bucket");
  if (s.bucket.empty()) return bad("spec: bucket is required");
  if (!plausible_bucket(s.bucket)) return bad("spec: '" + s.bucket + "' is not a bucket name");
  s.region = text("region");
  std::string addressing = text("addressing");
  if (addressing.empty() || addressing == "auto") {
    s.virtual_host = !net::is_ip_literal(s.endpoint.host) && s.endpoint.host != "localhost" &&
                     dns_compatible(s.bucket);
  } else if (addressing == "virtual") {
    if (!dns_compatible(s.bucket)) {
      return bad("spec: bucket '" + s.bucket + "' cannot be addressed as a host name (virtual)");
    }
    if (net::is_ip_literal(s.endpoint.host)) {
      return bad("spec: addressing virtual needs a host name, not an address");
    }
    s.virtual_host = true;
  } else if (addressing != "path") {
    return bad("spec: addressing must be path, virtual or auto, not '" + addressing + "'");
  }
  s.ca_file = text("ca_file");
  if (std::string c = text("connect_to"); !c.empty()) {
    auto to = net::parse_host_port(c);
    if (!to) return bad("spec: connect_to '" + c + "': " + to.error().message());
    s.connect_to = *to;
  }
  s.endpoint_text = std::string(s.https ? "https://" : "http://") + s.endpoint.to_string();
  return s;
}

// The host a request goes to: the bucket's own name in virtual-host style.
std::string request_host(const Spec& s) {
  return s.virtual_host ? s.bucket + "." + s.endpoint.host : s.endpoint.host;
}

// The Host header (and URL authority): the port only when not the scheme's default.
std::string authority(const Spec& s, const std::string& host) {
  uint16_t default_port = s.https ? 443 : 80;
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return s.endpoint.port == default_port ? h : h + ":" + std::to_string(s.endpoint.port);
}

// Replaces every occurrence of the secret and the key id: server messages may quote a request.
std::string scrub(std::string text, const Credentials& creds) {
  for (const std::string* secret : {&creds.secret_access_key, &creds.access_key_id}) {
    if (secret->size() < 4) continue;
    for (size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) {
      text.replace(at, secret->size(), "<redacted>");
    }
  }
  return text;
}

// How one API call came out.
enum class Outcome {
  kOk,        // 200 with a body to parse
  kNoConfig,  // the "no such configuration" answer: a fact (false)
  kUnknown,   // not implemented, denied, unexpected: the facts stay null, `reason` says why
  kFatal,     // the bucket cannot be probed at all (missing bucket, deadline passed)
};

struct Answer {
  Outcome outcome = Outcome::kUnknown;
  std::string body;
  std::string reason;
  std::string bucket_region;  // x-amz-bucket-region, when the server sent it
  bool transport = false;     // no HTTP answer at all (refused, reset, TLS, oversized, garbage)
};

struct Api {
  std::string_view name;         // GetBucketEncryption
  std::string_view subresource;  // encryption
  std::string_view no_config;    // the error code meaning "none configured", or empty
};

constexpr Api kLocation{"GetBucketLocation", "location", ""};
constexpr Api kEncryption{"GetBucketEncryption", "encryption",
                          "ServerSideEncryptionConfigurationNotFoundError"};
constexpr Api kReplication{"GetBucketReplication", "replication",
                           "ReplicationConfigurationNotFoundError"};
constexpr Api kVersioning{"GetBucketVersioning", "versioning", ""};
constexpr Api kObjectLock{"GetObjectLockConfiguration", "object-lock",
                          "ObjectLockConfigurationNotFoundError"};
constexpr Api kPolicyStatus{"GetBucketPolicyStatus", "policyStatus", "NoSuchBucketPolicy"};
constexpr Api kAcl{"GetBucketAcl", "acl", ""};

Answer judge(const Api& api, const std::string& bucket, Result<net::HttpResponse> r) {
  Answer a;
  std::string name(api.name);
  if (!r) {
    a.outcome = r.error().code() == ErrorCode::kTimeout ? Outcome::kFatal : Outcome::kUnknown;
    a.transport = true;
    a.reason = name + ": " + r.error().message();
    return a;
  }
  for (const auto& h : r->headers) {
    if (h.name == "x-amz-bucket-region" || h.name == "X-Amz-Bucket-Region") {
      a.bucket_region = h.value;
    }
  }
  if (r->status == 200) {
    a.outcome = Outcome::kOk;
    a.body = std::move(r->body);
    return a;
  }
  auto err = parse_error(r->body);
  std::string code = err ? err->code : "";
  std::string detail =
      "HTTP " + std::to_string(r->status) +
      (err ? " " + err->code + (err->message.empty() ? "" : ": " + err->message) : "");
  if (!api.no_config.empty() && code == api.no_config) {
    a.outcome = Outcome::kNoConfig;
    return a;
  }
  if (code == "NoSuchBucket") {
    a.outcome = Outcome::kFatal;
    a.reason = "bucket '" + bucket + "' does not exist (" + name + ": " + detail + ")";
  } else if (r->status == 501 || r->status == 405 || code == "NotImplemented" ||
             code == "MethodNotAllowed") {
    a.reason = "the server does not implement " + name + " (" + detail + ")";
  } else if (r->status == 403) {
    a.reason = name + " was refused (" + detail + ")";
  } else {
    a.reason = name + " answered " + detail;
  }
  return a;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<S3Probe::Impl> impl, asio::io_context& io, const Clock& clock,
          Deadline deadline, Spec spec, Credentials creds, ProbeDone done)
      : impl_(std::move(impl)),
        io_(io),
        clock_(clock),
        deadline_(deadline),
        spec_(std::move(spec)),
        creds_(std::move(creds)),
        done_(std::move(done)) {
    where_ = spec_.target_id + " (" + spec_.endpoint_text + ")";
    signing_region_ = spec_.region.empty() ? "us-east-1" : spec_.region;
    source_ = model::Source{model::SourceKind::kObserved, "s3 " + spec_.endpoint_text, now()};
    facts_.set_source("s3", source_);
  }

  void start() {
    Json& s3 = s3_doc();
    s3["endpoint"] = spec_.endpoint_text;
    s3["host"] = request_host(spec_);
    s3["port"] = spec_.endpoint.port;
    s3["bucket"] = spec_.bucket;
    s3["addressing"] = spec_.virtual_host ? "virtual" : "path";
    s3["authenticated"] = !creds_.empty();
    s3["https"] = spec_.https;
    s3["provider"] = provider_of_host(spec_.endpoint.host).empty()
                         ? Json(nullptr)
                         : Json(std::string(provider_of_host(spec_.endpoint.host)));
    s3["unknown"] = Json::array();
    location();
  }

 private:
  Json& s3_doc() { return facts_.doc()["s3"]; }

  void unknown(const std::string& path, const std::string& reason) {
    s3_doc()["unknown"].push_back({{"path", path}, {"reason", scrub(reason, creds_)}});
  }

  // Sets an s3.* value (dotted path below s3, no indices).
  void set(const std::string& path, Json value) {
    (void)facts_.set("s3." + path, std::move(value), source_);
  }

  using Next = std::function<void(Answer)>;

  void call(const Api& api, const std::string& bucket, const std::string& region, Next next) {
    if (fatal_) return next(Answer{Outcome::kFatal, {}, fatal_reason_, {}, false});
    Spec target = spec_;
    target.bucket = bucket;
    std::string host = request_host(target);
    std::string path = target.virtual_host ? "/" : "/" + uri_encode(bucket, false);
    std::string url = std::string(spec_.https ? "https://" : "http://") + authority(spec_, host) +
                      path + "?" + std::string(api.subresource);
    net::HttpRequest req;
    req.url = url;
    req.max_body = impl_->options.max_body;
    req.ca_file = spec_.ca_file;
    if (spec_.connect_to) req.connect_to = *spec_.connect_to;
    if (!creds_.empty()) sign(&req, authority(spec_, host), path, api, region);
    auto self = shared_from_this();
    Api copy = api;
    net::async_http(io_, std::move(req), deadline_,
                    [self, copy, bucket, next = std::move(next)](Result<net::HttpResponse> r) {
                      next(judge(copy, bucket, std::move(r)));
                    });
  }

  void sign(net::HttpRequest* req, const std::string& host, const std::string& path, const Api& api,
            const std::string& region) {
    // Signing needs the real time even when facts are stamped by a test clock: the server
    // refuses a request whose date is off by more than a few minutes.
    std::string date = amz_date(std::chrono::system_clock::now());
    SignedRequest sr;
    sr.method = "GET";
    sr.path = path;
    sr.query = {{std::string(api.subresource), ""}};
    sr.payload_sha256 = std::string(kEmptySha256);
    sr.headers = {
        {"host", host}, {"x-amz-content-sha256", sr.payload_sha256}, {"x-amz-date", date}};
    Scope scope{date.substr(0, 8), region, "s3"};
    req->headers.push_back({"x-amz-content-sha256", sr.payload_sha256});
    req->headers.push_back({"x-amz-date", date});
    req->headers.push_back({"Authorization", authorization(creds_, scope, date, sr)});
  }

  // A fatal answer stops the run: the remaining requests are not sent.
  bool stop_if_fatal(const Answer& a) {
    if (a.outcome != Outcome::kFatal) return false;
    if (!fatal_) {
      fatal_ = true;
      fatal_reason_ = a.reason;
    }
    return true;
  }

  void location() {
    auto self = shared_from_this();
    call(kLocation, spec_.bucket, signing_region_, [self](Answer a) {
      self->on_location(std::move(a));
      self->encryption();
    });
  }

  void on_location(Answer a) {
    // The first answer decides whether the endpoint speaks S3 at all: no HTTP answer, or a
    // success whose body is not S3's document, fails the probe; later failures leave their facts
    // unknown.
    if (a.transport) a.outcome = Outcome::kFatal;
    std::optional<std::string> region;
    if (a.outcome == Outcome::kOk) {
      auto r = parse_location(a.body);
      if (r) {
        region = *r;
      } else {
        a.outcome = Outcome::kFatal;
        a.reason = "GetBucketLocation: the answer is not S3's LocationConstraint document (" +
                   r.error().message() + ")";
      }
    }
    if (stop_if_fatal(a)) return;
    if (!region && !a.bucket_region.empty()) region = a.bucket_region;
    if (!region) {
      set("region", nullptr);
      unknown("s3.region", a.reason);
      set("country", nullptr);
      unknown("s3.country", "the bucket's region is unknown");
      return;
    }
    set("region", *region);
    if (spec_.region.empty()) signing_region_ = *region;
    set_country("country", *region, "s3.country");
  }

  void set_country(const std::string& path, const std::string& region,
                   const std::string& full_path) {
    auto rc = region_country(region, spec_.endpoint.host);
    if (!rc) {
      set(path, nullptr);
      if (provider_of_host(spec_.endpoint.host).empty()) {
        unknown(full_path, "region '" + region + "' is reported by " + spec_.endpoint.host +
                               ", which is no known provider's S3 endpoint: the name does not "
                               "locate the data there");
      } else {
        unknown(full_path, "region '" + region + "' is not in the " +
                               std::string(provider_of_host(spec_.endpoint.host)) +
                               " region table");
      }
      return;
    }
    set(path, std::string(rc->country));
    facts_.set_source("s3." + path, model::Source{model::SourceKind::kDerived,
                                                  "region table: " + std::string(rc->source) +
                                                      " (as of " + std::string(rc->as_of) + ")",
                                                  now()});
  }

  void encryption() {
    auto self = shared_from_this();
    call(kEncryption, spec_.bucket, signing_region_, [self](Answer a) {
      if (!self->stop_if_fatal(a)) self->on_encryption(std::move(a));
      self->replication();
    });
  }

  void on_encryption(Answer a) {
    if (a.outcome == Outcome::kNoConfig) {
      set("encryption.enabled", false);
      set("encryption.algorithm", nullptr);
      set("encryption.kms_key", nullptr);
      return;
    }
    if (a.outcome == Outcome::kOk) {
      auto e = parse_encryption(a.body);
      if (e) {
        set("encryption.enabled", e->enabled);
        set("encryption.algorithm", e->algorithm.empty() ? Json(nullptr) : Json(e->algorithm));
        set("encryption.kms_key", e->kms_key.empty() ? Json(nullptr) : Json(e->kms_key));
        if (e->bucket_key_enabled) set("encryption.bucket_key", *e->bucket_key_enabled);
        return;
      }
      a.reason = "GetBucketEncryption: the answer is not a ServerSideEncryptionConfiguration (" +
                 e.error().message() + ")";
    }
    for (const char* leaf : {"enabled", "algorithm", "kms_key"}) {
      set(std::string("encryption.") + leaf, nullptr);
    }
    unknown("s3.encryption", a.reason);
  }

  void replication() {
    auto self = shared_from_this();
    call(kReplication, spec_.bucket, signing_region_, [self](Answer a) {
      if (!self->stop_if_fatal(a)) self->on_replication(std::move(a));
      self->destination(0);
    });
  }

  void on_replication(Answer a) {
    set("replication.destinations", Json::array());
    if (a.outcome == Outcome::kNoConfig) {
      set("replication.enabled", false);
      return;
    }
    if (a.outcome == Outcome::kOk) {
      auto r = parse_replication(a.body);
      if (r) {
        set("replication.enabled", r->enabled);
        Json list = Json::array();
        for (const auto& d : r->destinations) {
          list.push_back(
              {{"bucket", d.bucket},
               {"arn", d.bucket_arn},
               {"region", d.region.empty() ? Json(nullptr) : Json(d.region)},
               {"country", nullptr},
               {"storage_class", d.storage_class.empty() ? Json(nullptr) : Json(d.storage_class)}});
        }
        s3_doc()["replication"]["destinations"] = std::move(list);
        return;
      }
      a.reason = "GetBucketReplication: the answer is not a ReplicationConfiguration (" +
                 r.error().message() + ")";
    }
    set("replication.enabled", nullptr);
    s3_doc()["replication"]["destinations"] = nullptr;
    unknown("s3.replication", a.reason);
  }

  // Each destination's region: from its ARN when it has one, else its GetBucketLocation on the
  // same endpoint (S3 answers it for any bucket the credentials may read).
  void destination(size_t i) {
    Json* list = &s3_doc()["replication"]["destinations"];
    if (fatal_ || !list->is_array() || i >= list->size()) return versioning();
    std::string path = "s3.replication.destinations[" + std::to_string(i) + "]";
    if (i >= impl_->options.max_destinations) {
      unknown("s3.replication.destinations[*].region",
              "destinations after the first " + std::to_string(impl_->options.max_destinations) +
                  " are not located");
      return versioning();
    }
    Json& d = (*list)[i];
    if (d["region"].is_string()) {
      set_destination_country(i, d["region"].get<std::string>());
      return destination(i + 1);
    }
    auto self = shared_from_this();
    call(kLocation, d["bucket"].get<std::string>(), "us-east-1", [self, i, path](Answer a) {
      Json& dest = self->s3_doc()["replication"]["destinations"][i];
      std::optional<std::string> region;
      if (a.outcome == Outcome::kOk) {
        if (auto r = parse_location(a.body)) region = *r;
      }
      if (!region && !a.bucket_region.empty()) region = a.bucket_region;
      if (region) {
        dest["region"] = *region;
        self->set_destination_country(i, *region);
      } else if (a.transport && self->stop_if_fatal(a)) {
        // The deadline passed: the run stops. (A destination missing at this endpoint, say in
        // another account, only leaves its region unknown.)
      } else {
        self->unknown(path + ".region", "location of destination bucket '" +
                                            dest["bucket"].get<std::string>() +
                                            "': " + (a.reason.empty() ? "no region" : a.reason));
        self->unknown(path + ".country", "region unknown");
      }
      self->destination(i + 1);
    });
  }

  void set_destination_country(size_t i, const std::string& region) {
    std::string rel = "replication.destinations[" + std::to_string(i) + "]";
    auto rc = region_country(region, spec_.endpoint.host);
    Json& dest = s3_doc()["replication"]["destinations"][i];
    if (rc) {
      dest["country"] = std::string(rc->country);
    } else {
      unknown("s3." + rel + ".country",
              "region '" + region + "' is not in the region table of the endpoint's provider");
    }
  }

  void versioning() {
    auto self = shared_from_this();
    call(kVersioning, spec_.bucket, signing_region_, [self](Answer a) {
      if (!self->stop_if_fatal(a)) self->on_versioning(std::move(a));
      self->object_lock();
    });
  }

  void on_versioning(Answer a) {
    if (a.outcome == Outcome::kOk) {
      auto v = parse_versioning(a.body);
      if (v) {
        set("versioning.status", v->status);
        set("versioning.enabled", v->status == "enabled");
        set("versioning.mfa_delete", v->mfa_delete ? Json(*v->mfa_delete) : Json(nullptr));
        return;
      }
      a.reason = "GetBucketVersioning: the answer is not a VersioningConfiguration (" +
                 v.error().message() + ")";
    }
    set("versioning.status", nullptr);
    set("versioning.enabled", nullptr);
    set("versioning.mfa_delete", nullptr);
    unknown("s3.versioning", a.reason);
  }

  void object_lock() {
    auto self = shared_from_this();
    call(kObjectLock, spec_.bucket, signing_region_, [self](Answer a) {
      if (!self->stop_if_fatal(a)) self->on_object_lock(std::move(a));
      self->policy_status();
    });
  }

  void on_object_lock(Answer a) {
    if (a.outcome == Outcome::kNoConfig) {
      set("object_lock.enabled", false);
      set("object_lock.mode", nullptr);
      set("object_lock.retention_days", nullptr);
      return;
    }
    if (a.outcome == Outcome::kOk) {
      auto o = parse_object_lock(a.body);
      if (o) {
        set("object_lock.enabled", o->enabled);
        set("object_lock.mode", o->mode.empty() ? Json(nullptr) : Json(o->mode));
        Json days = nullptr;
        if (o->days) days = *o->days;
        if (o->years) days = *o->years * 365;
        set("object_lock.retention_days", days);
        return;
      }
      a.reason = "GetObjectLockConfiguration: the answer is not an ObjectLockConfiguration (" +
                 o.error().message() + ")";
    }
    set("object_lock.enabled", nullptr);
    set("object_lock.mode", nullptr);
    set("object_lock.retention_days", nullptr);
    unknown("s3.object_lock", a.reason);
  }

  void policy_status() {
    auto self = shared_from_this();
    call(kPolicyStatus, spec_.bucket, signing_region_, [self](Answer a) {
      if (!self->stop_if_fatal(a)) {
        if (a.outcome == Outcome::kNoConfig) {
          self->policy_public_ = false;  // no bucket policy: nothing public through one
        } else if (a.outcome == Outcome::kOk) {
          auto p = parse_policy_status(a.body);
          if (p) {
            self->policy_public_ = *p;
          } else {
            self->policy_reason_ = "GetBucketPolicyStatus: the answer is not a PolicyStatus (" +
                                   p.error().message() + ")";
          }
        } else {
          self->policy_reason_ = a.reason;
        }
      }
      self->acl();
    });
  }

  void acl() {
    auto self = shared_from_this();
    call(kAcl, spec_.bucket, signing_region_, [self](Answer a) {
      if (!self->stop_if_fatal(a)) self->on_acl(std::move(a));
      self->tls_facts();
    });
  }

  // s3.public: true when the policy or the ACL makes the bucket public; false only when both
  // are known and neither does; otherwise unknown.
  void on_acl(Answer a) {
    std::optional<bool> acl_public;
    std::string acl_reason = a.reason;
    Json grants = Json::array();
    if (a.outcome == Outcome::kOk) {
      auto acl = parse_acl(a.body);
      if (acl) {
        acl_public = acl->is_public;
        for (const auto& g : acl->grants) grants.push_back(g);
      } else {
        acl_reason = "GetBucketAcl: the answer is not an AccessControlPolicy (" +
                     acl.error().message() + ")";
      }
    }
    set("public_policy", policy_public_ ? Json(*policy_public_) : Json(nullptr));
    if (!policy_public_) unknown("s3.public_policy", policy_reason_);
    set("public_acl", acl_public ? Json(*acl_public) : Json(nullptr));
    set("public_grants", acl_public ? grants : Json(nullptr));
    if (!acl_public) unknown("s3.public_acl", acl_reason);
    if (policy_public_.value_or(false) || acl_public.value_or(false)) {
      set("public", true);
    } else if (policy_public_ && acl_public) {
      set("public", false);
    } else {
      set("public", nullptr);
      unknown("s3.public", "neither the bucket policy status nor the ACL shows it public, and " +
                               std::string(!policy_public_ ? "the policy status" : "the ACL") +
                               " is unknown");
    }
  }

  // The endpoint's TLS facts, from the TLS probe in handshake mode on the address connected to.
  void tls_facts() {
    if (fatal_ || !spec_.https) return finish();
    model::Target t;
    t.id = spec_.target_id;
    t.kind = "tls";
    net::HostPort where =
        spec_.connect_to.value_or(net::HostPort{request_host(spec_), spec_.endpoint.port});
    t.spec = {{"endpoint", where.to_string()}, {"tls", {{"mode", "handshake"}}}};
    if (!net::is_ip_literal(request_host(spec_))) t.spec["sni"] = request_host(spec_);
    if (!spec_.ca_file.empty()) t.spec["ca_file"] = spec_.ca_file;
    ProbeContext ctx{&io_, &clock_, deadline_};
    auto self = shared_from_this();
    impl_->tls.run(t, ctx, [self](ProbeResult r) {
      for (auto& [key, value] : r.facts.doc().items()) self->facts_.doc()[key] = value;
      for (const auto& [path, source] : r.facts.sources()) self->facts_.set_source(path, source);
      if (!r.ok) self->unknown("tls", "TLS probe of the endpoint: " + r.error);
      self->finish();
    });
  }

  void finish() {
    ProbeResult r;
    if (fatal_) {
      r.ok = false;
      r.error = scrub(where_ + ": " + fatal_reason_, creds_);
      // Facts the run did not reach are unknown, with the reason it stopped.
      for (const char* path : {"region", "country", "encryption.enabled", "replication.enabled",
                               "versioning.enabled", "object_lock.enabled", "public"}) {
        Json* at = &s3_doc();
        std::string p(path);
        bool missing = false;
        for (size_t start = 0; start <= p.size();) {
          size_t dot = std::min(p.find('.', start), p.size());
          std::string key = p.substr(start, dot - start);
          if (!at->is_object() || !at->contains(key)) {
            missing = true;
            break;
          }
          at = &(*at)[key];
          start = dot + 1;
        }
        if (missing) {
          set(p, nullptr);
          unknown("s3." + p, "not reached: " + fatal_reason_);
        }
      }
    }
    r.facts = std::move(facts_);
    auto done = std::move(done_);
    done(std::move(r));
  }

  std::optional<TimePoint> now() const { return clock_.now(); }

  std::shared_ptr<S3Probe::Impl> impl_;
  asio::io_context& io_;
  const Clock& clock_;
  Deadline deadline_;
  Spec spec_;
  Credentials creds_;
  ProbeDone done_;
  std::string where_;
  std::string signing_region_;
  model::Facts facts_;
  model::Source source_;
  bool fatal_ = false;
  std::string fatal_reason_;
  std::optional<bool> policy_public_;
  std::string policy_reason_;
};

}  // namespace

S3Probe::S3Probe(S3ProbeOptions options) : impl_(std::make_shared<Impl>(options)) {}
S3Probe::~S3Probe() = default;

std::vector<model::FactSchemaEntry> S3Probe::fact_schema() const {
  auto out = s3_fact_schema();
  auto tls = tls::tls_fact_schema();
  out.insert(out.end(), tls.begin(), tls.end());
  return out;
}

void S3Probe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  if (run_on_private_loop(*this, target, ctx, done)) return;
  static const SystemClock kSystemClock;
  const Clock& clock = ctx.clock != nullptr ? *ctx.clock : kSystemClock;
  Deadline deadline = working_deadline(ctx);
  auto fail_with = [&](const std::string& error) {
    ProbeResult r;
    r.ok = false;
    r.error = error;
    done(std::move(r));
  };
  auto spec = parse_spec(target);
  if (!spec) return fail_with(spec.error().message());
  auto creds = load_credentials(target.spec);
  if (!creds) {
    return fail_with(target.id + " (" + spec->endpoint_text + "): " + creds.error().message());
  }
  auto session = std::make_shared<Session>(impl_, *ctx.io, clock, deadline, std::move(*spec),
                                           std::move(*creds), std::move(done));
  session->start();
}

}  // namespace sov::probes::s3
