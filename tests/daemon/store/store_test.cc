// SPDX-License-Identifier: Apache-2.0
// The evidence store against real SQLite files in a temporary directory. Tampering and schema
// checks go through the SQLite C API directly, as an attacker or an operator would.

#include "daemon/store/store.h"

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"

namespace sov::store {
namespace {

using model::Json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// 2026-03-01T10:00:00Z plus an odd number of nanoseconds, so precision loss would show.
constexpr TimePoint kT0{std::chrono::seconds(1772359200) + std::chrono::nanoseconds(123456789)};

// ---------------------------------------------------------------------------------------------
// Raw SQLite access for checks and tampering.

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
        SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err != nullptr ? err : "");
    sqlite3_free(err);
  }
  // The first column of the first row as text ("" when there is no row).
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, 0);
      out = t != nullptr ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }
  int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Test data.

model::Target make_target(const std::string& id) {
  model::Target t;
  t.id = id;
  t.kind = "tls";
  return t;
}

model::Facts make_facts(const std::string& target, int variant = 0) {
  model::Facts f;
  model::Source probe{model::SourceKind::kObserved, "tls " + target + ":443",
                      kT0 + std::chrono::nanoseconds(7)};
  EXPECT_TRUE(f.set("tls.chain.leaf.key.bits", 2048 + variant, probe).has_value());
  EXPECT_TRUE(f.set("tls.chain.leaf.issuer", "CN=Issuer \xc3\xa9", probe).has_value());
  EXPECT_TRUE(f.set("provider.country", "FR",
                    {model::SourceKind::kDeclared, "config.yaml:12", std::nullopt})
                  .has_value());
  return f;
}

model::Finding make_finding(const std::string& target, int rule, model::Status status,
                            int variant = 0) {
  model::Finding f;
  f.rule_id = "SNC-" + std::to_string(rule);
  f.ruleset = "fr-secnumcloud-3.2";
  f.ruleset_version = "2026.1";
  f.title = "Rule " + std::to_string(rule);
  f.severity = model::Severity::kHigh;
  f.reference =
      "SecNumCloud 3.2 \xc2\xa7"
      "19.6 b";
  f.source_url = "https://cyber.gouv.fr/secnumcloud";
  f.target_id = target;
  f.status = status;
  f.in_force = true;
  f.message =
      "rule " + std::to_string(rule) + ": key is " + std::to_string(2048 + variant) + " bits";
  f.remediation = "Use a 3072-bit key.";
  model::EvidenceItem e;
  e.path = "tls.chain.leaf.key.bits";
  e.value = 2048 + variant;
  e.source = model::Source{model::SourceKind::kObserved, "tls " + target + ":443",
                           kT0 + std::chrono::nanoseconds(7)};
  f.evidence.push_back(e);
  f.basis = nullptr;
  f.evaluated_at = kT0 + std::chrono::nanoseconds(rule);
  return f;
}

std::vector<model::Finding> make_findings(const std::string& target, int n, int variant = 0) {
  std::vector<model::Finding> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(
        make_finding(target, i, i % 3 == 0 ? model::Status::kFail : model::Status::kPass, variant));
  }
  return out;
}

ScanMeta make_meta(TimePoint started) {
  ScanMeta m;
  m.node = "node-1";
  m.started = started;
  m.config_file = "/etc/sovereignd/sovereignd.yaml";
  m.config_sha256 = std::string(64, 'a');
  m.rules_digest = std::string(64, 'b');
  m.version = "0.1.0";
  return m;
}

ProbeOutcome make_outcome() {
  ProbeOutcome o;
  o.ok = true;
  o.started = kT0 + std::chrono::nanoseconds(3);
  o.duration = std::chrono::microseconds(1500) + std::chrono::nanoseconds(1);
  return o;
}

std::unique_ptr<Store> open_store(const std::string& path, StoreOptions options = {}) {
  auto s = Store::open(path, options);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s ? std::move(*s) : nullptr;
}

// A scan of `targets` targets with `per_target` findings each; returns the scan id.
int64_t record_scan(Store* store, TimePoint started, int targets, int per_target,
                    bool finish = true, int variant = 0) {
  auto scan = store->begin_scan(make_meta(started));
  EXPECT_TRUE(scan.has_value());
  for (int t = 0; t < targets; ++t) {
    std::string name = "web-" + std::to_string(t);
    auto r = store->record_target(*scan, make_target(name), make_facts(name, variant),
                                  make_outcome(), make_findings(name, per_target, variant));
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
  }
  if (finish) {
    EXPECT_TRUE(store->finish_scan(*scan, Json{{"targets", targets}}, started + 1min).has_value());
  }
  return *scan;
}

void expect_same_source(const std::optional<model::Source>& a,
                        const std::optional<model::Source>& b) {
  ASSERT_EQ(a.has_value(), b.has_value());
  if (!a) return;
  EXPECT_EQ(a->kind, b->kind);
  EXPECT_EQ(a->where, b->where);
  EXPECT_EQ(a->when, b->when);
}

void expect_same_finding(const model::Finding& a, const model::Finding& b) {
  EXPECT_EQ(a.to_json(), b.to_json());
  EXPECT_EQ(a.evaluated_at, b.evaluated_at);
  EXPECT_EQ(a.effective, b.effective);
  EXPECT_EQ(a.raw_status, b.raw_status);
  EXPECT_EQ(a.severity, b.severity);
  ASSERT_EQ(a.evidence.size(), b.evidence.size());
  for (size_t i = 0; i < a.evidence.size(); ++i) {
    EXPECT_EQ(a.evidence[i].path, b.evidence[i].path);
    EXPECT_EQ(a.evidence[i].value, b.evidence[i].value);
    EXPECT_EQ(a.evidence[i].missing, b.evidence[i].missing);
    expect_same_source(a.evidence[i].source, b.evidence[i].source);
  }
}

// ---------------------------------------------------------------------------------------------
// Schema and migrations.

TEST(Store, CreatesSchemaFromEmptyWithParentDirectory) {
  testing::TempDir dir;
  std::string path = dir.file("state/sub/store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), kSchemaVersion);
  EXPECT_EQ(store->path(), path);

  RawDb raw(path);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  for (const char* table : {"scans", "targets", "fact_docs", "target_results", "rules", "details",
                            "findings", "waivers", "waiver_versions", "outbox", "checkpoints"}) {
    EXPECT_EQ(raw.integer(std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                      "AND name = '") +
                          table + "'"),
              1)
        << table;
  }
}

TEST(Store, ReopenIsIdempotentAndKeepsData) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  std::string schema_before;
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    record_scan(store.get(), kT0, 2, 3);
  }
  {
    RawDb raw(path);
    schema_before = raw.text("SELECT group_concat(sql, ';') FROM sqlite_schema");
  }
  for (int i = 0; i < 2; ++i) {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), kSchemaVersion);
    auto scans = store->scans();
    ASSERT_TRUE(scans.has_value());
    ASSERT_EQ(scans->size(), 1u);
    EXPECT_EQ((*scans)[0].state, ScanState::kComplete);
    auto f = store->findings({});
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->size(), 6u);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.text("SELECT group_concat(sql, ';') FROM sqlite_schema"), schema_before);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), kSchemaVersion);
}

TEST(Store, RefusesNewerSchemaWithoutTouchingTheFile) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  {
    RawDb raw(path);
    raw.exec(
        "CREATE TABLE future(x); PRAGMA application_id = 1397708356; PRAGMA user_version = 99");
  }
  std::string before = testing::read_file(path);
  auto store = Store::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(store.error().to_string(),
            "database " + path + " has schema version 99, this sovereignd understands up to " +
                std::to_string(kSchemaVersion) + "; refusing to modify it");
  EXPECT_EQ(testing::read_file(path), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(Store, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  std::string content(4096, 'x');
  std::string path = dir.write("store.db", content);
  auto store = Store::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(store.error().to_string(), HasSubstr(path + " is not a sovereignd database"));
  EXPECT_THAT(store.error().to_string(), HasSubstr("file is not a database"));
  EXPECT_EQ(testing::read_file(path), content);
}

TEST(Store, RefusesAnotherApplicationsDatabase) {
  testing::TempDir dir;
  std::string path = dir.file("other.db");
  {
    RawDb raw(path);
    raw.exec("CREATE TABLE accounts(id INTEGER PRIMARY KEY)");
  }
  std::string before = testing::read_file(path);
  auto store = Store::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(store.error().message(), HasSubstr("belongs to another application"));
  EXPECT_EQ(testing::read_file(path), before);
}

TEST(Store, OneWriterAtATimeAndReadOnlyBeside) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto writer = open_store(path);
  ASSERT_NE(writer, nullptr);
  int64_t scan = record_scan(writer.get(), kT0, 1, 2, /*finish=*/false);

  auto second = Store::open(path);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(second.error().message(), HasSubstr("already open for writing"));

  StoreOptions ro;
  ro.read_only = true;
  auto reader = open_store(path, ro);
  ASSERT_NE(reader, nullptr);
  // A reader does not take the running scan for a dead writer's.
  auto info = reader->scan(scan);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->state, ScanState::kRunning);
  EXPECT_EQ(reader->findings({})->size(), 2u);
  auto w = reader->begin_scan(make_meta(kT0));
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code(), ErrorCode::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// Recording and reading back.

TEST(Store, RoundTripsFindingsFactsAndScans) {
  testing::TempDir dir;
  auto store = open_store(dir.file("store.db"));
  ASSERT_NE(store, nullptr);

  ScanMeta meta = make_meta(kT0);
  auto scan = store->begin_scan(meta);
  ASSERT_TRUE(scan.has_value());
  auto running = store->scan(*scan);
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->state, ScanState::kRunning);
  EXPECT_FALSE(running->finished.has_value());

  model::Finding waived = make_finding("web-1", 1, model::Status::kWaived);
  waived.raw_status = model::Status::kFail;
  waived.in_force = false;
  waived.effective = from_unix_seconds(1800000000);
  waived.basis = Json{{"kind", "waiver"}, {"id", "W-1"}, {"reason", "migration \"phase\" 2\n"}};
  waived.message = "d\xc3\xa9j\xc3\xa0 vu \xe2\x80\x94 tab\there";
  model::EvidenceItem missing;
  missing.path = "tls.chain.leaf.ocsp";
  missing.missing = true;
  waived.evidence.push_back(missing);
  model::EvidenceItem big;
  big.path = "jurisdiction.shares";
  big.value = Json{{"pct", 12.5}, {"n", -3}, {"list", {1, "a", nullptr, true}}};
  big.source = model::Source{model::SourceKind::kDerived, "registry.yaml", std::nullopt};
  waived.evidence.push_back(big);
  model::Finding error = make_finding("web-1", 2, model::Status::kError);
  error.severity = model::Severity::kCritical;
  error.evidence.clear();
  std::vector<model::Finding> findings = {waived, error};

  model::Facts facts = make_facts("web-1");
  ProbeOutcome outcome = make_outcome();
  outcome.ok = false;
  outcome.error = "handshake failed";
  ASSERT_TRUE(
      store->record_target(*scan, make_target("web-1"), facts, outcome, findings).has_value());
  Json summary = {{"fail", 1}, {"pass", 0}, {"targets", 1}};
  ASSERT_TRUE(store->finish_scan(*scan, summary, kT0 + 90s).has_value());

  auto got = store->findings({});
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*got)[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*got)[i].scan_id, *scan);
    EXPECT_EQ((*got)[i].hash.size(), 64u);
    expect_same_finding((*got)[i].finding, findings[i]);
  }

  auto doc = store->facts(*scan, "web-1");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(*doc, facts.doc());
  auto rec = store->target_record(*scan, "web-1");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->kind, "tls");
  EXPECT_EQ(rec->facts.doc(), facts.doc());
  ASSERT_EQ(rec->facts.sources().size(), facts.sources().size());
  for (const auto& [p, s] : facts.sources()) {
    ASSERT_EQ(rec->facts.sources().count(p), 1u) << p;
    expect_same_source(rec->facts.sources().at(p), s);
  }
  EXPECT_FALSE(rec->outcome.ok);
  EXPECT_EQ(rec->outcome.error, "handshake failed");
  EXPECT_EQ(rec->outcome.started, outcome.started);
  EXPECT_EQ(rec->outcome.duration, outcome.duration);

  auto missing_facts = store->facts(*scan, "web-2");
  ASSERT_FALSE(missing_facts.has_value());
  EXPECT_EQ(missing_facts.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->facts(*scan + 1, "web-1").error().code(), ErrorCode::kNotFound);

  auto info = store->scan(*scan);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->state, ScanState::kComplete);
  EXPECT_EQ(info->finished, kT0 + 90s);
  EXPECT_EQ(info->summary, summary);
  EXPECT_EQ(info->meta.node, meta.node);
  EXPECT_EQ(info->meta.started, meta.started);
  EXPECT_EQ(info->meta.config_file, meta.config_file);
  EXPECT_EQ(info->meta.config_sha256, meta.config_sha256);
  EXPECT_EQ(info->meta.rules_digest, meta.rules_digest);
  EXPECT_EQ(info->meta.version, meta.version);

  // The published canonical form is what the chain hashed: re-derive the first row's hash.
  auto verify = store->verify();
  ASSERT_TRUE(verify.has_value());
  EXPECT_TRUE(verify->ok) << verify->message;
  EXPECT_EQ(verify->rows_checked, 2);
  EXPECT_EQ(verify->head, (*got)[1].hash);
  EXPECT_EQ(*store->chain_head(), (*got)[1].hash);
}

TEST(Store, CanonicalJsonIsNlohmannDumpOfTheFinding) {
  StoredFinding sf;
  sf.id = 42;
  sf.scan_id = 7;
  sf.finding = make_finding("web-\"1\"", 3, model::Status::kWaived);
  sf.finding.raw_status = model::Status::kFail;
  sf.finding.effective = kT0;
  sf.finding.message = "ctl \x01 \xc3\xa9 \\ \"q\"";
  sf.finding.basis = Json{{"z", 1}, {"a", Json::array({1.5, "x"})}};
  const auto& f = sf.finding;
  Json ev = Json::array();
  ev.push_back(Json{{"path", f.evidence[0].path},
                    {"value", f.evidence[0].value},
                    {"source",
                     {{"kind", "observed"},
                      {"where", f.evidence[0].source->where},
                      {"when", std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   f.evidence[0].source->when->time_since_epoch())
                                   .count()}}}});
  auto ns = [](TimePoint t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  };
  Json expected = {{"id", 42},
                   {"scan_id", 7},
                   {"target", f.target_id},
                   {"rule_id", f.rule_id},
                   {"ruleset", f.ruleset},
                   {"ruleset_version", f.ruleset_version},
                   {"title", f.title},
                   {"severity", "high"},
                   {"reference", f.reference},
                   {"source_url", f.source_url},
                   {"remediation", f.remediation},
                   {"effective", ns(kT0)},
                   {"status", "waived"},
                   {"raw_status", "fail"},
                   {"in_force", true},
                   {"message", f.message},
                   {"evidence", ev},
                   {"basis", f.basis},
                   {"evaluated_at", ns(f.evaluated_at)}};
  EXPECT_EQ(canonical_json(sf), expected.dump());
}

TEST(Store, DeduplicatesFactDocumentsRulesAndDetails) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  record_scan(store.get(), kT0, 1, 4);
  record_scan(store.get(), kT0 + 1h, 1, 4);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM target_results"), 2);
  EXPECT_EQ(raw.integer("SELECT count(DISTINCT facts) FROM target_results"), 1);
  // One facts document and one sources map.
  EXPECT_EQ(raw.integer("SELECT count(*) FROM fact_docs"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM rules"), 4);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM details"), 4);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM findings"), 8);

  // Different facts make a new document.
  record_scan(store.get(), kT0 + 2h, 1, 4, true, /*variant=*/1);
  EXPECT_EQ(raw.integer("SELECT count(DISTINCT facts) FROM target_results"), 2);
}

// A probe that stamps every observation with its time must not defeat deduplication: source
// times are stored relative to a base kept in the row, and still come back exactly.
TEST(Store, ObservationTimesAloneDoNotDuplicateDocumentsOrDetails) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> scans;
  for (int s = 0; s < 3; ++s) {
    TimePoint observed = kT0 + s * 1h + std::chrono::nanoseconds(s * 17);
    auto scan = store->begin_scan(make_meta(observed));
    ASSERT_TRUE(scan.has_value());
    model::Facts facts;
    model::Source probe{model::SourceKind::kObserved, "tls web-0:443", observed};
    ASSERT_TRUE(facts.set("tls.version", "TLSv1.3", probe).has_value());
    ASSERT_TRUE(
        facts.set("tls.alpn", "h2", {model::SourceKind::kObserved, "tls web-0:443", observed + 5ms})
            .has_value());
    auto findings = make_findings("web-0", 3);
    for (auto& f : findings) {
      f.evidence[0].source->when = observed;
      f.evaluated_at = observed + 10ms;
    }
    ASSERT_TRUE(store->record_target(*scan, make_target("web-0"), facts, make_outcome(), findings)
                    .has_value());
    scans.push_back(*scan);

    FindingQuery q;
    q.scan_id = *scan;
    auto got = store->findings(q);
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->size(), 3u);
    for (size_t i = 0; i < 3; ++i) expect_same_finding((*got)[i].finding, findings[i]);
    auto rec = store->target_record(*scan, "web-0");
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->facts.sources().at("tls.version").when, observed);
    EXPECT_EQ(rec->facts.sources().at("tls.alpn").when, observed + 5ms);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM fact_docs"), 2);  // facts and sources, once each
  EXPECT_EQ(raw.integer("SELECT count(*) FROM details"), 3);    // one per rule
  EXPECT_EQ(raw.integer("SELECT count(*) FROM findings"), 9);
  EXPECT_TRUE(store->verify()->ok);
}

TEST(Store, FindingsQueryFilters) {
  testing::TempDir dir;
  auto store = open_store(dir.file("store.db"));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->findings({})->empty());
  int64_t first = record_scan(store.get(), kT0, 3, 6);
  int64_t second = record_scan(store.get(), kT0 + 1h, 2, 6);
  // A scan without findings does not hide the latest one that has some.
  auto empty_scan = store->begin_scan(make_meta(kT0 + 2h));
  ASSERT_TRUE(empty_scan.has_value());

  auto latest = store->findings({});
  ASSERT_TRUE(latest.has_value());
  ASSERT_EQ(latest->size(), 12u);
  for (size_t i = 1; i < latest->size(); ++i) {
    EXPECT_LT((*latest)[i - 1].id, (*latest)[i].id);
    EXPECT_EQ((*latest)[i].scan_id, second);
  }

  FindingQuery q;
  q.scan_id = first;
  EXPECT_EQ(store->findings(q)->size(), 18u);
  q.status = model::Status::kFail;
  auto fails = store->findings(q);
  ASSERT_TRUE(fails.has_value());
  EXPECT_EQ(fails->size(), 6u);  // rules 0 and 3 on 3 targets
  for (const auto& f : *fails) EXPECT_EQ(f.finding.status, model::Status::kFail);
  q.target_id = "web-2";
  EXPECT_EQ(store->findings(q)->size(), 2u);
  q.rule_id = "SNC-3";
  auto one = store->findings(q);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].finding.rule_id, "SNC-3");
  EXPECT_EQ((*one)[0].finding.target_id, "web-2");
  q.status.reset();
  q.target_id.reset();
  EXPECT_EQ(store->findings(q)->size(), 3u);
  q.limit = 2;
  EXPECT_EQ(store->findings(q)->size(), 2u);
  q = {};
  q.target_id = "no-such-target";
  EXPECT_TRUE(store->findings(q)->empty());
  q = {};
  q.scan_id = *empty_scan;
  EXPECT_TRUE(store->findings(q)->empty());
  q.scan_id = 999;
  EXPECT_EQ(store->findings(q).error().code(), ErrorCode::kNotFound);

  auto scans = store->scans();
  ASSERT_TRUE(scans.has_value());
  ASSERT_EQ(scans->size(), 3u);
  EXPECT_EQ((*scans)[0].id, *empty_scan);
  EXPECT_EQ((*scans)[2].id, first);
  EXPECT_EQ(store->scans(1)->size(), 1u);
}

TEST(Store, ForEachFindingStreamsTheSameRowsAndStopsOrAborts) {
  testing::TempDir dir;
  auto store = open_store(dir.file("store.db"));
  ASSERT_NE(store, nullptr);
  int64_t first = record_scan(store.get(), kT0, 3, 6);
  record_scan(store.get(), kT0 + 1h, 2, 6);

  FindingQuery q;
  q.scan_id = first;
  q.status = model::Status::kFail;
  auto listed = store->findings(q);
  ASSERT_TRUE(listed.has_value());
  std::vector<StoredFinding> streamed;
  auto n = store->for_each_finding(q, [&](StoredFinding&& sf) -> Result<bool> {
    streamed.push_back(std::move(sf));
    return true;
  });
  ASSERT_TRUE(n.has_value()) << n.error().to_string();
  EXPECT_EQ(*n, 6);
  ASSERT_EQ(streamed.size(), listed->size());
  for (size_t i = 0; i < streamed.size(); ++i) {
    EXPECT_EQ(streamed[i].id, (*listed)[i].id);
    EXPECT_EQ(streamed[i].hash, (*listed)[i].hash);
    expect_same_finding(streamed[i].finding, (*listed)[i].finding);
  }

  // false stops after the current row; an error aborts and comes back unchanged.
  int seen = 0;
  n = store->for_each_finding({}, [&](StoredFinding&&) -> Result<bool> { return ++seen < 4; });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 4);
  EXPECT_EQ(seen, 4);
  n = store->for_each_finding({}, [&](StoredFinding&&) -> Result<bool> {
    return Error(ErrorCode::kIo, "out.csv: disk full");
  });
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code(), ErrorCode::kIo);
  EXPECT_EQ(n.error().message(), "out.csv: disk full");
  q.scan_id = 999;
  EXPECT_EQ(store->for_each_finding(q, [](StoredFinding&&) -> Result<bool> { return true; })
                .error()
                .code(),
            ErrorCode::kNotFound);
}

TEST(Store, RecordTargetChecksItsPreconditions) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto scan = store->begin_scan(make_meta(kT0));
  ASSERT_TRUE(scan.has_value());
  auto t = make_target("web-0");
  ASSERT_TRUE(
      store->record_target(*scan, t, make_facts("web-0"), make_outcome(), make_findings("web-0", 2))
          .has_value());

  auto dup = store->record_target(*scan, t, make_facts("web-0"), make_outcome(),
                                  make_findings("web-0", 2));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(dup.error().message(), HasSubstr("target web-0 is already recorded in scan 1"));

  auto other = store->record_target(*scan, make_target("web-1"), make_facts("web-1"),
                                    make_outcome(), make_findings("web-0", 1));
  EXPECT_EQ(other.error().code(), ErrorCode::kInvalidInput);

  auto missing = store->record_target(99, t, make_facts("web-0"), make_outcome(), {});
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(store->finish_scan(*scan, Json::object(), kT0 + 1min).has_value());
  auto late = store->record_target(*scan, make_target("web-2"), make_facts("web-2"), make_outcome(),
                                   make_findings("web-2", 1));
  EXPECT_EQ(late.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store->finish_scan(*scan, Json::object(), kT0).error().code(),
            ErrorCode::kInvalidInput);
  EXPECT_EQ(store->finish_scan(99, Json::object(), kT0).error().code(), ErrorCode::kNotFound);

  // Failed calls left nothing behind and the chain intact.
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM findings"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM target_results"), 1);
  EXPECT_TRUE(store->verify()->ok);

  auto interrupted = store->begin_scan(make_meta(kT0 + 1h));
  ASSERT_TRUE(store->interrupt_scan(*interrupted, kT0 + 2h).has_value());
  EXPECT_EQ(store->scan(*interrupted)->state, ScanState::kInterrupted);
}

TEST(Store, BusyDatabaseIsUnavailableAndRecordsNothing) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  StoreOptions options;
  options.busy_timeout = 1ms;
  auto store = open_store(path, options);
  ASSERT_NE(store, nullptr);
  auto scan = store->begin_scan(make_meta(kT0));
  ASSERT_TRUE(scan.has_value());
  {
    // Another connection holds the write lock (a tool, or a stuck checkpoint).
    RawDb raw(path);
    raw.exec("BEGIN IMMEDIATE");
    auto r = store->record_target(*scan, make_target("web-0"), make_facts("web-0"), make_outcome(),
                                  make_findings("web-0", 2));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(r.error().message(), path + ": begin transaction: database is locked");
    raw.exec("ROLLBACK");
  }
  ASSERT_TRUE(store
                  ->record_target(*scan, make_target("web-0"), make_facts("web-0"), make_outcome(),
                                  make_findings("web-0", 2))
                  .has_value());
  EXPECT_EQ(store->findings({})->size(), 2u);
  EXPECT_TRUE(store->verify()->ok);
}

// ---------------------------------------------------------------------------------------------
// Tamper evidence.

TEST(Store, VerifyNamesATamperedStatusRow) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  record_scan(store.get(), kT0, 3, 5);
  auto before = store->verify();
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(before->ok) << before->message;
  EXPECT_EQ(before->rows_checked, 15);

  RawDb raw(path);
  raw.exec("UPDATE findings SET status = 1 WHERE id = 7");  // pass -> fail
  auto after = store->verify();
  ASSERT_TRUE(after.has_value());
  EXPECT_FALSE(after->ok);
  EXPECT_EQ(after->first_bad_id, 7);
  EXPECT_EQ(after->rows_checked, 6);
  EXPECT_EQ(after->message,
            "findings row 7 does not match its hash: it was changed after it was recorded");
}

TEST(Store, VerifyNamesTheFirstRowUsingTamperedEvidence) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  record_scan(store.get(), kT0, 2, 3);
  RawDb raw(path);
  // Row 5 is web-1's rule 1: rewrite what its evidence says.
  int64_t detail = raw.integer("SELECT detail FROM findings WHERE id = 5");
  raw.exec("UPDATE details SET evidence = replace(evidence, '2048', '4096') WHERE id = " +
           std::to_string(detail));
  auto v = store->verify();
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id,
            raw.integer("SELECT min(id) FROM findings WHERE detail = " + std::to_string(detail)));

  // A tampered fact document is caught by its content hash.
  raw.exec("UPDATE details SET evidence = replace(evidence, '4096', '2048')");
  ASSERT_TRUE(store->verify()->ok);
  raw.exec("UPDATE fact_docs SET json = replace(json, 'FR', 'US')");
  auto facts = store->verify();
  EXPECT_FALSE(facts->ok);
  EXPECT_TRUE(facts->first_bad_fact_doc.has_value());
  EXPECT_FALSE(facts->first_bad_id.has_value());
}

TEST(Store, VerifyCatchesDeletedRows) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  record_scan(store.get(), kT0, 2, 5);
  RawDb raw(path);
  raw.exec("DELETE FROM findings WHERE id = 4");
  auto v = store->verify();
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id, 5);
  EXPECT_EQ(v->message, "findings row 5 does not follow row 3: rows 4..4 are missing (deleted)");

  // Renumbering to hide the gap breaks the hash instead.
  raw.exec("UPDATE findings SET id = id - 1 WHERE id > 4");
  v = store->verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id, 4);

  // Rows cut from the end: the scan still names its last finding.
  testing::TempDir dir2;
  std::string path2 = dir2.file("store.db");
  auto store2 = open_store(path2);
  record_scan(store2.get(), kT0, 2, 5);
  RawDb raw2(path2);
  raw2.exec("DELETE FROM findings WHERE id >= 9");
  auto tail = store2->verify();
  EXPECT_FALSE(tail->ok);
  EXPECT_EQ(tail->first_bad_id, 9);
  EXPECT_THAT(tail->message, HasSubstr("rows 9..10 are missing at the end"));
}

// ---------------------------------------------------------------------------------------------
// Pruning.

TEST(Store, PruneRemovesOldScansAndKeepsTheChainVerifiable) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  FakeClock clock(kT0 + 24h);
  StoreOptions options;
  options.clock = &clock;
  auto store = open_store(path, options);
  ASSERT_NE(store, nullptr);
  int64_t s1 = record_scan(store.get(), kT0, 3, 4, true, /*variant=*/1);
  int64_t s2 = record_scan(store.get(), kT0 + 1h, 3, 4, true, /*variant=*/2);
  int64_t s3 = record_scan(store.get(), kT0 + 2h, 3, 4, true, /*variant=*/3);
  RawDb raw(path);
  std::string hash_24 = raw.text("SELECT hex(hash) FROM findings WHERE id = 24");
  // 3 facts documents (one per variant) and 3 sources maps (one per target).
  EXPECT_EQ(raw.integer("SELECT count(*) FROM fact_docs"), 6);

  auto rep = store->prune(kT0 + 90min);
  ASSERT_TRUE(rep.has_value()) << rep.error().to_string();
  EXPECT_EQ(rep->scans_removed, 2);
  EXPECT_EQ(rep->findings_removed, 24);
  EXPECT_EQ(rep->fact_docs_removed, 2);
  EXPECT_EQ(rep->details_removed, 24);
  EXPECT_EQ(rep->scans_deferred, 0);
  std::string upper = rep->checkpoint_hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(upper, hash_24);

  EXPECT_EQ(store->scan(s1).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->scan(s2).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM findings"), 12);
  EXPECT_EQ(raw.integer("SELECT min(id) FROM findings"), 25);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM target_results"), 3);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM fact_docs"), 4);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM checkpoints"), 1);
  EXPECT_EQ(
      raw.integer("SELECT created FROM checkpoints"),
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now().time_since_epoch()).count());
  auto v = store->verify();
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_EQ(v->rows_checked, 12);
  EXPECT_EQ(store->findings({})->size(), 12u);

  // The chain goes on from the checkpoint, and a second prune cuts again.
  int64_t s4 = record_scan(store.get(), kT0 + 3h, 3, 4, true, 3);
  EXPECT_TRUE(store->verify()->ok);
  auto rep2 = store->prune(kT0 + 10h);
  ASSERT_TRUE(rep2.has_value());
  EXPECT_EQ(rep2->scans_removed, 1);  // s3; s4 is the most recent complete scan
  EXPECT_TRUE(store->scan(s4).has_value());
  EXPECT_EQ(store->scan(s3).error().code(), ErrorCode::kNotFound);
  v = store->verify();
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_EQ(v->rows_checked, 12);

  // Tampering right after the cut is still caught.
  raw.exec("UPDATE findings SET in_force = 0 WHERE id = (SELECT min(id) FROM findings)");
  v = store->verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id, 37);
}

TEST(Store, PruneFreesWhatOnlyPrunedScansUsed) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  record_scan(store.get(), kT0, 2, 3);       // web-0 and web-1
  record_scan(store.get(), kT0 + 1h, 1, 3);  // web-0 only, unchanged
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM details"), 6);
  auto rep = store->prune(kT0 + 30min);
  ASSERT_TRUE(rep.has_value());
  EXPECT_EQ(rep->scans_removed, 1);
  EXPECT_EQ(rep->findings_removed, 6);
  // web-0's details are still used by the kept scan; web-1's and its facts are not.
  EXPECT_EQ(rep->details_removed, 3);
  EXPECT_EQ(rep->fact_docs_removed, 1);  // web-1's sources map; the facts document is shared
  EXPECT_EQ(raw.integer("SELECT count(*) FROM details"), 3);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM latest_details"), 3);
  auto kept = store->findings({});
  ASSERT_TRUE(kept.has_value());
  ASSERT_EQ(kept->size(), 3u);
  expect_same_finding((*kept)[2].finding, make_findings("web-0", 3)[2]);
  EXPECT_TRUE(store->verify()->ok);
}

TEST(Store, PruneKeepsInterleavedScansAndRefusesABrokenChain) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  // Old scan A and newer scan B record alternately: A's later rows sit after B's first ones.
  auto a = store->begin_scan(make_meta(kT0));
  auto b = store->begin_scan(make_meta(kT0 + 1h));
  for (int t = 0; t < 2; ++t) {
    for (int64_t scan : {*a, *b}) {
      std::string name = "web-" + std::to_string(t);
      ASSERT_TRUE(store
                      ->record_target(scan, make_target(name), make_facts(name), make_outcome(),
                                      make_findings(name, 2))
                      .has_value());
    }
  }
  ASSERT_TRUE(store->finish_scan(*a, Json::object(), kT0 + 2h).has_value());
  ASSERT_TRUE(store->finish_scan(*b, Json::object(), kT0 + 2h).has_value());
  auto rep = store->prune(kT0 + 30min);
  ASSERT_TRUE(rep.has_value());
  EXPECT_EQ(rep->scans_removed, 0);
  EXPECT_EQ(rep->scans_deferred, 1);
  EXPECT_EQ(rep->findings_removed, 0);
  EXPECT_TRUE(rep->checkpoint_hash.empty());
  EXPECT_TRUE(store->scan(*a).has_value());
  EXPECT_TRUE(store->verify()->ok);

  // Scans C (old) and D (new) in order: C can go, but not over a tampered row.
  int64_t c = record_scan(store.get(), kT0 + 3h, 1, 2);
  record_scan(store.get(), kT0 + 4h, 1, 2);
  RawDb raw(path);
  raw.exec("UPDATE findings SET status = 6 WHERE id = 2");
  auto refused = store->prune(kT0 + 210min);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(refused.error().message(), HasSubstr("refusing to prune: findings row 2"));
  EXPECT_TRUE(store->scan(c).has_value());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM checkpoints"), 0);
}

// ---------------------------------------------------------------------------------------------
// Crash safety: a writer killed mid-scan loses at most the target in flight.

TEST(Store, WriterKilledMidScanLosesAtMostTheTargetInFlight) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  constexpr int kCommitted = 25;
  constexpr int kPerTarget = 20;
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: record targets, reporting each commit, until SIGKILL stops it.
    close(pipe_fds[0]);
    auto store = Store::open(path);
    if (!store) _exit(2);
    auto scan = (*store)->begin_scan(make_meta(kT0));
    if (!scan) _exit(3);
    for (int32_t t = 0; t < 100000; ++t) {
      std::string name = "web-" + std::to_string(t);
      auto r = (*store)->record_target(*scan, make_target(name), make_facts(name), make_outcome(),
                                       make_findings(name, kPerTarget));
      if (!r) _exit(4);
      if (write(pipe_fds[1], &t, sizeof t) != sizeof t) _exit(5);
    }
    _exit(6);
  }
  // Whatever happens below, the child does not outlive the test.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};
  close(pipe_fds[1]);
  int32_t last = -1;
  for (int i = 0; i < kCommitted; ++i) {
    ASSERT_EQ(read(pipe_fds[0], &last, sizeof last), static_cast<ssize_t>(sizeof last));
    ASSERT_EQ(last, i);
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  reaper.pid = 0;
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  close(pipe_fds[0]);

  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto scans = store->scans();
  ASSERT_TRUE(scans.has_value());
  ASSERT_EQ(scans->size(), 1u);
  EXPECT_EQ((*scans)[0].state, ScanState::kInterrupted);

  FindingQuery q;
  q.scan_id = (*scans)[0].id;
  auto findings = store->findings(q);
  ASSERT_TRUE(findings.has_value());
  // Every reported commit is there, and no target is there in part.
  EXPECT_GE(findings->size(), static_cast<size_t>(kCommitted * kPerTarget));
  EXPECT_EQ(findings->size() % kPerTarget, 0u);
  std::set<std::string> targets;
  for (const auto& f : *findings) targets.insert(f.finding.target_id);
  EXPECT_EQ(targets.size() * kPerTarget, findings->size());
  for (int t = 0; t < kCommitted; ++t) {
    EXPECT_EQ(targets.count("web-" + std::to_string(t)), 1u) << t;
    EXPECT_TRUE(store->facts(q.scan_id.value(), "web-" + std::to_string(t)).has_value());
  }
  auto v = store->verify();
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_EQ(v->rows_checked, static_cast<int64_t>(findings->size()));
  RawDb raw(path);
  EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.text("PRAGMA foreign_key_check"), "");

  // The store carries on: a new scan chains after what survived.
  record_scan(store.get(), kT0 + 1h, 2, 3);
  EXPECT_TRUE(store->verify()->ok);
}

TEST(Store, SizeBytesCountsMainFileAndWal) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  record_scan(store.get(), kT0, 5, 5);
  auto size = store->size_bytes();
  ASSERT_TRUE(size.has_value());
  int64_t expected = static_cast<int64_t>(std::filesystem::file_size(path));
  if (std::filesystem::exists(path + "-wal")) {
    expected += static_cast<int64_t>(std::filesystem::file_size(path + "-wal"));
  }
  EXPECT_EQ(*size, expected);
  EXPECT_GT(std::filesystem::file_size(path + "-wal"), 0u);
  ASSERT_TRUE(store->checkpoint_wal().has_value());
  EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u);
  EXPECT_EQ(*store->size_bytes(), static_cast<int64_t>(std::filesystem::file_size(path)));
}

// Outbox (issue #7): at-least-once alert delivery that survives a restart.
TEST(StoreOutbox, EnqueueDeduplicatesByKeyAndSurvivesReopen) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->outbox_enqueue("k1", "0:webhook", R"({"a":1})", kT0), true);
    EXPECT_EQ(store->outbox_enqueue("k1", "0:webhook", R"({"a":2})", kT0 + 1s), false);
    EXPECT_EQ(store->outbox_enqueue("k2", "0:webhook", R"({"b":1})", kT0), true);
    EXPECT_EQ(*store->outbox_pending(), 2);
  }
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  auto due = store->outbox_due(kT0);
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].dedup_key, "k1");
  EXPECT_EQ((*due)[0].payload, R"({"a":1})");
  EXPECT_EQ((*due)[0].created, kT0);
}

TEST(StoreOutbox, FailuresBackOffExponentiallyUntilDelivered) {
  testing::TempDir dir;
  auto store = open_store(dir.file("store.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->outbox_enqueue("k", "0:webhook", "{}", kT0).has_value());
  int64_t id = (*store->outbox_due(kT0))[0].id;
  ASSERT_TRUE(store->outbox_failed(id, "503", kT0, 1s, 8s).has_value());
  EXPECT_TRUE(store->outbox_due(kT0)->empty());
  EXPECT_EQ(store->outbox_due(kT0 + 1s)->size(), 1u);
  ASSERT_TRUE(store->outbox_failed(id, "timeout", kT0 + 1s, 1s, 8s).has_value());
  EXPECT_TRUE(store->outbox_due(kT0 + 2s)->empty());
  auto again = store->outbox_due(kT0 + 3s);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  EXPECT_EQ((*again)[0].last_error, "timeout");
  ASSERT_TRUE(store->outbox_delivered(id, kT0 + 3s).has_value());
  EXPECT_TRUE(store->outbox_due(kT0 + 1h)->empty());
  EXPECT_EQ(*store->outbox_pending(), 0);
  EXPECT_EQ(store->outbox_items()->at(0).delivered, kT0 + 3s);
  // Delivered and still known: the same key is not enqueued again.
  EXPECT_EQ(store->outbox_enqueue("k", "0:webhook", "{}", kT0 + 4s), false);
  EXPECT_EQ(store->outbox_delivered(999, kT0).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*store->outbox_prune(kT0 + 1h), 1);
}

TEST(StoreOutbox, BackoffDoublesAndIsCapped) {
  EXPECT_EQ(outbox_backoff(1, 5s, 1h), 5s);
  EXPECT_EQ(outbox_backoff(2, 5s, 1h), 10s);
  EXPECT_EQ(outbox_backoff(4, 5s, 1h), 40s);
  EXPECT_EQ(outbox_backoff(40, 5s, 1h), 1h);
}

// ---------------------------------------------------------------------------------------------
// Issue 8: chain membership for signed exports, and the waiver register.

TEST(Store, ChainContainsEveryLinkAndNothingElse) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(*store->chain_contains(std::string(64, '0')));  // the empty chain's head
  record_scan(store.get(), kT0, 2, 3);
  record_scan(store.get(), kT0 + 1h, 2, 3, true, /*variant=*/1);
  auto head = store->chain_head();
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(*store->chain_contains(*head));
  RawDb raw(path);
  std::string third = raw.text("SELECT lower(hex(hash)) FROM findings WHERE id = 3");
  EXPECT_TRUE(*store->chain_contains(third));
  std::string upper = raw.text("SELECT hex(hash) FROM findings WHERE id = 3");
  EXPECT_TRUE(*store->chain_contains(upper));  // either case
  std::string other = third;
  other[10] = other[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(*store->chain_contains(other));
  auto bad = store->chain_contains("zz" + third.substr(2));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store->chain_contains("abc").error().code(), ErrorCode::kInvalidInput);
  // After a prune the cut rows are gone, but the checkpoint's head is still a link.
  std::string sixth = raw.text("SELECT lower(hex(hash)) FROM findings WHERE id = 6");
  auto rep = store->prune(kT0 + 30min);
  ASSERT_TRUE(rep.has_value()) << rep.error().to_string();
  ASSERT_EQ(rep->findings_removed, 6);
  EXPECT_TRUE(*store->chain_contains(sixth));
  EXPECT_FALSE(*store->chain_contains(third));
}

model::Waiver make_waiver(const std::string& id, const std::string& reason) {
  model::Waiver w;
  w.id = id;
  w.rules = {"SNC-19.6-*"};
  w.rule_id = "SNC-19.6-*";
  w.targets = {"tag:env=prod"};
  w.target_id = "tag:env=prod";
  w.reason = reason;
  w.by = "CISO";
  w.created = kT0;
  w.expires = kT0 + 24h * 30;
  w.file = "/etc/sovereignd/waivers.yaml:3";
  return w;
}

TEST(Store, RecordsEveryWaiverVersionOnce) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  std::vector<model::Waiver> ws{make_waiver("W-1", "exit planned"), make_waiver("W-2", "fp")};
  EXPECT_EQ(*store->record_waivers(ws, kT0), 2);
  // Seen again, even from another file: no new version, last_seen moves.
  ws[0].file = "/elsewhere.yaml:9";
  EXPECT_EQ(*store->record_waivers(ws, kT0 + 1h), 0);
  // Its expiry moved and then it was revoked: two more versions, history kept.
  ws[0].expires = kT0 + 24h * 60;
  EXPECT_EQ(*store->record_waivers(ws, kT0 + 2h), 1);
  ws[0].revoked = kT0 + 3h;
  ws[0].revoked_by = "DPO";
  EXPECT_EQ(*store->record_waivers(ws, kT0 + 3h), 1);
  auto history = store->waiver_history("W-1");
  ASSERT_TRUE(history.has_value()) << history.error().to_string();
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].first_seen, kT0);
  EXPECT_EQ((*history)[0].last_seen, kT0 + 1h);
  EXPECT_EQ((*history)[0].waiver["reason"], "exit planned");
  EXPECT_FALSE((*history)[0].waiver.contains("file"));
  EXPECT_EQ((*history)[2].waiver["revoked_by"], "DPO");
  EXPECT_EQ(store->waiver_history()->size(), 4u);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM waivers"), 2);
  EXPECT_EQ(raw.text("SELECT rule_id || '|' || target_id FROM waivers WHERE id = 'W-1'"),
            "SNC-19.6-*|tag:env=prod");
  EXPECT_EQ(raw.integer("SELECT revoked IS NOT NULL FROM waivers WHERE id = 'W-1'"), 1);
  // Read-only stores refuse to record.
  StoreOptions ro;
  ro.read_only = true;
  auto reader = open_store(path, ro);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->record_waivers(ws, kT0).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(reader->waiver_history()->size(), 4u);
}

TEST(Store, MigratesAVersionOneDatabaseKeepingItsFindings) {
  testing::TempDir dir;
  std::string path = dir.file("store.db");
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    record_scan(store.get(), kT0, 2, 3);
  }
  {
    // What version 1 left: no waiver_versions table, user_version 1.
    RawDb raw(path);
    raw.exec("DROP TABLE waiver_versions; PRAGMA user_version = 1");
  }
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), kSchemaVersion);
  EXPECT_EQ(store->findings({})->size(), 6u);
  EXPECT_TRUE(store->verify()->ok);
  EXPECT_EQ(*store->record_waivers({make_waiver("W-1", "r")}, kT0), 1);
}

}  // namespace
}  // namespace sov::store
