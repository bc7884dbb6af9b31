// SPDX-License-Identifier: Apache-2.0
// Dependencies point down only (STYLE.md B3): reads every #include of daemon/ and probes/ and
// compares it with the allowed map, and keeps heavy third-party headers inside the modules that
// need them. Kea shows what happens without such a check: each library links everything built
// before it.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

// module -> modules it may include (besides itself).
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"daemon/base", {}},
      {"daemon/model", {"daemon/base"}},
      {"daemon/log", {"daemon/base"}},
      {"daemon/net", {"daemon/base"}},
      {"daemon/metrics", {"daemon/base"}},
      {"daemon/config", {"daemon/base", "daemon/model"}},
      {"daemon/ruleset", {"daemon/base", "daemon/model"}},
      {"daemon/store", {"daemon/base", "daemon/model"}},
      {"daemon/control", {"daemon/base", "daemon/model"}},
      {"probes/api", {"daemon/base", "daemon/model", "daemon/net"}},
      {"daemon/report", {"daemon/base", "daemon/model", "daemon/store"}},
      {"daemon/alerts", {"daemon/base", "daemon/model", "daemon/log", "daemon/net"}},
      {"daemon/engine",
       {"daemon/base", "daemon/model", "daemon/config", "daemon/ruleset", "daemon/store",
        "daemon/alerts", "daemon/metrics", "daemon/log", "probes/api",
        // The registration table (engine/probes.cc) names the concrete probes.
        "probes/tls", "probes/storage", "probes/keys", "probes/jurisdiction"}},
  };
  return kAllowed;
}

// Third-party headers and the modules allowed to include them (in .cc files; headers get a
// stricter check below).
const std::map<std::string, std::set<std::string>>& third_party() {
  static const std::map<std::string, std::set<std::string>> kThirdParty = {
      {"yaml-cpp/", {"daemon/config", "daemon/ruleset"}},
      {"sqlite3.h", {"daemon/store", "daemon/cli"}},  // cli: --version only
      {"boost/asio", {"daemon/net", "probes/api", "daemon/engine", "daemon/control", "daemon/app",
                      "probes/tls", "probes/storage", "probes/keys", "probes/jurisdiction"}},
      {"boost/beast", {"daemon/net", "daemon/app", "daemon/metrics", "probes/storage"}},
  };
  return kThirdParty;
}

std::string module_of(const std::string& rel) {
  auto first = rel.find('/');
  if (first == std::string::npos) return "";
  auto second = rel.find('/', first + 1);
  if (second == std::string::npos) return "";
  return rel.substr(0, second);
}

TEST(Layering, IncludesFollowTheAllowedMap) {
  const fs::path root = sov::testing::source_dir();
  const std::regex include_re(R"re(^\s*#\s*include\s*([<"])([^>"]+)[>"])re");
  size_t files = 0;
  for (const char* top : {"daemon", "probes"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file()) continue;
      auto ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      std::string rel = fs::relative(entry.path(), root).string();
      std::string mod = module_of(rel);
      bool is_header = ext == ".h";
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      int lineno = 0;
      while (std::getline(in, line)) {
        ++lineno;
        std::smatch m;
        if (!std::regex_search(line, m, include_re)) continue;
        std::string inc = m[2];
        std::string where = rel + ":" + std::to_string(lineno) + ": ";
        if (m[1] == "\"") {
          std::string dep = module_of(inc);
          if (dep.empty() || dep == mod) continue;
          if (mod == "daemon/app" || mod == "daemon/cli") continue;  // layer 5 may use all
          auto it = allowed().find(mod);
          ASSERT_NE(it, allowed().end()) << where << "module " << mod << " is not in the layering map";
          EXPECT_TRUE(it->second.count(dep) != 0)
              << where << mod << " may not include " << inc << " (layer rule, STYLE.md B3)";
        } else {
          for (const auto& [prefix, mods] : third_party()) {
            if (inc.rfind(prefix, 0) != 0) continue;
            EXPECT_TRUE(mods.count(mod) != 0) << where << mod << " may not include <" << inc << ">";
            if (is_header && prefix != "boost/beast" && mod != "daemon/app") {
              // Public headers never expose these: keep them out of everyone else's build.
              EXPECT_TRUE(prefix == "boost/asio" && (mod == "daemon/net" || mod == "daemon/control"))
                  << where << "public header includes <" << inc << ">; use pimpl or a forward declaration";
            }
          }
        }
      }
    }
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
