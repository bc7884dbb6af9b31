// SPDX-License-Identifier: Apache-2.0
#pragma once
// The rule language (see sovereign-rules(5)): loader, validator, compiler and a pure evaluator.
//
// Loading reads every rule set, shared list and (for `rules test`) case file under the given
// paths, validates them completely and compiles each rule into an evaluation tree with
// pre-resolved fact paths and typed constants. All diagnostics of all files are collected, in
// the format of daemon/base/diag.h; if any is an error, loading fails and nothing is returned: a
// rule set never half-loads. Under `strict`, warnings (fact paths no probe declares) are errors.
//
// A RuleBook is immutable once built and shared as shared_ptr<const RuleBook>: evaluation is
// thread-safe and does no I/O. evaluate() is a pure function of (rule book, target, facts,
// context).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/diag.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::ruleset {

struct SourceRef {
  std::string title;
  std::string url;
  std::optional<TimePoint> date;
};

struct RuleSetInfo {
  std::string id;  // `ruleset:`
  std::string title;
  std::string version;
  std::string framework;  // folder under rules/sets/, e.g. "secnumcloud"
  SourceRef source;
  std::string file;
  std::string sha256;  // of the file's bytes, for reports and build_info
  size_t rule_count = 0;
};

struct RuleInfo {
  std::string id;
  std::string ruleset;
  std::string title;
  std::string description;
  model::Severity severity = model::Severity::kMedium;
  std::string reference;
  SourceRef source;  // the rule's own source, else the rule set's
  std::optional<TimePoint> effective;
  bool manual = false;
  std::optional<Duration> max_age;
  std::string remediation;
  std::string file;
  int line = 0;
  std::string when_text;   // the `when` condition, as written (YAML flow), for `rules explain`
  std::string check_text;  // the `check` condition, as written
  std::vector<std::string> fact_paths;  // every path the rule reads
};

struct SharedList {
  std::string id;  // without '$'
  std::string title;
  SourceRef source;
  std::optional<TimePoint> as_of;
  std::vector<model::Json> values;
  std::string file;
  std::string sha256;  // of the file's bytes; part of RuleBook::digest()
};

struct LoadOptions {
  // Paths a rule may read. nullptr = no path checking (fuzzing, ad-hoc tests).
  const model::FactSchema* schema = nullptr;
  bool strict = false;  // warnings become errors
  // Shared lists known beforehand (e.g. from an earlier load_rules), usable as $name by the
  // documents being loaded. They are not copied into the new RuleBook's lists(). nullptr = none.
  const std::vector<SharedList>* lists = nullptr;
};

class RuleBook;

// Loads every `*.yaml` under each path (files or directories, recursively; `*.cases.yaml` and
// anything under a `providers/` directory are skipped). Each file is a rule set (top-level key
// `ruleset:`) or a shared list (`list:`); anything else is an error. Diagnostics (errors and
// warnings) go to `diags`. Returns kInvalidInput when any error was reported, kIo when a path
// cannot be read.
Result<std::shared_ptr<const RuleBook>> load_rules(const std::vector<std::string>& paths,
                                                   const LoadOptions& options, Diagnostics* diags);

// The same for one in-memory document (fuzzing and tests). `options.lists` may hold shared lists
// loaded before. `file_name` is used in diagnostics only. Never returns kIo.
Result<std::shared_ptr<const RuleBook>> load_rules_text(const std::string& file_name,
                                                        std::string_view text,
                                                        const LoadOptions& options,
                                                        Diagnostics* diags);

// What evaluation needs besides facts. Pointers may be null (no attestations, no waivers).
struct EvalContext {
  TimePoint now{};
  const std::vector<model::Attestation>* attestations = nullptr;
  const std::vector<model::Waiver>* waivers = nullptr;
  // When set, a waiver lasting longer (created to expires) than the limit of the rule's severity
  // is not applied: the finding keeps its status and says why.
  const model::WaiverLimits* waiver_limits = nullptr;
};

class RuleBook {
 public:
  class Impl;
  explicit RuleBook(std::unique_ptr<Impl> impl);
  ~RuleBook();
  RuleBook(const RuleBook&) = delete;
  RuleBook& operator=(const RuleBook&) = delete;

  const std::vector<RuleSetInfo>& rulesets() const;
  const std::vector<RuleInfo>& rules() const;
  const std::vector<SharedList>& lists() const;
  const RuleInfo* find_rule(std::string_view id) const;
  // SHA-256 over the rule set hashes and the shared list hashes, in id order: identifies the
  // rules a scan ran with (a changed list changes verdicts, so it changes the digest too).
  const std::string& digest() const;

  // One finding per rule whose rule set applies to the target (`applies_to`), in load order.
  std::vector<model::Finding> evaluate(const model::Target& target, const model::Facts& facts,
                                       const EvalContext& context) const;
  // One rule (by index into rules()); for benchmarks and `rules explain`.
  model::Finding evaluate_rule(size_t rule_index, const model::Target& target,
                               const model::Facts& facts, const EvalContext& context) const;

  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Rule tests: `*.cases.yaml` files beside the rule sets (facts in, expected status per rule out).

struct CaseMismatch {
  std::string file;
  int line = 0;
  std::string case_name;
  std::string rule_id;
  std::string expected;
  std::string actual;
  std::string message;  // the finding's message, to explain the actual status
};

struct CaseReport {
  size_t files = 0;
  size_t cases = 0;
  size_t checks = 0;  // (case, rule) expectations checked
  std::vector<CaseMismatch> mismatches;
  // Rules that lack a passing case or a failing case: each rule needs both.
  std::vector<std::string> uncovered;
};

// Runs every `*.cases.yaml` under `paths` against `book`. Malformed case files are reported in
// `diags` with positions and make the call fail (kInvalidInput).
Result<CaseReport> run_cases(const RuleBook& book, const std::vector<std::string>& paths,
                             Diagnostics* diags);

// The same for one in-memory case file (fuzzing and tests). `file_name` is used in diagnostics
// and mismatches only; coverage (`uncovered`) is computed from this file alone. Never kIo.
Result<CaseReport> run_cases_text(const RuleBook& book, const std::string& file_name,
                                  std::string_view text, Diagnostics* diags);

}  // namespace sov::ruleset
