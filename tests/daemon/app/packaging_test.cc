// SPDX-License-Identifier: Apache-2.0
// The daemon's shipped files are tested like code (STYLE.md B1.10, B15): the unit verifies, the
// alert rules pass their promtool fixtures, sovereignd(8) lints clean and lists every option of
// `sovereignd --help`.
#include <cstdio>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace {

struct Shell {
  int status = -1;
  std::string out;
};

Shell sh(const std::string& cmd) {
  Shell r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string src() { return sov::testing::source_dir(); }

TEST(DaemonPackaging, AlertRulesPassTheirPromtoolFixtures) {
  Shell r =
      sh("cd " + src() +
         "/packaging/prometheus && /usr/bin/promtool check rules "
         "sovereignd-alerts.yaml && /usr/bin/promtool test rules sovereignd-alerts.test.yaml");
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(DaemonPackaging, UnitFileVerifiesAndScoresWell) {
  Shell v = sh("systemd-analyze verify " + src() + "/packaging/systemd/sovereignd.service");
  // The binary is not installed where the unit points and man pages are not installed in the
  // build tree: those two complaints are expected, nothing else.
  std::string rest;
  std::istringstream lines(v.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("is not executable") != std::string::npos) continue;
    if (line.find("Command 'man ") != std::string::npos) continue;
    rest += line + "\n";
  }
  EXPECT_EQ(rest, "");
  Shell s = sh("systemd-analyze security --offline=true " + src() +
               "/packaging/systemd/sovereignd.service");
  std::smatch m;
  std::regex level(R"(Overall exposure level for sovereignd.service: ([0-9.]+))");
  ASSERT_TRUE(std::regex_search(s.out, m, level)) << s.out;
  EXPECT_LE(std::stod(m[1]), 2.0) << s.out;
}

TEST(DaemonPackaging, ManPageLintsCleanAndMatchesHelp) {
  std::string page = src() + "/man/sovereignd.8";
  Shell lint = sh("mandoc -T lint -W warning " + page);
  EXPECT_EQ(lint.status, 0) << lint.out;
  EXPECT_EQ(lint.out, "");
  Shell groff = sh("groff -ww -z -man " + page);
  EXPECT_EQ(groff.out, "");
  std::string text = sov::testing::read_file(page);
  for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "SIGNALS",
                              "EXIT STATUS", "ENVIRONMENT", "EXAMPLES", "SEE ALSO"}) {
    EXPECT_NE(text.find(std::string(".SH ") + section), std::string::npos) << section;
  }
  Shell help = sh(std::string(SOVEREIGND) + " --help");
  ASSERT_EQ(help.status, 0);
  std::regex opt(R"(--[a-z-]+)");
  std::set<std::string> in_help;
  for (std::sregex_iterator it(help.out.begin(), help.out.end(), opt), end; it != end; ++it) {
    in_help.insert(it->str());
  }
  ASSERT_GE(in_help.size(), 4u);
  // The daemon's own options: SYNOPSIS to OPTIONS (EXAMPLES also shows sovereignctl's).
  std::string head = text.substr(0, text.find(".SH FILES"));
  std::string roff_text = std::regex_replace(head, std::regex(R"(\\-)"), "-");
  std::set<std::string> in_page;
  for (std::sregex_iterator it(roff_text.begin(), roff_text.end(), opt), end; it != end; ++it) {
    if (roff_text.compare(it->position() - 1, 1, "-") != 0) in_page.insert(it->str());
  }
  EXPECT_EQ(in_help, in_page);
}

}  // namespace
