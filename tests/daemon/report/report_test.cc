// SPDX-License-Identifier: Apache-2.0
// The exports against a real SQLite store filled through the store API with hostile strings
// (markup, quotes, newlines, formula starts, invalid UTF-8), a waived and an attested finding
// and two scans. JSON and OSCAL are validated with Debian's python3-jsonschema against our
// schema and NIST's; the HTML is rendered by headless Chromium.
#include "daemon/report/report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/support/temp_dir.h"

namespace sov::report {
namespace {

using model::Json;
using model::Status;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr TimePoint kT0{std::chrono::seconds(1772359200)};  // 2026-03-01T10:00:00Z
const std::string kHostile =
    "<script>alert('x')</script> \"quoted\"; a,b\nline2 \xc3\xa9t\xc3\xa9 \xff bad";

model::Finding finding(const std::string& target, const std::string& rule, Status status) {
  model::Finding f;
  f.rule_id = rule;
  f.ruleset = "fr-secnumcloud-3.2";
  f.ruleset_version = "2026.1";
  f.title = "Title of " + rule + " " + kHostile;
  f.severity = model::Severity::kHigh;
  f.reference = "SecNumCloud 3.2 \xc2\xa7 19.6";
  f.source_url = "https://cyber.gouv.fr/secnumcloud";
  f.target_id = target;
  f.status = status;
  f.message = "=HYPERLINK(\"http://evil\") " + kHostile;
  f.remediation = "+cmd|' /C calc'!A0";
  model::EvidenceItem e;
  e.path = "provider.seat_country";
  e.value = "US <b>";
  e.source = model::Source{model::SourceKind::kObserved, "tls " + target + ":443", kT0};
  f.evidence.push_back(e);
  f.basis = nullptr;
  f.evaluated_at = kT0;
  return f;
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  int64_t scan1 = 0, scan2 = 0;

  Fixture() {
    auto s = store::Store::open(dir.file("store.db"));
    EXPECT_TRUE(s.has_value());
    store = std::move(*s);
    scan1 = record({Status::kPass, Status::kPass, Status::kFail}, kT0);
    scan2 = record({Status::kFail, Status::kWaived, Status::kManual}, kT0 + 1h);
  }

  int64_t record(std::vector<Status> statuses, TimePoint started) {
    store::ScanMeta meta{
        "node-<1>",           started, "/etc/sovereignd/sovereignd.yaml", std::string(64, 'a'),
        std::string(64, 'b'), "0.1.0"};
    auto scan = store->begin_scan(meta);
    EXPECT_TRUE(scan.has_value());
    for (const std::string target : {"web-1", "=evil<target>"}) {
      model::Target t;
      t.id = target;
      t.kind = "tls";
      model::Facts facts;
      model::Source src{model::SourceKind::kDerived, "rules/providers/aws.yaml", kT0};
      EXPECT_TRUE(facts.set("provider.id", "aws", src).has_value());
      EXPECT_TRUE(facts.set("provider.seat_country", "US", src).has_value());
      EXPECT_TRUE(facts.set("provider.ultimate_parent.name", "Amazon.com <Inc>", src).has_value());
      EXPECT_TRUE(facts.set("location.country", "FR", src).has_value());
      std::vector<model::Finding> fs;
      for (size_t i = 0; i < statuses.size(); ++i) {
        auto f = finding(target, "SNC-" + std::to_string(i), statuses[i]);
        if (statuses[i] == Status::kWaived) {
          f.raw_status = Status::kFail;
          f.basis = {{"kind", "waiver"},        {"id", "W-1"},
                     {"reason", kHostile},      {"by", "ciso@example.eu"},
                     {"expires", "2026-06-30"}, {"ticket", "T-42"}};
        }
        if (statuses[i] == Status::kManual) {
          f.basis = {{"kind", "attestation"}, {"by", "dpo"}, {"statement", "contract clause 7"}};
        }
        fs.push_back(std::move(f));
      }
      auto r = store->record_target(*scan, t, facts, store::ProbeOutcome{}, fs);
      EXPECT_TRUE(r.has_value()) << r.error().to_string();
    }
    Json summary = {{"findings", {{"pass", 2}, {"fail", 1}}}};
    EXPECT_TRUE(store->finish_scan(*scan, summary, started + 1min).has_value());
    return *scan;
  }

  ExportOptions options(Format f) const {
    ExportOptions o;
    o.format = f;
    o.generated_at = kT0 + 2h;
    o.generated_by = "report_test";
    o.version = "0.1.0";
    o.catalog_href = "export.catalog.json";
    return o;
  }

  std::string run(const ExportOptions& o) const {
    std::ostringstream out;
    auto stats = write_export(*store, o, out);
    EXPECT_TRUE(stats.has_value()) << stats.error().to_string();
    return out.str();
  }
  std::string run(Format f) const { return run(options(f)); }

  std::string write(const std::string& name, const std::string& text) const {
    return dir.write(name, text);
  }
};

// Runs a command; returns its exit status and puts stdout+stderr in *output.
int shell(const std::string& cmd, std::string* output) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int validate(const std::string& schema, const std::string& doc, std::string* output) {
  return shell(std::string("/usr/bin/python3 ") + SOV_SOURCE_DIR +
                   "/tests/daemon/report/validate_json.py " + schema + " " + doc,
               output);
}

// ---------------------------------------------------------------------------------------------
// Escaping.

TEST(ReportEscape, HtmlEscapesMarkupQuotesControlsAndInvalidUtf8) {
  EXPECT_EQ(html_escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(html_escape("a\"b&c"), "a&quot;b&amp;c");
  EXPECT_EQ(html_escape("\xc3\xa9t\xc3\xa9\n"), "\xc3\xa9t\xc3\xa9\n");
  EXPECT_EQ(html_escape("x\x01y\x7f"), "xy");
  EXPECT_EQ(html_escape("\xff\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(html_escape("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

TEST(ReportEscape, CsvCellQuotesRfc4180AndDefusesFormulas) {
  EXPECT_EQ(csv_cell("plain", ';'), "plain");
  EXPECT_EQ(csv_cell("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(csv_cell("a,b", ';'), "a,b");
  EXPECT_EQ(csv_cell("a,b", ','), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\"", ';'), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("l1\r\nl2", ';'), "\"l1\r\nl2\"");
  for (const char* f : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"}) {
    EXPECT_EQ(csv_cell(f, ';')[csv_cell(f, ';')[0] == '"' ? 1 : 0], '\'') << f;
  }
  EXPECT_EQ(csv_cell("=A1;B1", ';'), "\"'=A1;B1\"");
  EXPECT_EQ(csv_cell("\xff", ';'), "\xef\xbf\xbd");
  EXPECT_TRUE(valid_delimiter(';'));
  EXPECT_TRUE(valid_delimiter('\t'));
  for (char c : {'"', '\'', 'a', '1', '\n', ' '}) EXPECT_FALSE(valid_delimiter(c)) << int(c);
}

TEST(ReportEscape, UuidV5IsRfc4122AndStable) {
  std::string u = uuid_v5("x");
  EXPECT_THAT(u, ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                         "[0-9a-f]{12}"));
  EXPECT_EQ(u, uuid_v5("x"));
  EXPECT_NE(u, uuid_v5("y"));
  EXPECT_NE(finding_uid(1, "a/b", "c"), finding_uid(1, "a", "b/c"));
  EXPECT_NE(finding_uid(1, "t", "r"), finding_uid(2, "t", "r"));
}

// ---------------------------------------------------------------------------------------------
// JSON.

TEST(ReportJson, RoundTripsTheStoredFindings) {
  Fixture fx;
  Json doc = Json::parse(fx.run(Format::kJson));
  EXPECT_EQ(doc["schema_version"], "1.0");
  EXPECT_EQ(doc["node"], "node-<1>");
  EXPECT_EQ(doc["scans"].size(), 1u);
  EXPECT_EQ(doc["scans"][0]["id"], fx.scan2);
  EXPECT_EQ(doc["chain_head"], *fx.store->chain_head());
  store::FindingQuery q;
  q.scan_id = fx.scan2;
  auto rows = fx.store->findings(q);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(doc["findings"].size(), rows->size());
  for (size_t i = 0; i < rows->size(); ++i) {
    Json got = doc["findings"][i];
    const auto& sf = (*rows)[i];
    EXPECT_EQ(got["uid"], finding_uid(sf.scan_id, sf.finding.target_id, sf.finding.rule_id));
    EXPECT_EQ(got["hash"], sf.hash);
    EXPECT_EQ(got["id"], sf.id);
    for (const char* k : {"uid", "id", "scan_id", "hash"}) got.erase(k);
    // Invalid UTF-8 became U+FFFD; everything else comes back as stored.
    Json want =
        Json::parse(sf.finding.to_json().dump(-1, ' ', false, Json::error_handler_t::replace));
    EXPECT_EQ(got, want) << i;
  }
  EXPECT_EQ(doc["summary"]["by_status"]["waived"], 2);
  EXPECT_EQ(doc["summary"]["score_before_waivers"], 0.0);  // 4 fails (2 raw), no pass
  EXPECT_EQ(doc["summary"]["score_after_waivers"], 50.0);
  EXPECT_EQ(doc["rulesets"][0]["id"], "fr-secnumcloud-3.2");
  EXPECT_TRUE(doc["rulesets"][0]["sha256"].is_null());
}

TEST(ReportJson, ScopeSinceRulesetAndTargetFilters) {
  Fixture fx;
  ExportOptions o = fx.options(Format::kJson);
  o.since = kT0 - 1h;
  Json all = Json::parse(fx.run(o));
  EXPECT_EQ(all["scans"].size(), 2u);
  EXPECT_EQ(all["findings"].size(), 12u);
  o.target = "=evil<target>";
  EXPECT_EQ(Json::parse(fx.run(o))["findings"].size(), 6u);
  o.ruleset = "other";
  EXPECT_EQ(Json::parse(fx.run(o))["findings"].size(), 0u);

  o = fx.options(Format::kJson);
  o.scan_id = 999;
  std::ostringstream out;
  auto r = write_export(*fx.store, o, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  o = fx.options(Format::kCsv);
  o.delimiter = '"';
  EXPECT_EQ(write_export(*fx.store, o, out).error().code(), ErrorCode::kInvalidInput);
  o = fx.options(Format::kJson);
  o.since = kT0 + 24h;
  EXPECT_EQ(write_export(*fx.store, o, out).error().code(), ErrorCode::kNotFound);

  // A store with no findings yet: a clear error naming the store, no empty report.
  testing::TempDir empty_dir;
  auto empty = store::Store::open(empty_dir.file("empty.db"));
  ASSERT_TRUE(empty.has_value());
  r = write_export(**empty, fx.options(Format::kHtml), out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(r.error().message(), HasSubstr("empty.db: no findings recorded yet"));
}

TEST(ReportJson, ValidatesAgainstTheJsonSchemaAndTheValidatorRejectsBadDocuments) {
  Fixture fx;
  ExportOptions o = fx.options(Format::kJson);
  o.since = kT0 - 1h;
  std::string file = fx.write("export.json", fx.run(o));
  std::string schema = std::string(SOV_SOURCE_DIR) + "/schemas/sovereignd-export.schema.json";
  std::string output;
  EXPECT_EQ(validate(schema, file, &output), 0) << output;
  Json doc = Json::parse(fx.run(o));
  doc["findings"][0]["status"] = "maybe";
  doc.erase("chain_head");
  output.clear();
  EXPECT_EQ(validate(schema, fx.write("bad.json", doc.dump()), &output), 1) << output;
  EXPECT_THAT(output, HasSubstr("chain_head"));
  EXPECT_THAT(output, HasSubstr("maybe"));
}

// ---------------------------------------------------------------------------------------------
// CSV.

// RFC 4180 reader: rows of cells.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, char delim) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delim) {
      rows.back().push_back(cell);
      cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
      ++i;
    } else {
      cell += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(ReportCsv, OneRowPerRuleTargetAndScanWithDefusedCells) {
  Fixture fx;
  for (char delim : {';', ','}) {
    ExportOptions o = fx.options(Format::kCsv);
    o.delimiter = delim;
    auto rows = parse_csv(fx.run(o), delim);
    ASSERT_EQ(rows.size(), 7u);  // header + 2 targets x 3 rules
    ASSERT_EQ(rows[0][0], "finding_uid");
    size_t cols = rows[0].size();
    for (const auto& r : rows) EXPECT_EQ(r.size(), cols);
    auto col = [&](const char* name) {
      return std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin();
    };
    for (size_t i = 1; i < rows.size(); ++i) {
      for (const auto& cell : rows[i]) {
        ASSERT_FALSE(cell.empty() == false &&
                     (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@'))
            << "formula cell: " << cell;
      }
      EXPECT_EQ(rows[i][col("message")].substr(0, 12), "'=HYPERLINK(");
      EXPECT_THAT(rows[i][col("message")], HasSubstr("\"quoted\"; a,b\nline2 \xc3\xa9t\xc3\xa9"));
    }
    EXPECT_EQ(rows[2][col("target")], "web-1");
    EXPECT_EQ(rows[2][col("status")], "waived");
    EXPECT_EQ(rows[2][col("raw_status")], "fail");
    EXPECT_EQ(rows[2][col("waiver_id")], "W-1");
    EXPECT_EQ(rows[4][col("target")], "'=evil<target>");
  }
}

// ---------------------------------------------------------------------------------------------
// OCSF.

TEST(ReportOcsf, ComplianceFindingPerLineWithWaivedKeepingTheRawStatus) {
  Fixture fx;
  std::istringstream lines(fx.run(Format::kOcsf));
  std::string line;
  std::vector<Json> objs;
  while (std::getline(lines, line)) objs.push_back(Json::parse(line));
  ASSERT_EQ(objs.size(), 6u);
  for (const auto& o : objs) {
    EXPECT_EQ(o["class_uid"], 2003);
    EXPECT_EQ(o["category_uid"], 2);
    EXPECT_EQ(o["type_uid"], 200301);
    EXPECT_EQ(o["severity_id"], 4);
    EXPECT_EQ(o["time"], 1772359200000);
    EXPECT_EQ(o["metadata"]["version"], "1.1.0");
    EXPECT_EQ(o["finding_info"]["uid"], o["metadata"]["uid"]);
  }
  EXPECT_EQ(objs[0]["compliance"]["status_id"], 3);
  EXPECT_EQ(objs[1]["compliance"]["status_id"], 3);  // waived(fail)
  EXPECT_EQ(objs[1]["compliance"]["status_detail"], "waived(fail) by waiver W-1");
  EXPECT_EQ(objs[2]["compliance"]["status_id"], 2);  // manual -> Warning
}

// ---------------------------------------------------------------------------------------------
// OSCAL.

TEST(ReportOscal, FindingsOnlyForNotSatisfiedAndWaivedAsApprovedDeviation) {
  Fixture fx;
  Json doc = Json::parse(fx.run(Format::kOscal));
  const Json& ar = doc["assessment-results"];
  EXPECT_EQ(ar["metadata"]["oscal-version"], "1.2.1");
  ASSERT_EQ(ar["results"].size(), 1u);
  const Json& r = ar["results"][0];
  EXPECT_EQ(r["observations"].size(), 6u);
  EXPECT_EQ(r["findings"].size(), 4u);  // fail and waived(fail) on two targets
  ASSERT_EQ(r["risks"].size(), 2u);
  EXPECT_EQ(r["risks"][0]["status"], "deviation-approved");
  EXPECT_EQ(r["risks"][0]["deadline"], "2026-06-30T00:00:00Z");
  EXPECT_EQ(r["local-definitions"]["inventory-items"].size(), 2u);
  std::set<std::string> observations;
  for (const auto& o : r["observations"]) observations.insert(o["uuid"]);
  for (const auto& f : r["findings"]) {
    EXPECT_EQ(f["target"]["status"]["state"], "not-satisfied");
    EXPECT_TRUE(observations.count(f["related-observations"][0]["observation-uuid"]));
  }
  EXPECT_EQ(r["observations"][0]["methods"][0], "TEST");       // probed
  EXPECT_EQ(r["observations"][2]["methods"][0], "INTERVIEW");  // attested
}

TEST(ReportOscal, ResultsAndCatalogValidateAgainstNistSchemasAndFindingsPointIntoTheCatalog) {
  Fixture fx;
  ExportOptions o = fx.options(Format::kOscal);
  o.since = kT0 - 1h;
  o.rulesets.push_back({"fr-secnumcloud-3.2", "SecNumCloud 3.2", "2026.1", std::string(64, 'c')});
  std::string ar_text = fx.run(o);
  std::string ar = fx.write("export.json", ar_text);
  std::ostringstream cat_out;
  auto controls = write_oscal_catalog(*fx.store, o, cat_out);
  ASSERT_TRUE(controls.has_value()) << controls.error().to_string();
  EXPECT_EQ(*controls, 3);
  std::string cat = fx.write("export.catalog.json", cat_out.str());
  // NIST's schemas, vendored in the repository (schemas/oscal/README.md).
  const std::string dir = std::string(SOV_SOURCE_DIR) + "/schemas/oscal/";
  std::string output;
  EXPECT_EQ(validate(dir + "oscal_assessment-results_schema.json", ar, &output), 0) << output;
  output.clear();
  EXPECT_EQ(validate(dir + "oscal_catalog_schema.json", cat, &output), 0) << output;

  // Every finding's objective is a part of the catalog.
  std::set<std::string> objectives;
  Json catalog = Json::parse(cat_out.str());
  EXPECT_EQ(catalog["catalog"]["groups"][0]["props"][0]["value"], std::string(64, 'c'));
  for (const auto& g : catalog["catalog"]["groups"][0]["groups"]) {
    for (const auto& c : g["controls"]) {
      for (const auto& p : c["parts"]) objectives.insert(p["id"]);
    }
  }
  Json doc = Json::parse(ar_text);
  int findings = 0;
  for (const auto& r : doc["assessment-results"]["results"]) {
    for (const auto& f : r.value("findings", Json::array())) {
      ++findings;
      EXPECT_TRUE(objectives.count(f["target"]["target-id"])) << f["target"]["target-id"];
    }
  }
  EXPECT_EQ(findings, 6);  // scan 1: one fail x 2 targets; scan 2: fail + waived x 2

  // A document the schema refuses proves the validator really checks.
  doc["assessment-results"]["results"][0]["observations"][0]["methods"] = Json::array();
  output.clear();
  EXPECT_EQ(validate(dir + "oscal_assessment-results_schema.json", fx.write("bad.json", doc.dump()),
                     &output),
            1);
}

// ---------------------------------------------------------------------------------------------
// Stable ids.

TEST(ReportIds, SameFindingSameIdAcrossExportsAndFormats) {
  Fixture fx;
  ExportOptions a = fx.options(Format::kJson);
  ExportOptions b = a;
  b.generated_at = kT0 + 48h;
  Json ja = Json::parse(fx.run(a)), jb = Json::parse(fx.run(b));
  ASSERT_EQ(ja["findings"].size(), jb["findings"].size());
  std::set<std::string> uids;
  for (size_t i = 0; i < ja["findings"].size(); ++i) {
    EXPECT_EQ(ja["findings"][i]["uid"], jb["findings"][i]["uid"]);
    uids.insert(ja["findings"][i]["uid"]);
  }
  EXPECT_EQ(uids.size(), ja["findings"].size());
  std::istringstream ocsf(fx.run(Format::kOcsf));
  std::string line;
  std::getline(ocsf, line);
  EXPECT_EQ(Json::parse(line)["finding_info"]["uid"], ja["findings"][0]["uid"]);
  a.format = b.format = Format::kOscal;
  Json oa = Json::parse(fx.run(a)), ob = Json::parse(fx.run(b));
  EXPECT_EQ(oa["assessment-results"]["uuid"], ob["assessment-results"]["uuid"]);
  EXPECT_EQ(oa["assessment-results"]["results"], ob["assessment-results"]["results"]);
  // Another scan: other ids for the same rule and target.
  a.format = Format::kJson;
  a.scan_id = fx.scan1;
  Json j1 = Json::parse(fx.run(a));
  EXPECT_FALSE(uids.count(j1["findings"][0]["uid"]));
}

// ---------------------------------------------------------------------------------------------
// HTML.

TEST(ReportHtml, SelfContainedEscapedAndComplete) {
  Fixture fx;
  ExportOptions o = fx.options(Format::kHtml);
  o.signature = "signed: see report.html.sig";
  std::string html = fx.run(o);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("\xff")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("=evil&lt;target&gt;"));
  EXPECT_THAT(html, HasSubstr("Amazon.com &lt;Inc&gt;"));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("signed: see report.html.sig"));
  EXPECT_THAT(html, HasSubstr(*fx.store->chain_head()));
  for (const char* id : {"cover", "summary", "matrix", "chain", "waivers", "changes", "evidence"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<section") +
                                (std::string(id) == "cover" ? " class=\"cover-page\"" : "") +
                                " id=\"" + id + "\""));
  }
  EXPECT_THAT(html, HasSubstr("W-1"));  // waiver register
  EXPECT_THAT(html, HasSubstr("Compared with scan #" + std::to_string(fx.scan1)));
  EXPECT_THAT(html, HasSubstr("New failures (2)"));  // SNC-0 pass -> fail on two targets
  EXPECT_THAT(html, HasSubstr("Resolved (2)"));      // SNC-2 fail -> manual
  EXPECT_THAT(html, HasSubstr(">50.0 %<"));          // score after waivers
}

TEST(ReportHtml, FrenchUsesTheFrenchTable) {
  Fixture fx;
  ExportOptions o = fx.options(Format::kHtml);
  o.lang = "fr";
  std::string html = fx.run(o);
  EXPECT_THAT(html, HasSubstr("<html lang=\"fr\">"));
  EXPECT_THAT(html, HasSubstr("Registre des d\xc3\xa9rogations"));
  EXPECT_THAT(html, HasSubstr("Score apr\xc3\xa8s d\xc3\xa9rogations"));
  EXPECT_THAT(html, Not(HasSubstr("Waiver register")));
  o.lang = "de";
  std::ostringstream out;
  EXPECT_EQ(write_export(*fx.store, o, out).error().code(), ErrorCode::kInvalidInput);
}

// Headless Chromium renders the report with no console error; the screenshot is kept in the
// build tree (report_test_screenshot.png) for a human to look at.
TEST(ReportHtml, RendersInHeadlessChromiumWithoutConsoleErrors) {
  if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_SKIP() << "no /usr/bin/chromium";
  Fixture fx;
  std::string html = fx.write("report.html", fx.run(Format::kHtml));
  std::string shot = std::string(SOV_BINARY_DIR) + "/report_test_screenshot.png";
  std::filesystem::remove(shot);
  std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run "
      "--user-data-dir=" +
      fx.dir.file("chromium") + " ";
  std::string output;
  int rc = shell("timeout 90 /usr/bin/chromium " + flags +
                     "--enable-logging=stderr --v=0 --window-size=1200,1600 --screenshot=" + shot +
                     " file://" + html,
                 &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, Not(HasSubstr("Uncaught")));
  EXPECT_THAT(output, Not(HasSubstr("ERROR:CONSOLE")));
  EXPECT_THAT(output, Not(HasSubstr(":CONSOLE(")));
  ASSERT_TRUE(std::filesystem::exists(shot)) << output;
  EXPECT_GT(std::filesystem::file_size(shot), 20000u);
  std::string dom;
  rc = shell("timeout 90 /usr/bin/chromium " + flags + "--dump-dom file://" + html, &dom);
  EXPECT_EQ(rc, 0);
  // The parsed DOM still has every section and no element made from the hostile strings.
  for (const char* id : {"cover", "summary", "matrix", "chain", "waivers", "changes", "evidence"}) {
    EXPECT_THAT(dom, HasSubstr(std::string("id=\"") + id + "\""));
  }
  EXPECT_THAT(dom, Not(HasSubstr("<script")));
  EXPECT_THAT(dom, HasSubstr("&lt;script&gt;"));
}

}  // namespace
}  // namespace sov::report
