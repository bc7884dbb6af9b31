// SPDX-License-Identifier: Apache-2.0
#include "daemon/ruleset/yaml_support.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <openssl/evp.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>

namespace sov::ruleset::detail {

namespace fs = std::filesystem;

Pos pos_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

Pos pos_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  return pos_of(node.Mark());
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<std::string> read_capped(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, path + ": cannot open file");
  std::string out;
  out.resize(kMaxFileBytes + 1);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  if (in.bad()) return fail(ErrorCode::kIo, path + ": read error");
  out.resize(static_cast<size_t>(in.gcount()));
  if (out.size() > kMaxFileBytes) {
    return fail(ErrorCode::kInvalidInput, path + ": file is larger than 4 MiB");
  }
  return out;
}

namespace {

// Counts documents without building nodes. yaml-cpp 0.7 never consumes a stray ',' at document
// level: its parser then reports an endless series of empty documents at the same position, and
// YAML::LoadAll allocates until memory runs out. So documents are counted here first, at most
// three, and a document that starts where the previous one did is a syntax error.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;
};

}  // namespace

bool parse_yaml(std::string_view text, YAML::Node* root, Diagnostics* diags) {
  if (text.size() > kMaxFileBytes) {
    diags->error(0, 0, "file is larger than 4 MiB");
    return false;
  }
  try {
    std::string copy(text);
    std::istringstream in(copy);
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (counter.starts.size() < 3 && parser.HandleNextDocument(counter)) {
      size_t n = counter.starts.size();
      if (n >= 2 && counter.starts[n - 1].pos == counter.starts[n - 2].pos) {
        Pos p = pos_of(counter.starts[n - 1]);
        size_t at = static_cast<size_t>(std::max(0, counter.starts[n - 1].pos));
        std::string what = at < copy.size() ? "unexpected '" + std::string(1, copy[at]) + "'"
                                            : std::string("unexpected end of input");
        diags->error(p.line, p.column, what);
        return false;
      }
    }
    if (counter.starts.size() > 1) {
      Pos p = pos_of(counter.starts[1]);
      diags->error(p.line, p.column, "a rule file holds exactly one YAML document");
      return false;
    }
    YAML::Node doc = YAML::Load(copy);
    if (counter.starts.empty() || doc.IsNull()) {
      diags->error(0, 0, "the file is empty");
      return false;
    }
    *root = doc;
    return true;
  } catch (const YAML::Exception& e) {
    Pos p = pos_of(e.mark);
    diags->error(p.line, p.column, e.msg.empty() ? std::string("invalid YAML") : e.msg);
  } catch (const std::exception& e) {
    diags->error(0, 0, std::string("invalid YAML: ") + e.what());
  }
  return false;
}

Result<std::vector<std::string>> collect_files(const std::vector<std::string>& paths,
                                               bool (*wanted)(const std::string& path,
                                                              bool explicit_),
                                               Diagnostics* diags) {
  std::vector<std::string> out;
  bool failed = false;
  auto report = [&](const std::string& path, const std::string& what) {
    diags->add({DiagLevel::kError, path, 0, 0, what, {}});
    failed = true;
  };
  for (const auto& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      report(p, "cannot read: " + (ec ? ec.message() : std::string("no such file or directory")));
      continue;
    }
    if (fs::is_regular_file(st)) {
      if (wanted(p, true)) out.push_back(p);
      continue;
    }
    if (!fs::is_directory(st)) {
      report(p, "cannot read: not a file or directory");
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(p, fs::directory_options::none, ec);
    if (ec) {
      report(p, "cannot read directory: " + ec.message());
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const fs::directory_entry& entry = *it;
      // The provider registry is not rules: never descend into it.
      if (entry.path().filename() == "providers" && entry.is_directory(ec)) {
        it.disable_recursion_pending();
        continue;
      }
      if (!entry.is_regular_file(ec)) continue;
      std::string file = entry.path().string();
      if (wanted(file, false)) found.push_back(std::move(file));
    }
    if (ec) {
      report(p, "cannot read directory: " + ec.message());
      continue;
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  if (failed) return fail(ErrorCode::kIo, "cannot read rule paths");
  return out;
}

// ---------------------------------------------------------------------------------------------

Field field(const YAML::Node& map, std::string_view key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return {it->first, it->second, true};
  }
  return {};
}

std::optional<std::string> string_field(const Field& f, Diagnostics* diags) {
  if (!f.present) return std::nullopt;
  if (f.value.IsNull()) {
    Pos p = pos_of(f.key);
    diags->error(p.line, p.column, "'" + f.key.Scalar() + "' has no value");
    return std::nullopt;
  }
  return read_string(f.value, f.key.Scalar(), diags);
}

std::vector<std::string> keyword_names(std::span<const Keyword> table) {
  std::vector<std::string> names;
  names.reserve(table.size());
  for (const auto& k : table) names.emplace_back(k.name);
  return names;
}

bool check_keys(const YAML::Node& map, std::span<const Keyword> table, std::string_view what,
                Diagnostics* diags, std::vector<std::string>* suggested) {
  bool ok = true;
  std::set<std::string, std::less<>> seen;
  std::set<std::string, std::less<>> hinted;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it->first is a proxy's member
    Pos p = pos_of(key);
    if (!key.IsScalar()) {
      diags->error(p.line, p.column, "a key must be a plain name, got " + describe(key));
      ok = false;
      continue;
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      diags->error(p.line, p.column, "duplicate key '" + name + "'");
      ok = false;
      continue;
    }
    bool known =
        std::any_of(table.begin(), table.end(), [&](const Keyword& k) { return k.name == name; });
    if (!known) {
      std::string hint = did_you_mean(name, keyword_names(table));
      diags->error(p.line, p.column,
                   "unknown key '" + name + "' in " + std::string(what) +
                       (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
      if (!hint.empty()) {
        hinted.insert(hint);
        if (suggested != nullptr) suggested->push_back(hint);
      }
      ok = false;
    }
  }
  Pos mp = pos_of(map);
  for (const auto& k : table) {
    if (k.required && seen.find(k.name) == seen.end() && hinted.find(k.name) == hinted.end()) {
      diags->error(mp.line, mp.column,
                   "missing required key '" + std::string(k.name) + "' in " + std::string(what));
      ok = false;
    }
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// YAML 1.2 core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  bool int_digits = i > int_start;
  bool frac_digits = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t fs = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    frac_digits = i > fs;
  }
  if (!int_digits && !frac_digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    return all_digits(s.substr(i));
  }
  return i == s.size();
}

bool is_core_int(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return all_digits(s);
}

void report(Diagnostics* diags, const YAML::Node& node, std::string message) {
  Pos p = pos_of(node);
  diags->error(p.line, p.column, std::move(message));
}

std::string clip(std::string_view s) {
  if (s.size() <= 60) return std::string(s);
  return std::string(s.substr(0, 57)) + "...";
}

}  // namespace

std::optional<Scalar> read_scalar(const YAML::Node& node, Diagnostics* diags) {
  Scalar out;
  if (node.IsNull()) return out;
  if (!node.IsScalar()) {
    report(diags, node, "expected a single value, got " + describe(node));
    return std::nullopt;
  }
  out.text = node.Scalar();
  const std::string& tag = node.Tag();
  std::string_view t = out.text;
  if (tag == "!" || tag == "tag:yaml.org,2002:str") {
    out.kind = ScalarKind::kString;
    out.quoted = true;
    return out;
  }
  bool plain = tag == "?" || tag.empty();
  if (!plain && tag != "tag:yaml.org,2002:int" && tag != "tag:yaml.org,2002:float" &&
      tag != "tag:yaml.org,2002:bool" && tag != "tag:yaml.org,2002:null") {
    report(diags, node, "unsupported YAML tag '" + clip(tag) + "'");
    return std::nullopt;
  }
  if (t == "null" || t == "Null" || t == "NULL" || t == "~" || t.empty()) {
    out.kind = ScalarKind::kNull;
    return out;
  }
  if (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE") {
    out.kind = ScalarKind::kBool;
    out.boolean = t[0] == 't' || t[0] == 'T';
    return out;
  }
  std::string_view lower = t;
  if (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) lower.remove_prefix(1);
  if (lower == ".inf" || lower == ".Inf" || lower == ".INF" || t == ".nan" || t == ".NaN" ||
      t == ".NAN") {
    report(diags, node, "infinite and NaN numbers are not supported");
    return std::nullopt;
  }
  if (is_core_int(t)) {
    std::string_view digits = t[0] == '+' ? t.substr(1) : t;
    int64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    out.kind = ScalarKind::kNumber;
    if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
      out.integral = true;
      out.integer = v;
      out.number = static_cast<double>(v);
      return out;
    }
    // Too large for an integer: fall through to a double.
  }
  if (is_core_float(t)) {
    std::string copy(t);
    char* end = nullptr;
    double v = std::strtod(copy.c_str(), &end);
    if (!std::isfinite(v)) {
      report(diags, node, "number '" + clip(t) + "' is out of range");
      return std::nullopt;
    }
    out.kind = ScalarKind::kNumber;
    out.number = v;
    out.integral = false;
    return out;
  }
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") {
    report(diags, node, "'" + clip(t) + "' is not a number");
    return std::nullopt;
  }
  if (tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
    report(diags, node, "'" + clip(t) + "' does not match its tag '" + tag + "'");
    return std::nullopt;
  }
  out.kind = ScalarKind::kString;
  return out;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.Tag() == "!") return "the string \"" + clip(node.Scalar()) + "\"";
  return "'" + clip(node.Scalar()) + "'";
}

std::optional<std::string> read_string(const YAML::Node& node, std::string_view key,
                                       Diagnostics* diags) {
  if (node.IsScalar()) return node.Scalar();
  report(diags, node, "'" + std::string(key) + "' must be a string, got " + describe(node));
  return std::nullopt;
}

std::optional<bool> read_bool(const YAML::Node& node, std::string_view key, Diagnostics* diags) {
  if (node.IsScalar() && node.Tag() != "!") {
    const std::string& t = node.Scalar();
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  report(diags, node, "'" + std::string(key) + "' must be true or false, got " + describe(node));
  return std::nullopt;
}

std::optional<TimePoint> read_date(const YAML::Node& node, std::string_view key,
                                   Diagnostics* diags) {
  if (!node.IsScalar()) {
    report(diags, node, "'" + std::string(key) + "' must be a date, got " + describe(node));
    return std::nullopt;
  }
  auto t = parse_date_bounded(node.Scalar());
  if (!t) {
    report(diags, node,
           "invalid date '" + clip(node.Scalar()) + "' (expected YYYY-MM-DD or RFC 3339)");
  }
  return t;
}

bool looks_like_date(std::string_view text) {
  return text.size() >= 10 && all_digits(text.substr(0, 4)) && text[4] == '-' &&
         all_digits(text.substr(5, 2)) && text[7] == '-';
}

std::optional<TimePoint> parse_date_bounded(std::string_view text) {
  if (!looks_like_date(text)) return std::nullopt;
  int year =
      (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  if (year < 1900 || year > 2199) return std::nullopt;
  return parse_time(text);
}

std::optional<Duration> parse_duration_bounded(std::string_view text) {
  constexpr double kMaxSeconds = 200.0 * 365 * 86400;
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return std::nullopt;
    double n = std::strtod(std::string(text.substr(start, pos - start)).c_str(), nullptr);
    size_t ustart = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string_view unit = text.substr(ustart, pos - ustart);
    double scale = 0;
    if (unit == "ms")
      scale = 0.001;
    else if (unit == "s")
      scale = 1;
    else if (unit == "m")
      scale = 60;
    else if (unit == "h")
      scale = 3600;
    else if (unit == "d")
      scale = 86400;
    else if (unit == "w")
      scale = 7 * 86400;
    else if (unit == "y")
      scale = 365 * 86400;
    else
      return std::nullopt;
    total += n * scale;
    if (total > kMaxSeconds) return std::nullopt;
  }
  return parse_duration(text);
}

std::optional<Duration> parse_relative_date(std::string_view text) {
  if (text.substr(0, 3) != "now") return std::nullopt;
  if (text.size() == 3) return Duration{0};
  char sign = text[3];
  if (sign != '+' && sign != '-') return std::nullopt;
  auto d = parse_duration_bounded(text.substr(4));
  if (!d) return std::nullopt;
  return sign == '+' ? *d : -*d;
}

bool yaml_to_json(const YAML::Node& node, model::Json* out, Diagnostics* diags, int depth,
                  size_t* budget) {
  if (*budget == 0) {
    report(diags, node, "too many YAML nodes (more than " + std::to_string(kMaxNodes) + ")");
    return false;
  }
  --*budget;
  if (depth > kMaxDepth) {
    report(diags, node, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return false;
  }
  if (node.IsMap()) {
    *out = model::Json::object();
    bool ok = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        report(diags, it->first, "a key must be a plain name, got " + describe(it->first));
        ok = false;
        continue;
      }
      const std::string key = it->first.Scalar();
      if (out->contains(key)) {
        report(diags, it->first, "duplicate key '" + key + "'");
        ok = false;
        continue;
      }
      model::Json child;
      if (!yaml_to_json(it->second, &child, diags, depth + 1, budget)) {
        ok = false;
        if (*budget == 0) return false;
        continue;
      }
      (*out)[key] = std::move(child);
    }
    return ok;
  }
  if (node.IsSequence()) {
    *out = model::Json::array();
    bool ok = true;
    for (const auto& item : node) {
      model::Json child;
      if (!yaml_to_json(item, &child, diags, depth + 1, budget)) {
        ok = false;
        if (*budget == 0) return false;
        continue;
      }
      out->push_back(std::move(child));
    }
    return ok;
  }
  auto s = read_scalar(node, diags);
  if (!s) return false;
  switch (s->kind) {
    case ScalarKind::kNull:
      *out = nullptr;
      break;
    case ScalarKind::kBool:
      *out = s->boolean;
      break;
    case ScalarKind::kNumber:
      if (s->integral) {
        *out = s->integer;
      } else {
        *out = s->number;
      }
      break;
    case ScalarKind::kString:
      *out = s->text;
      break;
  }
  return true;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    // Only fails when OpenSSL cannot allocate; the digest then names that.
    return "sha256-unavailable";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

}  // namespace sov::ruleset::detail
