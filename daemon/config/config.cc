// SPDX-License-Identifier: Apache-2.0
// Loading sovereignd.yaml: read with a cap, parse into a position-carrying tree (yaml_doc.h),
// check every key against the keyword table (keywords.cc) while converting values to their
// types, then build the Config and run the checks that span several keys. Every error is
// collected; any error means no Config.
#include "daemon/config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <openssl/evp.h>
#include <unistd.h>

#include "daemon/base/redact.h"
#include "daemon/config/yaml_doc.h"

namespace sov::config {

namespace {

namespace fs = std::filesystem;
using internal::YamlDoc;
using internal::YamlNode;
using NodeKind = internal::YamlNode::Kind;
using model::Json;

constexpr int kMaxFreeFormDepth = 32;

// ---------------------------------------------------------------------------------------------
// Scopes of the keyword table: "" (top level), "schedule.", "targets[].", "targets[].tls.".

struct Scopes {
  std::map<std::string, std::vector<const Keyword*>> rows;  // scope -> keys in table order
};

const Scopes& scopes() {
  static const Scopes all_scopes = [] {
    Scopes s;
    for (const auto& k : keyword_table()) {
      size_t dot = k.name.rfind('.');
      s.rows[dot == std::string::npos ? "" : k.name.substr(0, dot + 1)].push_back(&k);
    }
    return s;
  }();
  return all_scopes;
}

const std::vector<const Keyword*>& rows_of(const std::string& scope) {
  static const std::vector<const Keyword*> none;
  auto it = scopes().rows.find(scope);
  return it == scopes().rows.end() ? none : it->second;
}

std::string leaf_name(const Keyword& kw) {
  size_t dot = kw.name.rfind('.');
  return dot == std::string::npos ? kw.name : kw.name.substr(dot + 1);
}

// The scope holding the keys of a section (kMap) or of list entries (kList of kMap).
std::string child_scope(const Keyword& kw) {
  return kw.type == KeyType::kList ? kw.name + "[]." : kw.name + ".";
}

bool has_rows(const std::string& scope) { return scopes().rows.count(scope) > 0; }

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scalar syntaxes.

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int64_t> parse_integer(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A plain decimal number: digits, optionally a fraction ("12", "12.5"); no sign, no exponent.
std::optional<double> parse_decimal(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  if (!all_digits(whole) || whole.size() > 15) return std::nullopt;
  if (dot != std::string_view::npos && (!all_digits(s.substr(dot + 1)) || s.size() - dot > 10)) {
    return std::nullopt;
  }
  return std::strtod(std::string(s).c_str(), nullptr);
}

std::optional<double> parse_number(std::string_view s) {
  std::string text(s);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v)) return std::nullopt;
  return v;
}

// sov::parse_duration after a bound check, so that no part can overflow the nanosecond count:
// "0" alone means zero, and nothing above 200 years is accepted.
std::optional<Duration> parse_duration_checked(std::string_view s) {
  if (s == "0") return Duration{0};
  double seconds = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start || pos - start > 12) return std::nullopt;
    double n = std::strtod(std::string(s.substr(start, pos - start)).c_str(), nullptr);
    size_t ustart = pos;
    while (pos < s.size() && std::isalpha(static_cast<unsigned char>(s[pos]))) ++pos;
    std::string_view unit = s.substr(ustart, pos - ustart);
    struct Unit {
      std::string_view name;
      double seconds;
    };
    static constexpr Unit kUnits[] = {{"ms", 0.001},       {"s", 1},     {"m", 60},
                                      {"h", 3600},         {"d", 86400}, {"w", 7 * 86400},
                                      {"y", 365 * 86400.0}};
    const Unit* it = std::find_if(std::begin(kUnits), std::end(kUnits),
                                  [&](const Unit& u) { return u.name == unit; });
    if (it == std::end(kUnits)) return std::nullopt;
    seconds += n * it->seconds;
  }
  if (seconds > 200 * 365 * 86400.0) return std::nullopt;
  return sov::parse_duration(s);
}

std::optional<double> parse_percent(std::string_view s) {
  if (s == "0") return 0.0;
  if (s.size() < 2 || s.back() != '%') return std::nullopt;
  auto v = parse_decimal(s.substr(0, s.size() - 1));
  if (!v || *v > 100) return std::nullopt;
  return *v / 100;
}

bool valid_port(std::string_view p) {
  if (!all_digits(p) || p.size() > 5) return false;
  int v = std::atoi(std::string(p).c_str());
  return v >= 1 && v <= 65535;
}

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

// "[v6]" or a host name / IPv4 address, then, if `port_required` or present, ":port".
bool valid_host_and_port(std::string_view s, bool port_required) {
  std::string_view host, port;
  bool has_port = false;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    std::string_view v6 = s.substr(1, close - 1);
    if (!std::all_of(v6.begin(), v6.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return false;
    }
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = s.rfind(':');
    host = s.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = s.substr(colon + 1);
      has_port = true;
    }
    if (!valid_host_name(host)) return false;
  }
  if (has_port) return valid_port(port);
  return !port_required;
}

bool has_control_or_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) == 0x7f;
  });
}

// scheme://[userinfo@]host[:port][/path][?query][#fragment]
bool valid_url(std::string_view s, std::string* scheme_out = nullptr) {
  if (has_control_or_space(s)) return false;
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  std::string_view scheme = s.substr(0, sep);
  if (!std::isalpha(static_cast<unsigned char>(scheme[0])) ||
      !std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
      })) {
    return false;
  }
  std::string_view rest = s.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (!valid_host_and_port(authority, false)) return false;
  if (scheme_out != nullptr) {
    scheme_out->assign(scheme);
    std::transform(scheme_out->begin(), scheme_out->end(), scheme_out->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return true;
}

bool valid_id(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

// Words that mark a key as holding a secret beyond sov::looks_secret's list.
bool is_inline_secret(std::string_view key) {
  if (looks_secret(key)) return true;
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view w : {"access_key", "api_key", "apikey", "passphrase", "private"}) {
    if (k.find(w) != std::string::npos) return true;
  }
  return false;
}

// How a node appears in a message: 'text' (shortened, control characters escaped), a map...
// "scheme://user:password@host" -> "scheme://<redacted>@host": what any text quoted from the
// file goes through, so that a diagnostic never repeats credentials written in a URL.
std::string mask_userinfo(std::string text) {
  for (size_t pos = text.find("://"); pos != std::string::npos; pos = text.find("://", pos + 3)) {
    size_t start = pos + 3;
    size_t end = text.find_first_of("/?# \t\"',}]", start);
    if (end == std::string::npos) end = text.size();
    size_t at = text.rfind('@', end);
    if (at != std::string::npos && at > start && at < end)
      text.replace(start, at - start, kRedacted);
  }
  return text;
}

// A value of the file as a message shows it: quoted, control characters escaped, shortened.
std::string quote(std::string_view raw) {
  std::string text = mask_userinfo(std::string(raw));
  std::string out = "'";
  size_t shown = 0;
  for (char c : text) {
    if (++shown > 60) {
      out += "...";
      break;
    }
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

// How a node appears in a message: 'text', "a map", "a list", "empty".
std::string describe(const YamlNode& n) {
  switch (n.kind) {
    case NodeKind::kNull:
      return "empty";
    case NodeKind::kSequence:
      return "a list";
    case NodeKind::kMap:
      return "a map";
    case NodeKind::kScalar:
      break;
  }
  return n.value.empty() ? "empty" : quote(n.value);
}

std::string quoted_list(const std::vector<std::string>& items) { return join(items, ", "); }

std::string type_phrase(const Keyword& kw, KeyType type) {
  if (!kw.choices.empty() && type != KeyType::kList) {
    return "one of " + quoted_list(words(kw.choices));
  }
  switch (type) {
    case KeyType::kString:
      return "a string";
    case KeyType::kInteger:
      return "an integer";
    case KeyType::kNumber:
      return "a number";
    case KeyType::kBool:
      return "true or false";
    case KeyType::kDuration:
      return "a duration such as 30s, 15m, 1h or 90d";
    case KeyType::kPercent:
      return "a percentage from 0% to 100%";
    case KeyType::kDate:
      return "a date (YYYY-MM-DD or RFC 3339)";
    case KeyType::kList:
      return "a list";
    case KeyType::kMap:
      return "a map";
    case KeyType::kPath:
      return "a path";
    case KeyType::kHostPort:
      return kw.url_allowed ? "host:port or a URL" : "host:port";
    case KeyType::kUrl:
      return "a URL (scheme://host[:port][/path])";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Checked values: the result of checking one key against its row, converted to its type.

struct Value {
  const Keyword* kw = nullptr;
  bool present = false;  // written in the file (false for defaults)
  bool ok = true;        // false when an error was reported for it or below it
  int line = 0;          // where the value is (the key's position when the value is empty)
  int column = 0;
  int key_line = 0;
  int key_column = 0;
  std::string text;  // scalars as written; paths resolved
  int64_t integer = 0;
  double number = 0;  // kNumber; kPercent as a fraction
  bool boolean = false;
  Duration duration{};
  TimePoint time{};
  std::vector<Value> items;             // kList
  std::map<std::string, Value> fields;  // sections and list entries, by key
  Json json;                            // free-form maps
};

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

std::string resolve_path(const std::string& base_dir, const std::string& p) {
  fs::path path(p);
  if (path.is_relative()) path = fs::path(base_dir) / path;
  return path.lexically_normal().string();
}

std::string format_when(TimePoint t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  if (secs == std::chrono::floor<std::chrono::days>(secs) && secs == t) return format_date(t);
  return format_rfc3339(t);
}

// ---------------------------------------------------------------------------------------------
// The checker: walks one document against the keyword table, reporting into one file's
// Diagnostics.

class Checker {
 public:
  Checker(const YamlDoc& doc, Diagnostics* diags, std::string base_dir)
      : doc_(doc), diags_(diags), base_dir_(std::move(base_dir)) {}

  // The root of a document; `allowed` limits the top-level keys (empty = every one).
  Value check_root(const std::vector<std::string>& allowed) {
    allowed_ = allowed;
    Value root;
    root.present = true;
    if (doc_.root < 0) return root;
    const YamlNode& n = doc_.at(doc_.root);
    root.line = n.line;
    root.column = n.column;
    if (n.kind == NodeKind::kNull) return root;
    if (n.kind != NodeKind::kMap) {
      error(n.line, n.column, "the file must be a map of keys, not " + describe(n));
      root.ok = false;
      return root;
    }
    return check_map(doc_.root, "", "");
  }

  // A value for one key, from a node of the document (used for defaults).
  Value check_key(const Keyword& kw, int node) { return check_entry(kw, -1, node, ""); }

  // Inline secret values found, with their lines: no diagnostic may quote them.
  const std::vector<std::pair<int, std::string>>& secrets() const { return secrets_; }

 private:
  void error(int line, int column, std::string message) {
    diags_->error(line, column, std::move(message));
  }

  // Every node visit spends one unit; aliases make a small file expand, and this bounds it.
  bool spend(const YamlNode& n) {
    if (exhausted_) return false;
    if (++visits_ > kMaxConfigNodes) {
      exhausted_ = true;
      error(n.line, n.column,
            "the document expands to more than " + std::to_string(kMaxConfigNodes) +
                " nodes through aliases");
      return false;
    }
    return true;
  }

  Value check_map(int node, const std::string& scope, std::string kind) {
    const YamlNode& n = doc_.at(node);
    Value out;
    out.present = true;
    out.line = n.line;
    out.column = n.column;
    if (!spend(n)) {
      out.ok = false;
      return out;
    }
    struct Entry {
      std::string key;
      int key_node;
      int value_node;
    };
    std::vector<Entry> entries;
    std::map<std::string, int> first_line;
    for (size_t i = 0; i + 1 < n.children.size(); i += 2) {
      const YamlNode& k = doc_.at(n.children[i]);
      if (k.kind != NodeKind::kScalar) {
        error(k.line, k.column, "a key must be a string, not " + describe(k));
        out.ok = false;
        continue;
      }
      auto [it, inserted] = first_line.emplace(k.value, k.line);
      if (!inserted) {
        error(k.line, k.column,
              "duplicate key " + quote(k.value) + " (first at line " + std::to_string(it->second) +
                  ")");
        out.ok = false;
        continue;
      }
      entries.push_back({k.value, n.children[i], n.children[i + 1]});
    }

    // The kind of a list entry decides which keys apply: read it first.
    const Keyword* kind_row = find_keyword(scope + "kind");
    std::string noun = scope.size() > 3 && scope.ends_with("[].")
                           ? scope.substr(0, scope.size() - 3)
                           : std::string();
    if (kind_row != nullptr) {
      for (const auto& e : entries) {
        if (e.key != "kind") continue;
        Value v = check_entry(*kind_row, e.key_node, e.value_node, "");
        if (v.ok) kind = v.text;
        out.ok = out.ok && v.ok;
        out.fields.emplace("kind", std::move(v));
      }
    }

    for (const auto& e : entries) {
      if (kind_row != nullptr && e.key == "kind") continue;
      const YamlNode& k = doc_.at(e.key_node);
      const Keyword* kw = find_keyword(scope + e.key);
      if (kw != nullptr && scope.empty() && !allowed_.empty() &&
          std::find(allowed_.begin(), allowed_.end(), e.key) == allowed_.end()) {
        kw = nullptr;
      }
      if (kw == nullptr) {
        report_unknown(k, e.value_node, scope, kind);
        out.ok = false;
        continue;
      }
      if (kind_row != nullptr && !kind.empty() && !keyword_applies(*kw, kind)) {
        error(k.line, k.column,
              "key " + quote(e.key) + " does not apply to " + noun + " of kind '" + kind + "'");
        out.ok = false;
        continue;
      }
      Value v = check_entry(*kw, e.key_node, e.value_node, kind);
      out.ok = out.ok && v.ok;
      out.fields.emplace(e.key, std::move(v));
    }

    for (const Keyword* row : rows_of(scope)) {
      if (!row->required || out.fields.count(leaf_name(*row)) > 0) continue;
      if (first_line.count(leaf_name(*row)) > 0) continue;  // present but invalid: reported
      if (!row->kinds.empty()) {
        if (kind.empty() || !keyword_applies(*row, kind)) continue;
        error(n.line, n.column,
              "missing required key '" + leaf_name(*row) + "' for " + noun + " of kind '" + kind +
                  "'");
      } else if (!noun.empty()) {
        error(n.line, n.column,
              "missing required key '" + leaf_name(*row) + "' in this entry of '" + noun + "'");
      } else {
        error(n.line, n.column, "missing required key '" + row->name + "'");
      }
      out.ok = false;
    }
    return out;
  }

  void report_unknown(const YamlNode& k, int value_node, const std::string& scope,
                      const std::string& kind) {
    if (is_inline_secret(k.value)) {
      std::string where;
      if (scope.starts_with("targets[].credentials.") || kind == "s3") {
        where =
            "name that file with 'credentials.file' (or the environment variable holding it "
            "with 'credentials.env')";
      } else if (kind == "pkcs11") {
        where = "name that file with 'pin_file' (or the environment variable with 'pin_env')";
      } else if (scope.starts_with("alerts[].")) {
        where = "name that file with 'headers_file'";
      } else {
        where = "reference that file instead";
      }
      error(k.line, k.column,
            quote(k.value) +
                " would put a secret in the configuration: store it in a file "
                "readable only by sovereignd and " +
                where);
      collect_secrets(value_node);
      return;
    }
    std::vector<std::string> candidates;
    for (const Keyword* row : rows_of(scope)) {
      std::string leaf = leaf_name(*row);
      if (scope.empty() && !allowed_.empty() &&
          std::find(allowed_.begin(), allowed_.end(), leaf) == allowed_.end()) {
        continue;
      }
      if (!kind.empty() && !keyword_applies(*row, kind)) continue;
      candidates.push_back(leaf);
    }
    std::string in = scope.empty() ? "" : " in '" + scope.substr(0, scope.size() - 1) + "'";
    error(k.line, k.column,
          "unknown key " + quote(k.value) + in + did_you_mean_suffix(k.value, candidates));
  }

  Value check_entry(const Keyword& kw, int key_node, int value_node, const std::string& kind) {
    const YamlNode& n = doc_.at(value_node);
    Value v;
    v.kw = &kw;
    v.present = true;
    v.line = n.line;
    v.column = n.column;
    if (key_node >= 0) {
      const YamlNode& k = doc_.at(key_node);
      v.key_line = k.line;
      v.key_column = k.column;
      if (n.kind == NodeKind::kNull) {
        v.line = k.line;
        v.column = k.column;
      }
    }
    std::string subject = "'" + kw.name + "'";
    if (kw.type == KeyType::kMap) {
      if (n.kind == NodeKind::kNull) return v;
      if (n.kind != NodeKind::kMap) {
        error(v.line, v.column, subject + " must be a map, not " + describe(n));
        v.ok = false;
        return v;
      }
      if (has_rows(child_scope(kw))) {
        Value section = check_map(value_node, child_scope(kw), kind);
        section.kw = &kw;
        section.key_line = v.key_line;
        section.key_column = v.key_column;
        return section;
      }
      v.json = kw.element == KeyType::kList ? tags_json(kw, value_node, &v.ok)
                                            : free_json(kw, value_node, 0, &v.ok);
      return v;
    }
    if (kw.type == KeyType::kList) {
      if (n.kind == NodeKind::kNull) return v;
      if (n.kind != NodeKind::kSequence) {
        error(v.line, v.column, subject + " must be a list, not " + describe(n));
        v.ok = false;
        return v;
      }
      if (!spend(n)) {
        v.ok = false;
        return v;
      }
      for (int item : n.children) {
        const YamlNode& i = doc_.at(item);
        Value iv;
        if (kw.element == KeyType::kMap) {
          if (i.kind != NodeKind::kMap) {
            error(i.line, i.column,
                  "each item of " + subject + " must be a map, not " + describe(i));
            iv.ok = false;
          } else {
            iv = check_map(item, child_scope(kw), "");
          }
        } else {
          iv = check_scalar(kw, kw.element, item, -1, "each item of " + subject);
        }
        iv.kw = &kw;
        v.ok = v.ok && iv.ok;
        v.items.push_back(std::move(iv));
        if (exhausted_) break;
      }
      return v;
    }
    Value s = check_scalar(kw, kw.type, value_node, key_node, subject);
    s.key_line = v.key_line;
    s.key_column = v.key_column;
    return s;
  }

  Value check_scalar(const Keyword& kw, KeyType type, int node, int key_node,
                     const std::string& subject) {
    const YamlNode& n = doc_.at(node);
    Value v;
    v.kw = &kw;
    v.present = true;
    v.line = n.line;
    v.column = n.column;
    if (n.kind == NodeKind::kNull && key_node >= 0) {
      v.line = doc_.at(key_node).line;
      v.column = doc_.at(key_node).column;
    }
    auto fail = [&](const std::string& extra = "") {
      error(v.line, v.column,
            subject + " must be " + type_phrase(kw, type) + ", not " + describe(n) + extra);
      v.ok = false;
      return v;
    };
    if (n.kind != NodeKind::kScalar || n.value.empty()) return fail();
    v.text = n.value;
    const std::string& t = n.value;
    switch (type) {
      case KeyType::kString:
        break;
      case KeyType::kInteger: {
        auto i = parse_integer(t);
        if (!i) return fail();
        v.integer = *i;
        break;
      }
      case KeyType::kNumber: {
        auto d = parse_number(t);
        if (!d) return fail();
        v.number = *d;
        break;
      }
      case KeyType::kBool:
        if (t != "true" && t != "false") return fail();
        v.boolean = t == "true";
        break;
      case KeyType::kDuration: {
        auto d = parse_duration_checked(t);
        if (!d) return fail();
        v.duration = *d;
        break;
      }
      case KeyType::kPercent: {
        auto p = parse_percent(t);
        if (!p) return fail();
        v.number = *p;
        break;
      }
      case KeyType::kDate: {
        // sov::TimePoint counts nanoseconds: keep far from its limits (years 1678 to 2262).
        int year = t.size() >= 4 && all_digits(t.substr(0, 4)) ? std::stoi(t.substr(0, 4)) : 0;
        if (year < 1900 || year > 2200) return fail();
        auto d = parse_time(t);
        if (!d) return fail();
        v.time = *d;
        break;
      }
      case KeyType::kPath:
        if (t.find('\0') != std::string::npos) return fail();
        v.text = resolve_path(base_dir_, t);
        break;
      case KeyType::kHostPort: {
        bool ok = kw.url_allowed && t.find("://") != std::string::npos
                      ? valid_url(t)
                      : !has_control_or_space(t) && valid_host_and_port(t, true);
        if (!ok) return fail();
        break;
      }
      case KeyType::kUrl:
        if (!valid_url(t)) return fail();
        break;
      case KeyType::kList:
      case KeyType::kMap:
        return fail();  // not a scalar type; rows never say so, but stay total
    }
    if (!kw.choices.empty()) {
      auto choices = words(kw.choices);
      if (std::find(choices.begin(), choices.end(), t) == choices.end()) {
        return fail(did_you_mean_suffix(t, choices));
      }
    }
    if (!kw.range.empty()) check_range(kw, type, &v, subject);
    return v;
  }

  void check_range(const Keyword& kw, KeyType type, Value* v, const std::string& subject) {
    size_t dots = kw.range.find("..");
    std::string lo = kw.range.substr(0, dots);
    std::string hi = dots == std::string::npos ? "" : kw.range.substr(dots + 2);
    auto below = [&](const std::string& bound) {
      if (type == KeyType::kInteger) return v->integer < parse_integer(bound).value_or(0);
      return v->duration < parse_duration_checked(bound).value_or(Duration{0});
    };
    auto above = [&](const std::string& bound) {
      if (type == KeyType::kInteger) return v->integer > parse_integer(bound).value_or(0);
      return v->duration > parse_duration_checked(bound).value_or(Duration{0});
    };
    bool out = (!lo.empty() && below(lo)) || (!hi.empty() && above(hi));
    if (!out) return;
    std::string want = !lo.empty() && !hi.empty() ? "between " + lo + " and " + hi
                       : !lo.empty()              ? "at least " + lo
                                                  : "at most " + hi;
    error(v->line, v->column, subject + " must be " + want + ", not " + v->text);
    v->ok = false;
  }

  // targets[].tags: each value a string or a list of strings; stored as lists.
  Json tags_json(const Keyword& kw, int node, bool* ok) {
    Json out = Json::object();
    const YamlNode& n = doc_.at(node);
    if (!spend(n)) return *ok = false, out;
    std::set<std::string> seen;
    for (size_t i = 0; i + 1 < n.children.size(); i += 2) {
      const YamlNode& k = doc_.at(n.children[i]);
      const YamlNode& val = doc_.at(n.children[i + 1]);
      if (k.kind != NodeKind::kScalar || k.value.empty()) {
        error(k.line, k.column, "a tag name must be a string, not " + describe(k));
        *ok = false;
        continue;
      }
      if (!seen.insert(k.value).second) {
        error(k.line, k.column, "duplicate tag " + quote(k.value));
        *ok = false;
        continue;
      }
      std::string subject = "tag " + quote(k.value) + " in '" + kw.name + "'";
      Json values = Json::array();
      auto add = [&](const YamlNode& s) {
        if (!spend(s)) return false;
        if (s.kind != NodeKind::kScalar || s.value.empty()) {
          int line = s.kind == NodeKind::kNull ? k.line : s.line;
          int column = s.kind == NodeKind::kNull ? k.column : s.column;
          error(line, column,
                subject + " must be a string or a list of strings, not " + describe(s));
          *ok = false;
          return false;
        }
        values.push_back(s.value);
        return true;
      };
      if (val.kind == NodeKind::kSequence) {
        for (int item : val.children) {
          if (!add(doc_.at(item))) break;
        }
      } else {
        add(val);
      }
      out[k.value] = std::move(values);
    }
    return out;
  }

  // targets[].declared: any YAML, as JSON. Plain scalars take the type YAML 1.2's core schema
  // gives them (true, 42, 4.5); quoted ones stay strings.
  Json free_json(const Keyword& kw, int node, int depth, bool* ok) {
    const YamlNode& n = doc_.at(node);
    if (!spend(n)) return *ok = false, Json();
    if (depth > kMaxFreeFormDepth) {
      error(n.line, n.column,
            "'" + kw.name + "' is nested more than " + std::to_string(kMaxFreeFormDepth) +
                " levels deep");
      *ok = false;
      return Json();
    }
    switch (n.kind) {
      case NodeKind::kNull:
        return Json();
      case NodeKind::kScalar:
        return scalar_json(n);
      case NodeKind::kSequence: {
        Json a = Json::array();
        for (int item : n.children) {
          a.push_back(free_json(kw, item, depth + 1, ok));
          if (exhausted_) break;
        }
        return a;
      }
      case NodeKind::kMap: {
        Json o = Json::object();
        for (size_t i = 0; i + 1 < n.children.size(); i += 2) {
          const YamlNode& k = doc_.at(n.children[i]);
          if (k.kind != NodeKind::kScalar) {
            error(k.line, k.column, "a key must be a string, not " + describe(k));
            *ok = false;
            continue;
          }
          if (o.contains(k.value)) {
            error(k.line, k.column, "duplicate key " + quote(k.value));
            *ok = false;
            continue;
          }
          o[k.value] = free_json(kw, n.children[i + 1], depth + 1, ok);
          if (exhausted_) break;
        }
        return o;
      }
    }
    return Json();
  }

  void collect_secrets(int node) {
    const YamlNode& n = doc_.at(node);
    if (!spend(n)) return;
    if (n.kind == NodeKind::kScalar && !n.value.empty()) {
      // Each line of a multi-line value is scrubbed on its own line.
      int line = n.line;
      size_t start = 0;
      while (start <= n.value.size()) {
        size_t end = n.value.find('\n', start);
        if (end == std::string::npos) end = n.value.size();
        if (end > start) secrets_.emplace_back(line, n.value.substr(start, end - start));
        start = end + 1;
        ++line;
      }
    }
    for (int child : n.children) collect_secrets(child);
  }

  static Json scalar_json(const YamlNode& n) {
    const std::string& t = n.value;
    if (!n.plain) return t;
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
    std::string_view digits = t;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    if (all_digits(digits)) {
      if (auto i = parse_integer(t)) return *i;
    }
    bool numeric = !digits.empty() && (std::isdigit(static_cast<unsigned char>(digits[0])) ||
                                       (digits[0] == '.' && digits.size() > 1 &&
                                        std::isdigit(static_cast<unsigned char>(digits[1]))));
    if (numeric) {
      if (auto d = parse_number(t)) return *d;
    }
    return t;
  }

  const YamlDoc& doc_;
  Diagnostics* diags_;
  std::string base_dir_;
  std::vector<std::string> allowed_;
  std::vector<std::pair<int, std::string>> secrets_;
  size_t visits_ = 0;
  bool exhausted_ = false;
};

// ---------------------------------------------------------------------------------------------
// Defaults, parsed once from the table by the same checker as the file.

const Value& default_of(const Keyword& kw) {
  static const std::map<std::string, Value> defaults = [] {
    std::map<std::string, Value> out;
    for (const auto& k : keyword_table()) {
      Value v;
      v.kw = &k;
      if (!k.default_value.empty()) {
        YamlDoc doc;
        Diagnostics d;
        d.set_source("<default of " + k.name + ">", k.default_value);
        if (!internal::parse_yaml(k.default_value, 1000, &doc, &d) || doc.root < 0) {
          d.error(0, 0, "cannot parse");
        } else {
          v = Checker(doc, &d, "/").check_key(k, doc.root);
        }
        if (d.has_errors()) {
          // A broken table is a programmer error (STYLE.md B6): abort in every build.
          std::fprintf(stderr, "sovereignd: bad default in keyword table: %s\n",
                       d.to_string().c_str());
          std::abort();
        }
      }
      v.present = false;
      v.line = v.column = v.key_line = v.key_column = 0;
      out.emplace(k.name, std::move(v));
    }
    return out;
  }();
  return defaults.at(kw.name);
}

// The value of `name` in `section`: as written when present and valid, else the default.
const Value& get(const Value& section, const std::string& name) {
  const Keyword* kw = find_keyword(name);
  auto it = section.fields.find(leaf_name(*kw));
  if (it != section.fields.end() && it->second.ok) return it->second;
  return default_of(*kw);
}

const Value* field(const Value& section, const std::string& key) {
  auto it = section.fields.find(key);
  return it == section.fields.end() ? nullptr : &it->second;
}

// A key that is valid where present: its value, or nullptr.
const Value* valid_field(const Value& section, const std::string& key) {
  const Value* v = field(section, key);
  return v != nullptr && v->ok ? v : nullptr;
}

std::string text_of(const Value& section, const std::string& key) {
  const Value* v = field(section, key);
  return v != nullptr ? v->text : std::string();
}

// False when the key was written with an invalid value (already reported): checks that combine
// it with other keys would only add noise.
bool usable(const Value& section, const std::string& key) {
  const Value* v = field(section, key);
  return v == nullptr || v->ok;
}

// ---------------------------------------------------------------------------------------------
// JSON forms of checked values (Target::spec, Config::alerts).

Json section_json(const Value& section, const std::string& scope, const std::string& kind,
                  const std::set<std::string>& skip);

Json value_json(const Value& v, const std::string& kind) {
  const Keyword& kw = *v.kw;
  switch (kw.type) {
    case KeyType::kMap:
      if (has_rows(child_scope(kw))) return section_json(v, child_scope(kw), kind, {});
      return v.json;
    case KeyType::kList: {
      Json a = Json::array();
      for (const auto& item : v.items) {
        if (kw.element == KeyType::kMap) {
          a.push_back(section_json(item, child_scope(kw), "", {}));
        } else {
          a.push_back(item.text);
        }
      }
      return a;
    }
    case KeyType::kInteger:
      return v.integer;
    case KeyType::kNumber:
      return v.number;
    case KeyType::kBool:
      return v.boolean;
    case KeyType::kDuration:
      return format_duration(v.duration);
    case KeyType::kDate:
      return format_when(v.time);
    default:
      return v.text;
  }
}

// The keys of `scope` that apply to `kind`: present ones, and the defaults of the others.
Json section_json(const Value& section, const std::string& scope, const std::string& kind,
                  const std::set<std::string>& skip) {
  Json out = Json::object();
  for (const Keyword* row : rows_of(scope)) {
    std::string leaf = leaf_name(*row);
    if (skip.count(leaf) > 0 || (!kind.empty() && !keyword_applies(*row, kind))) continue;
    const Value* v = field(section, leaf);
    if (v != nullptr) {
      out[leaf] = value_json(*v, kind);
    } else if (row->type == KeyType::kMap && has_rows(child_scope(*row))) {
      Json sub = section_json(Value(), child_scope(*row), kind, {});
      if (!sub.empty()) out[leaf] = std::move(sub);
    } else if (!row->default_value.empty()) {
      out[leaf] = value_json(default_of(*row), kind);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building the Config from checked values, with the checks that span several keys.

struct FileContext {
  Diagnostics* diags;
  std::string source_name;  // for "<file>:<line>" in Source::where, Attestation::file
};

struct WaiverSeen {
  std::string file;
  int line;
};

class Builder {
 public:
  explicit Builder(Config* config) : config_(config) {}

  void build_main(const Value& root, const FileContext& ctx) {
    Config& c = *config_;
    const Value* node = field(root, "node");
    c.node = node != nullptr && node->ok ? node->text : hostname();
    c.store = get(root, "store").text;
    c.rules.clear();
    for (const auto& r : get(root, "rules").items) c.rules.push_back(r.text);
    c.providers = get(root, "providers").text;
    c.address_database = get(root, "address_database").text;
    c.strict_rules = get(root, "strict_rules").boolean;
    c.retention = get(root, "retention").duration;
    c.log_level = get(root, "log_level").text;

    static const Value empty;
    const Value* sched = field(root, "schedule");
    const Value& s = sched != nullptr ? *sched : empty;
    const Value& interval = get(s, "schedule.interval");
    const Value& concurrency = get(s, "schedule.concurrency");
    const Value& per_host = get(s, "schedule.per_host_concurrency");
    const Value& timeout = get(s, "schedule.probe_timeout");
    c.schedule.interval = interval.duration;
    c.schedule.jitter = get(s, "schedule.jitter").number;
    c.schedule.concurrency = static_cast<int>(concurrency.integer);
    c.schedule.per_host_concurrency = static_cast<int>(per_host.integer);
    c.schedule.probe_timeout = timeout.duration;
    if (usable(s, "concurrency") && usable(s, "per_host_concurrency") &&
        per_host.integer > concurrency.integer) {
      const Value& at = per_host.present ? per_host : concurrency;
      ctx.diags->error(at.line, at.column,
                       "'schedule.per_host_concurrency' (" + std::to_string(per_host.integer) +
                           ") cannot exceed 'schedule.concurrency' (" +
                           std::to_string(concurrency.integer) + ")");
    }
    if (usable(s, "interval") && usable(s, "probe_timeout") &&
        timeout.duration >= interval.duration) {
      const Value& at = timeout.present ? timeout : interval;
      ctx.diags->error(at.line, at.column,
                       "'schedule.probe_timeout' (" + format_duration(timeout.duration) +
                           ") must be shorter than 'schedule.interval' (" +
                           format_duration(interval.duration) + ")");
    }

    const Value* limits = field(root, "waiver_max_duration");
    const Value& l = limits != nullptr ? *limits : empty;
    c.waiver_max_duration.critical = get(l, "waiver_max_duration.critical").duration;
    c.waiver_max_duration.high = get(l, "waiver_max_duration.high").duration;
    c.waiver_max_duration.medium = get(l, "waiver_max_duration.medium").duration;
    c.waiver_max_duration.low = get(l, "waiver_max_duration.low").duration;

    if (const Value* targets = field(root, "targets")) {
      for (const auto& t : targets->items) build_target(t, ctx);
    }
    build_decisions(root, ctx);
    c.attestation_files.clear();
    if (const Value* files = field(root, "attestation_files")) {
      for (const auto& f : files->items) c.attestation_files.push_back(f.text);
    }
    c.alerts = Json::array();
    if (const Value* alerts = field(root, "alerts")) {
      for (const auto& a : alerts->items) build_alert(a, ctx);
    }
    const Value* http = field(root, "http");
    c.http_listen = get(http != nullptr ? *http : empty, "http.listen").text;
    const Value* control = field(root, "control");
    c.control_socket = get(control != nullptr ? *control : empty, "control.socket").text;
  }

  // attestations: and waivers: of the config file or of an attestation file.
  void build_decisions(const Value& root, const FileContext& ctx) {
    if (const Value* list = field(root, "attestations")) {
      for (const auto& a : list->items) build_attestation(a, ctx);
    }
    if (const Value* list = field(root, "waivers")) {
      for (const auto& w : list->items) build_waiver(w, ctx);
    }
  }

 private:
  void build_target(const Value& t, const FileContext& ctx) {
    static const std::set<std::string> common_keys = {
        "id", "kind", "tags", "declared", "declared_as_of", "declared_source"};
    // The id is registered even when other keys of the target are wrong, so that references
    // to it do not add errors of their own.
    const Value* id = valid_field(t, "id");
    if (id == nullptr) return;
    if (!valid_id(id->text)) {
      ctx.diags->error(
          id->line, id->column,
          "target id " + quote(id->text) + " may only contain letters, digits, '_', '.' and '-'");
    }
    auto [it, inserted] = target_lines_.emplace(id->text, id->line);
    if (!inserted) {
      ctx.diags->error(id->line, id->column,
                       "duplicate target id " + quote(id->text) + " (first defined at line " +
                           std::to_string(it->second) + ")");
    }
    const Value* kind = valid_field(t, "kind");
    if (kind == nullptr) return;
    model::Target target;
    target.id = id->text;
    target.kind = kind->text;
    if (const Value* tags = field(t, "tags")) {
      for (const auto& [k, values] : tags->json.items()) {
        auto& list = target.tags[k];
        for (const auto& v : values) list.push_back(v.get<std::string>());
      }
    }
    const Value* declared = field(t, "declared");
    if (declared != nullptr && declared->json.is_object()) target.declared = declared->json;
    if (target.kind == "declared" && (declared == nullptr || target.declared.empty())) {
      ctx.diags->error(t.line, t.column,
                       "a target of kind 'declared' needs a non-empty 'declared' map of facts");
    }
    const Value* source = field(t, "declared_source");
    target.declared_source.kind = model::SourceKind::kDeclared;
    target.declared_source.where =
        source != nullptr ? source->text
                          : ctx.source_name + ":" +
                                std::to_string(declared != nullptr ? declared->key_line : t.line);
    if (const Value* as_of = field(t, "declared_as_of")) target.declared_source.when = as_of->time;

    target.spec = section_json(t, "targets[].", target.kind, common_keys);
    if (const Value* creds = field(t, "credentials")) check_either(*creds, "credentials", ctx);
    if (field(t, "pin_file") != nullptr && field(t, "pin_env") != nullptr) {
      const Value& at = *field(t, "pin_env");
      ctx.diags->error(at.key_line, at.key_column,
                       "'pin_file' and 'pin_env' exclude each other: give one of them");
    }
    if (const Value* interval = valid_field(t, "interval")) {
      if (interval->duration <= config_->schedule.probe_timeout) {
        ctx.diags->error(interval->line, interval->column,
                         "'targets[].interval' (" + format_duration(interval->duration) +
                             ") must be longer than 'schedule.probe_timeout' (" +
                             format_duration(config_->schedule.probe_timeout) + ")");
      }
    }
    config_->targets.push_back(std::move(target));
  }

  // credentials: {file} or {env}, exactly one.
  void check_either(const Value& section, const std::string& name, const FileContext& ctx) {
    bool file = field(section, "file") != nullptr;
    bool env = field(section, "env") != nullptr;
    if (file && env) {
      ctx.diags->error(section.key_line, section.key_column,
                       "'" + name + "' takes 'file' or 'env', not both");
    } else if (!file && !env && section.ok) {
      ctx.diags->error(section.key_line, section.key_column,
                       "'" + name + "' needs 'file' or 'env'");
    }
  }

  void check_target_ref(const Value& entry, const std::string& what, const FileContext& ctx) {
    const Value* target = field(entry, "target");
    if (target != nullptr) check_target_name(*target, what, ctx);
    if (const Value* targets = field(entry, "targets")) {
      for (const auto& t : targets->items) check_target_name(t, what, ctx);
    }
  }

  // A target id, or a "tag:KEY=VALUE" selector (which may match no target yet: not an error).
  void check_target_name(const Value& target, const std::string& what, const FileContext& ctx) {
    if (!target.ok) return;
    if (target.text.starts_with("tag:")) {
      size_t eq = target.text.find('=');
      if (eq == std::string::npos || eq == 4 || eq + 1 == target.text.size()) {
        ctx.diags->error(
            target.line, target.column,
            what + ": tag selector " + quote(target.text) + " must read tag:KEY=VALUE");
      }
      return;
    }
    if (!check_targets_ || target_lines_.count(target.text) > 0) return;
    std::vector<std::string> ids;
    for (const auto& [id, line] : target_lines_) ids.push_back(id);
    ctx.diags->error(target.line, target.column,
                     what + " names unknown target " + quote(target.text) +
                         did_you_mean_suffix(target.text, ids));
  }

  // Exactly one of two keys (a new name and its older form), unless both are absent and
  // `needed` is false.
  const Value* one_of(const Value& entry, const char* key, const char* older, bool needed,
                      const std::string& what, const FileContext& ctx) {
    const Value* a = field(entry, key);
    const Value* b = field(entry, older);
    if (a != nullptr && b != nullptr) {
      ctx.diags->error(b->key_line, b->key_column,
                       what + " takes '" + key + "' or '" + older + "', not both");
      return nullptr;
    }
    if (a == nullptr && b == nullptr && needed) {
      ctx.diags->error(entry.line, entry.column, what + " needs '" + key + "'");
    }
    return a != nullptr ? a : b;
  }

  void check_after(const Value& entry, const std::string& later, const std::string& earlier,
                   const FileContext& ctx) {
    const Value* l = valid_field(entry, later);
    const Value* e = valid_field(entry, earlier);
    if (l == nullptr || e == nullptr || l->time > e->time) return;
    ctx.diags->error(
        l->line, l->column,
        "'" + later + "' (" + l->text + ") must be after '" + earlier + "' (" + e->text + ")");
  }

  void build_attestation(const Value& a, const FileContext& ctx) {
    check_target_ref(a, "attestation", ctx);
    check_after(a, "expires", "date", ctx);
    if (!a.ok) return;  // the Config is discarded anyway; the checks above still ran
    model::Attestation out;
    out.rule_id = text_of(a, "rule");
    out.target_id = text_of(a, "target");
    out.status = model::parse_status(text_of(a, "status")).value_or(model::Status::kFail);
    out.by = text_of(a, "by");
    out.statement = text_of(a, "statement");
    out.date = field(a, "date")->time;
    if (const Value* e = field(a, "expires")) out.expires = e->time;
    out.evidence = text_of(a, "evidence");
    out.file = ctx.source_name + ":" + std::to_string(a.line);
    config_->attestations.push_back(std::move(out));
  }

  void build_waiver(const Value& w, const FileContext& ctx) {
    const Value* id = valid_field(w, "id");
    check_target_ref(w, id != nullptr ? "waiver " + quote(id->text) : "waiver", ctx);
    check_after(w, "expires", "created", ctx);
    if (id != nullptr) {
      if (!valid_id(id->text)) {
        ctx.diags->error(
            id->line, id->column,
            "waiver id " + quote(id->text) + " may only contain letters, digits, '_', '.' and '-'");
      }
      auto [it, inserted] = waiver_seen_.emplace(id->text, WaiverSeen{ctx.source_name, id->line});
      if (!inserted) {
        std::string first = it->second.file == ctx.source_name
                                ? "line " + std::to_string(it->second.line)
                                : it->second.file + ":" + std::to_string(it->second.line);
        ctx.diags->error(
            id->line, id->column,
            "duplicate waiver id " + quote(id->text) + " (first defined at " + first + ")");
      }
    }
    std::string what = id != nullptr ? "waiver " + quote(id->text) : "waiver";
    const Value* rules = one_of(w, "rules", "rule", true, what, ctx);
    const Value* targets = one_of(w, "targets", "target", false, what, ctx);
    const Value* by = one_of(w, "approved_by", "by", true, what, ctx);
    const Value* reason = valid_field(w, "reason");
    if (reason != nullptr && trimmed_empty(reason->text)) {
      ctx.diags->error(reason->line, reason->column, what + " needs a non-empty 'reason'");
    }
    if (rules != nullptr && rules->ok && rules->kw->type == KeyType::kList &&
        rules->items.empty()) {
      ctx.diags->error(rules->line, rules->column, what + ": 'rules' needs at least one rule");
    }
    if (const Value* revoked = valid_field(w, "revoked")) {
      if (field(w, "revoked_by") == nullptr) {
        ctx.diags->error(revoked->key_line, revoked->key_column,
                         what + ": 'revoked' needs 'revoked_by' (who revoked it)");
      }
    }
    if (!w.ok || id == nullptr || rules == nullptr || by == nullptr) return;
    model::Waiver out;
    out.id = id->text;
    add_scope(*rules, &out.rules, &out.rules_at);
    if (targets != nullptr) add_scope(*targets, &out.targets, &out.targets_at);
    out.rule_id = out.rules.empty() ? "" : out.rules.front();
    out.target_id = out.targets.empty() ? "" : out.targets.front();
    out.reason = text_of(w, "reason");
    out.category = text_of(w, "category");
    out.by = by->text;
    out.ticket = text_of(w, "ticket");
    out.created = field(w, "created")->time;
    const Value* expires = field(w, "expires");
    out.expires = expires->time;
    out.expires_at = {expires->line, expires->column};
    if (const Value* r = field(w, "review_every")) out.review_every = r->duration;
    out.mode = get(w, "waivers[].mode").text == "skip" ? model::WaiverMode::kSkip
                                                       : model::WaiverMode::kReportOnly;
    if (const Value* r = field(w, "revoked")) out.revoked = r->time;
    out.revoked_by = text_of(w, "revoked_by");
    out.file = ctx.source_name + ":" + std::to_string(w.line);
    out.at = {w.line, w.column};
    config_->waivers.push_back(std::move(out));
  }

  // A scope key: a list (`rules`, `targets`) or its older single form (`rule`, `target`).
  static void add_scope(const Value& v, std::vector<std::string>* out,
                        std::vector<model::TextPos>* at) {
    if (v.kw != nullptr && v.kw->type == KeyType::kList) {
      for (const auto& item : v.items) {
        out->push_back(item.text);
        at->push_back({item.line, item.column});
      }
    } else {
      out->push_back(v.text);
      at->push_back({v.line, v.column});
    }
  }

  static bool trimmed_empty(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
  }

 public:
  // Decision files read without a config (`sovereignctl waive lint` with no --config): target
  // ids cannot be checked, tag selectors still are.
  void set_check_targets(bool on) { check_targets_ = on; }
  void add_known_target(const std::string& id, int line) { target_lines_.emplace(id, line); }

 private:
  void build_alert(const Value& a, const FileContext& ctx) {
    const Value* kind_value = valid_field(a, "kind");
    if (kind_value == nullptr) return;
    const std::string& kind = kind_value->text;
    if (const Value* url = valid_field(a, "url")) {
      std::string scheme;
      if (valid_url(url->text, &scheme) && scheme != "http" && scheme != "https") {
        ctx.diags->error(url->line, url->column,
                         "'alerts[].url' must be an http or https URL, not " + quote(url->text));
      }
    }
    if (const Value* command = valid_field(a, "command")) {
      if (command->items.empty()) {
        ctx.diags->error(command->line, command->column,
                         "'alerts[].command' needs at least the program to run");
      }
    }
    config_->alerts.push_back(section_json(a, "alerts[].", kind, {}));
  }

  Config* config_;
  std::map<std::string, int> target_lines_;
  std::map<std::string, WaiverSeen> waiver_seen_;
  bool check_targets_ = true;
};

// ---------------------------------------------------------------------------------------------

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

std::string too_large_message() {
  return "the file is larger than " + std::to_string(kMaxConfigBytes) + " bytes";
}

// Reads a whole regular file, refusing more than kMaxConfigBytes. The error message is the
// reason alone (callers name the file): kIo when the file cannot be read, kInvalidInput when it
// is too large or not a regular file (a FIFO or a device would block or never end).
Result<std::string> read_capped(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec) return fail(ErrorCode::kIo, ec.message());
  if (!fs::is_regular_file(status)) return fail(ErrorCode::kInvalidInput, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, std::strerror(errno));
  std::string data(kMaxConfigBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return fail(ErrorCode::kIo, "read error");
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > kMaxConfigBytes) return fail(ErrorCode::kInvalidInput, too_large_message());
  return data;
}

using Secrets = std::vector<std::pair<int, std::string>>;

// Sorted by position, as a reader goes through the file; inline secret values and URL
// credentials are masked in the quoted source lines (messages never hold them).
void append_sorted(const Diagnostics& from, Diagnostics* to, const Secrets& secrets = {}) {
  std::vector<Diagnostic> items = from.items();
  for (auto& d : items) {
    d.source_line = mask_userinfo(std::move(d.source_line));
    for (const auto& [line, value] : secrets) {
      if (line != d.line) continue;
      for (size_t p = d.source_line.find(value); p != std::string::npos;
           p = d.source_line.find(value, p + kRedacted.size())) {
        d.source_line.replace(p, value.size(), kRedacted);
      }
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  for (auto& d : items) to->add(std::move(d));
}

Result<std::shared_ptr<const Config>> load(const std::string& display_name,
                                           const std::string& absolute_file, std::string_view text,
                                           const std::string& base_dir, Diagnostics* out) {
  Diagnostics local_out;
  if (out == nullptr) out = &local_out;
  const size_t errors_before = out->error_count();
  auto finish_failed = [&]() -> Result<std::shared_ptr<const Config>> {
    size_t n = out->error_count() - errors_before;
    return fail(ErrorCode::kInvalidInput,
                display_name + ": " + std::to_string(n) + (n == 1 ? " error" : " errors"));
  };

  Diagnostics main;
  main.set_source(display_name, text);
  if (text.size() > kMaxConfigBytes) {
    main.error(0, 0, too_large_message());
    append_sorted(main, out);
    return finish_failed();
  }
  auto config = std::make_shared<Config>();
  config->file = absolute_file;
  config->source_name = absolute_file.empty() ? display_name : absolute_file;
  config->sha256 = sha256_hex(text);

  YamlDoc doc;
  if (!internal::parse_yaml(text, kMaxConfigNodes, &doc, &main)) {
    append_sorted(main, out);
    return finish_failed();
  }
  Checker checker(doc, &main, base_dir);
  Value root = checker.check_root({});
  Builder builder(config.get());
  builder.build_main(root, FileContext{&main, config->source_name});

  // Attestation files: read once the targets are known, each checked with its own positions.
  std::vector<std::pair<Diagnostics, Secrets>> file_diags;
  if (const Value* files = field(root, "attestation_files")) {
    for (const auto& f : files->items) {
      if (!f.ok) continue;
      auto data = read_capped(f.text);
      if (!data) {
        main.error(f.line, f.column,
                   "attestation file: cannot read " + f.text + ": " + data.error().message());
        continue;
      }
      auto& [fd, fsecrets] = file_diags.emplace_back();
      fd.set_source(f.text, *data);
      YamlDoc adoc;
      if (internal::parse_yaml(*data, kMaxConfigNodes, &adoc, &fd)) {
        Checker achecker(adoc, &fd, fs::path(f.text).parent_path().string());
        Value aroot = achecker.check_root({"attestations", "waivers"});
        builder.build_decisions(aroot, FileContext{&fd, f.text});
        fsecrets = achecker.secrets();
      }
    }
  }
  append_sorted(main, out, checker.secrets());
  for (const auto& [fd, fsecrets] : file_diags) append_sorted(fd, out, fsecrets);
  if (out->error_count() > errors_before) return finish_failed();
  return std::shared_ptr<const Config>(std::move(config));
}

}  // namespace

Duration target_interval(const Config& config, const model::Target& target) {
  auto it = target.spec.find("interval");
  if (it != target.spec.end() && it->is_string()) {
    if (auto d = parse_duration(it->get<std::string>())) return *d;
  }
  return config.schedule.interval;
}

Result<Decisions> load_decisions_file(const std::string& path, const Config* context,
                                      Diagnostics* diags) {
  auto data = read_capped(path);
  if (!data)
    return fail(data.error().code(), "cannot read " + path + ": " + data.error().message());
  return load_decisions_text(path, *data, context, diags);
}

Result<Decisions> load_decisions_text(const std::string& path, std::string_view text,
                                      const Config* context, Diagnostics* diags) {
  if (text.size() > kMaxConfigBytes) {
    return fail(ErrorCode::kInvalidInput, path + ": " + too_large_message());
  }
  const std::string_view* data = &text;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  Diagnostics fd;
  fd.set_source(path, *data);
  Config scratch;
  Builder builder(&scratch);
  builder.set_check_targets(context != nullptr);
  if (context != nullptr) {
    for (const auto& t : context->targets) builder.add_known_target(t.id, 0);
  }
  YamlDoc doc;
  std::vector<std::pair<int, std::string>> secrets;
  if (internal::parse_yaml(*data, kMaxConfigNodes, &doc, &fd)) {
    Checker checker(doc, &fd, absolute.parent_path().string());
    Value root = checker.check_root({"attestations", "waivers"});
    builder.build_decisions(root, FileContext{&fd, path});
    secrets = checker.secrets();
  }
  Diagnostics sorted;
  append_sorted(fd, &sorted, secrets);
  if (diags != nullptr) diags->append(sorted);
  if (sorted.has_errors()) {
    size_t n = sorted.error_count();
    return fail(ErrorCode::kInvalidInput,
                path + ": " + std::to_string(n) + (n == 1 ? " error" : " errors"));
  }
  return Decisions{std::move(scratch.attestations), std::move(scratch.waivers)};
}

Result<std::shared_ptr<const Config>> load_config(const std::string& path, Diagnostics* diags) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot read " + path + ": " + ec.message());
  absolute = absolute.lexically_normal();
  auto data = read_capped(path);
  if (!data) {
    if (data.error().code() == ErrorCode::kIo) {
      return fail(ErrorCode::kIo, "cannot read " + path + ": " + data.error().message());
    }
    // Too large or not a regular file: the input's fault, reported like any other.
    Diagnostics d;
    d.set_source(path, "");
    d.error(0, 0, data.error().message());
    if (diags != nullptr) diags->append(d);
    return fail(ErrorCode::kInvalidInput, path + ": 1 error");
  }
  return load(path, absolute.string(), *data, absolute.parent_path().string(), diags);
}

Result<std::shared_ptr<const Config>> load_config_text(const std::string& file_name,
                                                       std::string_view text,
                                                       const std::string& base_dir,
                                                       Diagnostics* diags) {
  std::error_code ec;
  fs::path base = fs::absolute(base_dir.empty() ? "." : base_dir, ec);
  if (ec) base = base_dir;
  return load(file_name, "", text, base.lexically_normal().string(), diags);
}

}  // namespace sov::config
