// SPDX-License-Identifier: Apache-2.0
// OSCAL 1.2.1 assessment-results and the catalog of our rule sets (FORMATS.md §5.4). One result
// per scan; one observation per rule x target; findings only for not-satisfied (fail, and waived
// fail with a risk whose status is deviation-approved and deadline the waiver's expiry). Every
// uuid is a UUIDv5 of a stable name. sovereignd-specific data are props in our namespace, never
// schema extensions.
//
// The result is streamed: each array is opened when its first element comes, since OSCAL arrays
// may not be empty.
#include <set>

#include "daemon/report/internal.h"

namespace sov::report::detail {

namespace {

constexpr const char* kNs = "https://sovereignd.eu/ns/oscal";

// OSCAL strings may not be empty nor start or end with whitespace; single lines have no newline.
std::string oscal_line(std::string_view text, std::string_view fallback = "-") {
  std::string out;
  for (char c : clean_utf8(text)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return std::string(fallback);
  size_t e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

Json prop(const char* name, std::string_view value) {
  return {{"name", name}, {"ns", kNs}, {"value", oscal_line(value)}};
}

std::string tool_uuid() { return uuid_v5("component/sovereignd"); }
std::string inventory_uuid(std::string_view target) {
  return uuid_v5("inventory/" + std::string(target));
}
std::string observation_uuid(const store::StoredFinding& sf) {
  return uuid_v5("observation/" +
                 finding_uid(sf.scan_id, sf.finding.target_id, sf.finding.rule_id));
}
std::string risk_uuid(const store::StoredFinding& sf) {
  return uuid_v5("risk/" + finding_uid(sf.scan_id, sf.finding.target_id, sf.finding.rule_id));
}
std::string objective_id(std::string_view rule_id) { return oscal_token(rule_id) + "_obj"; }

// TEST for what a probe observed, EXAMINE for declared or derived facts, INTERVIEW for a human
// attestation.
const char* method_of(const model::Finding& f) {
  if (basis_info(f.basis).kind == "attestation") return "INTERVIEW";
  for (const auto& e : f.evidence) {
    if (!e.source) continue;
    if (e.source->kind == model::SourceKind::kAttested) return "INTERVIEW";
    if (e.source->kind == model::SourceKind::kObserved) return "TEST";
  }
  return f.evidence.empty() ? "TEST" : "EXAMINE";
}

Json observation(const store::StoredFinding& sf) {
  const model::Finding& f = sf.finding;
  Json props = Json::array({prop("rule-id", f.rule_id), prop("ruleset", f.ruleset),
                            prop("status", model::status_name(f.status)),
                            prop("severity", model::severity_name(f.severity)),
                            prop("in-force", f.in_force ? "true" : "false"),
                            prop("finding-uid", finding_uid(sf.scan_id, f.target_id, f.rule_id)),
                            prop("chain-hash", sf.hash)});
  if (f.raw_status) props.push_back(prop("raw-status", model::status_name(*f.raw_status)));
  if (!f.reference.empty()) props.push_back(prop("reference", f.reference));
  Json j = {
      {"uuid", observation_uuid(sf)},
      {"title", oscal_line(f.rule_id + " on " + f.target_id)},
      {"description", oscal_line(f.message, f.title)},
      {"props", std::move(props)},
      {"methods", Json::array({method_of(f)})},
      {"origins",
       Json::array({{{"actors", Json::array({{{"type", "tool"}, {"actor-uuid", tool_uuid()}}})}}})},
      {"subjects",
       Json::array({{{"subject-uuid", inventory_uuid(f.target_id)}, {"type", "inventory-item"}}})},
      {"collected", format_rfc3339(f.evaluated_at)}};
  Json evidence = Json::array();
  for (const auto& e : f.evidence) {
    std::string text = e.path + " = " + (e.missing ? std::string("missing") : dump(e.value));
    Json item = {{"description", oscal_line(text)},
                 {"props", Json::array({prop("fact-path", e.path)})}};
    if (e.source) {
      item["props"].push_back(prop("source", model::source_kind_name(e.source->kind)));
      if (!e.source->where.empty()) item["props"].push_back(prop("source-where", e.source->where));
    }
    evidence.push_back(std::move(item));
  }
  if (!evidence.empty()) j["relevant-evidence"] = std::move(evidence);
  return j;
}

Json risk(const store::StoredFinding& sf) {
  const model::Finding& f = sf.finding;
  BasisInfo b = basis_info(f.basis);
  Json j = {{"uuid", risk_uuid(sf)},
            {"title", oscal_line("Accepted deviation: " + f.rule_id + " on " + f.target_id)},
            {"description", oscal_line(f.message, f.title)},
            {"statement", oscal_line(b.reason, "waived")},
            {"status", "deviation-approved"},
            {"related-observations", Json::array({{{"observation-uuid", observation_uuid(sf)}}})}};
  Json props = Json::array();
  if (!b.id.empty()) props.push_back(prop("waiver-id", b.id));
  if (!b.by.empty()) props.push_back(prop("approved-by", b.by));
  if (!b.ticket.empty()) props.push_back(prop("ticket", b.ticket));
  if (!props.empty()) j["props"] = std::move(props);
  if (auto deadline = parse_time(b.expires)) j["deadline"] = format_rfc3339(*deadline);
  return j;
}

Json finding(const store::StoredFinding& sf) {
  const model::Finding& f = sf.finding;
  Json j = {{"uuid", uuid_v5("finding-oscal/" + finding_uid(sf.scan_id, f.target_id, f.rule_id))},
            {"title", oscal_line(f.title, f.rule_id)},
            {"description", oscal_line(f.message, f.title)},
            {"target",
             {{"type", "objective-id"},
              {"target-id", objective_id(f.rule_id)},
              {"status", {{"state", "not-satisfied"}, {"reason", "fail"}}}}},
            {"related-observations", Json::array({{{"observation-uuid", observation_uuid(sf)}}})}};
  if (f.status == model::Status::kWaived) {
    j["related-risks"] = Json::array({{{"risk-uuid", risk_uuid(sf)}}});
  }
  return j;
}

// Writes `"key":[` before the first element, `,` before the others; close() ends the array if
// it was opened.
class LazyArray {
 public:
  LazyArray(std::ostream& out, const char* key) : out_(out), key_(key) {}
  void add(const Json& j) {
    out_ << (opened_ ? ",\n" : ",\n\"" + std::string(key_) + "\":[\n") << dump(j);
    opened_ = true;
  }
  void close() {
    if (opened_) out_ << "]";
  }

 private:
  std::ostream& out_;
  const char* key_;
  bool opened_ = false;
};

// Writes one scan's result; returns how many findings it covers.
Result<int64_t> write_result(const store::Store& store, const store::ScanInfo& scan,
                             const ExportOptions& opt, std::ostream& out) {
  Scope one;
  one.scans.push_back(scan);
  std::set<std::string> targets;
  auto n = each_finding(store, one, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    targets.insert(sf.finding.target_id);
    return true;
  });
  if (!n) return n.error();
  Json local = {{"components", Json::array({{{"uuid", tool_uuid()},
                                             {"type", "software"},
                                             {"title", "sovereignd"},
                                             {"description", "sovereignd " + opt.version},
                                             {"status", {{"state", "operational"}}}}})}};
  Json items = Json::array();
  for (const auto& t : targets) {
    items.push_back({{"uuid", inventory_uuid(t)},
                     {"description", oscal_line(t)},
                     {"props", Json::array({prop("target-id", t)})}});
  }
  if (!items.empty()) local["inventory-items"] = std::move(items);
  Json head = {
      {"uuid", uuid_v5("result/" + std::to_string(scan.id))},
      {"title", "sovereignd scan " + std::to_string(scan.id)},
      {"description", oscal_line("Scan " + std::to_string(scan.id) + " on node " + scan.meta.node)},
      {"start", format_rfc3339(scan.meta.started)},
      {"local-definitions", std::move(local)},
      {"reviewed-controls",
       {{"control-selections", Json::array({{{"include-all", Json::object()}}})}}}};
  if (scan.finished) head["end"] = format_rfc3339(*scan.finished);
  std::string text = dump(head);
  out << text.substr(0, text.size() - 1);  // the object stays open for the arrays

  LazyArray observations(out, "observations");
  auto walk = [&](std::optional<model::Status> only, auto&& emit) -> Result<bool> {
    auto r = each_finding(store, one, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
      if (only && sf.finding.status != *only) return true;
      emit(sf);
      return check_stream(out);
    });
    if (!r) return r.error();
    return true;
  };
  auto ok = walk(std::nullopt,
                 [&](const store::StoredFinding& sf) { observations.add(observation(sf)); });
  if (!ok) return ok.error();
  observations.close();
  LazyArray risks(out, "risks");
  ok = walk(model::Status::kWaived, [&](const store::StoredFinding& sf) { risks.add(risk(sf)); });
  if (!ok) return ok.error();
  risks.close();
  LazyArray findings(out, "findings");
  auto add_finding = [&](const store::StoredFinding& sf) {
    const model::Finding& f = sf.finding;
    if (f.status == model::Status::kFail ||
        (f.status == model::Status::kWaived && f.raw_status == model::Status::kFail)) {
      findings.add(finding(sf));
    }
  };
  ok = walk(std::nullopt, add_finding);
  if (!ok) return ok.error();
  findings.close();
  out << "}";
  return *n;
}

std::string scope_name(const Scope& scope, const ExportOptions& opt) {
  std::string name = "assessment-results";
  for (const auto& s : scope.scans) name += "/" + std::to_string(s.id);
  if (opt.ruleset) name += "|ruleset=" + *opt.ruleset;
  if (opt.target) name += "|target=" + *opt.target;
  return name;
}

}  // namespace

Result<ExportStats> write_oscal(const store::Store& store, const Scope& scope,
                                const ExportOptions& opt, std::ostream& out) {
  std::string catalog = opt.catalog_href.empty() ? "catalog.json" : opt.catalog_href;
  Json metadata = {
      {"title", "sovereignd assessment results"},
      {"last-modified", format_rfc3339(opt.generated_at)},
      {"version", oscal_line(opt.version)},
      {"oscal-version", kOscalVersion},
      {"props", Json::array({prop("node", scope.node), prop("generated-by", opt.generated_by)})}};
  out << "{\"assessment-results\":{\"uuid\":" << dump(Json(uuid_v5(scope_name(scope, opt))))
      << ",\n\"metadata\":" << dump(metadata) << ",\n\"import-ap\":"
      << dump(Json{{"href", catalog},
                   {"remarks",
                    "sovereignd publishes no assessment plan; the objectives the "
                    "findings target are those of this catalog of its rule sets."}})
      << ",\n\"results\":[\n";
  int64_t total = 0;
  for (size_t i = 0; i < scope.scans.size(); ++i) {
    if (i > 0) out << ",\n";
    auto n = write_result(store, scope.scans[i], opt, out);
    if (!n) return n.error();
    total += *n;
  }
  Json back = {{"resources", Json::array({{{"uuid", uuid_v5("resource/catalog")},
                                           {"title", "sovereignd rule-set catalog"},
                                           {"rlinks", Json::array({{{"href", catalog}}})}}})}};
  out << "],\n\"back-matter\":" << dump(back) << "}}\n";
  ExportStats stats;
  stats.findings = total;
  return stats;
}

}  // namespace sov::report::detail

namespace sov::report {

Result<int64_t> write_oscal_catalog(const store::Store& store, const ExportOptions& opt,
                                    std::ostream& out) {
  using detail::Json;
  using detail::oscal_token;
  auto scope = detail::resolve_scope(store, opt);
  if (!scope) return scope.error();
  // rule set -> reference (article) -> rule id -> rule; std::map keeps the output stable.
  std::map<std::string, std::map<std::string, std::map<std::string, RuleInfo>>> tree;
  std::map<std::string, std::string> seen;
  auto n =
      detail::each_finding(store, *scope, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
        const model::Finding& f = sf.finding;
        seen.emplace(f.ruleset, f.ruleset_version);
        RuleInfo r{f.rule_id,
                   f.ruleset,
                   f.title,
                   "",
                   f.reference,
                   f.source_url,
                   std::string(model::severity_name(f.severity))};
        for (const auto& known : opt.rules) {
          if (known.id == f.rule_id) r.description = known.description;
        }
        tree[f.ruleset][f.reference].emplace(f.rule_id, std::move(r));
        return true;
      });
  if (!n) return n.error();
  auto sets = detail::merge_rulesets(opt, seen);
  std::string name = "catalog";
  std::string versions;
  for (const auto& s : sets) {
    name += "/" + s.id + "@" + s.version;
    versions += (versions.empty() ? "" : " ") + s.id + "@" + s.version;
  }
  Json groups = Json::array();
  int64_t controls = 0;
  for (const auto& [set_id, articles] : tree) {
    Json group = {
        {"id", oscal_token(set_id)}, {"class", "ruleset"}, {"title", detail::oscal_line(set_id)}};
    for (const auto& s : sets) {
      if (s.id == set_id && !s.sha256.empty()) {
        group["props"] = Json::array({detail::prop("sha256", s.sha256)});
      }
    }
    Json subgroups = Json::array();
    size_t index = 0;
    for (const auto& [reference, rules] : articles) {
      Json sub = {{"id", oscal_token(set_id) + "_art" + std::to_string(++index)},
                  {"class", "article"},
                  {"title", detail::oscal_line(reference, "(no reference)")}};
      Json cs = Json::array();
      for (const auto& [rule_id, r] : rules) {
        ++controls;
        std::string prose = r.description.empty() ? r.title : r.description;
        Json c = {{"id", oscal_token(rule_id)},
                  {"class", "rule"},
                  {"title", detail::oscal_line(r.title, rule_id)},
                  {"props", Json::array({detail::prop("rule-id", rule_id),
                                         detail::prop("severity", r.severity)})},
                  {"parts", Json::array({{{"id", oscal_token(rule_id) + "_smt"},
                                          {"name", "statement"},
                                          {"prose", detail::oscal_line(prose, rule_id)}},
                                         {{"id", detail::objective_id(rule_id)},
                                          {"name", "assessment-objective"},
                                          {"prose", detail::oscal_line(r.reference, rule_id)}}})}};
        if (!r.source_url.empty()) {
          c["links"] = Json::array({{{"href", r.source_url}, {"rel", "reference"}}});
        }
        cs.push_back(std::move(c));
      }
      sub["controls"] = std::move(cs);
      subgroups.push_back(std::move(sub));
    }
    group["groups"] = std::move(subgroups);
    groups.push_back(std::move(group));
  }
  Json catalog = {{"uuid", uuid_v5(name)},
                  {"metadata",
                   {{"title", "sovereignd rule sets"},
                    {"last-modified", format_rfc3339(opt.generated_at)},
                    {"version", detail::oscal_line(versions)},
                    {"oscal-version", kOscalVersion}}}};
  if (!groups.empty()) catalog["groups"] = std::move(groups);
  out << detail::dump(Json{{"catalog", std::move(catalog)}}, 1) << "\n";
  out.flush();
  auto ok = detail::check_stream(out);
  if (!ok) return ok.error();
  return controls;
}

}  // namespace sov::report
