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
#include <vector>

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
      {"daemon/signing", {"daemon/base"}},
      {"daemon/control", {"daemon/base", "daemon/model"}},
      {"probes/api", {"daemon/base", "daemon/model", "daemon/net"}},
      {"daemon/report", {"daemon/base", "daemon/model", "daemon/store"}},
      {"daemon/alerts", {"daemon/base", "daemon/model", "daemon/log", "daemon/net"}},
      {"probes/tls", {"daemon/base", "daemon/model", "daemon/net", "probes/api"}},
      // Storage probes reuse the TLS probe for the endpoint's TLS facts (S3, PostgreSQL).
      {"probes/s3", {"daemon/base", "daemon/model", "daemon/net", "probes/api", "probes/tls"}},
      {"probes/storage", {"daemon/base", "daemon/model", "daemon/net", "probes/api", "probes/tls"}},
      // Key files: whether their volume is encrypted comes from the path probe.
      {"probes/keys",
       {"daemon/base", "daemon/model", "daemon/net", "probes/api", "probes/storage"}},
      {"probes/jurisdiction", {"daemon/base", "daemon/model", "daemon/net", "probes/api"}},
      {"daemon/engine",
       {"daemon/base", "daemon/model", "daemon/config", "daemon/ruleset", "daemon/store",
        "daemon/alerts", "daemon/metrics", "daemon/log", "probes/api",
        // The registration table (engine/probes.cc) names the concrete probes.
        "probes/tls", "probes/s3", "probes/storage", "probes/keys", "probes/jurisdiction"}},
  };
  return kAllowed;
}

// Third-party headers and the modules allowed to include them (in .cc files; headers get a
// stricter check below).
const std::map<std::string, std::set<std::string>>& third_party() {
  static const std::map<std::string, std::set<std::string>> kThirdParty = {
      {"yaml-cpp/", {"daemon/config", "daemon/ruleset", "probes/jurisdiction"}},
      {"sqlite3.h", {"daemon/store", "daemon/cli"}},  // cli: --version only
      {"boost/asio",
       {"daemon/net", "probes/api", "daemon/engine", "daemon/control", "daemon/app", "probes/tls",
        "probes/s3", "probes/storage", "probes/keys", "probes/jurisdiction"}},
      {"boost/beast",
       {"daemon/net", "daemon/app", "daemon/metrics", "probes/s3", "probes/storage"}},
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

struct Include {
  std::string file;  // relative to the source root
  int line = 0;
  bool quoted = false;
  std::string target;
};

std::vector<Include> scan_includes(const fs::path& root) {
  const std::regex include_re(R"re(^\s*#\s*include\s*([<"])([^>"]+)[>"])re");
  std::vector<Include> out;
  for (const char* top : {"daemon", "probes"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file()) continue;
      auto ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      std::string rel = fs::relative(entry.path(), root).string();
      std::ifstream in(entry.path());
      std::string line;
      int lineno = 0;
      while (std::getline(in, line)) {
        ++lineno;
        std::smatch m;
        if (std::regex_search(line, m, include_re)) {
          out.push_back({rel, lineno, m[1] == "\"", m[2]});
        }
      }
    }
  }
  return out;
}

TEST(Layering, IncludesFollowTheAllowedMap) {
  const auto includes = scan_includes(sov::testing::source_dir());
  ASSERT_GT(includes.size(), 50u);
  // Public headers: those another module includes. They must not expose heavy third-party
  // headers; a module's internal headers (included by its own .cc files only) may.
  std::set<std::string> public_headers;
  for (const auto& inc : includes) {
    if (inc.quoted && module_of(inc.target) != module_of(inc.file))
      public_headers.insert(inc.target);
  }
  for (const auto& inc : includes) {
    std::string mod = module_of(inc.file);
    std::string where = inc.file + ":" + std::to_string(inc.line) + ": ";
    if (inc.quoted) {
      std::string dep = module_of(inc.target);
      if (dep.empty() || dep == mod) continue;
      if (mod == "daemon/app" || mod == "daemon/cli") continue;  // layer 5 may use all
      auto it = allowed().find(mod);
      ASSERT_NE(it, allowed().end()) << where << "module " << mod << " is not in the layering map";
      EXPECT_TRUE(it->second.count(dep) != 0)
          << where << mod << " may not include " << inc.target << " (layer rule, STYLE.md B3)";
      continue;
    }
    for (const auto& [prefix, mods] : third_party()) {
      if (inc.target.rfind(prefix, 0) != 0) continue;
      EXPECT_TRUE(mods.count(mod) != 0)
          << where << mod << " may not include <" << inc.target << ">";
      bool exposed = public_headers.count(inc.file) != 0;
      bool asio_ok = prefix == "boost/asio" && (mod == "daemon/net" || mod == "daemon/control");
      EXPECT_FALSE(exposed && !asio_ok) << where << "public header includes <" << inc.target
                                        << ">; use pimpl or a forward declaration";
    }
  }
}

}  // namespace
