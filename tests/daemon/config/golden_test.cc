// SPDX-License-Identifier: Apache-2.0
// Golden error texts: each tests/data/config/NAME.yaml is loaded and its diagnostics must equal
// NAME.err exactly (position, message, source line, caret), as Ninja's ParserTest.Errors does.
// Files in subdirectories are attestation files the top-level ones name. Absolute paths of the
// data directory are written as "" in the .err files, so the texts do not depend on the checkout.
//
// To regenerate after a deliberate change of wording: SOV_UPDATE_GOLDEN=1 sov_config_tests
// --gtest_filter='ConfigGolden.*', then review every diff of the .err files.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/config/config.h"
#include "tests/support/temp_dir.h"

namespace sov::config {
namespace {

namespace fs = std::filesystem;

// SOV_SOURCE_DIR is defined for this executable by sov_test(); testing::source_dir() is compiled
// into sov_testsupport without it and falls back to the working directory.
std::string data_dir() { return std::string(SOV_SOURCE_DIR) + "/tests/data/config"; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(data_dir())) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") {
      names.push_back(e.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ConfigGolden, EveryMalformedConfigGivesItsExactErrorText) {
  const bool update = std::getenv("SOV_UPDATE_GOLDEN") != nullptr;
  auto names = golden_names();
  ASSERT_GE(names.size(), 8u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    std::string text = testing::read_file(data_dir() + "/" + name + ".yaml");
    Diagnostics diags;
    auto r = load_config_text(name + ".yaml", text, data_dir(), &diags);
    EXPECT_FALSE(r) << "a golden config must fail to load";
    std::string got = replace_all(diags.to_string(), data_dir() + "/", "") + "\n";
    std::string err_file = data_dir() + "/" + name + ".err";
    if (update) {
      std::ofstream(err_file, std::ios::binary) << got;
      continue;
    }
    ASSERT_TRUE(fs::exists(err_file)) << err_file << " is missing";
    EXPECT_EQ(got, testing::read_file(err_file));
  }
}

}  // namespace
}  // namespace sov::config
