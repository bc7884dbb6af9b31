// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to sov_ruleset: the compiled form of rules that the loader builds and the evaluator
// walks. Every string the evaluator would otherwise parse is parsed here once: fact paths
// (model::FactPath), numbers, dates, relative dates, regular expressions and the value sets of
// `in`/`not_in`. A compiled tree is immutable after loading and read concurrently by any number
// of threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"

namespace sov::ruleset::detail {

// Bounded versions of sov::parse_time / parse_duration: they reject anything outside years
// 1900..2199 or longer than 200 years, so that nanosecond arithmetic on the results can never
// overflow (sov::parse_time itself accepts year 9999, which does not fit a nanosecond
// time_point).
std::optional<TimePoint> parse_date_bounded(std::string_view text);
std::optional<Duration> parse_duration_bounded(std::string_view text);
// "now", "now+30d", "now-1y": the offset from the evaluation time; nullopt otherwise.
std::optional<Duration> parse_relative_date(std::string_view text);
// "YYYY-MM-..." (whether or not the date is valid).
bool looks_like_date(std::string_view text);

enum class Op : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kMatches, kExists, kContains };

// The operator as a YAML key ("le") and as shown in messages ("<=").
std::string_view op_name(Op op);
std::string_view op_symbol(Op op);
std::optional<Op> parse_op(std::string_view name);

// The values of an `in` list, grouped by type for lookup without allocation.
struct ValueSet {
  std::vector<std::string> strings;  // sorted, unique
  std::vector<double> numbers;       // sorted, unique
  bool has_true = false;
  bool has_false = false;
  bool has_null = false;

  void add(const model::Json& value);
  void finish();  // sorts and removes duplicates
  bool empty() const {
    return strings.empty() && numbers.empty() && !has_true && !has_false && !has_null;
  }
};

enum class ConstKind : uint8_t {
  kNull,
  kBool,
  kNumber,
  kString,
  kDate,          // an absolute instant; `string` keeps the text for string equality
  kRelativeDate,  // EvalContext::now + offset
  kSet,           // in / not_in
  kRegex          // matches
};

struct Constant {
  ConstKind kind = ConstKind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  TimePoint date{};
  Duration offset{};
  std::shared_ptr<const ValueSet> set;
  std::shared_ptr<const std::regex> regex;
  std::string text;  // as written, for messages: 24, "FR", $eu27, now+30d
};

// A fact path as written in a rule: absolute ("provider.id") or relative to the element of the
// innermost every/some ("@", "@.country").
struct FactRef {
  model::FactPath path;  // empty for "@"
  bool relative = false;
  std::string text;    // as written
  std::string suffix;  // appended to the element's concrete path: "" for "@", ".country"
};

enum class NodeKind : uint8_t { kAll, kAny, kNot, kLeaf, kEvery, kSome };
enum class IfEmpty : uint8_t { kDefault, kPass, kFail, kNotApplicable, kError };

struct Node {
  NodeKind kind = NodeKind::kAll;
  Op op = Op::kEq;                       // kLeaf
  IfEmpty if_empty = IfEmpty::kDefault;  // kEvery, kSome
  FactRef fact;                          // kLeaf: the fact; kEvery/kSome: the list
  Constant value;                        // kLeaf
  std::vector<Node> children;            // all/any: the conditions; not, every, some: one
};

enum class OnUnknown : uint8_t { kError, kFail, kManual };

struct CompiledRule {
  size_t set = 0;  // index into RuleBook::Impl::sets
  std::optional<Node> when;
  std::optional<Node> check;  // nullopt for manual rules
  OnUnknown on_unknown = OnUnknown::kError;
};

struct CompiledSet {
  // applies_to: every tag key listed must match one of its values; kinds empty = any kind.
  std::vector<std::pair<std::string, std::vector<std::string>>> tags;
  std::vector<std::string> kinds;

  bool applies(const model::Target& target) const;
};

}  // namespace sov::ruleset::detail

namespace sov::ruleset {

// The state of a RuleBook: a plain aggregate the loader fills and never changes afterwards.
class RuleBook::Impl {
 public:
  std::vector<RuleSetInfo> sets;
  std::vector<detail::CompiledSet> compiled_sets;  // parallel to sets
  std::vector<RuleInfo> rules;
  std::vector<detail::CompiledRule> compiled;  // parallel to rules
  std::vector<SharedList> lists;
  std::unordered_map<std::string, size_t> by_id;  // rule id -> index
  std::string digest;

  model::Finding evaluate(size_t rule_index, const model::Target& target, const model::Facts& facts,
                          const EvalContext& context, bool set_applies) const;
};

}  // namespace sov::ruleset
