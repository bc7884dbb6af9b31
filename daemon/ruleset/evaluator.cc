// SPDX-License-Identifier: Apache-2.0
// The evaluator: a pure function from (compiled rule, target, facts, context) to a Finding.
//
// Conditions evaluate to one of four values: true, false, error (a fact is missing, unknown or of
// the wrong type) and not-applicable (an empty list under `if_empty: not_applicable`). `all` and
// `any` follow Kleene's strong three-valued logic and ignore not-applicable children. Each result
// carries a small "why" (the deciding leaf and the evidence it read) so that the message of a
// finding is built once, at the end, and only for the outcome that counts.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <unordered_map>

#include "daemon/ruleset/compiled.h"
#include "daemon/ruleset/ruleset.h"

namespace sov::ruleset {

namespace detail {

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kEq:
      return "eq";
    case Op::kNe:
      return "ne";
    case Op::kLt:
      return "lt";
    case Op::kLe:
      return "le";
    case Op::kGt:
      return "gt";
    case Op::kGe:
      return "ge";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "not_in";
    case Op::kMatches:
      return "matches";
    case Op::kExists:
      return "exists";
    case Op::kContains:
      return "contains";
  }
  return "eq";
}

std::string_view op_symbol(Op op) {
  switch (op) {
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "not in";
    case Op::kMatches:
      return "matches";
    case Op::kExists:
      return "exists:";
    case Op::kContains:
      return "contains";
  }
  return "==";
}

std::optional<Op> parse_op(std::string_view name) {
  for (Op op : {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe, Op::kIn, Op::kNotIn,
                Op::kMatches, Op::kExists, Op::kContains}) {
    if (op_name(op) == name) return op;
  }
  return std::nullopt;
}

void ValueSet::add(const model::Json& value) {
  if (value.is_string()) {
    strings.push_back(value.get<std::string>());
  } else if (value.is_number()) {
    numbers.push_back(value.get<double>());
  } else if (value.is_boolean()) {
    (value.get<bool>() ? has_true : has_false) = true;
  } else if (value.is_null()) {
    has_null = true;
  }
}

void ValueSet::finish() {
  std::sort(strings.begin(), strings.end());
  strings.erase(std::unique(strings.begin(), strings.end()), strings.end());
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
}

bool CompiledSet::applies(const model::Target& target) const {
  for (const auto& tag : tags) {
    bool any = std::any_of(tag.second.begin(), tag.second.end(),
                           [&](const std::string& v) { return target.has_tag(tag.first, v); });
    if (!any) return false;
  }
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), target.kind) != kinds.end();
}

}  // namespace detail

namespace {

using detail::ConstKind;
using detail::Node;
using detail::NodeKind;
using detail::Op;
using model::Json;
using model::Status;

// Regular expressions run on fact strings up to this length; libstdc++'s matcher recurses per
// character and a longer hostile string could exhaust the stack.
constexpr size_t kMaxMatchLength = 4096;

constexpr uint32_t kNoEvidence = UINT32_MAX;

enum class Tri : uint8_t { kFalse, kTrue, kError, kNa };
// Why a condition gave error, in increasing order of gravity: a null fact (handled by the rule's
// on_unknown), a missing fact, a fact of the wrong type.
enum class Err : uint8_t { kNone, kUnknown, kMissing, kType };

struct Why {
  enum class Kind : uint8_t { kNone, kLeaf, kList, kEmpty, kAllHold, kNoneHold };
  Kind kind = Kind::kNone;
  bool negated = false;
  uint32_t evidence = 0;  // the evidence item the leaf or list read, or kNoEvidence
  uint32_t count = 0;     // kAllHold / kNoneHold: how many children or elements
  // For kAllHold / kNoneHold of a quantifier, `evidence` indexes Evaluator::labels_ instead.
  const Node* node = nullptr;
};

struct Outcome {
  Tri v = Tri::kFalse;
  Err err = Err::kNone;
  Why why;
};

Outcome truth(bool b, const Node* node, uint32_t ev) {
  return {b ? Tri::kTrue : Tri::kFalse, Err::kNone, {Why::Kind::kLeaf, false, ev, 0, node}};
}

Outcome error(Err err, Why::Kind kind, const Node* node, uint32_t ev) {
  return {Tri::kError, err, {kind, false, ev, 0, node}};
}

// Folds children under `all`/`every` (conjunction) or `any`/`some` (disjunction).
class Combiner {
 public:
  explicit Combiner(bool conjunction) : conj_(conjunction) {}

  // Returns true when the result is decided (a false under a conjunction, a true under a
  // disjunction) and the remaining children need not be read.
  bool add(const Outcome& r) {
    Tri decisive = conj_ ? Tri::kFalse : Tri::kTrue;
    if (r.v == decisive) {
      decided_ = r;
      has_decided_ = true;
      return true;
    }
    if (r.v == Tri::kError) {
      if (!has_err_ || r.err > err_.err) err_ = r;
      has_err_ = true;
    } else if (r.v == Tri::kNa) {
      if (!has_na_) na_ = r;
      has_na_ = true;
    } else {
      last_ = r;
      ++plain_;
    }
    return false;
  }

  bool empty() const { return !has_decided_ && !has_err_ && !has_na_ && plain_ == 0; }

  Outcome finish(const Node* node) const {
    if (has_decided_) return decided_;
    if (has_err_) return err_;
    if (plain_ == 1) return last_;
    if (plain_ > 1) {
      return {
          conj_ ? Tri::kTrue : Tri::kFalse,
          Err::kNone,
          {conj_ ? Why::Kind::kAllHold : Why::Kind::kNoneHold, false, kNoEvidence, plain_, node}};
    }
    return na_;
  }

 private:
  bool conj_;
  bool has_decided_ = false;
  bool has_err_ = false;
  bool has_na_ = false;
  uint32_t plain_ = 0;
  Outcome decided_;
  Outcome err_;
  Outcome na_;
  Outcome last_;
};

// The element of the innermost every/some: its value and concrete path.
struct Elem {
  const Json* value = nullptr;
  std::string path;
};

std::string dump(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 120) {
    s.resize(117);
    s += "...";
  }
  return s;
}

class Evaluator {
 public:
  Evaluator(const model::Facts& facts, TimePoint now, std::vector<model::EvidenceItem>* evidence)
      : facts_(facts), now_(now), evidence_(*evidence) {}

  Outcome eval(const Node& n, const Elem* elem) {
    switch (n.kind) {
      case NodeKind::kLeaf:
        return leaf(n, elem);
      case NodeKind::kAll:
      case NodeKind::kAny: {
        Combiner c(n.kind == NodeKind::kAll);
        for (const Node& child : n.children) {
          if (c.add(eval(child, elem))) break;
        }
        return c.finish(&n);
      }
      case NodeKind::kNot: {
        Outcome r = eval(n.children.front(), elem);
        if (r.v == Tri::kTrue) {
          r.v = Tri::kFalse;
        } else if (r.v == Tri::kFalse) {
          r.v = Tri::kTrue;
        }
        r.why.negated = !r.why.negated;
        return r;
      }
      case NodeKind::kEvery:
      case NodeKind::kSome:
        return quantifier(n, elem);
    }
    return {};
  }

 private:
  // Adds a fact read to the evidence once; returns its index.
  uint32_t record(std::string_view path, const Json* value) {
    if (index_.empty()) {
      // Few facts (the usual case): a linear search allocates nothing.
      for (size_t i = 0; i < evidence_.size(); ++i) {
        if (evidence_[i].path == path) return static_cast<uint32_t>(i);
      }
      if (evidence_.size() >= kLinearEvidence) {
        // A rule over a long list: index the paths so that recording stays linear overall.
        for (size_t i = 0; i < evidence_.size(); ++i) {
          index_.emplace(evidence_[i].path, static_cast<uint32_t>(i));
        }
      }
    } else if (auto it = index_.find(std::string(path)); it != index_.end()) {
      return it->second;
    }
    model::EvidenceItem& item = evidence_.emplace_back();
    item.path.assign(path.data(), path.size());
    if (value != nullptr) {
      item.value = *value;
    } else {
      item.missing = true;
    }
    auto index = static_cast<uint32_t>(evidence_.size() - 1);
    if (!index_.empty()) index_.emplace(item.path, index);
    return index;
  }

  Outcome leaf(const Node& n, const Elem* elem) {
    const detail::FactRef& f = n.fact;
    if (!f.path.has_wildcard()) {
      if (f.relative) {
        const Json* v = f.path.empty() ? elem->value : model::Facts::find_in(*elem->value, f.path);
        std::string path;
        path.reserve(elem->path.size() + f.suffix.size());
        path += elem->path;
        path += f.suffix;
        return compare(n, v, record(path, v));
      }
      const Json* v = facts_.find(f.path);
      return compare(n, v, record(f.path.text(), v));
    }
    std::vector<model::Facts::Match> matches;
    if (f.relative) {
      model::Facts::find_all_in(*elem->value, f.path, elem->path, &matches);
    } else {
      facts_.find_all(f.path, &matches);
    }
    if (matches.empty()) {
      // Every list on the way was empty: vacuously true, like `every`.
      return {Tri::kTrue, Err::kNone, {Why::Kind::kEmpty, false, kNoEvidence, 0, &n}};
    }
    Combiner c(true);
    for (const auto& m : matches) {
      if (c.add(compare(n, m.value, record(m.path, m.value)))) break;
    }
    return c.finish(&n);
  }

  Outcome quantifier(const Node& n, const Elem* elem) {
    bool every = n.kind == NodeKind::kEvery;
    const detail::FactRef& f = n.fact;
    std::vector<model::Facts::Match> lists;
    if (!f.path.has_wildcard()) {
      if (f.relative) {
        const Json* v = f.path.empty() ? elem->value : model::Facts::find_in(*elem->value, f.path);
        lists.push_back({elem->path + f.suffix, v});
      } else {
        lists.push_back({f.path.text(), facts_.find(f.path)});
      }
    } else if (f.relative) {
      model::Facts::find_all_in(*elem->value, f.path, elem->path, &lists);
    } else {
      facts_.find_all(f.path, &lists);
    }
    Combiner c(every);
    bool decided = false;
    uint32_t empty_evidence = kNoEvidence;
    Elem child;
    for (const auto& list : lists) {
      if (list.value == nullptr || !list.value->is_array()) {
        uint32_t ev = record(list.path, list.value);
        Err err = list.value == nullptr   ? Err::kMissing
                  : list.value->is_null() ? Err::kUnknown
                                          : Err::kType;
        if (c.add(error(err, Why::Kind::kList, &n, ev))) break;
        continue;
      }
      if (list.value->empty()) {
        empty_evidence = record(list.path, list.value);
        continue;
      }
      for (size_t k = 0; k < list.value->size(); ++k) {
        child.value = &(*list.value)[k];
        child.path.clear();
        child.path += list.path;
        child.path += '[';
        child.path += std::to_string(k);
        child.path += ']';
        if (c.add(eval(n.children.front(), &child))) {
          decided = true;
          break;
        }
      }
      if (decided) break;
    }
    if (!c.empty()) {
      Outcome r = c.finish(&n);
      if (r.why.node == &n && lists.size() == 1) {
        // A summary of this quantifier: name the list by its concrete path.
        labels_.push_back(lists.front().path);
        r.why.evidence = static_cast<uint32_t>(labels_.size() - 1);
      }
      return r;
    }
    Why why{Why::Kind::kEmpty, false, empty_evidence, 0, &n};
    switch (n.if_empty) {
      case detail::IfEmpty::kDefault:
        return {every ? Tri::kTrue : Tri::kFalse, Err::kNone, why};
      case detail::IfEmpty::kPass:
        return {Tri::kTrue, Err::kNone, why};
      case detail::IfEmpty::kFail:
        return {Tri::kFalse, Err::kNone, why};
      case detail::IfEmpty::kNotApplicable:
        return {Tri::kNa, Err::kNone, why};
      case detail::IfEmpty::kError:
        return {Tri::kError, Err::kType, why};
    }
    return {};
  }

  // Compares one fact value (nullptr = missing) with the leaf's constant.
  Outcome compare(const Node& n, const Json* v, uint32_t ev) {
    const detail::Constant& c = n.value;
    if (n.op == Op::kExists) {
      bool present = v != nullptr && !v->is_null();
      return truth(present == c.boolean, &n, ev);
    }
    if (v == nullptr) return error(Err::kMissing, Why::Kind::kLeaf, &n, ev);
    if (v->is_null()) {
      if ((n.op == Op::kEq || n.op == Op::kNe) && c.kind == ConstKind::kNull) {
        return truth(n.op == Op::kEq, &n, ev);
      }
      return error(Err::kUnknown, Why::Kind::kLeaf, &n, ev);
    }
    auto type_error = [&] { return error(Err::kType, Why::Kind::kLeaf, &n, ev); };
    switch (n.op) {
      case Op::kEq:
      case Op::kNe: {
        std::optional<bool> eq = equals(c, *v);
        if (!eq) return type_error();
        return truth(*eq == (n.op == Op::kEq), &n, ev);
      }
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        int cmp = 0;
        if (c.kind == ConstKind::kNumber) {
          if (!v->is_number()) return type_error();
          double a = v->get<double>();
          cmp = a < c.number ? -1 : (a > c.number ? 1 : 0);
        } else {
          if (!v->is_string()) return type_error();
          auto t = detail_parse_date(v->get_ref<const std::string&>());
          if (!t) return type_error();
          TimePoint b = c.kind == ConstKind::kRelativeDate ? now_ + c.offset : c.date;
          cmp = *t < b ? -1 : (*t > b ? 1 : 0);
        }
        bool r = n.op == Op::kLt   ? cmp < 0
                 : n.op == Op::kLe ? cmp <= 0
                 : n.op == Op::kGt ? cmp > 0
                                   : cmp >= 0;
        return truth(r, &n, ev);
      }
      case Op::kIn:
      case Op::kNotIn: {
        const detail::ValueSet& set = *c.set;
        bool found = false;
        if (v->is_string()) {
          if (set.strings.empty()) return type_error();
          found = std::binary_search(set.strings.begin(), set.strings.end(),
                                     v->get_ref<const std::string&>());
        } else if (v->is_number()) {
          if (set.numbers.empty()) return type_error();
          found = std::binary_search(set.numbers.begin(), set.numbers.end(), v->get<double>());
        } else if (v->is_boolean()) {
          if (!set.has_true && !set.has_false) return type_error();
          found = v->get<bool>() ? set.has_true : set.has_false;
        } else {
          return type_error();
        }
        return truth(found == (n.op == Op::kIn), &n, ev);
      }
      case Op::kMatches: {
        if (!v->is_string()) return type_error();
        const std::string& s = v->get_ref<const std::string&>();
        if (s.size() > kMaxMatchLength) return type_error();
        try {
          return truth(std::regex_match(s, *c.regex), &n, ev);
        } catch (const std::exception&) {
          // error_complexity or error_stack from a pathological pattern and input.
          return type_error();
        }
      }
      case Op::kContains: {
        if (v->is_array()) {
          for (const Json& e : *v) {
            std::optional<bool> eq = equals(c, e);
            if (eq && *eq) return truth(true, &n, ev);
          }
          return truth(false, &n, ev);
        }
        if (v->is_string() && c.kind == ConstKind::kString) {
          return truth(v->get_ref<const std::string&>().find(c.string) != std::string::npos, &n,
                       ev);
        }
        return type_error();
      }
      case Op::kExists:
        break;
    }
    return type_error();
  }

  // eq semantics; nullopt when the types cannot be compared.
  static std::optional<bool> equals(const detail::Constant& c, const Json& v) {
    switch (c.kind) {
      case ConstKind::kNull:
        return v.is_null();
      case ConstKind::kBool:
        if (!v.is_boolean()) return std::nullopt;
        return v.get<bool>() == c.boolean;
      case ConstKind::kNumber:
        if (!v.is_number()) return std::nullopt;
        return v.get<double>() == c.number;
      case ConstKind::kString:
        if (!v.is_string()) return std::nullopt;
        return v.get_ref<const std::string&>() == c.string;
      case ConstKind::kDate: {
        if (!v.is_string()) return std::nullopt;
        const std::string& s = v.get_ref<const std::string&>();
        auto t = detail_parse_date(s);
        return t ? *t == c.date : s == c.string;
      }
      case ConstKind::kRelativeDate:
      case ConstKind::kSet:
      case ConstKind::kRegex:
        return std::nullopt;
    }
    return std::nullopt;
  }

  static std::optional<TimePoint> detail_parse_date(std::string_view s) {
    return detail::parse_date_bounded(s);
  }

  static constexpr size_t kLinearEvidence = 32;

  const model::Facts& facts_;
  TimePoint now_;
  std::vector<model::EvidenceItem>& evidence_;
  std::unordered_map<std::string, uint32_t> index_;  // path -> evidence, once evidence is long

 public:
  // Concrete paths of quantified lists, named by kAllHold/kNoneHold outcomes.
  std::vector<std::string> labels_;
};

// ---------------------------------------------------------------------------------------------
// Messages, built once per finding from the deciding outcome.

std::string op_expr(const Node& n) {
  std::string s(detail::op_symbol(n.op));
  s += ' ';
  s += n.value.text;
  return s;
}

std::string expected_kind(const Node& n) {
  const detail::Constant& c = n.value;
  switch (n.op) {
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return c.kind == ConstKind::kNumber ? "a number" : "a date";
    case Op::kIn:
    case Op::kNotIn: {
      std::string kinds;
      auto add = [&](const char* k) { kinds += kinds.empty() ? k : std::string(" or ") + k; };
      if (!c.set->strings.empty()) add("a string");
      if (!c.set->numbers.empty()) add("a number");
      if (c.set->has_true || c.set->has_false) add("a boolean");
      return kinds.empty() ? "a listed value" : kinds;
    }
    case Op::kMatches:
      return "a string of at most " + std::to_string(kMaxMatchLength) + " characters";
    case Op::kContains:
      return c.kind == ConstKind::kString ? "a list or a string" : "a list";
    case Op::kEq:
    case Op::kNe:
    case Op::kExists:
      break;
  }
  switch (c.kind) {
    case ConstKind::kNumber:
      return "a number";
    case ConstKind::kBool:
      return "a boolean";
    case ConstKind::kString:
    case ConstKind::kDate:
      return "a string";
    default:
      return "a comparable value";
  }
}

std::string probe_note(const model::Facts& facts) {
  const Json& doc = facts.doc();
  if (!doc.is_object()) return {};
  auto probe = doc.find("probe");
  if (probe == doc.end() || !probe->is_object()) return {};
  auto status = probe->find("status");
  if (status == probe->end() || !status->is_string() ||
      status->get_ref<const std::string&>() != "error") {
    return {};
  }
  std::string note = " (the probe failed";
  auto err = probe->find("error");
  if (err != probe->end() && err->is_string()) note += ": " + err->get<std::string>();
  return note + ")";
}

std::string explain(const Outcome& o, const std::vector<model::EvidenceItem>& evidence,
                    const std::vector<std::string>& labels, const model::Facts& facts) {
  const Why& w = o.why;
  if (w.node == nullptr) return {};
  const Node& n = *w.node;
  const model::EvidenceItem* item =
      w.evidence != kNoEvidence && w.evidence < evidence.size() ? &evidence[w.evidence] : nullptr;
  const std::string& path = item != nullptr ? item->path : n.fact.text;
  std::string msg;
  switch (w.kind) {
    case Why::Kind::kNone:
      return {};
    case Why::Kind::kLeaf:
    case Why::Kind::kList:
      if (o.v == Tri::kError) {
        switch (o.err) {
          case Err::kMissing:
            return "fact '" + path + "' is missing" + probe_note(facts);
          case Err::kUnknown:
            return "fact '" + path + "' is unknown";
          case Err::kType:
          case Err::kNone:
            if (w.kind == Why::Kind::kList) {
              return "fact '" + path + "' = " + (item != nullptr ? dump(item->value) : "?") +
                     " is not a list (for " + (n.kind == NodeKind::kEvery ? "every" : "some") + ")";
            }
            return "fact '" + path + "' = " + (item != nullptr ? dump(item->value) : "?") +
                   " is not " + expected_kind(n) + " (for " + op_expr(n) + ")";
        }
      }
      msg = path;
      msg += " = ";
      msg += item == nullptr || item->missing ? std::string("(missing)") : dump(item->value);
      msg += o.v == Tri::kTrue ? ", meets " : ", expected ";
      msg += w.negated ? "not (" + op_expr(n) + ")" : op_expr(n);
      return msg;
    case Why::Kind::kEmpty:
      msg = item != nullptr ? path + " is empty" : "no element matches " + n.fact.text;
      if (o.v == Tri::kError) msg += " (if_empty: error)";
      if (o.v == Tri::kNa) msg += " (if_empty: not_applicable)";
      break;
    case Why::Kind::kAllHold:
    case Why::Kind::kNoneHold: {
      const std::string& list = w.evidence < labels.size() ? labels[w.evidence] : n.fact.text;
      std::string count = std::to_string(w.count);
      if (w.kind == Why::Kind::kAllHold) {
        msg = n.kind == NodeKind::kEvery ? "all " + count + " elements of " + list + " hold"
              : n.kind == NodeKind::kLeaf
                  ? "all " + count + " values of " + n.fact.text + " meet " + op_expr(n)
                  : "all " + count + " conditions hold";
      } else {
        msg = n.kind == NodeKind::kSome
                  ? "no element of " + list + " holds (" + count + " elements)"
                  : "none of " + count + " conditions holds";
      }
      break;
    }
  }
  if (w.negated) msg += " (negated by 'not')";
  return msg;
}

std::string format_age(Duration d) {
  using std::chrono::duration_cast;
  auto secs = duration_cast<std::chrono::seconds>(d).count();
  if (secs < 0) secs = 0;
  if (secs >= 86400) return std::to_string(secs / 86400) + "d";
  if (secs >= 3600) return std::to_string(secs / 3600) + "h";
  if (secs >= 60) return std::to_string(secs / 60) + "m";
  return std::to_string(secs) + "s";
}

const model::Attestation* find_attestation(const EvalContext& ctx, std::string_view rule,
                                           std::string_view target) {
  if (ctx.attestations == nullptr) return nullptr;
  const model::Attestation* best = nullptr;
  for (const auto& a : *ctx.attestations) {
    if (a.status != Status::kPass && a.status != Status::kFail) continue;
    if (!a.applies(rule, target, ctx.now)) continue;
    if (best == nullptr || a.date > best->date) best = &a;  // the latest attestation wins
  }
  return best;
}

// A manual status, or what an applying attestation says instead.
void manual_or_attested(const EvalContext& ctx, const RuleInfo& info, const model::Target& target,
                        model::Finding* f, std::string reason) {
  const model::Attestation* a = find_attestation(ctx, info.id, target.id);
  if (a == nullptr) {
    f->status = Status::kManual;
    f->message = std::move(reason);
    return;
  }
  f->status = a->status;
  f->basis = a->to_json();
  f->message = "attested " + std::string(model::status_name(a->status)) + " by " + a->by + " on " +
               format_date(a->date);
  if (!a->statement.empty()) f->message += ": " + a->statement;
}

// A waiver in force decides a failing finding (report_only) or any finding (skip). Without
// one, a failing finding covered by a waiver that expired or was revoked resurfaces with that
// waiver's history in its basis and message, so the register's end is visible in the report.
// A waiver longer than `limits` allows for the rule's severity: why it is not applied; "" when it
// is within the limit (or there is no limit).
std::string over_long(const model::Waiver& w, model::Severity severity,
                      const model::WaiverLimits* limits) {
  if (limits == nullptr || !w.expires) return "";
  Duration allowed = limits->for_severity(severity);
  Duration lasts = *w.expires - w.created;
  if (lasts <= allowed) return "";
  return "waiver " + w.id + " not applied: it lasts " + format_duration(lasts) +
         ", longer than the " + format_duration(allowed) + " allowed for a " +
         std::string(model::severity_name(severity)) + " rule (waiver_max_duration)";
}

void apply_waivers(const std::vector<model::Waiver>& waivers, const std::string& rule,
                   model::Severity severity, const model::WaiverLimits* limits,
                   const model::Target& target, TimePoint now, model::Finding* f) {
  bool failing = f->status == Status::kFail || f->status == Status::kError ||
                 f->status == Status::kStale || f->status == Status::kManual;
  const model::Waiver* ended = nullptr;
  for (const auto& w : waivers) {
    if (!w.covers(rule, target)) continue;
    if (w.applies(rule, target, now)) {
      if (std::string why = over_long(w, severity, limits); !why.empty()) {
        if (failing) f->message += " (" + why + ")";
        continue;
      }
      if (w.mode == model::WaiverMode::kSkip) {
        f->raw_status.reset();
        f->evidence.clear();
        f->status = Status::kWaived;
        f->basis = w.to_json();
        f->message = "not evaluated: skipped by waiver " + w.id;
        return;
      }
      if (!failing) continue;
      f->raw_status = f->status;
      f->status = Status::kWaived;
      f->basis = w.to_json();
      f->message = "waived (" + w.id + "): " + f->message;
      return;
    }
    std::string_view state = w.state(now);
    if (state == "expired" || state == "revoked") ended = &w;
  }
  if (ended == nullptr || !failing || !f->basis.is_null()) return;
  bool revoked = ended->state(now) == "revoked";
  std::string note = "waiver " + ended->id + (revoked ? " revoked on " : " expired on ") +
                     format_date(revoked ? *ended->revoked : *ended->expires);
  f->basis = ended->to_json();
  f->basis["kind"] = revoked ? "waiver_revoked" : "waiver_expired";
  f->basis["note"] = note;
  f->message += " (" + note + ")";
}

}  // namespace

model::Finding RuleBook::Impl::evaluate(size_t rule_index, const model::Target& target,
                                        const model::Facts& facts, const EvalContext& ctx,
                                        bool set_applies) const {
  const RuleInfo& info = rules[rule_index];
  const detail::CompiledRule& rule = compiled[rule_index];
  const RuleSetInfo& set = sets[rule.set];

  model::Finding f;
  f.rule_id = info.id;
  f.ruleset = set.id;
  f.ruleset_version = set.version;
  f.title = info.title;
  f.severity = info.severity;
  f.reference = info.reference;
  f.source_url = info.source.url;
  f.target_id = target.id;
  f.remediation = info.remediation;
  f.effective = info.effective;
  f.evaluated_at = ctx.now;
  f.in_force = !info.effective || *info.effective <= ctx.now;
  if (!set_applies) {
    f.status = Status::kNotApplicable;
    f.message = "rule set '" + set.id + "' does not apply to target '" + target.id + "'";
    return f;
  }

  f.evidence.reserve(4);
  Evaluator ev(facts, ctx.now, &f.evidence);
  std::optional<Outcome> result;  // the outcome that decided the status
  bool decided = false;
  if (rule.when) {
    Outcome w = ev.eval(*rule.when, nullptr);
    if (w.v == Tri::kFalse || w.v == Tri::kNa) {
      f.status = Status::kNotApplicable;
      f.message = "not applicable: " + explain(w, f.evidence, ev.labels_, facts);
      decided = true;
    } else if (w.v == Tri::kError) {
      result = w;
    }
  }
  if (!decided && !result) {
    if (!rule.check) {
      manual_or_attested(ctx, info, target, &f, "needs a human attestation (manual rule)");
      decided = true;
    } else {
      result = ev.eval(*rule.check, nullptr);
    }
  }
  if (!decided) {
    const Outcome& r = *result;
    std::string msg = explain(r, f.evidence, ev.labels_, facts);
    switch (r.v) {
      case Tri::kTrue:
        f.status = Status::kPass;
        f.message = std::move(msg);
        break;
      case Tri::kFalse:
        f.status = Status::kFail;
        f.message = std::move(msg);
        break;
      case Tri::kNa:
        f.status = Status::kNotApplicable;
        f.message = "not applicable: " + msg;
        break;
      case Tri::kError:
        if (r.err == Err::kUnknown && rule.on_unknown == detail::OnUnknown::kFail) {
          f.status = Status::kFail;
          f.message = std::move(msg) + " (on_unknown: fail)";
        } else if (r.err == Err::kUnknown && rule.on_unknown == detail::OnUnknown::kManual) {
          manual_or_attested(ctx, info, target, &f,
                             std::move(msg) + "; needs a human attestation (on_unknown: manual)");
        } else {
          f.status = Status::kError;
          f.message = std::move(msg);
        }
        break;
    }
  }

  for (auto& item : f.evidence) {
    if (item.missing) continue;
    if (const model::Source* src = facts.source_for(item.path)) item.source = *src;
  }

  // Never a pass (or a fail) on evidence older than the rule allows.
  if (info.max_age && (f.status == Status::kPass || f.status == Status::kFail) &&
      f.basis.is_null()) {
    for (const auto& item : f.evidence) {
      if (item.missing) continue;
      std::string why;
      if (!item.source || !item.source->when) {
        why = "fact '" + item.path + "' has no known date";
      } else if (ctx.now - *item.source->when > *info.max_age) {
        why = "fact '" + item.path + "' is " + format_age(ctx.now - *item.source->when) + " old";
      } else {
        continue;
      }
      f.message = "evidence is stale: " + why + " (max_age " + format_duration(*info.max_age) +
                  "); the check gave " + std::string(model::status_name(f.status)) + ": " +
                  f.message;
      f.status = Status::kStale;
      break;
    }
  }

  if (f.status == Status::kFail && !f.in_force) {
    f.message = "not yet in force (effective " + format_date(*info.effective) + "): " + f.message;
  }

  if (ctx.waivers != nullptr) {
    apply_waivers(*ctx.waivers, info.id, info.severity, ctx.waiver_limits, target, ctx.now, &f);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------

RuleBook::RuleBook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleBook::~RuleBook() = default;

const std::vector<RuleSetInfo>& RuleBook::rulesets() const { return impl_->sets; }
const std::vector<RuleInfo>& RuleBook::rules() const { return impl_->rules; }
const std::vector<SharedList>& RuleBook::lists() const { return impl_->lists; }
const std::string& RuleBook::digest() const { return impl_->digest; }

const RuleInfo* RuleBook::find_rule(std::string_view id) const {
  auto it = impl_->by_id.find(std::string(id));
  return it == impl_->by_id.end() ? nullptr : &impl_->rules[it->second];
}

std::vector<model::Finding> RuleBook::evaluate(const model::Target& target,
                                               const model::Facts& facts,
                                               const EvalContext& context) const {
  std::vector<model::Finding> out;
  out.reserve(impl_->rules.size());
  std::vector<char> applies(impl_->sets.size());
  for (size_t s = 0; s < impl_->sets.size(); ++s) {
    applies[s] = impl_->compiled_sets[s].applies(target) ? 1 : 0;
  }
  for (size_t i = 0; i < impl_->rules.size(); ++i) {
    if (applies[impl_->compiled[i].set] == 0) continue;
    out.push_back(impl_->evaluate(i, target, facts, context, true));
  }
  return out;
}

model::Finding RuleBook::evaluate_rule(size_t rule_index, const model::Target& target,
                                       const model::Facts& facts,
                                       const EvalContext& context) const {
  if (rule_index >= impl_->rules.size()) {
    // A broken invariant of the caller (B6): carrying on would read out of bounds.
    std::fprintf(stderr, "sov::ruleset: rule index %zu out of range (%zu rules)\n", rule_index,
                 impl_->rules.size());
    std::abort();
  }
  const auto& set = impl_->compiled_sets[impl_->compiled[rule_index].set];
  return impl_->evaluate(rule_index, target, facts, context, set.applies(target));
}

}  // namespace sov::ruleset
