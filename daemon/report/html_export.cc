// SPDX-License-Identifier: Apache-2.0
// The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset),
// printable (@media print, one section per page). Two passes over the findings: the first
// gathers the aggregates (counts per rule set, article and rule, waivers, the changes against
// the previous scan), the second streams the evidence appendix. Every string from the store goes
// through html_escape().
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "daemon/report/internal.h"
#include "daemon/report/strings.h"

namespace sov::report::detail {

namespace {

std::string h(std::string_view s) { return html_escape(s); }

constexpr const char* kColors[] = {"#2e7d32", "#c62828", "#6a1b9a", "#9e9e9e",
                                   "#1565c0", "#ef6c00", "#00838f"};  // by model::Status

constexpr const char* kCss = R"(
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:11pt;color:#111;margin:2em;max-width:70em}
h1{font-size:20pt;margin-top:0}h2{font-size:15pt;border-bottom:2px solid #1a3a6b;color:#1a3a6b;margin-top:1.6em}
h3{font-size:12pt;margin-bottom:.3em}table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top;font-size:9.5pt}
th{background:#e8edf5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cover{border:3px solid #1a3a6b;padding:1.5em}.kpi{display:inline-block;border:1px solid #bbb;
padding:.5em 1em;margin:.3em;min-width:9em}.kpi b{display:block;font-size:16pt}
.st{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;font-size:9pt}
pre{white-space:pre-wrap;word-break:break-all;margin:0;font-size:8.5pt}.muted{color:#555}
.legend span{margin-right:1em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
@media print{body{margin:0;max-width:none}section{page-break-before:always}
section.cover-page{page-break-before:avoid}nav{display:none}h2,h3{page-break-after:avoid}
tr{page-break-inside:avoid}a{color:inherit;text-decoration:none}}
@page{size:A4;margin:15mm}
)";

std::string fmt_score(std::optional<double> v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", *v);
  return buf;
}

std::string badge(const Strings& s, model::Status st) {
  return std::string("<span class=\"st\" style=\"background:") + kColors[static_cast<size_t>(st)] +
         "\">" + h(status_label(s, st)) + "</span>";
}

std::string status_cell(const Strings& s, const model::Finding& f) {
  std::string out = badge(s, f.status);
  if (f.raw_status) out += " (" + h(status_label(s, *f.raw_status)) + ")";
  return out;
}

// What the first pass gathers. Bounded by rules, rule sets, waivers and one scan's findings (for
// the changes), not by the number of scans.
struct Aggregates {
  Tally tally;
  std::map<std::string, Tally> by_ruleset;
  // rule set -> article -> rule id -> (title, tally)
  std::map<std::string, std::map<std::string, std::map<std::string, std::pair<std::string, Tally>>>>
      matrix;
  std::map<std::string, std::string> rulesets_seen;
  std::set<std::string> targets;
  struct WaiverUse {
    BasisInfo info;
    std::set<std::string> applies;  // "rule @ target"
  };
  std::map<std::string, WaiverUse> waivers;
  struct Change {
    std::string target, rule;
    std::optional<model::Status> before, after;
  };
  std::vector<Change> new_failures, resolved, changed;
};

using Key = std::pair<std::string, std::string>;  // target, rule

// What the diff needs of a previous finding: its status and whether it was an in-force failure.
struct Before {
  model::Status status = model::Status::kError;
  bool in_force_failure = false;
};

Result<std::map<Key, Before>> previous_findings(const store::Store& store, const Scope& scope,
                                                const ExportOptions& opt) {
  std::map<Key, Before> out;
  if (!scope.previous_scan) return out;
  Scope prev;
  auto info = store.scan(*scope.previous_scan);
  if (!info) return info.error();
  prev.scans.push_back(std::move(*info));
  auto n = each_finding(store, prev, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    out.emplace(Key{sf.finding.target_id, sf.finding.rule_id},
                Before{sf.finding.status, sf.finding.is_in_force_failure()});
    return true;
  });
  if (!n) return n.error();
  return out;
}

// The same matching as engine::diff_findings (engine sits above report in the layers): by
// (target, rule); a new failure is an in-force fail now that was not one before.
void diff(std::map<Key, Before>& before, const store::StoredFinding& sf, Aggregates* a) {
  const model::Finding& f = sf.finding;
  Key key{f.target_id, f.rule_id};
  auto it = before.find(key);
  std::optional<model::Status> was;
  bool failed_before = false;
  if (it != before.end()) {
    was = it->second.status;
    failed_before = it->second.in_force_failure;
    before.erase(it);
  }
  if (f.is_in_force_failure() && !failed_before) {
    a->new_failures.push_back({f.target_id, f.rule_id, was, f.status});
  } else if (!f.is_in_force_failure() && failed_before) {
    a->resolved.push_back({f.target_id, f.rule_id, was, f.status});
  } else if (was && *was != f.status) {
    a->changed.push_back({f.target_id, f.rule_id, was, f.status});
  }
}

Result<Aggregates> gather(const store::Store& store, const Scope& scope, const ExportOptions& opt) {
  Aggregates a;
  auto before = previous_findings(store, scope, opt);
  if (!before) return before.error();
  int64_t latest = scope.scans.back().id;
  auto n = each_finding(store, scope, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    const model::Finding& f = sf.finding;
    a.tally.add(f);
    a.by_ruleset[f.ruleset].add(f);
    auto& cell = a.matrix[f.ruleset][f.reference][f.rule_id];
    cell.first = f.title;
    cell.second.add(f);
    a.rulesets_seen.emplace(f.ruleset, f.ruleset_version);
    a.targets.insert(f.target_id);
    BasisInfo b = basis_info(f.basis);
    if (!b.kind.empty()) {
      auto& use = a.waivers[b.kind + "/" + b.id + "/" + b.reason];
      use.info = b;
      if (use.applies.size() < 50) use.applies.insert(f.rule_id + " @ " + f.target_id);
    }
    if (sf.scan_id == latest) diff(*before, sf, &a);
    return true;
  });
  if (!n) return n.error();
  // What the previous scan judged and the latest no longer does.
  for (const auto& [key, f] : *before) {
    if (f.in_force_failure) {
      a.resolved.push_back({key.first, key.second, f.status, std::nullopt});
    } else {
      a.changed.push_back({key.first, key.second, f.status, std::nullopt});
    }
  }
  return a;
}

// Horizontal stacked bars, one per rule set, one colour per status.
std::string chart_by_ruleset(const Strings& s, const Aggregates& a) {
  const int row = 26, label = 220, width = 460;
  int height = static_cast<int>(a.by_ruleset.size()) * row + 10;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" +
                    std::to_string(label + width + 20) + "\" height=\"" + std::to_string(height) +
                    "\"><title>" + h(s.chart_by_ruleset) + "</title>";
  int y = 5;
  for (const auto& [id, t] : a.by_ruleset) {
    svg +=
        "<text x=\"0\" y=\"" + std::to_string(y + 16) + "\" font-size=\"11\">" + h(id) + "</text>";
    double x = label;
    for (model::Status st : model::kAllStatuses) {
      if (t.count(st) == 0 || t.total == 0) continue;
      double w = width * static_cast<double>(t.count(st)) / static_cast<double>(t.total);
      char rect[256];
      std::snprintf(rect, sizeof rect,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\">", x, y, w,
                    kColors[static_cast<size_t>(st)]);
      svg += rect;
      svg += "<title>" + h(status_label(s, st)) + ": " + std::to_string(t.count(st)) +
             "</title></rect>";
      x += w;
    }
    y += row;
  }
  svg += "</svg><div class=\"legend\">";
  for (model::Status st : model::kAllStatuses) {
    svg += std::string("<span><i style=\"background:") + kColors[static_cast<size_t>(st)] +
           "\"></i>" + h(status_label(s, st)) + "</span>";
  }
  return svg + "</div>";
}

// summary.findings.<status> of a scan, 0 when absent or not a count (summaries written by older
// versions, or by hand).
int64_t summary_count(const Json& summary, const char* status) {
  if (!summary.is_object()) return 0;
  auto f = summary.find("findings");
  if (f == summary.end() || !f->is_object()) return 0;
  auto n = f->find(status);
  return n != f->end() && n->is_number_integer() ? n->get<int64_t>() : 0;
}

// Share of pass in pass + fail for the last 30 scans up to the latest in scope, from the
// summaries the scans recorded (no finding is re-read; the summaries do not split failures by
// force or waiver, so this is close to, not equal to, the score).
std::string chart_trend(const Strings& s, const std::vector<store::ScanInfo>& scans_desc,
                        int64_t latest) {
  std::vector<std::pair<int64_t, double>> points;
  for (const auto& scan : scans_desc) {
    if (scan.id > latest || points.size() >= 30) continue;
    int64_t pass = summary_count(scan.summary, "pass");
    int64_t fail = summary_count(scan.summary, "fail");
    if (pass + fail == 0) continue;
    points.emplace_back(scan.id,
                        100.0 * static_cast<double>(pass) / static_cast<double>(pass + fail));
  }
  if (points.size() < 2) return "<p class=\"muted\">" + h(s.chart_trend_empty) + "</p>";
  std::reverse(points.begin(), points.end());
  const double w = 640, hgt = 180, left = 40, bottom = 20;
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"680\" "
      "height=\"200\"><title>" +
      h(s.chart_trend) + "</title>";
  svg +=
      "<line x1=\"40\" y1=\"0\" x2=\"40\" y2=\"160\" stroke=\"#888\"/><line x1=\"40\" "
      "y1=\"160\" x2=\"680\" y2=\"160\" stroke=\"#888\"/><text x=\"0\" y=\"10\" "
      "font-size=\"10\">100%</text><text x=\"0\" y=\"160\" font-size=\"10\">0%</text>";
  std::string line;
  for (size_t i = 0; i < points.size(); ++i) {
    double x = left + (w - left) * static_cast<double>(i) / static_cast<double>(points.size() - 1);
    double y = (hgt - bottom) * (1.0 - points[i].second / 100.0);
    char pt[200];
    std::snprintf(pt, sizeof pt, "%.1f,%.1f ", x, y);
    line += pt;
    std::snprintf(pt, sizeof pt,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1a3a6b\"><title>#%lld: %.1f "
                  "%%</title></circle><text x=\"%.1f\" y=\"175\" font-size=\"9\">%lld</text>",
                  x, y, static_cast<long long>(points[i].first), points[i].second, x - 4,
                  static_cast<long long>(points[i].first));
    svg += pt;
  }
  return svg + "<polyline fill=\"none\" stroke=\"#1a3a6b\" stroke-width=\"2\" points=\"" + line +
         "\"/></svg>";
}

void write_cover(std::ostream& out, const Strings& s, const Scope& scope, const ExportOptions& opt,
                 const std::vector<RulesetInfo>& sets, const std::string& head) {
  std::string scans;
  for (const auto& sc : scope.scans) scans += (scans.empty() ? "#" : ", #") + std::to_string(sc.id);
  const auto& last = scope.scans.back();
  std::string period = format_rfc3339(scope.scans.front().meta.started) + " \u2192 " +
                       (last.finished ? format_rfc3339(*last.finished) : std::string(s.unknown));
  out << "<section class=\"cover-page\" id=\"cover\"><div class=\"cover\"><h1>" << h(s.title)
      << "</h1><table>";
  auto row = [&](const char* k, const std::string& v) {
    out << "<tr><th>" << h(k) << "</th><td>" << h(v) << "</td></tr>";
  };
  row(s.scans, scans);
  row(s.filter_ruleset, opt.ruleset.value_or(s.all));
  row(s.filter_target, opt.target.value_or(s.all));
  row(s.period, period);
  row(s.node, scope.node);
  row(s.generated_at, format_rfc3339(opt.generated_at));
  row(s.generated_by, opt.generated_by);
  row(s.sovereignd_version, opt.version);
  row(s.chain_head, head);
  row(s.signature, opt.signature);
  out << "</table><h3>" << h(s.rulesets) << "</h3><table><tr><th>" << h(s.rulesets) << "</th><th>"
      << h(s.version) << "</th><th>SHA-256</th></tr>";
  for (const auto& r : sets) {
    out << "<tr><td>" << h(r.id)
        << (r.title.empty() ? "" : "<br><span class=\"muted\">" + h(r.title) + "</span>")
        << "</td><td>" << h(r.version) << "</td><td><code>"
        << h(r.sha256.empty() ? std::string(s.unknown) : r.sha256) << "</code></td></tr>";
  }
  out << "</table></div><nav><h3>" << h(s.contents) << "</h3><ol>";
  for (auto [id, title] : {std::pair{"summary", s.summary},
                           {"matrix", s.matrix},
                           {"chain", s.chain},
                           {"waivers", s.waivers},
                           {"changes", s.changes},
                           {"evidence", s.evidence}}) {
    out << "<li><a href=\"#" << id << "\">" << h(title) << "</a></li>";
  }
  out << "</ol></nav></section>\n";
}

void write_summary(std::ostream& out, const Strings& s, const Aggregates& a,
                   const std::vector<store::ScanInfo>& scans_desc, int64_t latest) {
  auto kpi = [&](const char* k, const std::string& v) {
    out << "<div class=\"kpi\">" << h(k) << "<b>" << h(v) << "</b></div>";
  };
  out << "<section id=\"summary\"><h2>" << h(s.summary) << "</h2>";
  kpi(s.findings, std::to_string(a.tally.total));
  kpi(s.targets, std::to_string(a.targets.size()));
  kpi(s.in_force_failures, std::to_string(a.tally.evaluated_after - a.tally.passed_after));
  kpi(s.score_before, fmt_score(a.tally.score_before()));
  kpi(s.score_after, fmt_score(a.tally.score_after()));
  out << "<p class=\"muted\">" << h(s.score_note) << "</p><table><tr>";
  for (model::Status st : model::kAllStatuses) out << "<th>" << badge(s, st) << "</th>";
  out << "</tr><tr>";
  for (model::Status st : model::kAllStatuses)
    out << "<td class=\"n\">" << a.tally.count(st) << "</td>";
  out << "</tr></table><h3>" << h(s.chart_by_ruleset) << "</h3>" << chart_by_ruleset(s, a) << "<h3>"
      << h(s.chart_trend) << "</h3>" << chart_trend(s, scans_desc, latest) << "</section>\n";
}

void write_matrix(std::ostream& out, const Strings& s, const Aggregates& a) {
  out << "<section id=\"matrix\"><h2>" << h(s.matrix) << "</h2>";
  for (const auto& [set, articles] : a.matrix) {
    const Tally& t = a.by_ruleset.at(set);
    out << "<h3>" << h(set) << "</h3><p>" << h(s.score_before) << ": "
        << h(fmt_score(t.score_before())) << " \u2014 " << h(s.score_after) << ": "
        << h(fmt_score(t.score_after())) << "</p><table><tr><th>" << h(s.article) << "</th><th>"
        << h(s.rule) << "</th><th>" << h(s.rule_title) << "</th>";
    for (model::Status st : model::kAllStatuses) out << "<th>" << h(status_label(s, st)) << "</th>";
    out << "</tr>";
    for (const auto& [article, rules] : articles) {
      bool first = true;
      for (const auto& [rule, cell] : rules) {
        out << "<tr>";
        if (first) out << "<td rowspan=\"" << rules.size() << "\">" << h(article) << "</td>";
        first = false;
        out << "<td><code>" << h(rule) << "</code></td><td>" << h(cell.first) << "</td>";
        for (model::Status st : model::kAllStatuses) {
          int64_t c = cell.second.count(st);
          out << "<td class=\"n\""
              << (c > 0 && st == model::Status::kFail ? " style=\"color:#c62828;font-weight:bold\""
                                                      : "")
              << ">" << (c > 0 ? std::to_string(c) : "") << "</td>";
        }
        out << "</tr>";
      }
    }
    out << "</table>";
  }
  out << "</section>\n";
}

std::string fact_text(const Strings& s, const model::Facts& facts,
                      std::initializer_list<const char*> paths) {
  std::string out;
  for (const char* p : paths) {
    auto fp = model::FactPath::parse(p);
    const Json* v = fp ? facts.find(*fp) : nullptr;
    if (v == nullptr || v->is_null()) continue;
    if (!out.empty()) out += ", ";
    out += v->is_string() ? v->get<std::string>() : dump(*v);
  }
  return out.empty() ? s.unknown : out;
}

Result<bool> write_chain(std::ostream& out, const Strings& s, const store::Store& store,
                         const Scope& scope, const Aggregates& a) {
  int64_t latest = scope.scans.back().id;
  out << "<section id=\"chain\"><h2>" << h(s.chain) << "</h2><table><tr><th>" << h(s.target)
      << "</th><th>" << h(s.provider) << "</th><th>" << h(s.seat) << "</th><th>" << h(s.parent)
      << "</th><th>" << h(s.location) << "</th></tr>";
  for (const auto& t : a.targets) {
    out << "<tr><td>" << h(t) << "</td>";
    auto rec = store.target_record(latest, t);
    if (!rec) {
      if (rec.error().code() != ErrorCode::kNotFound) return rec.error();
      out << "<td colspan=\"4\" class=\"muted\">" << h(s.no_facts) << "</td></tr>";
      continue;
    }
    const model::Facts& f = rec->facts;
    out << "<td>" << h(fact_text(s, f, {"provider.id", "provider.legal_entity"})) << "</td><td>"
        << h(fact_text(s, f, {"provider.seat_country"})) << "</td><td>"
        << h(fact_text(s, f, {"provider.ultimate_parent.name", "provider.ultimate_parent.country"}))
        << "</td><td>" << h(fact_text(s, f, {"location.country", "location.region"}))
        << "</td></tr>";
  }
  out << "</table></section>\n";
  return true;
}

void write_waivers(std::ostream& out, const Strings& s, const Aggregates& a) {
  out << "<section id=\"waivers\"><h2>" << h(s.waivers) << "</h2>";
  if (a.waivers.empty()) {
    out << "<p>" << h(s.no_waivers) << "</p></section>\n";
    return;
  }
  out << "<table><tr><th>" << h(s.waiver) << "</th><th>" << h(s.kind) << "</th><th>" << h(s.reason)
      << "</th><th>" << h(s.approved_by) << "</th><th>" << h(s.expires) << "</th><th>"
      << h(s.applies_to) << "</th></tr>";
  for (const auto& [key, use] : a.waivers) {
    std::string applies;
    for (const auto& x : use.applies) applies += (applies.empty() ? "" : "\n") + x;
    const BasisInfo& b = use.info;
    out << "<tr><td>" << h(b.id) << (b.ticket.empty() ? "" : "<br>" + h(b.ticket)) << "</td><td>"
        << h(b.kind) << (b.category.empty() ? "" : " / " + h(b.category)) << "</td><td>"
        << h(b.reason) << "</td><td>" << h(b.by) << "</td><td>" << h(b.expires) << "</td><td><pre>"
        << h(applies) << "</pre></td></tr>";
  }
  out << "</table></section>\n";
}

void write_changes(std::ostream& out, const Strings& s, const Scope& scope, const Aggregates& a) {
  out << "<section id=\"changes\"><h2>" << h(s.changes) << "</h2>";
  if (!scope.previous_scan) {
    out << "<p>" << h(s.no_previous) << "</p></section>\n";
    return;
  }
  out << "<p>" << h(s.changes_from) << " #" << *scope.previous_scan << "</p>";
  auto name = [&](const std::optional<model::Status>& st) {
    return st ? badge(s, *st) : h(s.none);
  };
  for (auto [title, list] : {std::pair{s.new_failures, &a.new_failures},
                             {s.resolved, &a.resolved},
                             {s.changed, &a.changed}}) {
    out << "<h3>" << h(title) << " (" << list->size() << ")</h3>";
    if (list->empty()) continue;
    out << "<table><tr><th>" << h(s.target) << "</th><th>" << h(s.rule) << "</th><th>"
        << h(s.before) << "</th><th>" << h(s.after) << "</th></tr>";
    for (const auto& c : *list) {
      out << "<tr><td>" << h(c.target) << "</td><td><code>" << h(c.rule) << "</code></td><td>"
          << name(c.before) << "</td><td>" << name(c.after) << "</td></tr>";
    }
    out << "</table>";
  }
  out << "</section>\n";
}

std::string source_text(const std::optional<model::Source>& src) {
  if (!src) return "";
  std::string out(model::source_kind_name(src->kind));
  if (!src->where.empty()) out += ": " + src->where;
  if (src->when) out += " (" + format_rfc3339(*src->when) + ")";
  return out;
}

Result<int64_t> write_evidence(std::ostream& out, const Strings& s, const store::Store& store,
                               const Scope& scope, const ExportOptions& opt) {
  out << "<section id=\"evidence\"><h2>" << h(s.evidence) << "</h2><p class=\"muted\">"
      << h(s.evidence_note) << "</p>";
  auto n = each_finding(store, scope, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    const model::Finding& f = sf.finding;
    if (f.status == model::Status::kPass || f.status == model::Status::kNotApplicable) return true;
    out << "<h3><code>" << h(f.rule_id) << "</code> \u2014 " << h(f.target_id) << " \u2014 "
        << status_cell(s, f) << "</h3><table><tr><th>" << h(s.rule_title) << "</th><td>"
        << h(f.title) << "<br><span class=\"muted\">" << h(f.reference) << " \u2014 #" << sf.scan_id
        << " \u2014 " << h(format_rfc3339(f.evaluated_at)) << "</span></td></tr><tr><th>"
        << h(s.severity) << "</th><td>" << h(model::severity_name(f.severity))
        << "</td></tr><tr><th>" << h(s.message) << "</th><td><pre>" << h(f.message)
        << "</pre></td></tr>";
    for (const auto& e : f.evidence) {
      out << "<tr><th><code>" << h(e.path) << "</code></th><td><pre>"
          << h(e.missing ? std::string(s.unknown) : dump(e.value, 1))
          << "</pre><span class=\"muted\">" << h(source_text(e.source)) << "</span></td></tr>";
    }
    if (!f.remediation.empty()) {
      out << "<tr><th>" << h(s.remediation) << "</th><td><pre>" << h(f.remediation)
          << "</pre></td></tr>";
    }
    out << "</table>\n";
    return check_stream(out);
  });
  out << "</section>\n";
  return n;
}

}  // namespace

Result<ExportStats> write_html(const store::Store& store, const Scope& scope,
                               const ExportOptions& opt, std::ostream& out) {
  const Strings& s = strings_for(opt.lang);
  auto a = gather(store, scope, opt);
  if (!a) return a.error();
  auto head = store.chain_head();
  if (!head) return head.error();
  auto scans_desc = store.scans(0);
  if (!scans_desc) return scans_desc.error();
  auto sets = merge_rulesets(opt, a->rulesets_seen);
  out << "<!DOCTYPE html>\n<html lang=\"" << s.lang << "\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"generator\" content=\"sovereignd " << h(opt.version) << "\"><title>"
      << h(s.title) << " \u2014 " << h(scope.node) << "</title><style>" << kCss
      << "</style></head><body>\n";
  write_cover(out, s, scope, opt, sets, *head);
  write_summary(out, s, *a, *scans_desc, scope.scans.back().id);
  write_matrix(out, s, *a);
  auto chain = write_chain(out, s, store, scope, *a);
  if (!chain) return chain.error();
  write_waivers(out, s, *a);
  write_changes(out, s, scope, *a);
  auto n = write_evidence(out, s, store, scope, opt);
  if (!n) return n.error();
  out << "</body></html>\n";
  ExportStats stats;
  stats.findings = *n;
  return stats;
}

}  // namespace sov::report::detail
