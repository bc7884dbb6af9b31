// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/waive_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/base/diag.h"
#include "daemon/base/redact.h"
#include "daemon/base/time.h"
#include "daemon/cli/commands.h"
#include "daemon/config/config.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"

namespace sov::cli {

namespace {

namespace fs = std::filesystem;
using model::Waiver;

struct WaiveArgs {
  std::vector<std::string> files;
  std::string config;
  std::vector<std::string> rules;  // rule directories or files
  std::string at;                  // "now" for this command
  bool strict = false;
  std::string format = "table";
  // add
  std::string id, reason, approved_by, category, ticket, created, expires, for_duration,
      review_every, mode = "report_only";
  std::vector<std::string> rule_scope, target_scope;
  // revoke
  std::string by;
};

int report_error(const Error& e) {
  std::cerr << "sovereignctl: " << redact(e.to_string()) << "\n";
  return e.code() == ErrorCode::kInvalidInput ? kExitInvalid : kExitRuntime;
}

Result<TimePoint> now_of(const WaiveArgs& a) {
  if (a.at.empty()) return SystemClock().now();
  auto t = parse_time(a.at);
  if (!t) return fail(ErrorCode::kInvalidInput, "--at: not a date: '" + a.at + "'");
  return *t;
}

// What the checks need besides the files: the config (targets, limits) and the rules.
struct Context {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const ruleset::RuleBook> book;
  config::WaiverLimits limits;
};

Result<Context> load_context(const WaiveArgs& a) {
  Context ctx;
  Diagnostics diags;
  if (!a.config.empty()) {
    auto cfg = config::load_config(a.config, &diags);
    if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
    if (!cfg) return cfg.error();
    ctx.config = *cfg;
    ctx.limits = ctx.config->waiver_max_duration;
  }
  std::vector<std::string> paths = a.rules;
  if (paths.empty() && ctx.config) paths = ctx.config->rules;
  if (!paths.empty()) {
    Diagnostics rdiags;
    // No fact-path checking: only rule ids and severities matter here.
    auto book = ruleset::load_rules(paths, ruleset::LoadOptions{}, &rdiags);
    if (rdiags.has_errors()) std::cerr << rdiags.to_string() << "\n";
    if (!book) return book.error();
    ctx.book = *book;
  }
  return ctx;
}

std::string path_of(const Waiver& w) { return w.file.substr(0, w.file.rfind(':')); }

bool is_glob(std::string_view p) { return p.find_first_of("*?") != std::string_view::npos; }

std::string days_text(Duration d) {
  auto days = std::chrono::duration_cast<std::chrono::hours>(d).count() / 24;
  return std::to_string(days) + "d";
}

// The rules a waiver covers, the most severe first found.
const ruleset::RuleInfo* most_severe(const Waiver& w, const ruleset::RuleBook& book) {
  const ruleset::RuleInfo* worst = nullptr;
  for (const auto& r : book.rules()) {
    bool covered = std::any_of(w.rules.begin(), w.rules.end(),
                               [&](const auto& p) { return model::glob_match(p, r.id); });
    if (covered && (worst == nullptr || r.severity > worst->severity)) worst = &r;
  }
  return worst;
}

std::string limit_key(model::Severity s) {
  switch (s) {
    case model::Severity::kCritical:
      return "critical";
    case model::Severity::kHigh:
      return "high";
    case model::Severity::kMedium:
      return "medium";
    default:
      return "low";
  }
}

// Checks that need the rules, the config or the clock, added to the per-file diagnostics.
class Linter {
 public:
  Linter(const Context& ctx, TimePoint now) : ctx_(ctx), now_(now) {}

  Diagnostics& diags_for(const std::string& path) {
    auto it = by_file_.find(path);
    if (it != by_file_.end()) return it->second;
    Diagnostics& d = by_file_[path];
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    d.set_source(path, text);
    return d;
  }
  std::map<std::string, Diagnostics>& files() { return by_file_; }

  void check(const Waiver& w) {
    Diagnostics& d = diags_for(path_of(w));
    const std::string what = "waiver '" + w.id + "'";
    auto [it, inserted] = ids_.emplace(w.id, w.file);
    if (!inserted && it->second != w.file) {
      d.error(w.at.line, w.at.column,
              "duplicate " + what + " (first defined at " + it->second + ")");
    }
    if (ctx_.book) check_rules(w, what, d);
    if (ctx_.config) check_tags(w, what, d);
    std::string_view state = w.state(now_);
    if (state == "expired") {
      d.warning(w.expires_at.line, w.expires_at.column,
                what + " expired on " + format_date(*w.expires) +
                    " and no longer applies: revoke it, or grant a new waiver");
    }
  }

  // Without rules, the strictest limit (critical) applies: the safe reading.
  void check_duration(const Waiver& w, const std::string& what, Diagnostics& d) {
    if (!w.expires) return;
    model::Severity sev = model::Severity::kCritical;
    std::string rule_text = "a critical rule (no rules given: the strictest limit)";
    if (ctx_.book) {
      const ruleset::RuleInfo* worst = most_severe(w, *ctx_.book);
      if (worst == nullptr) return;
      sev = worst->severity;
      rule_text = std::string(model::severity_name(sev)) + " rule '" + worst->id + "'";
    }
    Duration allowed = ctx_.limits.for_severity(sev);
    Duration lasts = *w.expires - w.created;
    if (lasts <= allowed) return;
    d.error(w.expires_at.line, w.expires_at.column,
            what + " lasts " + days_text(lasts) + ", longer than the " + days_text(allowed) +
                " allowed for " + rule_text + " (waiver_max_duration." + limit_key(sev) + ")");
  }

 private:
  void check_rules(const Waiver& w, const std::string& what, Diagnostics& d) {
    std::vector<std::string> ids;
    for (const auto& r : ctx_.book->rules()) ids.push_back(r.id);
    for (size_t i = 0; i < w.rules.size(); ++i) {
      const std::string& p = w.rules[i];
      model::TextPos pos = i < w.rules_at.size() ? w.rules_at[i] : w.at;
      if (is_glob(p)) {
        bool any = std::any_of(ids.begin(), ids.end(),
                               [&](const auto& id) { return model::glob_match(p, id); });
        if (!any) d.error(pos.line, pos.column, what + ": '" + p + "' matches no rule");
      } else if (ctx_.book->find_rule(p) == nullptr) {
        d.error(pos.line, pos.column,
                what + " names unknown rule '" + p + "'" + did_you_mean_suffix(p, ids));
      }
    }
    check_duration(w, what, d);
  }

  void check_tags(const Waiver& w, const std::string& what, Diagnostics& d) {
    for (size_t i = 0; i < w.targets.size(); ++i) {
      const std::string& sel = w.targets[i];
      size_t eq = sel.find('=');
      if (!sel.starts_with("tag:") || eq == std::string::npos) continue;
      bool any = std::any_of(ctx_.config->targets.begin(), ctx_.config->targets.end(),
                             [&](const model::Target& t) {
                               return t.has_tag(sel.substr(4, eq - 4), sel.substr(eq + 1));
                             });
      model::TextPos pos = i < w.targets_at.size() ? w.targets_at[i] : w.at;
      if (!any)
        d.warning(pos.line, pos.column, what + ": '" + w.targets[i] + "' selects no target");
    }
  }

  const Context& ctx_;
  TimePoint now_;
  std::map<std::string, Diagnostics> by_file_;
  std::map<std::string, std::string> ids_;
};

// Loads every file; config-level errors (missing reason, bad dates, unknown targets with a
// config) are reported by the loader with positions.
Result<std::vector<Waiver>> load_files(const std::vector<std::string>& files, const Context& ctx,
                                       Diagnostics* diags) {
  std::vector<Waiver> out;
  std::optional<Error> first;
  for (const auto& f : files) {
    auto d = config::load_decisions_file(f, ctx.config.get(), diags);
    if (!d) {
      if (!first) first = d.error();
      continue;
    }
    for (auto& w : d->waivers) out.push_back(std::move(w));
  }
  if (first) return *first;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text edits.

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string yaml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + yaml_quote(items[i]);
  return out + "]";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

bool is_content(const std::string& line) {
  size_t i = indent_of(line);
  return i != std::string::npos && line[i] != '#';
}

// Where to append an entry: the text with "waivers:" as its last top-level key (added if
// absent), and the indentation of its items.
Result<std::string> append_entry(const std::string& path, const std::string& text,
                                 const std::vector<std::string>& entry_lines) {
  std::vector<std::string> lines = split_lines(text);
  int waivers_line = -1;
  int last_top = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!is_content(lines[i]) || indent_of(lines[i]) != 0) continue;
    last_top = static_cast<int>(i);
    if (lines[i].rfind("waivers:", 0) == 0) waivers_line = static_cast<int>(i);
  }
  std::string item_indent = "  ";
  std::string out = text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (waivers_line < 0) {
    out += "waivers:\n";
  } else {
    if (waivers_line != last_top) {
      return fail(ErrorCode::kInvalidInput,
                  path + ":" + std::to_string(waivers_line + 1) +
                      ": 'waivers' is not the last key of the file: move it to the end so that "
                      "entries can be appended");
    }
    std::string rest = lines[static_cast<size_t>(waivers_line)].substr(8);
    if (rest.find_first_not_of(' ') != std::string::npos &&
        rest[rest.find_first_not_of(' ')] != '#') {
      return fail(ErrorCode::kInvalidInput,
                  path + ":" + std::to_string(waivers_line + 1) +
                      ": 'waivers' is written inline (flow style): write it as a block list "
                      "('waivers:' then '  - id: ...' lines) so that entries can be appended");
    }
    for (size_t i = static_cast<size_t>(waivers_line) + 1; i < lines.size(); ++i) {
      if (!is_content(lines[i])) continue;
      item_indent = lines[i].substr(0, indent_of(lines[i]));
      break;
    }
  }
  for (size_t i = 0; i < entry_lines.size(); ++i) {
    out += item_indent + (i == 0 ? "- " : "  ") + entry_lines[i] + "\n";
  }
  return out;
}

// Inserts `keys` (as "k: v") at the end of the entry whose map starts at `at`.
Result<std::string> insert_keys(const std::string& path, const std::string& text, model::TextPos at,
                                const std::vector<std::string>& keys) {
  std::vector<std::string> lines = split_lines(text);
  if (at.line < 1 || static_cast<size_t>(at.line) > lines.size()) {
    return fail(ErrorCode::kInternal, path + ": entry position out of range");
  }
  size_t li = static_cast<size_t>(at.line - 1);
  size_t col = static_cast<size_t>(at.column - 1);
  if (col < lines[li].size() && lines[li][col] == '{') {
    // Flow map: before its closing brace, which may be on a later line.
    int depth = 0;
    bool in_quote = false;
    char quote = 0;
    for (size_t l = li; l < lines.size(); ++l) {
      for (size_t c = (l == li ? col : 0); c < lines[l].size(); ++c) {
        char ch = lines[l][c];
        if (in_quote) {
          if (ch == '\\' && quote == '"')
            ++c;
          else if (ch == quote)
            in_quote = false;
          continue;
        }
        if (ch == '"' || ch == '\'') {
          in_quote = true;
          quote = ch;
        } else if (ch == '{' || ch == '[') {
          ++depth;
        } else if (ch == '}' || ch == ']') {
          if (--depth == 0) {
            std::string add;
            for (const auto& k : keys) add += ", " + k;
            lines[l].insert(c, add);
            std::string out;
            for (const auto& x : lines) out += x + "\n";
            return out;
          }
        }
      }
    }
    return fail(ErrorCode::kInvalidInput,
                path + ":" + std::to_string(at.line) + ": cannot find the end of this entry");
  }
  // Block map: after the last line indented at least as deep as its keys.
  size_t last = li;
  for (size_t l = li + 1; l < lines.size(); ++l) {
    if (!is_content(lines[l])) continue;
    if (indent_of(lines[l]) < col) break;
    last = l;
  }
  std::vector<std::string> added;
  for (const auto& k : keys) added.push_back(std::string(col, ' ') + k);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(last + 1), added.begin(), added.end());
  std::string out;
  for (const auto& x : lines) out += x + "\n";
  return out;
}

Result<bool> write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".sovereignctl-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return fail(ErrorCode::kIo, "cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return fail(ErrorCode::kIo, "cannot replace " + path + ": " + ec.message());
  }
  return true;
}

// Checks an edited text like the daemon will read it, plus the rule checks; prints the
// diagnostics. Returns the waivers when there is no error.
Result<std::vector<Waiver>> validate_text(const std::string& path, const std::string& text,
                                          const Context& ctx) {
  Diagnostics diags;
  auto d = config::load_decisions_text(path, text, ctx.config.get(), &diags);
  if (!d) {
    if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
    return d.error();
  }
  return d->waivers;
}

// ---------------------------------------------------------------------------------------------

int run_add(const WaiveArgs& a) {
  auto now = now_of(a);
  if (!now) return report_error(now.error());
  if (a.files.size() != 1)
    return report_error(Error(ErrorCode::kInvalidInput, "add takes one FILE"));
  const std::string& path = a.files[0];
  if (a.expires.empty() == a.for_duration.empty()) {
    return report_error(Error(ErrorCode::kInvalidInput, "give --expires DATE or --for DURATION"));
  }
  auto ctx = load_context(a);
  if (!ctx) return report_error(ctx.error());
  std::string created = a.created.empty() ? format_date(*now) : a.created;
  auto created_t = parse_time(created);
  if (!created_t) {
    return report_error(
        Error(ErrorCode::kInvalidInput, "--created: not a date: '" + created + "'"));
  }
  std::string expires = a.expires;
  if (!a.for_duration.empty()) {
    auto d = parse_duration(a.for_duration);
    if (!d) {
      return report_error(
          Error(ErrorCode::kInvalidInput, "--for: not a duration: '" + a.for_duration + "'"));
    }
    TimePoint e = *created_t + *d;
    expires = is_calendar_date(created) && *d % std::chrono::days(1) == Duration::zero()
                  ? format_date(e)
                  : format_rfc3339(e);
  }
  std::vector<std::string> entry = {"id: " + yaml_quote(a.id), "rules: " + yaml_list(a.rule_scope)};
  if (!a.target_scope.empty()) entry.push_back("targets: " + yaml_list(a.target_scope));
  entry.push_back("reason: " + yaml_quote(a.reason));
  if (!a.category.empty()) entry.push_back("category: " + a.category);
  entry.push_back("approved_by: " + yaml_quote(a.approved_by));
  if (!a.ticket.empty()) entry.push_back("ticket: " + yaml_quote(a.ticket));
  entry.push_back("created: " + created);
  entry.push_back("expires: " + expires);
  if (!a.review_every.empty()) entry.push_back("review_every: " + a.review_every);
  entry.push_back("mode: " + a.mode);

  std::error_code ec;
  std::string text = fs::exists(path, ec) ? read_text(path) : std::string();
  if (!text.empty()) {
    // The file as it is must be valid first: an edit never hides an older error.
    Diagnostics before;
    if (auto d = config::load_decisions_text(path, text, ctx->config.get(), &before); !d) {
      if (!before.items().empty()) std::cerr << before.to_string() << "\n";
      return report_error(d.error());
    }
  }
  auto edited = append_entry(path, text, entry);
  if (!edited) return report_error(edited.error());
  auto ws = validate_text(path, *edited, *ctx);
  if (!ws) return report_error(ws.error());
  // The loader caught a duplicate id in the file; the rules and the limits are checked here,
  // with positions in the edited text.
  Linter lint(*ctx, *now);
  const Waiver& added = ws->back();
  Diagnostics& d = lint.files()[path];
  d.set_source(path, *edited);
  if (ctx->book) {
    lint.check(added);
  } else {
    lint.check_duration(added, "waiver '" + added.id + "'", d);
  }
  if (d.has_errors()) {
    std::cerr << d.to_string() << "\n";
    return kExitInvalid;
  }
  if (auto w = write_file(path, *edited); !w) return report_error(w.error());
  std::cout << "added waiver " << added.id << " to " << path << " (expires " << expires << ")\n";
  return kExitOk;
}

int run_revoke(const WaiveArgs& a, const std::string& id) {
  auto now = now_of(a);
  if (!now) return report_error(now.error());
  const std::string& path = a.files[0];
  Context ctx;
  Diagnostics diags;
  auto d = config::load_decisions_file(path, nullptr, &diags);
  if (!d) {
    if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
    return report_error(d.error());
  }
  std::vector<std::string> ids;
  const Waiver* found = nullptr;
  for (const auto& w : d->waivers) {
    ids.push_back(w.id);
    if (w.id == id) found = &w;
  }
  if (found == nullptr) {
    return report_error(Error(ErrorCode::kInvalidInput,
                              path + ": no waiver '" + id + "'" + did_you_mean_suffix(id, ids)));
  }
  if (found->revoked) {
    return report_error(Error(ErrorCode::kInvalidInput,
                              "waiver '" + id + "' was already revoked on " +
                                  format_date(*found->revoked) + " by " + found->revoked_by));
  }
  std::string when = a.at.empty() ? format_date(*now) : a.at;
  auto edited = insert_keys(path, read_text(path), found->at,
                            {"revoked: " + when, "revoked_by: " + yaml_quote(a.by)});
  if (!edited) return report_error(edited.error());
  auto ws = validate_text(path, *edited, ctx);
  if (!ws) return report_error(ws.error());
  if (auto w = write_file(path, *edited); !w) return report_error(w.error());
  std::cout << "revoked waiver " << id << " in " << path << " on " << when << " by " << a.by
            << " (kept in the file for the record)\n";
  return kExitOk;
}

model::Json waiver_row(const Waiver& w, TimePoint now) {
  model::Json j = w.to_json();
  j["state"] = w.state(now);
  if (w.expires) {
    j["days_left"] = std::chrono::duration_cast<std::chrono::hours>(*w.expires - now).count() / 24;
  }
  if (auto r = w.next_review(now)) j["next_review"] = format_date(*r);
  return j;
}

int run_list(const WaiveArgs& a) {
  auto now = now_of(a);
  if (!now) return report_error(now.error());
  auto ctx = load_context(a);
  if (!ctx) return report_error(ctx.error());
  Diagnostics diags;
  auto ws = load_files(a.files, *ctx, &diags);
  if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
  if (!ws) return report_error(ws.error());
  if (a.format == "json") {
    model::Json out = model::Json::array();
    for (const auto& w : *ws) out.push_back(waiver_row(w, *now));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-20s %-8s %-10s %-10s %-28s %-20s %s\n", "ID", "STATE", "EXPIRES", "DAYS LEFT",
              "RULES", "TARGETS", "APPROVED BY");
  for (const auto& w : *ws) {
    model::Json j = waiver_row(w, *now);
    std::string state(w.state(*now));
    std::string left = "-";
    if (state == "active" || state == "pending")
      left = std::to_string(j["days_left"].get<int64_t>());
    if (state == "revoked") state += " " + format_date(*w.revoked);
    std::string rules, targets;
    for (const auto& r : w.rules) rules += (rules.empty() ? "" : ",") + r;
    for (const auto& t : w.targets) targets += (targets.empty() ? "" : ",") + t;
    if (targets.empty()) targets = "(all)";
    std::printf("%-20s %-8s %-10s %-10s %-28s %-20s %s\n", w.id.c_str(), state.c_str(),
                w.expires ? format_date(*w.expires).c_str() : "-", left.c_str(), rules.c_str(),
                targets.c_str(), w.by.c_str());
  }
  return kExitOk;
}

int run_lint(const WaiveArgs& a) {
  auto now = now_of(a);
  if (!now) return report_error(now.error());
  auto ctx = load_context(a);
  if (!ctx) return report_error(ctx.error());
  Diagnostics load_diags;
  std::vector<Waiver> ws;
  bool load_failed = false;
  for (const auto& f : a.files) {
    auto d = config::load_decisions_file(f, ctx->config.get(), &load_diags);
    if (!d) {
      load_failed = true;
      if (d.error().code() == ErrorCode::kIo)
        std::cerr << "sovereignctl: " << d.error().to_string() << "\n";
      continue;
    }
    for (auto& w : d->waivers) ws.push_back(std::move(w));
  }
  Linter lint(*ctx, *now);
  for (const auto& w : ws) lint.check(w);
  size_t errors = load_diags.error_count(), warnings = load_diags.warning_count();
  if (!load_diags.items().empty()) std::cout << load_diags.to_string() << "\n";
  for (auto& [file, d] : lint.files()) {
    if (a.strict) d.promote_warnings();
    errors += d.error_count();
    warnings += d.warning_count();
    if (!d.items().empty()) std::cout << d.to_string() << "\n";
  }
  if (!ctx->book) {
    std::cout << "note: rules not checked (give --rules DIR or --config FILE)\n";
  }
  std::cout << (errors == 0 && !load_failed ? "ok: " : "failed: ") << ws.size() << " waivers in "
            << a.files.size() << " files, " << errors << " errors, " << warnings << " warnings\n";
  return errors == 0 && !load_failed ? kExitOk : kExitInvalid;
}

void add_common(CLI::App* cmd, WaiveArgs* a, bool rules) {
  cmd->add_option("--config", a->config,
                  "config whose targets and waiver_max_duration to check against (and rules)");
  if (rules) cmd->add_option("--rules", a->rules, "rule directories or files to check against");
  cmd->add_option("--at", a->at, "act as of this date or time (default: now)");
}

}  // namespace

void add_waive_commands(CLI::App* app, int* rc) {
  auto args = std::make_shared<WaiveArgs>();
  auto* waive =
      app->add_subcommand("waive", "the waiver register: add, list, revoke and lint waiver files");
  waive->require_subcommand(1);

  auto* add = waive->add_subcommand("add", "append a validated waiver to a waiver file");
  add->add_option("file", args->files, "waiver file (created if absent)")->required();
  add->add_option("--id", args->id, "unique name of the waiver")->required();
  add->add_option("--rule", args->rule_scope, "rule id or glob (repeatable)")->required();
  add->add_option("--target", args->target_scope,
                  "target id or tag:KEY=VALUE (repeatable; default: every target)");
  add->add_option("--reason", args->reason, "why the deviation is accepted")->required();
  add->add_option("--approved-by", args->approved_by, "who accepts it: name and role")->required();
  add->add_option("--category", args->category,
                  "accepted-risk, false-positive, compensating-control or remediation-planned");
  add->add_option("--ticket", args->ticket, "change or risk ticket");
  add->add_option("--created", args->created, "when it was granted (default: today)");
  add->add_option("--expires", args->expires, "when it ends (date or time)");
  add->add_option("--for", args->for_duration, "or: how long it lasts from --created (90d)");
  add->add_option("--review-every", args->review_every, "review period (30d)");
  add->add_option("--mode", args->mode, "report_only or skip")->default_val("report_only");
  add_common(add, args.get(), true);
  add->callback([args, rc] { *rc = run_add(*args); });

  auto* list = waive->add_subcommand("list", "show waivers: active, expired, revoked, days left");
  list->add_option("files", args->files, "waiver files")->required();
  list->add_option("--format", args->format, "table or json")->default_val("table");
  add_common(list, args.get(), false);
  list->callback([args, rc] { *rc = run_list(*args); });

  auto revoke_file = std::make_shared<std::string>();
  auto revoke_id = std::make_shared<std::string>();
  auto* revoke = waive->add_subcommand(
      "revoke", "mark a waiver revoked (kept in the file with the date and who revoked it)");
  revoke->add_option("file", *revoke_file, "waiver file")->required();
  revoke->add_option("id", *revoke_id, "waiver id")->required();
  revoke->add_option("--by", args->by, "who revokes it: name and role")->required();
  revoke->add_option("--at", args->at, "revocation date (default: today)");
  revoke->callback([args, revoke_file, revoke_id, rc] {
    args->files = {*revoke_file};
    *rc = run_revoke(*args, *revoke_id);
  });

  auto* lint = waive->add_subcommand(
      "lint",
      "check waiver files: unknown rules or targets, missing reasons, expired or "
      "over-long waivers, duplicate ids");
  lint->add_option("files", args->files, "waiver files")->required();
  lint->add_flag("--strict", args->strict, "treat warnings (expired waivers) as errors");
  add_common(lint, args.get(), true);
  lint->callback([args, rc] { *rc = run_lint(*args); });
}

}  // namespace sov::cli
