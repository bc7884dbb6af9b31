// SPDX-License-Identifier: Apache-2.0
// daemon/log: journald prefixes, levels, quoting, and the catalogue of event names
// (daemon/log/EVENTS.md) against every name used in the code.
#include "daemon/log/log.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace {

std::mutex g_mu;
std::vector<std::string> g_lines;
void capture(std::string_view line) {
  std::lock_guard l(g_mu);
  g_lines.emplace_back(line);
}

TEST(Log, LinesCarryJournaldPrefixAndEventFirst) {
  g_lines.clear();
  sov::log::set_capture(&capture);
  sov::log::init(sov::log::Level::kInfo);
  sov::log::error("engine", "scan.failed", "reason=" + sov::log::quote("disk \"full\"\nnow"));
  sov::log::warn("engine", "probe.failed", "target=web-1");
  sov::log::info("daemon", "daemon.ready");
  sov::log::debug("engine", "scan.started", "targets=1");  // below the threshold
  sov::log::set_capture(nullptr);
  ASSERT_EQ(g_lines.size(), 3u);
  EXPECT_EQ(g_lines[0], R"(<3>scan.failed reason="disk \"full\"\nnow")");
  EXPECT_EQ(g_lines[1], "<4>probe.failed target=web-1");
  EXPECT_EQ(g_lines[2], "<6>daemon.ready");
}

TEST(Log, ParsesLevels) {
  EXPECT_EQ(sov::log::parse_level("debug").value(), sov::log::Level::kDebug);
  EXPECT_FALSE(sov::log::parse_level("verbose").has_value());
}

TEST(Log, EveryEventNameUsedInCodeIsDocumented) {
  namespace fs = std::filesystem;
  std::string root = sov::testing::source_dir();
  std::string doc = sov::testing::read_file(root + "/daemon/log/EVENTS.md");
  std::set<std::string> documented;
  std::regex row(R"(\| `([a-z0-9_.]+)` \|)");
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) {
    documented.insert((*it)[1]);
  }
  std::regex use(R"re(log::(?:error|warn|info|debug)\(\s*"[a-z_.]+",\s*"([a-z0-9_.]+)")re");
  std::set<std::string> used;
  for (const auto& e : fs::recursive_directory_iterator(root + "/daemon")) {
    auto ext = e.path().extension();
    if (ext != ".cc" && ext != ".h") continue;
    std::string text = sov::testing::read_file(e.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), use), end; it != end; ++it) {
      used.insert((*it)[1]);
    }
  }
  ASSERT_GT(used.size(), 10u);
  for (const auto& name : used) EXPECT_TRUE(documented.count(name)) << name << " not in EVENTS.md";
}

}  // namespace
