// SPDX-License-Identifier: Apache-2.0
#include "daemon/model/model.h"

#include <algorithm>
#include <cctype>

namespace sov::model {

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kPass:
      return "pass";
    case Status::kFail:
      return "fail";
    case Status::kError:
      return "error";
    case Status::kNotApplicable:
      return "not_applicable";
    case Status::kManual:
      return "manual";
    case Status::kStale:
      return "stale";
    case Status::kWaived:
      return "waived";
  }
  return "error";
}

std::optional<Status> parse_status(std::string_view name) {
  for (Status s : kAllStatuses) {
    if (status_name(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "medium";
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (Severity s :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (severity_name(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view source_kind_name(SourceKind k) {
  switch (k) {
    case SourceKind::kObserved:
      return "observed";
    case SourceKind::kDeclared:
      return "declared";
    case SourceKind::kAttested:
      return "attested";
    case SourceKind::kDerived:
      return "derived";
  }
  return "observed";
}

Json Source::to_json() const {
  Json j = {{"kind", source_kind_name(kind)}, {"where", where}};
  j["when"] = when ? Json(format_rfc3339(*when)) : Json(nullptr);
  return j;
}

bool Target::has_tag(std::string_view key, std::string_view value) const {
  auto it = tags.find(std::string(key));
  if (it == tags.end()) return false;
  return std::find(it->second.begin(), it->second.end(), value) != it->second.end();
}

// ---------------------------------------------------------------------------------------------

Result<FactPath> FactPath::parse(std::string_view text) {
  FactPath p;
  p.text_ = std::string(text);
  if (text.empty()) return fail(ErrorCode::kInvalidInput, "empty fact path");
  size_t i = 0;
  bool expect_key = true;
  while (i < text.size()) {
    char c = text[i];
    if (c == '[') {
      size_t close = text.find(']', i);
      if (close == std::string_view::npos) {
        return fail(
            ErrorCode::kInvalidInput,
            "fact path '" + p.text_ + "': unclosed '[' at character " + std::to_string(i + 1));
      }
      std::string_view inner = text.substr(i + 1, close - i - 1);
      Segment seg;
      if (inner == "*") {
        seg.kind = Segment::Kind::kWildcard;
        p.wildcard_ = true;
      } else if (!inner.empty() && inner.size() < 10 &&
                 std::all_of(inner.begin(), inner.end(), [](char ch) {
                   return std::isdigit(static_cast<unsigned char>(ch));
                 })) {
        seg.kind = Segment::Kind::kIndex;
        seg.index = std::stoul(std::string(inner));
      } else {
        return fail(ErrorCode::kInvalidInput,
                    "fact path '" + p.text_ +
                        "': expected a number or '*' inside [] at character " +
                        std::to_string(i + 2));
      }
      if (p.segments_.empty()) {
        return fail(ErrorCode::kInvalidInput, "fact path '" + p.text_ + "' starts with '['");
      }
      p.segments_.push_back(seg);
      i = close + 1;
      expect_key = false;
      continue;
    }
    if (c == '.') {
      if (expect_key) {
        return fail(
            ErrorCode::kInvalidInput,
            "fact path '" + p.text_ + "': empty segment at character " + std::to_string(i + 1));
      }
      expect_key = true;
      ++i;
      continue;
    }
    if (!expect_key) {
      return fail(
          ErrorCode::kInvalidInput,
          "fact path '" + p.text_ + "': expected '.' or '[' at character " + std::to_string(i + 1));
    }
    size_t end = i;
    while (end < text.size() && text[end] != '.' && text[end] != '[') {
      unsigned char ch = static_cast<unsigned char>(text[end]);
      if (!(std::isalnum(ch) || ch == '_' || ch == '-')) {
        return fail(ErrorCode::kInvalidInput,
                    "fact path '" + p.text_ + "': unexpected character '" +
                        std::string(1, text[end]) + "' at character " + std::to_string(end + 1));
      }
      ++end;
    }
    Segment seg;
    seg.key = std::string(text.substr(i, end - i));
    p.segments_.push_back(std::move(seg));
    i = end;
    expect_key = false;
  }
  if (expect_key) {
    return fail(ErrorCode::kInvalidInput, "fact path '" + p.text_ + "' ends with '.'");
  }
  return p;
}

std::string FactPath::schema_form() const {
  std::string out;
  for (const auto& s : segments_) {
    if (s.kind == Segment::Kind::kKey) {
      if (!out.empty()) out += '.';
      out += s.key;
    } else {
      out += "[*]";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

Result<bool> Facts::set(std::string_view dotted_path, Json value, const Source& source) {
  auto path = FactPath::parse(dotted_path);
  if (!path) return path.error();
  Json* node = &doc_;
  const auto& segs = path->segments();
  for (size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].kind != FactPath::Segment::Kind::kKey) {
      return fail(ErrorCode::kInvalidInput,
                  "cannot set '" + std::string(dotted_path) + "': indices not allowed");
    }
    if (!node->is_object()) {
      if (node->is_null()) {
        *node = Json::object();
      } else {
        return fail(ErrorCode::kInvalidInput, "cannot set '" + std::string(dotted_path) + "': '" +
                                                  segs[i - 1].key + "' is not an object");
      }
    }
    node = &(*node)[segs[i].key];
  }
  *node = std::move(value);
  sources_[std::string(dotted_path)] = source;
  return true;
}

void Facts::merge_missing(const Json& tree, const Source& source, const std::string& prefix) {
  if (!tree.is_object()) return;
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    auto fp = FactPath::parse(path);
    if (!fp) continue;
    Json* node = &doc_;
    bool blocked = false;
    for (const auto& seg : fp->segments()) {
      if (!node->is_object()) {
        if (!node->is_null()) {
          blocked = true;
          break;
        }
        *node = Json::object();
      }
      node = &(*node)[seg.key];
    }
    if (blocked) continue;
    if (node->is_null()) {
      *node = it.value();
      sources_.emplace(path, source);
    } else if (node->is_object() && it.value().is_object()) {
      merge_missing(it.value(), source, path);
    }
  }
}

void Facts::set_source(std::string path_prefix, Source source) {
  sources_[std::move(path_prefix)] = std::move(source);
}

const Source* Facts::source_for(std::string_view path) const {
  std::string p(path);
  while (true) {
    auto it = sources_.find(p);
    if (it != sources_.end()) return &it->second;
    size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  auto root = sources_.find("");
  return root == sources_.end() ? nullptr : &root->second;
}

const Json* Facts::find_in(const Json& base, const FactPath& path) {
  const Json* node = &base;
  for (const auto& seg : path.segments()) {
    switch (seg.kind) {
      case FactPath::Segment::Kind::kKey: {
        if (!node->is_object()) return nullptr;
        auto it = node->find(seg.key);
        if (it == node->end()) return nullptr;
        node = &*it;
        break;
      }
      case FactPath::Segment::Kind::kIndex:
        if (!node->is_array() || seg.index >= node->size()) return nullptr;
        node = &(*node)[seg.index];
        break;
      case FactPath::Segment::Kind::kWildcard:
        return nullptr;
    }
  }
  return node;
}

const Json* Facts::find(const FactPath& path) const { return find_in(doc_, path); }

namespace {
void expand(const Json* node, const std::vector<FactPath::Segment>& segs, size_t i,
            std::string path, std::vector<Facts::Match>* out) {
  for (; i < segs.size(); ++i) {
    const auto& seg = segs[i];
    switch (seg.kind) {
      case FactPath::Segment::Kind::kKey: {
        if (!path.empty()) path += '.';
        path += seg.key;
        auto it = node->is_object() ? node->find(seg.key) : node->end();
        if (!node->is_object() || it == node->end()) {
          out->push_back({std::move(path), nullptr});
          return;
        }
        node = &*it;
        break;
      }
      case FactPath::Segment::Kind::kIndex:
        path += "[" + std::to_string(seg.index) + "]";
        if (!node->is_array() || seg.index >= node->size()) {
          out->push_back({std::move(path), nullptr});
          return;
        }
        node = &(*node)[seg.index];
        break;
      case FactPath::Segment::Kind::kWildcard:
        if (!node->is_array()) {
          out->push_back({std::move(path), nullptr});
          return;
        }
        for (size_t k = 0; k < node->size(); ++k) {
          expand(&(*node)[k], segs, i + 1, path + "[" + std::to_string(k) + "]", out);
        }
        return;
    }
  }
  out->push_back({std::move(path), node});
}
}  // namespace

void Facts::find_all_in(const Json& base, const FactPath& path, std::string prefix,
                        std::vector<Match>* out) {
  expand(&base, path.segments(), 0, std::move(prefix), out);
}

void Facts::find_all(const FactPath& path, std::vector<Match>* out) const {
  find_all_in(doc_, path, "", out);
}

// ---------------------------------------------------------------------------------------------

Json EvidenceItem::to_json() const {
  Json j = {{"path", path}, {"value", value}};
  if (missing) j["missing"] = true;
  if (source) j["source"] = source->to_json();
  return j;
}

Json Finding::to_json() const {
  Json ev = Json::array();
  for (const auto& e : evidence) ev.push_back(e.to_json());
  Json j = {{"rule_id", rule_id},
            {"ruleset", ruleset},
            {"ruleset_version", ruleset_version},
            {"title", title},
            {"severity", severity_name(severity)},
            {"reference", reference},
            {"source_url", source_url},
            {"target", target_id},
            {"status", status_name(status)},
            {"in_force", in_force},
            {"message", message},
            {"remediation", remediation},
            {"evidence", std::move(ev)},
            {"evaluated_at", format_rfc3339(evaluated_at)}};
  j["raw_status"] = raw_status ? Json(status_name(*raw_status)) : Json(nullptr);
  j["effective"] = effective ? Json(format_date(*effective)) : Json(nullptr);
  j["basis"] = basis;
  return j;
}

// ---------------------------------------------------------------------------------------------

bool Attestation::applies(std::string_view rule, std::string_view target, TimePoint now) const {
  if (rule_id != rule) return false;
  if (!target_id.empty() && target_id != target) return false;
  if (date > now) return false;
  return !expires || now < *expires;
}

Json Attestation::to_json() const {
  Json j = {{"kind", "attestation"},         {"rule", rule_id}, {"target", target_id},
            {"status", status_name(status)}, {"by", by},        {"statement", statement},
            {"date", format_date(date)},     {"file", file}};
  j["expires"] = expires ? Json(format_date(*expires)) : Json(nullptr);
  if (!evidence.empty()) j["evidence"] = evidence;
  return j;
}

std::string_view waiver_mode_name(WaiverMode m) {
  return m == WaiverMode::kSkip ? "skip" : "report_only";
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative with one backtrack point: linear enough for rule ids, no recursion on input.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

bool target_selected(std::string_view selector, std::string_view id, const Target* target) {
  if (!selector.starts_with("tag:")) return selector == id;
  if (target == nullptr) return false;
  std::string_view kv = selector.substr(4);
  size_t eq = kv.find('=');
  if (eq == std::string_view::npos) return false;
  return target->has_tag(kv.substr(0, eq), kv.substr(eq + 1));
}

bool waiver_covers(const Waiver& w, std::string_view rule, std::string_view id,
                   const Target* target) {
  bool rule_ok = w.rules.empty() ? w.rule_id == rule
                                 : std::any_of(w.rules.begin(), w.rules.end(),
                                               [&](const auto& r) { return glob_match(r, rule); });
  if (!rule_ok) return false;
  if (w.targets.empty()) return w.target_id.empty() || target_selected(w.target_id, id, target);
  return std::any_of(w.targets.begin(), w.targets.end(),
                     [&](const auto& s) { return target_selected(s, id, target); });
}

bool waiver_in_force(const Waiver& w, TimePoint now) {
  if (w.created > now) return false;
  if (w.revoked && *w.revoked <= now) return false;
  return !w.expires || now < *w.expires;
}

}  // namespace

bool Waiver::covers(std::string_view rule, const Target& target) const {
  return waiver_covers(*this, rule, target.id, &target);
}

bool Waiver::applies(std::string_view rule, const Target& target, TimePoint now) const {
  return waiver_covers(*this, rule, target.id, &target) && waiver_in_force(*this, now);
}

bool Waiver::applies(std::string_view rule, std::string_view target, TimePoint now) const {
  return waiver_covers(*this, rule, target, nullptr) && waiver_in_force(*this, now);
}

std::string_view Waiver::state(TimePoint now) const {
  if (revoked && *revoked <= now) return "revoked";
  if (expires && *expires <= now) return "expired";
  if (created > now) return "pending";
  return "active";
}

std::optional<TimePoint> Waiver::next_review(TimePoint now) const {
  if (!review_every || review_every->count() <= 0) return std::nullopt;
  TimePoint next = created + *review_every;
  if (next <= now) next += ((now - next) / *review_every + 1) * *review_every;
  return next;
}

Json Waiver::to_json() const {
  Json j = {{"kind", "waiver"},
            {"id", id},
            {"rule", rule_id},
            {"target", target_id},
            {"reason", reason},
            {"by", by},
            {"created", format_date(created)},
            {"mode", waiver_mode_name(mode)},
            {"file", file}};
  j["expires"] = expires ? Json(format_date(*expires)) : Json(nullptr);
  if (!rules.empty()) j["rules"] = rules;
  if (!targets.empty()) j["targets"] = targets;
  if (!category.empty()) j["category"] = category;
  if (!ticket.empty()) j["ticket"] = ticket;
  if (review_every) j["review_every"] = format_duration(*review_every);
  if (revoked) {
    j["revoked"] = format_date(*revoked);
    j["revoked_by"] = revoked_by;
  }
  return j;
}

// ---------------------------------------------------------------------------------------------

std::string_view fact_type_name(FactType t) {
  switch (t) {
    case FactType::kString:
      return "string";
    case FactType::kNumber:
      return "number";
    case FactType::kInteger:
      return "integer";
    case FactType::kBool:
      return "bool";
    case FactType::kDate:
      return "date";
    case FactType::kList:
      return "list";
    case FactType::kObject:
      return "object";
    case FactType::kAny:
      return "any";
  }
  return "any";
}

void FactSchema::add(FactSchemaEntry entry) {
  std::string key = entry.path;
  entries_[key] = std::move(entry);
}

void FactSchema::add_all(const std::vector<FactSchemaEntry>& entries) {
  for (const auto& e : entries) add(e);
}

bool FactSchema::is_site_declared(std::string_view path) {
  return path == "declared" || path.substr(0, 9) == "declared." || path.substr(0, 9) == "declared[";
}

const FactSchemaEntry* FactSchema::lookup(std::string_view path) const {
  auto fp = FactPath::parse(path);
  if (!fp) return nullptr;
  std::string form = fp->schema_form();
  auto it = entries_.find(form);
  if (it != entries_.end()) return &it->second;
  // Open maps such as target.tags.*: the last key may be any name.
  size_t dot = form.rfind('.');
  if (dot == std::string::npos) return nullptr;
  it = entries_.find(form.substr(0, dot) + ".*");
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> FactSchema::paths() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

}  // namespace sov::model
