// SPDX-License-Identifier: Apache-2.0
// What every format shares: the scope, the walk over findings, counters, the waiver basis.
#include <algorithm>
#include <cmath>

#include "daemon/report/internal.h"

namespace sov::report {

std::optional<Format> parse_format(std::string_view name) {
  for (Format f : {Format::kHtml, Format::kJson, Format::kCsv, Format::kOscal, Format::kOcsf}) {
    if (format_name(f) == name) return f;
  }
  return std::nullopt;
}

std::string_view format_name(Format f) {
  switch (f) {
    case Format::kHtml:
      return "html";
    case Format::kJson:
      return "json";
    case Format::kCsv:
      return "csv";
    case Format::kOscal:
      return "oscal";
    case Format::kOcsf:
      return "ocsf";
  }
  return "json";
}

namespace detail {

namespace {

// The previous scan that finished or was interrupted: what "changes since" compares against.
std::optional<int64_t> previous_of(const std::vector<store::ScanInfo>& all_desc, int64_t first) {
  for (const auto& s : all_desc) {
    if (s.id < first && s.state != store::ScanState::kRunning) return s.id;
  }
  return std::nullopt;
}

Result<int64_t> latest_scan_with_findings(const store::Store& store) {
  int64_t id = 0;
  store::FindingQuery q;
  q.limit = 1;
  auto n = store.for_each_finding(q, [&](store::StoredFinding&& sf) -> Result<bool> {
    id = sf.scan_id;
    return false;
  });
  if (!n) return n.error();
  if (*n == 0) {
    return fail(ErrorCode::kNotFound,
                store.path() + ": no findings recorded yet (run `sovereignctl scan` first)");
  }
  return id;
}

}  // namespace

Result<Scope> resolve_scope(const store::Store& store, const ExportOptions& opt) {
  auto all = store.scans(0);
  if (!all) return all.error();
  Scope scope;
  if (opt.since) {
    for (auto it = all->rbegin(); it != all->rend(); ++it) {
      if (it->meta.started >= *opt.since) scope.scans.push_back(*it);
    }
    if (scope.scans.empty()) {
      return fail(ErrorCode::kNotFound,
                  store.path() + ": no scan started since " + format_rfc3339(*opt.since));
    }
  } else {
    int64_t id = 0;
    if (opt.scan_id) {
      id = *opt.scan_id;
    } else {
      auto latest = latest_scan_with_findings(store);
      if (!latest) return latest.error();
      id = *latest;
    }
    auto info = store.scan(id);
    if (!info) return info.error();
    scope.scans.push_back(std::move(*info));
  }
  scope.previous_scan = previous_of(*all, scope.scans.front().id);
  scope.node = scope.scans.back().meta.node;
  return scope;
}

Result<int64_t> each_finding(
    const store::Store& store, const Scope& scope, const ExportOptions& opt,
    const std::function<Result<bool>(const store::StoredFinding&)>& visit) {
  int64_t total = 0;
  for (const auto& scan : scope.scans) {
    store::FindingQuery q;
    q.scan_id = scan.id;
    q.target_id = opt.target;
    auto n = store.for_each_finding(q, [&](store::StoredFinding&& sf) -> Result<bool> {
      if (opt.ruleset && sf.finding.ruleset != *opt.ruleset) return true;
      ++total;
      return visit(sf);
    });
    if (!n) return n.error();
  }
  return total;
}

void Tally::add(const model::Finding& f) {
  ++by_status[static_cast<size_t>(f.status)];
  ++total;
  if (!f.in_force) return;
  model::Status raw = f.raw_status.value_or(f.status);
  if (raw == model::Status::kPass || raw == model::Status::kFail) {
    ++evaluated_before;
    if (raw == model::Status::kPass) ++passed_before;
  }
  if (f.status == model::Status::kPass || f.status == model::Status::kFail ||
      (f.status == model::Status::kWaived && raw == model::Status::kFail)) {
    ++evaluated_after;
    if (f.status != model::Status::kFail) ++passed_after;
  }
}

std::optional<double> Tally::score_before() const {
  if (evaluated_before == 0) return std::nullopt;
  return 100.0 * static_cast<double>(passed_before) / static_cast<double>(evaluated_before);
}

std::optional<double> Tally::score_after() const {
  if (evaluated_after == 0) return std::nullopt;
  return 100.0 * static_cast<double>(passed_after) / static_cast<double>(evaluated_after);
}

Json Tally::to_json() const {
  Json counts = Json::object();
  for (model::Status s : model::kAllStatuses) counts[std::string(model::status_name(s))] = count(s);
  auto score = [](std::optional<double> v) {
    return v ? Json(std::round(*v * 100.0) / 100.0) : Json(nullptr);
  };
  return {{"findings", total},
          {"by_status", counts},
          {"score_before_waivers", score(score_before())},
          {"score_after_waivers", score(score_after())}};
}

BasisInfo basis_info(const Json& basis) {
  BasisInfo b;
  if (!basis.is_object()) return b;
  auto text = [&](std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
      auto it = basis.find(k);
      if (it == basis.end() || it->is_null()) continue;
      return it->is_string() ? it->get<std::string>() : dump(*it);
    }
    return std::string();
  };
  b.kind = text({"kind"});
  b.id = text({"id", "waiver_id"});
  b.reason = text({"reason", "statement"});
  b.by = text({"approved_by", "by"});
  b.category = text({"category"});
  b.ticket = text({"ticket"});
  b.expires = text({"expires"});
  b.created = text({"created", "date"});
  return b;
}

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::vector<RulesetInfo> merge_rulesets(const ExportOptions& opt,
                                        const std::map<std::string, std::string>& seen) {
  std::vector<RulesetInfo> out;
  for (const auto& [id, version] : seen) {
    RulesetInfo info{id, "", version, ""};
    for (const auto& known : opt.rulesets) {
      if (known.id == id && known.version == version) info = known;
    }
    out.push_back(std::move(info));
  }
  return out;
}

Json rulesets_json(const std::vector<RulesetInfo>& sets) {
  Json out = Json::array();
  for (const auto& r : sets) {
    out.push_back({{"id", r.id},
                   {"title", r.title},
                   {"version", r.version},
                   {"sha256", r.sha256.empty() ? Json(nullptr) : Json(r.sha256)}});
  }
  return out;
}

Result<bool> check_stream(std::ostream& out) {
  if (!out.good()) return fail(ErrorCode::kIo, "cannot write the export (disk full?)");
  return true;
}

std::string oscal_token(std::string_view id) {
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() ||
      !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z') || out[0] == '_')) {
    out.insert(out.begin(), '_');
  }
  return out;
}

}  // namespace detail

Result<ExportStats> write_export(const store::Store& store, const ExportOptions& opt,
                                 std::ostream& out) {
  if (opt.format == Format::kCsv && !valid_delimiter(opt.delimiter)) {
    return fail(ErrorCode::kInvalidInput, std::string("--delimiter '") + opt.delimiter +
                                              "' cannot separate CSV cells (use ; , | or tab)");
  }
  if (opt.lang != "en" && opt.lang != "fr") {
    return fail(ErrorCode::kInvalidInput, "--lang must be en or fr, not '" + opt.lang + "'");
  }
  auto scope = detail::resolve_scope(store, opt);
  if (!scope) return scope.error();
  Result<ExportStats> stats = ExportStats{};
  switch (opt.format) {
    case Format::kJson:
      stats = detail::write_json(store, *scope, opt, out);
      break;
    case Format::kCsv:
      stats = detail::write_csv(store, *scope, opt, out);
      break;
    case Format::kOcsf:
      stats = detail::write_ocsf(store, *scope, opt, out);
      break;
    case Format::kOscal:
      stats = detail::write_oscal(store, *scope, opt, out);
      break;
    case Format::kHtml:
      stats = detail::write_html(store, *scope, opt, out);
      break;
  }
  if (!stats) return stats;
  out.flush();
  auto ok = detail::check_stream(out);
  if (!ok) return ok.error();
  for (const auto& s : scope->scans) stats->scans.push_back(s.id);
  return stats;
}

}  // namespace sov::report
