// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the rule loader and the evaluator: the input is one rule file, loaded with the
// probes' fact schema; if it loads, every rule is evaluated against a few fixed fact documents
// (typical, empty, all unknown, wrong types, failed probe) with an attestation and a waiver for
// its id. An input may also carry a case file after a line "#%cases", run against the rules with
// run_cases_text. Nothing may crash, hang or throw.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/diag.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/ruleset.h"
#include "probes/api/probe.h"

namespace {

using sov::model::Json;

const sov::model::FactSchema& schema() {
  static const sov::model::FactSchema s = [] {
    sov::model::FactSchema out;
    out.add_all(sov::probes::core_fact_schema());
    out.add_all(sov::probes::declarable_fact_schema());
    return out;
  }();
  return s;
}

// The shared lists an installation has, so that rule sets naming $eu27 load.
const std::vector<sov::ruleset::SharedList>& lists() {
  static const std::vector<sov::ruleset::SharedList> l = [] {
    std::vector<sov::ruleset::SharedList> out(3);
    out[0].id = "eu27";
    out[0].values = {"AT", "BE", "DE", "ES", "FR", "IT", "NL", "PL"};
    out[1].id = "eea";
    out[1].values = {"AT", "BE", "DE", "ES", "FR", "IS", "IT", "LI", "NL", "NO", "PL"};
    out[2].id = "adequacy";
    out[2].values = {"CH", "GB", "JP", "US"};
    return out;
  }();
  return l;
}

const std::vector<sov::model::Facts>& documents() {
  static const std::vector<sov::model::Facts> docs = [] {
    const sov::TimePoint old = sov::from_unix_seconds(1700000000);
    std::vector<sov::model::Facts> out;
    sov::model::Facts typical(Json::parse(R"({
      "target": {"id": "t1", "kind": "declared", "tags": {"data_class": ["health"]}},
      "probe": {"status": "ok", "error": null, "started": "2026-11-29T09:00:00Z"},
      "provider": {"known": true, "id": "scaleway", "seat_country": "FR", "eu": true,
                   "ownership": {"non_eu_max_single_pct": 0, "as_of": "2026-01-01"},
                   "extraterritorial_laws": ["CLOUD Act"],
                   "certifications": {"secnumcloud": {"status": "qualified",
                                                      "expires": "2027-06-30T00:00:00+02:00"},
                                      "hds": {"certified": true, "version": 2,
                                              "activities": [1, 2, 5]}}},
      "storage": {"locations": [{"country": "FR", "region": "fr-par", "role": "primary"},
                                {"country": "DE", "region": "de-fra", "role": "backup"}]},
      "operations": {"admin_countries": ["FR", "IN"], "support_outside_eu": false},
      "tls": {"chain": {"certs": [{"key": {"bits": 2048}}, {"key": {"bits": 1024}}]}}
    })"));
    typical.set_source("", {sov::model::SourceKind::kObserved, "fuzz", old});
    typical.set_source("provider", {sov::model::SourceKind::kDeclared, "fuzz", std::nullopt});
    out.push_back(std::move(typical));
    out.emplace_back(Json::object());
    sov::model::Facts unknown(Json::parse(R"({
      "provider": {"known": null, "seat_country": null, "ownership": null,
                   "certifications": {"hds": {"activities": null}}},
      "storage": {"locations": null}, "operations": {"admin_countries": [null, 3]}
    })"));
    unknown.set_source("", {sov::model::SourceKind::kObserved, "fuzz", old});
    out.push_back(std::move(unknown));
    out.emplace_back(Json::parse(R"({
      "provider": {"known": "yes", "seat_country": 33, "ownership": [1, 2],
                   "certifications": {"secnumcloud": {"expires": "2026-02-30"}}},
      "storage": {"locations": "FR"}, "tls": {"chain": {"certs": {"key": 1}}},
      "operations": {"admin_countries": [["FR"]]}
    })"));
    out.emplace_back(Json::parse(R"({"probe": {"status": "error", "error": "timed out"}})"));
    return out;
  }();
  return docs;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // An input may carry a case file after a line "#%cases": the rules come before it.
  std::string_view text = input;
  std::optional<std::string_view> cases;
  if (size_t cut = input.find("\n#%cases\n"); cut != std::string_view::npos) {
    text = input.substr(0, cut);
    cases = input.substr(cut + 9);
  }
  sov::Diagnostics diags;
  sov::ruleset::LoadOptions options;
  options.schema = &schema();
  options.lists = &lists();
  options.strict = size > 0 && (data[0] & 1) != 0;
  auto book = sov::ruleset::load_rules_text("fuzz.yaml", text, options, &diags);
  std::string report = diags.to_string();
  if (!book) return 0;

  const sov::TimePoint now = sov::from_unix_seconds(1795942800);  // 2026-11-29T09:00:00Z
  sov::model::Target target;
  target.id = "t1";
  target.kind = "declared";
  target.tags["data_class"] = {"health"};
  const auto& rules = (*book)->rules();
  for (size_t i = 0; i < rules.size(); ++i) {
    std::vector<sov::model::Attestation> atts(1);
    atts[0].rule_id = rules[i].id;
    atts[0].status = sov::model::Status::kPass;
    atts[0].date = now - std::chrono::hours(24);
    std::vector<sov::model::Waiver> waivers(1);
    waivers[0].id = "W";
    waivers[0].rule_id = rules[i].id;
    waivers[0].created = now - std::chrono::hours(24);
    sov::ruleset::EvalContext plain{now, nullptr, nullptr};
    sov::ruleset::EvalContext decided{now, &atts, (i % 2) != 0 ? &waivers : nullptr};
    for (const auto& facts : documents()) {
      report += (*book)
                    ->evaluate_rule(i, target, facts, plain)
                    .to_json()
                    .dump(-1, ' ', false, Json::error_handler_t::replace);
      report += (*book)->evaluate_rule(i, target, facts, decided).message;
    }
  }
  for (const auto& facts : documents()) {
    report += std::to_string((*book)->evaluate(target, facts, {now}).size());
  }
  if (cases) {
    sov::Diagnostics case_diags;
    auto result = sov::ruleset::run_cases_text(**book, "fuzz.cases.yaml", *cases, &case_diags);
    report += case_diags.to_string();
    if (result) {
      for (const auto& m : result->mismatches) report += m.message;
    }
  }
  // Keep the work observable so that it is not optimised away.
  static volatile size_t sink = 0;
  sink = sink + report.size();
  return 0;
}
