// SPDX-License-Identifier: Apache-2.0
#pragma once
// The vocabulary every module shares: targets (what is audited), facts (what was observed or
// declared about a target, as a JSON tree with the source of each part), findings (a rule's
// verdict on a target, with its evidence), statuses, severities and the fact schema.
//
// All types here are plain values: copyable, no I/O, no threads. Safe to use from any thread as
// long as one object is not mutated concurrently.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/base/result.h"
#include "daemon/base/time.h"

namespace sov::model {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Status and severity.

// pass: evaluated, compliant. fail: evaluated, non-compliant. error: the probe failed or a fact
// the check needs is missing or unknown. not_applicable: the rule's `when` is false. manual:
// needs a human attestation. stale: the evidence is older than the rule allows. waived: an
// active waiver covers the finding; Finding::raw_status keeps what it would have been.
enum class Status { kPass, kFail, kError, kNotApplicable, kManual, kStale, kWaived };

std::string_view status_name(Status s);
std::optional<Status> parse_status(std::string_view name);
inline constexpr Status kAllStatuses[] = {Status::kPass,          Status::kFail,   Status::kError,
                                          Status::kNotApplicable, Status::kManual, Status::kStale,
                                          Status::kWaived};

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };

std::string_view severity_name(Severity s);
std::optional<Severity> parse_severity(std::string_view name);

// ---------------------------------------------------------------------------------------------
// Where and when a fact came from.

enum class SourceKind {
  kObserved,  // a probe saw it on the network or the host
  kDeclared,  // the operator declared it in the config (`declared:`)
  kAttested,  // a human attestation (manual rules)
  kDerived,   // computed from other facts or a curated registry
};

std::string_view source_kind_name(SourceKind k);

struct Source {
  SourceKind kind = SourceKind::kObserved;
  std::string where;              // probe name and endpoint, config file, registry file + URL
  std::optional<TimePoint> when;  // when the fact was true; nullopt = unknown age

  Json to_json() const;
};

// ---------------------------------------------------------------------------------------------
// Target: one thing to audit.

struct Target {
  std::string id;
  std::string kind;  // "declared", "tls", "s3", ...
  // Tags used by rules for applicability, e.g. data_class: [health]. Each tag has one or more
  // values.
  std::map<std::string, std::vector<std::string>> tags;
  Json spec = Json::object();      // kind-specific fields from the config, secrets excluded
  Json declared = Json::object();  // facts the operator declares, merged with Source kDeclared
  Source declared_source{SourceKind::kDeclared, {}, std::nullopt};

  bool has_tag(std::string_view key, std::string_view value) const;
};

// ---------------------------------------------------------------------------------------------
// Fact paths: "provider.ownership.non_eu_max_single_pct", "tls.chain.certs[0].key.bits",
// "tls.chain.certs[*].key.bits" ([*] = every element of a list).

class FactPath {
 public:
  struct Segment {
    enum class Kind { kKey, kIndex, kWildcard };
    Kind kind = Kind::kKey;
    std::string key;
    size_t index = 0;
  };

  FactPath() = default;
  // Errors name the offending character (kInvalidInput).
  static Result<FactPath> parse(std::string_view text);

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  bool has_wildcard() const { return wildcard_; }
  bool empty() const { return segments_.empty(); }
  // The path with every index replaced by [*]: the form the schema uses.
  std::string schema_form() const;

 private:
  std::string text_;
  std::vector<Segment> segments_;
  bool wildcard_ = false;
};

// ---------------------------------------------------------------------------------------------
// Facts: one JSON object per target and scan, with the source of each subtree.

class Facts {
 public:
  struct Match {
    std::string path;             // concrete path, indices filled in
    const Json* value = nullptr;  // nullptr when the path is missing
  };

  Facts() = default;
  explicit Facts(Json doc) : doc_(std::move(doc)) {}

  const Json& doc() const { return doc_; }
  Json& doc() { return doc_; }

  // Sets the value at a dotted path (no wildcards), creating intermediate objects, and records
  // `source` for that subtree. Fails (kInvalidInput) if an intermediate value is not an object.
  Result<bool> set(std::string_view dotted_path, Json value, const Source& source);

  // Merges every leaf of `tree` at its path under `prefix` ("" = root) without overwriting
  // existing values, recording `source` for each merged subtree.
  void merge_missing(const Json& tree, const Source& source, const std::string& prefix = "");

  void set_source(std::string path_prefix, Source source);
  // The source recorded for the longest prefix of `path`, or nullptr.
  const Source* source_for(std::string_view path) const;
  const std::map<std::string, Source>& sources() const { return sources_; }

  // The value at a path without wildcards, or nullptr if any segment is missing.
  const Json* find(const FactPath& path) const;
  // Like find, from `base` instead of the root.
  static const Json* find_in(const Json& base, const FactPath& path);

  // Every value the path designates, expanding [*]. A missing list or key yields one Match
  // whose value is nullptr at the first missing point. An empty list yields no match.
  void find_all(const FactPath& path, std::vector<Match>* out) const;
  static void find_all_in(const Json& base, const FactPath& path, std::string prefix,
                          std::vector<Match>* out);

 private:
  Json doc_ = Json::object();
  std::map<std::string, Source> sources_;
};

// ---------------------------------------------------------------------------------------------
// Finding: one rule's verdict on one target.

struct EvidenceItem {
  std::string path;
  Json value;            // null when missing (see `missing`)
  bool missing = false;  // the path was absent from the facts
  std::optional<Source> source;

  Json to_json() const;
};

struct Finding {
  std::string rule_id;
  std::string ruleset;  // rule set id, e.g. fr-secnumcloud-3.2
  std::string ruleset_version;
  std::string title;
  Severity severity = Severity::kMedium;
  std::string reference;   // legal reference, e.g. "SecNumCloud 3.2 §19.6 b"
  std::string source_url;  // where the text of the law is
  std::string target_id;
  Status status = Status::kError;
  std::optional<Status> raw_status;  // set when status == kWaived
  bool in_force = true;              // false before the rule's effective date
  std::optional<TimePoint> effective;
  std::string message;  // why this status, in the operator's terms
  std::string remediation;
  std::vector<EvidenceItem> evidence;
  Json basis;  // waiver or attestation that decided the status, or null
  TimePoint evaluated_at{};

  // The status that counts for "in-force failure": fail and in force, not waived.
  bool is_in_force_failure() const { return status == Status::kFail && in_force; }
  Json to_json() const;
};

// ---------------------------------------------------------------------------------------------
// Human decisions: an attestation answers a `manual` rule; a waiver accepts a known deviation.
// Both come from the config (`attestations:`, `waivers:`) or from attestation files it names.

struct Attestation {
  std::string rule_id;
  std::string target_id;          // empty = every target
  Status status = Status::kPass;  // pass or fail
  std::string by;
  std::string statement;
  std::string evidence;  // reference to what was checked: document, ticket or URL ("" = none)
  TimePoint date{};
  std::optional<TimePoint> expires;
  std::string file;  // where it was declared, "file:line"

  bool applies(std::string_view rule, std::string_view target, TimePoint now) const;
  Json to_json() const;
};

// report_only: the rule runs and a failing finding is reported `waived` with its raw status.
// skip: the rule's verdict is not taken at all; the finding is `waived` without a raw status.
enum class WaiverMode { kReportOnly, kSkip };
std::string_view waiver_mode_name(WaiverMode m);

// Where a value was written (1-based; 0 when built in code), for lint diagnostics.
struct TextPos {
  int line = 0;
  int column = 0;
};

// The longest waiver (created to expires) allowed for a rule of each severity
// (`waiver_max_duration`); info rules take `low`. Checked where rules are known: `sovereignctl
// waive lint|add` report it with positions, and the evaluator does not apply a waiver longer than
// the limit of the rule it would decide (EvalContext::waiver_limits).
struct WaiverLimits {
  Duration critical = std::chrono::days(30);
  Duration high = std::chrono::days(90);
  Duration medium = std::chrono::days(180);
  Duration low = std::chrono::days(365);

  Duration for_severity(model::Severity s) const {
    switch (s) {
      case model::Severity::kCritical:
        return critical;
      case model::Severity::kHigh:
        return high;
      case model::Severity::kMedium:
        return medium;
      default:
        return low;
    }
  }
};

struct Waiver {
  std::string id;
  std::string rule_id;    // the first of `rules` (kept for older readers and metric labels)
  std::string target_id;  // the first of `targets`; empty = every target
  // Scope. Rules: ids or globs ('*' any run of characters, '?' one), e.g. "SNC-19.6-*".
  // Targets: ids or "tag:KEY=VALUE" selectors; empty = every target. When `rules` is empty,
  // `rule_id` alone is the scope (and `target_id` for `targets`), as before these lists.
  std::vector<std::string> rules;
  std::vector<std::string> targets;
  std::string reason;
  std::string category;  // accepted-risk, false-positive, compensating-control, ...; "" = none
  std::string by;        // who approved it (`approved_by`, formerly `by`)
  std::string ticket;
  TimePoint created{};
  std::optional<TimePoint> expires;  // a waiver past its expiry no longer applies
  std::optional<Duration> review_every;
  WaiverMode mode = WaiverMode::kReportOnly;
  std::optional<TimePoint> revoked;  // revoked waivers stay in their file, for the audit trail
  std::string revoked_by;
  std::string file;  // "<file>:<line>" of the entry
  // Positions in `file`'s text for lint: the entry, each item of `rules` (or `rule`), each item
  // of `targets` (or `target`), `expires`.
  TextPos at;
  std::vector<TextPos> rules_at;
  std::vector<TextPos> targets_at;
  TextPos expires_at;

  // Scope only, no dates: does the waiver name this rule and this target?
  bool covers(std::string_view rule, const Target& target) const;
  // Scope, created <= now < expires, not revoked.
  bool applies(std::string_view rule, const Target& target, TimePoint now) const;
  // The same with a target known by id only (tag selectors never match).
  bool applies(std::string_view rule, std::string_view target, TimePoint now) const;
  // "active", "expired", "revoked" or "pending" (created in the future) at `now`.
  std::string_view state(TimePoint now) const;
  // The next review date after `now` (created + k * review_every), if review_every is set.
  std::optional<TimePoint> next_review(TimePoint now) const;
  Json to_json() const;
};

// Glob match for waiver rule scopes: '*' matches any run of characters, '?' one character.
bool glob_match(std::string_view pattern, std::string_view text);

// ---------------------------------------------------------------------------------------------
// Fact schema: every fact path a probe can produce, its type and meaning. The rule validator
// checks rule paths against it. Paths use the schema form ("a.list[*].b"); an entry of type
// kObject also covers nothing below it unless those children are listed; an entry whose last
// key is `*` (target.tags.*) covers any key there; `declared.*` is reserved for site-specific
// facts and never checked.

enum class FactType { kString, kNumber, kInteger, kBool, kDate, kList, kObject, kAny };
std::string_view fact_type_name(FactType t);

struct FactSchemaEntry {
  std::string path;  // schema form
  FactType type = FactType::kAny;
  FactType element_type = FactType::kAny;  // for kList
  std::string description;
  std::string producer;  // probe or module that produces it: "core", "declared", "tls", ...
};

class FactSchema {
 public:
  void add(FactSchemaEntry entry);
  void add_all(const std::vector<FactSchemaEntry>& entries);
  // The entry for a path (any form: indices are normalised to [*]), or nullptr.
  const FactSchemaEntry* lookup(std::string_view path) const;
  // True when the path is under the site-specific `declared.` namespace.
  static bool is_site_declared(std::string_view path);
  std::vector<std::string> paths() const;
  const std::map<std::string, FactSchemaEntry>& entries() const { return entries_; }

 private:
  std::map<std::string, FactSchemaEntry> entries_;
};

}  // namespace sov::model
