// SPDX-License-Identifier: Apache-2.0
// The loader: read (size cap) -> parse (yaml-cpp, exceptions caught) -> check keys against the
// keyword tables -> validate values and fact paths -> compile to evaluation trees -> build an
// immutable RuleBook. Shared lists of every file are loaded before any rule set is compiled, so
// the order of files does not matter. Every diagnostic of every file is collected; one error
// anywhere and no RuleBook is returned.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <span>

#include "daemon/ruleset/compiled.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/ruleset/yaml_support.h"

namespace sov::ruleset {

namespace {

using detail::Constant;
using detail::ConstKind;
using detail::FactRef;
using detail::Field;
using detail::field;
using detail::Keyword;
using detail::Node;
using detail::NodeKind;
using detail::Op;
using detail::Pos;
using detail::pos_of;
using detail::ScalarKind;
using detail::ValueSet;
using model::FactType;
using model::Json;

// ---------------------------------------------------------------------------------------------
// Keyword tables (STYLE B16.2): every key a rule file may hold, whether it is required, and what
// it means. sovereign-rules(5) documents the same keys.

constexpr Keyword kRuleSetKeys[] = {
    {"ruleset", true, "unique id of the rule set, stable once published"},
    {"title", true, "what the set covers, as cited in reports"},
    {"version", true, "version of the set (e.g. 2026.11.0)"},
    {"source", true, "the text of law: {title, url, date}"},
    {"description", false, "longer text"},
    {"applies_to", false, "targets the set applies to: {tags: {KEY: [VALUES]}, kinds: [KINDS]}"},
    {"rules", false, "the rules"},
};

constexpr Keyword kRuleKeys[] = {
    {"id", true, "unique id across all sets"},
    {"title", true, "one line, as shown in reports"},
    {"description", false, "longer text"},
    {"severity", true, "info, low, medium, high or critical"},
    {"reference", true, "the legal reference, as cited in reports"},
    {"source", false, "the rule's own source; defaults to the set's"},
    {"effective", false, "date from which the rule is in force"},
    {"max_age", false, "evidence older than this gives stale (e.g. 180d)"},
    {"on_unknown", false, "what a null fact gives: error (default), fail or manual"},
    {"manual", false, "true: needs a human attestation, no check"},
    {"when", false, "applicability condition; false gives not_applicable"},
    {"check", false, "the condition that must hold (required unless manual)"},
    {"remediation", false, "what to do about a failure"},
};

constexpr Keyword kSourceKeys[] = {
    {"title", true, "title of the text"},
    {"url", false, "where the text is published"},
    {"date", false, "date of the text or of its retrieval"},
};

constexpr Keyword kAppliesToKeys[] = {
    {"tags", false, "every tag key listed must match one of its values"},
    {"kinds", false, "target kinds"},
};

constexpr Keyword kListKeys[] = {
    {"list", true, "name of the list, referenced as $name"},
    {"title", true, "what the list holds"},
    {"source", true, "where the list comes from: {title, url, date}"},
    {"as_of", false, "date the list was last checked"},
    {"description", false, "longer text"},
    {"values", true, "the values"},
};

constexpr std::string_view kConditionForms[] = {"all", "any", "not", "fact", "every", "some"};

std::vector<std::string> condition_keywords() {
  std::vector<std::string> out(std::begin(kConditionForms), std::end(kConditionForms));
  for (auto k : {"check", "if_empty", "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "matches",
                 "exists", "contains"}) {
    out.emplace_back(k);
  }
  return out;
}

bool is_form(std::string_view k) {
  return std::find(std::begin(kConditionForms), std::end(kConditionForms), k) !=
         std::end(kConditionForms);
}

std::string clip(std::string_view s, size_t max = 60) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max - 3)) + "...";
}

bool valid_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

bool valid_list_name(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

struct Where {
  std::string file;
  Pos pos;
  std::string str() const {
    return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  }
};

// Re-emits a condition as YAML flow for `rules explain`, keeping quoted strings quoted.
void emit_flow(YAML::Emitter& out, const YAML::Node& n, int depth) {
  if (depth > detail::kMaxDepth) {
    out << "...";
    return;
  }
  if (n.IsMap()) {
    out << YAML::BeginMap;
    for (auto it = n.begin(); it != n.end(); ++it) {
      out << YAML::Key;
      emit_flow(out, it->first, depth + 1);
      out << YAML::Value;
      emit_flow(out, it->second, depth + 1);
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    out << YAML::BeginSeq;
    for (const auto& item : n) emit_flow(out, item, depth + 1);
    out << YAML::EndSeq;
  } else if (n.IsScalar()) {
    if (n.Tag() == "!") out << YAML::DoubleQuoted;
    out << n.Scalar();
  } else {
    out << YAML::Null;
  }
}

std::string flow_text(const YAML::Node& n) {
  try {
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    emit_flow(out, n, 0);
    return out.good() ? std::string(out.c_str()) : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

std::string framework_of(const std::string& file) {
  std::filesystem::path p(file);
  std::vector<std::string> parts;
  for (const auto& c : p) parts.push_back(c.string());
  for (size_t i = 0; i + 2 < parts.size(); ++i) {
    if (parts[i] == "sets") return parts[i + 1];
  }
  return {};
}

std::string regex_error_text(std::regex_constants::error_type code) {
  namespace rc = std::regex_constants;
  switch (code) {
    case rc::error_collate:
      return "invalid collating element name";
    case rc::error_ctype:
      return "invalid character class name";
    case rc::error_escape:
      return "invalid escape or trailing backslash";
    case rc::error_backref:
      return "invalid back reference";
    case rc::error_brack:
      return "unbalanced '[' or ']'";
    case rc::error_paren:
      return "unbalanced '(' or ')'";
    case rc::error_brace:
      return "unbalanced '{' or '}'";
    case rc::error_badbrace:
      return "invalid repetition count in '{}'";
    case rc::error_range:
      return "invalid character range";
    case rc::error_space:
      return "the expression is too large";
    case rc::error_badrepeat:
      return "'*', '+', '?' or '{' repeats nothing";
    default:
      return "the expression is too complex";
  }
}

// One document to load: a file's text or an in-memory text.
struct Doc {
  std::string path;
  std::string text;
  Diagnostics diags;
  YAML::Node root;
  enum class Kind { kNone, kSet, kList } kind = Kind::kNone;
};

struct ListEntry {
  std::shared_ptr<const ValueSet> set;
  Where where;
  bool preloaded = false;  // from LoadOptions::lists: a list file of the same name replaces it
};

// The declared type of a fact path in the schema.
struct Declared {
  FactType type = FactType::kAny;
  FactType element = FactType::kAny;
};

// ---------------------------------------------------------------------------------------------

class Loader {
 public:
  explicit Loader(const LoadOptions& options)
      : options_(options), impl_(std::make_unique<RuleBook::Impl>()) {
    if (options.lists != nullptr) {
      for (const auto& l : *options.lists) {
        auto set = std::make_shared<ValueSet>();
        for (const auto& v : l.values) set->add(v);
        set->finish();
        lists_[l.id] = {std::move(set), {l.file, {}}, true};
      }
    }
  }

  void classify(Doc& doc);
  void load_list(Doc& doc);
  void load_set(Doc& doc);
  std::unique_ptr<RuleBook::Impl> finish();

 private:
  // Per rule-set state while compiling conditions.
  struct Ctx {
    Diagnostics* d = nullptr;
    size_t budget = detail::kMaxNodes;
    bool budget_reported = false;
    std::vector<std::string> scope;  // schema path of each enclosing every/some element
    int unchecked = 0;  // > 0: under a list already reported as not a list; skip schema checks
    std::vector<std::string>* fact_paths = nullptr;
  };

  void err(Ctx& c, const YAML::Node& n, std::string msg) {
    Pos p = pos_of(n);
    c.d->error(p.line, p.column, std::move(msg));
  }
  void warn(Ctx& c, const YAML::Node& n, std::string msg) {
    Pos p = pos_of(n);
    c.d->warning(p.line, p.column, std::move(msg));
  }

  std::optional<SourceRef> source(Ctx& c, const Field& f);
  std::optional<std::string> string_field(Ctx& c, const Field& f);
  std::optional<Node> condition(Ctx& c, const YAML::Node& y, int depth);
  std::optional<Node> leaf(Ctx& c, const Field& fact, const Field& op_field, Op op);
  std::optional<Node> quantifier(Ctx& c, const YAML::Node& y, const Field& form, const Field& check,
                                 const Field& if_empty, int depth);
  std::optional<FactRef> fact_ref(Ctx& c, const YAML::Node& v);
  std::optional<Constant> constant(Ctx& c, Op op, const Field& f);
  std::string schema_path(const Ctx& c, const FactRef& r) const;
  std::optional<Declared> declared(Ctx& c, const std::string& path, const YAML::Node& where);
  void check_types(Ctx& c, Op op, const Constant& k, const std::string& path, const Declared& d,
                   const YAML::Node& where);
  void compile_rule(Ctx& c, Doc& doc, const YAML::Node& r, size_t set_index,
                    const SourceRef& set_source);

  const LoadOptions& options_;
  std::unique_ptr<RuleBook::Impl> impl_;
  std::map<std::string, ListEntry> lists_;
  std::map<std::string, Where> rule_ids_;
  std::map<std::string, Where> set_ids_;
  std::vector<std::pair<std::string, std::string>> hashes_;  // "ruleset id"/"list id", sha256
};

void Loader::classify(Doc& doc) {
  const YAML::Node& root = doc.root;
  Pos p = pos_of(root);
  if (!root.IsMap()) {
    doc.diags.error(p.line, p.column,
                    "a rule file is a mapping with 'ruleset:' or 'list:' at the top, got " +
                        detail::describe(root));
    return;
  }
  Field set = field(root, "ruleset");
  Field list = field(root, "list");
  if (set.present && list.present) {
    Pos lp = pos_of(list.key);
    doc.diags.error(lp.line, lp.column,
                    "a file is either a rule set ('ruleset:') or a shared list ('list:'), not "
                    "both");
    return;
  }
  if (set.present) {
    doc.kind = Doc::Kind::kSet;
    return;
  }
  if (list.present) {
    doc.kind = Doc::Kind::kList;
    return;
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    std::string hint = did_you_mean_suffix(it->first.Scalar(), {"ruleset", "list"});
    if (!hint.empty()) {
      Pos kp = pos_of(it->first);
      doc.diags.error(kp.line, kp.column, "unknown key '" + it->first.Scalar() + "'" + hint);
      return;
    }
  }
  doc.diags.error(p.line, p.column,
                  "not a rule set or a shared list: expected 'ruleset:' or 'list:' at the top");
}

std::optional<std::string> Loader::string_field(Ctx& c, const Field& f) {
  return detail::string_field(f, c.d);
}

std::optional<SourceRef> Loader::source(Ctx& c, const Field& f) {
  if (!f.present) return std::nullopt;
  if (!f.value.IsMap()) {
    err(c, f.value.IsNull() ? f.key : f.value,
        "'source' must be a mapping {title, url, date}, got " + detail::describe(f.value));
    return std::nullopt;
  }
  bool ok = detail::check_keys(f.value, kSourceKeys, "source", c.d);
  SourceRef s;
  if (auto t = string_field(c, field(f.value, "title"))) s.title = *t;
  if (auto u = string_field(c, field(f.value, "url"))) s.url = *u;
  Field date = field(f.value, "date");
  if (date.present) {
    s.date = detail::read_date(date.value, "date", c.d);
    ok = ok && s.date.has_value();
  }
  if (!ok) return std::nullopt;
  return s;
}

void Loader::load_list(Doc& doc) {
  Ctx c;
  c.d = &doc.diags;
  const YAML::Node& root = doc.root;
  detail::check_keys(root, kListKeys, "shared list", c.d);
  SharedList list;
  list.file = doc.path;
  Field name = field(root, "list");
  if (auto id = string_field(c, name)) {
    if (!valid_list_name(*id)) {
      err(c, name.value,
          "invalid list name '" + clip(*id) +
              "': use lower-case letters, digits, '_' and '-' (it is referenced as $name)");
    } else {
      list.id = *id;
    }
  }
  if (auto t = string_field(c, field(root, "title"))) list.title = *t;
  if (auto s = source(c, field(root, "source"))) list.source = *s;
  Field as_of = field(root, "as_of");
  if (as_of.present) list.as_of = detail::read_date(as_of.value, "as_of", c.d);
  Field values = field(root, "values");
  auto set = std::make_shared<ValueSet>();
  if (values.present) {
    if (!values.value.IsSequence()) {
      err(c, values.value.IsNull() ? values.key : values.value,
          "'values' must be a list, got " + detail::describe(values.value));
    } else {
      for (const auto& item : values.value) {
        auto s = detail::read_scalar(item, c.d);
        if (!s) continue;
        Json v;
        switch (s->kind) {
          case ScalarKind::kNull:
            err(c, item, "a list value cannot be null");
            continue;
          case ScalarKind::kBool:
            v = s->boolean;
            break;
          case ScalarKind::kNumber:
            v = s->integral ? Json(s->integer) : Json(s->number);
            break;
          case ScalarKind::kString:
            v = s->text;
            break;
        }
        set->add(v);
        list.values.push_back(std::move(v));
      }
    }
  }
  set->finish();
  if (list.id.empty()) return;
  Where here{doc.path, pos_of(name.value)};
  auto [it, inserted] = lists_.try_emplace(list.id, ListEntry{set, here});
  if (!inserted && it->second.preloaded) {
    it->second = ListEntry{set, here};
  } else if (!inserted) {
    err(c, name.value,
        "duplicate list '" + list.id + "' (first defined at " + it->second.where.str() + ")");
    return;
  }
  list.sha256 = detail::sha256_hex(doc.text);
  hashes_.emplace_back("list " + list.id, list.sha256);
  impl_->lists.push_back(std::move(list));
}

void Loader::load_set(Doc& doc) {
  Ctx c;
  c.d = &doc.diags;
  const YAML::Node& root = doc.root;
  detail::check_keys(root, kRuleSetKeys, "rule set", c.d);
  RuleSetInfo info;
  info.file = doc.path;
  info.framework = framework_of(doc.path);
  info.sha256 = detail::sha256_hex(doc.text);
  Field id = field(root, "ruleset");
  if (auto v = string_field(c, id)) {
    if (!valid_id(*v)) {
      err(c, id.value,
          "invalid rule set id '" + clip(*v) + "': use letters, digits, '.', '-' and '_'");
    } else {
      auto [it, inserted] = set_ids_.try_emplace(*v, Where{doc.path, pos_of(id.value)});
      if (!inserted) {
        err(c, id.value,
            "duplicate rule set id '" + *v + "' (first defined at " + it->second.str() + ")");
      }
      info.id = *v;
    }
  }
  if (auto v = string_field(c, field(root, "title"))) info.title = *v;
  if (auto v = string_field(c, field(root, "version"))) info.version = *v;
  if (auto s = source(c, field(root, "source"))) info.source = *s;
  string_field(c, field(root, "description"));

  detail::CompiledSet compiled;
  Field applies = field(root, "applies_to");
  if (applies.present) {
    if (!applies.value.IsMap()) {
      err(c, applies.value.IsNull() ? applies.key : applies.value,
          "'applies_to' must be a mapping {tags, kinds}, got " + detail::describe(applies.value));
    } else {
      detail::check_keys(applies.value, kAppliesToKeys, "applies_to", c.d);
      // A scalar or a list of scalars, as strings.
      auto strings = [&](const YAML::Node& v, std::string_view what) {
        std::vector<std::string> out;
        if (v.IsScalar()) {
          out.push_back(v.Scalar());
        } else if (v.IsSequence() && v.size() > 0) {
          for (const auto& item : v) {
            if (item.IsScalar()) {
              out.push_back(item.Scalar());
            } else {
              err(c, item, std::string(what) + " must be names, got " + detail::describe(item));
            }
          }
        } else {
          err(c, v,
              std::string(what) + " must be a name or a non-empty list of names, got " +
                  detail::describe(v));
        }
        return out;
      };
      Field tags = field(applies.value, "tags");
      if (tags.present) {
        if (!tags.value.IsMap()) {
          err(c, tags.value.IsNull() ? tags.key : tags.value,
              "'tags' must be a mapping {KEY: [VALUES]}, got " + detail::describe(tags.value));
        } else {
          for (auto it = tags.value.begin(); it != tags.value.end(); ++it) {
            if (!it->first.IsScalar()) {
              err(c, it->first, "a tag key must be a name, got " + detail::describe(it->first));
              continue;
            }
            compiled.tags.emplace_back(it->first.Scalar(), strings(it->second, "tag values"));
          }
        }
      }
      Field kinds = field(applies.value, "kinds");
      if (kinds.present) compiled.kinds = strings(kinds.value, "'kinds'");
    }
  }

  size_t set_index = impl_->sets.size();
  size_t first_rule = impl_->rules.size();
  Field rules = field(root, "rules");
  if (rules.present && !rules.value.IsNull()) {
    if (!rules.value.IsSequence()) {
      err(c, rules.value, "'rules' must be a list of rules, got " + detail::describe(rules.value));
    } else {
      for (const auto& r : rules.value) {
        if (c.budget == 0) break;
        compile_rule(c, doc, r, set_index, info.source);
      }
    }
  }
  info.rule_count = impl_->rules.size() - first_rule;
  for (size_t i = first_rule; i < impl_->rules.size(); ++i) impl_->rules[i].ruleset = info.id;
  hashes_.emplace_back("ruleset " + info.id, info.sha256);
  impl_->sets.push_back(std::move(info));
  impl_->compiled_sets.push_back(std::move(compiled));
}

void Loader::compile_rule(Ctx& c, Doc& doc, const YAML::Node& r, size_t set_index,
                          const SourceRef& set_source) {
  if (!r.IsMap()) {
    err(c, r, "a rule must be a mapping with id, title, severity, ..., got " + detail::describe(r));
    return;
  }
  std::vector<std::string> suggested;
  detail::check_keys(r, kRuleKeys, "rule", c.d, &suggested);
  RuleInfo info;
  detail::CompiledRule rule;
  rule.set = set_index;
  info.file = doc.path;
  info.line = pos_of(r).line;
  info.source = set_source;

  Field id = field(r, "id");
  if (auto v = string_field(c, id)) {
    if (!valid_id(*v)) {
      err(c, id.value, "invalid rule id '" + clip(*v) + "': use letters, digits, '.', '-' and '_'");
    } else {
      auto [it, inserted] = rule_ids_.try_emplace(*v, Where{doc.path, pos_of(id.value)});
      if (!inserted) {
        err(c, id.value,
            "duplicate rule id '" + *v + "' (first defined at " + it->second.str() + ")");
      }
      info.id = *v;
    }
  }
  if (auto v = string_field(c, field(r, "title"))) info.title = *v;
  if (auto v = string_field(c, field(r, "description"))) info.description = *v;
  if (auto v = string_field(c, field(r, "reference"))) info.reference = *v;
  if (auto v = string_field(c, field(r, "remediation"))) info.remediation = *v;
  Field severity = field(r, "severity");
  if (auto v = string_field(c, severity)) {
    if (auto s = model::parse_severity(*v)) {
      info.severity = *s;
    } else {
      err(c, severity.value,
          "unknown severity '" + clip(*v) + "' (expected info, low, medium, high or critical)" +
              did_you_mean_suffix(*v, {"info", "low", "medium", "high", "critical"}));
    }
  }
  if (auto s = source(c, field(r, "source"))) {
    info.source = *s;
    if (info.source.url.empty()) info.source.url = set_source.url;
  }
  Field effective = field(r, "effective");
  if (effective.present) info.effective = detail::read_date(effective.value, "effective", c.d);
  Field max_age = field(r, "max_age");
  if (auto v = string_field(c, max_age)) {
    auto d = detail::parse_duration_bounded(*v);
    if (!d) {
      err(c, max_age.value,
          "invalid duration '" + clip(*v) +
              "' for 'max_age' (expected a number and a unit such as 180d; units ms s m h d w y)");
    } else if (d->count() <= 0) {
      err(c, max_age.value, "'max_age' must be longer than zero");
    } else {
      info.max_age = *d;
    }
  }
  Field on_unknown = field(r, "on_unknown");
  if (auto v = string_field(c, on_unknown)) {
    if (*v == "error") {
      rule.on_unknown = detail::OnUnknown::kError;
    } else if (*v == "fail") {
      rule.on_unknown = detail::OnUnknown::kFail;
    } else if (*v == "manual") {
      rule.on_unknown = detail::OnUnknown::kManual;
    } else {
      err(c, on_unknown.value,
          "invalid on_unknown '" + clip(*v) + "' (expected error, fail or manual)" +
              did_you_mean_suffix(*v, {"error", "fail", "manual"}));
    }
  }
  Field manual = field(r, "manual");
  if (manual.present) {
    if (auto b = detail::read_bool(manual.value, "manual", c.d)) info.manual = *b;
  }

  std::vector<std::string> paths;
  c.fact_paths = &paths;
  Field when = field(r, "when");
  if (when.present) {
    rule.when = condition(c, when.value, 0);
    if (rule.when) info.when_text = flow_text(when.value);
  }
  Field check = field(r, "check");
  if (check.present && info.manual) {
    err(c, check.key, "'check' cannot be combined with 'manual: true'");
  } else if (check.present) {
    rule.check = condition(c, check.value, 0);
    if (rule.check) info.check_text = flow_text(check.value);
  } else if (!manual.present &&
             std::find(suggested.begin(), suggested.end(), "check") == suggested.end()) {
    Pos p = pos_of(r);
    c.d->error(p.line, p.column,
               "missing required key 'check' in rule (or 'manual: true' for a rule a human "
               "attests)");
  }
  c.fact_paths = nullptr;
  info.fact_paths = std::move(paths);

  if (info.id.empty()) return;
  impl_->by_id.emplace(info.id, impl_->rules.size());
  impl_->rules.push_back(std::move(info));
  impl_->compiled.push_back(std::move(rule));
}

// ---------------------------------------------------------------------------------------------
// Conditions.

std::optional<Node> Loader::condition(Ctx& c, const YAML::Node& y, int depth) {
  if (c.d->items().size() >= detail::kMaxDiagnostics && !c.budget_reported) {
    // An alias repeating one mistake would otherwise report it thousands of times.
    err(c, y, "too many errors in this file; stopping here");
    c.budget_reported = true;
    c.budget = 0;
  }
  if (c.budget == 0) {
    if (!c.budget_reported) {
      err(c, y,
          "too many condition nodes in this file (more than " + std::to_string(detail::kMaxNodes) +
              ")");
      c.budget_reported = true;
    }
    return std::nullopt;
  }
  --c.budget;
  if (depth > detail::kMaxDepth) {
    err(c, y, "conditions nested deeper than " + std::to_string(detail::kMaxDepth) + " levels");
    return std::nullopt;
  }
  if (!y.IsMap()) {
    err(c, y,
        "a condition must be a mapping such as {fact: PATH, eq: VALUE}, got " +
            detail::describe(y));
    return std::nullopt;
  }
  struct Entry {
    std::string name;
    Field f;
  };
  std::vector<Entry> entries;
  bool ok = true;
  std::set<std::string, std::less<>> seen;
  for (auto it = y.begin(); it != y.end(); ++it) {
    if (!it->first.IsScalar()) {
      err(c, it->first, "a key must be a plain name, got " + detail::describe(it->first));
      ok = false;
      continue;
    }
    std::string name = it->first.Scalar();
    if (!seen.insert(name).second) {
      err(c, it->first, "duplicate key '" + name + "'");
      ok = false;
      continue;
    }
    entries.push_back({std::move(name), {it->first, it->second, true}});
  }
  std::vector<const Entry*> forms;
  for (const auto& e : entries) {
    if (is_form(e.name)) forms.push_back(&e);
  }
  if (forms.empty()) {
    bool reported = false;
    auto keywords = condition_keywords();
    for (const auto& e : entries) {
      if (std::find(keywords.begin(), keywords.end(), e.name) == keywords.end()) {
        err(c, e.f.key,
            "unknown key '" + e.name + "' in condition" + did_you_mean_suffix(e.name, keywords));
        reported = true;
      }
    }
    if (!reported) {
      err(c, y, "a condition needs one of all, any, not, fact, every or some");
    }
    return std::nullopt;
  }
  if (forms.size() > 1) {
    err(c, forms[1]->f.key,
        "'" + forms[1]->name + "' cannot be combined with '" + forms[0]->name +
            "' in one condition; nest them under all or any");
    return std::nullopt;
  }
  const Entry& form = *forms.front();
  static constexpr std::string_view kLeafKeys[] = {
      "fact", "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "matches", "exists", "contains"};
  static constexpr std::string_view kEveryKeys[] = {"every", "check", "if_empty"};
  static constexpr std::string_view kSomeKeys[] = {"some", "check", "if_empty"};
  std::span<const std::string_view> allowed =
      form.name == "fact"    ? std::span<const std::string_view>(kLeafKeys)
      : form.name == "every" ? std::span<const std::string_view>(kEveryKeys)
      : form.name == "some"  ? std::span<const std::string_view>(kSomeKeys)
                             : std::span<const std::string_view>(&kConditionForms[0], 0);
  std::vector<const Entry*> ops;
  Field check, if_empty;
  for (const auto& e : entries) {
    if (&e == &form) continue;
    if (std::find(allowed.begin(), allowed.end(), e.name) == allowed.end()) {
      err(c, e.f.key,
          "unknown key '" + e.name + "' in " +
              (form.name == "fact" ? std::string("a fact") : "an '" + form.name + "'") +
              " condition" +
              did_you_mean_suffix(e.name,
                                  std::vector<std::string>(allowed.begin(), allowed.end())));
      ok = false;
      continue;
    }
    if (e.name == "check") {
      check = e.f;
    } else if (e.name == "if_empty") {
      if_empty = e.f;
    } else {
      ops.push_back(&e);
    }
  }

  std::optional<Node> out;
  if (form.name == "all" || form.name == "any") {
    Node n;
    n.kind = form.name == "all" ? NodeKind::kAll : NodeKind::kAny;
    const YAML::Node& v = form.f.value;
    if (!v.IsSequence() || v.size() == 0) {
      err(c, v.IsNull() ? form.f.key : v,
          "'" + form.name + "' needs a non-empty list of conditions, got " + detail::describe(v));
      return std::nullopt;
    }
    for (const auto& item : v) {
      auto child = condition(c, item, depth + 1);
      if (!child) {
        ok = false;
        if (c.budget == 0) break;
        continue;
      }
      n.children.push_back(std::move(*child));
    }
    out = std::move(n);
  } else if (form.name == "not") {
    auto child = condition(c, form.f.value, depth + 1);
    if (!child) return std::nullopt;
    Node n;
    n.kind = NodeKind::kNot;
    n.children.push_back(std::move(*child));
    out = std::move(n);
  } else if (form.name == "fact") {
    if (ops.empty() && !ok) return std::nullopt;  // an unknown key was probably the operator
    if (ops.empty()) {
      err(c, y,
          "a fact condition needs an operator: eq, ne, lt, le, gt, ge, in, not_in, matches, "
          "exists or contains");
      return std::nullopt;
    }
    if (ops.size() > 1) {
      err(c, ops[1]->f.key,
          "one operator per condition ('" + ops[0]->name + "' and '" + ops[1]->name +
              "'); combine conditions with all");
      return std::nullopt;
    }
    out = leaf(c, form.f, ops[0]->f, *detail::parse_op(ops[0]->name));
  } else {
    if (!check.present && !ok) return std::nullopt;  // an unknown key was probably the check
    out = quantifier(c, y, form.f, check, if_empty, depth);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<FactRef> Loader::fact_ref(Ctx& c, const YAML::Node& v) {
  if (!v.IsScalar()) {
    err(c, v, "a fact path must be a string such as provider.id, got " + detail::describe(v));
    return std::nullopt;
  }
  FactRef r;
  r.text = v.Scalar();
  std::string_view text = r.text;
  if (!text.empty() && text[0] == '@') {
    if (c.scope.empty()) {
      err(c, v, "'@' is the element of an enclosing every or some, and there is none here");
      return std::nullopt;
    }
    r.relative = true;
    std::string_view rest = text.substr(1);
    if (rest.empty()) return r;
    if (rest[0] != '.') {
      err(c, v, "after '@' comes '.' and a key, as in '@.country'");
      return std::nullopt;
    }
    auto p = model::FactPath::parse(rest.substr(1));
    if (!p) {
      err(c, v, p.error().message());
      return std::nullopt;
    }
    r.path = std::move(*p);
    r.suffix = std::string(rest);
    return r;
  }
  auto p = model::FactPath::parse(text);
  if (!p) {
    err(c, v, p.error().message());
    return std::nullopt;
  }
  r.path = std::move(*p);
  return r;
}

std::string Loader::schema_path(const Ctx& c, const FactRef& r) const {
  if (!r.relative) return r.path.schema_form();
  const std::string& base = c.scope.back();
  if (r.path.empty()) return base;
  std::string rel = r.path.schema_form();
  return rel.empty() ? base : base + "." + rel;
}

std::optional<Declared> Loader::declared(Ctx& c, const std::string& path, const YAML::Node& where) {
  if (c.fact_paths != nullptr &&
      std::find(c.fact_paths->begin(), c.fact_paths->end(), path) == c.fact_paths->end()) {
    c.fact_paths->push_back(path);
  }
  const model::FactSchema* schema = options_.schema;
  if (schema == nullptr || c.unchecked > 0 || model::FactSchema::is_site_declared(path)) {
    return std::nullopt;
  }
  if (const auto* e = schema->lookup(path)) return Declared{e->type, e->element_type};
  if (detail::ends_with(path, "[*]")) {
    const auto* e = schema->lookup(path.substr(0, path.size() - 3));
    if (e != nullptr && e->type == FactType::kList) return Declared{e->element_type};
  }
  // A proper prefix of declared paths is an object (provider.ownership).
  const auto& entries = schema->entries();
  for (auto it = entries.lower_bound(path); it != entries.end(); ++it) {
    const std::string& k = it->first;
    if (k.compare(0, path.size(), path) != 0) break;
    if (k.size() > path.size() && (k[path.size()] == '.' || k[path.size()] == '[')) {
      return Declared{FactType::kObject};
    }
  }
  warn(c, where,
       "fact path '" + path + "' is not declared by any probe" +
           did_you_mean_suffix(path, schema->paths()));
  return std::nullopt;
}

// What kind of value a constant is, in the schema's terms.
FactType constant_type(const Constant& k) {
  switch (k.kind) {
    case ConstKind::kBool:
      return FactType::kBool;
    case ConstKind::kNumber:
      return FactType::kNumber;
    case ConstKind::kDate:
    case ConstKind::kRelativeDate:
      return FactType::kDate;
    case ConstKind::kString:
    case ConstKind::kRegex:
      return FactType::kString;
    case ConstKind::kNull:
    case ConstKind::kSet:
      break;
  }
  return FactType::kAny;
}

// Whether a fact of type `fact` can ever equal a constant of type `k`.
bool compatible(FactType fact, FactType k) {
  if (fact == FactType::kAny || k == FactType::kAny) return true;
  switch (k) {
    case FactType::kNumber:
      return fact == FactType::kNumber || fact == FactType::kInteger;
    case FactType::kString:
    case FactType::kDate:
      return fact == FactType::kString || fact == FactType::kDate;
    case FactType::kBool:
      return fact == FactType::kBool;
    default:
      return true;
  }
}

std::string a_type(FactType t) {
  switch (t) {
    case FactType::kInteger:
      return "an integer";
    case FactType::kAny:
      return "any value";
    case FactType::kObject:
      return "an object";
    default:
      return "a " + std::string(model::fact_type_name(t));
  }
}

void Loader::check_types(Ctx& c, Op op, const Constant& k, const std::string& path,
                         const Declared& d, const YAML::Node& where) {
  FactType t = d.type;
  if (t == FactType::kAny || op == Op::kExists) return;
  auto mismatch = [&](const std::string& what) {
    err(c, where, "type mismatch: fact '" + path + "' is " + a_type(t) + ", " + what);
  };
  if (op == Op::kContains) {
    if (t == FactType::kList) {
      if (!compatible(d.element, constant_type(k))) {
        err(c, where,
            "type mismatch: fact '" + path + "' is a list of " +
                std::string(model::fact_type_name(d.element)) + " values, it cannot contain " +
                k.text);
      }
    } else if (t != FactType::kString || k.kind != ConstKind::kString) {
      mismatch("'contains' needs a list (or a string and a string)");
    }
    return;
  }
  if (t == FactType::kList || t == FactType::kObject) {
    mismatch("compare its elements with every, some or '" + path + "[*]'");
    return;
  }
  switch (op) {
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      if (k.kind == ConstKind::kNumber && t != FactType::kNumber && t != FactType::kInteger) {
        mismatch("not a number; '" + std::string(detail::op_name(op)) + "' compares it with " +
                 k.text);
      } else if (k.kind != ConstKind::kNumber && t != FactType::kDate && t != FactType::kString) {
        mismatch("not a date; '" + std::string(detail::op_name(op)) + "' compares it with " +
                 k.text);
      }
      return;
    case Op::kEq:
    case Op::kNe:
      if (k.kind == ConstKind::kNull) return;
      if (!compatible(t, constant_type(k))) {
        mismatch("it cannot equal " + k.text);
      } else if (t == FactType::kDate && k.kind == ConstKind::kString) {
        warn(c, where,
             "fact '" + path + "' is a date, compared with " + k.text + ", which is not a date");
      }
      return;
    case Op::kIn:
    case Op::kNotIn: {
      const ValueSet& s = *k.set;
      bool any = (!s.strings.empty() && compatible(t, FactType::kString)) ||
                 (!s.numbers.empty() && compatible(t, FactType::kNumber)) ||
                 ((s.has_true || s.has_false) && compatible(t, FactType::kBool));
      if (!any) mismatch("no value of " + k.text + " has that type");
      return;
    }
    case Op::kMatches:
      if (t != FactType::kString && t != FactType::kDate) {
        mismatch("'matches' needs a string");
      }
      return;
    case Op::kExists:
    case Op::kContains:
      return;
  }
}

std::optional<Node> Loader::leaf(Ctx& c, const Field& fact, const Field& op_field, Op op) {
  auto ref = fact_ref(c, fact.value);
  auto k = constant(c, op, op_field);
  if (!ref || !k) {
    // Still check the path, so a leaf with a bad value and an unknown path reports both.
    if (ref) (void)declared(c, schema_path(c, *ref), fact.value);
    return std::nullopt;
  }
  std::string path = schema_path(c, *ref);
  if (auto d = declared(c, path, fact.value)) {
    check_types(c, op, *k, path, *d, op_field.value.IsNull() ? op_field.key : op_field.value);
  }
  Node n;
  n.kind = NodeKind::kLeaf;
  n.op = op;
  n.fact = std::move(*ref);
  n.value = std::move(*k);
  return n;
}

std::optional<Constant> Loader::constant(Ctx& c, Op op, const Field& f) {
  std::string name(detail::op_name(op));
  const YAML::Node& v = f.value;
  // Errors about an empty value point at its key (yaml-cpp marks an empty value where the next
  // token starts).
  const YAML::Node& at = v.IsNull() ? f.key : v;
  Constant k;
  auto date_or_error = [&](const detail::Scalar& s) -> bool {
    auto t = detail::parse_date_bounded(s.text);
    if (!t) {
      err(c, at, "invalid date '" + clip(s.text) + "' (expected YYYY-MM-DD or RFC 3339)");
      return false;
    }
    k.kind = ConstKind::kDate;
    k.date = *t;
    k.string = s.text;
    k.text = s.text;
    return true;
  };
  switch (op) {
    case Op::kEq:
    case Op::kNe:
    case Op::kContains: {
      if (!v.IsScalar() && !v.IsNull()) {
        err(c, at,
            "'" + name + "' needs a single value (number, string, boolean" +
                (op == Op::kContains ? "" : ", null") + " or date), got " + detail::describe(v) +
                (op == Op::kContains ? "" : "; use 'in' for a list of values"));
        return std::nullopt;
      }
      auto s = detail::read_scalar(v, c.d);
      if (!s) return std::nullopt;
      switch (s->kind) {
        case ScalarKind::kNull:
          if (op == Op::kContains) {
            err(c, at, "'contains' needs a value, got null");
            return std::nullopt;
          }
          k.kind = ConstKind::kNull;
          k.text = "null";
          return k;
        case ScalarKind::kBool:
          k.kind = ConstKind::kBool;
          k.boolean = s->boolean;
          k.text = s->boolean ? "true" : "false";
          return k;
        case ScalarKind::kNumber:
          k.kind = ConstKind::kNumber;
          k.number = s->number;
          k.text = s->text;
          return k;
        case ScalarKind::kString:
          if (op != Op::kContains && !s->quoted && detail::parse_relative_date(s->text)) {
            err(c, at, "relative date '" + s->text + "' needs lt, le, gt or ge");
            return std::nullopt;
          }
          if (op != Op::kContains && detail::looks_like_date(s->text)) {
            if (!date_or_error(*s)) return std::nullopt;
            return k;
          }
          k.kind = ConstKind::kString;
          k.string = s->text;
          k.text = "\"" + clip(s->text) + "\"";
          return k;
      }
      return std::nullopt;
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      std::string need = "'" + name + "' needs a number or a date";
      if (!v.IsScalar()) {
        err(c, at, need + ", got " + detail::describe(v));
        return std::nullopt;
      }
      auto s = detail::read_scalar(v, c.d);
      if (!s) return std::nullopt;
      if (s->kind == ScalarKind::kNumber) {
        k.kind = ConstKind::kNumber;
        k.number = s->number;
        k.text = s->text;
        return k;
      }
      if (s->kind == ScalarKind::kString) {
        if (auto off = detail::parse_relative_date(s->text)) {
          k.kind = ConstKind::kRelativeDate;
          k.offset = *off;
          k.text = s->text;
          return k;
        }
        if (detail::looks_like_date(s->text)) {
          if (!date_or_error(*s)) return std::nullopt;
          return k;
        }
        if (s->text.rfind("now", 0) == 0) {
          err(c, at,
              "invalid relative date '" + clip(s->text) +
                  "' (expected now, now+30d or now-1y; units s m h d w y)");
          return std::nullopt;
        }
      }
      std::string hint;
      if (s->quoted && !s->text.empty() && std::isdigit(static_cast<unsigned char>(s->text[0]))) {
        hint = " (remove the quotes to compare as a number)";
      }
      err(c, at, need + ", got " + detail::describe(v) + hint);
      return std::nullopt;
    }
    case Op::kIn:
    case Op::kNotIn: {
      auto set = std::make_shared<ValueSet>();
      if (v.IsScalar() && v.Tag() != "!" && !v.Scalar().empty() && v.Scalar()[0] == '$') {
        std::string list = v.Scalar().substr(1);
        auto it = lists_.find(list);
        if (it == lists_.end()) {
          std::vector<std::string> names;
          for (const auto& [n, e] : lists_) names.push_back("$" + n);
          err(c, at,
              "unknown list '" + clip(v.Scalar()) + "'" + did_you_mean_suffix(v.Scalar(), names));
          return std::nullopt;
        }
        k.kind = ConstKind::kSet;
        k.set = it->second.set;
        k.text = v.Scalar();
        return k;
      }
      if (!v.IsSequence()) {
        err(c, at,
            "'" + name + "' needs a list ([FR, DE]) or a shared list ($eu27), got " +
                detail::describe(v));
        return std::nullopt;
      }
      if (v.size() == 0) {
        err(c, at, "'" + name + "' needs at least one value");
        return std::nullopt;
      }
      std::string text = "[";
      bool ok = true;
      for (const auto& item : v) {
        if (!item.IsScalar() && !item.IsNull()) {
          err(c, item, "list values must be single values, got " + detail::describe(item));
          ok = false;
          continue;
        }
        auto s = detail::read_scalar(item, c.d);
        if (!s) {
          ok = false;
          continue;
        }
        if (text.size() > 1) text += ", ";
        switch (s->kind) {
          case ScalarKind::kNull:
            set->add(Json(nullptr));
            text += "null";
            break;
          case ScalarKind::kBool:
            set->add(Json(s->boolean));
            text += s->boolean ? "true" : "false";
            break;
          case ScalarKind::kNumber:
            set->add(Json(s->number));
            text += s->text;
            break;
          case ScalarKind::kString:
            set->add(Json(s->text));
            text += s->text;
            break;
        }
      }
      if (!ok) return std::nullopt;
      set->finish();
      k.kind = ConstKind::kSet;
      k.set = std::move(set);
      k.text = clip(text + "]", 80);
      return k;
    }
    case Op::kMatches: {
      if (!v.IsScalar()) {
        err(c, at, "'matches' needs a regular expression (a string), got " + detail::describe(v));
        return std::nullopt;
      }
      const std::string& pattern = v.Scalar();
      if (pattern.size() > 1000) {
        err(c, at, "regular expression longer than 1000 characters");
        return std::nullopt;
      }
      try {
        k.regex = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        err(c, at,
            "invalid regular expression '" + clip(pattern) + "': " + regex_error_text(e.code()));
        return std::nullopt;
      }
      k.kind = ConstKind::kRegex;
      k.string = pattern;
      k.text = "\"" + clip(pattern) + "\"";
      return k;
    }
    case Op::kExists: {
      auto b = detail::read_bool(at, "exists", c.d);
      if (!b) return std::nullopt;
      k.kind = ConstKind::kBool;
      k.boolean = *b;
      k.text = *b ? "true" : "false";
      return k;
    }
  }
  return std::nullopt;
}

std::optional<Node> Loader::quantifier(Ctx& c, const YAML::Node& y, const Field& form,
                                       const Field& check, const Field& if_empty, int depth) {
  bool every = form.key.Scalar() == "every";
  std::string name = every ? "every" : "some";
  Node n;
  n.kind = every ? NodeKind::kEvery : NodeKind::kSome;
  bool ok = true;
  auto ref = fact_ref(c, form.value);
  std::string elem_path;
  if (ref) {
    std::string path = schema_path(c, *ref);
    if (auto d = declared(c, path, form.value)) {
      if (d->type != FactType::kList && d->type != FactType::kAny) {
        err(c, form.value,
            "type mismatch: fact '" + path + "' is " + a_type(d->type) + ", not a list ('" + name +
                "' needs a list)");
        ok = false;
      }
    }
    elem_path = path + "[*]";
    n.fact = std::move(*ref);
  } else {
    ok = false;
  }
  if (if_empty.present) {
    std::string v = if_empty.value.IsScalar() ? if_empty.value.Scalar() : std::string();
    if (v == "pass") {
      n.if_empty = detail::IfEmpty::kPass;
    } else if (v == "fail") {
      n.if_empty = detail::IfEmpty::kFail;
    } else if (v == "not_applicable") {
      n.if_empty = detail::IfEmpty::kNotApplicable;
    } else if (v == "error") {
      n.if_empty = detail::IfEmpty::kError;
    } else {
      err(c, if_empty.value.IsNull() ? if_empty.key : if_empty.value,
          "invalid if_empty " + detail::describe(if_empty.value) +
              " (expected pass, fail, not_applicable or error)" +
              did_you_mean_suffix(v, {"pass", "fail", "not_applicable", "error"}));
      ok = false;
    }
  }
  if (!check.present) {
    err(c, y, "'" + name + "' needs a 'check' condition for each element");
    return std::nullopt;
  }
  if (!ref) return std::nullopt;
  c.scope.push_back(elem_path);
  if (!ok) ++c.unchecked;
  auto child = condition(c, check.value, depth + 1);
  if (!ok) --c.unchecked;
  c.scope.pop_back();
  if (!child || !ok) return std::nullopt;
  n.children.push_back(std::move(*child));
  return n;
}

std::unique_ptr<RuleBook::Impl> Loader::finish() {
  std::sort(hashes_.begin(), hashes_.end());
  std::string all;
  for (const auto& [id, sha] : hashes_) all += id + " " + sha + "\n";
  impl_->digest = detail::sha256_hex(all);
  return std::move(impl_);
}

Result<std::shared_ptr<const RuleBook>> load_docs(std::vector<Doc>& docs,
                                                  const LoadOptions& options, Diagnostics* diags,
                                                  bool io_failed) {
  Loader loader(options);
  for (auto& doc : docs) {
    doc.diags.set_source(doc.path, doc.text);
    if (detail::parse_yaml(doc.text, &doc.root, &doc.diags)) loader.classify(doc);
  }
  // Lists first: a set may name a list from any file.
  for (auto& doc : docs) {
    if (doc.kind == Doc::Kind::kList) loader.load_list(doc);
  }
  for (auto& doc : docs) {
    if (doc.kind == Doc::Kind::kSet) loader.load_set(doc);
  }
  size_t errors = 0;
  std::string first;
  for (auto& doc : docs) {
    if (options.strict) doc.diags.promote_warnings();
    // In the order of the file, as a compiler reports.
    std::vector<Diagnostic> items = doc.diags.items();
    std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    // The same mistake reached twice through a YAML alias is reported once.
    items.erase(std::unique(items.begin(), items.end(),
                            [](const Diagnostic& a, const Diagnostic& b) {
                              return a.line == b.line && a.column == b.column &&
                                     a.level == b.level && a.message == b.message;
                            }),
                items.end());
    Diagnostics sorted;
    for (auto& d : items) sorted.add(std::move(d));
    doc.diags = std::move(sorted);
    for (const auto& d : doc.diags.items()) {
      if (d.level == DiagLevel::kError && errors++ == 0) {
        first = d.file +
                (d.line > 0 ? ":" + std::to_string(d.line) + ":" + std::to_string(d.column)
                            : std::string()) +
                ": " + d.message;
      }
    }
    diags->append(doc.diags);
  }
  if (io_failed) return fail(ErrorCode::kIo, "cannot read every rule path");
  if (errors > 0) {
    return fail(ErrorCode::kInvalidInput, "invalid rules: " + std::to_string(errors) +
                                              (errors == 1 ? " error" : " errors") +
                                              " (first: " + first + ")");
  }
  return std::shared_ptr<const RuleBook>(std::make_shared<RuleBook>(loader.finish()));
}

bool wanted_rule_file(const std::string& path, bool explicit_) {
  if (detail::ends_with(path, ".cases.yaml")) return false;
  return explicit_ || detail::ends_with(path, ".yaml") || detail::ends_with(path, ".yml");
}

}  // namespace

Result<std::shared_ptr<const RuleBook>> load_rules(const std::vector<std::string>& paths,
                                                   const LoadOptions& options, Diagnostics* diags) {
  Diagnostics local;
  if (diags == nullptr) diags = &local;
  auto files = detail::collect_files(paths, &wanted_rule_file, diags);
  bool io_failed = !files;
  bool too_large = false;
  std::vector<Doc> docs;
  if (files) {
    for (const auto& f : *files) {
      auto text = detail::read_capped(f);
      if (!text) {
        diags->add({DiagLevel::kError,
                    f,
                    0,
                    0,
                    text.error().code() == ErrorCode::kIo ? "cannot read file"
                                                          : "file is larger than 4 MiB",
                    {}});
        (text.error().code() == ErrorCode::kIo ? io_failed : too_large) = true;
        continue;
      }
      Doc doc;
      doc.path = f;
      doc.text = std::move(*text);
      docs.push_back(std::move(doc));
    }
  }
  auto book = load_docs(docs, options, diags, io_failed);
  if (book && too_large) {
    return fail(ErrorCode::kInvalidInput, "invalid rules: a rule file is larger than 4 MiB");
  }
  return book;
}

Result<std::shared_ptr<const RuleBook>> load_rules_text(const std::string& file_name,
                                                        std::string_view text,
                                                        const LoadOptions& options,
                                                        Diagnostics* diags) {
  Diagnostics local;
  if (diags == nullptr) diags = &local;
  std::vector<Doc> docs(1);
  docs[0].path = file_name;
  docs[0].text = std::string(text.substr(0, std::min(text.size(), detail::kMaxFileBytes + 1)));
  return load_docs(docs, options, diags, false);
}

}  // namespace sov::ruleset
