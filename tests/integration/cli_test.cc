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
  EXPECT_THAT(scan.out, HasSubstr("10 targets"));
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
                        "reload"}) {
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
  EXPECT_NE(js.out.find("key.files[1].encrypted"), std::string::npos);
  EXPECT_EQ(js.out.find(pin), std::string::npos);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string bytes = sov::testing::read_file(db + suffix);
    EXPECT_EQ(bytes.find(pin), std::string::npos) << "PIN found in " << db << suffix;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(ctl("frobnicate").status, 2);
  EXPECT_EQ(ctl("diff 1").status, 2);
}

}  // namespace
