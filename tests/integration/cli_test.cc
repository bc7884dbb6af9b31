// SPDX-License-Identifier: Apache-2.0
// sovereignctl from the outside: exit codes, output, and the store it leaves, on the demo estate
// and on broken inputs.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/wait.h>

#include "tests/support/temp_dir.h"

namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

struct CtlRun {
  int status = -1;
  std::string out;  // stdout and stderr together
};

CtlRun ctl(const std::string& args) {
  std::string cmd = std::string(SOVEREIGNCTL) + " " + args + " 2>&1";
  CtlRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

CtlRun ctl_stdout(const std::string& args) {
  std::string cmd = std::string(SOVEREIGNCTL) + " " + args + " 2>/dev/null";
  CtlRun r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string demo_config() {
  return sov::testing::source_dir() + "/packaging/examples/demo/sovereignd.yaml";
}

std::string rules_dir() { return sov::testing::source_dir() + "/rules"; }

TEST(Cli, DemoScanReportsInForceFailuresWithExitThree) {
  sov::testing::TempDir dir;
  std::string db = dir.file("demo.db");
  CtlRun scan = ctl("scan --config " + demo_config() + " --db " + db);
  EXPECT_EQ(scan.status, 3) << scan.out;
  EXPECT_THAT(scan.out, HasSubstr("12 targets"));
  EXPECT_THAT(scan.out, HasSubstr("SecNumCloud 3.2"));

  CtlRun js = ctl_stdout("findings --db " + db + " --format json");
  ASSERT_EQ(js.status, 0) << js.out;
  Json all = Json::parse(js.out);
  ASSERT_TRUE(all.is_array());
  ASSERT_FALSE(all.empty());
  bool aws_fails_capital = false, scw_passes_capital = false;
  for (const auto& f : all) {
    EXPECT_FALSE(f["reference"].get<std::string>().empty());
    EXPECT_EQ(f["hash"].get<std::string>().size(), 64u);
    if (f["rule_id"] == "SNC-19.6-b1" && f["target"] == "hdh-aws-paris") {
      aws_fails_capital = f["status"] == "fail";
      EXPECT_EQ(f["evidence"][0]["value"], 100);
    }
    if (f["rule_id"] == "SNC-19.6-b1" && f["target"] == "hdh-scaleway-paris") {
      scw_passes_capital = f["status"] == "pass";
    }
  }
  EXPECT_TRUE(aws_fails_capital);
  EXPECT_TRUE(scw_passes_capital);

  CtlRun failing = ctl("findings --db " + db + " --status fail --target hdh-aws-paris");
  EXPECT_EQ(failing.status, 0);
  EXPECT_THAT(failing.out, HasSubstr("SNC-19.6-b1"));
  EXPECT_THAT(failing.out, ::testing::Not(HasSubstr("hdh-scaleway-paris")));

  CtlRun verify = ctl("verify --db " + db);
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("ok:"));

  // The chain for one target: the operator comes from the provider registry.
  CtlRun chain = ctl("findings --db " + db + " --explain hdh-aws-paris");
  EXPECT_EQ(chain.status, 0) << chain.out;
  EXPECT_THAT(chain.out, HasSubstr("aws"));
  EXPECT_THAT(chain.out, HasSubstr("SNC-19.6-b1"));
  EXPECT_EQ(ctl("findings --db " + db + " --explain nosuch").status, 1);
}

TEST(Cli, VerifyNamesTheTamperedRow) {
  sov::testing::TempDir dir;
  std::string db = dir.file("demo.db");
  ASSERT_EQ(ctl("scan --config " + demo_config() + " --db " + db).status, 3);
  CtlRun js = ctl_stdout("findings --db " + db + " --status fail --format json");
  Json fails = Json::parse(js.out);
  ASSERT_FALSE(fails.empty());
  long long id = fails[0]["id"];
  // An insider turns a failure into a pass, directly in SQLite, copying the encoding of a
  // passing row.
  sqlite3* h = nullptr;
  std::string sql;
  CtlRun pass = ctl_stdout("findings --db " + db + " --status pass --format json");
  Json passes = Json::parse(pass.out);
  ASSERT_FALSE(passes.empty());
  long long pass_id = passes[0]["id"];
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sql = "UPDATE findings SET status = (SELECT status FROM findings WHERE id = " +
        std::to_string(pass_id) + ") WHERE id = " + std::to_string(id);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(h);
  CtlRun verify = ctl("verify --db " + db);
  EXPECT_EQ(verify.status, 1) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("first bad findings row: " + std::to_string(id)));
}

TEST(Cli, HistoryAndDiffBetweenTwoScans) {
  sov::testing::TempDir dir;
  std::string db = dir.file("d.db");
  ASSERT_EQ(ctl("scan --config " + demo_config() + " --db " + db).status, 3);
  ASSERT_EQ(ctl("scan --config " + demo_config() + " --db " + db).status, 3);
  CtlRun hist = ctl("history --db " + db);
  EXPECT_EQ(hist.status, 0);
  EXPECT_THAT(hist.out, HasSubstr("complete"));
  CtlRun hj = ctl_stdout("history --db " + db + " --format json");
  Json h = Json::parse(hj.out);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["id"], 2);  // most recent first
  CtlRun diff = ctl("diff 1 2 --db " + db);
  EXPECT_EQ(diff.status, 0) << diff.out;
  EXPECT_THAT(diff.out, HasSubstr("0 new failures, 0 resolved, 0 changed"));
  CtlRun bad = ctl("diff 1 99 --db " + db);
  EXPECT_NE(bad.status, 0);
}

TEST(Cli, ScanOfAnInvalidConfigExitsTwoWithPositions) {
  sov::testing::TempDir dir;
  std::string cfg =
      dir.write("bad.yaml", "store: x.db\ntargets:\n  - id: a\n    kind: declared\n    tgas: {}\n");
  CtlRun r = ctl("scan --config " + cfg + " --db " + dir.file("x.db"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr(cfg + ":5:5: error:"));
  EXPECT_THAT(r.out, HasSubstr("did you mean 'tags'?"));
  CtlRun check = ctl("config check " + cfg);
  EXPECT_EQ(check.status, 2);
  EXPECT_THAT(check.out, HasSubstr("did you mean 'tags'?"));
}

TEST(Cli, ShippedRulesValidateStrictlyAndTheirCasesPass) {
  CtlRun v = ctl("rules validate --strict " + rules_dir());
  EXPECT_EQ(v.status, 0) << v.out;
  CtlRun t = ctl("rules test " + rules_dir());
  EXPECT_EQ(t.status, 0) << t.out;
  EXPECT_THAT(t.out, HasSubstr(" 0 failed"));
  CtlRun l = ctl("rules list " + rules_dir());
  EXPECT_EQ(l.status, 0);
  EXPECT_THAT(l.out, HasSubstr("SNC-19.6-b1"));
  CtlRun e = ctl("rules explain SNC-19.6-b1 --rules " + rules_dir());
  EXPECT_EQ(e.status, 0) << e.out;
  EXPECT_THAT(e.out, HasSubstr("provider.ownership.non_eu_max_single_pct"));
  EXPECT_THAT(e.out, HasSubstr("SecNumCloud"));
  CtlRun nope = ctl("rules explain SNC-19.6-bl --rules " + rules_dir());
  EXPECT_EQ(nope.status, 2);
  EXPECT_THAT(nope.out, HasSubstr("did you mean"));
}

TEST(Cli, DemoConfigChecksClean) {
  CtlRun r = ctl("config check " + demo_config());
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* c : {"",
                        "scan",
                        "findings",
                        "history",
                        "diff",
                        "verify",
                        "rules",
                        "rules validate",
                        "rules test",
                        "rules list",
                        "rules explain",
                        "config",
                        "config check",
                        "config schema",
                        "probe",
                        "probe tls",
                        "probe pkcs11",
                        "probe key-file",
                        "probe kms",
                        "providers",
                        "providers list",
                        "providers resolve",
                        "status",
                        "reload",
                        "waive",
                        "waive add",
                        "waive list",
                        "waive revoke",
                        "waive lint",
                        "keygen",
                        "sign"}) {
    CtlRun r = ctl(std::string(c) + " --help");
    EXPECT_EQ(r.status, 0) << c << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("Usage")) << c;
  }
}

TEST(Cli, VersionNamesTheLibraries) {
  CtlRun r = ctl("--version");
  EXPECT_EQ(r.status, 0);
  for (const char* lib : {"OpenSSL", "SQLite", "yaml-cpp", "Boost"})
    EXPECT_THAT(r.out, HasSubstr(lib));
}

TEST(Cli, MissingStoreIsARuntimeErrorNotACrash) {
  sov::testing::TempDir dir;
  CtlRun r = ctl("findings --db " + dir.file("none.db"));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("no store at"));
  CtlRun s = ctl("findings --db " + dir.file("none.db") + " --status bogus");
  EXPECT_EQ(s.status, 2);
}

// Secrets never reach the store or the output (STYLE.md B11). The demo key script makes a real
// SoftHSM2 token whose user PIN is also the passphrase of an encrypted key file; a scan probes
// both, then every byte of the store and of what sovereignctl printed is searched for it.
TEST(Cli, PlantedPinAndPassphraseReachNeitherStoreNorOutput) {
  sov::testing::TempDir dir;
  std::string keys = dir.file("keys");
  std::string script = sov::testing::source_dir() + "/packaging/examples/demo/keys/create.sh";
  ASSERT_EQ(std::system((script + " " + keys + " >/dev/null 2>&1").c_str()), 0);
  std::string pin = sov::testing::read_file(keys + "/user.pin");
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  ASSERT_GE(pin.size(), 8u);
  std::string cfg = dir.write("s.yaml", "store: s.db\nrules: [" + rules_dir() +
                                            "]\ntargets:\n"
                                            "  - id: hsm\n    kind: pkcs11\n"
                                            "    module: /usr/lib/softhsm/libsofthsm2.so\n"
                                            "    token: demo-hsm\n    key: demo-sealed\n"
                                            "    pin_file: keys/user.pin\n"
                                            "    tags: { data_class: [health] }\n"
                                            "  - id: files\n    kind: key_file\n"
                                            "    path: keys/files\n");
  std::string env = "SOFTHSM2_CONF=" + keys + "/softhsm2.conf ";
  std::string db = dir.file("s.db");
  std::string cmd = std::string("sh -c '") + env + SOVEREIGNCTL + " scan --config " + cfg + "'";
  std::string out;
  {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    pclose(p);
  }
  // The token was really opened and read: SoftHSM2 is recognised as a software token.
  EXPECT_NE(out.find("key.custody = \"software_token\""), std::string::npos) << out;
  EXPECT_EQ(out.find(pin), std::string::npos);
  CtlRun js = ctl("findings --db " + db + " --format json");
  EXPECT_NE(js.out.find("key.keys[0].extractable"), std::string::npos);
  EXPECT_NE(js.out.find("key.files[1]."), std::string::npos);
  EXPECT_EQ(js.out.find(pin), std::string::npos);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string bytes = sov::testing::read_file(db + suffix);
    EXPECT_EQ(bytes.find(pin), std::string::npos) << "PIN found in " << db << suffix;
  }
  // Nor any export: every format, with the facts appendix of the HTML report.
  for (const char* format : {"html", "json", "csv", "oscal", "ocsf"}) {
    std::string file = dir.file(std::string("export.") + format);
    CtlRun ex = ctl("export --format " + std::string(format) + " --db " + db + " --rules " +
                    rules_dir() + " --out " + file);
    ASSERT_EQ(ex.status, 0) << format << ": " << ex.out;
    std::string bytes = sov::testing::read_file(file);
    EXPECT_FALSE(bytes.empty()) << format;
    EXPECT_EQ(bytes.find(pin), std::string::npos) << "PIN found in the " << format << " export";
    EXPECT_EQ(ex.out.find(pin), std::string::npos);
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(ctl("frobnicate").status, 2);
  EXPECT_EQ(ctl("diff 1").status, 2);
}

// Issue 8: the waiver register through the CLI, on real files checked against the shipped rules.
TEST(Cli, WaiveRoundTripAddListRevokeLint) {
  sov::testing::TempDir dir;
  std::string file = dir.file("waivers.yaml");
  const std::string rules = " --rules " + rules_dir();
  CtlRun add = ctl("waive add " + file +
                   " --id W-1 --rule SNC-19.6-d --target tag:env=prod --reason 'Exit plan "
                   "\"signed\"' --approved-by 'A. Martin, CISO' --category remediation-planned "
                   "--for 60d" +
                   rules);
  ASSERT_EQ(add.status, 0) << add.out;
  EXPECT_THAT(add.out, HasSubstr("added waiver W-1"));
  std::string text = sov::testing::read_file(file);
  EXPECT_THAT(text, HasSubstr("waivers:\n  - id: \"W-1\"\n    rules: [\"SNC-19.6-d\"]\n"));
  EXPECT_THAT(text, HasSubstr("reason: \"Exit plan \\\"signed\\\"\""));

  // SNC-19.6-* covers critical rules: 60 days is over the 30-day limit, at the expires line.
  CtlRun too_long =
      ctl("waive add " + file +
          " --id W-2 --rule 'SNC-19.6-*' --reason r --approved-by b --for 60d" + rules);
  EXPECT_EQ(too_long.status, 2) << too_long.out;
  EXPECT_THAT(too_long.out, HasSubstr(file + ":16:14: error: waiver 'W-2' lasts 60d, longer than "
                                             "the 30d allowed for critical rule 'SNC-19.6-a' "
                                             "(waiver_max_duration.critical)"));
  CtlRun unknown = ctl("waive add " + file +
                       " --id W-3 --rule SNC-19.6-zz --reason r --approved-by b --for 10d" + rules);
  EXPECT_EQ(unknown.status, 2) << unknown.out;
  EXPECT_THAT(unknown.out, HasSubstr("waiver 'W-3' names unknown rule 'SNC-19.6-zz'"));
  CtlRun dup = ctl("waive add " + file +
                   " --id W-1 --rule SNC-19.6-d --reason r --approved-by b --for 10d" + rules);
  EXPECT_EQ(dup.status, 2) << dup.out;
  EXPECT_THAT(dup.out, HasSubstr("duplicate waiver id 'W-1'"));
  EXPECT_EQ(sov::testing::read_file(file), text);  // refused edits leave the file alone

  CtlRun list = ctl_stdout("waive list " + file + " --format json");
  ASSERT_EQ(list.status, 0) << list.out;
  Json ws = Json::parse(list.out);
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0]["state"], "active");
  EXPECT_GE(ws[0]["days_left"].get<int>(), 58);
  EXPECT_EQ(ws[0]["category"], "remediation-planned");

  CtlRun revoke = ctl("waive revoke " + file + " W-1 --by 'J. Doe, DPO'");
  ASSERT_EQ(revoke.status, 0) << revoke.out;
  text = sov::testing::read_file(file);
  EXPECT_THAT(text, HasSubstr("id: \"W-1\""));  // kept: audit trail
  EXPECT_THAT(text, HasSubstr("    revoked_by: \"J. Doe, DPO\"\n"));
  CtlRun table = ctl("waive list " + file);
  EXPECT_THAT(table.out, HasSubstr("revoked"));
  CtlRun again = ctl("waive revoke " + file + " W-1 --by x");
  EXPECT_EQ(again.status, 2);
  EXPECT_THAT(again.out, HasSubstr("already revoked"));

  CtlRun lint = ctl("waive lint " + file + rules);
  EXPECT_EQ(lint.status, 0) << lint.out;
  EXPECT_THAT(lint.out, HasSubstr("ok: 1 waivers in 1 files, 0 errors, 0 warnings"));
}

TEST(Cli, WaiveLintNamesEveryProblemWithItsPosition) {
  sov::testing::TempDir dir;
  std::string a = dir.write("a.yaml", R"(waivers:
  - id: old
    rules: [SNC-19.6-d]
    reason: migrated
    approved_by: CISO
    created: 2025-01-01
    expires: 2025-02-01
  - id: typo
    rules: [SNC-19.6-dd, "GDPR-*-nothing"]
    reason: x
    approved_by: CISO
    created: 2026-01-01
    expires: 2026-01-20
)");
  std::string b = dir.write("b.yaml", R"(waivers:
  - {id: blank, rule: SNC-19.6-e, reason: "  ", by: x, created: 2026-01-01, expires: 2026-01-09}
)");
  std::string d = dir.write("d.yaml", R"(waivers:
  - {id: old, rule: SNC-19.6-e, reason: r, by: x, created: 2026-01-01, expires: 2026-01-09}
)");
  CtlRun lint =
      ctl("waive lint " + a + " " + b + " " + d + " --rules " + rules_dir() + " --at 2026-01-05");
  EXPECT_EQ(lint.status, 2) << lint.out;
  EXPECT_THAT(lint.out, HasSubstr(b + ":2:43: error: waiver 'blank' needs a non-empty 'reason'"));
  EXPECT_THAT(lint.out, HasSubstr(a + ":7:14: warning: waiver 'old' expired on 2025-02-01"));
  EXPECT_THAT(lint.out, HasSubstr(a + ":9:13: error: waiver 'typo' names unknown rule "
                                      "'SNC-19.6-dd' (did you mean 'SNC-19.6-d'?)"));
  EXPECT_THAT(lint.out,
              HasSubstr(a + ":9:26: error: waiver 'typo': 'GDPR-*-nothing' matches no rule"));
  EXPECT_THAT(lint.out,
              HasSubstr(d + ":2:5: error: duplicate waiver 'old' (first defined at " + a + ":2)"));
  // Strict: the expired waiver alone fails the lint.
  std::string first = sov::testing::read_file(a);
  std::string c = dir.write("c.yaml", first.substr(0, first.find("  - id: typo")));
  CtlRun strict = ctl("waive lint --strict " + c + " --rules " + rules_dir());
  EXPECT_EQ(strict.status, 2) << strict.out;
  CtlRun lax = ctl("waive lint " + c + " --rules " + rules_dir());
  EXPECT_EQ(lax.status, 0) << lax.out;
}

// A one-target estate of its own (a declared provider outside the EU, one rule), so that the
// signing test does not depend on the shipped rules or the demo.
std::string write_mini_estate(const sov::testing::TempDir& dir) {
  dir.write("rules/test.yaml", R"(ruleset: test-set
title: Test set
version: 1.0.0
source: { title: Test law, url: "https://example.eu/law", date: 2024-01-01 }
rules:
  - id: T-SEAT
    title: Provider seat in the EU
    severity: high
    reference: "Test law art. 1"
    effective: 2024-01-01
    check: { fact: provider.seat_country, in: [FR, DE] }
)");
  return dir.write("sovereignd.yaml", R"(rules: [rules]
targets:
  - id: american
    kind: declared
    declared: { provider: { seat_country: US } }
)");
}

// Issue 8: an export signed with a key made here, verified against the store it came from; a
// changed byte, another key or another store fails with exit status 4. No key material leaks.
TEST(Cli, SignedExportVerifiesAgainstItsStoreAndNothingElse) {
  sov::testing::TempDir dir;
  std::string config = write_mini_estate(dir);
  std::string db = dir.file("audit.db");
  ASSERT_EQ(ctl("scan --config " + config + " --db " + db).status, 3);
  CtlRun js = ctl_stdout("findings --db " + db + " --format json");
  ASSERT_EQ(js.status, 0);
  std::string exp = dir.write("findings.json", js.out);
  std::string key = dir.file("signing.pem");
  CtlRun keygen = ctl("keygen --out " + key);
  ASSERT_EQ(keygen.status, 0) << keygen.out;
  CtlRun sign =
      ctl("sign " + exp + " --key " + key + " --db " + db + " --rules " + dir.file("rules"));
  ASSERT_EQ(sign.status, 0) << sign.out;
  Json manifest = Json::parse(sov::testing::read_file(exp + ".manifest.json"));
  EXPECT_EQ(manifest["chain_head"].get<std::string>().size(), 64u);
  EXPECT_FALSE(manifest["rulesets"].empty());

  CtlRun ok = ctl("verify " + exp + " --pubkey " + key + ".pub --db " + db);
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("signature ok"));
  EXPECT_THAT(ok.out, HasSubstr("chain ok"));
  CtlRun old_form = ctl("verify --db " + db);  // the store's own chain check still works
  EXPECT_EQ(old_form.status, 0) << old_form.out;

  // Another store (a second scan elsewhere) does not hold this chain head.
  std::string other_db = dir.file("other.db");
  ASSERT_EQ(ctl("scan --config " + config + " --db " + other_db).status, 3);
  CtlRun foreign = ctl("verify " + exp + " --pubkey " + key + ".pub --db " + other_db);
  EXPECT_EQ(foreign.status, 4) << foreign.out;
  EXPECT_THAT(foreign.out, HasSubstr("is not in the hash chain of " + other_db));

  CtlRun other_key = ctl("keygen --out " + dir.file("other.pem"));
  ASSERT_EQ(other_key.status, 0);
  CtlRun wrong = ctl("verify " + exp + " --pubkey " + dir.file("other.pem.pub"));
  EXPECT_EQ(wrong.status, 4) << wrong.out;
  EXPECT_THAT(wrong.out, HasSubstr("wrong key"));

  std::string data = sov::testing::read_file(exp);
  data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x20);
  dir.write("findings.json", data);
  CtlRun changed = ctl("verify " + exp + " --pubkey " + key + ".pub");
  EXPECT_EQ(changed.status, 4) << changed.out;
  EXPECT_THAT(changed.out, HasSubstr("does not match its signed manifest"));

  // export --sign: the export, its manifest and signature in one command; the cover says so.
  CtlRun exported = ctl("export --format html --db " + db + " --rules " + dir.file("rules") +
                        " --out " + dir.file("report.html") + " --sign " + key);
  ASSERT_EQ(exported.status, 0) << exported.out;
  EXPECT_THAT(sov::testing::read_file(dir.file("report.html")), HasSubstr("report.html.sig"));
  CtlRun report_ok =
      ctl("verify " + dir.file("report.html") + " --pubkey " + key + ".pub --db " + db);
  EXPECT_EQ(report_ok.status, 0) << report_ok.out;

  // The private key's base64 body appears in no output.
  std::string pem = sov::testing::read_file(key);
  size_t body = pem.find('\n') + 1;
  std::string secret = pem.substr(body, pem.find('\n', body) - body);
  ASSERT_GT(secret.size(), 40u);
  for (const CtlRun* r : {&keygen, &sign, &ok, &foreign, &wrong, &changed, &exported}) {
    EXPECT_THAT(r->out, ::testing::Not(HasSubstr(secret)));
    EXPECT_THAT(r->out, ::testing::Not(HasSubstr("PRIVATE KEY")));
  }
}

}  // namespace
