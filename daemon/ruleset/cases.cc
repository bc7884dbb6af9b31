// SPDX-License-Identifier: Apache-2.0
// Rule tests: `*.cases.yaml` files give facts and the expected status of each rule. Each case is
// validated completely (positions for every error), built into a model::Target and model::Facts,
// evaluated with the real evaluator and compared. Coverage: every rule needs a case expecting
// pass and one expecting fail (for a manual rule: pass through an attestation, and manual or
// fail).

#include <algorithm>
#include <map>
#include <set>

#include "daemon/ruleset/compiled.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/ruleset/yaml_support.h"

namespace sov::ruleset {

namespace {

using detail::Field;
using detail::field;
using detail::Keyword;
using detail::Pos;
using detail::pos_of;
using model::Json;

constexpr Keyword kCaseFileKeys[] = {
    {"cases", true, "the cases"},
    {"description", false, "what the cases cover"},
};

constexpr Keyword kCaseKeys[] = {
    {"name", true, "what the case shows"},
    {"description", false, "longer text"},
    {"now", false, "evaluation time; default: the time of the run"},
    {"target", true, "{id, kind, tags}"},
    {"facts", false, "the fact document"},
    {"sources", false, "PATH: {kind, when, where}, the source of a subtree of facts"},
    {"attestations", false, "attestations for manual rules"},
    {"waivers", false, "active waivers"},
    {"expect", true, "RULE: STATUS"},
};

constexpr Keyword kTargetKeys[] = {
    {"id", true, "target id"},
    {"kind", false, "target kind; default: declared"},
    {"tags", false, "KEY: [VALUES]"},
};

constexpr Keyword kFactSourceKeys[] = {
    {"kind", false, "observed (default), declared, attested or derived"},
    {"when", false, "when the fact was true; absent or null: unknown age"},
    {"where", false, "probe, file or registry it came from"},
};

constexpr Keyword kAttestationKeys[] = {
    {"rule", true, "rule id"},
    {"status", true, "pass or fail"},
    {"by", true, "who attests"},
    {"date", true, "when"},
    {"expires", false, "end of validity"},
    {"statement", false, "what is attested"},
    {"target", false, "target id; default: every target"},
};

constexpr Keyword kWaiverKeys[] = {
    {"id", true, "waiver id"},
    {"rule", true, "rule id"},
    {"reason", true, "why the deviation is accepted"},
    {"by", true, "who accepted it"},
    {"created", true, "from when it applies"},
    {"expires", false, "until when"},
    {"target", false, "target id; default: every target"},
};

struct Expectation {
  std::string rule;
  std::string status;  // a status name, or "none" (the rule set does not apply: no finding)
};

struct Case {
  std::string name;
  int line = 0;
  TimePoint now{};
  model::Target target;
  model::Facts facts;
  std::vector<model::Attestation> attestations;
  std::vector<model::Waiver> waivers;
  std::vector<Expectation> expect;
};

void error_at(Diagnostics* d, const YAML::Node& n, std::string msg) {
  Pos p = pos_of(n);
  d->error(p.line, p.column, std::move(msg));
}

// A mapping-valued field, or an error.
bool is_map_field(const Field& f, std::string_view what, Diagnostics* d) {
  if (f.value.IsMap()) return true;
  error_at(d, f.value.IsNull() ? f.key : f.value,
           "'" + std::string(what) + "' must be a mapping, got " + detail::describe(f.value));
  return false;
}

bool is_seq_field(const Field& f, std::string_view what, Diagnostics* d) {
  if (f.value.IsSequence()) return true;
  error_at(d, f.value.IsNull() ? f.key : f.value,
           "'" + std::string(what) + "' must be a list, got " + detail::describe(f.value));
  return false;
}

class CaseReader {
 public:
  CaseReader(const RuleBook& book, Diagnostics* diags, std::string file)
      : book_(book), d_(diags), file_(std::move(file)) {
    for (const auto& r : book.rules()) rule_ids_.push_back(r.id);
  }

  // Parses one case; nullopt (with diagnostics) when it is malformed.
  std::optional<Case> read(const YAML::Node& y) {
    size_t errors = d_->error_count();
    if (!y.IsMap()) {
      error_at(
          d_, y,
          "a case must be a mapping {name, target, facts, expect}, got " + detail::describe(y));
      return std::nullopt;
    }
    detail::check_keys(y, kCaseKeys, "case", d_);
    Case c;
    c.line = pos_of(y).line;
    if (auto n = detail::string_field(field(y, "name"), d_)) c.name = *n;
    Field now = field(y, "now");
    if (now.present) {
      if (auto t = detail::read_date(now.value, "now", d_)) c.now = *t;
    } else {
      c.now = SystemClock().now();
    }
    read_target(field(y, "target"), &c.target);
    read_facts(y, &c);
    read_attestations(field(y, "attestations"), &c);
    read_waivers(field(y, "waivers"), &c);
    read_expect(field(y, "expect"), &c);
    if (d_->error_count() != errors) return std::nullopt;
    return c;
  }

 private:
  std::optional<std::string> rule_ref(const Field& f) {
    auto id = detail::string_field(f, d_);
    if (!id) return std::nullopt;
    if (book_.find_rule(*id) == nullptr) {
      error_at(d_, f.value, "unknown rule '" + *id + "'" + did_you_mean_suffix(*id, rule_ids_));
      return std::nullopt;
    }
    return id;
  }

  void read_target(const Field& f, model::Target* t) {
    if (!f.present || !is_map_field(f, "target", d_)) return;
    detail::check_keys(f.value, kTargetKeys, "target", d_);
    if (auto id = detail::string_field(field(f.value, "id"), d_)) t->id = *id;
    t->kind = "declared";
    if (auto kind = detail::string_field(field(f.value, "kind"), d_)) t->kind = *kind;
    Field tags = field(f.value, "tags");
    if (!tags.present || !is_map_field(tags, "tags", d_)) return;
    for (auto it = tags.value.begin(); it != tags.value.end(); ++it) {
      if (!it->first.IsScalar()) {
        error_at(d_, it->first, "a tag key must be a name, got " + detail::describe(it->first));
        continue;
      }
      std::vector<std::string>& values = t->tags[it->first.Scalar()];
      if (it->second.IsScalar()) {
        values.push_back(it->second.Scalar());
      } else if (it->second.IsSequence()) {
        const YAML::Node list = it->second;  // a copy: it->second lives in a temporary proxy
        for (const auto& v : list) {
          if (v.IsScalar()) {
            values.push_back(v.Scalar());
          } else {
            error_at(d_, v, "tag values must be names, got " + detail::describe(v));
          }
        }
      } else {
        error_at(d_, it->second.IsNull() ? it->first : it->second,
                 "a tag is a value or a list of values, got " + detail::describe(it->second));
      }
    }
  }

  void read_facts(const YAML::Node& y, Case* c) {
    Json doc = Json::object();
    Field facts = field(y, "facts");
    if (facts.present && !facts.value.IsNull()) {
      size_t budget = detail::kMaxNodes;
      if (is_map_field(facts, "facts", d_)) detail::yaml_to_json(facts.value, &doc, d_, 0, &budget);
    }
    c->facts = model::Facts(std::move(doc));
    model::Source case_source{model::SourceKind::kObserved, "case", c->now};
    c->facts.set_source("", case_source);
    // What the engine sets for every target.
    Json tags = Json::object();
    for (const auto& [k, v] : c->target.tags) tags[k] = v;
    c->facts.merge_missing(
        Json{{"target", {{"id", c->target.id}, {"kind", c->target.kind}, {"tags", tags}}}},
        case_source);

    Field sources = field(y, "sources");
    if (!sources.present || !is_map_field(sources, "sources", d_)) return;
    for (auto it = sources.value.begin(); it != sources.value.end(); ++it) {
      if (!it->first.IsScalar()) {
        error_at(d_, it->first, "a source key is a fact path, got " + detail::describe(it->first));
        continue;
      }
      const std::string path = it->first.Scalar();
      auto fp = model::FactPath::parse(path);
      if (!fp) {
        error_at(d_, it->first, fp.error().message());
        continue;
      }
      Field entry{it->first, it->second, true};
      if (!is_map_field(entry, path, d_)) continue;
      detail::check_keys(it->second, kFactSourceKeys, "source", d_);
      model::Source src{model::SourceKind::kObserved, "case", std::nullopt};
      Field kind = field(it->second, "kind");
      if (auto k = detail::string_field(kind, d_)) {
        bool found = false;
        for (auto sk : {model::SourceKind::kObserved, model::SourceKind::kDeclared,
                        model::SourceKind::kAttested, model::SourceKind::kDerived}) {
          if (model::source_kind_name(sk) == *k) {
            src.kind = sk;
            found = true;
          }
        }
        if (!found) {
          error_at(d_, kind.value,
                   "unknown source kind '" + *k + "' (expected observed, declared, attested or " +
                       "derived)" +
                       did_you_mean_suffix(*k, {"observed", "declared", "attested", "derived"}));
        }
      }
      if (auto w = detail::string_field(field(it->second, "where"), d_)) src.where = *w;
      Field when = field(it->second, "when");
      if (when.present && !when.value.IsNull())
        src.when = detail::read_date(when.value, "when", d_);
      c->facts.set_source(path, std::move(src));
    }
  }

  void read_attestations(const Field& f, Case* c) {
    if (!f.present || !is_seq_field(f, "attestations", d_)) return;
    for (const auto& a : f.value) {
      if (!a.IsMap()) {
        error_at(d_, a, "an attestation must be a mapping, got " + detail::describe(a));
        continue;
      }
      detail::check_keys(a, kAttestationKeys, "attestation", d_);
      model::Attestation att;
      att.file = file_ + ":" + std::to_string(pos_of(a).line);
      if (auto r = rule_ref(field(a, "rule"))) att.rule_id = *r;
      Field status = field(a, "status");
      if (auto s = detail::string_field(status, d_)) {
        if (*s == "pass") {
          att.status = model::Status::kPass;
        } else if (*s == "fail") {
          att.status = model::Status::kFail;
        } else {
          error_at(d_, status.value, "an attestation's status is pass or fail, got '" + *s + "'");
        }
      }
      if (auto b = detail::string_field(field(a, "by"), d_)) att.by = *b;
      if (auto s = detail::string_field(field(a, "statement"), d_)) att.statement = *s;
      if (auto t = detail::string_field(field(a, "target"), d_)) att.target_id = *t;
      Field date = field(a, "date");
      if (date.present) {
        if (auto t = detail::read_date(date.value, "date", d_)) att.date = *t;
      }
      Field expires = field(a, "expires");
      if (expires.present) att.expires = detail::read_date(expires.value, "expires", d_);
      c->attestations.push_back(std::move(att));
    }
  }

  void read_waivers(const Field& f, Case* c) {
    if (!f.present || !is_seq_field(f, "waivers", d_)) return;
    for (const auto& w : f.value) {
      if (!w.IsMap()) {
        error_at(d_, w, "a waiver must be a mapping, got " + detail::describe(w));
        continue;
      }
      detail::check_keys(w, kWaiverKeys, "waiver", d_);
      model::Waiver waiver;
      waiver.file = file_ + ":" + std::to_string(pos_of(w).line);
      if (auto v = detail::string_field(field(w, "id"), d_)) waiver.id = *v;
      if (auto r = rule_ref(field(w, "rule"))) waiver.rule_id = *r;
      if (auto v = detail::string_field(field(w, "reason"), d_)) waiver.reason = *v;
      if (auto v = detail::string_field(field(w, "by"), d_)) waiver.by = *v;
      if (auto v = detail::string_field(field(w, "target"), d_)) waiver.target_id = *v;
      Field created = field(w, "created");
      if (created.present) {
        if (auto t = detail::read_date(created.value, "created", d_)) waiver.created = *t;
      }
      Field expires = field(w, "expires");
      if (expires.present) waiver.expires = detail::read_date(expires.value, "expires", d_);
      c->waivers.push_back(std::move(waiver));
    }
  }

  void read_expect(const Field& f, Case* c) {
    if (!f.present || !is_map_field(f, "expect", d_)) return;
    std::vector<std::string> statuses{"none"};
    for (auto s : model::kAllStatuses) statuses.emplace_back(model::status_name(s));
    std::set<std::string> seen;
    for (auto it = f.value.begin(); it != f.value.end(); ++it) {
      Field entry{it->first, it->second, true};
      if (!it->first.IsScalar()) {
        error_at(d_, it->first,
                 "expect maps a rule id to a status, got " + detail::describe(it->first));
        continue;
      }
      const std::string rule = it->first.Scalar();
      if (!seen.insert(rule).second) {
        error_at(d_, it->first, "duplicate key '" + rule + "'");
        continue;
      }
      if (book_.find_rule(rule) == nullptr) {
        error_at(d_, it->first,
                 "unknown rule '" + rule + "'" + did_you_mean_suffix(rule, rule_ids_));
        continue;
      }
      auto status = detail::string_field(entry, d_);
      if (!status) continue;
      if (std::find(statuses.begin(), statuses.end(), *status) == statuses.end()) {
        error_at(d_, it->second,
                 "unknown status '" + *status +
                     "' (expected pass, fail, error, not_applicable, manual, stale, waived or "
                     "none)" +
                     did_you_mean_suffix(*status, statuses));
        continue;
      }
      c->expect.push_back({rule, *status});
    }
  }

  const RuleBook& book_;
  Diagnostics* d_;
  std::string file_;
  std::vector<std::string> rule_ids_;
};

bool wanted_case_file(const std::string& path, bool /*explicit_*/) {
  return detail::ends_with(path, ".cases.yaml");
}

}  // namespace

namespace {

// Runs case files one by one and accumulates the report and the coverage.
class CaseRunner {
 public:
  CaseRunner(const RuleBook& book, Diagnostics* diags) : book_(book), diags_(diags) {}

  void run_file(const std::string& path, std::string_view text) {
    Diagnostics d;
    d.set_source(path, text);
    ++report_.files;
    YAML::Node root;
    if (detail::parse_yaml(text, &root, &d)) {
      if (!root.IsMap()) {
        error_at(&d, root, "a case file is a mapping with 'cases:', got " + detail::describe(root));
      } else if (detail::check_keys(root, kCaseFileKeys, "case file", &d)) {
        Field cases = field(root, "cases");
        if (is_seq_field(cases, "cases", &d)) {
          CaseReader reader(book_, &d, path);
          for (const auto& y : cases.value) {
            if (auto c = reader.read(y)) check(path, *c);
          }
        }
      }
    }
    errors_ += d.error_count();
    // In the order of the file, as a compiler reports.
    std::vector<Diagnostic> items = d.items();
    std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    for (auto& item : items) diags_->add(std::move(item));
  }

  void count_error() { ++errors_; }

  Result<CaseReport> finish() {
    if (errors_ > 0) {
      return fail(ErrorCode::kInvalidInput, "invalid case files: " + std::to_string(errors_) +
                                                (errors_ == 1 ? " error" : " errors"));
    }
    for (const auto& r : book_.rules()) {
      const auto it = expected_.find(r.id);
      auto has = [&](const char* s) { return it != expected_.end() && it->second.count(s) > 0; };
      bool covered =
          r.manual ? has("pass") && (has("manual") || has("fail")) : has("pass") && has("fail");
      if (!covered) report_.uncovered.push_back(r.id);
    }
    return std::move(report_);
  }

 private:
  void check(const std::string& path, const Case& c) {
    ++report_.cases;
    EvalContext ctx{c.now, &c.attestations, &c.waivers};
    std::vector<model::Finding> findings = book_.evaluate(c.target, c.facts, ctx);
    for (const auto& e : c.expect) {
      ++report_.checks;
      expected_[e.rule].insert(e.status);
      auto f = std::find_if(findings.begin(), findings.end(),
                            [&](const model::Finding& x) { return x.rule_id == e.rule; });
      std::string actual =
          f == findings.end() ? std::string("none") : std::string(status_name(f->status));
      if (actual == e.status) continue;
      CaseMismatch m;
      m.file = path;
      m.line = c.line;
      m.case_name = c.name;
      m.rule_id = e.rule;
      m.expected = e.status;
      m.actual = actual;
      m.message = f == findings.end() ? "the rule set does not apply to the target" : f->message;
      report_.mismatches.push_back(std::move(m));
    }
  }

  const RuleBook& book_;
  Diagnostics* diags_;
  CaseReport report_;
  std::map<std::string, std::set<std::string>> expected_;  // rule -> statuses cases expect
  size_t errors_ = 0;
};

}  // namespace

Result<CaseReport> run_cases(const RuleBook& book, const std::vector<std::string>& paths,
                             Diagnostics* diags) {
  Diagnostics local;
  if (diags == nullptr) diags = &local;
  auto files = detail::collect_files(paths, &wanted_case_file, diags);
  if (!files) return files.error();
  CaseRunner runner(book, diags);
  for (const auto& path : *files) {
    auto text = detail::read_capped(path);
    if (!text) {
      diags->add(
          {DiagLevel::kError,
           path,
           0,
           0,
           text.error().code() == ErrorCode::kIo ? "cannot read file" : "file is larger than 4 MiB",
           {}});
      if (text.error().code() == ErrorCode::kIo) return text.error();
      runner.count_error();
      continue;
    }
    runner.run_file(path, *text);
  }
  return runner.finish();
}

Result<CaseReport> run_cases_text(const RuleBook& book, const std::string& file_name,
                                  std::string_view text, Diagnostics* diags) {
  Diagnostics local;
  if (diags == nullptr) diags = &local;
  CaseRunner runner(book, diags);
  runner.run_file(file_name, text);
  return runner.finish();
}

}  // namespace sov::ruleset
