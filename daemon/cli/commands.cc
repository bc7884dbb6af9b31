// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <unistd.h>

#include "daemon/base/diag.h"
#include "daemon/base/redact.h"
#include "daemon/config/config.h"
#include "daemon/engine/engine.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/store/store.h"
#include "probes/jurisdiction/explain.h"

namespace sov::cli {

using model::Json;
using model::Status;

namespace {

void print_diags(const Diagnostics& diags) {
  if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
}

int exit_for(const Error& e) {
  return e.code() == ErrorCode::kInvalidInput ? kExitInvalid : kExitRuntime;
}

int report(const Error& e) {
  std::cerr << "sovereignctl: " << redact(e.to_string()) << "\n";
  return exit_for(e);
}

Result<std::shared_ptr<const config::Config>> load_config_reporting(const std::string& file) {
  Diagnostics diags;
  auto cfg = config::load_config(file, &diags);
  print_diags(diags);
  return cfg;
}

std::vector<std::string> default_rule_paths() {
  std::vector<std::string> out;
  for (const char* p : {config::kDefaultRulesDir, config::kDefaultLocalRulesDir}) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) out.emplace_back(p);
  }
  return out;
}

Result<std::vector<std::string>> rule_paths(const RulesArgs& args) {
  if (!args.paths.empty()) return args.paths;
  if (!args.config.empty()) {
    auto cfg = load_config_reporting(args.config);
    if (!cfg) return cfg.error();
    return (*cfg)->rules;
  }
  std::error_code ec;
  if (std::filesystem::exists(config::kDefaultConfigPath, ec)) {
    auto cfg = load_config_reporting(config::kDefaultConfigPath);
    if (!cfg) return cfg.error();
    return (*cfg)->rules;
  }
  auto d = default_rule_paths();
  if (d.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "no rule directory given and none installed (/usr/share/sovereignd/rules)");
  }
  return d;
}

Result<std::shared_ptr<const ruleset::RuleBook>> load_book(const std::vector<std::string>& paths,
                                                           bool strict,
                                                           const engine::ProbeRegistry& probes) {
  model::FactSchema schema = probes.fact_schema();
  ruleset::LoadOptions opts{&schema, strict};
  Diagnostics diags;
  auto book = ruleset::load_rules(paths, opts, &diags);
  print_diags(diags);
  return book;
}

Result<std::unique_ptr<store::Store>> open_store(const StoreRef& ref) {
  std::string db = ref.db;
  if (db.empty()) {
    std::string cfg_file = ref.config.empty() ? config::kDefaultConfigPath : ref.config;
    auto cfg = load_config_reporting(cfg_file);
    if (!cfg) return cfg.error();
    db = (*cfg)->store;
  }
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) {
    return fail(ErrorCode::kNotFound, "no store at " + db + " (run `sovereignctl scan` first)");
  }
  // Read-only: safe beside a running daemon, which holds the writer lock.
  store::StoreOptions options;
  options.read_only = true;
  return store::Store::open(db, options);
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Prints rows as aligned columns; the last column is not padded.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i + 1 < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += i + 1 < r.size() ? pad(r[i], widths[i] + 2) : r[i];
    }
    std::cout << line << "\n";
  }
}

std::string status_text(const model::Finding& f) {
  std::string s(model::status_name(f.status));
  if (f.raw_status) s += "(" + std::string(model::status_name(*f.raw_status)) + ")";
  if (f.status == Status::kFail && !f.in_force) s += " (not in force)";
  return s;
}

void print_findings_table(const std::vector<model::Finding>& findings) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"TARGET", "RULE", "STATUS", "SEVERITY", "REFERENCE", "MESSAGE"});
  for (const auto& f : findings) {
    rows.push_back({f.target_id, f.rule_id, status_text(f),
                    std::string(model::severity_name(f.severity)), f.reference, f.message});
  }
  print_table(rows);
}

bool valid_format(const std::string& format) { return format == "table" || format == "json"; }

}  // namespace

// ---------------------------------------------------------------------------------------------

int cmd_scan(const ScanArgs& args) {
  if (!valid_format(args.format))
    return report(Error(ErrorCode::kInvalidInput, "--format must be table or json"));
  auto cfg = load_config_reporting(args.config);
  if (!cfg) return report(cfg.error());
  engine::ProbeRegistry probes = engine::builtin_probes();
  auto book = load_book((*cfg)->rules, args.strict || (*cfg)->strict_rules, probes);
  if (!book) return report(book.error());
  std::string db = args.db.empty() ? (*cfg)->store : args.db;
  auto st = store::Store::open(db);
  if (!st) return report(st.error());

  SystemClock clock;
  engine::ScanOptions opts{&clock, SOV_VERSION};
  std::vector<model::Finding> all;
  auto summary =
      engine::run_scan(**cfg, **book, probes, **st, opts, [&](const engine::TargetResult& tr) {
        if (!tr.outcome.ok)
          std::cerr << "probe.failed target=" << tr.target.id << " reason=\"" << tr.outcome.error
                    << "\"\n";
        all.insert(all.end(), tr.findings.begin(), tr.findings.end());
      });
  if (!summary) return report(summary.error());

  if (args.format == "json") {
    Json out = summary->to_json();
    out["store"] = db;
    Json failing = Json::array();
    for (const auto& f : all) {
      if (f.status == Status::kFail || f.status == Status::kError || f.status == Status::kStale) {
        failing.push_back(f.to_json());
      }
    }
    out["not_passing"] = std::move(failing);
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "scan " << summary->scan_id << ": " << summary->to_line() << "\n";
    std::vector<model::Finding> shown;
    for (const auto& f : all) {
      if (f.status == Status::kFail || f.status == Status::kError || f.status == Status::kStale ||
          f.status == Status::kManual) {
        shown.push_back(f);
      }
    }
    if (!shown.empty()) {
      std::cout << "\n";
      print_findings_table(shown);
    }
    std::cout << "\nstore: " << db << "\n";
  }
  return summary->in_force_failures > 0 ? kExitFailures : kExitOk;
}

int cmd_findings(const FindingsArgs& args) {
  if (!valid_format(args.format))
    return report(Error(ErrorCode::kInvalidInput, "--format must be table or json"));
  store::FindingQuery q;
  if (!args.status.empty()) {
    q.status = model::parse_status(args.status);
    if (!q.status) {
      return report(Error(ErrorCode::kInvalidInput,
                          "unknown status '" + args.status +
                              "' (pass fail error not_applicable manual stale waived)"));
    }
  }
  if (!args.rule.empty()) q.rule_id = args.rule;
  if (!args.target.empty()) q.target_id = args.target;
  if (!args.explain.empty()) q.target_id = args.explain;
  if (args.scan) q.scan_id = *args.scan;
  auto st = open_store(args.store);
  if (!st) return report(st.error());
  auto rows = (*st)->findings(q);
  if (!rows) return report(rows.error());
  if (!args.explain.empty()) {
    // The chain location -> operator -> legal control -> certifications, from the facts the
    // scan recorded for this target, with the findings that judged each link.
    if (rows->empty()) {
      return report(Error(ErrorCode::kNotFound,
                          "no findings for target '" + args.explain + "' in that scan"));
    }
    auto rec = (*st)->target_record(rows->front().scan_id, args.explain);
    if (!rec) return report(rec.error());
    std::vector<model::Finding> fs;
    for (const auto& r : *rows) fs.push_back(r.finding);
    std::cout << probes::jurisdiction::explain_chain(rec->facts, fs);
    return kExitOk;
  }
  if (args.format == "json") {
    Json out = Json::array();
    for (const auto& r : *rows) {
      Json j = r.finding.to_json();
      j["id"] = r.id;
      j["scan_id"] = r.scan_id;
      j["hash"] = r.hash;
      out.push_back(std::move(j));
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<model::Finding> fs;
  for (const auto& r : *rows) fs.push_back(r.finding);
  if (fs.empty()) {
    std::cout << "no findings\n";
    return kExitOk;
  }
  print_findings_table(fs);
  return kExitOk;
}

int cmd_history(const StoreRef& ref, size_t limit, const std::string& format) {
  if (!valid_format(format))
    return report(Error(ErrorCode::kInvalidInput, "--format must be table or json"));
  auto st = open_store(ref);
  if (!st) return report(st.error());
  auto scans = (*st)->scans(limit);
  if (!scans) return report(scans.error());
  if (format == "json") {
    Json out = Json::array();
    for (const auto& s : *scans) {
      out.push_back({{"id", s.id},
                     {"node", s.meta.node},
                     {"started", format_rfc3339(s.meta.started)},
                     {"finished", s.finished ? Json(format_rfc3339(*s.finished)) : Json(nullptr)},
                     {"state", store::scan_state_name(s.state)},
                     {"rules_digest", s.meta.rules_digest},
                     {"summary", s.summary}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"SCAN", "STARTED", "STATE", "TARGETS", "PASS", "FAIL", "IN-FORCE", "ERROR", "NODE"});
  for (const auto& s : *scans) {
    auto count = [&](const char* k) {
      const Json& f =
          s.summary.is_object() ? s.summary.value("findings", Json::object()) : Json::object();
      return f.contains(k) ? f[k].dump() : std::string("-");
    };
    auto field = [&](const char* k) {
      return s.summary.is_object() && s.summary.contains(k) ? s.summary[k].dump()
                                                            : std::string("-");
    };
    rows.push_back({std::to_string(s.id), format_rfc3339(s.meta.started),
                    std::string(store::scan_state_name(s.state)), field("targets"), count("pass"),
                    count("fail"), field("in_force_failures"), count("error"), s.meta.node});
  }
  print_table(rows);
  return kExitOk;
}

int cmd_diff(const StoreRef& ref, long long scan_a, long long scan_b, const std::string& format) {
  if (!valid_format(format))
    return report(Error(ErrorCode::kInvalidInput, "--format must be table or json"));
  auto st = open_store(ref);
  if (!st) return report(st.error());
  auto load = [&](long long id) -> Result<std::vector<model::Finding>> {
    auto info = (*st)->scan(id);
    if (!info) return info.error();
    store::FindingQuery q;
    q.scan_id = id;
    auto rows = (*st)->findings(q);
    if (!rows) return rows.error();
    std::vector<model::Finding> out;
    for (auto& r : *rows) out.push_back(std::move(r.finding));
    return out;
  };
  auto a = load(scan_a);
  if (!a) return report(a.error());
  auto b = load(scan_b);
  if (!b) return report(b.error());
  engine::FindingDiff d = engine::diff_findings(*a, *b);
  auto st_name = [](const std::optional<Status>& s) {
    return s ? std::string(model::status_name(*s)) : std::string("-");
  };
  if (format == "json") {
    auto arr = [&](const std::vector<engine::FindingChange>& v) {
      Json out = Json::array();
      for (const auto& c : v) {
        out.push_back({{"target", c.target_id},
                       {"rule", c.rule_id},
                       {"before", st_name(c.before)},
                       {"after", st_name(c.after)},
                       {"reference", c.finding.reference},
                       {"message", c.finding.message}});
      }
      return out;
    };
    Json out = {{"from", scan_a},
                {"to", scan_b},
                {"new_failures", arr(d.new_failures)},
                {"resolved", arr(d.resolved)},
                {"changed", arr(d.changed)}};
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "diff scan " << scan_a << " -> scan " << scan_b << ": " << d.new_failures.size()
            << " new failures, " << d.resolved.size() << " resolved, " << d.changed.size()
            << " changed\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"CHANGE", "TARGET", "RULE", "BEFORE", "AFTER", "REFERENCE"});
  auto add = [&](const char* what, const std::vector<engine::FindingChange>& v) {
    for (const auto& c : v) {
      rows.push_back(
          {what, c.target_id, c.rule_id, st_name(c.before), st_name(c.after), c.finding.reference});
    }
  };
  add("new_failure", d.new_failures);
  add("resolved", d.resolved);
  add("changed", d.changed);
  if (rows.size() > 1) print_table(rows);
  return kExitOk;
}

int cmd_verify(const StoreRef& ref) {
  auto st = open_store(ref);
  if (!st) return report(st.error());
  auto v = (*st)->verify();
  if (!v) return report(v.error());
  if (v->ok) {
    std::cout << "ok: " << v->rows_checked << " findings verified, chain head " << v->head << "\n";
    return kExitOk;
  }
  std::cout << "TAMPERED: " << v->message;
  if (v->first_bad_id) std::cout << " (first bad findings row: " << *v->first_bad_id << ")";
  std::cout << "\n";
  return kExitRuntime;
}

// ---------------------------------------------------------------------------------------------

int cmd_rules_validate(const RulesArgs& args) {
  auto paths = rule_paths(args);
  if (!paths) return report(paths.error());
  engine::ProbeRegistry probes = engine::builtin_probes();
  auto book = load_book(*paths, args.strict, probes);
  if (!book) return report(book.error());
  size_t rules = (*book)->rules().size();
  std::cout << "ok: " << (*book)->rulesets().size() << " rule sets, " << rules << " rules, "
            << (*book)->lists().size() << " lists\n";
  return kExitOk;
}

int cmd_rules_test(const RulesArgs& args) {
  auto paths = rule_paths(args);
  if (!paths) return report(paths.error());
  engine::ProbeRegistry probes = engine::builtin_probes();
  auto book = load_book(*paths, args.strict, probes);
  if (!book) return report(book.error());
  Diagnostics diags;
  auto rep = ruleset::run_cases(**book, *paths, &diags);
  print_diags(diags);
  if (!rep) return report(rep.error());
  for (const auto& m : rep->mismatches) {
    std::cout << m.file << ":" << m.line << ": case '" << m.case_name << "': rule " << m.rule_id
              << ": expected " << m.expected << ", got " << m.actual;
    if (!m.message.empty()) std::cout << " (" << m.message << ")";
    std::cout << "\n";
  }
  for (const auto& u : rep->uncovered) std::cout << "uncovered: " << u << "\n";
  size_t failed = rep->mismatches.size();
  std::cout << (rep->checks - failed) << " passed, " << failed << " failed\n";
  std::cout << "(" << rep->files << " case files, " << rep->cases << " cases, "
            << rep->uncovered.size() << " rules without both a pass and a fail case)\n";
  return failed == 0 && rep->uncovered.empty() ? kExitOk : kExitFailures;
}

int cmd_rules_list(const RulesArgs& args) {
  if (!valid_format(args.format))
    return report(Error(ErrorCode::kInvalidInput, "--format must be table or json"));
  auto paths = rule_paths(args);
  if (!paths) return report(paths.error());
  engine::ProbeRegistry probes = engine::builtin_probes();
  auto book = load_book(*paths, args.strict, probes);
  if (!book) return report(book.error());
  if (args.format == "json") {
    Json out = Json::array();
    for (const auto& r : (*book)->rules()) {
      out.push_back({{"id", r.id},
                     {"ruleset", r.ruleset},
                     {"title", r.title},
                     {"severity", model::severity_name(r.severity)},
                     {"reference", r.reference},
                     {"effective", r.effective ? Json(format_date(*r.effective)) : Json(nullptr)},
                     {"manual", r.manual}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"RULE", "RULESET", "SEVERITY", "EFFECTIVE", "REFERENCE", "TITLE"});
  for (const auto& r : (*book)->rules()) {
    rows.push_back({r.id, r.ruleset, std::string(model::severity_name(r.severity)),
                    r.effective ? format_date(*r.effective) : "-", r.reference, r.title});
  }
  print_table(rows);
  return kExitOk;
}

int cmd_rules_explain(const RulesArgs& args, const std::string& rule_id) {
  auto paths = rule_paths(args);
  if (!paths) return report(paths.error());
  engine::ProbeRegistry probes = engine::builtin_probes();
  auto book = load_book(*paths, args.strict, probes);
  if (!book) return report(book.error());
  const ruleset::RuleInfo* r = (*book)->find_rule(rule_id);
  if (r == nullptr) {
    std::vector<std::string> ids;
    for (const auto& x : (*book)->rules()) ids.push_back(x.id);
    return report(Error(ErrorCode::kInvalidInput,
                        "no rule '" + rule_id + "'" + did_you_mean_suffix(rule_id, ids)));
  }
  std::cout << r->id << ": " << r->title << "\n";
  std::cout << "  rule set:    " << r->ruleset << "\n";
  std::cout << "  severity:    " << model::severity_name(r->severity) << "\n";
  std::cout << "  reference:   " << r->reference << "\n";
  std::cout << "  source:      " << r->source.title;
  if (r->source.date) std::cout << " (" << format_date(*r->source.date) << ")";
  std::cout << "\n               " << r->source.url << "\n";
  std::cout << "  effective:   " << (r->effective ? format_date(*r->effective) : "-") << "\n";
  if (r->max_age) std::cout << "  max_age:     " << format_duration(*r->max_age) << "\n";
  if (r->manual) std::cout << "  manual:      needs an attestation\n";
  if (!r->when_text.empty()) std::cout << "  when:        " << r->when_text << "\n";
  if (!r->check_text.empty()) std::cout << "  check:       " << r->check_text << "\n";
  if (!r->fact_paths.empty()) {
    std::cout << "  reads:";
    model::FactSchema schema = probes.fact_schema();
    for (const auto& p : r->fact_paths) {
      const model::FactSchemaEntry* e = schema.lookup(p);
      std::cout << "\n    " << p;
      if (e != nullptr)
        std::cout << " (" << model::fact_type_name(e->type) << "): " << e->description;
    }
    std::cout << "\n";
  }
  if (!r->description.empty()) std::cout << "\n" << r->description << "\n";
  if (!r->remediation.empty()) std::cout << "\nremediation: " << r->remediation << "\n";
  std::cout << "\ndefined at " << r->file << ":" << r->line << "\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------

int cmd_config_check(const std::string& file) {
  Diagnostics diags;
  auto cfg = config::load_config(file, &diags);
  print_diags(diags);
  if (!cfg) return report(cfg.error());
  // The rules the config names must load too: the daemon would refuse them.
  engine::ProbeRegistry probes = engine::builtin_probes();
  auto book = load_book((*cfg)->rules, (*cfg)->strict_rules, probes);
  if (!book) return report(book.error());
  std::cout << "ok: " << file << ": " << (*cfg)->targets.size() << " targets, "
            << (*book)->rules().size() << " rules\n";
  return kExitOk;
}

int cmd_config_schema(const std::string& format) {
  if (!valid_format(format))
    return report(Error(ErrorCode::kInvalidInput, "--format must be table or json"));
  const auto& table = config::keyword_table();
  if (format == "json") {
    Json out = Json::array();
    for (const auto& k : table) {
      out.push_back({{"name", k.name},
                     {"type", config::key_type_name(k.type)},
                     {"default", k.default_value},
                     {"required", k.required},
                     {"secret", k.secret},
                     {"kinds", k.kinds},
                     {"description", k.description}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"KEY", "TYPE", "DEFAULT", "DESCRIPTION"});
  for (const auto& k : table) {
    std::string d = k.description;
    if (k.required) d = "(required) " + d;
    if (k.secret) d = "(secret) " + d;
    if (!k.kinds.empty()) d += " [" + k.kinds + "]";
    rows.push_back({k.name, std::string(config::key_type_name(k.type)), k.default_value, d});
  }
  print_table(rows);
  return kExitOk;
}

}  // namespace sov::cli
